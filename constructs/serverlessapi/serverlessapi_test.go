package serverlessapi_test

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/serverlessapi"
)

const handler = "testdata/handler"

// defaults is one synthesis of a ServerlessAPI with nothing but routes,
// shared by the tests that check the defaults.
// It also holds two callers' roles, the app's own: Client may invoke GET
// /polls/{id} only, AllRoutes every IAM-authorized route.
var defaults = sync.OnceValues(func() (awscdk.Stack, *serverlessapi.ServerlessAPI) {
	stack := cdktest.NewStack("Defaults")
	api := serverlessapi.New(stack, "Votes", &serverlessapi.Props{Routes: []serverlessapi.Route{
		{Method: "GET", Path: "/polls/{id}", Entry: handler},
		{Method: "POST", Path: "/polls", Entry: handler, Access: serverlessapi.ReadWrite},
	}})
	for id, routes := range map[string][]string{"Client": {"get /polls/{id}"}, "AllRoutes": nil} {
		role := awsiam.NewRole(stack, jsii.String(id), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
		api.GrantInvoke(role, routes...)
	}
	return stack, api
})

// callers are the constructs of the defaults fixture that the app made.
var callers = []string{"/Defaults/Client", "/Defaults/AllRoutes"}

var (
	defaultsOnce sync.Once
	defaultsTpl  *cdktest.Template
)

// defaultsTemplate synthesizes the defaults fixture once per test binary.
func defaultsTemplate(t *testing.T) *cdktest.Template {
	t.Helper()
	defaultsOnce.Do(func() {
		stack, _ := defaults()
		defaultsTpl = cdktest.Synth(t, stack)
	})
	if defaultsTpl == nil {
		t.Fatal("the defaults fixture did not synthesize (see the first failing test)")
	}
	return defaultsTpl
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDefaultFunctionsAreGoOnGraviton(t *testing.T) {
	tpl := defaultsTemplate(t)
	tpl.Count(t, "AWS::Lambda::Function", 2)
	tpl.Has(t, "AWS::Lambda::Function", map[string]any{
		"Runtime":       "provided.al2023",
		"Architectures": []any{"arm64"},
		"Handler":       "bootstrap",
		"MemorySize":    256,
		"Timeout":       10,
		"TracingConfig": map[string]any{"Mode": "Active"},
		"LoggingConfig": map[string]any{"LogFormat": "JSON", "ApplicationLogLevel": "INFO"},
	})
	for id, fn := range tpl.Resources("AWS::Lambda::Function") {
		env, _ := json.Marshal(fn["Properties"].(map[string]any)["Environment"])
		if !strings.Contains(string(env), `"TABLE_NAME":{"Ref":"VotesTable`) {
			t.Errorf("%s: TABLE_NAME is not the table's name: %s", id, env)
		}
	}
	tpl.HasResource(t, "AWS::Logs::LogGroup", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties":     map[string]any{"RetentionInDays": 365},
	})
}

func TestDefaultTableIsDurable(t *testing.T) {
	tpl := defaultsTemplate(t)
	tpl.Count(t, "AWS::DynamoDB::GlobalTable", 1)
	tpl.HasResource(t, "AWS::DynamoDB::GlobalTable", map[string]any{
		"DeletionPolicy":      "Retain",
		"UpdateReplacePolicy": "Retain",
		"Properties": map[string]any{
			"BillingMode":      "PAY_PER_REQUEST",
			"SSESpecification": map[string]any{"SSEEnabled": true, "SSEType": "KMS"},
			"KeySchema": []any{
				map[string]any{"AttributeName": "pk", "KeyType": "HASH"},
				map[string]any{"AttributeName": "sk", "KeyType": "RANGE"},
			},
			"Replicas": []any{map[string]any{
				"DeletionProtectionEnabled":        true,
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			}},
		},
	})
}

func TestDefaultStageIsThrottledLoggedAndTraced(t *testing.T) {
	tpl := defaultsTemplate(t)
	tpl.Has(t, "AWS::ApiGateway::Stage", map[string]any{
		"StageName":      "prod",
		"TracingEnabled": true,
		"MethodSettings": []any{map[string]any{
			"HttpMethod": "*", "ResourcePath": "/*",
			"ThrottlingRateLimit": 1000, "ThrottlingBurstLimit": 2000,
			"LoggingLevel": "INFO", "DataTraceEnabled": false, "MetricsEnabled": true,
		}},
	})
	for id, st := range tpl.Resources("AWS::ApiGateway::Stage") {
		als, _ := st["Properties"].(map[string]any)["AccessLogSetting"].(map[string]any)
		format, _ := als["Format"].(string)
		var fields map[string]string
		if err := json.Unmarshal([]byte(format), &fields); err != nil || fields["status"] == "" || fields["ip"] == "" {
			t.Errorf("%s: access log format is not JSON with status and ip: %q (%v)", id, format, err)
		}
	}
	tpl.Has(t, "AWS::ApiGateway::RestApi", map[string]any{"EndpointConfiguration": map[string]any{"Types": []any{"REGIONAL"}}})
}

func TestDefaultMethodsNeedIAMAndValidation(t *testing.T) {
	tpl := defaultsTemplate(t)
	methods := tpl.Resources("AWS::ApiGateway::Method")
	if len(methods) != 2 {
		t.Fatalf("%d methods, want 2 (no CORS preflight by default)", len(methods))
	}
	for id, m := range methods {
		p := m["Properties"].(map[string]any)
		if p["AuthorizationType"] != "AWS_IAM" {
			t.Errorf("%s: AuthorizationType %v, want AWS_IAM", id, p["AuthorizationType"])
		}
		if p["RequestValidatorId"] == nil {
			t.Errorf("%s: no request validator", id)
		}
		if p["HttpMethod"] == "GET" {
			params, _ := p["RequestParameters"].(map[string]any)
			if params["method.request.path.id"] != true {
				t.Errorf("%s: path parameter id not required: %v", id, params)
			}
		}
	}
	tpl.Has(t, "AWS::ApiGateway::RequestValidator", map[string]any{"ValidateRequestBody": true, "ValidateRequestParameters": true})
}

func TestDefaultWAFProtectsTheStage(t *testing.T) {
	tpl := defaultsTemplate(t)
	tpl.Count(t, "AWS::WAFv2::WebACL", 1)
	tpl.Has(t, "AWS::WAFv2::WebACL", map[string]any{
		"Scope":         "REGIONAL",
		"DefaultAction": map[string]any{"Allow": map[string]any{}},
	})
	acl := cdktest.Only(t, tpl.Resources("AWS::WAFv2::WebACL"))
	rules, _ := json.Marshal(acl["Properties"].(map[string]any)["Rules"])
	for _, want := range []string{
		`"RateBasedStatement":{"AggregateKeyType":"IP","EvaluationWindowSec":300,"Limit":2000}`,
		`"Action":{"Block":{}}`,
		`"Name":"AWSManagedRulesCommonRuleSet","VendorName":"AWS"`,
		`"Name":"AWSManagedRulesKnownBadInputsRuleSet","VendorName":"AWS"`,
		`"Name":"AWSManagedRulesAmazonIpReputationList","VendorName":"AWS"`,
		`"Name":"AWSManagedRulesAnonymousIpList","VendorName":"AWS"`,
		`"Name":"AWSManagedRulesSQLiRuleSet","VendorName":"AWS"`,
	} {
		if !strings.Contains(string(rules), want) {
			t.Errorf("web ACL rules lack %s:\n%s", want, rules)
		}
	}
	// Bot Control is paid per request: opt-in only.
	if strings.Contains(string(rules), serverlessapi.BotControlRuleGroup) || strings.Contains(string(rules), `"RuleActionOverrides"`) || strings.Contains(string(rules), `"OverrideAction":{"Count":{}}`) {
		t.Errorf("the default web ACL has Bot Control, an excluded rule or a counting group:\n%s", rules)
	}
	assoc := cdktest.Only(t, tpl.Resources("AWS::WAFv2::WebACLAssociation"))
	b, _ := json.Marshal(assoc["Properties"])
	if !strings.Contains(string(b), `/stages/`) || !strings.Contains(string(b), `"WebACLArn":{"Fn::GetAtt":["VotesWebACL`) {
		t.Errorf("association does not tie the stage to the web ACL: %s", b)
	}
	logging := cdktest.Only(t, tpl.Resources("AWS::WAFv2::LoggingConfiguration"))
	b, _ = json.Marshal(logging["Properties"])
	for _, want := range []string{"aws-waf-logs-", `"Name":"authorization"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("WAF logging lacks %s: %s", want, b)
		}
	}
}

func TestRoutesGetLeastPrivilege(t *testing.T) {
	stack, api := defaults()
	tpl := defaultsTemplate(t)
	roleOf := func(route string) string {
		fn := api.Functions[route]
		if fn == nil {
			t.Fatalf("no function for %q; have %v", route, keys(api.Functions))
		}
		return *stack.GetLogicalId(fn.Role().Node().DefaultChild().(awscdk.CfnElement))
	}
	actionsOf := func(role string) string {
		var all []string
		for _, pol := range tpl.Resources("AWS::IAM::Policy") {
			p := pol["Properties"].(map[string]any)
			b, _ := json.Marshal(p["Roles"])
			if strings.Contains(string(b), `"`+role+`"`) {
				s, _ := json.Marshal(p["PolicyDocument"])
				all = append(all, string(s))
			}
		}
		return strings.Join(all, "\n")
	}
	get, post := actionsOf(roleOf("GET /polls/{id}")), actionsOf(roleOf("POST /polls"))
	if !strings.Contains(get, "dynamodb:GetItem") || strings.Contains(get, "dynamodb:PutItem") || strings.Contains(get, "dynamodb:UpdateItem") {
		t.Errorf("read-only route's policy is not read-only:\n%s", get)
	}
	if !strings.Contains(post, "dynamodb:PutItem") {
		t.Errorf("read-write route cannot write:\n%s", post)
	}
	for _, pol := range tpl.Resources("AWS::IAM::Policy") {
		b, _ := json.Marshal(pol)
		if strings.Contains(string(b), `"Action":"*"`) || strings.Contains(string(b), `"dynamodb:*"`) {
			t.Errorf("wildcard action in %s", b)
		}
	}
	for _, role := range tpl.Resources("AWS::IAM::Role") {
		if m := role["Properties"].(map[string]any)["ManagedPolicyArns"]; m != nil && !strings.Contains(cdktest.JSON(m), "AmazonAPIGatewayPushToCloudWatchLogs") {
			t.Errorf("a function role carries managed policies: %v", m)
		}
	}
}

func TestDefaultAlarms(t *testing.T) {
	_, api := defaults()
	tpl := defaultsTemplate(t)
	// 5xx, p99 latency, table throttles, and errors + throttles per route.
	tpl.Count(t, "AWS::CloudWatch::Alarm", 3+2*2)
	for _, name := range []string{"Api5xx", "ApiLatencyP99", "TableThrottles", "GET /polls/{id} Errors", "POST /polls Throttles"} {
		if api.Alarms[name] == nil {
			t.Errorf("alarm %q not exported; have %v", name, keys(api.Alarms))
		}
	}
	tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{"MetricName": "5XXError", "Statistic": "Average", "Threshold": 0.01})
	tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{"MetricName": "Latency", "ExtendedStatistic": "p99", "Threshold": 2000})
}

func TestDefaultsPassCdkNag(t *testing.T) {
	stack, _ := defaults()
	defaultsTemplate(t)
	cdktest.NoNagFindings(t, stack, callers...)
}

// TestDefaultAlarmsNotifyTheSharedTopic: given no Alarms.Topic, every alarm
// notifies the stack's shared, encrypted alarm topic.
func TestDefaultAlarmsNotifyTheSharedTopic(t *testing.T) {
	_, api := defaults()
	tpl := defaultsTemplate(t)
	if got := *api.AlarmTopic.Node().Path(); got != "Defaults/"+alarmtopic.SharedID+"/Topic" {
		t.Errorf("AlarmTopic is %s, want the shared alarm topic", got)
	}
	for id, a := range tpl.Resources("AWS::CloudWatch::Alarm") {
		for _, k := range []string{"AlarmActions", "OKActions"} {
			if got := cdktest.JSON(cdktest.Properties(a)[k]); !strings.Contains(got, `"Ref":"`+alarmtopic.SharedID) {
				t.Errorf("%s %s = %s, want the shared alarm topic", id, k, got)
			}
		}
	}
	tpl.Count(t, "AWS::SNS::Topic", 1)
}

