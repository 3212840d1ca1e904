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
// The smallest use is a list of routes: ExampleNew, in the form an app
// copies. Each route's Entry names a Go main package, by import path (which
// builds from any app whose module requires the package's module) or by
// directory; it is compiled at synth time for provided.al2023 on arm64 by the
// local Go toolchain (no Docker). The handler finds the table's name in the
// TABLE_NAME environment variable. A route gets only the table access its
// Access field names (the zero value is read-only), or exactly the DynamoDB
// actions its Actions field lists.
//
// Routes are IAM-authorized (SigV4) unless Auth names Cognito user pools or
// the route is Public; GrantInvoke gives a caller execute-api:Invoke on
// exactly the routes it names (ExampleServerlessAPI_GrantInvoke). The alarms
// notify Alarms.Topic, or the stack's shared alarm topic (alarmtopic.Shared)
// when none is given (ServerlessAPI.AlarmTopic). A setting the props do not
// expose is an L1 override on an exported resource (ExampleNew_escapeHatch).
//
// Defaults live in defaults.go (withDefaults resolves them once). A field
// set in Props always wins over the default; Existing* fields replace a resource the construct would create,
// and setting both an Existing* field and the props of the resource it
// replaces is an error. Every resource made is an exported field of
// ServerlessAPI for escape hatches.
package serverlessapi
