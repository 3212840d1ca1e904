package serverlessapi_test

import (
	"fmt"
	"maps"
	"slices"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/serverlessapi"
)

// A CDK Go app imports serverlessapi and lists its routes; everything else is
// a production default (WAF, throttling, IAM auth, JSON errors, logs, alarms
// to the stack's shared alarm topic, a retained table with point-in-time
// recovery). Entry names gureum's handlers by import path, which builds from
// any app that requires gureum.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Polls"), nil)

	api := serverlessapi.New(stack, "Votes", &serverlessapi.Props{
		Routes: []serverlessapi.Route{
			{Method: "GET", Path: "/polls/{id}", Entry: "github.com/gureum-cdk/gureum/functions/voting/getpoll", Actions: []string{"dynamodb:GetItem"}},
			{Method: "POST", Path: "/polls", Entry: "github.com/gureum-cdk/gureum/functions/voting/createpoll", Actions: []string{"dynamodb:PutItem"}},
		},
		WAF: serverlessapi.WAF{RateLimit: 500},
	})
	app.Synth(nil)

	routes := make([]string, 0, len(api.Functions))
	for r := range api.Functions {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	fmt.Println(routes)
	fmt.Println("web ACL:", api.WebACL != nil, "associated:", api.WebACLAssociation != nil)
	fmt.Println("gateway error responses:", len(api.GatewayResponses))
	fmt.Println("alarms:", len(api.Alarms), "to", *api.AlarmTopic.Node().Path())
	// Output:
	// [GET /polls/{id} POST /polls]
	// web ACL: true associated: true
	// gateway error responses: 4
	// alarms: 7 to Polls/GureumAlarmTopic/Topic
}

// Routes are IAM-authorized by default: a caller signs its requests with
// SigV4 and needs execute-api:Invoke on the route, which GrantInvoke gives
// on exactly the named routes' ARNs (with no route named, on every
// IAM-authorized route).
func ExampleServerlessAPI_GrantInvoke() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Polls"), nil)
	api := serverlessapi.New(stack, "Votes", &serverlessapi.Props{
		Routes: []serverlessapi.Route{
			{Method: "GET", Path: "/polls/{id}", Entry: "github.com/gureum-cdk/gureum/functions/voting/getpoll", Actions: []string{"dynamodb:GetItem"}},
		},
	})
	reporting := awsiam.NewRole(stack, jsii.String("Reporting"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})

	api.GrantInvoke(reporting, "GET /polls/{id}")

	doc := reporting.Node().FindChild(jsii.String("DefaultPolicy")).(awsiam.Policy).Document().ToJSON()
	statement := doc.(map[string]any)["Statement"].([]any)[0].(map[string]any)
	fmt.Println(statement["Action"])
	// Output:
	// execute-api:Invoke
}

// The escape hatch: a setting ServerlessAPI does not expose is set on the
// CloudFormation resource itself. Every resource the construct made is an
// exported field; its L1 (Cfn*) resource is Node().DefaultChild(), whose
// AddPropertyOverride writes any property of the resource type, here the
// REST API's MinimumCompressionSize (API Gateway then compresses responses of
// 1 KiB and more). The construct does not validate an override: check it
// against the CloudFormation reference of the resource type.
func ExampleNew_escapeHatch() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Polls"), nil)
	api := serverlessapi.New(stack, "Votes", &serverlessapi.Props{
		Routes: []serverlessapi.Route{
			{Method: "GET", Path: "/polls/{id}", Entry: "github.com/gureum-cdk/gureum/functions/voting/getpoll", Actions: []string{"dynamodb:GetItem"}},
		},
	})

	restAPI := api.API.Node().DefaultChild().(awsapigateway.CfnRestApi)
	restAPI.AddPropertyOverride(jsii.String("MinimumCompressionSize"), jsii.Number(1024))

	tpl := app.Synth(nil).GetStackByName(jsii.String("Polls")).Template().(map[string]any)
	id := *stack.GetLogicalId(restAPI)
	fmt.Println(tpl["Resources"].(map[string]any)[id].(map[string]any)["Properties"].(map[string]any)["MinimumCompressionSize"])
	// Output:
	// 1024
}

