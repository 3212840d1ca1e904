// Package datalake provides DataLake: a zoned S3 data lake with its catalog,
// query and ingestion paths, storage first. Each zone (raw, curated and
// analytics by default) is a bucket encrypted with SSE-KMS under one
// customer-managed key (rotation on) and S3 bucket keys, versioned,
// TLS-only, with public access blocked, object ownership enforced, server
// access logs, lifecycle rules (Intelligent-Tiering, optional Glacier,
// noncurrent-version expiry, aborted multipart uploads), an upload policy that
// requires SSE-KMS with the lake key, optional Object Lock and optional
// cross-region replication (checked not to target the stack's own region, at
// synthesis or, in a region-agnostic stack, by a template rule at
// deployment); every bucket and the key are retained on stack deletion.
//
// Each zone gets a Glue database and a scheduled Glue crawler with a
// least-privilege role and a security configuration that encrypts its logs;
// an Athena workgroup enforces encrypted results and a per-query scan limit;
// a Firehose delivery stream (Direct PUT, or reading a Kinesis data stream)
// lands GZIP'd records in the first zone under
// "events/year=YYYY/month=MM/day=DD/", the layout functions/lakeloader uses
// for batch loads, so one crawler sees one partition scheme.
//
// The smallest use takes no props (ExampleNew, with the grants of a loader
// that writes the raw zone and an analyst who reads the curated one); the
// flow from raw to a curated Iceberg table is ExampleNew_promotion. A lake
// that only keeps one producer's raw data takes one zone and no delivery
// stream: Zones: []datalake.Zone{{Name: "raw"}}, Ingestion:
// datalake.Ingestion{Disable: true} (stack GureumGameEvents).
//
// Writers must send x-amz-server-side-encryption: aws:kms, and name the lake
// key by its ARN or no key at all.
//
// # Tables, and data that moves through the zones
//
// RawTables declares Glue (Hive) tables over what lands in a zone under
// "<prefix>year=YYYY/month=MM/day=DD/", JSON or Parquet, with the int
// partition columns year, month and day projected (Athena computes the
// partitions: no crawler and no MSCK REPAIR). Ingestion.Table points the
// delivery stream at one; a PARQUET table makes Firehose convert the JSON
// records against the table's schema (record format conversion, Snappy).
// AddIngestion adds the delivery stream later, for a source made after the
// lake.
//
// Tables declares Apache Iceberg (v2) tables as Glue Data Catalog tables
// created through CloudFormation's OpenTableFormatInput: the schema (column
// IDs in declared order), the partition spec (identity, year, month, day,
// hour, bucket[N], truncate[W]) and the Key as Iceberg identifier fields;
// data and metadata under "iceberg/<name>/" of the table's zone, retained
// on stack deletion. Glue-catalog Iceberg rather than S3 Tables
// (awss3tables): the tables stay in the zone buckets under the lake key,
// with their access logs, lifecycle, replication and Object Lock, in the
// zone's database and the lake's Athena workgroup, and Lake Formation
// governs them through the zone registrations it already has; S3 Tables
// would put the curated data in a table bucket of its own, outside all of
// that, reached through a separate federated catalog (s3tablescatalog) that
// needs the account's Lake Formation integration before any query. What S3
// Tables would add, automatic compaction, is an OPTIMIZE away.
//
// A Table with a Promotion is filled from a raw table: EventBridge
// Scheduler (retries, a dead-letter queue) starts a Step Functions state
// machine with its scheduled time; a small Go function
// (functions/lakepromote) plans the days to merge (that day and
// LookbackDays before it, for late records, or a backfill's "from"/"to"),
// and a Map state runs, one at a time, an Athena MERGE INTO per day through
// the .sync integration, retried on throttling and on a failed query (an
// Iceberg commit that lost to another writer). The MERGE keeps one copy of
// each Key within the day (the greatest Version, then the greatest other
// columns: a choice that does not depend on file order), inserts keys the
// table does not hold, and, with a Version, replaces older rows; rows with
// a NULL key are skipped. Re-running a day therefore yields the same table,
// and so does a run that overlaps the previous one. The statement is
// generated from the props (PromotionJob.SQL; golden-tested, parsed with
// Trino's grammar, and run on PostgreSQL's MERGE, the same SQL:2008
// statement as Trino's, in internal/lakesql). The state machine logs every event and is traced;
// alarms on failed, timed-out or aborted runs and on dead letters notify
// Alarms.Topic or the stack's shared alarm topic. AddPerMinuteQuery saves
// an Athena named query of per-minute aggregates. ExampleNew_promotion shows
// the whole flow. Athena writes an Iceberg table's files with the
// workgroup's result encryption (SSE-KMS under the lake key), which the
// zone's upload policy admits.
//
// # Lake Formation mode
//
// With LakeFormation.Register the zones are Lake Formation data locations
// and the grant verbs speak Lake Formation, as Data Solutions Framework on
// AWS does: GrantRead gives DESCRIBE on the zone's database and SELECT and
// DESCRIBE on its tables, with the catalog reads and
// lakeformation:GetDataAccess in IAM and no S3 or KMS access;
// GrantTableRead and GrantTableWrite do the same for one table (writers get
// INSERT, DELETE, ALTER and glue:UpdateTable for Iceberg commits); GrantWrite
// keeps its S3 grants (objects landed in S3 are not mediated by Lake
// Formation) and adds DATA_LOCATION_ACCESS on the zone. The promotion's role
// gets SELECT on its raw table and write permissions on its Iceberg table.
// LakeFormationGrant.Table limits a prop grant to one table. Without
// Register every verb grants IAM and S3 access.
//
// Defaults live in defaults.go (withDefaults resolves them once). A field
// set in Props always wins over the default; ExistingKey replaces the key the construct would create. Every
// resource made is an exported field of DataLake for escape hatches.
package datalake
