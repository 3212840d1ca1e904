package scaledwebtier

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
)

// Every default of ScaledWebTier, in one place.
const (
	// DefaultInstanceType runs the single server of stages 1 and 2 (the
	// smallest Graviton instance: vertical scaling is InstanceType).
	DefaultInstanceType = "t4g.nano"
	// DefaultFleetInstanceType runs each server of the Auto Scaling group
	// from stage 3.
	DefaultFleetInstanceType = "t4g.small"
	// DefaultVolumeGiB is the encrypted gp3 root volume of every server.
	DefaultVolumeGiB = 8
	// DefaultCidr is the VPC's address range.
	DefaultCidr = "10.0.0.0/16"
	// DefaultAvailabilityZones is how many AZs the VPC spans from stage 2
	// (stage 1 uses one). The database subnet group needs two.
	DefaultAvailabilityZones = 2

	// DefaultMinCapacity and the maximum capacities size the Auto Scaling
	// group: stage 3 keeps two servers (one per AZ) and replaces unhealthy
	// ones; stage 4 scales out to DefaultElasticMaxCapacity.
	DefaultMinCapacity        = 2
	DefaultMaxCapacity        = 4
	DefaultElasticMaxCapacity = 20
	// DefaultTargetCPUPercent is the average CPU the stage-4 CPU policy
	// keeps the group at.
	DefaultTargetCPUPercent = 50
	// DefaultRequestsPerTarget is the ALB requests per target per minute the
	// stage-4 request-count policy keeps the group at.
	DefaultRequestsPerTarget = 1000
	// DefaultHealthCheckPath is the web app's health endpoint, checked by
	// the load balancer (stage 3 and above) and Route 53 (stage 5).
	DefaultHealthCheckPath = "/healthz"
	// DefaultAppPort is the port the app listens on behind the load balancer
	// (stage 3 and above); the single server of stages 1 and 2 listens on
	// SingleServerPort directly.
	DefaultAppPort = 8080
	// SingleServerPort is the port the single server of stages 1 and 2
	// serves HTTP on, from the internet.
	SingleServerPort = 80
	// DefaultAccessLogExpiry is how long load balancer (stage 3 and above)
	// and CloudFront (stage 4 and above) access logs are kept.
	DefaultAccessLogExpiry = 365 * 24 * time.Hour

	// DefaultDatabaseMinACU and DefaultDatabaseMaxACU bound Aurora
	// Serverless v2 capacity per instance.
	DefaultDatabaseMinACU = 0.5
	DefaultDatabaseMaxACU = 16
	// DefaultElasticReaders is the number of Aurora readers at stages 4 and
	// 5 (stage 3 has one, in another AZ, for failover).
	DefaultElasticReaders = 2
	// DefaultBackupRetention keeps automated database backups (Aurora
	// allows 1 to 35 days).
	DefaultBackupRetention = 14 * 24 * time.Hour
	// DefaultSecretRotation rotates the database master password.
	DefaultSecretRotation = 30 * 24 * time.Hour
	// DatabaseUser is the generated master user.
	DatabaseUser = "gureum"

	// DefaultSessionTTL is how long a session lives after its last write.
	DefaultSessionTTL = 24 * time.Hour
	// DefaultCacheNodeType sizes each ElastiCache node when sessions are in
	// Valkey.
	DefaultCacheNodeType = "cache.t4g.micro"
	// DefaultCacheNodes is the number of Valkey nodes: a primary and a
	// replica in another AZ, the least that Multi-AZ failover needs.
	DefaultCacheNodes = 2
	// DefaultCacheSnapshotRetention keeps the Valkey daily snapshots.
	DefaultCacheSnapshotRetention = 7 * 24 * time.Hour
	// CachePort is the Valkey port (not the well-known 6379).
	CachePort = 6380
	// DefaultStickySessionDuration is the load balancer cookie lifetime when
	// sticky sessions are on.
	DefaultStickySessionDuration = 24 * time.Hour

	// DefaultMaxReaders is the most Aurora readers replica auto scaling
	// adds up to from stage 4 (Database.ReaderScaling).
	DefaultMaxReaders = 5
	// DefaultReaderCPUTarget and DefaultReaderConnectionsTarget are the
	// targets of reader auto scaling on CPU (percent) and on connections
	// (per reader).
	DefaultReaderCPUTarget         = 60
	DefaultReaderConnectionsTarget = 300
	// DefaultMonitoringInterval is the enhanced monitoring granularity of
	// the Aurora instances.
	DefaultMonitoringInterval = time.Minute
	// ProxyMaxConnectionsPercent is the share of the cluster's
	// max_connections RDS Proxy may open: the rest is kept for the secret
	// rotation function, operators and, on a stage-5 secondary, write
	// forwarding (aurora_fwd_writer_max_connections_pct, 10% by default).
	ProxyMaxConnectionsPercent = 90
	// RDSCABundleFile is where the servers keep the RDS CA bundle that a
	// direct connection to Aurora verifies the cluster's certificate
	// against (DB_TLS_CA_FILE). The proxy's certificates are ACM's, which
	// the system roots verify.
	RDSCABundleFile = "/etc/gureum/rds-ca-bundle.pem"
	// RDSCABundleURL is where the user data downloads the bundle.
	RDSCABundleURL = "https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem"
	// OriginVerifyHeader is the header CloudFront adds to every request to
	// the load balancer with CDN.Dynamic; the listener forwards only
	// requests that carry the secret value.
	OriginVerifyHeader = "X-Gureum-Origin-Verify"
	// CloudFrontOriginFacingPrefixList names the managed prefix list of
	// CloudFront's origin-facing addresses.
	CloudFrontOriginFacingPrefixList = "com.amazonaws.global.cloudfront.origin-facing"
	// LaunchHookName is the lifecycle hook that holds a new server of a
	// group with a warm pool until its user data completes the action.
	LaunchHookName = "gureum-app-installed"

	// Alarm thresholds.
	DefaultAlarmCPUPercent       = 80
	DefaultAlarm5xxPer5Min       = 10
	DefaultAlarmDBConnections    = 400
	DefaultAlarmReplicaLagMillis = 1000
	DefaultAlarmGlobalLagMillis  = 5000
	DefaultAlarmCacheCPUPercent  = 80
)

