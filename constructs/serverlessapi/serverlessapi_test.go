package serverlessapi_test

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/serverlessapi"
)

const handler = "testdata/handler"

// defaults is one synthesis of a ServerlessAPI with nothing but routes,
// shared by the tests that check the defaults.
var defaults = sync.OnceValues(func() (awscdk.Stack, *serverlessapi.ServerlessAPI) {
	stack := cdktest.NewStack("Defaults")
	api := serverlessapi.New(stack, "Votes", &serverlessapi.Props{Routes: []serverlessapi.Route{
		{Method: "GET", Path: "/polls/{id}", Entry: handler},
		{Method: "POST", Path: "/polls", Entry: handler, Access: serverlessapi.ReadWrite},
	}})
	return stack, api
})

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
	} {
		if !strings.Contains(string(rules), want) {
			t.Errorf("web ACL rules lack %s:\n%s", want, rules)
		}
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
	cdktest.NoNagFindings(t, stack)
}

func TestExportedResources(t *testing.T) {
	_, api := defaults()
	if api.API == nil || api.Stage == nil || api.Table == nil || api.WebACL == nil || api.WebACLArn == "" ||
		api.AccessLogs == nil || api.RequestValidator == nil || api.WAFLogs == nil || len(api.Functions) != 2 {
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
		{"zero rate", with(func(p *serverlessapi.Props) { p.Throttle = &serverlessapi.Throttle{Burst: 10} }), `Throttle.RatePerSecond: must be positive, got 0`},
		{"negative burst", route(func(r *serverlessapi.Route) { r.Throttle = &serverlessapi.Throttle{RatePerSecond: 1, Burst: -1} }), `Routes[0].Throttle.Burst: must be positive, got -1`},
		{"WAF limit below minimum", with(func(p *serverlessapi.Props) { p.WAF.RateLimit = 5 }), `WAF.RateLimit: 5 is outside AWS WAF's range 10..2000000000`},
		{"WAF window", with(func(p *serverlessapi.Props) { p.WAF.Window = 3 * time.Minute }), `WAF.Window: 3m0s is not one of 1m, 2m, 5m, 10m`},
		{"WAF disabled with settings", with(func(p *serverlessapi.Props) { p.WAF = serverlessapi.WAF{Disable: true, RateLimit: 100} }), `WAF.Disable: is set together with other WAF settings`},
		{"bad web ACL ARN", with(func(p *serverlessapi.Props) {
			p.WAF.ExistingWebACLArn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/y"
		}), `is not a regional WAFv2 web ACL ARN`},
		{"stage name", with(func(p *serverlessapi.Props) { p.StageName = "pr od" }), `StageName: "pr od" must be 1-128 letters, digits or underscores`},
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
	if err := serverlessapi.Validate(nil, "Api", route(func(*serverlessapi.Route) {})); err != nil {
		t.Errorf("valid props rejected: %v", err)
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
	serverlessapi.New(stack, "Api", &serverlessapi.Props{StageName: "-", Routes: []serverlessapi.Route{{Method: "GET", Path: "x", Entry: handler}}})
}
