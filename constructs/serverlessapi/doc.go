// Package serverlessapi provides ServerlessAPI: an API Gateway REST API whose
// routes are Go Lambda functions backed by one DynamoDB table, with the
// production defaults of a public API: a WAFv2 web ACL (AWS managed rules and a
// per-IP rate limit) against floods and DDoS, stage and per-route throttling,
// IAM or Cognito authorization, request validation, {"error": "…"} JSON bodies
// for the errors API Gateway answers itself, JSON access logs, execution logs
// (both with a retention), X-Ray, alarms, and a table with point-in-time
// recovery and deletion protection that is retained when the stack is
// deleted.
//
// The smallest use is a list of routes (this is the package's Example):
//
//	api := serverlessapi.New(stack, "Votes", &serverlessapi.Props{
//		Routes: []serverlessapi.Route{
//			{Method: "GET", Path: "/polls/{id}", Entry: "functions/voting/getpoll", Actions: []string{"dynamodb:GetItem"}},
//			{Method: "POST", Path: "/polls", Entry: "functions/voting/createpoll", Actions: []string{"dynamodb:PutItem"}},
//		},
//		WAF: serverlessapi.WAF{RateLimit: 500},
//	})
//
// Each route's Entry is the directory of a Go main package; it is compiled at
// synth time for provided.al2023 on arm64 by the local Go toolchain (no
// Docker). The handler finds the table's name in the TABLE_NAME environment
// variable. A route gets only the table access its Access field names (the
// zero value is read-only), or exactly the DynamoDB actions its Actions field
// lists.
//
// Defaults live in defaults.go. A field set in Props always wins over the
// default; Existing* fields replace a resource the construct would create,
// and setting both an Existing* field and the props of the resource it
// replaces is an error. Every resource made is an exported field of
// ServerlessAPI for escape hatches.
package serverlessapi
