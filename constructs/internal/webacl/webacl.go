// Package webacl builds gureum's AWS WAF web ACLs from one rule set, for
// either scope: REGIONAL (a load balancer, an API Gateway stage) in the
// stack's region, or CLOUDFRONT (a distribution), which AWS WAF accepts in
// us-east-1 only. A construct that protects both its load balancer and its
// distribution builds both ACLs from the same RuleSet, so the two never
// drift apart.
//
// The rule set is a per-client-IP rate limit followed by AWS managed rule
// groups. Rules that judge a request by its source address (the rate limit
// and the IP reputation and anonymous IP groups) only work where requests
// arrive from their clients: behind CloudFront a load balancer sees
// CloudFront's addresses, so Rules leaves them out of an ACL built with
// BehindCloudFront (they belong to the distribution's ACL), and the ACL
// keeps the groups that inspect the request itself.
package webacl

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/naming"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

// The scopes of a web ACL.
const (
	Regional   = "REGIONAL"
	CloudFront = "CLOUDFRONT"
)

// Limits and defaults of the rate rule.
const (
	DefaultRateLimit = 2000
	DefaultWindow    = 5 * time.Minute
	MinRateLimit     = 10
	MaxRateLimit     = 2_000_000_000
)

// AWS managed rule groups (vendor AWS).
const (
	IPReputation   = "AWSManagedRulesAmazonIpReputationList"
	AnonymousIP    = "AWSManagedRulesAnonymousIpList"
	CommonRuleSet  = "AWSManagedRulesCommonRuleSet"
	KnownBadInputs = "AWSManagedRulesKnownBadInputsRuleSet"
	SQLi           = "AWSManagedRulesSQLiRuleSet"
)

// DefaultGroups are the managed groups of the default rule set, in priority
// order: the source-address groups first (cheapest, they end a request at
// once), then the groups that inspect the request.
var DefaultGroups = []string{IPReputation, AnonymousIP, CommonRuleSet, KnownBadInputs, SQLi}

// sourceAddressGroups judge a request by the address it came from.
var sourceAddressGroups = []string{IPReputation, AnonymousIP}

// Group tunes one managed rule group of a rule set.
type Group struct {
	// Name is the AWS managed rule group, e.g. AWSManagedRulesCommonRuleSet.
	Name string
	// CountOnly makes the whole group count instead of block.
	CountOnly bool
	// CountRules are rules of the group that count instead of block (a
	// rule that misfires on the app, e.g. SizeRestrictions_BODY).
	CountRules []string
}

// RuleSet is what a web ACL checks. The zero value is the default rule set:
// DefaultRateLimit requests per client IP per DefaultWindow, and
// DefaultGroups, all blocking.
type RuleSet struct {
	// RateLimit is how many requests one client IP may send per Window
	// before it is blocked. Default: DefaultRateLimit.
	RateLimit int
	// Window is the rate limit's evaluation window: 1, 2, 5 or 10 minutes.
	// Default: DefaultWindow.
	Window time.Duration
	// Groups replaces DefaultGroups, in priority order. Default:
	// DefaultGroups.
	Groups []Group
	// CountOnly makes every rule count instead of block, for a trial
	// period. Default: false (block).
	CountOnly bool
}

// WithDefaults fills the rule set's defaults.
func (r RuleSet) WithDefaults() RuleSet {
	if r.RateLimit == 0 {
		r.RateLimit = DefaultRateLimit
	}
	if r.Window == 0 {
		r.Window = DefaultWindow
	}
	if r.Groups == nil {
		for _, g := range DefaultGroups {
			r.Groups = append(r.Groups, Group{Name: g})
		}
	}
	return r
}

var (
	groupNameRE = regexp.MustCompile(`^AWSManagedRules[A-Za-z0-9]+$`)
	ruleNameRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
)