// DefaultLogRetention applies to VPC flow logs and the database logs.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// The engine versions pin the database engines (Aurora Global Database
// needs the same version in every region). Both Aurora versions run
// Serverless v2 and support global write forwarding (Aurora PostgreSQL 16:
// every minor version; Aurora MySQL: 2.08.1 and later).
const (
	DefaultAuroraPostgresVersion = "16.8"
	DefaultAuroraMySQLVersion    = "8.0.mysql_aurora.3.08.2"
	valkeyVersion                = "8.0"
)

// WriteForwardingConsistency is aurora_replica_read_consistency on the
// Aurora MySQL secondary clusters of stage 5 (write forwarding on) that the
// servers reach directly: each session reads its own forwarded writes.
// Aurora MySQL forwards no write while the parameter is empty, its default.
const WriteForwardingConsistency = "SESSION"

// ProxyWriteForwardingConsistency is aurora_replica_read_consistency on an
// Aurora MySQL secondary behind RDS Proxy (stage 5 with the proxy): RDS
// Proxy does not support SESSION with write forwarding (Aurora User Guide,
// "Using RDS Proxy with Aurora global databases"), so every statement reads
// what was committed before it started, in every region, own writes
// included. The cluster's parameter group sets it, and so does the proxy's
// initialization query for each connection it opens: a SET from the app
// would pin its connection to one database connection.
const ProxyWriteForwardingConsistency = "GLOBAL"

// DefaultRouting is Route 53's routing policy at stage 5.
const DefaultRouting = LatencyRouting

// stageNames label the stages in APP_STAGE, descriptions and dashboards.
var stageNames = map[Stage]string{
	SingleServer:    "single-server",
	SplitDatabase:   "split-database",
	HighlyAvailable: "highly-available",
	Elastic:         "elastic",
	Global:          "global",
}

// config is Props with every default of the stage applied, and what follows
// from it. withDefaults makes it once per construct; validation and every
// builder read it, so each default is resolved in this file only. Fields
// that do not apply at the stage keep their Props value (zero).
type config struct {
	Props
	// region is the stack's region, "" when it is not a concrete one.
	region string
	// primary is false for a stage-5 tier outside PrimaryRegion.
	primary bool
	// sticky is StickySessions or the stage's default (stage 3 and above).
	sticky bool
	// replicas are the stage-5 regions other than PrimaryRegion.
	replicas []string
	// staticErr says why the default StaticDir could not be found (stage 4
	// and above).
	staticErr error
	// globalLag raises the global replication lag alarm of a stage-5
	// secondary: five times Alarms.ReplicaLag.
	globalLag time.Duration
	// aurora is an Aurora engine from stage 2.
	aurora bool
	// proxy puts RDS Proxy in front of Aurora (stage 4 and above).
	proxy bool
	// key is whether the tier has a KMS key of its own (or ExistingKey):
	// Aurora from stage 2, the static bucket from stage 4.
	key bool
	// waf is the load balancer's new web ACL (stage 3 and above, neither
	// disabled nor existing); cdnWAF the distribution's, made in a
	// us-east-1 stack without CDN.WebACLArn.
	waf, cdnWAF bool
	// onDemandBase is Capacity.Spot's on-demand base.
	onDemandBase int
}

