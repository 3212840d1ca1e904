// Package polls is the voting service behind gureum's reference API: create a
// poll, cast one vote per voter, read live counts. It holds all the logic of
// the createpoll, castvote and getpoll Lambdas, which only wire it to the
// Lambda runtime.
//
// # Table layout
//
// Everything lives in one DynamoDB table whose key schema is partition key
// "pk" (String) and sort key "sk" (String):
//
//	pk = POLL#<id>  sk = POLL            question, options, counts (map option -> N), createdAt
//	pk = POLL#<id>  sk = VOTE#<voter>    option, votedAt
//
// A vote is a single TransactWriteItems call: a conditional Put of the voter
// item (it must not exist yet) and an Update of the poll item that adds one to
// the chosen option's counter (the poll and the option must exist). Either both
// happen or neither does, so counts are exact and a voter counts at most once.
// Transactions cancelled by a conflicting transaction are retried with
// jittered exponential backoff; when the attempts run out the vote is reported
// as not counted (ErrBusy, HTTP 503), never half-applied.
//
// # HTTP API
//
// [Handler] serves API Gateway REST proxy integrations:
//
//	POST /polls             {"question": "...", "options": ["a", "b"]}  -> 201 poll
//	POST /polls/{id}/votes  {"option": "a", "voterId": "..."}           -> 201 vote
//	GET  /polls/{id}                                                    -> 200 poll with live counts
//
// The voter is the authenticated caller when API Gateway supplies one
// (Cognito user pool "sub" claim, Lambda authorizer principalId, Cognito
// identity id, IAM user ARN, in that order); only unauthenticated requests
// fall back to the body's voterId. Errors are JSON objects {"error": "..."}.
//
// The smallest use, in a Lambda main:
//
//	cfg, _ := config.LoadDefaultConfig(ctx)
//	store := polls.NewStore(dynamodb.NewFromConfig(cfg), os.Getenv("TABLE_NAME"))
//	lambda.Start(polls.NewHandler(store, logger).CastVote)
package polls