// Check reports the invalid fields of a rule set as given, under prefix
// (e.g. "WAF").
func Check(v *validate.Problems, prefix string, r RuleSet) {
	v.Check(r.RateLimit == 0 || (r.RateLimit >= MinRateLimit && r.RateLimit <= MaxRateLimit), prefix+".RateLimit",
		"%d must be between %d and %d requests per window (AWS WAF's range)", r.RateLimit, MinRateLimit, MaxRateLimit)
	switch r.Window {
	case 0, time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute:
	default:
		v.Addf(prefix+".Window", "%s is not one of AWS WAF's windows: 1m, 2m, 5m, 10m", r.Window)
	}
	if r.Groups != nil && len(r.Groups) == 0 {
		v.Addf(prefix+".Groups", "is empty: leave it nil for the default groups, or list at least one")
	}
	seen := map[string]bool{}
	for i, g := range r.Groups {
		p := fmt.Sprintf("%s.Groups[%d]", prefix, i)
		v.Check(groupNameRE.MatchString(g.Name), p+".Name", "%q is not an AWS managed rule group such as %s", g.Name, CommonRuleSet)
		v.Check(!seen[g.Name], p+".Name", "%q is listed twice", g.Name)
		seen[g.Name] = true
		v.Check(!g.CountOnly || len(g.CountRules) == 0, p+".CountRules", "is set with CountOnly, which counts the whole group")
		for _, rule := range g.CountRules {
			v.Check(ruleNameRE.MatchString(rule), p+".CountRules", "%q is not a rule name", rule)
		}
	}
}

// Rules renders a rule set (defaults applied) as the rules of a web ACL,
// metric names prefixed with metric. Behind CloudFront, the rate rule and
// the source-address groups are left out.
func Rules(metric string, r RuleSet, behindCloudFront bool) []any {
	visibility := func(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
		return Visibility(metric + "-" + name)
	}
	var rules []any
	if !behindCloudFront {
		action := &awswafv2.CfnWebACL_RuleActionProperty{Block: map[string]any{}}
		if r.CountOnly {
			action = &awswafv2.CfnWebACL_RuleActionProperty{Count: map[string]any{}}
		}
		rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
			Name:     jsii.String("RateLimitPerIP"),
			Priority: jsii.Number(0),
			Action:   action,
			Statement: &awswafv2.CfnWebACL_StatementProperty{
				RateBasedStatement: &awswafv2.CfnWebACL_RateBasedStatementProperty{
					AggregateKeyType:    jsii.String("IP"),
					Limit:               jsii.Number(float64(r.RateLimit)),
					EvaluationWindowSec: jsii.Number(r.Window.Seconds()),
				},
			},
			VisibilityConfig: visibility("RateLimitPerIP"),
		})
	}
	for i, g := range r.Groups {
		if behindCloudFront && slices.Contains(sourceAddressGroups, g.Name) {
			continue
		}
		override := &awswafv2.CfnWebACL_OverrideActionProperty{None: map[string]any{}}
		if r.CountOnly || g.CountOnly {
			override = &awswafv2.CfnWebACL_OverrideActionProperty{Count: map[string]any{}}
		}
		stmt := &awswafv2.CfnWebACL_ManagedRuleGroupStatementProperty{VendorName: jsii.String("AWS"), Name: jsii.String(g.Name)}
		if len(g.CountRules) > 0 {
			var overrides []any
			for _, rule := range g.CountRules {
				overrides = append(overrides, &awswafv2.CfnWebACL_RuleActionOverrideProperty{
					Name:        jsii.String(rule),
					ActionToUse: &awswafv2.CfnWebACL_RuleActionProperty{Count: map[string]any{}},
				})
			}
			stmt.RuleActionOverrides = &overrides
		}
		rules = append(rules, &awswafv2.CfnWebACL_RuleProperty{
			Name:             jsii.String(g.Name),
			Priority:         jsii.Number(float64(i + 1)),
			OverrideAction:   override,
			Statement:        &awswafv2.CfnWebACL_StatementProperty{ManagedRuleGroupStatement: stmt},
			VisibilityConfig: visibility(g.Name),
		})
	}
	return rules
}

// Visibility turns on CloudWatch metrics and sampled requests under a
// metric name.
func Visibility(name string) *awswafv2.CfnWebACL_VisibilityConfigProperty {
	return &awswafv2.CfnWebACL_VisibilityConfigProperty{
		CloudWatchMetricsEnabled: jsii.Bool(true),
		SampledRequestsEnabled:   jsii.Bool(true),
		MetricName:               jsii.String(name),
	}
}