// withDefaults resolves every default of p, a Props whose Stage is valid,
// for a tier created as id under scope (nil in a scope-free Validate).
func withDefaults(scope constructs.Construct, id string, p *Props) *config {
	c := &config{Props: *p, primary: true}
	s := p.Stage
	if scope != nil {
		if r := awscdk.Stack_Of(scope).Region(); r != nil && !*awscdk.Token_IsUnresolved(r) {
			c.region = *r
		}
		if c.Name == "" && s < Global {
			c.Name = defaultName(scope, id)
		}
	}
	c.InstanceType = cmp.Or(p.InstanceType, DefaultInstanceType)
	if s >= HighlyAvailable {
		c.InstanceType = cmp.Or(p.InstanceType, DefaultFleetInstanceType)
	}
	c.VolumeGiB = cmp.Or(p.VolumeGiB, DefaultVolumeGiB)
	c.LogRetention = cmp.Or(p.LogRetention, DefaultLogRetention)

	n := &c.Network
	if n.ExistingVpc == nil {
		n.Cidr = cmp.Or(n.Cidr, DefaultCidr)
		azs := DefaultAvailabilityZones
		if s == SingleServer {
			azs = 1
		}
		n.AvailabilityZones = cmp.Or(n.AvailabilityZones, azs)
	}

	if s >= HighlyAvailable {
		c.AppPort = cmp.Or(p.AppPort, DefaultAppPort)
		c.HealthCheckPath = cmp.Or(p.HealthCheckPath, DefaultHealthCheckPath)
		c.AccessLogExpiry = cmp.Or(p.AccessLogExpiry, DefaultAccessLogExpiry)
		// Sessions live in each server's memory at stage 3 only.
		c.sticky = s == HighlyAvailable
		if p.StickySessions != nil {
			c.sticky = *p.StickySessions
		}
		c.StickySessionDuration = cmp.Or(p.StickySessionDuration, DefaultStickySessionDuration)
		k := &c.Capacity
		k.Min = cmp.Or(k.Min, DefaultMinCapacity)
		if k.Max == 0 {
			k.Max = DefaultMaxCapacity
			if s >= Elastic {
				k.Max = DefaultElasticMaxCapacity
			}
			k.Max = max(k.Max, k.Min)
		}
		if s >= Elastic {
			k.TargetCPUPercent = cmp.Or(k.TargetCPUPercent, DefaultTargetCPUPercent)
			k.RequestsPerTarget = cmp.Or(k.RequestsPerTarget, DefaultRequestsPerTarget)
		}
		if k.Spot != nil {
			c.onDemandBase = k.Min
			if k.Spot.OnDemandBase != nil {
				c.onDemandBase = *k.Spot.OnDemandBase
			}
		}
		if w := k.WarmPool; w != nil {
			wp := *w
			wp.State = cmp.Or(wp.State, WarmStopped)
			wp.MaxPreparedCapacity = cmp.Or(wp.MaxPreparedCapacity, k.Max)
			k.WarmPool = &wp
		}
		if k.Updates == "" {
			k.Updates = RollingUpdate
			if k.WarmPool != nil {
				k.Updates = InstanceRefresh
			}
		}
		c.waf = !c.WAF.Disable && c.WAF.ExistingWebACLArn == ""
	}

	if s >= SplitDatabase {
		d := &c.Database
		d.Engine = cmp.Or(d.Engine, AuroraPostgres)
		if d.Engine != DynamoDB {
			version := DefaultAuroraPostgresVersion
			if d.Engine == AuroraMySQL {
				version = DefaultAuroraMySQLVersion
			}
			d.EngineVersion = cmp.Or(d.EngineVersion, version)
			d.MinACU = cmp.Or(d.MinACU, DefaultDatabaseMinACU)
			d.MaxACU = cmp.Or(d.MaxACU, DefaultDatabaseMaxACU)
			d.BackupRetention = cmp.Or(d.BackupRetention, DefaultBackupRetention)
			d.SecretRotation = cmp.Or(d.SecretRotation, DefaultSecretRotation)
			if d.Readers == 0 && s == HighlyAvailable {
				d.Readers = 1 // in another AZ, for failover
			}
			if d.Readers == 0 && s >= Elastic {
				d.Readers = DefaultElasticReaders
			}
			c.aurora = true
			c.proxy = s >= Elastic && !d.DisableProxy
			if !d.DisableEnhancedMonitoring {
				d.MonitoringInterval = cmp.Or(d.MonitoringInterval, DefaultMonitoringInterval)
			}
			if r := &d.ReaderScaling; s >= Elastic && !r.Disable {
				r.MaxReaders = cmp.Or(r.MaxReaders, max(DefaultMaxReaders, d.Readers))
				r.Metric = cmp.Or(r.Metric, ReaderCPU)
				target := float64(DefaultReaderCPUTarget)
				if r.Metric == ReaderConnections {
					target = DefaultReaderConnectionsTarget
				}
				r.Target = cmp.Or(r.Target, target)
			}
		}
	}
	c.key = c.aurora || s >= Elastic

	if s >= Elastic {
		ss := &c.Sessions
		ss.Store = cmp.Or(ss.Store, SessionsDynamoDB)
		ss.TTL = cmp.Or(ss.TTL, DefaultSessionTTL)
		if ss.Store == SessionsValkey {
			ss.CacheNodeType = cmp.Or(ss.CacheNodeType, DefaultCacheNodeType)
			ss.CacheNodes = cmp.Or(ss.CacheNodes, DefaultCacheNodes)
			ss.CacheSnapshotRetention = cmp.Or(ss.CacheSnapshotRetention, DefaultCacheSnapshotRetention)
		}
		if c.StaticDir == "" {
			c.StaticDir, c.staticErr = defaultStaticDir(p.Entry)
		}
		c.cdnWAF = c.CDN.NewWebACL
	}

	if s == Global {
		c.Routing = cmp.Or(c.Routing, DefaultRouting)
		c.primary = c.region == c.PrimaryRegion
		for _, r := range c.Regions {
			if r != c.PrimaryRegion {
				c.replicas = append(c.replicas, r)
			}
		}
	}

	a := &c.Alarms
	a.CPUPercent = cmp.Or(a.CPUPercent, DefaultAlarmCPUPercent)
	a.ServerErrors = cmp.Or(a.ServerErrors, DefaultAlarm5xxPer5Min)
	a.DatabaseConnections = cmp.Or(a.DatabaseConnections, DefaultAlarmDBConnections)
	a.CacheCPUPercent = cmp.Or(a.CacheCPUPercent, DefaultAlarmCacheCPUPercent)
	c.globalLag = DefaultAlarmGlobalLagMillis * time.Millisecond
	if a.ReplicaLag > 0 {
		c.globalLag = 5 * a.ReplicaLag
	}
	a.ReplicaLag = cmp.Or(a.ReplicaLag, DefaultAlarmReplicaLagMillis*time.Millisecond)
	return c
}

