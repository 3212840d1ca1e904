package scaledwebtier

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
)

// Stage is a step on the growth path from one user to ten million. Each
// stage keeps everything stateful of the stage before it, under the same
// construct paths, and adds to it.
type Stage int

const (
	// SingleServer (~1 user): one Graviton instance with an Elastic IP that
	// serves HTTP on port 80, sessions in memory.
	SingleServer Stage = 1
	// SplitDatabase (>1 user): the database moves to Aurora (or DynamoDB) in
	// isolated subnets; the web server stays single.
	SplitDatabase Stage = 2
	// HighlyAvailable (>1,000 users): an HTTPS load balancer across two AZs
	// in front of an Auto Scaling group of at least two servers, and an
	// Aurora reader in another AZ for automatic failover.
	HighlyAvailable Stage = 3
	// Elastic (>100,000 users): target-tracking scaling, static content on
	// S3 behind CloudFront, sessions in DynamoDB or ElastiCache, more Aurora
	// readers.
	Elastic Stage = 4
	// Global (10 million users): the elastic tier in two or more regions
	// with latency (or failover) routing, a DynamoDB global table for
	// sessions and an Aurora Global Database whose secondary clusters forward
	// writes to the primary.
	Global Stage = 5
)

// String names the stage.
func (s Stage) String() string {
	if n, ok := stageNames[s]; ok {
		return n
	}
	return "unknown"
}

// DatabaseEngine is where the app's data lives from stage 2.
type DatabaseEngine string

const (
	// AuroraPostgres is Aurora PostgreSQL Serverless v2 (the default).
	AuroraPostgres DatabaseEngine = "aurora-postgresql"
	// AuroraMySQL is Aurora MySQL Serverless v2.
	AuroraMySQL DatabaseEngine = "aurora-mysql"
	// DynamoDB is an on-demand DynamoDB table (TableV2).
	DynamoDB DatabaseEngine = "dynamodb"
)

// SessionStore is where sessions live from stage 4.
type SessionStore string

const (
	// SessionsDynamoDB is a DynamoDB table with key "id" and TTL on
	// "expiresAt" (the default, and the only choice at stage 5, where it
	// becomes a global table).
	SessionsDynamoDB SessionStore = "dynamodb"
	// SessionsValkey is an ElastiCache for Valkey replication group
	// (Multi-AZ, encrypted in transit and at rest, AUTH token).
	SessionsValkey SessionStore = "valkey"
)

// Routing is how Route 53 chooses a region at stage 5.
type Routing string

const (
	// LatencyRouting answers each client with the healthy region of lowest
	// latency (the default): every region serves traffic.
	LatencyRouting Routing = "latency"
	// FailoverRouting answers with PrimaryRegion while its health check
	// passes and with the other region when it fails (active-passive):
	// PrimaryRegion's record is PRIMARY, the other's SECONDARY. Route 53
	// holds one PRIMARY and one SECONDARY record per name, so Regions must
	// list exactly two regions.
	FailoverRouting Routing = "failover"
)