// TestGrantInvoke: IAM-authorized callers get execute-api:Invoke on exactly
// the routes' method ARNs in the stage, a path parameter as *.
func TestGrantInvoke(t *testing.T) {
	stack, _ := defaults()
	tpl := defaultsTemplate(t)
	policies := map[string]string{}
	for _, pol := range tpl.Resources("AWS::IAM::Policy") {
		p := cdktest.Properties(pol)
		for _, role := range p["Roles"].([]any) {
			policies[cdktest.JSON(role)] = cdktest.JSON(p["PolicyDocument"])
		}
	}
	policy := func(id string) string {
		role := stack.Node().FindChild(jsii.String(id)).(awsiam.Role)
		return policies[`{"Ref":"`+*stack.GetLogicalId(role.Node().DefaultChild().(awscdk.CfnElement))+`"}`]
	}
	client, all := policy("Client"), policy("AllRoutes")
	for name, c := range map[string]struct {
		doc       string
		want, not []string
	}{
		"Client":    {client, []string{`"Action":"execute-api:Invoke"`, `/GET/polls/*"`}, []string{`/POST/polls`, `"Resource":"*"`}},
		"AllRoutes": {all, []string{`"Action":"execute-api:Invoke"`, `/GET/polls/*"`, `/POST/polls"`}, []string{`"Resource":"*"`}},
	} {
		for _, w := range c.want {
			if !strings.Contains(c.doc, w) {
				t.Errorf("%s's policy lacks %s: %s", name, w, c.doc)
			}
		}
		for _, n := range c.not {
			if strings.Contains(c.doc, n) {
				t.Errorf("%s's policy holds %s: %s", name, n, c.doc)
			}
		}
		if !strings.Contains(c.doc, `:execute-api:ap-northeast-2:123456789012:",{"Ref":"VotesApi`) || !strings.Contains(c.doc, `{"Ref":"VotesApiDeploymentStageprod`) {
			t.Errorf("%s's grant is not on this API's deployed stage: %s", name, c.doc)
		}
	}

	// Routes that are not IAM's, or not the API's, are refused by name.
	other := cdktest.NewStack("Grants")
	api := serverlessapi.New(other, "Api", &serverlessapi.Props{Routes: []serverlessapi.Route{
		{Method: "GET", Path: "/health", Entry: handler, Public: true},
		{Method: "POST", Path: "/items", Entry: handler},
	}})
	role := awsiam.NewRole(other, jsii.String("Caller"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
	for route, want := range map[string]string{
		"GET /health": `serverlessapi "Grants/Api": GrantInvoke: route "GET /health" is not authorized with IAM (it is Public, or takes a Cognito token): its callers need no execute-api:Invoke grant`,
		"GET /items":  `serverlessapi "Grants/Api": GrantInvoke: the API has no route "GET /items"; its routes are GET /health, POST /items`,
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || fmt.Sprint(r) != want {
					t.Errorf("GrantInvoke(%q): %v, want %q", route, r, want)
				}
			}()
			api.GrantInvoke(role, route)
		}()
	}
}

