package serverlessapi_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/serverlessapi"
)

// A CDK Go app imports serverlessapi and lists its routes; everything else is
// a production default (WAF, throttling, IAM auth, JSON errors, logs, alarms,
// a retained table with point-in-time recovery). This is the README's
// snippet; its Entry import paths build from any app that requires gureum.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Polls"), nil)

	api := serverlessapi.New(stack, "Votes", &serverlessapi.Props{
		Routes: []serverlessapi.Route{
			{Method: "GET", Path: "/polls/{id}", Entry: "github.com/gureum-cdk/gureum/functions/voting/getpoll", Actions: []string{"dynamodb:GetItem"}},
			{Method: "POST", Path: "/polls", Entry: "github.com/gureum-cdk/gureum/functions/voting/createpoll", Actions: []string{"dynamodb:PutItem"}},
		},
		WAF: serverlessapi.WAF{RateLimit: 500},
	})

	routes := make([]string, 0, len(api.Functions))
	for r := range api.Functions {
		routes = append(routes, r)
	}
	sort.Strings(routes)
	fmt.Println(routes)
	fmt.Println("web ACL:", api.WebACL != nil)
	fmt.Println("gateway error responses:", len(api.GatewayResponses))
	fmt.Println("alarms:", len(api.Alarms))
	// Output:
	// [GET /polls/{id} POST /polls]
	// web ACL: true
	// gateway error responses: 4
	// alarms: 7
}