// Props configures a ScaledWebTier. Stage and Entry are required; the zero
// value of every other field is the secure default for the stage.
type Props struct {
	// Stage is the step on the growth path (1-5). Changing it is how the
	// tier grows: stateful resources keep their construct paths and logical
	// IDs from one stage to the next. Required.
	Stage Stage
	// Entry names the web server's Go main package, compiled at synth time
	// for linux/arm64 and shipped as an S3 asset: its Go import path
	// ("github.com/gureum-cdk/gureum/functions/webapp/server" for gureum's
	// own server), which builds from any app whose module requires the
	// package's module, or its directory, relative to the app's working
	// directory (see golambda). Required.
	Entry string
	// StaticDir is the directory of the files served under /static/,
	// deployed to the static bucket behind CloudFront from stage 4 (an
	// error before). Default: the "static" directory beside the directory of
	// Entry's package, found through the import path as Entry is: for
	// gureum's server, functions/webapp/static of the gureum module (in the
	// module cache, or a replace directive's directory).
	StaticDir string
	// Name prefixes the physical names that must stay fixed for the life of
	// the tier and be found from every region at stage 5: the database
	// secret and cluster identifier, the data and sessions tables, the
	// global database. 2-40 lower-case letters, digits and hyphens,
	// starting with a letter. Changing it replaces those resources. Default
	// at stages 1-4: the stack's name and the construct's path in it with a
	// hash (e.g. "myapp-web-1f2e3d4c"), unique per account and region and
	// valid for any construct id. Required at stage 5, where the stacks of
	// every region must make the same names; to grow a tier that was built
	// with the default, set it to that default (the error says which).
	Name string

	// InstanceType is the Graviton instance type of the web servers
	// (vertical scaling). Default: t4g.nano at stages 1-2, t4g.small from
	// stage 3.
	InstanceType string
	// VolumeGiB is each server's encrypted gp3 root volume. Default: 8.
	VolumeGiB int
	// AppPort is the port the app listens on behind the load balancer
	// (stage 3 and above; the single server of stages 1-2 serves port 80).
	// Default: 8080.
	AppPort int
	// HealthCheckPath is the app's health endpoint, which must answer 200:
	// the load balancer checks it (stage 3 and above) and so does Route 53
	// (stage 5). Default: "/healthz".
	HealthCheckPath string

	// Domain serves the tier under a DNS name in a Route 53 hosted zone. At
	// stages 1-2 it adds an A record to the Elastic IP; from stage 3 it is
	// required: the load balancer serves HTTPS with an ACM certificate
	// validated in DNS. Default: nil.
	Domain *Domain

	// Network configures the VPC.
	Network Network
	// Capacity sizes the Auto Scaling group (stage 3 and above).
	Capacity Capacity
	// Database configures the database (stage 2 and above).
	Database Database
	// Sessions configures the session store (stage 4 and above; memory
	// before).
	Sessions Sessions
	// StickySessions pins each client to one server with a load balancer
	// cookie. Default (nil): on at stage 3, where sessions live in each
	// server's memory; off from stage 4, where sessions are shared.
	StickySessions *bool
	// StickySessionDuration is the load balancer cookie's lifetime when
	// sticky sessions are on (1s to 7 days). Default: 24h.
	StickySessionDuration time.Duration
	// CDN configures CloudFront for static content (stage 4 and above) and,
	// with CDN.Dynamic, in front of the whole tier.
	CDN CDN
	// WAF configures the web ACL of the internet-facing load balancer
	// (stage 3 and above).
	WAF WAF
	// DisableLoadBalancerDeletionProtection lets CloudFormation (or anyone)
	// delete the load balancer, whose DNS name the domain's record and
	// every client resolve to. Default: false (deletion protection on from
	// stage 3).
	DisableLoadBalancerDeletionProtection bool
	// ExistingKey encrypts the tier's data instead of a new key: the
	// database secret, Performance Insights and the static bucket. A key of
	// this app gets the statements the tier needs (CloudFront reading the
	// static bucket, Secrets Manager); an imported key's policy cannot be
	// changed and must already admit them. Default: nil (a new key with
	// yearly rotation, retained, from stage 2 with Aurora and from stage 4).
	ExistingKey awskms.IKey

	// Regions lists the regions of the global tier (stage 5 only; at least
	// two). The stack's region must be one of them.
	Regions []string
	// PrimaryRegion holds the writer of the Aurora Global Database and the
	// source of the sessions global table (stage 5 only; one of Regions).
	// The stack in PrimaryRegion must be deployed first.
	PrimaryRegion string
	// Routing chooses the Route 53 routing policy of Domain's records at
	// stage 5, each record with this region's health check: LatencyRouting
	// or FailoverRouting (PrimaryRegion PRIMARY, the other region
	// SECONDARY). Changing it replaces the records of every region: Route
	// 53 cannot hold latency and failover records of one name side by side,
	// so delete the old record sets in the same change window. Default:
	// LatencyRouting.
	Routing Routing

	// Alarms tunes the alarms; Alarms.Topic receives their notifications
	// (ScaledWebTier.AlarmTopic).
	Alarms Alarms
	// LogRetention applies to VPC flow logs and database logs. Default: one
	// year.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts every CloudWatch log group the construct creates
	// (VPC flow logs, database logs, the WAF logs and the logs of the CDK
	// handlers the tier uses). A key created in the app (awskms.NewKey) gets the
	// key policy statement CloudWatch Logs needs; the owner of an imported key
	// must add it (docs/log-encryption.md). Default: nil (CloudWatch Logs' own
	// encryption).
	LogEncryptionKey awskms.IKey
	// AccessLogExpiry is how long the load balancer's (stage 3 and above)
	// and CloudFront's (stage 4 and above) access logs are kept in their
	// buckets, in whole days. Default: 365 days.
	AccessLogExpiry time.Duration
}

