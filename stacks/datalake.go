package stacks

// Session 4: big data on AWS, storage first. Events stream in through an
// on-demand Kinesis data stream and Firehose into the raw zone of a zoned S3
// lake; batch loads (functions/lakeloader) land beside them with the same
// year=/month=/day= partitions; Glue crawlers catalog every zone daily and
// analysts query the catalog with Athena. The play events are a declared raw
// table; every hour a state machine merges the new days into a curated Apache
// Iceberg table, one row per player, event type and time, and a saved Athena
// query sums them per minute:
//
//	producers ─▶ Kinesis ─▶ Firehose ─▶ S3 raw (events_raw) ─▶ Step Functions + Athena MERGE
//	                                       │                      (hourly) ─▶ curated Iceberg play_events
//	                                   Glue crawlers (daily) ─▶ Glue Data Catalog ─▶ Athena (per-minute query)

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/datalake"
)

// NewDataLakeStack builds the big-data reference stack.
func NewDataLakeStack(scope constructs.Construct, id string, o Options) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), o.stackProps("gureum: data lake (S3 zones, Glue catalog, Athena, Kinesis and Firehose ingestion)"))

	events := awskinesis.NewStream(stack, jsii.String("Events"), &awskinesis.StreamProps{
		StreamMode:      awskinesis.StreamMode_ON_DEMAND,
		Encryption:      awskinesis.StreamEncryption_MANAGED,
		RetentionPeriod: awscdk.Duration_Hours(jsii.Number(24)),
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
	})

	lake := datalake.New(stack, "Lake", &datalake.Props{
		Lifecycle: datalake.Lifecycle{IntelligentTieringAfterDays: 30, GlacierAfterDays: 365},
		Crawlers:  datalake.Crawlers{Schedule: "cron(0 2 * * ? *)"},
		Ingestion: datalake.Ingestion{SourceStream: events, Table: "events_raw"},
		// JSON, as lakeloader's batches under the same prefix are.
		RawTables: []datalake.RawTable{playEventsRaw("events_raw", "events/", "JSON")},
		Tables:    []datalake.Table{playEventsTable("events_raw")},
	})
	playEventsPerMinute(lake)

	out := func(id string, v *string, desc string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: v, Description: jsii.String(desc)})
	}
	out("EventsStream", events.StreamName(), "Kinesis data stream producers write to")
	out("RawBucket", lake.Buckets["raw"].BucketName(), "Raw zone (Firehose and lakeloader write here)")
	out("CuratedBucket", lake.Buckets["curated"].BucketName(), "Curated zone")
	out("AnalyticsBucket", lake.Buckets["analytics"].BucketName(), "Analytics zone")
	out("AthenaWorkGroup", lake.WorkGroup.Ref(), "Athena workgroup to query the lake with")
	out("PromotionStateMachine", lake.Promotions["play_events"].StateMachine.StateMachineArn(), "Promotes events_raw into the curated play_events table (start it with {\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\"} to backfill)")
	return stack
}
