package webacl_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/internal/webacl"
)

func names(rules []any) []string {
	var out []string
	for _, r := range rules {
		b, _ := json.Marshal(r)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		out = append(out, m["name"].(string))
	}
	return out
}

// TestRules: the default rule set in priority order; behind CloudFront
// without the rules that judge the source address; count overrides.
func TestRules(t *testing.T) {
	def := webacl.RuleSet{}.WithDefaults()
	if got := strings.Join(names(webacl.Rules("m", def, false)), " "); got != "RateLimitPerIP AWSManagedRulesAmazonIpReputationList AWSManagedRulesAnonymousIpList AWSManagedRulesCommonRuleSet AWSManagedRulesKnownBadInputsRuleSet AWSManagedRulesSQLiRuleSet" {
		t.Errorf("default rules: %s", got)
	}
	if got := strings.Join(names(webacl.Rules("m", def, true)), " "); got != "AWSManagedRulesCommonRuleSet AWSManagedRulesKnownBadInputsRuleSet AWSManagedRulesSQLiRuleSet" {
		t.Errorf("behind CloudFront: %s", got)
	}
	rs := webacl.RuleSet{RateLimit: 100, Window: time.Minute, Groups: []webacl.Group{
		{Name: webacl.CommonRuleSet, CountRules: []string{"SizeRestrictions_BODY"}},
		{Name: webacl.SQLi, CountOnly: true},
	}}.WithDefaults()
	b, _ := json.Marshal(webacl.Rules("shop", rs, false))
	var doc any
	_ = json.Unmarshal(b, &doc)
	clean, _ := json.Marshal(dropNulls(doc))
	js := string(clean)
	for _, want := range []string{
		`"rateBasedStatement":{"aggregateKeyType":"IP","evaluationWindowSec":60,"limit":100}`,
		`"ruleActionOverrides":[{"actionToUse":{"count":{}},"name":"SizeRestrictions_BODY"}]`,
		`"name":"AWSManagedRulesSQLiRuleSet","overrideAction":{"count":{}}`,
		`"metricName":"shop-RateLimitPerIP"`,
	} {
		if !strings.Contains(js, want) {
			t.Errorf("rules lack %s:\n%s", want, js)
		}
	}
	// Priorities are unique, as AWS WAF requires.
	seen := map[float64]bool{}
	var m []map[string]any
	_ = json.Unmarshal(b, &m)
	for _, r := range m {
		p := r["priority"].(float64)
		if seen[p] {
			t.Errorf("priority %v twice", p)
		}
		seen[p] = true
	}
}

func TestCheck(t *testing.T) {
	v := validate.New("test", nil, "X")
	webacl.Check(v, "WAF", webacl.RuleSet{RateLimit: 9, Window: 90 * time.Second, Groups: []webacl.Group{}})
	err := v.Err()
	want := []string{
		"WAF.RateLimit: 9 must be between 10 and 2000000000 requests per window (AWS WAF's range)",
		"WAF.Window: 1m30s is not one of AWS WAF's windows: 1m, 2m, 5m, 10m",
		"WAF.Groups: is empty: leave it nil for the default groups, or list at least one",
	}
	verr, ok := err.(*validate.Error)
	if !ok || fmt.Sprint(verr.Problems) != fmt.Sprint(want) {
		t.Errorf("problems: %v\nwant %q", err, want)
	}
	v = validate.New("test", nil, "X")
	webacl.Check(v, "WAF", webacl.RuleSet{})
	if err := v.Err(); err != nil {
		t.Errorf("the zero rule set: %v", err)
	}
}

// dropNulls removes the unset (null) fields the Go bindings marshal.
func dropNulls(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e != nil {
				out[k] = dropNulls(e)
			}
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = dropNulls(e)
		}
	}
	return v
}