func TestExportedResources(t *testing.T) {
	_, api := defaults()
	if api.API == nil || api.Stage == nil || api.Table == nil || api.WebACL == nil || api.WebACLArn == "" ||
		api.AccessLogs == nil || api.ExecutionLogs == nil || api.RequestValidator == nil || api.WAFLogs == nil ||
		api.WebACLAssociation == nil || api.WAFLogging == nil || api.AlarmTopic == nil ||
		len(api.Functions) != 2 || len(api.Methods) != 2 || len(api.GatewayResponses) != 4 {
		t.Errorf("a resource is not exported: %+v", api)
	}
	if api.Authorizer != nil || api.UsagePlan != nil || api.APIKey != nil {
		t.Errorf("optional resources exist by default: %+v", api)
	}
}

func TestOptions(t *testing.T) {
	stack := cdktest.NewStack("Options")
	pool := awscognito.NewUserPool(stack, jsii.String("Pool"), nil)
	api := serverlessapi.New(stack, "Api", &serverlessapi.Props{
		StageName: "dev",
		Throttle:  &serverlessapi.Throttle{RatePerSecond: 10, Burst: 20},
		Auth:      serverlessapi.Auth{UserPools: []awscognito.IUserPool{pool}, Scopes: []string{"votes/write"}},
		APIKeys:   &serverlessapi.APIKeys{QuotaPerDay: 500},
		CORS:      &serverlessapi.CORS{AllowOrigins: []string{"https://vote.example.com"}, MaxAge: time.Hour},
		WAF:       serverlessapi.WAF{ExistingWebACLArn: "arn:aws:wafv2:ap-northeast-2:123456789012:regional/webacl/shared/abc-123"},
		Function:  serverlessapi.FunctionDefaults{MemoryMB: 512, Timeout: 20 * time.Second, X86: true},
		Table:     serverlessapi.TableProps{NoSortKey: true, TimeToLiveAttribute: "expiresAt", Destroy: true},
		Routes: []serverlessapi.Route{
			{Method: "post", Path: "/polls", Entry: handler, Access: serverlessapi.WriteOnly, Throttle: &serverlessapi.Throttle{RatePerSecond: 5, Burst: 5}, MemoryMB: 1024},
			{Method: "GET", Path: "/health", Entry: handler, Access: serverlessapi.NoTableAccess, Public: true},
		},
	})
	tpl := cdktest.Synth(t, stack)
	tpl.Has(t, "AWS::ApiGateway::Stage", map[string]any{
		"StageName": "dev",
		"MethodSettings": []any{
			map[string]any{"HttpMethod": "*", "ThrottlingRateLimit": 10, "ThrottlingBurstLimit": 20},
			map[string]any{"HttpMethod": "POST", "ResourcePath": "/~1polls", "ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 5},
		},
	})
	tpl.Has(t, "AWS::ApiGateway::Method", map[string]any{"HttpMethod": "POST", "AuthorizationType": "COGNITO_USER_POOLS", "ApiKeyRequired": true, "AuthorizationScopes": []any{"votes/write"}})
	tpl.Has(t, "AWS::ApiGateway::Method", map[string]any{"HttpMethod": "GET", "AuthorizationType": "NONE"})
	tpl.Has(t, "AWS::ApiGateway::Method", map[string]any{"HttpMethod": "OPTIONS"})
	tpl.Has(t, "AWS::ApiGateway::UsagePlan", map[string]any{"Quota": map[string]any{"Limit": 500, "Period": "DAY"}})
	tpl.Count(t, "AWS::ApiGateway::ApiKey", 1)
	tpl.Count(t, "AWS::WAFv2::WebACL", 0)
	tpl.Has(t, "AWS::WAFv2::WebACLAssociation", map[string]any{"WebACLArn": "arn:aws:wafv2:ap-northeast-2:123456789012:regional/webacl/shared/abc-123"})
	tpl.Has(t, "AWS::Lambda::Function", map[string]any{"MemorySize": 1024, "Timeout": 20, "Architectures": []any{"x86_64"}})
	tpl.Has(t, "AWS::Lambda::Function", map[string]any{"MemorySize": 512})
	tpl.HasResource(t, "AWS::DynamoDB::GlobalTable", map[string]any{
		"DeletionPolicy": "Delete",
		"Properties": map[string]any{
			"KeySchema":               []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}},
			"TimeToLiveSpecification": map[string]any{"AttributeName": "expiresAt", "Enabled": true},
		},
	})
	if api.Authorizer == nil || api.UsagePlan == nil || api.APIKey == nil || api.WebACL != nil {
		t.Errorf("options not reflected in exported fields: %+v", api)
	}
	// One CORS origin: browsers may read API Gateway's own errors too.
	tpl.Has(t, "AWS::ApiGateway::GatewayResponse", map[string]any{
		"ResponseType": "BAD_REQUEST_BODY",
		"ResponseParameters": map[string]any{
			"gatewayresponse.header.Access-Control-Allow-Origin": "'https://vote.example.com'",
		},
	})
	for id, gr := range tpl.Resources("AWS::ApiGateway::GatewayResponse") {
		if params := gr["Properties"].(map[string]any)["ResponseParameters"].(map[string]any); params["gatewayresponse.header.Access-Control-Allow-Credentials"] != nil {
			t.Errorf("%s: Access-Control-Allow-Credentials without CORS.AllowCredentials: %v", id, params)
		}
	}
	for _, pol := range tpl.Resources("AWS::IAM::Policy") {
		if b := cdktest.JSON(pol); strings.Contains(b, "dynamodb:GetItem") {
			t.Errorf("WriteOnly/NoTableAccess routes got read access: %s", b)
		}
	}
}

