package serverlessapi

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
)

// Props configures a ServerlessAPI. The zero value of every field is the
// secure default; only Routes is required.
type Props struct {
	// Routes maps HTTP routes to Go handler packages. Required. With
	// OpenAPI, the document declares each route's method and path and a
	// Route binds a handler to an operation by its OperationID.
	Routes []Route
	// HTTPAPI serves the routes with an HTTP API (API Gateway v2) instead of
	// a REST API: the same routes, handlers (invoked with payload format 1.0,
	// the REST proxy event they parse), IAM or Cognito (JWT) authorization,
	// stage and route throttling, JSON access logs and CORS, at a lower price
	// per request. What an HTTP API does not have is refused rather than
	// dropped: AWS WAF cannot be associated with an HTTP API, so WAF.Disable
	// must be set (put a CloudFront distribution with a web ACL in front of
	// it, or keep the REST API); it has no request validation
	// (Route.RequestSchema, OpenAPI), API keys, gateway response templates or
	// canary. Default: false (REST API).
	HTTPAPI bool
	// OpenAPI declares the routes by an OpenAPI 3.0 document, validated at
	// synth time: each operation is a route of the REST API, bound by its
	// operationId to the Route with that OperationID, and requests are
	// validated against the document (JSON request bodies against the
	// operation's schema, required query and header parameters present).
	// Default: nil (Routes declare the routes).
	OpenAPI *OpenAPI
	// StageName is the API Gateway stage (API staging: "dev", "prod", ...).
	// Default: "prod".
	StageName string
	// StageVariables are the stage's variables, which handlers read from the
	// request event (stageVariables). Names are letters, digits and
	// underscores; values at most 512 of letters, digits and -._~:/?#&=,
	// Default: none.
	StageVariables map[string]string
	// Canary sends a share of the REST stage's requests to a canary that
	// differs by its stage variables. Default: nil (no canary).
	Canary *Canary
	// Description of the API.
	Description string
	// Throttle limits the whole stage. Default: 1,000 requests/s, burst 2,000.
	Throttle *Throttle
	// Function sets the defaults of every route's function.
	Function FunctionDefaults
	// Table configures the table the construct creates.
	Table TableProps
	// ExistingTable is used instead of creating a table. Setting it together
	// with any Table field is an error.
	ExistingTable awsdynamodb.ITableV2
	// Auth chooses how callers are authorized. Default: IAM (SigV4).
	Auth Auth
	// APIKeys requires an API key on every route and attaches a usage plan
	// (quota and throttle) for API management. Default: nil (no API keys).
	APIKeys *APIKeys
	// CORS enables browser cross-origin calls. Default: nil (no CORS).
	CORS *CORS
	// WAF configures the web ACL against floods, bots and known attacks.
	WAF WAF
	// GatewayErrors shapes the errors API Gateway answers itself. Default:
	// an {"error": "…"} JSON body like the handlers'.
	GatewayErrors GatewayErrors
	// LogRetention applies to every log group the construct creates: access
	// logs, execution logs, the functions' logs and the WAF logs. Default:
	// one year.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts every CloudWatch log group the construct creates
	// (the route functions' logs, access and execution logs and the WAF logs). A
	// key created in the app (awskms.NewKey) gets the key policy statement
	// CloudWatch Logs needs; the owner of an imported key must add it
	// (docs/log-encryption.md). Default: nil (CloudWatch Logs' own encryption).
	LogEncryptionKey awskms.IKey
	// DisableCloudWatchRole skips creating API Gateway's account-level role
	// for a REST API's execution logs, for accounts where it is already set
	// (an HTTP API needs none). Default: false (created and retained).
	DisableCloudWatchRole bool
	// Alarms tunes the alarms; Alarms.Topic receives their notifications.
	Alarms Alarms
}

// Route is one HTTP method on one resource path, served by a Go handler.
type Route struct {
	// Method is GET, POST, PUT, PATCH, DELETE, HEAD or ANY. Required, unless
	// OpenAPI declares it.
	Method string
	// Path starts with "/", e.g. "/polls/{id}/votes". A segment is a literal
	// or a {parameter}; {name+} is allowed as the last segment. Required,
	// unless OpenAPI declares it.
	Path string
	// OperationID binds the route to the OpenAPI document's operation of
	// that operationId, which gives its Method, Path and request schema.
	// Required with OpenAPI, refused without.
	OperationID string
	// Entry is the route's Go main package: a directory, or an import path
	// (see golambda.Props.Entry). Required.
	Entry string
	// Access is what the route's function may do with the table. Default:
	// ReadOnly.
	Access TableAccess
	// Actions grants exactly these DynamoDB actions ("dynamodb:PutItem", ...,
	// one of TableActions) on the table and its indexes instead of an Access
	// level, for a handler whose calls are known: a TransactWriteItems call
	// needs the action of each of its parts (PutItem, UpdateItem, DeleteItem,
	// ConditionCheckItem). With a customer-managed table key the key's
	// decrypt (and, for writes, encrypt) actions are granted too. Setting
	// both Actions and an Access other than ReadOnly is an error. Default:
	// nil (Access decides).
	Actions []string
	// Throttle limits this route below the stage limit. Default: nil (the
	// stage limit only).
	Throttle *Throttle
	// Public serves the route without authorization. Default: false.
	Public bool
	// RequestSchema validates JSON request bodies before the function runs
	// (REST API only; with OpenAPI the document's schema does). Default: nil
	// (path parameters are still required and validated).
	RequestSchema *awsapigateway.JsonSchema
	// MemoryMB, Timeout and ReservedConcurrency override Props.Function for
	// this route.
	MemoryMB            int
	Timeout             time.Duration
	ReservedConcurrency int
	// Environment adds variables to this route's function.
	Environment map[string]string
}

