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
// # Throughput of one poll
//
// Every vote for a poll updates the same item (the poll's counters), so one
// poll's write rate is bounded by what DynamoDB gives a single item: at most
// 1,000 write units per second per partition, and a transactional write costs
// 2 units per KB of item. A small poll (under 1 KB) thus takes at most about
// 500 votes/s, and about 250/s while the voter records (2 more units each)
// share the poll's partition; a poll of 20 options of 100 characters (about 5
// KB) takes about 100 votes/s. Concurrent transactions on the same item
// cancel each other (TransactionConflict), so under contention the sustained
// rate is lower than these ceilings; votes whose retries run out get 503 with
// Retry-After and are not counted. Many polls scale independently. A single
// poll that needs more would shard its counter over several items and sum
// them on read; this package does not.
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
// Text is Unicode or refused: a body with invalid UTF-8 or an unpaired
// surrogate escape ("\ud800") is a 400, never stored as U+FFFD. The question
// and options are stored NFC-normalised (Canonical), so "café" typed with a
// combining accent is the same option as with a precomposed é, and a vote in
// either form counts for it; options that differ only by invisible
// characters are duplicates, and text with no visible character (only
// spaces, zero-width spaces or joiners, Hangul fillers, ...) is refused.
// Polls created before options were normalised keep their stored spelling: a
// vote is normalised, so it no longer matches an option stored in NFD.
//
// The smallest use, in a Lambda main:
//
//	cfg, _ := config.LoadDefaultConfig(ctx)
//	store := polls.NewStore(dynamodb.NewFromConfig(cfg), os.Getenv("TABLE_NAME"))
//	lambda.Start(polls.NewHandler(store, logger).CastVote)
package polls
