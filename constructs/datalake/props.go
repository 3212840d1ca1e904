package datalake

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
)

// Props configures a DataLake. The zero value of every field is the secure
// default: three zones (raw, curated, analytics) encrypted with one new
// customer-managed key, daily crawlers, an Athena workgroup and a Direct PUT
// Firehose delivery stream into the raw zone.
type Props struct {
	// Zones are the storage zones, one bucket and one Glue database each, in
	// the order data flows. Default: raw, curated, analytics.
	Zones []Zone
	// ExistingKey encrypts every bucket, the catalog's crawler logs and the
	// query results instead of a new key. Its key policy must let CloudWatch
	// Logs use it for the /aws-glue/* log groups. It must be a key, not an
	// alias: the upload policy admits the key by its ARN. Default: nil (a new
	// key with rotation on, retained on stack deletion).
	ExistingKey awskms.IKey
	// Lifecycle applies to every zone that does not set its own.
	Lifecycle Lifecycle
	// AllowUploadsWithoutSSEHeader drops the zones' bucket-policy statements
	// that deny uploads not asking for SSE-KMS with the lake key. Default:
	// false (denied: every writer must send x-amz-server-side-encryption:
	// aws:kms, and a writer that names a key must name the lake key by its
	// ARN; one that names none gets the lake key, the bucket default).
	AllowUploadsWithoutSSEHeader bool
	// DatabasePrefix names the Glue databases "<prefix>_<zone>" (hyphens in
	// the zone become underscores): lowercase letters, digits and
	// underscores. Default: derived from the construct path, unique per lake.
	DatabasePrefix string
	// Crawlers configures the Glue crawler of every zone.
	Crawlers Crawlers
	// Query configures the Athena workgroup.
	Query Query
	// Ingestion configures the Firehose delivery stream.
	Ingestion Ingestion
	// LakeFormation registers the zones with AWS Lake Formation and grants
	// permissions on their databases. Default: nil (IAM-only access).
	LakeFormation *LakeFormation
	// RawTables declares Glue tables over the objects landed in a zone
	// (JSON or Parquet, partitioned year=/month=/day= with partition
	// projection, so no crawler is needed for new days). Default: none.
	RawTables []RawTable
	// Tables declares Apache Iceberg tables, each optionally promoted from
	// a raw table on a schedule. Default: none.
	Tables []Table
	// Alarms routes the promotion alarms.
	Alarms Alarms
	// LogEncryptionKey encrypts every CloudWatch log group the construct creates
	// (the delivery error logs, the promotions' state machine and planner logs).
	// A key created in the app (awskms.NewKey) gets the key policy statement
	// CloudWatch Logs needs; the owner of an imported key must add it
	// (docs/log-encryption.md). Default: nil (CloudWatch Logs' own encryption).
	LogEncryptionKey awskms.IKey
}

// Alarms routes the lake's alarm notifications.
type Alarms struct {
	// Topic receives every alarm and recovery. Default: the stack's shared
	// alarm topic (alarmtopic.Shared), encrypted, created once per stack.
	Topic awssns.ITopic
}

// Column is one column of a raw or Iceberg table.
type Column struct {
	// Name: lowercase letters, digits and underscores, starting with a
	// letter. Required.
	Name string
	// Type is one of string, int, bigint, float, double, boolean, date,
	// timestamp or decimal(P,S). Required.
	Type string
	// Comment describes the column in the catalog.
	Comment string
	// From is, in a promoted Table, the source raw table's column this one
	// is read from (of the same type). Default: Name.
	From string
}

// RawTable is a Glue (Hive) table over objects landed under
// "<Prefix>year=YYYY/month=MM/day=DD/" in a zone: Firehose's layout and
// functions/lakeloader's. The partition columns year, month and day are int
// and projected (Athena computes the partitions; nothing registers them), so
// the crawlers leave the table's prefix alone.
type RawTable struct {
	// Name of the Glue table: lowercase letters, digits and underscores.
	// Required.
	Name string
	// Zone holds the objects. Default: the first zone.
	Zone string
	// Prefix is the key prefix before the partition; it ends with "/".
	// Default: "<Name>/".
	Prefix string
	// Format is "JSON" (one JSON object a line, GZIP'd or not) or
	// "PARQUET". Default: "JSON".
	Format string
	// Columns of each record (the partition columns are added). Required.
	Columns []Column
	// TimestampFormats parse the timestamp columns of JSON records (Joda
	// patterns, or "millis" for Unix milliseconds), both when Athena reads
	// JSON and when Firehose converts it to Parquet.
	// Default: DefaultTimestampFormats (RFC 3339 with or without
	// milliseconds, and Unix milliseconds).
	TimestampFormats []string
}

