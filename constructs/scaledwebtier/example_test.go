package scaledwebtier_test

import (
	"fmt"
	"sort"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/scaledwebtier"
)

// A web tier at stage 3 (HighlyAvailable): an HTTPS load balancer, an Auto
// Scaling group of at least two servers and an Aurora writer and reader.
// Growing is changing Stage (1 SingleServer to 5 Global); from stage 3 a
// Domain is needed for the certificate, and a stack with a concrete region.
// Entry is gureum's web server by import path, which builds from any app
// whose module requires gureum. With no Alarms.Topic, the alarms notify the
// stack's shared alarm topic (web.AlarmTopic): subscribe to it.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Shop"), &awscdk.StackProps{
		Env: &awscdk.Environment{Region: jsii.String("ap-northeast-2")},
	})
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String("Z0EXAMPLE"), ZoneName: jsii.String("example.com"),
	})

	web := scaledwebtier.New(stack, "Web", &scaledwebtier.Props{
		Stage:  scaledwebtier.HighlyAvailable,
		Entry:  "github.com/gureum-cdk/gureum/functions/webapp/server",
		Domain: &scaledwebtier.Domain{Name: "www.example.com", HostedZone: zone},
	})
	app.Synth(nil)

	fmt.Println("stage:", web.Stage, "name:", web.Name)
	fmt.Println("single server:", web.Instance != nil, "load balanced group:", web.AutoScalingGroup != nil)
	fmt.Println("app:", web.AppEnvironment["LISTEN_ADDR"], "sessions:", web.AppEnvironment["SESSION_STORE"])
	names := make([]string, 0, len(web.Alarms))
	for n := range web.Alarms {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Println("alarms:", names, "to", *web.AlarmTopic.Node().Path())
	// Output:
	// stage: highly-available name: shop-web-da9de6e4
	// single server: false load balanced group: true
	// app: :8080 sessions: memory
	// alarms: [5xx CPU DatabaseConnections ReplicaLag UnhealthyHosts] to Shop/GureumAlarmTopic/Topic
}
