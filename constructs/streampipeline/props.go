package streampipeline

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
)

// Props configures a Pipeline. The zero value of every field is the secure
// default; ProcessorEntry and IndexerEntry are required.
type Props struct {
	// ProcessorEntry names the stream processor's Go main package, by import
	// path (gureum's: "github.com/gureum-cdk/gureum/functions/gameevents/
	// streamprocessor") or directory (see golambda): Kinesis batches in,
	// objects under Prefix out; env BUCKET, PREFIX, and KMS_KEY_ID, the key
	// ARN to request SSE-KMS with, when the bucket is encrypted with a KMS
	// key. Required.
	ProcessorEntry string
	// IndexerEntry names the indexer's Go main package, by import path
	// (gureum's: "github.com/gureum-cdk/gureum/functions/gameevents/indexer")
	// or directory: S3 object-created events in, OpenSearch _bulk requests
	// out; env OPENSEARCH_ENDPOINT, INDEX. Required.
	IndexerEntry string
	// Stream configures the Kinesis data stream.
	Stream Stream
	// Processing configures the processor and its event source mapping.
	Processing Processing
	// Indexing configures the indexer and its asynchronous invocations.
	Indexing Indexing
	// Prefix starts the keys of the aggregate objects: it must end with "/".
	// Default: "aggregates/".
	Prefix string
	// Bucket configures the bucket the construct creates.
	Bucket Bucket
	// ExistingBucket receives the aggregates instead of a new bucket (a data
	// lake's raw zone, for example). The construct grants the processor
	// s3:PutObject and the indexer s3:GetObject under Prefix, and adds the
	// ObjectCreated notification that invokes the indexer. Setting it
	// together with Bucket is an error.
	ExistingBucket awss3.IBucket
	// ExistingBucketKey is the KMS key ExistingBucket is encrypted with
	// (SSE-KMS). The processor then requests SSE-KMS with this key and an S3
	// Bucket Key on every write (as a data lake zone's upload policy
	// requires) and may encrypt with it (kms:GenerateDataKey); the indexer
	// may decrypt with it (kms:Decrypt). Needs ExistingBucket; it must be the
	// bucket's own key when the bucket is one of this app's. Default: the
	// bucket's own key (ExistingBucket.EncryptionKey()), which an imported
	// bucket does not know: give the key for a bucket imported by name or
	// ARN that is encrypted with a customer-managed key.
	ExistingBucketKey awskms.IKey
	// Search configures the OpenSearch domain and its network.
	Search Search
	// LogLevel is the functions' application log level. Default: INFO.
	LogLevel string
	// LogRetention applies to the functions' and the domain's logs.
	// Default: one year.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts every CloudWatch log group the construct creates
	// (the functions' logs, the VPC flow logs and the domain's logs). A key
	// created in the app (awskms.NewKey) gets the key policy statement
	// CloudWatch Logs needs; the owner of an imported key must add it
	// (docs/log-encryption.md). Default: nil (CloudWatch Logs' own encryption).
	LogEncryptionKey awskms.IKey
	// Alarms tunes the alarms and routes their notifications.
	Alarms Alarms
}

// Stream configures the Kinesis data stream.
type Stream struct {
	// Shards switches the stream to provisioned mode with this many shards.
	// Default: 0 (on-demand capacity).
	Shards int
	// Retention is how long records stay in the stream, 24h to 8760h in
	// whole hours. Default: 7 days.
	Retention time.Duration
	// EncryptionKey encrypts the stream with a customer-managed KMS key.
	// Default: KMS with the AWS managed key aws/kinesis.
	EncryptionKey awskms.IKey
}

// Processing configures the stream processor and its event source mapping.
type Processing struct {
	// BatchSize is the most records per invocation, 1 to 10,000. Default: 100.
	BatchSize int
	// BatchingWindow waits to fill a batch, 0 to 300s. Default: 5s.
	BatchingWindow time.Duration
	// ParallelizationFactor is the concurrent batches per shard, 1 to 10.
	// Default: 1.
	ParallelizationFactor int
	// MaxRetries of a failing batch, 0 to 10,000. A pointer because 0 (no
	// retry) differs from the default. Default: nil (3).
	MaxRetries *int
	// MaxRecordAge skips records older than this, 1 minute to 7 days.
	// Default: 1 hour.
	MaxRecordAge time.Duration
	// DisableBisectOnError stops splitting a failing batch in two to isolate
	// the bad record. Default: false (bisect).
	DisableBisectOnError bool
	// MemoryMB and Timeout size the processor. Default: 256 MB, 1 minute.
	MemoryMB int
	Timeout  time.Duration
}

// Indexing configures the indexer and how Lambda retries the S3 events it
// failed on.
type Indexing struct {
	// MemoryMB and Timeout size the indexer. Default: 512 MB, 2 minutes.
	MemoryMB int
	Timeout  time.Duration
	// AsyncRetries is how many times Lambda retries an S3 event the indexer
	// failed on, 0 to 2. A pointer because 0 (no retry) differs from the
	// default. Default: nil (2).
	AsyncRetries *int
	// MaxEventAge sends an S3 event that waited this long in Lambda's queue
	// to the indexer's failure queue, 1 minute to 6 hours (whole seconds).
	// Default: 6 hours.
	MaxEventAge time.Duration
}

// Bucket configures the aggregates bucket the construct creates.
type Bucket struct {
	// EncryptionKey switches the bucket to SSE-KMS with an S3 Bucket Key;
	// the processor requests SSE-KMS with it. Default: SSE-S3.
	EncryptionKey awskms.IKey
}

// Search configures the OpenSearch domain.
type Search struct {
	// Vpc hosts the domain and the indexer. It must reach S3 and X-Ray
	// (NAT or VPC endpoints). Default: a new VPC with private isolated
	// subnets only, an S3 gateway endpoint, an X-Ray interface endpoint and
	// flow logs.
	Vpc awsec2.IVpc
	// VpcSubnets selects the subnets of Vpc; the first ZoneCount are used.
	// Needs Vpc. Default: the VPC's private subnets, one per zone.
	VpcSubnets *awsec2.SubnetSelection
	// ZoneCount is 2 or 3 Availability Zones (zone awareness). Default: 2.
	ZoneCount int
	// DataNodes is a multiple of ZoneCount. Default: ZoneCount.
	DataNodes int
	// DataNodeInstanceType. Default: "r7g.large.search".
	DataNodeInstanceType string
	// MasterNodes is 3 or 5 dedicated master nodes. Default: 3.
	MasterNodes int
	// DisableDedicatedMasters runs without dedicated master nodes (small
	// test domains). Default: false.
	DisableDedicatedMasters bool
	// MasterNodeInstanceType. Default: "m7g.large.search".
	MasterNodeInstanceType string
	// VolumeGB is each data node's gp3 volume size. Default: 100.
	VolumeGB int
	// EncryptionKey encrypts the domain at rest. Default: the AWS managed
	// key for OpenSearch.
	EncryptionKey awskms.IKey
	// MasterUserArn is the fine-grained access control master user. Default:
	// the indexer's role. When set, map the indexer's role (Pipeline.IndexerRole)
	// to an OpenSearch role that may write the index.
	MasterUserArn string
	// Index receives the documents. Default: "game-events".
	Index string
}

// Alarms tunes the pipeline's alarms.
type Alarms struct {
	// Topic receives alarm and recovery notifications. Default: the stack's
	// shared alarm topic (alarmtopic.Shared), encrypted, created once per
	// stack.
	Topic awssns.ITopic
	// IteratorAge is how far behind the stream the processor may fall.
	// Default: 5 minutes.
	IteratorAge time.Duration
}
