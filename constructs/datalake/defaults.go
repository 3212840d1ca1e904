package datalake

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// DefaultZones are the storage zones of a lake when Props.Zones is empty, in
// the order data flows through them.
var DefaultZones = []string{"raw", "curated", "analytics"}

// Every default of DataLake, in one place.
const (
	// DefaultIntelligentTieringAfterDays moves current objects to S3
	// Intelligent-Tiering this many days after they were written.
	DefaultIntelligentTieringAfterDays = 30
	// DefaultGlacierAfterDays is 0: objects are not archived to Glacier
	// unless Lifecycle.GlacierAfterDays says so.
	DefaultGlacierAfterDays = 0
	// DefaultNoncurrentVersionExpiryDays deletes overwritten or deleted
	// versions this many days after they became noncurrent.
	DefaultNoncurrentVersionExpiryDays = 90
	// AbortIncompleteUploadsAfterDays is fixed by the secure bucket builder.
	AbortIncompleteUploadsAfterDays = 7

	// DefaultCrawlerSchedule runs every zone's crawler daily at 02:00 UTC.
	DefaultCrawlerSchedule = "cron(0 2 * * ? *)"

	// DefaultBytesScannedCutoffPerQuery cancels an Athena query that scans
	// more than 10 GiB.
	DefaultBytesScannedCutoffPerQuery int64 = 10 << 30
	// MinBytesScannedCutoffPerQuery is Athena's minimum (10 MB).
	MinBytesScannedCutoffPerQuery int64 = 10_000_000
	// DefaultResultsExpiryDays deletes Athena query results after 30 days.
	DefaultResultsExpiryDays = 30

	// DefaultIngestionPrefix is the key prefix of the objects Firehose
	// writes into its zone, before the year=/month=/day= partition.
	DefaultIngestionPrefix = "events/"
	// DefaultBufferInterval and DefaultBufferSizeMiB are Firehose's
	// buffering hints: larger objects are cheaper to query.
	DefaultBufferInterval = 5 * time.Minute
	DefaultBufferSizeMiB  = 64
	// MaxBufferInterval and MaxBufferSizeMiB are Firehose's limits.
	MaxBufferInterval = 15 * time.Minute
	MaxBufferSizeMiB  = 128
)

// DefaultLogRetention applies to the delivery stream's error logs.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// DefaultDatabasePermissions and DefaultTablePermissions are what a Lake
// Formation grant gives when it names none.
var (
	DefaultDatabasePermissions = []string{"DESCRIBE"}
	DefaultTablePermissions    = []string{"SELECT", "DESCRIBE"}
)

// partitionLayout is the Hive-style partition Firehose writes, the same
// layout functions/lakeloader lands batches in.
const partitionLayout = "year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"

// errorPrefix is where Firehose writes records it could not deliver; the
// crawlers exclude it.
const errorPrefix = "errors/!{firehose:error-output-type}/" + partitionLayout
