package stacks

// The play events' tables, shared by GureumDataLake and GureumGameEvents:
// game servers send JSON play events ({"playerId", "eventType", "score",
// "ts"}, functions/gameevents/aggregate), which land raw, are promoted
// hourly into a curated Apache Iceberg table with one row per player, event
// type and time (producers' and Kinesis' retries land copies), and are
// summed per minute by a saved Athena query.

import (
	"github.com/gureum-cdk/gureum/constructs/datalake"
)

// playEventColumns are the raw play events. The JSON SerDe matches keys to
// columns ignoring case, so "playerId" fills playerid.
var playEventColumns = []datalake.Column{
	{Name: "playerid", Type: "string", Comment: "playerId"},
	{Name: "eventtype", Type: "string", Comment: "eventType"},
	{Name: "score", Type: "bigint"},
	{Name: "ts", Type: "timestamp", Comment: "when the event happened: RFC 3339 or Unix milliseconds in the JSON"},
}

// playEventsRaw is the raw table the delivery stream lands play events in.
func playEventsRaw(name, prefix, format string) datalake.RawTable {
	return datalake.RawTable{Name: name, Prefix: prefix, Format: format, Columns: playEventColumns}
}

// playEventsTable is the curated Iceberg table promoted from the raw table
// named from, partitioned by day and deduplicated by player, event type and
// time.
func playEventsTable(from string) datalake.Table {
	return datalake.Table{
		Name: "play_events",
		Columns: []datalake.Column{
			{Name: "player_id", Type: "string", From: "playerid"},
			{Name: "event_type", Type: "string", From: "eventtype"},
			{Name: "score", Type: "bigint"},
			{Name: "ts", Type: "timestamp", Comment: "when the event happened (UTC)"},
		},
		Partitions: []datalake.PartitionField{{Column: "ts", Transform: "day"}},
		Key:        []string{"player_id", "event_type", "ts"},
		Promotion:  &datalake.Promotion{From: from},
	}
}

// playEventsPerMinute saves the per-minute query of the curated table.
func playEventsPerMinute(lake *datalake.DataLake) {
	lake.AddPerMinuteQuery("PlayEventsPerMinute", datalake.PerMinute{
		Name: "play-events-per-minute", Table: "play_events",
		Time: "ts", Group: "event_type", Value: "score", Distinct: "player_id",
	})
}
