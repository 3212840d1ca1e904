package serverlessapi_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
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
