package scaledwebtier_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/scaledwebtier"
)

// The tier grows from stage 2 to stage 3 by changing Stage: the single
// server becomes an Auto Scaling group behind an HTTPS load balancer, which
// needs a Domain for its certificate and a stack with a concrete region.
// This is the README's snippet; its Entry import path builds from any app
// that requires gureum.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Web"), &awscdk.StackProps{
		Env: &awscdk.Environment{Region: jsii.String("ap-northeast-2")},
	})
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String("Z0EXAMPLE"), ZoneName: jsii.String("example.com"),
	})
	alarms := alarmtopic.New(stack, "Alarms", nil)

	web := scaledwebtier.New(stack, "Web", &scaledwebtier.Props{
		Stage:  scaledwebtier.HighlyAvailable, // was scaledwebtier.SplitDatabase
		Entry:  "github.com/gureum-cdk/gureum/functions/webapp/server",
		Domain: &scaledwebtier.Domain{Name: "www.example.com", HostedZone: zone},
		Alarms: scaledwebtier.Alarms{Topic: alarms.Topic},
	})

	fmt.Println("stage:", web.Stage, "name:", web.Name)
	fmt.Println("single server:", web.Instance != nil, "load balanced group:", web.AutoScalingGroup != nil)
	fmt.Println("app:", web.AppEnvironment["LISTEN_ADDR"], "sessions:", web.AppEnvironment["SESSION_STORE"])
	names := make([]string, 0, len(web.Alarms))
	for n := range web.Alarms {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Println("alarms:", names)
	app.Synth(nil)
	// Output:
	// stage: highly-available name: web
	// single server: false load balanced group: true
	// app: :8080 sessions: memory
	// alarms: [5xx CPU DatabaseConnections ReplicaLag UnhealthyHosts]
}
