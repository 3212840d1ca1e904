// Package serverlessapi provides ServerlessAPI: an API Gateway REST API (or
// HTTP API) whose routes are Go Lambda functions backed by one DynamoDB
// table, with the production defaults of a public API: a WAFv2 web ACL (AWS managed rules and a
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
// Three ways to serve the routes, one prop each (ExampleNew_httpAPI,
// ExampleNew_openAPI):
//
//   - A REST API (the default), behind a WAF web ACL. A canary can serve a
//     share of its stage's requests with other stage variables
//     (ExampleNew_canary).
//   - An HTTP API (HTTPAPI): the same routes and handlers, with a JWT
//     authorizer (Cognito) or IAM, stage and route throttling, JSON access
//     logs and CORS. AWS WAF cannot be associated with an HTTP API, so
//     WAF.Disable must be set explicitly; what an HTTP API lacks (request
//     validation, API keys, gateway responses, canary) is refused, not
//     dropped. Its Lambda integrations use payload format 1.0, the REST
//     proxy event (events.APIGatewayProxyRequest) gureum's handlers parse:
//     the same path parameters and body fields, a Cognito token's claims
//     at requestContext.authorizer.claims and an IAM caller at
//     requestContext.identity, where format 2.0 would move them.
//   - A REST API whose routes an OpenAPI 3.0 document declares (OpenAPI):
//     parsed and validated at synth time with kin-openapi, every problem
//     naming the document and the JSON pointer; each operation is bound
//     by operationId to a Route naming its handler; JSON body schemas
//     become request models (references inlined, as JSON Schema draft 4)
//     and required query and header parameters are checked by the
//     request validator. The API is built by the same code as with Routes
//     (not imported with x-amazon-apigateway extensions), so throttling,
//     authorization, WAF, alarms and least-privilege grants are the same.
//
// The web ACL (REST API) runs a per-IP rate limit and the AWS managed rule
// groups WAFManagedRuleGroups (IP reputation, anonymous IPs, the core rule
// set, known bad inputs, SQL injection); Bot Control, which AWS WAF charges
// per request, is opt-in (WAF.BotControl). Any group can count instead of
// block, or have single rules excluded (WAF.RuleGroups).
//
// Every Lambda permission for API Gateway names the source account beside
// the source ARN, and none is given to the console's test-invoke-stage.
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
