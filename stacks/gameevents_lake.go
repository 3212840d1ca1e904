package stacks

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"

	"github.com/gureum-cdk/gureum/constructs/datalake"
)

// playEventsLakeProps is GureumGameEvents' lake: the stream processor's
// aggregates (events/) and the play events themselves (play-events/, as
// Parquet) in the raw zone, the deduplicated play events in the curated
// zone's Iceberg table.
func playEventsLakeProps(alarms awssns.ITopic) *datalake.Props {
	return &datalake.Props{
		Zones:     []datalake.Zone{{Name: "raw"}, {Name: "curated"}},
		Ingestion: datalake.Ingestion{Disable: true}, // landPlayEvents adds it
		RawTables: []datalake.RawTable{playEventsRaw("play_events_raw", "play-events/", "PARQUET")},
		Tables:    []datalake.Table{playEventsTable("play_events_raw")},
		Alarms:    datalake.Alarms{Topic: alarms},
	}
}

// landPlayEvents lands the play-event stream in the raw table (Firehose
// converts the JSON to Parquet) and saves the per-minute query.
func landPlayEvents(lake *datalake.DataLake, stream awskinesis.IStream) {
	lake.AddIngestion(datalake.Ingestion{SourceStream: stream, Table: "play_events_raw"})
	playEventsPerMinute(lake)
}
