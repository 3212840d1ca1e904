package stacks

// Session 1, scenarios 2 and 3: a mobile game's daily event.
//
// Scheduled jobs (EventBridge Scheduler, Asia/Seoul):
//
//	12:30 fleet scaler   ─▶ Auto Scaling group of Graviton game servers (scale out)
//	13:00 event start    ─▶ publisher ─▶ SNS players topic ─▶ SQS ─▶ fan-out ─▶ every
//	                        registered device's FCM / APNs endpoint (push notification)
//	18:00 event end      ─▶ publisher ─▶ SNS players topic ─▶ … (the same)
//	phones: PUT /devices, DELETE /devices/{token} (Cognito) ─▶ device table
//	18:30 fleet scaler   ─▶ Auto Scaling group (scale in to 0)
//
// Play events during the event:
//
//	game servers ─▶ Kinesis (on-demand, KMS) ─▶ stream processor (Go) ─▶ S3 aggregates
//	    (the data lake's raw zone, SSE-KMS) ─▶ S3 notification ─▶ indexer (Go, in the VPC)
//	    ─▶ OpenSearch (VPC, multi-AZ, FGAC)
//	raw zone ─▶ Glue crawler (daily) ─▶ Glue Data Catalog ─▶ Athena
//	Kinesis ─▶ Firehose (Parquet) ─▶ raw play_events_raw ─▶ hourly Athena MERGE (Step
//	    Functions) ─▶ curated Iceberg play_events ─▶ Athena per-minute query
//
// The publisher job is one scheduledjob with two schedules and two payloads.

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/datalake"
	"github.com/gureum-cdk/gureum/constructs/gamefleet"
	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
	"github.com/gureum-cdk/gureum/constructs/streampipeline"
)

// gameEventID names today's event in the notifications.
const gameEventID = "daily-raid"

// NewGameEventsStack builds the game-event scheduler and play-event pipeline.
func NewGameEventsStack(scope constructs.Construct, id string, o Options) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), o.stackProps("gureum: scheduled game events (EventBridge Scheduler, Auto Scaling, SNS) and play-event analytics (Kinesis, Lambda, S3 data lake, OpenSearch)"))
	alarms := alarmtopic.New(stack, "Alarms", nil)

	// The aggregates land in a data lake's raw zone, which its crawler
	// catalogs for Athena; the play events themselves land there too and
	// are promoted into a curated Iceberg table (gameevents_lake.go).
	lake := datalake.New(stack, "Lake", playEventsLakeProps(alarms.Topic))

	// Play events: Kinesis -> processor -> raw zone -> indexer -> OpenSearch.
	// The pipeline's VPC also hosts the game servers.
	pipeline := streampipeline.New(stack, "PlayEvents", &streampipeline.Props{
		ProcessorEntry:    o.entry("gameevents", "streamprocessor"),
		IndexerEntry:      o.entry("gameevents", "indexer"),
		ExistingBucket:    lake.Buckets["raw"],
		ExistingBucketKey: lake.Key,
		Alarms:            streampipeline.Alarms{Topic: alarms.Topic},
	})

	// Game servers, empty until the fleet scaler sizes them: 12:30 scale out
	// before the event, 18:30 scale in after it.
	fleet := gamefleet.New(stack, "Fleet", &gamefleet.Props{
		Vpc: pipeline.Vpc,
		Schedules: []gamefleet.ScaleSchedule{
			{Name: "scale-out", Expression: "cron(30 12 * * ? *)", MinSize: gamefleet.Int(2), DesiredCapacity: 4},
			{Name: "scale-in", Expression: "cron(30 18 * * ? *)", MinSize: gamefleet.Int(0), DesiredCapacity: 0},
		},
		Alarms: gamefleet.Alarms{Topic: alarms.Topic},
		Entry:  o.entry("gameevents", "fleetscaler"),
	})
	// Game servers put play events through a Kinesis endpoint in their VPC.
	kinesisEndpoint := pipeline.Vpc.AddInterfaceEndpoint(jsii.String("KinesisEndpoint"), &awsec2.InterfaceVpcEndpointOptions{
		Service: awsec2.InterfaceVpcEndpointAwsService_KINESIS_STREAMS(),
		Open:    jsii.Bool(false),
	})
	kinesisEndpoint.Connections().AllowDefaultPortFrom(fleet.SecurityGroup, jsii.String("HTTPS from the game servers"))
	pipeline.Stream.GrantWrite(fleet.Role)
	landPlayEvents(lake, pipeline.Stream)

	// 13:00 and 18:00: one job, two schedules, two payloads.
	playersKey := awskms.NewKey(stack, jsii.String("PlayersKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the players' notification topic"),
		EnableKeyRotation: jsii.Bool(true),
	})
	players := awssns.NewTopic(stack, jsii.String("Players"), &awssns.TopicProps{
		DisplayName: jsii.String("Game event notifications"),
		MasterKey:   playersKey,
		EnforceSSL:  jsii.Bool(true),
	})
	zero := 0
	notices := scheduledjob.New(stack, "EventNotices", &scheduledjob.Props{
		Entry:       o.entry("gameevents", "publisher"),
		Description: "Announces the start and end of the daily event to players",
		Schedules: []scheduledjob.Schedule{
			{Name: "event-start", Expression: "cron(0 13 * * ? *)", Payload: map[string]string{
				"event": "start", "eventId": gameEventID, "title": "Raid open", "message": "The daily raid has begun: join now!",
			}},
			{Name: "event-end", Expression: "cron(0 18 * * ? *)", Payload: map[string]string{
				"event": "end", "eventId": gameEventID, "title": "Raid closed", "message": "The daily raid is over. See you tomorrow!",
			}},
		},
		// A standard SNS topic does not deduplicate: a retried publish would
		// notify players twice, so a failed handler is not retried by Lambda,
		// and Scheduler gives up after 10 minutes (a late notice is wrong).
		Retry:    scheduledjob.Retry{MaxEventAge: 10 * time.Minute},
		Function: scheduledjob.Function{Environment: map[string]string{"TOPIC_ARN": *players.TopicArn()}, AsyncRetries: &zero},
		Alarms:   scheduledjob.Alarms{Topic: alarms.Topic},
	})
	// Exactly what the publisher calls: sns:Publish, with the topic's key.
	notices.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("sns:Publish"),
		Resources: &[]*string{players.TopicArn()},
	}))
	notices.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
		Resources: &[]*string{playersKey.KeyArn()},
	}))

	// The notices reach the players' phones: devices register through an
	// API, and a fan-out sends each notice to every registered device.
	addPush(stack, o, players, alarms.Topic)

	awscdk.NewCfnOutput(stack, jsii.String("FleetName"), &awscdk.CfnOutputProps{Value: fleet.Group.AutoScalingGroupName()})
	awscdk.NewCfnOutput(stack, jsii.String("PlayersTopic"), &awscdk.CfnOutputProps{Value: players.TopicArn()})
	awscdk.NewCfnOutput(stack, jsii.String("PlayEventsStream"), &awscdk.CfnOutputProps{Value: pipeline.Stream.StreamName()})
	awscdk.NewCfnOutput(stack, jsii.String("SearchEndpoint"), &awscdk.CfnOutputProps{Value: pipeline.Domain.DomainEndpoint()})
	awscdk.NewCfnOutput(stack, jsii.String("RawBucket"), &awscdk.CfnOutputProps{Value: lake.Buckets["raw"].BucketName()})
	awscdk.NewCfnOutput(stack, jsii.String("AthenaWorkGroup"), &awscdk.CfnOutputProps{Value: lake.WorkGroup.Ref()})
	return stack
}
