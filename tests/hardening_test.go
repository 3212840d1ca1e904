package tests

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
)

// The hardening properties of issue 17, asserted on every matching resource
// of every reference stack (the one synthesis TestMain shares):
//
//   - event-targets: every AWS::Events::Rule target and AWS::Scheduler::Schedule
//     target has a DeadLetterConfig and a RetryPolicy, and its dead-letter
//     queue has an alarm (ApproximateNumberOfMessagesVisible > 0) with an
//     action;
//   - apigateway-permissions: a Lambda permission for apigateway.amazonaws.com
//     has SourceAccount, and none is for the test-invoke-stage;
//   - buckets: data buckets are SSE-KMS; access-log buckets (the targets of S3
//     server access logs, load balancer and CloudFront logs) SSE-S3;
//   - secrets: every Secrets Manager secret has a customer-managed KmsKeyId;
//   - public-subnets: no subnet maps public IPs on launch, except in the
//     stage 1 and 2 web stacks (stage 1's instance with its Elastic IP, and
//     stage 2's, live in a public subnet);
//   - key-policies: a key policy statement that allows kms:CreateGrant (or
//     kms:*, other than the account-root statement that delegates to IAM)
//     requires kms:GrantIsForAWSResource;
//   - load-balancers: an internet-facing application load balancer from
//     stage 3 on has deletion_protection.enabled true.

// finding is one resource of one stack that lacks a property.
type finding struct{ property, stack, resource string }

func (f finding) String() string { return f.property + " " + f.stack + "/" + f.resource }

// allowed are the known exceptions with what is missing: none. Only
// hpccluster could have had one (a TODO(hpccluster) reason), until it was
// hardened too; an entry that no longer matches a finding fails the test, so
// the list only shrinks.
var allowed = map[finding]string{}

// lowStages are the web stacks below stage 3: their instances sit in public
// subnets with public IPs, and no load balancer needs deletion protection.
var lowStages = map[string]bool{"GureumWebStage1": true, "GureumWebStage2": true}

func TestHardening(t *testing.T) {
	var found []finding
	why := map[finding]string{}
	add := func(property, stack, resource, format string, args ...any) {
		f := finding{property, stack, resource}
		found = append(found, f)
		why[f] = fmt.Sprintf(format, args...)
	}
	checked := map[string]int{}
	for stack, tpl := range templates(t) {
		res := resources(tpl)
		checkEventTargets(stack, res, add, checked)
		checkAPIGatewayPermissions(stack, res, add, checked)
		checkBuckets(stack, res, add, checked)
		for id, r := range ofType(res, "AWS::SecretsManager::Secret") {
			checked["secrets"]++
			if props(r)["KmsKeyId"] == nil {
				add("secrets", stack, id, "no KmsKeyId (the AWS managed key)")
			}
		}
		for id, r := range ofType(res, "AWS::EC2::Subnet") {
			checked["public-subnets"]++
			if props(r)["MapPublicIpOnLaunch"] == true && !lowStages[stack] {
				add("public-subnets", stack, id, "MapPublicIpOnLaunch is true")
			}
		}
		checkKeyPolicies(stack, res, add, checked)
		for id, r := range ofType(res, "AWS::ElasticLoadBalancingV2::LoadBalancer") {
			p := props(r)
			if p["Scheme"] != "internet-facing" || (p["Type"] != nil && p["Type"] != "application") || lowStages[stack] {
				continue
			}
			checked["load-balancers"]++
			if !strings.Contains(js(p["LoadBalancerAttributes"]), `{"Key":"deletion_protection.enabled","Value":"true"}`) {
				add("load-balancers", stack, id, "no deletion_protection.enabled true: %s", js(p["LoadBalancerAttributes"]))
			}
		}
	}
	// Each property is asserted on something: a property with nothing to
	// check would pass however the constructs change.
	for _, p := range []string{"event-targets", "apigateway-permissions", "data-buckets", "access-log-buckets", "secrets", "public-subnets", "key-policies", "load-balancers"} {
		if checked[p] == 0 {
			t.Errorf("no resource of the reference stacks has the property %s to check", p)
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].String() < found[j].String() })
	seen := map[finding]bool{}
	for _, f := range found {
		seen[f] = true
		if _, ok := allowed[f]; !ok {
			t.Errorf("%s: %s", f, why[f])
		}
	}
	for f, reason := range allowed {
		if !strings.HasPrefix(reason, "TODO(hpccluster)") {
			t.Errorf("allow-list entry %s: only hpccluster may be allow-listed, with a TODO(hpccluster) reason", f)
		}
		if !seen[f] {
			t.Errorf("allow-list entry %s is no longer needed (%s): remove it", f, reason)
		}
	}
}

