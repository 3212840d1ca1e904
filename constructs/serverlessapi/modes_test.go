package serverlessapi_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/serverlessapi"
)

// fixture is one synthesized stack of a mode, shared by that mode's tests.
type fixture struct {
	once  sync.Once
	stack awscdk.Stack
	apis  map[string]*serverlessapi.ServerlessAPI
	// logKey is the LogEncryptionKey of Iam and Polls.
	logKey awskms.Key
	tpl    *cdktest.Template
	// user are the constructs the app made itself (for cdk-nag).
	user []string
	make func(f *fixture)
}

func (f *fixture) template(t *testing.T) *cdktest.Template {
	t.Helper()
	f.once.Do(func() {
		f.apis = map[string]*serverlessapi.ServerlessAPI{}
		f.make(f)
		f.tpl = cdktest.Synth(t, f.stack)
	})
	if f.tpl == nil {
		t.Fatal("the fixture did not synthesize (see the first failing test)")
	}
	return f.tpl
}

// httpFixture holds two HTTP APIs: Jwt, authorized by a Cognito user pool's
// JWTs, with CORS, stage variables, a throttled route and a public one; and
// Iam, with nothing but routes (IAM authorization), which a role may invoke.
var httpFixture = &fixture{make: func(f *fixture) {
	f.stack = cdktest.NewStack("Http")
	pool := awscognito.NewUserPool(f.stack, jsii.String("Pool"), nil)
	client := pool.AddClient(jsii.String("Web"), nil)
	f.apis["Jwt"] = serverlessapi.New(f.stack, "Jwt", &serverlessapi.Props{
		HTTPAPI:        true,
		WAF:            serverlessapi.WAF{Disable: true},
		Auth:           serverlessapi.Auth{UserPools: []awscognito.IUserPool{pool}, UserPoolClients: []awscognito.IUserPoolClient{client}, Scopes: []string{"polls/vote"}},
		CORS:           &serverlessapi.CORS{AllowOrigins: []string{"https://vote.example.com"}, MaxAge: time.Hour},
		StageVariables: map[string]string{"flavour": "blue"},
		Routes: []serverlessapi.Route{
			{Method: "POST", Path: "/polls/{id}/votes", Entry: handler, Actions: []string{"dynamodb:PutItem", "dynamodb:UpdateItem"}, Throttle: &serverlessapi.Throttle{RatePerSecond: 5, Burst: 10}},
			{Method: "GET", Path: "/polls/{id}", Entry: handler, Public: true},
		},
	})
	f.logKey = awskms.NewKey(f.stack, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	f.apis["Iam"] = serverlessapi.New(f.stack, "Iam", &serverlessapi.Props{
		LogEncryptionKey: f.logKey,
		HTTPAPI:          true,
		WAF:              serverlessapi.WAF{Disable: true},
		Routes: []serverlessapi.Route{
			{Method: "GET", Path: "/polls/{id}", Entry: handler},
			{Method: "ANY", Path: "/admin/{proxy+}", Entry: handler, Access: serverlessapi.NoTableAccess},
		},
	})
	caller := awsiam.NewRole(f.stack, jsii.String("Caller"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
	f.apis["Iam"].GrantInvoke(caller, "GET /polls/{id}")
	f.user = []string{"/Http/Pool", "/Http/Caller"}
}}

// openAPIFixture is a REST API whose routes an OpenAPI document declares,
// with a canary, stage variables, Bot Control and tuned rule groups.
var openAPIFixture = &fixture{make: func(f *fixture) {
	f.stack = cdktest.NewStack("OpenApi")
	f.logKey = awskms.NewKey(f.stack, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	f.apis["Polls"] = serverlessapi.New(f.stack, "Polls", &serverlessapi.Props{
		LogEncryptionKey: f.logKey,
		OpenAPI:          &serverlessapi.OpenAPI{File: "testdata/polls.openapi.yaml"},
		Routes: []serverlessapi.Route{
			{OperationID: "createPoll", Entry: handler, Actions: []string{"dynamodb:PutItem"}},
			{OperationID: "getPoll", Entry: handler, Actions: []string{"dynamodb:GetItem"}},
			{OperationID: "castVote", Entry: handler, Actions: []string{"dynamodb:PutItem", "dynamodb:UpdateItem"}},
		},
		StageVariables: map[string]string{"votes": "v1"},
		Canary:         &serverlessapi.Canary{PercentTraffic: 10, StageVariableOverrides: map[string]string{"votes": "v2"}},
		WAF: serverlessapi.WAF{
			BotControl: true,
			RuleGroups: map[string]serverlessapi.RuleGroup{
				"AWSManagedRulesCommonRuleSet":   {ExcludedRules: []string{"SizeRestrictions_BODY", "NoUserAgent_HEADER"}},
				"AWSManagedRulesAnonymousIpList": {CountOnly: true},
			},
		},
	})
}}

func TestHTTPAPI(t *testing.T) {
	tpl := httpFixture.template(t)
	tpl.Count(t, "AWS::ApiGatewayV2::Api", 2)
	tpl.Count(t, "AWS::ApiGatewayV2::Stage", 2)
	for _, typ := range []string{"AWS::ApiGateway::RestApi", "AWS::ApiGateway::Stage", "AWS::WAFv2::WebACL", "AWS::WAFv2::WebACLAssociation"} {
		tpl.Count(t, typ, 0)
	}
	tpl.Has(t, "AWS::ApiGatewayV2::Api", map[string]any{
		"ProtocolType": "HTTP",
		"CorsConfiguration": map[string]any{
			"AllowOrigins": []any{"https://vote.example.com"},
			"AllowHeaders": []any{"Content-Type", "X-Amz-Date", "Authorization", "X-Api-Key", "X-Amz-Security-Token", "X-Amz-User-Agent"},
			"AllowMethods": []any{"POST", "GET"},
			"MaxAge":       3600,
		},
	})
	tpl.Has(t, "AWS::ApiGatewayV2::Stage", map[string]any{
		"StageName":      "prod",
		"AutoDeploy":     true,
		"StageVariables": map[string]any{"flavour": "blue"},
		"DefaultRouteSettings": map[string]any{
			"ThrottlingRateLimit": 1000, "ThrottlingBurstLimit": 2000, "DetailedMetricsEnabled": true,
		},
		"RouteSettings": map[string]any{
			"POST /polls/{id}/votes": map[string]any{"ThrottlingRateLimit": 5, "ThrottlingBurstLimit": 10},
		},
	})
	for id, st := range tpl.Resources("AWS::ApiGatewayV2::Stage") {
		als, _ := cdktest.Properties(st)["AccessLogSettings"].(map[string]any)
		format, _ := als["Format"].(string)
		var fields map[string]string
		if err := json.Unmarshal([]byte(format), &fields); err != nil || fields["requestId"] != "$context.requestId" || fields["status"] == "" || fields["ip"] == "" {
			t.Errorf("%s: access log format is not JSON with requestId, status and ip: %q (%v)", id, format, err)
		}
		if dest := cdktest.JSON(als["DestinationArn"]); !strings.Contains(dest, "AccessLogs") {
			t.Errorf("%s: access logs go to %s, not the construct's log group", id, dest)
		}
	}
	// Payload format 1.0: the REST proxy event the handlers parse.
	integrations := tpl.Resources("AWS::ApiGatewayV2::Integration")
	if len(integrations) != 4 {
		t.Errorf("%d integrations, want one per route (4)", len(integrations))
	}
	for id, in := range integrations {
		p := cdktest.Properties(in)
		if p["IntegrationType"] != "AWS_PROXY" || p["PayloadFormatVersion"] != "1.0" {
			t.Errorf("%s: %s payload %v, want an AWS_PROXY Lambda integration with payload format 1.0", id, p["IntegrationType"], p["PayloadFormatVersion"])
		}
	}
	auth := map[string]string{}
	for _, r := range tpl.Resources("AWS::ApiGatewayV2::Route") {
		p := cdktest.Properties(r)
		auth[p["RouteKey"].(string)+" "+cdktest.JSON(p["ApiId"])] = p["AuthorizationType"].(string)
		if p["AuthorizationType"] == "JWT" && cdktest.JSON(p["AuthorizationScopes"]) != `["polls/vote"]` {
			t.Errorf("JWT route %s: scopes %s, want [polls/vote]", p["RouteKey"], cdktest.JSON(p["AuthorizationScopes"]))
		}
	}
	got := slices.Sorted(func(yield func(string) bool) {
		for k, v := range auth {
			api := "Iam"
			if strings.Contains(k, "JwtHttpApi") {
				api = "Jwt"
			}
			if !yield(api + " " + strings.SplitN(k, " {", 2)[0] + " " + v) {
				return
			}
		}
	})
	want := []string{"Iam ANY /admin/{proxy+} AWS_IAM", "Iam GET /polls/{id} AWS_IAM", "Jwt GET /polls/{id} NONE", "Jwt POST /polls/{id}/votes JWT"}
	if !slices.Equal(got, want) {
		t.Errorf("routes and their authorization:\n got %v\nwant %v", got, want)
	}
	authorizer := cdktest.Only(t, tpl.Resources("AWS::ApiGatewayV2::Authorizer"))
	jwt := cdktest.JSON(cdktest.Properties(authorizer)["JwtConfiguration"])
	for _, w := range []string{`"Audience":[{"Ref":"PoolWeb`, `https://cognito-idp.ap-northeast-2.amazonaws.com/`, `{"Ref":"Pool`} {
		if !strings.Contains(jwt, w) {
			t.Errorf("JWT authorizer %s lacks %s: it must trust the pool as issuer and its client as audience", jwt, w)
		}
	}
	// 5xx, p99 latency, table throttles, and errors + throttles per route.
	tpl.Count(t, "AWS::CloudWatch::Alarm", 2*(3+2*2))
	tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{"MetricName": "5xx", "Namespace": "AWS/ApiGateway", "Statistic": "Average", "Threshold": 0.01})
	t.Run("cdk-nag", func(t *testing.T) { cdktest.NoNagFindings(t, httpFixture.stack, httpFixture.user...) })
}

func TestHTTPAPIExportsAndURL(t *testing.T) {
	httpFixture.template(t)
	api := httpFixture.apis["Jwt"]
	if api.HTTPAPI == nil || api.HTTPStage == nil || api.HTTPAuthorizer == nil || len(api.HTTPRoutes) != 2 || len(api.Functions) != 2 || api.AccessLogs == nil {
		t.Errorf("an HTTP API resource is not exported: %+v", api)
	}
	if api.API != nil || api.Stage != nil || len(api.Methods) != 0 || api.WebACL != nil || api.ExecutionLogs != nil || len(api.GatewayResponses) != 0 {
		t.Errorf("REST resources exist in HTTP mode: %+v", api)
	}
	if url := cdktest.JSON(awscdk.Stack_Of(api.Construct).Resolve(api.URL())); !strings.Contains(url, `{"Ref":"JwtHttpApi`) || !strings.Contains(url, "/prod") {
		t.Errorf("URL %s is not the HTTP stage's", url)
	}
}

// TestHTTPAPIGrantInvoke: the IAM caller may invoke exactly GET /polls/{id}
// of the Iam API, in its stage.
func TestHTTPAPIGrantInvoke(t *testing.T) {
	tpl := httpFixture.template(t)
	role := httpFixture.stack.Node().FindChild(jsii.String("Caller")).(awsiam.Role)
	ref := `{"Ref":"` + *httpFixture.stack.GetLogicalId(role.Node().DefaultChild().(awscdk.CfnElement)) + `"}`
	var doc string
	for _, pol := range tpl.Resources("AWS::IAM::Policy") {
		if p := cdktest.Properties(pol); strings.Contains(cdktest.JSON(p["Roles"]), ref) {
			doc = cdktest.JSON(p["PolicyDocument"])
		}
	}
	for _, w := range []string{`"Action":"execute-api:Invoke"`, `:execute-api:ap-northeast-2:123456789012:",{"Ref":"IamHttpApi`, `"/prod/GET/polls/*"`} {
		if !strings.Contains(doc, w) {
			t.Errorf("the caller's policy lacks %s: %s", w, doc)
		}
	}
	if strings.Contains(doc, "admin") || strings.Contains(doc, `"Resource":"*"`) {
		t.Errorf("the caller may invoke more than GET /polls/{id}: %s", doc)
	}
	defer func() {
		want := `serverlessapi "Http/Jwt": GrantInvoke: route "GET /polls/{id}" is not authorized with IAM`
		if r := recover(); r == nil || !strings.HasPrefix(fmt.Sprint(r), want) {
			t.Errorf("GrantInvoke on a public route: %v, want a panic starting %q", r, want)
		}
	}()
	httpFixture.apis["Jwt"].GrantInvoke(awsiam.NewRole(httpFixture.stack, jsii.String("Late"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()}), "GET /polls/{id}")
}

func TestOpenAPIRoutesAndValidation(t *testing.T) {
	tpl := openAPIFixture.template(t)
	api := openAPIFixture.apis["Polls"]
	if got := slices.Sorted(func(yield func(string) bool) {
		for k := range api.Methods {
			if !yield(k) {
				return
			}
		}
	}); !slices.Equal(got, []string{"GET /polls/{id}", "POST /polls", "POST /polls/{id}/votes"}) {
		t.Errorf("methods %v, want the document's three operations", got)
	}
	if len(api.Models) != 2 || api.Models["POST /polls"] == nil || api.Models["POST /polls/{id}/votes"] == nil {
		t.Errorf("models %v, want one per operation with a JSON body", keys(api.Models))
	}
	schemas := map[string]map[string]any{}
	for _, m := range tpl.Resources("AWS::ApiGateway::Model") {
		p := cdktest.Properties(m)
		if p["ContentType"] != "application/json" {
			t.Errorf("model content type %v", p["ContentType"])
		}
		s := p["Schema"].(map[string]any)
		if props, ok := s["properties"].(map[string]any); ok {
			for k := range props {
				schemas[k] = s
			}
		}
	}
	poll, vote := schemas["question"], schemas["option"]
	if poll == nil || vote == nil {
		t.Fatalf("models lack the NewPoll and Vote schemas: %v", schemas)
	}
	// References are inlined, nullable is a "null" type, draft 4 is named.
	for _, c := range []struct {
		name string
		got  any
		want string
	}{
		{"NewPoll", poll, `{"$schema":"http://json-schema.org/draft-04/schema#","additionalProperties":false,"properties":{"options":{"items":{"allOf":[{"minLength":1,"type":"string"}],"maxLength":100},"maxItems":20,"minItems":2,"type":"array","uniqueItems":true},"question":{"allOf":[{"minLength":1,"type":"string"}],"maxLength":300}},"required":["question","options"],"type":"object"}`},
		{"Vote", vote, `{"$schema":"http://json-schema.org/draft-04/schema#","additionalProperties":false,"properties":{"option":{"maxLength":100,"minLength":1,"type":"string"},"voterId":{"maxLength":128,"minLength":1,"type":["string","null"]}},"required":["option"],"type":"object"}`},
	} {
		if got := cdktest.JSON(c.got); got != c.want {
			t.Errorf("%s model schema\n got %s\nwant %s", c.name, got, c.want)
		}
	}
	for id, m := range tpl.Resources("AWS::ApiGateway::Method") {
		p := cdktest.Properties(m)
		if p["RequestValidatorId"] == nil {
			t.Errorf("%s: no request validator", id)
		}
		path := cdktest.JSON(p["RequestParameters"])
		if p["HttpMethod"] == "GET" && path != `{"method.request.path.id":true}` {
			t.Errorf("GET /polls/{id}: request parameters %s, want the required path id", path)
		}
	}
	t.Run("cdk-nag", func(t *testing.T) { cdktest.NoNagFindings(t, openAPIFixture.stack) })
}

// TestOpenAPIParameters: a document's query and header parameters become
// the method's request parameters, required where the document says so,
// and a schema change is a new deployment.
func TestOpenAPIParameters(t *testing.T) {
	doc := func(maxLength int) []byte {
		return []byte(fmt.Sprintf(`{"openapi":"3.0.3","info":{"title":"t","version":"1"},"paths":{"/items":{
			"parameters":[{"name":"X-Tenant","in":"header","required":true,"schema":{"type":"string"}}],
			"put":{"operationId":"putItem","parameters":[{"name":"dryRun","in":"query","schema":{"type":"boolean"}}],
				"requestBody":{"content":{"application/json":{"schema":{"type":"object","properties":{"name":{"type":"string","maxLength":%d}}}}}},
				"responses":{"204":{"description":"stored"}}}}}}`, maxLength))
	}
	deployment := map[int]string{}
	for _, n := range []int{10, 20} {
		stack := cdktest.NewStack("Params")
		serverlessapi.New(stack, "Api", &serverlessapi.Props{
			OpenAPI: &serverlessapi.OpenAPI{Document: doc(n)},
			Routes:  []serverlessapi.Route{{OperationID: "putItem", Entry: handler, Access: serverlessapi.ReadWrite}},
		})
		tpl := cdktest.Synth(t, stack)
		tpl.Has(t, "AWS::ApiGateway::Method", map[string]any{
			"HttpMethod":        "PUT",
			"RequestParameters": map[string]any{"method.request.header.X-Tenant": true, "method.request.querystring.dryRun": false},
		})
		for id := range tpl.Resources("AWS::ApiGateway::Deployment") {
			deployment[n] = id
		}
	}
	if deployment[10] == "" || deployment[10] == deployment[20] {
		t.Errorf("deployments %v: a changed request schema must be a new deployment", deployment)
	}
}

func TestCanary(t *testing.T) {
	tpl := openAPIFixture.template(t)
	stage := cdktest.Properties(cdktest.Only(t, tpl.Resources("AWS::ApiGateway::Stage")))
	deployment := cdktest.JSON(stage["DeploymentId"])
	canary := stage["CanarySetting"].(map[string]any)
	if got := cdktest.JSON(canary["DeploymentId"]); got != deployment {
		t.Errorf("canary deployment %s, want the stage's latest %s", got, deployment)
	}
	if canary["PercentTraffic"] != float64(10) || cdktest.JSON(canary["StageVariableOverrides"]) != `{"votes":"v2"}` || canary["UseStageCache"] != false {
		t.Errorf("canary %s, want 10%% with votes=v2", cdktest.JSON(canary))
	}
	if got := cdktest.JSON(stage["Variables"]); got != `{"votes":"v1"}` {
		t.Errorf("stage variables %s, want votes=v1", got)
	}
}

func TestWAFBotControlAndRuleGroups(t *testing.T) {
	tpl := openAPIFixture.template(t)
	acl := cdktest.Properties(cdktest.Only(t, tpl.Resources("AWS::WAFv2::WebACL")))
	rules := map[string]map[string]any{}
	var order []string
	for _, r := range acl["Rules"].([]any) {
		rule := r.(map[string]any)
		rules[rule["Name"].(string)] = rule
		order = append(order, rule["Name"].(string))
	}
	want := append(append([]string{"RateLimitPerIP"}, serverlessapi.WAFManagedRuleGroups...), serverlessapi.BotControlRuleGroup)
	if !slices.Equal(order, want) {
		t.Errorf("rules %v, want %v", order, want)
	}
	for i, name := range want {
		if p := rules[name]["Priority"]; p != float64(i) {
			t.Errorf("%s: priority %v, want %d", name, p, i)
		}
	}
	if got := cdktest.JSON(rules["AWSManagedRulesAnonymousIpList"]["OverrideAction"]); got != `{"Count":{}}` {
		t.Errorf("count-only group's override action %s, want Count", got)
	}
	if got := cdktest.JSON(rules["AWSManagedRulesCommonRuleSet"]["OverrideAction"]); got != `{"None":{}}` {
		t.Errorf("core rule set's override action %s, want None (its rules block)", got)
	}
	stmt := func(name string) map[string]any {
		return rules[name]["Statement"].(map[string]any)["ManagedRuleGroupStatement"].(map[string]any)
	}
	if got := cdktest.JSON(stmt("AWSManagedRulesCommonRuleSet")["RuleActionOverrides"]); got != `[{"ActionToUse":{"Count":{}},"Name":"SizeRestrictions_BODY"},{"ActionToUse":{"Count":{}},"Name":"NoUserAgent_HEADER"}]` {
		t.Errorf("core rule set's excluded rules %s", got)
	}
	if got := cdktest.JSON(stmt(serverlessapi.BotControlRuleGroup)["ManagedRuleGroupConfigs"]); got != `[{"AWSManagedRulesBotControlRuleSet":{"InspectionLevel":"COMMON"}}]` {
		t.Errorf("Bot Control config %s, want the common inspection level", got)
	}
	if stmt("AWSManagedRulesSQLiRuleSet")["RuleActionOverrides"] != nil {
		t.Error("an untuned group has rule action overrides")
	}
}

// hardeningTemplates are the templates of every mode: the defaults, HTTP
// APIs and OpenAPI with a canary.
func hardeningTemplates(t *testing.T) map[string]*cdktest.Template {
	return map[string]*cdktest.Template{
		"defaults": defaultsTemplate(t),
		"http":     httpFixture.template(t),
		"openapi":  openAPIFixture.template(t),
	}
}

// TestLambdaPermissionsNameTheSourceAccount: every permission for API
// Gateway to invoke a function names the source account beside the source
// ARN, and none lets the console's test-invoke-stage call it.
func TestLambdaPermissionsNameTheSourceAccount(t *testing.T) {
	for mode, tpl := range hardeningTemplates(t) {
		perms := tpl.Resources("AWS::Lambda::Permission")
		if len(perms) == 0 {
			t.Errorf("%s: no Lambda permission", mode)
		}
		for id, perm := range perms {
			p := cdktest.Properties(perm)
			if p["Principal"] != "apigateway.amazonaws.com" {
				continue
			}
			if p["SourceAccount"] != "123456789012" {
				t.Errorf("%s %s: SourceAccount %v, want the stack's account", mode, id, p["SourceAccount"])
			}
			arn := cdktest.JSON(p["SourceArn"])
			if !strings.Contains(arn, "execute-api") {
				t.Errorf("%s %s: SourceArn %s is not an execute-api ARN", mode, id, arn)
			}
			if strings.Contains(arn, "test-invoke-stage") {
				t.Errorf("%s %s: a test-invoke-stage permission: %s", mode, id, arn)
			}
		}
	}
}

// TestKMSCreateGrantOnlyForAWSResources: a key policy (or IAM policy) in
// any mode's template grants kms:CreateGrant only with
// kms:GrantIsForAWSResource true, so a grantee cannot hand the key on. A
// key policy's statement for the account root is the delegation to IAM
// (the CDK's default key policy), whose IAM policies are checked here too.
func TestKMSCreateGrantOnlyForAWSResources(t *testing.T) {
	for mode, tpl := range hardeningTemplates(t) {
		docs := map[string]any{}
		for id, k := range tpl.Resources("AWS::KMS::Key") {
			docs[id] = cdktest.Properties(k)["KeyPolicy"]
		}
		for id, pol := range tpl.Resources("AWS::IAM::Policy") {
			docs[id] = cdktest.Properties(pol)["PolicyDocument"]
		}
		if len(docs) == 0 {
			t.Fatalf("%s: no policy to check", mode)
		}
		for id, doc := range docs {
			for _, st := range doc.(map[string]any)["Statement"].([]any) {
				st := st.(map[string]any)
				actions := cdktest.JSON(st["Action"])
				if st["Effect"] != "Allow" || !(strings.Contains(actions, `"kms:CreateGrant"`) || strings.Contains(actions, `"kms:*"`)) {
					continue
				}
				if p := cdktest.JSON(st["Principal"]); strings.Contains(p, `:iam::123456789012:root"`) {
					continue
				}
				cond := cdktest.JSON(st["Condition"])
				if !strings.Contains(cond, `{"Bool":{"kms:GrantIsForAWSResource":"true"}}`) && !strings.Contains(cond, `{"Bool":{"kms:GrantIsForAWSResource":true}}`) {
					t.Errorf("%s %s: grants %s without kms:GrantIsForAWSResource: %s", mode, id, actions, cdktest.JSON(st))
				}
			}
		}
	}
}

// LogEncryptionKey encrypts every log group of an HTTP API (access logs,
// functions) and of a REST API (access and execution logs, WAF logs,
// functions).
func TestLogEncryptionKey(t *testing.T) {
	for name, f := range map[string]*fixture{"Iam": httpFixture, "Polls": openAPIFixture} {
		tpl := f.template(t)
		if n := tpl.LogGroupsUseKey(t, f.apis[name].Construct, f.logKey); n < 3 {
			t.Errorf("%s: %d log groups, want the access logs and the functions' at least", name, n)
		}
	}
	if f := openAPIFixture; f.apis["Polls"].WAFLogs == nil || f.apis["Polls"].ExecutionLogs == nil {
		t.Error("the REST API has no WAF or execution logs")
	}
}
