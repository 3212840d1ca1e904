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
// that writes the raw zone and an analyst who reads the curated one). A lake
// that only keeps one producer's raw data takes one zone and no delivery
// stream: Zones: []datalake.Zone{{Name: "raw"}}, Ingestion:
// datalake.Ingestion{Disable: true} (stack GureumGameEvents).
//
// Writers must send x-amz-server-side-encryption: aws:kms, and name the lake
// key by its ARN or no key at all.
//
// Defaults live in defaults.go (withDefaults resolves them once). A field
// set in Props always wins over the default; ExistingKey replaces the key the construct would create. Every
// resource made is an exported field of DataLake for escape hatches.
package datalake