// Domain is the tier's DNS name.
type Domain struct {
	// Name is the fully qualified name, e.g. "www.example.com". Required.
	Name string
	// HostedZone holds Name. Required.
	HostedZone awsroute53.IHostedZone
	// Certificate is used instead of a new DNS-validated certificate. It must
	// be in the stack's region and cover Name.
	Certificate awscertificatemanager.ICertificate
}

// Network configures the VPC.
type Network struct {
	// ExistingVpc is used instead of a new VPC. It must have public
	// subnets (in 2 AZs from stage 3, for the load balancer); isolated
	// subnets in 2 AZs for an Aurora database (stage 2 and above) or a
	// Valkey session cache; and private subnets with egress (a NAT gateway)
	// from stage 3, for the Auto Scaling group. The construct adds a flow
	// log to it, but no gateway endpoint. Setting it with Cidr or
	// AvailabilityZones is an error.
	ExistingVpc awsec2.IVpc
	// ExistingSecretsEndpoint is the ExistingVpc's Secrets Manager interface
	// endpoint (with private DNS) in its isolated subnets, which the Aurora
	// secret's rotation function reaches Secrets Manager through; the
	// construct opens it to the rotation function. Give it when the VPC
	// already has one: a second endpoint with private DNS for the same
	// service cannot be created. Default: nil (with ExistingVpc and Aurora,
	// the construct creates one; a new VPC always gets its own).
	ExistingSecretsEndpoint awsec2.IInterfaceVpcEndpoint
	// Cidr is the VPC's range. Default: 10.0.0.0/16.
	Cidr string
	// AvailabilityZones the VPC spans. Default: 1 at stage 1, 2 from stage
	// 2; at least 2 from stage 2. Stage 3 adds a NAT gateway per AZ.
	AvailabilityZones int
}

// Capacity sizes the Auto Scaling group from stage 3.
type Capacity struct {
	// Min servers, at least 2 (one per AZ). Default: 2.
	Min int
	// Max servers. Default: 4 at stage 3, 20 from stage 4.
	Max int
	// Spot runs the servers above an on-demand base on Spot capacity, over
	// several instance types. Default: nil (on-demand InstanceType only).
	Spot *Spot
	// WarmPool keeps stopped (or running) pre-initialized servers beside the
	// group, so a scale-out skips the boot. Default: nil (no warm pool).
	WarmPool *WarmPool
	// Schedules change the group's capacity at set times (a known daily
	// peak, a sale): scheduled actions, on top of target tracking. Default:
	// none.
	Schedules []Schedule
	// Updates is how a change of the launch template (user data, instance
	// type, AMI) reaches running servers. Default: RollingUpdate, or
	// InstanceRefresh with a WarmPool (a rolling update replaces the
	// servers in service only, not those in the pool).
	Updates Updates
	// TargetCPUPercent is the average CPU the stage-4 policy keeps. Default:
	// 50.
	TargetCPUPercent float64
	// RequestsPerTarget is the ALB requests per server per minute the
	// stage-4 policy keeps. Default: 1,000.
	RequestsPerTarget int
}

// Spot runs part of the group on Spot capacity: a mixed instances policy
// whose on-demand base (and percentage above it) keeps serving when Spot
// capacity is reclaimed, with the price-capacity-optimized allocation
// strategy and capacity rebalancing.
type Spot struct {
	// InstanceTypes the group launches, in priority order for on-demand
	// capacity: at least 2 Graviton types of similar size (e.g. t4g.small,
	// m7g.medium, c7g.medium), so Spot has several pools to choose from. The
	// launch template keeps InstanceType. Required.
	InstanceTypes []string
	// OnDemandBase is how many servers are always on-demand. Default (nil):
	// Capacity.Min, so the group's floor never depends on Spot. Set it to 0
	// for Spot from the first server.
	OnDemandBase *int
	// OnDemandPercentAboveBase is the percentage of on-demand servers above
	// OnDemandBase (0-100). Default: 0 (all Spot above the base).
	OnDemandPercentAboveBase int
}

