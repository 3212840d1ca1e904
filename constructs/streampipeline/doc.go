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
// ExampleNew is the smallest use, in the form an app copies: the two
// handlers by import path (gureum's game-event processor and indexer build
// from any app that requires gureum) and the grant of a producer. To write
// into a data lake's raw zone instead of a bucket of the pipeline's own,
// give its bucket and key: ExistingBucket: lake.Buckets["raw"],
// ExistingBucketKey: lake.Key (stack GureumGameEvents does).
//
// The processor finds the bucket and prefix in BUCKET and PREFIX, and, when
// the bucket is encrypted with a KMS key, that key's ARN in KMS_KEY_ID: it
// then requests SSE-KMS with the key and an S3 Bucket Key on every write, as
// the lake's upload policy requires. The indexer finds the domain in
// OPENSEARCH_ENDPOINT and the index in INDEX. A VPC domain needs the account's
// OpenSearch service-linked role (AWSServiceRoleForAmazonOpenSearchService)
// to exist.
//
// The alarms notify Alarms.Topic, or the stack's shared alarm topic
// (alarmtopic.Shared) when none is given (Pipeline.AlarmTopic). The S3
// notification that invokes the indexer is written by the CDK's
// bucket-notifications handler, one per stack: the pipeline records that
// handler's cdk-nag suppressions only when it made it.
//
// Defaults live in defaults.go (withDefaults resolves them once). A field
// set in Props always wins over the default; ExistingBucket replaces the bucket the construct would create, and
// setting it together with Bucket is an error. Every resource made is an
// exported field of Pipeline for escape hatches.
package streampipeline