// defaultName is Name's default at stages 1-4: the stack's name and the
// construct's path in it, lower case, with a hash of both, at most 40
// characters. Stack names are unique per account and region, so two tiers
// never derive the same name, whatever their construct ids; the name stays
// the same while the stack and the path do.
func defaultName(scope constructs.Construct, id string) string {
	stack := awscdk.Stack_Of(scope)
	stackName := *stack.StackName()
	if *awscdk.Token_IsUnresolved(stack.StackName()) {
		stackName = *stack.Node().Path()
	}
	rel := id
	if scopePath, stackPath := *scope.Node().Path(), *stack.Node().Path(); scopePath != stackPath {
		rel = strings.TrimPrefix(scopePath, stackPath+"/") + "/" + id
	}
	sum := sha256.Sum256([]byte(stackName + "/" + rel))
	hash := hex.EncodeToString(sum[:4])

	var b strings.Builder
	hyphen := false
	for _, r := range strings.ToLower(stackName + "-" + rel) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			hyphen = false
		} else if !hyphen && b.Len() > 0 {
			b.WriteByte('-')
			hyphen = true
		}
	}
	human := strings.TrimSuffix(b.String(), "-")
	switch {
	case human == "":
		human = "web"
	case human[0] < 'a' || human[0] > 'z':
		human = "web-" + human
	}
	const maxHuman = 40 - 1 - 8 // "-" and the hash
	if len(human) > maxHuman {
		human = strings.TrimSuffix(human[:maxHuman], "-")
	}
	return human + "-" + hash
}
