package serverlessapi

import (
	"time"

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

// DefaultLogRetention applies to the access logs and the functions' logs.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// wafManagedRuleGroups are the AWS managed rule groups in the default web ACL,
// in priority order.
var wafManagedRuleGroups = []string{
	"AWSManagedRulesAmazonIpReputationList",
	"AWSManagedRulesCommonRuleSet",
	"AWSManagedRulesKnownBadInputsRuleSet",
}