type addFunc func(property, stack, resource, format string, args ...any)

func ofType(res map[string]map[string]any, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range res {
		if r["Type"] == typ {
			out[id] = r
		}
	}
	return out
}

func props(r map[string]any) map[string]any {
	p, _ := r["Properties"].(map[string]any)
	return p
}

func js(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// getAtt returns the logical ID of {"Fn::GetAtt": [id, attr]}, or "".
func getAtt(v any, attr string) string {
	m, _ := v.(map[string]any)
	a, _ := m["Fn::GetAtt"].([]any)
	if len(a) == 2 && a[1] == attr {
		id, _ := a[0].(string)
		return id
	}
	return ""
}

// ref returns the logical ID of {"Ref": id}, or "".
func ref(v any) string {
	m, _ := v.(map[string]any)
	id, _ := m["Ref"].(string)
	return id
}

func checkEventTargets(stack string, res map[string]map[string]any, add addFunc, checked map[string]int) {
	target := func(id, what string, tg map[string]any) {
		checked["event-targets"]++
		retry, _ := tg["RetryPolicy"].(map[string]any)
		if tg["DeadLetterConfig"] == nil || retry == nil || retry["MaximumEventAgeInSeconds"] == nil || retry["MaximumRetryAttempts"] == nil {
			add("event-targets", stack, id, "target %s: DeadLetterConfig %s, RetryPolicy %s", what, js(tg["DeadLetterConfig"]), js(tg["RetryPolicy"]))
			return
		}
		dlq, _ := tg["DeadLetterConfig"].(map[string]any)
		queue := getAtt(dlq["Arn"], "Arn")
		if queue == "" || res[queue]["Type"] != "AWS::SQS::Queue" {
			add("event-targets", stack, id, "target %s: the dead-letter queue %s is not a queue of the stack, so no alarm of the stack watches it", what, js(dlq["Arn"]))
			return
		}
		if !hasDeadLetterAlarm(res, queue) {
			add("event-targets", stack, id, "target %s: no alarm with an action on ApproximateNumberOfMessagesVisible > 0 of the dead-letter queue %s", what, queue)
		}
	}
	for id, r := range ofType(res, "AWS::Events::Rule") {
		targets, _ := props(r)["Targets"].([]any)
		for _, x := range targets {
			tg, _ := x.(map[string]any)
			target(id, fmt.Sprint(tg["Id"]), tg)
		}
	}
	for id, r := range ofType(res, "AWS::Scheduler::Schedule") {
		tg, _ := props(r)["Target"].(map[string]any)
		target(id, "Target", tg)
	}
}

// hasDeadLetterAlarm reports whether an alarm with an alarm action fires
// when the queue holds a message.
func hasDeadLetterAlarm(res map[string]map[string]any, queue string) bool {
	dim := js([]any{map[string]any{"Name": "QueueName", "Value": map[string]any{"Fn::GetAtt": []any{queue, "QueueName"}}}})
	for _, r := range ofType(res, "AWS::CloudWatch::Alarm") {
		p := props(r)
		actions, _ := p["AlarmActions"].([]any)
		if p["Namespace"] != "AWS/SQS" || p["MetricName"] != "ApproximateNumberOfMessagesVisible" || js(p["Dimensions"]) != dim || len(actions) == 0 {
			continue
		}
		th, _ := p["Threshold"].(float64)
		switch p["ComparisonOperator"] {
		case "GreaterThanOrEqualToThreshold":
			if th <= 1 && th > 0 {
				return true
			}
		case "GreaterThanThreshold":
			if th < 1 && th >= 0 {
				return true
			}
		}
	}
	return false
}

func checkAPIGatewayPermissions(stack string, res map[string]map[string]any, add addFunc, checked map[string]int) {
	for id, r := range ofType(res, "AWS::Lambda::Permission") {
		p := props(r)
		if p["Principal"] != "apigateway.amazonaws.com" {
			continue
		}
		checked["apigateway-permissions"]++
		if p["SourceAccount"] == nil {
			add("apigateway-permissions", stack, id, "no SourceAccount (SourceArn %s)", js(p["SourceArn"]))
		}
		if strings.Contains(js(p["SourceArn"]), "test-invoke-stage") {
			add("apigateway-permissions", stack, id, "allows the console's test-invoke-stage: %s", js(p["SourceArn"]))
		}
	}
}

// checkBuckets finds the access-log buckets (named as the destination of S3
// server access logs, of a load balancer's access logs or of a
// distribution's standard logs) and checks every bucket's default
// encryption: SSE-S3 for those, SSE-KMS for the data buckets.
func checkBuckets(stack string, res map[string]map[string]any, add addFunc, checked map[string]int) {
	logs := map[string]bool{}
	for _, r := range ofType(res, "AWS::S3::Bucket") {
		if lc, ok := props(r)["LoggingConfiguration"].(map[string]any); ok {
			logs[ref(lc["DestinationBucketName"])] = true
		}
	}
	for _, r := range ofType(res, "AWS::ElasticLoadBalancingV2::LoadBalancer") {
		attrs, _ := props(r)["LoadBalancerAttributes"].([]any)
		for _, a := range attrs {
			if m, _ := a.(map[string]any); m["Key"] == "access_logs.s3.bucket" {
				logs[ref(m["Value"])] = true
			}
		}
	}
	for _, r := range ofType(res, "AWS::CloudFront::Distribution") {
		cfg, _ := props(r)["DistributionConfig"].(map[string]any)
		if l, ok := cfg["Logging"].(map[string]any); ok {
			logs[getAtt(l["Bucket"], "RegionalDomainName")] = true
			logs[getAtt(l["Bucket"], "DomainName")] = true
		}
	}
	for id, r := range ofType(res, "AWS::S3::Bucket") {
		enc := js(props(r)["BucketEncryption"])
		kms := strings.Contains(enc, `"SSEAlgorithm":"aws:kms`)
		s3 := strings.Contains(enc, `"SSEAlgorithm":"AES256"`)
		if logs[id] {
			checked["access-log-buckets"]++
			if !s3 {
				add("buckets", stack, id, "an access-log bucket must be SSE-S3 (log delivery cannot use a KMS key): %s", enc)
			}
			continue
		}
		checked["data-buckets"]++
		if !kms {
			add("buckets", stack, id, "a data bucket must be SSE-KMS: %s", enc)
		}
	}
}

func checkKeyPolicies(stack string, res map[string]map[string]any, add addFunc, checked map[string]int) {
	for id, r := range ofType(res, "AWS::KMS::Key") {
		doc, _ := props(r)["KeyPolicy"].(map[string]any)
		statements, _ := doc["Statement"].([]any)
		for i, x := range statements {
			s, _ := x.(map[string]any)
			if s["Effect"] != "Allow" {
				continue
			}
			var actions []any
			switch a := s["Action"].(type) {
			case string:
				actions = []any{a}
			case []any:
				actions = a
			}
			grant, all := false, false
			for _, a := range actions {
				grant = grant || a == "kms:CreateGrant" || a == "kms:Create*"
				all = all || a == "kms:*"
			}
			// The key's administration statement: the account root with
			// kms:*, which leaves access to the account's IAM policies.
			if all && !grant && len(actions) == 1 && strings.HasSuffix(js(s["Principal"]), `":root"]]}}`) {
				continue
			}
			if !grant && !all {
				continue
			}
			checked["key-policies"]++
			if !strings.Contains(js(s["Condition"]), `"kms:GrantIsForAWSResource":"true"`) {
				add("key-policies", stack, id, "statement %d allows kms:CreateGrant to %s without kms:GrantIsForAWSResource", i, js(s["Principal"]))
			}
		}
	}
}
