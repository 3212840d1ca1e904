package streampipeline

import (
	"cmp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Every default of Pipeline, in one place.
const (
	// DefaultRetention keeps records in the stream for a week, so a batch
	// that failed for good can be replayed from the stream.
	DefaultRetention = 7 * 24 * time.Hour
	// DefaultBatchSize, DefaultBatchingWindow and DefaultParallelization
	// shape the processor's Kinesis event source mapping.
	DefaultBatchSize       = 100
	DefaultBatchingWindow  = 5 * time.Second
	DefaultParallelization = 1
	// DefaultMaxRetries and DefaultMaxRecordAge bound the retries of a
	// failing batch before its metadata goes to the on-failure queue.
	DefaultMaxRetries   = 3
	DefaultMaxRecordAge = time.Hour
	// DefaultPrefix starts the keys of the aggregate objects; the indexer is
	// notified of objects created under it.
	DefaultPrefix = "aggregates/"
	// DefaultIndex receives the indexed documents.
	DefaultIndex = "game-events"
	// DefaultProcessorMemoryMB, DefaultProcessorTimeout,
	// DefaultIndexerMemoryMB and DefaultIndexerTimeout size the functions.
	DefaultProcessorMemoryMB = 256
	DefaultProcessorTimeout  = time.Minute
	DefaultIndexerMemoryMB   = 512
	DefaultIndexerTimeout    = 2 * time.Minute
	// DefaultIndexerAsyncRetries and DefaultIndexerMaxEventAge bound how
	// Lambda retries an S3 event the indexer failed on before the event goes
	// to the indexer's failure queue.
	DefaultIndexerAsyncRetries = 2
	DefaultIndexerMaxEventAge  = 6 * time.Hour
	// DefaultZoneCount spreads the domain and its VPC over two Availability
	// Zones (three need a stack with an explicit region).
	DefaultZoneCount = 2
	// DefaultDataNodeInstanceType and DefaultMasterNodeInstanceType are
	// Graviton instance types.
	DefaultDataNodeInstanceType   = "r7g.large.search"
	DefaultMasterNodeInstanceType = "m7g.large.search"
	// DefaultMasterNodes is the number of dedicated master nodes.
	DefaultMasterNodes = 3
	// DefaultVolumeGB is each data node's gp3 volume.
	DefaultVolumeGB = 100
	// DefaultIteratorAge raises the iterator-age alarm: the processor is
	// this far behind the stream.
	DefaultIteratorAge = 5 * time.Minute
)

// DefaultLogRetention applies to the functions' and the domain's logs.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// Limits of Kinesis event source mappings.
const (
	MaxBatchSize       = 10000
	MaxBatchingWindow  = 300 * time.Second
	MaxParallelization = 10
	MaxRetries         = 10000
	MinRecordAge       = time.Minute
	MaxRecordAge       = 7 * 24 * time.Hour
	MinRetention       = 24 * time.Hour
	MaxRetention       = 365 * 24 * time.Hour
)

// Limits of Lambda's asynchronous invocation configuration.
const (
	MaxAsyncRetries = 2
	MinEventAge     = time.Minute
	MaxEventAge     = 6 * time.Hour
)

// config is Props with every default applied: withDefaults makes it once,
// and validation and the builders read it.
type config struct {
	Props
	// maxRetries and asyncRetries are Processing.MaxRetries and
	// Indexing.AsyncRetries, or their defaults.
	maxRetries, asyncRetries int
}

// withDefaults resolves every default of p.
func withDefaults(p *Props) *config {
	c := &config{Props: *p, maxRetries: DefaultMaxRetries, asyncRetries: DefaultIndexerAsyncRetries}
	c.Prefix = cmp.Or(c.Prefix, DefaultPrefix)
	c.LogRetention = cmp.Or(c.LogRetention, DefaultLogRetention)
	c.Stream.Retention = cmp.Or(c.Stream.Retention, DefaultRetention)
	pr := &c.Processing
	pr.BatchSize = cmp.Or(pr.BatchSize, DefaultBatchSize)
	pr.BatchingWindow = cmp.Or(pr.BatchingWindow, DefaultBatchingWindow)
	pr.ParallelizationFactor = cmp.Or(pr.ParallelizationFactor, DefaultParallelization)
	if pr.MaxRetries != nil {
		c.maxRetries = *pr.MaxRetries
	}
	pr.MaxRecordAge = cmp.Or(pr.MaxRecordAge, DefaultMaxRecordAge)
	pr.MemoryMB = cmp.Or(pr.MemoryMB, DefaultProcessorMemoryMB)
	pr.Timeout = cmp.Or(pr.Timeout, DefaultProcessorTimeout)
	ix := &c.Indexing
	ix.MemoryMB = cmp.Or(ix.MemoryMB, DefaultIndexerMemoryMB)
	ix.Timeout = cmp.Or(ix.Timeout, DefaultIndexerTimeout)
	if ix.AsyncRetries != nil {
		c.asyncRetries = *ix.AsyncRetries
	}
	ix.MaxEventAge = cmp.Or(ix.MaxEventAge, DefaultIndexerMaxEventAge)
	se := &c.Search
	se.ZoneCount = cmp.Or(se.ZoneCount, DefaultZoneCount)
	se.DataNodes = cmp.Or(se.DataNodes, se.ZoneCount)
	se.DataNodeInstanceType = cmp.Or(se.DataNodeInstanceType, DefaultDataNodeInstanceType)
	if !se.DisableDedicatedMasters {
		se.MasterNodes = cmp.Or(se.MasterNodes, DefaultMasterNodes)
		se.MasterNodeInstanceType = cmp.Or(se.MasterNodeInstanceType, DefaultMasterNodeInstanceType)
	}
	se.VolumeGB = cmp.Or(se.VolumeGB, DefaultVolumeGB)
	se.Index = cmp.Or(se.Index, DefaultIndex)
	c.Alarms.IteratorAge = cmp.Or(c.Alarms.IteratorAge, DefaultIteratorAge)
	return c
}
