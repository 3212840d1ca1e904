package streampipeline_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/streampipeline"
)

// Play events from game servers, aggregated into S3 and searchable in
// OpenSearch, with gureum's processor and indexer by import path. The game
// servers' role may put records on the stream.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("GameEvents"), nil)
	servers := awsiam.NewRole(stack, jsii.String("GameServers"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
	})

	events := streampipeline.New(stack, "PlayEvents", &streampipeline.Props{
		ProcessorEntry: "github.com/gureum-cdk/gureum/functions/gameevents/streamprocessor",
		IndexerEntry:   "github.com/gureum-cdk/gureum/functions/gameevents/indexer",
	})
	events.Stream.GrantWrite(servers)
	app.Synth(nil)

	fmt.Println("aggregates under:", events.Prefix)
	fmt.Println("search domain in its own VPC:", events.Domain != nil && events.Vpc != nil)
	fmt.Println("alarms:", len(events.Alarms), "to", *events.AlarmTopic.Node().Path())
	// Output:
	// aggregates under: aggregates/
	// search domain in its own VPC: true
	// alarms: 7 to GameEvents/GureumAlarmTopic/Topic
}