// TableAccess is the table permission a route's function gets.
type TableAccess int

const (
	// ReadOnly grants read actions (GetItem, Query, Scan, BatchGetItem, ...).
	ReadOnly TableAccess = iota
	// ReadWrite grants read and write actions.
	ReadWrite
	// WriteOnly grants write actions only.
	WriteOnly
	// NoTableAccess grants nothing on the table.
	NoTableAccess
)

// String names the access level.
func (a TableAccess) String() string {
	switch a {
	case ReadOnly:
		return "ReadOnly"
	case ReadWrite:
		return "ReadWrite"
	case WriteOnly:
		return "WriteOnly"
	case NoTableAccess:
		return "NoTableAccess"
	}
	return "TableAccess(?)"
}

// Throttle is a token-bucket limit.
type Throttle struct {
	// RatePerSecond is the steady-state request rate. Must be positive.
	RatePerSecond float64
	// Burst is the bucket size. Must be positive.
	Burst int
}

// FunctionDefaults apply to every route's function unless the route overrides
// them.
type FunctionDefaults struct {
	// MemoryMB. Default: 256.
	MemoryMB int
	// Timeout. Default: 10s. API Gateway waits at most 29s by default.
	Timeout time.Duration
	// ReservedConcurrency caps each function. Default: 0 (unreserved).
	ReservedConcurrency int
	// LogLevel is the application log level: TRACE, DEBUG, INFO, WARN, ERROR
	// or FATAL (any case). Default: INFO.
	LogLevel string
	// X86 builds for x86_64 instead of arm64. Default: false.
	X86 bool
}

// TableProps configures the table ServerlessAPI creates.
type TableProps struct {
	// PartitionKey. Default: "pk" of type string.
	PartitionKey *awsdynamodb.Attribute
	// SortKey. Default: "sk" of type string, unless NoSortKey.
	SortKey *awsdynamodb.Attribute
	// NoSortKey makes the key a partition key only. Default: false.
	NoSortKey bool
	// TimeToLiveAttribute enables TTL on that attribute. Default: off.
	TimeToLiveAttribute string
	// GlobalSecondaryIndexes to add.
	GlobalSecondaryIndexes []*awsdynamodb.GlobalSecondaryIndexPropsV2
	// EncryptionKey encrypts the table with a customer-managed KMS key.
	// Default: the AWS managed key for DynamoDB (aws/dynamodb).
	EncryptionKey awskms.IKey
	// DisableDeletionProtection turns off deletion protection. Default: false.
	DisableDeletionProtection bool
	// Destroy deletes the table with the stack. Default: false (retained).
	Destroy bool
}

func (t TableProps) isZero() bool {
	return t.PartitionKey == nil && t.SortKey == nil && !t.NoSortKey && t.TimeToLiveAttribute == "" &&
		len(t.GlobalSecondaryIndexes) == 0 && t.EncryptionKey == nil && !t.DisableDeletionProtection && !t.Destroy
}

// Auth chooses how callers are authorized. The zero value is IAM (SigV4).
type Auth struct {
	// UserPools switches authorization to a Cognito user pools authorizer;
	// an HTTP API takes one pool, as the issuer of its JWT authorizer.
	UserPools []awscognito.IUserPool
	// UserPoolClients are the app clients whose tokens the HTTP API's JWT
	// authorizer accepts (its audience). Required with HTTPAPI and
	// UserPools; refused for the REST API, whose Cognito authorizer accepts
	// any client of the pools.
	UserPoolClients []awscognito.IUserPoolClient
	// Scopes are OAuth scopes the Cognito authorizer requires. Needs UserPools.
	Scopes []string
}

// OpenAPI is the OpenAPI 3.0 document (JSON or YAML) that declares the
// routes. Set exactly one of File and Document. The document must be
// self-contained: a $ref to another file is refused. What it declares
// beyond paths, operations, parameters and request bodies is not read: its
// security requirements (Auth and Route.Public authorize), servers (the
// stage has its URL) and responses (the handlers answer).
type OpenAPI struct {
	// File is the document's path, read at synth time (relative to the
	// directory the app runs in).
	File string
	// Document is the document's text, e.g. from go:embed.
	Document []byte
}