// An HTTP API (API Gateway v2) serves the same routes and handlers at a
// lower price per request, with a JWT authorizer trusting a Cognito user
// pool's tokens issued to the named app clients. AWS WAF cannot be
// associated with an HTTP API, so WAF.Disable is required: put a
// CloudFront distribution with a web ACL in front of it, or keep the REST
// API (the default) where WAF matters. The functions are invoked with
// payload format 1.0, the REST proxy event the handlers parse.
func ExampleNew_httpAPI() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Polls"), nil)
	voters := awscognito.NewUserPool(stack, jsii.String("Voters"), nil)
	web := voters.AddClient(jsii.String("Web"), nil)

	api := serverlessapi.New(stack, "Votes", &serverlessapi.Props{
		HTTPAPI: true,
		WAF:     serverlessapi.WAF{Disable: true},
		Auth: serverlessapi.Auth{
			UserPools:       []awscognito.IUserPool{voters},
			UserPoolClients: []awscognito.IUserPoolClient{web},
		},
		Routes: []serverlessapi.Route{
			{Method: "GET", Path: "/polls/{id}", Entry: "github.com/gureum-cdk/gureum/functions/voting/getpoll", Actions: []string{"dynamodb:GetItem"}},
			{Method: "POST", Path: "/polls", Entry: "github.com/gureum-cdk/gureum/functions/voting/createpoll", Actions: []string{"dynamodb:PutItem"}},
		},
	})
	app.Synth(nil)

	fmt.Println(slices.Sorted(maps.Keys(api.HTTPRoutes)))
	fmt.Println("REST API:", api.API != nil, "web ACL:", api.WebACL != nil)
	// Output:
	// [GET /polls/{id} POST /polls]
	// REST API: false web ACL: false
}

// An OpenAPI 3.0 document declares the routes: each operation becomes a
// REST API method, bound by its operationId to a Route that names the
// handler, and the document's JSON body schemas become request models that
// API Gateway checks before a function runs. The document is validated at
// synth time; a problem names the construct, the document and the JSON
// pointer of what is wrong (e.g. `serverlessapi "Polls/Votes":
// OpenAPI.File "api.yaml" #/paths/~1polls/post: has no operationId`).
func ExampleNew_openAPI() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Polls"), nil)

	api := serverlessapi.New(stack, "Votes", &serverlessapi.Props{
		OpenAPI: &serverlessapi.OpenAPI{File: "testdata/polls.openapi.yaml"},
		Routes: []serverlessapi.Route{
			{OperationID: "createPoll", Entry: "github.com/gureum-cdk/gureum/functions/voting/createpoll", Actions: []string{"dynamodb:PutItem"}},
			{OperationID: "castVote", Entry: "github.com/gureum-cdk/gureum/functions/voting/castvote", Actions: []string{"dynamodb:PutItem", "dynamodb:UpdateItem"}},
			{OperationID: "getPoll", Entry: "github.com/gureum-cdk/gureum/functions/voting/getpoll", Actions: []string{"dynamodb:GetItem"}},
		},
	})
	app.Synth(nil)

	fmt.Println("methods:", slices.Sorted(maps.Keys(api.Methods)))
	fmt.Println("validated bodies:", slices.Sorted(maps.Keys(api.Models)))
	// Output:
	// methods: [GET /polls/{id} POST /polls POST /polls/{id}/votes]
	// validated bodies: [POST /polls POST /polls/{id}/votes]
}

// A canary serves a share of the REST stage's requests with other stage
// variables, which the handlers read from the request (stageVariables);
// the web ACL's managed rule groups can be tuned one by one: Bot Control
// added (it is paid per request), a group set to count while it is
// trialled, single rules excluded (they count instead of block).
func ExampleNew_canary() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Polls"), nil)

	api := serverlessapi.New(stack, "Votes", &serverlessapi.Props{
		Routes: []serverlessapi.Route{
			{Method: "GET", Path: "/polls/{id}", Entry: "github.com/gureum-cdk/gureum/functions/voting/getpoll", Actions: []string{"dynamodb:GetItem"}},
		},
		StageVariables: map[string]string{"ranking": "v1"},
		Canary:         &serverlessapi.Canary{PercentTraffic: 5, StageVariableOverrides: map[string]string{"ranking": "v2"}},
		WAF: serverlessapi.WAF{
			BotControl: true,
			RuleGroups: map[string]serverlessapi.RuleGroup{
				serverlessapi.BotControlRuleGroup: {CountOnly: true},
				"AWSManagedRulesCommonRuleSet":    {ExcludedRules: []string{"SizeRestrictions_BODY"}},
			},
		},
	})
	tpl := app.Synth(nil).GetStackByName(jsii.String("Polls")).Template().(map[string]any)

	resources := tpl["Resources"].(map[string]any)
	stage := resources[*stack.GetLogicalId(api.Stage.Node().DefaultChild().(awscdk.CfnElement))].(map[string]any)
	fmt.Println("canary:", stage["Properties"].(map[string]any)["CanarySetting"].(map[string]any)["PercentTraffic"], "%")
	acl := resources[*stack.GetLogicalId(api.WebACL)].(map[string]any)
	for _, r := range acl["Properties"].(map[string]any)["Rules"].([]any) {
		fmt.Println(r.(map[string]any)["Name"])
	}
	// Output:
	// canary: 5 %
	// RateLimitPerIP
	// AWSManagedRulesAmazonIpReputationList
	// AWSManagedRulesAnonymousIpList
	// AWSManagedRulesCommonRuleSet
	// AWSManagedRulesKnownBadInputsRuleSet
	// AWSManagedRulesSQLiRuleSet
	// AWSManagedRulesBotControlRuleSet
}
