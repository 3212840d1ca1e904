package serverlessapi

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
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

// wafManagedRuleGroups are the AWS managed rule groups in the default web ACL,
// in priority order.
var wafManagedRuleGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
}