func TestValidationMessages(t *testing.T) {
	route := func(mut func(*serverlessapi.Route)) *serverlessapi.Props {
		r := serverlessapi.Route{Method: "GET", Path: "/polls", Entry: handler}
		mut(&r)
		return &serverlessapi.Props{Routes: []serverlessapi.Route{r}}
	}
	with := func(mut func(*serverlessapi.Props)) *serverlessapi.Props {
		p := route(func(*serverlessapi.Route) {})
		mut(p)
		return p
	}
	cases := []struct {
		name  string
		props *serverlessapi.Props
		want  string
	}{
		{"nil props", nil, `serverlessapi "Api": Props: must not be nil`},
		{"no routes", &serverlessapi.Props{}, `serverlessapi "Api": Routes: at least one route is required`},
		{"path without slash", route(func(r *serverlessapi.Route) { r.Path = "polls" }), `Routes[0].Path: "polls" must start with "/"`},
		{"trailing slash", route(func(r *serverlessapi.Route) { r.Path = "/polls/" }), `Routes[0].Path: "/polls/" must not end with "/"`},
		{"bad parameter", route(func(r *serverlessapi.Route) { r.Path = "/polls/{id" }), `segment "{id" is not a valid {parameter}`},
		{"greedy not last", route(func(r *serverlessapi.Route) { r.Path = "/a/{p+}/b" }), `greedy parameter "{p+}" must be the last segment`},
		{"bad method", route(func(r *serverlessapi.Route) { r.Method = "FETCH" }), `Routes[0].Method: "FETCH" is not one of GET, POST`},
		{"missing handler", route(func(r *serverlessapi.Route) { r.Entry = "testdata/nope" }), `Routes[0].Entry: "testdata/nope"`},
		{"handler without go files", route(func(r *serverlessapi.Route) { r.Entry = "testdata" }), `Routes[0].Entry: "testdata" holds no .go files`},
		{"duplicate route", with(func(p *serverlessapi.Props) {
			p.Routes = append(p.Routes, serverlessapi.Route{Method: "get", Path: "/polls", Entry: handler})
		}), `Routes[1]: GET /polls duplicates Routes[0]`},
		{"zero rate", with(func(p *serverlessapi.Props) { p.Throttle = &serverlessapi.Throttle{Burst: 10} }), `Throttle.RatePerSecond: must be positive and finite, got 0`},
		{"infinite rate", with(func(p *serverlessapi.Props) {
			p.Throttle = &serverlessapi.Throttle{RatePerSecond: math.Inf(1), Burst: 10}
		}), `Throttle.RatePerSecond: must be positive and finite, got +Inf`},
		{"negative burst", route(func(r *serverlessapi.Route) { r.Throttle = &serverlessapi.Throttle{RatePerSecond: 1, Burst: -1} }), `Routes[0].Throttle.Burst: must be positive, got -1`},
		{"WAF limit below minimum", with(func(p *serverlessapi.Props) { p.WAF.RateLimit = 5 }), `WAF.RateLimit: 5 is outside AWS WAF's range 10..2000000000`},
		{"WAF window", with(func(p *serverlessapi.Props) { p.WAF.Window = 3 * time.Minute }), `WAF.Window: 3m0s is not one of 1m, 2m, 5m, 10m`},
		{"WAF disabled with settings", with(func(p *serverlessapi.Props) { p.WAF = serverlessapi.WAF{Disable: true, RateLimit: 100} }), `WAF.Disable: is set together with other WAF settings`},
		{"bad web ACL ARN", with(func(p *serverlessapi.Props) {
			p.WAF.ExistingWebACLArn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/y"
		}), `is not a regional WAFv2 web ACL ARN`},
		{"stage name", with(func(p *serverlessapi.Props) { p.StageName = "pr od" }), `StageName: "pr od" must be 1-128 letters, digits, hyphens or underscores`},
		{"stage name too long", with(func(p *serverlessapi.Props) { p.StageName = strings.Repeat("a", 129) }), `StageName: "aaaa`},
		{"log level", with(func(p *serverlessapi.Props) { p.Function.LogLevel = "VERBOSE" }), `Function.LogLevel: "VERBOSE" is not one of Lambda's log levels TRACE, DEBUG, INFO, WARN, ERROR, FATAL`},
		{"route construct ids collide", with(func(p *serverlessapi.Props) {
			p.Routes = []serverlessapi.Route{{Method: "GET", Path: "/a-b", Entry: handler}, {Method: "GET", Path: "/a/b", Entry: handler}}
		}), `Routes[1]: GET /a/b and Routes[0] GET /a-b both name a construct "GetAB" (construct ids keep only the letters and digits of the method and path): change one path`},
		{"route ids collide through an alarm id", with(func(p *serverlessapi.Props) {
			p.Routes = []serverlessapi.Route{{Method: "GET", Path: "/x", Entry: handler}, {Method: "GET", Path: "/x/errors-alarm", Entry: handler}}
		}), `Routes[1]: GET /x/errors-alarm and Routes[0] GET /x both name a construct "GetXErrorsAlarm"`},
		{"sibling parameters", with(func(p *serverlessapi.Props) {
			p.Routes = []serverlessapi.Route{{Method: "GET", Path: "/polls/{id}", Entry: handler}, {Method: "POST", Path: "/polls/{pollId}/votes", Entry: handler}}
		}), `Routes[1].Path: "/polls/{pollId}/votes": {pollId} under "/polls" conflicts with {id} of Routes[0] "/polls/{id}": API Gateway allows one {parameter} per path level, so name it {id}`},
		{"sibling greedy parameter", with(func(p *serverlessapi.Props) {
			p.Routes = []serverlessapi.Route{{Method: "GET", Path: "/files/{key}", Entry: handler}, {Method: "PUT", Path: "/files/{key+}", Entry: handler}}
		}), `Routes[1].Path: "/files/{key+}": {key+} under "/files" conflicts with {key}`},
		{"unknown table action", route(func(r *serverlessapi.Route) { r.Actions = []string{"dynamodb:*"} }), `Routes[0].Actions: "dynamodb:*" is not one of dynamodb:BatchGetItem,`},
		{"stream action", route(func(r *serverlessapi.Route) { r.Actions = []string{"dynamodb:GetRecords"} }), `Routes[0].Actions: "dynamodb:GetRecords" is not one of`},
		{"repeated table action", route(func(r *serverlessapi.Route) { r.Actions = []string{"dynamodb:PutItem", "dynamodb:PutItem"} }), `Routes[0].Actions: "dynamodb:PutItem" appears twice`},
		{"actions with access", route(func(r *serverlessapi.Route) {
			r.Actions, r.Access = []string{"dynamodb:PutItem"}, serverlessapi.ReadWrite
		}), `Routes[0].Actions: is set together with Access ReadWrite: Actions replaces the access level`},
		{"gateway errors disabled with a template", with(func(p *serverlessapi.Props) {
			p.GatewayErrors = serverlessapi.GatewayErrors{Disable: true, Template: `{"e":1}`}
		}), `GatewayErrors.Disable: is set together with GatewayErrors.Template`},
		{"blank gateway error template", with(func(p *serverlessapi.Props) { p.GatewayErrors.Template = "  " }), `GatewayErrors.Template: is blank`},
		{"memory", with(func(p *serverlessapi.Props) { p.Function.MemoryMB = 64 }), `Function.MemoryMB: 64 is outside Lambda's range 128..10240`},
		{"timeout", route(func(r *serverlessapi.Route) { r.Timeout = 20 * time.Minute }), `Routes[0].Timeout: 20m0s is outside Lambda's range (0, 15m]`},
		{"scopes without pools", with(func(p *serverlessapi.Props) { p.Auth.Scopes = []string{"a"} }), `Auth.Scopes: need Auth.UserPools`},
		{"CORS wildcard with credentials", with(func(p *serverlessapi.Props) {
			p.CORS = &serverlessapi.CORS{AllowOrigins: []string{"*"}, AllowCredentials: true}
		}), `CORS.AllowOrigins: "*" cannot be combined with AllowCredentials`},
		{"reserved env", route(func(r *serverlessapi.Route) { r.Environment = map[string]string{"TABLE_NAME": "x"} }), `Routes[0].Environment: TABLE_NAME is set by the construct`},
		{"sort key twice", with(func(p *serverlessapi.Props) {
			p.Table = serverlessapi.TableProps{NoSortKey: true, SortKey: &awsdynamodb.Attribute{Name: jsii.String("x"), Type: awsdynamodb.AttributeType_STRING}}
		}), `Table.SortKey: is set together with Table.NoSortKey`},
		{"error rate", with(func(p *serverlessapi.Props) { p.Alarms.ServerErrorRate = 5 }), `Alarms.ServerErrorRate: 5 is not a share between 0 and 1`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := serverlessapi.Validate(nil, "Api", c.props)
			if err == nil {
				t.Fatalf("no error, want one containing %q", c.want)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("error\n  %s\nwant it to contain\n  %s", err, c.want)
			}
		})
	}
	valid := map[string]*serverlessapi.Props{
		"one route":             route(func(*serverlessapi.Route) {}),
		"hyphenated stage name": with(func(p *serverlessapi.Props) { p.StageName = "pre-prod_2" }),
		"lower-case log level":  with(func(p *serverlessapi.Props) { p.Function.LogLevel = "debug" }),
		"same parameter at one level, literal sibling": with(func(p *serverlessapi.Props) {
			p.Routes = []serverlessapi.Route{
				{Method: "GET", Path: "/polls/{id}", Entry: handler},
				{Method: "POST", Path: "/polls/{id}/votes", Entry: handler},
				{Method: "GET", Path: "/polls/recent", Entry: handler},
				{Method: "DELETE", Path: "/polls/{id}", Entry: handler},
			}
		}),
		"exact actions": route(func(r *serverlessapi.Route) {
			r.Actions = []string{"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"}
		}),
	}
	for name, p := range valid {
		if err := serverlessapi.Validate(nil, "Api", p); err != nil {
			t.Errorf("%s: valid props rejected: %v", name, err)
		}
	}
}

