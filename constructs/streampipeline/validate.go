package streampipeline

import (
	"regexp"
	"strings"
	"time"

	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

var (
	indexRE        = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,254}$`)
	instanceTypeRE = regexp.MustCompile(`^[a-z0-9]+\.[a-z0-9]+\.search$`)
	roleArnRE      = regexp.MustCompile(`^arn:aws[a-z-]*:iam::\d{12}:(role|user)/.+$`)
)

// Validate reports every invalid prop of a Pipeline that would be created as
// id under scope, without creating anything.
func Validate(scope constructs.Construct, id string, props *Props) error {
	_, err := resolve(scope, id, props)
	return err
}

// resolve applies the defaults (withDefaults) and reports every invalid
// prop at once.
func resolve(scope constructs.Construct, id string, p *Props) (*config, error) {
	v := validate.New("streampipeline", scope, id)
	if p == nil {
		v.Addf("Props", "must not be nil: ProcessorEntry and IndexerEntry are required")
		return nil, v.Err()
	}
	c := withDefaults(p)
	if err := golambda.CheckEntry(p.ProcessorEntry); err != nil {
		v.Addf("ProcessorEntry", "%v", err)
	}
	if err := golambda.CheckEntry(p.IndexerEntry); err != nil {
		v.Addf("IndexerEntry", "%v", err)
	}

	s := p.Stream
	v.Check(s.Shards >= 0 && s.Shards <= 10000, "Stream.Shards", "%d is outside 0 (on-demand)..10000", s.Shards)
	if s.Retention != 0 {
		v.Check(s.Retention >= MinRetention && s.Retention <= MaxRetention && s.Retention%time.Hour == 0, "Stream.Retention",
			"%s is outside Kinesis's range 24h..8760h (whole hours)", s.Retention)
	}

	pr := p.Processing
	if pr.BatchSize != 0 {
		v.Check(pr.BatchSize >= 1 && pr.BatchSize <= MaxBatchSize, "Processing.BatchSize", "%d is outside Kinesis's range 1..%d", pr.BatchSize, MaxBatchSize)
	}
	v.Check(pr.BatchingWindow >= 0 && pr.BatchingWindow <= MaxBatchingWindow && pr.BatchingWindow%time.Second == 0, "Processing.BatchingWindow",
		"%s is outside the range 0..5m (whole seconds)", pr.BatchingWindow)
	if pr.ParallelizationFactor != 0 {
		v.Check(pr.ParallelizationFactor >= 1 && pr.ParallelizationFactor <= MaxParallelization, "Processing.ParallelizationFactor",
			"%d is outside the range 1..%d", pr.ParallelizationFactor, MaxParallelization)
	}
	if pr.MaxRetries != nil {
		v.Check(*pr.MaxRetries >= 0 && *pr.MaxRetries <= MaxRetries, "Processing.MaxRetries", "%d is outside the range 0..%d", *pr.MaxRetries, MaxRetries)
	}
	if pr.MaxRecordAge != 0 {
		v.Check(pr.MaxRecordAge >= MinRecordAge && pr.MaxRecordAge <= MaxRecordAge && pr.MaxRecordAge%time.Second == 0, "Processing.MaxRecordAge",
			"%s is outside the range 1m..168h (whole seconds)", pr.MaxRecordAge)
	}
	checkFunction(v, "Processing", pr.MemoryMB, pr.Timeout)

	if p.Prefix != "" {
		v.Check(strings.HasSuffix(p.Prefix, "/") && !strings.HasPrefix(p.Prefix, "/") && !strings.ContainsAny(p.Prefix, "*?"), "Prefix",
			"%q must end with \"/\" and must not start with \"/\" or hold wildcards", p.Prefix)
	}
	if p.ExistingBucket != nil && p.Bucket.EncryptionKey != nil {
		v.Addf("ExistingBucket", "is set together with Bucket: use one or the other")
	}
	if p.ExistingBucketKey != nil {
		if p.ExistingBucket == nil {
			v.Addf("ExistingBucketKey", "needs ExistingBucket (Bucket.EncryptionKey encrypts a bucket the construct creates)")
		} else if own := p.ExistingBucket.EncryptionKey(); own != nil && *own.KeyArn() != *p.ExistingBucketKey.KeyArn() {
			v.Addf("ExistingBucketKey", "is not the key ExistingBucket is encrypted with: leave it unset to use the bucket's own key")
		}
	}

	ix := p.Indexing
	checkFunction(v, "Indexing", ix.MemoryMB, ix.Timeout)
	if ix.AsyncRetries != nil {
		v.Check(*ix.AsyncRetries >= 0 && *ix.AsyncRetries <= MaxAsyncRetries, "Indexing.AsyncRetries", "%d is outside Lambda's range 0..%d", *ix.AsyncRetries, MaxAsyncRetries)
	}
	if ix.MaxEventAge != 0 {
		v.Check(ix.MaxEventAge >= MinEventAge && ix.MaxEventAge <= MaxEventAge && ix.MaxEventAge%time.Second == 0, "Indexing.MaxEventAge",
			"%s is outside Lambda's range 1m..6h (whole seconds)", ix.MaxEventAge)
	}

	se := p.Search
	v.Check(se.ZoneCount == 0 || se.ZoneCount == 2 || se.ZoneCount == 3, "Search.ZoneCount", "%d is not 2 or 3", se.ZoneCount)
	zones := c.Search.ZoneCount
	if se.DataNodes != 0 {
		v.Check(se.DataNodes > 0 && se.DataNodes%zones == 0, "Search.DataNodes", "%d is not a positive multiple of the %d zones", se.DataNodes, zones)
	}
	if se.MasterNodes != 0 {
		v.Check(se.MasterNodes == 3 || se.MasterNodes == 5, "Search.MasterNodes", "%d is not 3 or 5", se.MasterNodes)
		v.Check(!se.DisableDedicatedMasters, "Search.MasterNodes", "is set together with Search.DisableDedicatedMasters")
	}
	for _, it := range [][2]string{{"Search.DataNodeInstanceType", se.DataNodeInstanceType}, {"Search.MasterNodeInstanceType", se.MasterNodeInstanceType}} {
		if it[1] != "" {
			v.Check(instanceTypeRE.MatchString(it[1]), it[0], "%q is not an OpenSearch instance type such as %q", it[1], DefaultDataNodeInstanceType)
		}
	}
	v.Check(se.VolumeGB == 0 || (se.VolumeGB >= 10 && se.VolumeGB <= 16384), "Search.VolumeGB", "%d is outside the range 10..16384", se.VolumeGB)
	v.Check(se.VpcSubnets == nil || se.Vpc != nil, "Search.VpcSubnets", "needs Search.Vpc")
	if se.MasterUserArn != "" {
		v.Check(roleArnRE.MatchString(se.MasterUserArn), "Search.MasterUserArn", "%q is not an IAM role or user ARN", se.MasterUserArn)
	}
	if se.Index != "" {
		v.Check(indexRE.MatchString(se.Index), "Search.Index", "%q is not a valid OpenSearch index name (lowercase letters, digits, '.', '_', '-')", se.Index)
	}
	v.Check(p.Alarms.IteratorAge >= 0, "Alarms.IteratorAge", "must not be negative")
	return c, v.Err()
}

func checkFunction(v *validate.Problems, prop string, memory int, timeout time.Duration) {
	v.Check(memory == 0 || (memory >= 128 && memory <= 10240), prop+".MemoryMB", "%d is outside Lambda's range 128..10240", memory)
	v.Check(timeout == 0 || (timeout >= time.Second && timeout <= 15*time.Minute), prop+".Timeout", "%s is outside Lambda's range 1s..15m", timeout)
}