// Table is an Apache Iceberg table (format version 2) in the Glue Data
// Catalog, with its data and metadata under "iceberg/<Name>/" in its zone.
// It is retained on stack deletion.
type Table struct {
	// Name of the Glue table: lowercase letters, digits and underscores.
	// Required.
	Name string
	// Zone holds the table. Default: "curated" if the lake has that zone,
	// else the last zone.
	Zone string
	// Columns of the table, in order. Required.
	Columns []Column
	// Partitions is the Iceberg partition spec. Default: unpartitioned.
	Partitions []PartitionField
	// Key names the columns that identify a record: the Iceberg identifier
	// fields (required, not float or double), and what the promotion
	// deduplicates by. Required with Promotion.
	Key []string
	// Promotion merges a raw table into this one on a schedule. Default:
	// nil (the table is written by other means).
	Promotion *Promotion
}

// PartitionField is one field of an Iceberg partition spec.
type PartitionField struct {
	// Column is the source column. Required.
	Column string
	// Transform is identity, year, month, day, hour, bucket[N] or
	// truncate[W]. Default: identity.
	Transform string
}

// Promotion merges the records of a raw table into an Iceberg table: a Step
// Functions state machine, started by EventBridge Scheduler, plans the raw
// partitions (days) of the run and runs one Athena MERGE INTO per partition,
// which keeps one copy of each Key (the newest by Version, if set) and
// inserts only keys the table does not hold yet. Re-running a partition
// yields the same table.
type Promotion struct {
	// From names the raw table (Props.RawTables) read. Required.
	From string
	// Version names a column whose greater value is the newer copy of a
	// record: the newest copy replaces an older row. Default: "" (the first
	// promoted copy of a key stays).
	Version string
	// Schedule is an EventBridge Scheduler expression, "rate(...)" or
	// "cron(...)" in UTC. Default: hourly at 20 minutes past.
	Schedule string
	// LookbackDays is how many days before a run's own day it merges
	// again, for records that land late. Default: 1.
	LookbackDays int
	// Disabled creates the schedule disabled (runs only when started by
	// hand, e.g. a backfill {"from": "2026-11-01", "to": "2026-11-25"}).
	// Default: false.
	Disabled bool
	// MaxEventAge is how long Scheduler retries starting one run before it
	// sends it to the dead-letter queue. Default: 1 hour.
	MaxEventAge time.Duration
	// PlannerEntry is the Go handler that plans a run's partitions (a
	// directory or an import path, see functions/lakepromote for the
	// contract). Default: DefaultPromotionEntry.
	PlannerEntry string
}

// Zone is one storage zone of the lake.
type Zone struct {
	// Name is part of the bucket's construct id and of its database name:
	// 1-20 lowercase letters, digits or hyphens, not starting or ending with
	// a hyphen. Required.
	Name string
	// Lifecycle overrides Props.Lifecycle for this zone.
	Lifecycle *Lifecycle
	// ObjectLock turns S3 Object Lock on with a default retention. It can
	// only be enabled when the bucket is created. Default: nil (off).
	ObjectLock *ObjectLock
	// Replication replicates the zone to a bucket in another region.
	// Default: nil (no replication).
	Replication *Replication
}

// Lifecycle moves current objects to cheaper storage classes and expires old
// versions. Incomplete multipart uploads are always aborted after 7 days.
type Lifecycle struct {
	// IntelligentTieringAfterDays moves current objects to S3
	// Intelligent-Tiering. Default: 30.
	IntelligentTieringAfterDays int
	// DisableIntelligentTiering keeps objects in S3 Standard until
	// GlacierAfterDays. Default: false.
	DisableIntelligentTiering bool
	// GlacierAfterDays archives current objects to S3 Glacier Flexible
	// Retrieval; it must come after IntelligentTieringAfterDays. Default: 0
	// (never archived).
	GlacierAfterDays int
	// NoncurrentVersionExpiryDays deletes noncurrent versions. Default: 90.
	NoncurrentVersionExpiryDays int
}