func TestNewPanicsWithEveryProblemAndThePath(t *testing.T) {
	stack := cdktest.NewStack("Bad")
	defer func() {
		r := recover()
		err, ok := r.(error)
		if !ok {
			t.Fatalf("recovered %v, want an error", r)
		}
		msg := err.Error()
		for _, want := range []string{`serverlessapi "Bad/Api": 2 invalid props:`, `Routes[0].Path: "x" must start with "/"`, `StageName:`} {
			if !strings.Contains(msg, want) {
				t.Errorf("panic message %q lacks %q", msg, want)
			}
		}
		if stack.Node().TryFindChild(jsii.String("Api")) != nil {
			t.Error("the construct was created despite invalid props")
		}
	}()
	serverlessapi.New(stack, "Api", &serverlessapi.Props{StageName: "pr od", Routes: []serverlessapi.Route{{Method: "GET", Path: "x", Entry: handler}}})
}

// gatewayErrorBody renders a gateway response template the way API Gateway
// substitutes its variables, for an error message and a request id.
func gatewayErrorBody(template, message, requestID string) string {
	quoted, _ := json.Marshal(message)
	r := strings.NewReplacer("$context.error.messageString", string(quoted), "$context.requestId", requestID)
	return r.Replace(template)
}

func TestDefaultGatewayErrorsAreJSON(t *testing.T) {
	_, api := defaults()
	tpl := defaultsTemplate(t)
	responses := tpl.Resources("AWS::ApiGateway::GatewayResponse")
	var types []string
	for id, gr := range responses {
		p := gr["Properties"].(map[string]any)
		types = append(types, p["ResponseType"].(string))
		if p["StatusCode"] != nil {
			t.Errorf("%s: status code %v overridden; API Gateway's own status must stay", id, p["StatusCode"])
		}
		template, _ := p["ResponseTemplates"].(map[string]any)["application/json"].(string)
		if template != serverlessapi.DefaultGatewayErrorTemplate {
			t.Errorf("%s: template %q, want %q", id, template, serverlessapi.DefaultGatewayErrorTemplate)
		}
		params, _ := p["ResponseParameters"].(map[string]any)
		if params["gatewayresponse.header.Cache-Control"] != "'no-store'" || params["gatewayresponse.header.X-Content-Type-Options"] != "'nosniff'" {
			t.Errorf("%s: headers %v lack no-store and nosniff", id, params)
		}
		if params["gatewayresponse.header.Access-Control-Allow-Origin"] != nil {
			t.Errorf("%s: CORS header without CORS: %v", id, params)
		}
	}
	slices.Sort(types)
	if want := []string{"BAD_REQUEST_BODY", "BAD_REQUEST_PARAMETERS", "DEFAULT_4XX", "DEFAULT_5XX"}; !slices.Equal(types, want) {
		t.Errorf("gateway responses %v, want %v", types, want)
	}
	for typ := range api.GatewayResponses {
		if !slices.Contains(types, typ) {
			t.Errorf("exported gateway response %q is not in the template", typ)
		}
	}
	// The body is what the handlers answer: {"error": "..."}, even for a
	// message with quotes in it.
	var body struct {
		Error     string `json:"error"`
		RequestID string `json:"requestId"`
	}
	b := gatewayErrorBody(serverlessapi.DefaultGatewayErrorTemplate, `Invalid "request" body`, "c0ffee")
	if err := json.Unmarshal([]byte(b), &body); err != nil || body.Error != `Invalid "request" body` || body.RequestID != "c0ffee" {
		t.Errorf("default template renders %s (%v), want {\"error\": ..., \"requestId\": ...}", b, err)
	}
}