// Canary is a REST stage's canary: PercentTraffic of the requests are
// served with the stage variables overridden by StageVariableOverrides, and
// counted apart in the stage's metrics and logs (API Gateway's "Canary"
// stage). CloudFormation keeps one deployment per API: the canary runs the
// stage's current deployment (its CanarySetting.DeploymentId is the latest
// deployment), so what it changes is what the handlers or integrations read
// from the stage variables (a feature flag, a backend, a table suffix).
// Promote a canary by moving its overrides into Props.StageVariables.
type Canary struct {
	// PercentTraffic is the share of requests, 0 to 100, the canary serves.
	// 0 keeps the canary with no traffic: how to stop one, since removing
	// Canary from the template leaves the canary on the stage (a known
	// CloudFormation behaviour), and a later Canary updates it.
	PercentTraffic float64
	// StageVariableOverrides are the canary's stage variables, over (or
	// beside) Props.StageVariables. Required: a canary without them would
	// serve exactly what the stage serves.
	StageVariableOverrides map[string]string
}

// APIKeys turns on API keys and a usage plan.
type APIKeys struct {
	// QuotaPerDay is how many requests one key may make a day. Default: 10,000.
	QuotaPerDay int
	// Throttle limits each key. Default: the stage throttle.
	Throttle *Throttle
}

// CORS configures cross-origin calls from browsers.
type CORS struct {
	// AllowOrigins lists the allowed origins. Required; "*" is allowed only
	// without AllowCredentials.
	AllowOrigins []string
	// AllowHeaders. Default: API Gateway's defaults (Content-Type,
	// X-Amz-Date, Authorization, X-Api-Key, X-Amz-Security-Token,
	// X-Amz-User-Agent).
	AllowHeaders []string
	// AllowCredentials lets browsers send cookies. Default: false.
	//
	// API Gateway's own error responses (see GatewayErrors) carry
	// Access-Control-Allow-Origin only when AllowOrigins has exactly one
	// entry: a gateway response cannot choose among several origins.
	AllowCredentials bool
	// MaxAge caches preflight responses. Default: browser default.
	MaxAge time.Duration
}

// WAF configures the web ACL. The zero value is a new web ACL with AWS
// managed rules and a per-IP rate limit of 2,000 requests per 5 minutes.
type WAF struct {
	// Disable turns the web ACL off. Default: false (WAF on).
	Disable bool
	// ExistingWebACLArn associates this regional web ACL instead of creating
	// one.
	ExistingWebACLArn string
	// RateLimit is how many requests one client IP may send per Window before
	// it is blocked. Default: 2,000; AWS WAF's minimum is 10.
	RateLimit int
	// Window is the rate limit's evaluation window: 1, 2, 5 or 10 minutes.
	// Default: 5 minutes.
	Window time.Duration
	// CountOnly makes every rule count instead of block, for a trial period.
	// Default: false (block).
	CountOnly bool
	// BotControl adds AWS WAF Bot Control (AWSManagedRulesBotControlRuleSet,
	// common inspection level) after the other rules. AWS WAF charges it
	// apart: a monthly subscription and a fee per million requests it
	// inspects. Default: false.
	BotControl bool
	// RuleGroups tunes managed rule groups by name (one of
	// WAFManagedRuleGroups, or BotControlRuleGroup with BotControl): a group
	// can count instead of block, or have single rules excluded. Default:
	// none (every group blocks what it matches).
	RuleGroups map[string]RuleGroup
}

// RuleGroup tunes one managed rule group of the web ACL.
type RuleGroup struct {
	// CountOnly makes the whole group count its matches instead of blocking
	// them (its override action). Default: false.
	CountOnly bool
	// ExcludedRules are rules of the group, by name (as AWS WAF's developer
	// guide lists them, e.g. "SizeRestrictions_BODY" of the core rule set),
	// whose action becomes Count: a rule action override, AWS WAF's way to
	// exclude a rule that blocks legitimate traffic while still logging what
	// it matches. Default: none.
	ExcludedRules []string
}

// GatewayErrors shapes the responses API Gateway sends without calling a
// function: a body that fails the request schema (BAD_REQUEST_BODY), a
// missing path parameter (BAD_REQUEST_PARAMETERS), a missing or bad token, a
// throttled or WAF-blocked request (DEFAULT_4XX), an integration failure or
// timeout (DEFAULT_5XX). The zero value answers them with
// DefaultGatewayErrorTemplate, Cache-Control: no-store and, with CORS, the
// Access-Control-Allow-Origin header so browsers can read the error.
type GatewayErrors struct {
	// Disable keeps API Gateway's own {"message": "…"} bodies. Default: false.
	Disable bool
	// Template replaces the application/json body template. It may use
	// $context variables ($context.error.messageString is a quoted string,
	// $context.error.responseType, $context.requestId, ...) but no VTL.
	// Default: DefaultGatewayErrorTemplate.
	Template string
}

// Alarms tunes ServerlessAPI's alarms.
type Alarms struct {
	// Topic receives alarm and recovery notifications. Default: the stack's
	// shared alarm topic (alarmtopic.Shared), encrypted, created once per
	// stack.
	Topic awssns.ITopic
	// ServerErrorRate is the share of 5xx responses that raises the alarm.
	// Default: 0.01 (1%).
	ServerErrorRate float64
	// LatencyP99 is the p99 latency that raises the alarm. Default: 2s.
	LatencyP99 time.Duration
}