// ObjectLock is a bucket's default Object Lock retention.
type ObjectLock struct {
	// Mode is "GOVERNANCE" (users with s3:BypassGovernanceRetention may
	// delete) or "COMPLIANCE" (nobody may, not even the root user). Required.
	Mode string
	// RetentionDays is the default retention of every new object version.
	// Required.
	RetentionDays int
}

// Replication replicates a zone into an existing bucket in another region,
// re-encrypting the replicas with a key of that region. When the stack's
// region is known at synthesis, a destination in that region is an invalid
// prop; when it is not (a region-agnostic stack), the template carries a rule
// that makes CloudFormation refuse to deploy the stack to the destination's
// region.
type Replication struct {
	// DestinationBucketArn is the replica bucket, e.g.
	// "arn:aws:s3:::lake-raw-replica". It must be versioned, and have Object
	// Lock enabled when the zone has. Required.
	DestinationBucketArn string
	// DestinationKeyArn is the KMS key in the destination region that
	// encrypts the replicas; its region is the destination region. Required.
	DestinationKeyArn string
}

// Crawlers configures the Glue crawler of every zone.
type Crawlers struct {
	// Schedule is a Glue cron expression, e.g. "cron(0 2 * * ? *)".
	// Default: daily at 02:00 UTC.
	Schedule string
	// OnDemand leaves the crawlers without a schedule. Default: false.
	OnDemand bool
}

// Query configures the Athena workgroup.
type Query struct {
	// BytesScannedCutoffPerQuery cancels a query that scans more. Athena's
	// minimum is 10 MB. Default: 10 GiB.
	BytesScannedCutoffPerQuery int64
	// ResultsExpiryDays deletes query results. Default: 30.
	ResultsExpiryDays int
}

// Ingestion configures the Firehose delivery stream that lands records in a
// zone as GZIP'd objects under
// "<Prefix>year=YYYY/month=MM/day=DD/", the layout functions/lakeloader uses.
type Ingestion struct {
	// Disable creates no delivery stream. Default: false.
	Disable bool
	// Zone receives the records. Default: the first zone.
	Zone string
	// Prefix is the key prefix before the partition; it ends with "/".
	// Default: "events/".
	Prefix string
	// SourceStream makes the delivery stream read this Kinesis data stream
	// instead of accepting Direct PUT; encrypt the stream itself, Firehose
	// server-side encryption applies to Direct PUT only. Default: nil.
	SourceStream awskinesis.IStream
	// BufferInterval is how long Firehose buffers before writing an object:
	// whole seconds up to 15 minutes. Default: 5 minutes.
	BufferInterval time.Duration
	// BufferSizeMiB is how much Firehose buffers before writing an object:
	// 1 to 128 MiB. Default: 64.
	BufferSizeMiB int
	// LogRetention of the delivery error logs. Default: one year.
	LogRetention awslogs.RetentionDays
	// Table names the raw table (Props.RawTables) the stream lands records
	// in: its zone and prefix replace Zone and Prefix, and a PARQUET table
	// makes Firehose convert the JSON records to Parquet against the
	// table's schema (record format conversion). Default: "" (GZIP'd JSON
	// under Prefix).
	Table string
}

// LakeFormation registers the zones with Lake Formation and grants
// principals permissions on their databases and tables. The role that
// deploys the stack must be a Lake Formation data lake administrator.
type LakeFormation struct {
	// Register registers every zone bucket as a Lake Formation data location
	// through a role the construct creates, and turns Lake Formation mode
	// on: GrantRead, GrantTableRead and GrantTableWrite grant Lake
	// Formation permissions instead of S3 and KMS access (see the package
	// doc). Default: false.
	Register bool
	// Grants give principals permissions on a zone's database and its
	// tables.
	Grants []LakeFormationGrant
}

// LakeFormationGrant gives one principal permissions on one zone.
type LakeFormationGrant struct {
	// Principal is an IAM role or user ARN. Required.
	Principal string
	// Zone names the database. Required.
	Zone string
	// DatabasePermissions on the database. Default: DESCRIBE.
	DatabasePermissions []string
	// TablePermissions on every table of the database, or on Table.
	// Default: SELECT, DESCRIBE.
	TablePermissions []string
	// Table limits TablePermissions to one declared table of the zone (a
	// RawTables or Tables name). Default: "" (every table).
	Table string
}