func TestExecutionLogsHaveRetention(t *testing.T) {
	stack, api := defaults()
	tpl := defaultsTemplate(t)
	id := *stack.GetLogicalId(api.ExecutionLogs.Node().DefaultChild().(awscdk.CfnElement))
	lg := tpl.JSON["Resources"].(map[string]any)[id].(map[string]any)
	if lg["DeletionPolicy"] != "Retain" || lg["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("execution log group %s is not retained like the access logs: %v", id, lg)
	}
	props := lg["Properties"].(map[string]any)
	if props["RetentionInDays"] != float64(365) {
		t.Errorf("execution log group retention %v, want 365", props["RetentionInDays"])
	}
	name := cdktest.JSON(props["LogGroupName"])
	for _, want := range []string{`"API-Gateway-Execution-Logs_"`, `{"Ref":"VotesApi`, `"/prod"`} {
		if !strings.Contains(name, want) {
			t.Errorf("execution log group name %s lacks %s", name, want)
		}
	}
	// The group exists before the stage can log into it.
	stage := cdktest.Only(t, tpl.Resources("AWS::ApiGateway::Stage"))
	if deps := cdktest.JSON(stage["DependsOn"]); !strings.Contains(deps, `"`+id+`"`) {
		t.Errorf("stage does not depend on the execution log group %s: DependsOn %s", id, deps)
	}
}

