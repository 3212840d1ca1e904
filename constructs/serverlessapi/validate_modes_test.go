package serverlessapi_test

import (
	"math"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"

	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/serverlessapi"
)

// openAPIDoc is a valid document with one operation, putItem.
const openAPIDoc = `openapi: 3.0.3
info: {title: Items, version: "1"}
paths:
  /items/{id}:
    put:
      operationId: putItem
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Item"}
      responses:
        "204": {description: stored}
components:
  schemas:
    Item:
      type: object
      properties:
        name: {type: string}
`

// TestValidateModes: every new mode and prop refuses what it cannot do,
// naming the prop; OpenAPI problems name the document and the JSON pointer.
func TestValidateModes(t *testing.T) {
	r := func() serverlessapi.Route { return serverlessapi.Route{Method: "GET", Path: "/polls", Entry: handler} }
	with := func(mut func(*serverlessapi.Props)) *serverlessapi.Props {
		p := &serverlessapi.Props{Routes: []serverlessapi.Route{r()}}
		mut(p)
		return p
	}
	httpAPI := func(mut func(*serverlessapi.Props)) *serverlessapi.Props {
		return with(func(p *serverlessapi.Props) {
			p.HTTPAPI, p.WAF.Disable = true, true
			mut(p)
		})
	}
	doc := func(text string) *serverlessapi.Props {
		return &serverlessapi.Props{
			OpenAPI: &serverlessapi.OpenAPI{Document: []byte(text)},
			Routes:  []serverlessapi.Route{{OperationID: "putItem", Entry: handler}},
		}
	}
	stack := cdktest.NewStack("Validate")
	pool := awscognito.NewUserPool(stack, strPtr("Pool"), nil)
	client := pool.AddClient(strPtr("Web"), nil)
	const at = `OpenAPI.Document #`
	cases := []struct {
		name  string
		props *serverlessapi.Props
		want  string
	}{
		// HTTP API.
		{"HTTP API with WAF", with(func(p *serverlessapi.Props) { p.HTTPAPI = true }),
			`WAF: AWS WAF cannot be associated with an HTTP API: set WAF.Disable and protect the API another way (a CloudFront distribution with a web ACL in front of it), or serve the routes with the REST API (HTTPAPI false), which WAF protects`},
		{"HTTP API with API keys", httpAPI(func(p *serverlessapi.Props) { p.APIKeys = &serverlessapi.APIKeys{} }), `APIKeys: is set with HTTPAPI: API keys and usage plans are REST API features`},
		{"HTTP API with canary", httpAPI(func(p *serverlessapi.Props) {
			p.Canary = &serverlessapi.Canary{PercentTraffic: 5, StageVariableOverrides: map[string]string{"a": "b"}}
		}), `Canary: is set with HTTPAPI: canary deployments are a REST stage feature`},
		{"HTTP API with a gateway error template", httpAPI(func(p *serverlessapi.Props) { p.GatewayErrors.Template = "{}" }), `GatewayErrors.Template: is set with HTTPAPI`},
		{"HTTP API with a request schema", httpAPI(func(p *serverlessapi.Props) { p.Routes[0].RequestSchema = &awsapigateway.JsonSchema{} }),
			`Routes[0].RequestSchema: is set with HTTPAPI: an HTTP API does not validate requests`},
		{"HTTP API with OpenAPI", func() *serverlessapi.Props {
			p := doc(openAPIDoc)
			p.HTTPAPI, p.WAF.Disable = true, true
			return p
		}(), `OpenAPI: is set with HTTPAPI: an HTTP API does not validate requests against the document's schemas`},
		{"HTTP API user pool without clients", httpAPI(func(p *serverlessapi.Props) { p.Auth.UserPools = []awscognito.IUserPool{pool} }),
			`Auth.UserPoolClients: are required with HTTPAPI and UserPools: the JWT authorizer accepts tokens issued to these app clients only (its audience)`},
		{"HTTP API two user pools", httpAPI(func(p *serverlessapi.Props) {
			p.Auth = serverlessapi.Auth{UserPools: []awscognito.IUserPool{pool, pool}, UserPoolClients: []awscognito.IUserPoolClient{client}}
		}), `Auth.UserPools: an HTTP API's JWT authorizer has one issuer: give one user pool, not 2`},
		{"HTTP API clients without pool", httpAPI(func(p *serverlessapi.Props) { p.Auth.UserPoolClients = []awscognito.IUserPoolClient{client} }),
			`Auth.UserPoolClients: need Auth.UserPools`},
		{"REST API with clients", with(func(p *serverlessapi.Props) {
			p.Auth = serverlessapi.Auth{UserPools: []awscognito.IUserPool{pool}, UserPoolClients: []awscognito.IUserPoolClient{client}}
		}), `Auth.UserPoolClients: apply to the HTTP API's JWT authorizer only`},

		// Stage variables and canary.
		{"stage variable name", with(func(p *serverlessapi.Props) { p.StageVariables = map[string]string{"a-b": "x"} }), `StageVariables: name "a-b" may hold only letters, digits and underscores`},
		{"stage variable value", with(func(p *serverlessapi.Props) { p.StageVariables = map[string]string{"a": "x y"} }), `StageVariables["a"]: "x y": a value is 1-512 of letters, digits and -._~:/?#&=,`},
		{"empty stage variable value", with(func(p *serverlessapi.Props) { p.StageVariables = map[string]string{"a": ""} }), `StageVariables["a"]: "": a value is 1-512`},
		{"canary over 100", with(func(p *serverlessapi.Props) {
			p.Canary = &serverlessapi.Canary{PercentTraffic: 101, StageVariableOverrides: map[string]string{"a": "b"}}
		}), `Canary.PercentTraffic: 101 is not a percentage from 0 to 100`},
		{"canary NaN", with(func(p *serverlessapi.Props) {
			p.Canary = &serverlessapi.Canary{PercentTraffic: math.NaN(), StageVariableOverrides: map[string]string{"a": "b"}}
		}), `Canary.PercentTraffic: NaN is not a percentage from 0 to 100`},
		{"canary without overrides", with(func(p *serverlessapi.Props) { p.Canary = &serverlessapi.Canary{PercentTraffic: 10} }),
			`Canary.StageVariableOverrides: are required: a canary without them serves exactly what the stage serves`},
		{"canary override value", with(func(p *serverlessapi.Props) {
			p.Canary = &serverlessapi.Canary{PercentTraffic: 10, StageVariableOverrides: map[string]string{"a": "{x}"}}
		}), `Canary.StageVariableOverrides["a"]: "{x}": a value is`},

		// WAF.
		{"unknown rule group", with(func(p *serverlessapi.Props) {
			p.WAF.RuleGroups = map[string]serverlessapi.RuleGroup{"AWSManagedRulesLinuxRuleSet": {CountOnly: true}}
		}), `WAF.RuleGroups["AWSManagedRulesLinuxRuleSet"]: is not a rule group of the web ACL; it has AWSManagedRulesAmazonIpReputationList, AWSManagedRulesAnonymousIpList, AWSManagedRulesCommonRuleSet, AWSManagedRulesKnownBadInputsRuleSet, AWSManagedRulesSQLiRuleSet`},
		{"bot control tuned but off", with(func(p *serverlessapi.Props) {
			p.WAF.RuleGroups = map[string]serverlessapi.RuleGroup{serverlessapi.BotControlRuleGroup: {CountOnly: true}}
		}), `WAF.RuleGroups["AWSManagedRulesBotControlRuleSet"]: tunes Bot Control, which is off: set WAF.BotControl`},
		{"empty rule group tuning", with(func(p *serverlessapi.Props) {
			p.WAF.RuleGroups = map[string]serverlessapi.RuleGroup{"AWSManagedRulesSQLiRuleSet": {}}
		}), `WAF.RuleGroups["AWSManagedRulesSQLiRuleSet"]: sets nothing: give CountOnly or ExcludedRules`},
		{"bad excluded rule", with(func(p *serverlessapi.Props) {
			p.WAF.RuleGroups = map[string]serverlessapi.RuleGroup{"AWSManagedRulesCommonRuleSet": {ExcludedRules: []string{"Size Restrictions"}}}
		}), `WAF.RuleGroups["AWSManagedRulesCommonRuleSet"].ExcludedRules: "Size Restrictions" is not a rule name`},
		{"excluded rule twice", with(func(p *serverlessapi.Props) {
			p.WAF.RuleGroups = map[string]serverlessapi.RuleGroup{"AWSManagedRulesCommonRuleSet": {ExcludedRules: []string{"NoUserAgent_HEADER", "NoUserAgent_HEADER"}}}
		}), `WAF.RuleGroups["AWSManagedRulesCommonRuleSet"].ExcludedRules: "NoUserAgent_HEADER" appears twice`},
		{"rule groups with an existing ACL", with(func(p *serverlessapi.Props) {
			p.WAF.ExistingWebACLArn = "arn:aws:wafv2:ap-northeast-2:123456789012:regional/webacl/shared/abc-123"
			p.WAF.BotControl = true
		}), `WAF.ExistingWebACLArn: an existing web ACL keeps its own rules: RateLimit, Window, CountOnly, BotControl and RuleGroups do not apply`},
		{"rule groups with WAF disabled", with(func(p *serverlessapi.Props) {
			p.WAF = serverlessapi.WAF{Disable: true, RuleGroups: map[string]serverlessapi.RuleGroup{"AWSManagedRulesSQLiRuleSet": {CountOnly: true}}}
		}), `WAF.Disable: is set together with other WAF settings`},

		// OpenAPI: binding.
		{"operation id without OpenAPI", with(func(p *serverlessapi.Props) { p.Routes[0].OperationID = "getPolls" }),
			`Routes[0].OperationID: is set without OpenAPI: only an OpenAPI document's operations are bound by operationId`},
		{"OpenAPI without a document", &serverlessapi.Props{OpenAPI: &serverlessapi.OpenAPI{}, Routes: []serverlessapi.Route{{OperationID: "x", Entry: handler}}},
			`OpenAPI: set exactly one of File and Document`},
		{"OpenAPI file missing", &serverlessapi.Props{OpenAPI: &serverlessapi.OpenAPI{File: "testdata/nope.yaml"}, Routes: []serverlessapi.Route{{OperationID: "x", Entry: handler}}},
			`OpenAPI.File: open testdata/nope.yaml: no such file or directory`},
		{"unknown operation id", func() *serverlessapi.Props {
			p := doc(openAPIDoc)
			p.Routes[0].OperationID = "putitem"
			return p
		}(), `Routes[0].OperationID: "putitem" is not an operationId of OpenAPI.Document; it has putItem`},
		{"operation without a route", func() *serverlessapi.Props {
			p := doc(openAPIDoc)
			p.Routes[0].OperationID = "putitem"
			return p
		}(), at + `/paths/~1items~1{id}/put: operationId "putItem" has no Route: add one with OperationID "putItem" and its handler's Entry`},
		{"operation bound twice", func() *serverlessapi.Props {
			p := doc(openAPIDoc)
			p.Routes = append(p.Routes, serverlessapi.Route{OperationID: "putItem", Entry: handler})
			return p
		}(), `Routes[1].OperationID: "putItem" is bound by Routes[0] too`},
		{"method and path beside the document", func() *serverlessapi.Props {
			p := doc(openAPIDoc)
			p.Routes[0].Method, p.Routes[0].Path = "PUT", "/items/{id}"
			return p
		}(), `Routes[0]: Method and Path are set: with OpenAPI the document declares them (bind the route by OperationID)`},
		{"request schema beside the document", func() *serverlessapi.Props {
			p := doc(openAPIDoc)
			p.Routes[0].RequestSchema = &awsapigateway.JsonSchema{}
			return p
		}(), `Routes[0].RequestSchema: is set: with OpenAPI the document's schema validates the body`},

		// OpenAPI: the document.
		{"not YAML", doc("openapi: [3.0"), at + `: is not an OpenAPI document: failed to unmarshal data: yaml error: yaml: line 2: `},
		{"OpenAPI 3.1", doc(strings.Replace(openAPIDoc, "3.0.3", "3.1.0", 1)), at + `/openapi: "3.1.0": only OpenAPI 3.0 documents are supported`},
		{"no paths", doc("openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths: {}\n"), at + `/paths: declares no path: at least one operation is required`},
		{"no operationId", doc(strings.Replace(openAPIDoc, "operationId: putItem", "summary: put", 1)),
			at + `/paths/~1items~1{id}/put: has no operationId: a Route binds its handler by operationId`},
		{"duplicate operationId", doc(strings.Replace(openAPIDoc, "  /items/{id}:\n", "  /other:\n    get: {operationId: putItem, responses: {\"200\": {description: ok}}}\n  /items/{id}:\n", 1)),
			at + `/paths/~1other/get/operationId: "putItem" is also the operationId of #/paths/~1items~1{id}/put`},
		{"options operation", doc(strings.Replace(openAPIDoc, "    put:", "    options: {operationId: pre, responses: {\"204\": {description: ok}}}\n    put:", 1)),
			at + `/paths/~1items~1{id}/options: OPTIONS is not served: OPTIONS is answered by CORS, TRACE never`},
		{"operation without responses", doc(strings.Replace(openAPIDoc, "      responses:\n        \"204\": {description: stored}\n", "", 1)),
			at + `/paths/~1items~1{id}/put: value of responses must be an object`},
		{"path parameter not declared", doc(strings.Replace(openAPIDoc, "        - {name: id, in: path, required: true, schema: {type: string}}\n", "        - {name: q, in: query, schema: {type: string}}\n", 1)),
			at + `/paths: operation PUT /items/{id} must define exactly all path parameters (missing: [id])`},
		{"path the API cannot serve", doc(strings.Replace(openAPIDoc, "/items/{id}:", "/items/{id}/:", 1)),
			at + `/paths/~1items~1{id}~1/put: "/items/{id}/" must not end with "/"`},
		{"schema of a form body", doc(strings.Replace(openAPIDoc, "application/json", "application/x-www-form-urlencoded", 1)),
			at + `/paths/~1items~1{id}/put/requestBody/content/application~1x-www-form-urlencoded/schema: API Gateway validates application/json bodies only`},
		{"recursive schema", doc(strings.Replace(openAPIDoc, "name: {type: string}", "name: {type: string}\n        parent: {$ref: \"#/components/schemas/Item\"}", 1)),
			at + `/paths/~1items~1{id}/put/requestBody/content/application~1json/schema: refers to itself: an API Gateway model cannot be recursive (#/components/schemas/Item)`},
		{"reference to another file", doc(strings.Replace(openAPIDoc, `"#/components/schemas/Item"`, `"other.yaml#/Item"`, 1)),
			at + `: is not an OpenAPI document: encountered disallowed external reference: "other.yaml#/Item"`},
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
		"HTTP API without WAF": httpAPI(func(*serverlessapi.Props) {}),
		"OpenAPI document":     doc(openAPIDoc),
		"OpenAPI file":         {OpenAPI: &serverlessapi.OpenAPI{File: "testdata/polls.openapi.yaml"}, Routes: []serverlessapi.Route{{OperationID: "createPoll", Entry: handler}, {OperationID: "getPoll", Entry: handler}, {OperationID: "castVote", Entry: handler}}},
		"canary parked at zero": with(func(p *serverlessapi.Props) {
			p.Canary = &serverlessapi.Canary{StageVariableOverrides: map[string]string{"v": "2"}}
		}),
		"stage variable value symbols": with(func(p *serverlessapi.Props) {
			p.StageVariables = map[string]string{"url": "https://a.example.com/x?y=1&z=2,3#f"}
		}),
	}
	for name, p := range valid {
		if err := serverlessapi.Validate(nil, "Api", p); err != nil {
			t.Errorf("%s: valid props rejected: %v", name, err)
		}
	}
	// The construct path leads the message.
	err := serverlessapi.Validate(stack, "Api", doc(strings.Replace(openAPIDoc, "operationId: putItem", "summary: put", 1)))
	if want := `serverlessapi "Validate/Api": `; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want it to start with %q", err, want)
	}
}

func strPtr(s string) *string { return &s }
