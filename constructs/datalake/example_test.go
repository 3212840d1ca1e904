package datalake_test

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/datalake"
)

// Validate names every invalid prop before anything is created.
func ExampleValidate() {
	err := datalake.Validate(nil, "Lake", &datalake.Props{
		Zones:     []datalake.Zone{{Name: "raw", ObjectLock: &datalake.ObjectLock{RetentionDays: 30}}, {Name: "raw"}},
		Lifecycle: datalake.Lifecycle{IntelligentTieringAfterDays: 90, GlacierAfterDays: 30},
		Crawlers:  datalake.Crawlers{Schedule: "cron(0 2 * * *)"},
	})
	fmt.Println(err)
	// Output:
	// datalake "Lake": 4 invalid props:
	//   - Zones[0].ObjectLock.Mode: is required with RetentionDays: GOVERNANCE or COMPLIANCE
	//   - Zones[1].Name: "raw" duplicates Zones[0]
	//   - Lifecycle.GlacierAfterDays: 30 must come after the Intelligent-Tiering transition (day 90)
	//   - Crawlers.Schedule: "cron(0 2 * * *)" has 5 fields, want 6 (minutes hours day-of-month month day-of-week year)
}

// A lake with every default: raw, curated and analytics zones under one
// customer-managed key, daily crawlers, an Athena workgroup and a Direct PUT
// delivery stream into the raw zone. The grants are what a batch loader and
// an analyst need.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Analytics"), nil)
	loader := awsiam.NewRole(stack, jsii.String("Loader"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
	})
	analyst := awsiam.NewRole(stack, jsii.String("Analyst"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewAccountRootPrincipal(),
	})

	lake := datalake.New(stack, "Lake", nil)
	lake.GrantWrite("raw", loader)
	lake.GrantRead("curated", analyst)
	lake.GrantQuery(analyst)
	app.Synth(nil)

	fmt.Println("zones:", lake.Zones)
	fmt.Println("delivery stream:", lake.DeliveryStream != nil)
	// Output:
	// zones: [raw curated analytics]
	// delivery stream: true
}

// Play events land raw (Firehose converts their JSON to Parquet), are
// promoted hourly into a curated Apache Iceberg table with one row per
// player, event type and time, and are summed per minute by a saved Athena
// query: the flow of the GureumDataLake and GureumGameEvents stacks.
func ExampleNew_promotion() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Game"), nil)
	lake := datalake.New(stack, "Lake", &datalake.Props{
		DatabasePrefix: "game",
		RawTables: []datalake.RawTable{{Name: "play_events_raw", Format: "PARQUET", Columns: []datalake.Column{
			{Name: "playerid", Type: "string"}, {Name: "eventtype", Type: "string"},
			{Name: "score", Type: "bigint"}, {Name: "ts", Type: "timestamp"},
		}}},
		Ingestion: datalake.Ingestion{Table: "play_events_raw"},
		Tables: []datalake.Table{{
			Name: "play_events",
			Columns: []datalake.Column{
				{Name: "player_id", Type: "string", From: "playerid"}, {Name: "event_type", Type: "string", From: "eventtype"},
				{Name: "score", Type: "bigint"}, {Name: "ts", Type: "timestamp"},
			},
			Partitions: []datalake.PartitionField{{Column: "ts", Transform: "day"}},
			Key:        []string{"player_id", "event_type", "ts"},
			Promotion:  &datalake.Promotion{From: "play_events_raw"},
		}},
	})
	lake.AddPerMinuteQuery("PerMinute", datalake.PerMinute{
		Name: "play-events-per-minute", Table: "play_events",
		Time: "ts", Group: "event_type", Value: "score", Distinct: "player_id",
	})
	analyst := awsiam.NewRole(stack, jsii.String("Analyst"), &awsiam.RoleProps{AssumedBy: awsiam.NewAccountRootPrincipal()})
	lake.GrantTableRead("play_events", analyst)
	lake.GrantQuery(analyst)
	app.Synth(nil)

	job := lake.Promotions["play_events"]
	fmt.Println(strings.SplitN(job.SQL, "\n", 2)[0])
	fmt.Println("schedule:", *job.Schedule.ScheduleExpression())
	// Output:
	// MERGE INTO "game_curated"."play_events" AS t
	// schedule: cron(20 * * * ? *)
}