func TestWAFLogGroupNameIsPerStackInstance(t *testing.T) {
	stack, api := defaults()
	tpl := defaultsTemplate(t)
	id := *stack.GetLogicalId(api.WAFLogs.Node().DefaultChild().(awscdk.CfnElement))
	lg := tpl.JSON["Resources"].(map[string]any)[id].(map[string]any)
	props := lg["Properties"].(map[string]any)
	if props["RetentionInDays"] != float64(365) {
		t.Errorf("WAF log group retention %v, want LogRetention's default 365", props["RetentionInDays"])
	}
	name := cdktest.JSON(props["LogGroupName"])
	for _, want := range []string{`"aws-waf-logs-Defaults-Votes-`, `{"Ref":"AWS::StackId"}`} {
		if !strings.Contains(name, want) {
			t.Errorf("WAF log group name %s lacks %s: a retained group would block re-creating the stack", name, want)
		}
	}
	// The logging configuration points at the same (stack-unique) name.
	logging := cdktest.Only(t, tpl.Resources("AWS::WAFv2::LoggingConfiguration"))
	if dest := cdktest.JSON(logging["Properties"].(map[string]any)["LogDestinationConfigs"]); !strings.Contains(dest, `{"Ref":"AWS::StackId"}`) || !strings.Contains(dest, "aws-waf-logs-Defaults-Votes-") {
		t.Errorf("WAF logging destination %s is not the log group's name", dest)
	}
}

