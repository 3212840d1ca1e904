package streampipeline_test

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/streampipeline"
)

// Play events from game servers, aggregated into S3 and searchable in
// OpenSearch.
func Example() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("GameEvents"), nil)
	servers := awsiam.NewRole(stack, jsii.String("GameServers"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
	})
	events := streampipeline.New(stack, "PlayEvents", &streampipeline.Props{
		ProcessorEntry: "functions/gameevents/streamprocessor",
		IndexerEntry:   "functions/gameevents/indexer",
	})
	events.Stream.GrantWrite(servers)
}
