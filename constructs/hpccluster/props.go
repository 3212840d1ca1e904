package hpccluster

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
)

// Props configures an HPCCluster. The zero value of every field is the
// secure default; only Workload.Entry is required.
type Props struct {
	// Workload is the Go program the job definitions run. Required.
	Workload Workload
	// InstanceTypes lists the Spot environment's instance types ("c7g.4xlarge")
	// and families ("c7g": every size the catalog holds). All must share one
	// architecture. Default: DefaultInstanceTypes (Graviton c7g, c6g, c7gn,
	// c6gn, r7g). A non-nil empty list is an error.
	InstanceTypes []string
	// OnDemandInstanceTypes lists the On-Demand environment's types and
	// families, in the architecture of InstanceTypes (both serve the Spot
	// queue, and Batch does not mix architectures in one queue). With EFA,
	// every type must support EFA. Default: InstanceTypes (with EFA: only
	// their EFA-capable sizes). The On-Demand environment also takes the
	// Spot queue's overflow, so with EFA that overflow runs on EFA types.
	// Submit multi-node jobs to OnDemandQueue: AWS Batch does not run them
	// on Spot.
	OnDemandInstanceTypes []string
	// MaxVCPUs caps the Spot environment. Default: 256.
	MaxVCPUs int
	// OnDemandMaxVCPUs caps the On-Demand environment. Default: 128.
	OnDemandMaxVCPUs int
	// MinVCPUs is kept running in each environment even when idle. Default:
	// 0 (scale to zero).
	MinVCPUs int
	// RootVolumeGiB sizes every instance's encrypted gp3 root volume, which
	// also holds the container images and the jobs' /tmp: 30 (the
	// ECS-optimized AMI's minimum) to 16384. Default: DefaultRootVolumeGiB
	// (100).
	RootVolumeGiB int
	// EFA gives the On-Demand (tightly coupled) environment's instances an
	// Elastic Fabric Adapter, installs its driver and passes the device to
	// multi-node containers. Default: false.
	EFA bool
	// Lustre configures the FSx for Lustre file system.
	Lustre Lustre
	// EFS configures the EFS file system for home directories.
	EFS EFS
	// Job sizes the job definitions.
	Job Job
	// Network chooses or shapes the VPC.
	Network Network
	// LogRetention applies to job logs, event logs and VPC flow logs.
	// Default: one year.
	LogRetention awslogs.RetentionDays
	// Alarms routes the failed-jobs and stalled-jobs alarms, and the
	// queue-metrics function's own alarms.
	Alarms Alarms
	// QueueMetrics configures the function that publishes queue depth and
	// running jobs.
	QueueMetrics QueueMetrics
}

// QueueMetrics configures the scheduled function that counts the jobs of the
// cluster's queues by state every minute and publishes the counts as
// CloudWatch metrics (queue depth, running jobs, stalled jobs): AWS Batch
// publishes how many jobs entered a state, not how many are in it now.
type QueueMetrics struct {
	// Disable leaves the function out, and with it the dashboard's queue
	// widgets and the stalled-jobs alarm. Default: false.
	Disable bool
	// Entry is the function's Go main package, an import path or a
	// directory. Default: DefaultQueueMetricsEntry.
	Entry string
	// StalledAfter is how long a queue may have RUNNABLE jobs while none of
	// its jobs is STARTING or RUNNING before the stalled-jobs alarm fires: a
	// multiple of 5 minutes from 10 minutes to 24 hours. Default:
	// DefaultStalledAfter (30 minutes).
	StalledAfter time.Duration
}

// Workload is the program every job runs: a Go main package compiled at synth
// time for the cluster's architecture and shipped as an S3 asset.
type Workload struct {
	// Entry names the Go main package the jobs run: its import path
	// ("github.com/gureum-cdk/gureum/functions/montecarlo/run"), which
	// builds from any app whose module requires the package's module, or
	// its directory relative to the app's working directory (see golambda).
	// Required.
	Entry string
	// Args are passed to the program. A job can replace them by overriding
	// the WORKLOAD_ARGS environment variable. Default: none.
	Args []string
	// Environment adds variables to every job. SHARED_DIR, DATA_BUCKET,
	// RESULT_PREFIX, WORKLOAD_URL, WORKLOAD_ARGS, AWS_REGION and
	// AWS_DEFAULT_REGION are set by the construct; AWS Batch reserves names
	// starting with AWS_BATCH.
	Environment map[string]string
	// ResultPrefix is the data bucket prefix jobs may write to (RESULT_PREFIX):
	// the job role may s3:PutObject under it and nowhere else. Default:
	// "results".
	ResultPrefix string
}

