package serverlessapi

import (
	"cmp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"

	"github.com/gureum-cdk/gureum/constructs/internal/table"
)

// Every default of ServerlessAPI, in one place.
const (
	// DefaultStageName is the API Gateway stage.
	DefaultStageName = "prod"
	// DefaultRateLimit and DefaultBurstLimit throttle the whole stage
	// (requests per second, and the token bucket size).
	DefaultRateLimit  = 1000
	DefaultBurstLimit = 2000
	// DefaultWAFRateLimit is how many requests one client IP may send per
	// WAF evaluation window before WAF blocks it.
	DefaultWAFRateLimit = 2000
	// DefaultWAFWindow is the WAF rate-based rule's evaluation window.
	DefaultWAFWindow = 5 * time.Minute
	// MinWAFRateLimit is the lowest limit AWS WAF accepts.
	MinWAFRateLimit = 10
	// MaxWAFRateLimit is the highest limit AWS WAF accepts.
	MaxWAFRateLimit = 2_000_000_000
	// DefaultMemoryMB and DefaultTimeout size each route's function.
	DefaultMemoryMB = 256
	DefaultTimeout  = 10 * time.Second
	// DefaultPartitionKey and DefaultSortKey name the table's key attributes
	// (both strings) for a single-table design.
	DefaultPartitionKey = "pk"
	DefaultSortKey      = "sk"
	// DefaultServerErrorRate is the 5xx share of requests that raises the
	// API alarm (averaged over 5 minutes).
	DefaultServerErrorRate = 0.01
	// DefaultLatencyP99 is the p99 latency that raises the latency alarm.
	DefaultLatencyP99 = 2 * time.Second
	// DefaultAPIKeyQuotaPerDay is the usage plan quota when API keys are on.
	DefaultAPIKeyQuotaPerDay = 10_000
)

// DefaultLogRetention applies to every log group the construct creates: the
// access and execution logs, the functions' logs and the WAF logs.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// DefaultGatewayErrorTemplate is the application/json body of every error API
// Gateway answers itself (request validation, authorization, throttling, WAF,
// integration failures), in the {"error": "…"} shape the handlers use.
// Gateway response templates support $context substitution only (no VTL);
// $context.error.messageString is already a quoted JSON string.
const DefaultGatewayErrorTemplate = `{"error":$context.error.messageString,"requestId":"$context.requestId"}`

// gatewayErrorTypes are the gateway responses that get the error template.
// DEFAULT_4XX and DEFAULT_5XX cover every other response type; the request
// validator's two types are named so their 400 status stays explicit.
var gatewayErrorTypes = []struct {
	id  string
	typ func() awsapigateway.ResponseType
}{
	{"BadRequestBody", awsapigateway.ResponseType_BAD_REQUEST_BODY},
	{"BadRequestParameters", awsapigateway.ResponseType_BAD_REQUEST_PARAMETERS},
	{"Default4XX", awsapigateway.ResponseType_DEFAULT_4XX},
	{"Default5XX", awsapigateway.ResponseType_DEFAULT_5XX},
}

// gatewayErrorHeaders are set on every gateway error response, as the
// handlers set them on theirs.
var gatewayErrorHeaders = map[string]string{
	"Cache-Control":          "no-store",
	"X-Content-Type-Options": "nosniff",
}

// TableActions are the DynamoDB actions Route.Actions may name: the item and
// query actions on a table and its indexes, and DescribeTable. Stream and
// control-plane actions are not route business.
var TableActions = []string{
	"dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem",
	"dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
	"dynamodb:PartiQLDelete", "dynamodb:PartiQLInsert", "dynamodb:PartiQLSelect", "dynamodb:PartiQLUpdate",
	"dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem",
}

// tableWriteActions are the TableActions that write items: with a
// customer-managed table key they also need the key's encrypt actions.
var tableWriteActions = map[string]bool{
	"dynamodb:BatchWriteItem": true, "dynamodb:DeleteItem": true, "dynamodb:PutItem": true, "dynamodb:UpdateItem": true,
	"dynamodb:PartiQLDelete": true, "dynamodb:PartiQLInsert": true, "dynamodb:PartiQLUpdate": true,
}

// The KMS actions DynamoDB's own grants give on a customer-managed table key.
var (
	keyReadActions  = []string{"kms:Decrypt", "kms:DescribeKey"}
	keyWriteActions = []string{"kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"}
)

// LogLevels are Lambda's application log levels (Function.LogLevel).
var LogLevels = []string{"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// WAFManagedRuleGroups are the AWS managed rule groups of the default web
// ACL, in priority order after the per-IP rate limit: the IP-based lists
// first (cheap, and they stop known-bad sources before the body is
// inspected), then the request inspections. Their capacity (1,177 WCU
// with the rate rule, 1,227 with Bot Control) stays under the 1,500 WCU a
// web ACL's base price covers.
var WAFManagedRuleGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesAnonymousIpList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
	"AWSManagedRulesSQLiRuleSet",
}

