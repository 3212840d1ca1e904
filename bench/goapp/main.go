// Command goapp is the Go side of gureum's synthesis benchmark: the
// GureumVoting stack of the reference app, or N ServerlessAPIs in one stack,
// with cdk-nag's AwsSolutions checks, written to an assembly directory. It
// mirrors bench/app.js; bench/compare times the two.
//
//	goapp voting <outdir>
//	goapp apis <N> <outdir>
//
// Run it from the repository root: the handlers are built from functions/.
package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/serverlessapi"
	"github.com/gureum-cdk/gureum/stacks"
)

func main() {
	args := os.Args[1:]
	n := 0
	if len(args) == 3 && args[0] == "apis" {
		var err error
		if n, err = strconv.Atoi(args[1]); err != nil || n < 1 {
			usage()
		}
		args = []string{args[0], args[2]}
	}
	if len(args) != 2 || (args[0] != "voting" && args[0] != "apis") {
		usage()
	}
	defer jsii.Close()
	if os.Getenv("JSII_RUNTIME_PACKAGE_CACHE") == "" {
		os.Setenv("JSII_RUNTIME_PACKAGE_CACHE", "enabled")
	}
	props := &awscdk.AppProps{Outdir: jsii.String(args[1])}
	if args[0] == "apis" {
		// 52 resources each: from 10 on, past CloudFormation's 500 per
		// stack. The benchmark measures synthesis, not a deployable stack.
		props.Context = &map[string]any{"@aws-cdk/core:stackResourceLimit": 0}
	}
	app := awscdk.NewApp(props)
	if args[0] == "voting" {
		stacks.NewVotingStack(app, "GureumVoting", stacks.Options{Root: "."})
	} else {
		apisStack(app, n)
	}
	stacks.ApplyNag(app)
	app.Synth(nil)
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: goapp voting <outdir> | goapp apis <N> <outdir>")
	os.Exit(2)
}

// apisStack is N ServerlessAPIs with the voting routes under IAM
// authorization and their defaults (each makes API Gateway's account role),
// sharing one alarm topic.
func apisStack(app awscdk.App, n int) {
	stack := awscdk.NewStack(app, jsii.String(fmt.Sprintf("GureumBenchApis%d", n)), &awscdk.StackProps{
		Description: jsii.String(fmt.Sprintf("gureum benchmark: %d ServerlessAPIs", n)),
	})
	topic := alarmtopic.New(stack, "Alarms", nil).Topic
	for i := 1; i <= n; i++ {
		serverlessapi.New(stack, fmt.Sprintf("Api%d", i), &serverlessapi.Props{
			Alarms: serverlessapi.Alarms{Topic: topic},
			Routes: votingRoutes(),
		})
	}
}

// votingRoutes are the routes of stacks/voting.go.
func votingRoutes() []serverlessapi.Route {
	str := func(max int) *awsapigateway.JsonSchema {
		return &awsapigateway.JsonSchema{Type: awsapigateway.JsonSchemaType_STRING, MinLength: jsii.Number(1), MaxLength: jsii.Number(float64(max))}
	}
	return []serverlessapi.Route{
		{
			Method: "POST", Path: "/polls", Entry: "functions/voting/createpoll", Actions: []string{"dynamodb:PutItem"},
			Throttle: &serverlessapi.Throttle{RatePerSecond: 50, Burst: 100},
			RequestSchema: &awsapigateway.JsonSchema{
				Type:     awsapigateway.JsonSchemaType_OBJECT,
				Required: jsii.Strings("question", "options"),
				Properties: &map[string]*awsapigateway.JsonSchema{
					"question": str(300),
					"options": {
						Type: awsapigateway.JsonSchemaType_ARRAY, Items: str(100),
						MinItems: jsii.Number(2), MaxItems: jsii.Number(20), UniqueItems: jsii.Bool(true),
					},
				},
				AdditionalProperties: false,
			},
		},
		{
			Method: "POST", Path: "/polls/{id}/votes", Entry: "functions/voting/castvote",
			Actions: []string{"dynamodb:PutItem", "dynamodb:UpdateItem"},
			RequestSchema: &awsapigateway.JsonSchema{
				Type:     awsapigateway.JsonSchemaType_OBJECT,
				Required: jsii.Strings("option"),
				Properties: &map[string]*awsapigateway.JsonSchema{
					"option":  str(100),
					"voterId": str(128),
				},
				AdditionalProperties: false,
			},
		},
		{Method: "GET", Path: "/polls/{id}", Entry: "functions/voting/getpoll", Actions: []string{"dynamodb:GetItem"}},
	}
}
