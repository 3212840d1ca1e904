package scaledwebtier

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
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
// Aurora MySQL secondary clusters of stage 5 (write forwarding on): each
// session reads its own forwarded writes. Aurora MySQL forwards no write
// while the parameter is empty, its default.
const WriteForwardingConsistency = "SESSION"

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