// WarmPool keeps pre-initialized servers beside the group. Its servers run
// the user data (download and start the app) before they stop; a launch
// lifecycle hook holds each new server until its user data says it is done.
type WarmPool struct {
	// MinSize servers are kept in the pool. Default: 0 (the pool holds
	// MaxPreparedCapacity minus the group's desired capacity).
	MinSize int
	// MaxPreparedCapacity bounds the servers in the pool and in service
	// together. Default: Capacity.Max.
	MaxPreparedCapacity int
	// State of the servers in the pool: WarmStopped (the default: only
	// their volumes cost), WarmRunning or WarmHibernated.
	State WarmState
	// ReuseOnScaleIn returns servers to the pool on scale-in instead of
	// terminating them. Default: false.
	ReuseOnScaleIn bool
}

// WarmState is the state of the servers in a warm pool.
type WarmState string

const (
	WarmStopped    WarmState = "Stopped"
	WarmRunning    WarmState = "Running"
	WarmHibernated WarmState = "Hibernated"
)

// Schedule is a scheduled action of the Auto Scaling group. At least one of
// Min, Max and Desired is set; the others keep their value.
type Schedule struct {
	// Name identifies the action (letters, digits and hyphens), unique in
	// Capacity.Schedules. Required.
	Name string
	// Cron is a Unix cron expression of 5 fields (minute hour day month
	// weekday), e.g. "0 8 * * 1-5". Required.
	Cron string
	// TimeZone is the IANA time zone of Cron, e.g. "Asia/Seoul". Default:
	// UTC.
	TimeZone string
	// Min, Max and Desired are the group's capacity from the action on.
	// Default: unchanged.
	Min, Max, Desired *int
}

// Updates is how launch template changes reach the servers.
type Updates string

const (
	// RollingUpdate has CloudFormation replace the servers in service one
	// at a time during the stack update, keeping Capacity.Min in service,
	// and roll the stack back if a new server fails to come up.
	RollingUpdate Updates = "rolling-update"
	// InstanceRefresh starts an EC2 Auto Scaling instance refresh when the
	// launch template changes: servers (those in a warm pool too) are
	// replaced launch-before-terminate, keeping 100% healthy capacity, and
	// servers already on the new template are skipped. The stack update
	// ends when the refresh starts; follow it in the group's activity.
	InstanceRefresh Updates = "instance-refresh"
)

