package datalake

import (
	"cmp"
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

// Defaults of declared tables and their promotion.
const (
	// DefaultRawFormat is the format of a RawTable's objects.
	DefaultRawFormat = "JSON"
	// DefaultCuratedZone holds a Table when the lake has it and Table.Zone
	// is empty; otherwise the last zone does.
	DefaultCuratedZone = "curated"
	// IcebergPrefix starts the key prefix of every Iceberg table
	// ("iceberg/<name>/"); the crawlers skip it.
	IcebergPrefix = "iceberg/"
	// DefaultPromotionSchedule runs each promotion hourly, 20 minutes past
	// (after Firehose's 5-minute buffers of the hour before have landed).
	DefaultPromotionSchedule = "cron(20 * * * ? *)"
	// DefaultLookbackDays is how many days before its own a promotion run
	// merges again.
	DefaultLookbackDays = 1
	// DefaultPromotionMaxEventAge is how long Scheduler retries starting a
	// run.
	DefaultPromotionMaxEventAge = time.Hour
	// PromotionRetries is how many times Scheduler retries starting a run.
	PromotionRetries = 5
	// PromotionTimeout bounds one run of a promotion state machine.
	PromotionTimeout = 6 * time.Hour
	// DefaultPromotionEntry is the handler that plans a run's partitions.
	DefaultPromotionEntry = "github.com/gureum-cdk/gureum/functions/lakepromote/partitions"
)

// DefaultTimestampFormats parse a RawTable's JSON timestamps: RFC 3339 with
// or without milliseconds ("Z" or an offset), and Unix milliseconds.
var DefaultTimestampFormats = []string{"yyyy-MM-dd'T'HH:mm:ss.SSSZZ", "yyyy-MM-dd'T'HH:mm:ssZZ", "millis"}

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

// config is Props with every default applied: withDefaults makes it once,
// and validation and the builders read it. Every zone's Lifecycle is set:
// its own or Props.Lifecycle, with the defaults applied.
type config struct {
	Props
}

// withDefaults resolves every default of p (nil for all of them) but
// DatabasePrefix, whose default derives from the construct's path.
func withDefaults(p *Props) *config {
	c := &config{}
	if p != nil {
		c.Props = *p
	}
	if len(c.Zones) == 0 {
		for _, name := range DefaultZones {
			c.Zones = append(c.Zones, Zone{Name: name})
		}
	} else {
		c.Zones = append([]Zone(nil), c.Zones...)
	}
	c.Lifecycle = c.Lifecycle.withDefaults()
	for i := range c.Zones {
		l := c.Lifecycle
		if own := c.Zones[i].Lifecycle; own != nil {
			l = own.withDefaults()
		}
		c.Zones[i].Lifecycle = &l
	}
	if !c.Crawlers.OnDemand {
		c.Crawlers.Schedule = cmp.Or(c.Crawlers.Schedule, DefaultCrawlerSchedule)
	}
	c.Query.BytesScannedCutoffPerQuery = cmp.Or(c.Query.BytesScannedCutoffPerQuery, DefaultBytesScannedCutoffPerQuery)
	c.Query.ResultsExpiryDays = cmp.Or(c.Query.ResultsExpiryDays, DefaultResultsExpiryDays)
	if in := &c.Ingestion; !in.Disable {
		in.Zone = cmp.Or(in.Zone, c.Zones[0].Name)
		in.Prefix = cmp.Or(in.Prefix, DefaultIngestionPrefix)
		in.BufferInterval = cmp.Or(in.BufferInterval, DefaultBufferInterval)
		in.BufferSizeMiB = cmp.Or(in.BufferSizeMiB, DefaultBufferSizeMiB)
		in.LogRetention = cmp.Or(in.LogRetention, DefaultLogRetention)
	}
	c.RawTables = append([]RawTable(nil), c.RawTables...)
	for i := range c.RawTables {
		r := &c.RawTables[i]
		r.Zone = cmp.Or(r.Zone, c.Zones[0].Name)
		r.Prefix = cmp.Or(r.Prefix, r.Name+"/")
		r.Format = cmp.Or(r.Format, DefaultRawFormat)
		if len(r.TimestampFormats) == 0 {
			r.TimestampFormats = DefaultTimestampFormats
		}
	}
	if in := &c.Ingestion; !in.Disable && in.Table != "" {
		for _, r := range c.RawTables {
			if r.Name == in.Table {
				in.Zone, in.Prefix = r.Zone, r.Prefix
			}
		}
	}
	curated := c.Zones[len(c.Zones)-1].Name
	for _, z := range c.Zones {
		if z.Name == DefaultCuratedZone {
			curated = z.Name
		}
	}
	c.Tables = append([]Table(nil), c.Tables...)
	for i := range c.Tables {
		t := &c.Tables[i]
		t.Zone = cmp.Or(t.Zone, curated)
		t.Columns = append([]Column(nil), t.Columns...)
		for j := range t.Columns {
			t.Columns[j].From = cmp.Or(t.Columns[j].From, t.Columns[j].Name)
		}
		t.Partitions = append([]PartitionField(nil), t.Partitions...)
		for j := range t.Partitions {
			t.Partitions[j].Transform = cmp.Or(t.Partitions[j].Transform, "identity")
		}
		if pr := t.Promotion; pr != nil {
			resolved := *pr
			resolved.Schedule = cmp.Or(resolved.Schedule, DefaultPromotionSchedule)
			resolved.LookbackDays = cmp.Or(resolved.LookbackDays, DefaultLookbackDays)
			resolved.MaxEventAge = cmp.Or(resolved.MaxEventAge, DefaultPromotionMaxEventAge)
			resolved.PlannerEntry = cmp.Or(resolved.PlannerEntry, DefaultPromotionEntry)
			t.Promotion = &resolved
		}
	}
	if lf := c.LakeFormation; lf != nil {
		resolved := *lf
		resolved.Grants = make([]LakeFormationGrant, len(lf.Grants))
		for i, g := range lf.Grants {
			if len(g.DatabasePermissions) == 0 {
				g.DatabasePermissions = DefaultDatabasePermissions
			}
			if len(g.TablePermissions) == 0 {
				g.TablePermissions = DefaultTablePermissions
			}
			resolved.Grants[i] = g
		}
		c.LakeFormation = &resolved
	}
	return c
}

// withDefaults is l with its defaults applied: the Intelligent-Tiering
// transition (unless disabled) and the noncurrent-version expiry.
func (l Lifecycle) withDefaults() Lifecycle {
	if !l.DisableIntelligentTiering {
		l.IntelligentTieringAfterDays = cmp.Or(l.IntelligentTieringAfterDays, DefaultIntelligentTieringAfterDays)
	}
	l.NoncurrentVersionExpiryDays = cmp.Or(l.NoncurrentVersionExpiryDays, DefaultNoncurrentVersionExpiryDays)
	return l
}
