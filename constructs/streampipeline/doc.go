// Package streampipeline provides Pipeline: events put on a Kinesis data
// stream are aggregated by a Go Lambda function into S3 objects, and each new
// object is indexed by a second Go Lambda function into an OpenSearch domain.
//
//	producers ─▶ Kinesis (KMS) ─▶ processor ─▶ S3 <prefix>year=/month=/day=/hour=/...json
//	    ─▶ S3 notification ─▶ indexer (in the VPC) ─▶ OpenSearch (VPC, FGAC)
//
// The production defaults: an on-demand stream encrypted with KMS (aws/kinesis
// or a given key), kept a week and retained; an event source mapping
// that starts at the trim horizon, reports batch item failures, bisects a
// failing batch, bounds retries and record age, and sends what still fails to
// an encrypted on-failure queue; a secure bucket (or a data lake's raw zone
// through ExistingBucket) with least-privilege object grants under the
// prefix; an OpenSearch domain in private subnets of two (or three)
// Availability Zones with zone awareness, dedicated master nodes,
// node-to-node and at-rest encryption, HTTPS only with TLS 1.2, fine-grained
// access control with the indexer's role as master user, slow search, slow
// index and application logs, retained on stack deletion; security groups
// that admit HTTPS to the domain from the indexer only; and alarms on
// iterator age, function errors, the failure queues and the cluster's
// health.
//
// The smallest use names the two handlers:
//
//	events := streampipeline.New(stack, "PlayEvents", &streampipeline.Props{
//		ProcessorEntry: "functions/gameevents/streamprocessor",
//		IndexerEntry:   "functions/gameevents/indexer",
//	})
//	events.Stream.GrantWrite(producerRole)
//
// To write into a data lake's raw zone, give its bucket and key:
//
//	lake := datalake.New(stack, "Lake", &datalake.Props{Zones: []datalake.Zone{{Name: "raw"}}})
//	streampipeline.New(stack, "PlayEvents", &streampipeline.Props{
//		ProcessorEntry: "functions/gameevents/streamprocessor",
//		IndexerEntry:   "functions/gameevents/indexer",
//		ExistingBucket: lake.Buckets["raw"], ExistingBucketKey: lake.Key,
//	})
//
// The processor finds the bucket and prefix in BUCKET and PREFIX, and, when
// the bucket is encrypted with a KMS key, that key's ARN in KMS_KEY_ID: it
// then requests SSE-KMS with the key and an S3 Bucket Key on every write, as
// the lake's upload policy requires. The indexer finds the domain in
// OPENSEARCH_ENDPOINT and the index in INDEX. A VPC domain needs the account's
// OpenSearch service-linked role (AWSServiceRoleForAmazonOpenSearchService)
// to exist.
//
// Defaults live in defaults.go. A field set in Props always wins over the
// default; ExistingBucket replaces the bucket the construct would create, and
// setting it together with Bucket is an error. Every resource made is an
// exported field of Pipeline for escape hatches.
package streampipeline