// Database configures the database from stage 2.
type Database struct {
	// Engine. Default: AuroraPostgres.
	Engine DatabaseEngine
	// EngineVersion is the Aurora engine version, the same in every region
	// of stage 5: "16.8"-style for AuroraPostgres (13 or later, for
	// Serverless v2), "8.0.mysql_aurora.3.08.2"-style for AuroraMySQL
	// (Aurora MySQL 3). With write forwarding at stage 5 it must support
	// global write forwarding: Aurora PostgreSQL 14.9+, 15.4+ or 16 and
	// later; every Aurora MySQL 3. Default: DefaultAuroraPostgresVersion or
	// DefaultAuroraMySQLVersion.
	EngineVersion string
	// MinACU and MaxACU bound each Aurora Serverless v2 instance. Default:
	// 0.5 and 16.
	MinACU, MaxACU float64
	// Readers is the number of Aurora readers (stage 3 and above). Default:
	// 1 at stage 3 (failover in another AZ), 2 from stage 4.
	Readers int
	// BackupRetention keeps Aurora's automated backups, in whole days (1 to
	// 35). Default: 14 days.
	BackupRetention time.Duration
	// SecretRotation is how often the Aurora master password is rotated, in
	// whole days (1 to 1,000). Default: 30 days.
	SecretRotation time.Duration
	// DisableDeletionProtection turns deletion protection off. Default:
	// false (on).
	DisableDeletionProtection bool
	// DisableWriteForwarding keeps the secondary clusters of stage 5
	// read-only. By default (false) every cluster outside PrimaryRegion has
	// global write forwarding on: the servers there send writes to their
	// own region's cluster (DB_WRITER_HOST), which forwards them to the
	// writer in PrimaryRegion and waits for the result (session
	// consistency: a session reads its own writes). Aurora MySQL
	// secondaries get a cluster parameter group that sets
	// aurora_replica_read_consistency to SESSION, without which Aurora MySQL
	// does not forward; Aurora PostgreSQL forwards with
	// apg_write_forward.consistency_mode at its default, SESSION. Only DML
	// is forwarded: DDL (migrations) runs against the primary. Stage 5 with
	// an Aurora engine only.
	DisableWriteForwarding bool

	// DisableProxy connects the servers to the cluster directly from stage 4,
	// without RDS Proxy (Aurora engines). By default RDS Proxy pools the
	// servers' connections from stage 4 (connection storms are what breaks
	// first at scale), requires TLS and reads the secret itself; stages 2-3
	// connect directly, verifying the cluster's certificate against the RDS
	// CA bundle, which the user data downloads. Default: false.
	DisableProxy bool
	// IAMAuth makes the proxy require IAM authentication: the servers log in
	// with short-lived tokens (rds-db:connect on the proxy for DatabaseUser)
	// instead of the secret's password, which only the proxy reads. Needs
	// the proxy (stage 4 and above). Default: false (the proxy accepts the
	// secret's password).
	IAMAuth bool
	// ReaderScaling adds and removes Aurora readers with load (Aurora
	// replica auto scaling), from stage 4. Default: on, between Readers and
	// DefaultMaxReaders readers, on the readers' average CPU.
	ReaderScaling ReaderScaling
	// DisablePerformanceInsights turns Performance Insights off. Default:
	// false (on, 7 days, encrypted with the tier's key).
	DisablePerformanceInsights bool
	// MonitoringInterval is the enhanced monitoring granularity: 1, 5, 10,
	// 15, 30 or 60 seconds. Default: 60s.
	MonitoringInterval time.Duration
	// DisableEnhancedMonitoring turns enhanced monitoring (the instances'
	// OS metrics) off. Default: false (on).
	DisableEnhancedMonitoring bool
}

// ReaderScaling is Aurora replica auto scaling.
type ReaderScaling struct {
	// Disable keeps the number of readers at Readers. Default: false.
	Disable bool
	// MaxReaders is the most readers (up to 15). Default: DefaultMaxReaders,
	// or Readers if it is higher.
	MaxReaders int
	// Metric is what scaling tracks: ReaderCPU (the default) or
	// ReaderConnections.
	Metric ReaderMetric
	// Target is the metric's target: a CPU percentage (default 60) or the
	// average connections per reader (default 300).
	Target float64
}

// ReaderMetric is the metric Aurora replica auto scaling tracks.
type ReaderMetric string

const (
	ReaderCPU         ReaderMetric = "cpu"
	ReaderConnections ReaderMetric = "connections"
)

// Sessions configures the shared session store from stage 4.
type Sessions struct {
	// Store. Default: SessionsDynamoDB.
	Store SessionStore
	// TTL is how long a session lives after its last write. Default: 24h.
	TTL time.Duration
	// CacheNodeType sizes the Valkey nodes. Default: cache.t4g.micro.
	CacheNodeType string
	// CacheNodes is the number of Valkey nodes, a primary and its replicas
	// spread over the AZs (2 to 6). Default: 2.
	CacheNodes int
	// CacheSnapshotRetention keeps Valkey's daily snapshots, in whole days
	// (1 to 35). Default: 7 days.
	CacheSnapshotRetention time.Duration
	// DisableDeletionProtection turns off the sessions table's deletion
	// protection (Store dynamodb; every replica at stage 5). Default: false
	// (on).
	DisableDeletionProtection bool
}