// Props configures a web ACL.
type Props struct {
	// Scope is Regional or CloudFront (which AWS WAF accepts in us-east-1
	// only). Required.
	Scope string
	// Rules is the rule set (defaults applied by New).
	Rules RuleSet
	// BehindCloudFront leaves out the rules that judge the source address
	// (see Rules): the ACL protects an origin that CloudFront fronts.
	BehindCloudFront bool
	// Description of the ACL.
	Description string
	// LogRetention keeps the ACL's logs. Default: loggroup.DefaultRetention.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts the ACL's logs. Default: CloudWatch Logs' own
	// encryption.
	LogEncryptionKey awskms.IKey
	// RedactHeaders are headers, besides authorization and cookie, whose
	// values never reach the logs (lower case).
	RedactHeaders []string
}

// WebACL is a web ACL and its logs.
type WebACL struct {
	// ACL is the web ACL.
	ACL awswafv2.CfnWebACL
	// Logs holds its logs, in a group named aws-waf-logs-<path>-<stack id
	// suffix>; Logging sends them there, with credentials and cookies
	// redacted.
	Logs    awslogs.LogGroup
	Logging awswafv2.CfnLoggingConfiguration
}

// New creates the web ACL as id in scope, with its log group (id+"Logs")
// and logging configuration (id+"Logging").
func New(scope constructs.Construct, id string, p Props) *WebACL {
	w := &WebACL{}
	metric := naming.Unique(scope, "", 100-len(id)-1) + "-" + id
	w.ACL = awswafv2.NewCfnWebACL(scope, jsii.String(id), &awswafv2.CfnWebACLProps{
		Scope:            jsii.String(p.Scope),
		DefaultAction:    &awswafv2.CfnWebACL_DefaultActionProperty{Allow: map[string]any{}},
		VisibilityConfig: Visibility(metric),
		Rules:            ptr(Rules(metric, p.Rules.WithDefaults(), p.BehindCloudFront)),
		Description:      jsii.String(p.Description),
	})
	// WAF delivers logs only to log groups whose name starts with
	// aws-waf-logs-, so the name cannot be generated by CloudFormation. The
	// group is retained with the stack's other logs; the last group of the
	// stack id's UUID makes the name new for every stack instance, so
	// deleting and re-creating the stack never collides with the retained
	// group.
	stackUUID := awscdk.Fn_Select(jsii.Number(2), awscdk.Fn_Split(jsii.String("/"), awscdk.Aws_STACK_ID(), nil))
	suffix := awscdk.Fn_Select(jsii.Number(4), awscdk.Fn_Split(jsii.String("-"), stackUUID, nil))
	name := naming.Unique(scope, "aws-waf-logs-", 512-len("-")-12-len(id)-1) + "-" + id + "-" + *suffix
	w.Logs = loggroup.New(scope, id+"Logs", loggroup.Props{Name: name, Retention: p.LogRetention, EncryptionKey: p.LogEncryptionKey})
	w.Logging = awswafv2.NewCfnLoggingConfiguration(scope, jsii.String(id+"Logging"), &awswafv2.CfnLoggingConfigurationProps{
		ResourceArn: w.ACL.AttrArn(),
		LogDestinationConfigs: &[]any{awscdk.Stack_Of(scope).FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"), ResourceName: jsii.String(name),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
		RedactedFields: ptr(redacted(p.RedactHeaders)),
	})
	w.Logging.Node().AddDependency(w.Logs)
	return w
}

// redacted are the logging configuration's redacted fields: credentials,
// session cookies and the given headers never reach the logs.
func redacted(headers []string) []any {
	var fields []any
	for _, h := range append([]string{"authorization", "cookie"}, headers...) {
		fields = append(fields, &awswafv2.CfnLoggingConfiguration_FieldToMatchProperty{SingleHeader: map[string]any{"Name": h}})
	}
	return fields
}

func ptr[T any](v T) *T { return &v }