// LustreDeploymentType is an FSx for Lustre deployment type.
type LustreDeploymentType string

// The supported deployment types.
const (
	// LustrePersistent2 is replicated within its AZ, backed up daily, and
	// linked to the data bucket through a data repository association.
	LustrePersistent2 LustreDeploymentType = "PERSISTENT_2"
	// LustreScratch2 is not replicated (a failed server loses data), has no
	// backups, and links to the data bucket through import/export paths.
	LustreScratch2 LustreDeploymentType = "SCRATCH_2"
)

// Lustre configures the FSx for Lustre file system, mounted at /fsx and linked
// to the data bucket's DataPrefix. Where the prefix appears depends on the
// deployment type: PERSISTENT_2 links it at /fsx/data (LustreDataPath) through
// a data repository association, both ways and automatically; SCRATCH_2
// imports it at the root of the file system (s3://bucket/data/x is /fsx/x,
// beside SHARED_DIR /fsx/scratch) and exports only when a data repository
// task is run (aws fsx create-data-repository-task --type
// EXPORT_TO_REPOSITORY), never on its own.
type Lustre struct {
	// Disable leaves FSx for Lustre out (EFS must then stay on). Default:
	// false.
	Disable bool
	// DeploymentType is PERSISTENT_2 or SCRATCH_2. Default: PERSISTENT_2.
	DeploymentType LustreDeploymentType
	// CapacityGiB is 1200 or a multiple of 2400. Default: 1200.
	CapacityGiB int
	// ThroughputPerTiB is the PERSISTENT_2 throughput in MB/s per TiB: 125,
	// 250, 500 or 1000. Not allowed for SCRATCH_2. Default: 125.
	ThroughputPerTiB int
	// BackupRetentionDays keeps PERSISTENT_2's daily automatic backups,
	// 1 to 90 days. Not allowed for SCRATCH_2, which has no backups.
	// Default: DefaultLustreBackupDays (7).
	BackupRetentionDays int
}

// EFS configures the EFS file system for home directories, mounted at /efs
// over TLS. It is encrypted, backed up by AWS Backup, and retained.
type EFS struct {
	// Disable leaves EFS out (Lustre must then stay on). Default: false.
	Disable bool
}

// Job sizes the job definitions.
type Job struct {
	// Image is the container image. It must provide /bin/sh and dnf (to
	// install the AWS CLI) or the AWS CLI itself. Default: DefaultImage.
	Image string
	// VCPUs per job (array child, or node of a multi-node job). Default: 4.
	VCPUs int
	// MemoryMiB per job. Default: 7168.
	MemoryMiB int
	// Timeout stops an attempt that runs longer. Default: 4h.
	Timeout time.Duration
	// RetryAttempts is the total attempts of a job, 1-10; only Spot
	// interruptions ("Host EC2*") are retried. Default: 5.
	RetryAttempts int
	// MultiNodeNodes is the node count of the multi-node parallel job
	// definition, 2-1000. Default: 2.
	MultiNodeNodes int
	// MultiNodeInstanceType pins the multi-node job's instance type (one of
	// the On-Demand types). Default: "" (Batch chooses among them).
	MultiNodeInstanceType string
}

// Network chooses or shapes the VPC.
type Network struct {
	// ExistingVpc is used instead of creating a VPC; it needs private
	// subnets with egress (PRIVATE_WITH_EGRESS, through NAT) to reach AWS
	// Batch, ECS and the package repositories: a VPC without them is an
	// error. Setting it together with NATGateways or MaxAZs is an error.
	// With EFA, the network interfaces AWS Batch gives multi-node containers
	// are in the VPC's default security group (see HPCCluster.SecurityGroup):
	// it must allow traffic from itself and HTTPS out.
	ExistingVpc awsec2.IVpc
	// NATGateways for the new VPC. Default: 1.
	NATGateways int
	// MaxAZs the new VPC spans. Default: 3.
	MaxAZs int
}

// Alarms routes the cluster's alarms.
type Alarms struct {
	// Topic receives alarm and recovery notifications. Default: the stack's
	// shared alarm topic (alarmtopic.Shared), encrypted, created once per
	// stack.
	Topic awssns.ITopic
}