// policyActions returns every action in the inline policies of fn's role.
func policyActions(t *testing.T, stack awscdk.Stack, tpl *cdktest.Template, fn interface {
	Role() awsiam.IRole
}) []string {
	t.Helper()
	role := *stack.GetLogicalId(fn.Role().Node().DefaultChild().(awscdk.CfnElement))
	var out []string
	for _, pol := range tpl.Resources("AWS::IAM::Policy") {
		p := pol["Properties"].(map[string]any)
		if !strings.Contains(cdktest.JSON(p["Roles"]), `"`+role+`"`) {
			continue
		}
		for _, st := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			switch a := st.(map[string]any)["Action"].(type) {
			case string:
				out = append(out, a)
			case []any:
				for _, x := range a {
					out = append(out, x.(string))
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// only keeps the actions of one service ("dynamodb:", "kms:").
func only(prefix string, actions []string) []string {
	var out []string
	for _, a := range actions {
		if strings.HasPrefix(a, prefix) {
			out = append(out, a)
		}
	}
	return out
}

// variants exercises the props the defaults leave off: exact table actions on
// a table with a customer-managed key, WAF in count mode, an alarm topic, a
// log retention, a custom gateway error template and several CORS origins.
func TestVariants(t *testing.T) {
	stack := cdktest.NewStack("Variants")
	key := awskms.NewKey(stack, jsii.String("TableKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	topic := alarmtopic.New(stack, "Alarms", nil).Topic
	api := serverlessapi.New(stack, "Api", &serverlessapi.Props{
		Table:         serverlessapi.TableProps{EncryptionKey: key},
		WAF:           serverlessapi.WAF{CountOnly: true},
		Alarms:        serverlessapi.Alarms{Topic: topic},
		LogRetention:  awslogs.RetentionDays_ONE_MONTH,
		GatewayErrors: serverlessapi.GatewayErrors{Template: `{"error":$context.error.messageString,"type":"$context.error.responseType"}`},
		CORS:          &serverlessapi.CORS{AllowOrigins: []string{"https://a.example.com", "https://b.example.com"}},
		Function:      serverlessapi.FunctionDefaults{LogLevel: "debug"},
		Routes: []serverlessapi.Route{
			{Method: "POST", Path: "/polls", Entry: handler, Actions: []string{"dynamodb:PutItem"}},
			{Method: "POST", Path: "/polls/{id}/votes", Entry: handler, Actions: []string{"dynamodb:PutItem", "dynamodb:UpdateItem"}},
			{Method: "GET", Path: "/polls/{id}", Entry: handler, Actions: []string{"dynamodb:GetItem"}},
		},
	})
	tpl := cdktest.Synth(t, stack)

	t.Run("exact table actions", func(t *testing.T) {
		for route, want := range map[string][]string{
			"POST /polls":            {"dynamodb:PutItem"},
			"POST /polls/{id}/votes": {"dynamodb:PutItem", "dynamodb:UpdateItem"},
			"GET /polls/{id}":        {"dynamodb:GetItem"},
		} {
			got := policyActions(t, stack, tpl, api.Functions[route])
			if ddb := only("dynamodb:", got); !slices.Equal(ddb, want) {
				t.Errorf("%s: DynamoDB actions %v, want exactly %v", route, ddb, want)
			}
			wantKMS := []string{"kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"}
			if route == "GET /polls/{id}" {
				wantKMS = []string{"kms:Decrypt", "kms:DescribeKey"}
			}
			if k := only("kms:", got); !slices.Equal(k, wantKMS) {
				t.Errorf("%s: KMS actions on the table key %v, want %v", route, k, wantKMS)
			}
		}
	})
	t.Run("WAF counts instead of blocking", func(t *testing.T) {
		acl := cdktest.Only(t, tpl.Resources("AWS::WAFv2::WebACL"))
		rules := cdktest.JSON(acl["Properties"].(map[string]any)["Rules"])
		if strings.Contains(rules, `"Block"`) || !strings.Contains(rules, `"Action":{"Count":{}}`) || strings.Count(rules, `"OverrideAction":{"Count":{}}`) != len(serverlessapi.WAFManagedRuleGroups) {
			t.Errorf("CountOnly web ACL still blocks or does not count every rule: %s", rules)
		}
	})
	t.Run("every alarm notifies the topic", func(t *testing.T) {
		topicID := *stack.GetLogicalId(topic.Node().DefaultChild().(awscdk.CfnElement))
		alarms := tpl.Resources("AWS::CloudWatch::Alarm")
		if len(alarms) != 3+2*3 {
			t.Errorf("%d alarms, want %d", len(alarms), 3+2*3)
		}
		for id, a := range alarms {
			p := a["Properties"].(map[string]any)
			for _, k := range []string{"AlarmActions", "OKActions"} {
				if got := cdktest.JSON(p[k]); got != `[{"Ref":"`+topicID+`"}]` {
					t.Errorf("%s: %s %s, want the alarm topic %s", id, k, got, topicID)
				}
			}
		}
	})
	t.Run("log retention applies to every log group", func(t *testing.T) {
		groups := tpl.Resources("AWS::Logs::LogGroup")
		// Access, execution, WAF and one per function.
		if len(groups) != 3+3 {
			t.Errorf("%d log groups, want 6", len(groups))
		}
		for id, lg := range groups {
			if r := lg["Properties"].(map[string]any)["RetentionInDays"]; r != float64(30) {
				t.Errorf("%s: retention %v, want LogRetention's 30", id, r)
			}
		}
	})
	t.Run("custom gateway error template, no CORS origin to choose", func(t *testing.T) {
		for id, gr := range tpl.Resources("AWS::ApiGateway::GatewayResponse") {
			p := gr["Properties"].(map[string]any)
			if got := p["ResponseTemplates"].(map[string]any)["application/json"]; got != `{"error":$context.error.messageString,"type":"$context.error.responseType"}` {
				t.Errorf("%s: template %v is not GatewayErrors.Template", id, got)
			}
			if params := cdktest.JSON(p["ResponseParameters"]); strings.Contains(params, "Access-Control-Allow-Origin") {
				t.Errorf("%s: a gateway response cannot pick one of several origins, yet sets %s", id, params)
			}
		}
	})
	t.Run("log level", func(t *testing.T) {
		tpl.Has(t, "AWS::Lambda::Function", map[string]any{"LoggingConfig": map[string]any{"ApplicationLogLevel": "DEBUG"}})
	})
	t.Run("cdk-nag", func(t *testing.T) { cdktest.NoNagFindings(t, stack) })
}

func TestWAFAndGatewayErrorsDisabled(t *testing.T) {
	stack := cdktest.NewStack("NoWAF")
	api := serverlessapi.New(stack, "Api", &serverlessapi.Props{
		WAF:           serverlessapi.WAF{Disable: true},
		GatewayErrors: serverlessapi.GatewayErrors{Disable: true},
		Routes:        []serverlessapi.Route{{Method: "GET", Path: "/health", Entry: handler, Access: serverlessapi.NoTableAccess}},
	})
	tpl := cdktest.Synth(t, stack)
	for _, typ := range []string{"AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation", "AWS::WAFv2::LoggingConfiguration", "AWS::ApiGateway::GatewayResponse"} {
		tpl.Count(t, typ, 0)
	}
	if api.WebACL != nil || api.WebACLArn != "" || api.WAFLogs != nil || len(api.GatewayResponses) != 0 {
		t.Errorf("disabled resources are exported: %+v", api)
	}
	// Access and execution logs and the function's; no WAF logs.
	tpl.Count(t, "AWS::Logs::LogGroup", 3)
	// The stage is the only resource APIG3 (no WAF) applies to; its
	// suppression names the rule and says why.
	stage := cdktest.Only(t, tpl.Resources("AWS::ApiGateway::Stage"))
	if md := cdktest.JSON(stage["Metadata"]); !strings.Contains(md, `"id":"AwsSolutions-APIG3"`) || !strings.Contains(md, "WAF.Disable") {
		t.Errorf("stage lacks the AwsSolutions-APIG3 suppression with its reason: %s", md)
	}
	cdktest.NoNagFindings(t, stack)
	for _, r := range tpl.JSON["Resources"].(map[string]any) {
		if md := cdktest.JSON(r.(map[string]any)["Metadata"]); strings.Contains(md, "AwsSolutions-APIG3") && r.(map[string]any)["Type"] != "AWS::ApiGateway::Stage" {
			t.Errorf("AwsSolutions-APIG3 suppressed beyond the stage: %s", md)
		}
	}
}