// CDN configures the CloudFront distribution for static content (stage 4
// and above).
type CDN struct {
	// WebACLArn associates a global (CLOUDFRONT-scope, us-east-1) AWS WAF
	// web ACL, such as one NewCDNWebACL builds with the load balancer's rule
	// set in a us-east-1 stack. Default: none.
	WebACLArn string
	// NewWebACL makes the distribution's web ACL from WAF's rule set, in
	// this stack, which must be in us-east-1 (AWS WAF keeps CLOUDFRONT-scope
	// ACLs there); elsewhere build it with NewCDNWebACL in a us-east-1 stack
	// and give its ARN as WebACLArn. Default: false.
	NewWebACL bool
	// Dynamic puts the distribution in front of the whole tier (stage 4):
	// Domain resolves to CloudFront, which serves /static/ from S3 and
	// everything else from the load balancer (nothing cached, every viewer
	// header, cookie and query string forwarded, HTTPS to the origin). The
	// load balancer then admits CloudFront only: its security group opens
	// 443 to the com.amazonaws.global.cloudfront.origin-facing prefix list,
	// and its listener forwards only requests that carry the secret origin
	// header CloudFront adds (OriginSecret); others get 403. Not at stage 5,
	// whose regions each answer for Domain. Default: false.
	Dynamic bool
	// Certificate is the ACM certificate, in us-east-1, that CloudFront
	// serves for Domain.Name. Required with Dynamic.
	Certificate awscertificatemanager.ICertificate
	// OriginPrefixListID is the region's CloudFront origin-facing managed
	// prefix list (pl-...). Default: looked up at deploy time by name.
	OriginPrefixListID string
}

// WAF configures the load balancer's web ACL (stage 3 and above): a rate
// limit per client IP and AWS managed rule groups (IP reputation, anonymous
// IPs, the common rule set, known bad inputs, SQL injection). The same rule
// set builds the distribution's ACL (NewCDNWebACL). With CDN.Dynamic the
// load balancer sees CloudFront's addresses, so its ACL keeps the groups
// that inspect the request and leaves the rate limit and the address-based
// groups to the distribution's ACL.
type WAF struct {
	// Disable turns the load balancer's web ACL off. Default: false (on).
	Disable bool
	// ExistingWebACLArn associates this REGIONAL web ACL instead of a new
	// one.
	ExistingWebACLArn string
	// RateLimit is how many requests one client IP may send per Window
	// before it is blocked (10 or more). Default: 2,000.
	RateLimit int
	// Window is the rate limit's window: 1, 2, 5 or 10 minutes. Default: 5
	// minutes.
	Window time.Duration
	// Groups replace the default managed rule groups, in priority order.
	Groups []WAFGroup
	// CountOnly makes every rule count instead of block, for a trial
	// period. Default: false (block).
	CountOnly bool
}

// WAFGroup is an AWS managed rule group of the web ACL.
type WAFGroup struct {
	// Name of the AWS managed rule group, e.g.
	// "AWSManagedRulesCommonRuleSet". Required.
	Name string
	// CountOnly counts the group's matches instead of blocking them.
	CountOnly bool
	// CountRules are rules of the group that count instead of block.
	CountRules []string
}

// Alarms tunes the alarms.
type Alarms struct {
	// Topic receives alarm and recovery notifications and the Auto Scaling
	// group's scaling events. Default: the stack's shared alarm topic
	// (alarmtopic.Shared), encrypted, created once per stack.
	Topic awssns.ITopic
	// TopicKey is the KMS key that encrypts Topic. From stage 3 the
	// construct adds a statement to its key policy
	// (alarmtopic.AllowAutoScaling) that lets EC2 Auto Scaling's
	// service-linked role use it, so the group's notifications reach the
	// encrypted topic; an imported key's policy cannot be changed and must
	// already allow it. Set it for an imported topic, whose key the CDK does
	// not know. Default: Topic's own key (awssns.Topic.MasterKey), if any.
	TopicKey awskms.IKey
	// CPUPercent raises the CPU alarm. Default: 80.
	CPUPercent float64
	// ServerErrors is the count of 5xx responses in 5 minutes that raises
	// the 5xx alarm. Default: 10.
	ServerErrors int
	// DatabaseConnections raises the connections alarm. Default: 400.
	DatabaseConnections int
	// ReplicaLag raises the Aurora replica lag alarm (and, at stage 5, the
	// global replication lag alarm at 5x). Default: 1s.
	ReplicaLag time.Duration
	// CacheCPUPercent raises the Valkey engine CPU alarm. Default: 80.
	CacheCPUPercent float64
}

// Int returns a pointer to n, for the optional counts of Schedule and Spot.
func Int(n int) *int { return &n }