// BotControlRuleGroup is the AWS managed Bot Control rule group that
// WAF.BotControl adds last, at the common inspection level.
const BotControlRuleGroup = "AWSManagedRulesBotControlRuleSet"

// defaultCORSHeaders are the request headers CORS allows when
// CORS.AllowHeaders is empty: the REST API's own default list, given to
// an HTTP API too.
var defaultCORSHeaders = []string{"Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key", "X-Amz-Security-Token", "X-Amz-User-Agent"}

// httpAccessLogFormat is an HTTP API stage's access log line: one JSON
// object per request, with the fields of the REST API's access logs.
const httpAccessLogFormat = `{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
	`"caller":"$context.identity.caller","user":"$context.identity.user","requestTime":"$context.requestTime",` +
	`"httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status",` +
	`"protocol":"$context.protocol","responseLength":"$context.responseLength",` +
	`"integrationError":"$context.integrationErrorMessage","authorizerError":"$context.authorizer.error"}`

// config is Props with every default applied: withDefaults makes it once,
// and validation and the builders read it. Each route's MemoryMB, Timeout
// and ReservedConcurrency are resolved from the route, then Function, then
// the defaults.
type config struct {
	Props
	// spec holds, for each of Routes, what the OpenAPI document declares
	// (the zero routeSpec without OpenAPI).
	spec []routeSpec
}

// routeSpec is what an OpenAPI operation declares for its route beyond its
// method and path.
type routeSpec struct {
	// ref names the operation: the document and its JSON pointer.
	ref string
	// model is the JSON body's schema as API Gateway's JSON Schema draft 4
	// (nil: none).
	model map[string]any
	// params are the query and header parameters, "method.request.querystring.q"
	// or "method.request.header.h", mapped to whether they are required.
	params map[string]bool
}

// withDefaults resolves every default of p.
func withDefaults(p *Props) *config {
	c := &config{Props: *p}
	c.StageName = cmp.Or(c.StageName, DefaultStageName)
	if c.Throttle == nil {
		c.Throttle = &Throttle{RatePerSecond: DefaultRateLimit, Burst: DefaultBurstLimit}
	}
	f := &c.Function
	f.MemoryMB = cmp.Or(f.MemoryMB, DefaultMemoryMB)
	f.Timeout = cmp.Or(f.Timeout, DefaultTimeout)
	f.LogLevel = strings.ToUpper(f.LogLevel)
	c.Routes = make([]Route, len(p.Routes))
	c.spec = make([]routeSpec, len(p.Routes))
	for i, r := range p.Routes {
		r.MemoryMB = cmp.Or(r.MemoryMB, f.MemoryMB)
		r.Timeout = cmp.Or(r.Timeout, f.Timeout)
		r.ReservedConcurrency = cmp.Or(r.ReservedConcurrency, f.ReservedConcurrency)
		c.Routes[i] = r
	}
	if c.ExistingTable == nil {
		t := &c.Table
		if t.PartitionKey == nil {
			t.PartitionKey = table.StringKey(DefaultPartitionKey)
		}
		if t.SortKey == nil && !t.NoSortKey {
			t.SortKey = table.StringKey(DefaultSortKey)
		}
	}
	if k := c.APIKeys; k != nil {
		keys := *k
		keys.QuotaPerDay = cmp.Or(keys.QuotaPerDay, DefaultAPIKeyQuotaPerDay)
		if keys.Throttle == nil {
			keys.Throttle = c.Throttle
		}
		c.APIKeys = &keys
	}
	if c.CORS != nil && len(c.CORS.AllowHeaders) == 0 && c.HTTPAPI {
		cors := *c.CORS
		cors.AllowHeaders = defaultCORSHeaders
		c.CORS = &cors
	}
	if w := &c.WAF; !w.Disable && w.ExistingWebACLArn == "" {
		w.RateLimit = cmp.Or(w.RateLimit, DefaultWAFRateLimit)
		w.Window = cmp.Or(w.Window, DefaultWAFWindow)
	}
	if g := &c.GatewayErrors; !g.Disable && !c.HTTPAPI {
		g.Template = cmp.Or(g.Template, DefaultGatewayErrorTemplate)
	}
	c.LogRetention = cmp.Or(c.LogRetention, DefaultLogRetention)
	c.Alarms.ServerErrorRate = cmp.Or(c.Alarms.ServerErrorRate, DefaultServerErrorRate)
	c.Alarms.LatencyP99 = cmp.Or(c.Alarms.LatencyP99, DefaultLatencyP99)
	return c
}
