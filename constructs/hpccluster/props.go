package hpccluster

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
)

// Props configures an HPCCluster. The zero value of every field is the
// secure default; only Workload.Entry is required.
type Props struct {
	// Workload is the Go program the job definitions run. Required.
	Workload Workload
	// Mode chooses the scheduler: ModeBatch (AWS Batch job queues and
	// compute environments) or ModeSlurm (a Slurm cluster on AWS Parallel
	// Computing Service, see Slurm). Default: ModeBatch. docs/hpc.md
	// compares the two.
	Mode Mode
	// Queues lists the cluster's queues, each with its own compute
	// environments (Batch) or node groups (Slurm), instance types, purchase
	// option and priority. Default: nil, which in Batch mode is the two
	// queues of InstanceTypes and OnDemandInstanceTypes (SpotQueue: Spot,
	// then the shared On-Demand environment; OnDemandQueue: that On-Demand
	// environment, in the placement group), and in Slurm mode
	// DefaultSlurmQueues. Setting Queues together with InstanceTypes,
	// OnDemandInstanceTypes, MaxVCPUs or OnDemandMaxVCPUs is an error: each
	// queue carries its own.
	Queues []Queue
	// AMI replaces the image of every instance ("ami-0123456789abcdef0"):
	// in Batch mode an ECS-optimized image of your own (it must run the ECS
	// agent), in Slurm mode the image with the AWS PCS agent and Slurm
	// installed (required there: AWS PCS has no default image). A queue's
	// AMI overrides it. Default: "" (Batch: the ECS-optimized Amazon Linux
	// 2023 image, or its GPU variant for GPU types).
	AMI string
	// BootstrapCommands run as root on every instance at boot, after the
	// shared file systems are mounted and before the node takes work, one
	// shell command per entry; a command that fails shuts the node down
	// (it is replaced), as a failed mount does. No entry may be empty or
	// hold a newline, and all together stay within MaxBootstrapBytes.
	// Default: none.
	BootstrapCommands []string
	// SpotFallback moves jobs that waited too long on a Spot queue to an
	// On-Demand queue (Batch mode). Default: off.
	SpotFallback SpotFallback
	// Slurm configures Slurm mode (Mode: ModeSlurm); setting it in Batch
	// mode is an error.
	Slurm Slurm
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
	// LogEncryptionKey encrypts every CloudWatch log group the construct
	// creates, in either mode (VPC flow logs; in Batch mode also the job
	// logs, the job-state events and the queue-metrics and Spot-fallback
	// functions' logs). A key created in the app (awskms.NewKey) gets the
	// key policy statement CloudWatch Logs needs; the owner of an imported
	// key must add it (docs/log-encryption.md). Default: nil (CloudWatch
	// Logs' own encryption).
	LogEncryptionKey awskms.IKey
	// ExistingKey encrypts the data bucket (SSE-KMS, with S3 bucket keys)
	// instead of a new customer-managed key (with yearly rotation,
	// retained) that the construct creates. The job role (Batch) or the
	// node role (Slurm) is granted kms:GenerateDataKey and kms:Decrypt on
	// it to write results. With Lustre on, the key's owner must let FSx for
	// Lustre's service-linked role use it through S3 (see
	// HPCCluster.Key); the construct adds that statement to a key it
	// creates. Default: nil (a new key).
	ExistingKey awskms.IKey
	// JobEventsRetry bounds EventBridge's retries to deliver a job-state
	// event to the JobEvents log group (Batch mode); an event still
	// undelivered goes to the dead-letter queue JobEventsDeadLetters,
	// whose alarm notifies the alarm topic.
	JobEventsRetry EventRetry
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
	// GPUs per job of GPUJobDefinition, which the cluster has when a queue
	// lists GPU types (GPUFamilies). Setting it without GPU types is an
	// error. Default: 1.
	GPUs int
}

// Mode is the cluster's scheduler.
type Mode string

// The modes.
const (
	// ModeBatch runs jobs on AWS Batch (job queues, compute environments,
	// job definitions).
	ModeBatch Mode = "BATCH"
	// ModeSlurm runs a Slurm cluster on AWS Parallel Computing Service: a
	// managed controller, a login node, compute node groups per queue.
	ModeSlurm Mode = "SLURM"
)

// Purchase is how a queue buys its capacity.
type Purchase string

// The purchase options.
const (
	// PurchaseSpotThenOnDemand: a Spot environment first, then an
	// On-Demand one (Batch); a Spot and an On-Demand node group in one
	// partition (Slurm).
	PurchaseSpotThenOnDemand Purchase = "SPOT_THEN_ON_DEMAND"
	// PurchaseSpot: Spot capacity only.
	PurchaseSpot Purchase = "SPOT"
	// PurchaseOnDemand: On-Demand capacity only; in Batch mode in one
	// subnet and the cluster placement group (with EFA when Props.EFA), for
	// tightly coupled and multi-node jobs.
	PurchaseOnDemand Purchase = "ON_DEMAND"
)

// Queue is one queue of the cluster: an AWS Batch job queue and its compute
// environments, or a Slurm partition (AWS PCS queue) and its compute node
// groups.
type Queue struct {
	// Name is the queue's name within the cluster, and the Slurm partition
	// name: 1 to 15 lower-case letters and digits, starting with a letter;
	// unique. It also names the construct IDs (queue "gpu": GpuQueue,
	// GpuSpotEnvironment, ...). Required.
	Name string
	// InstanceTypes lists the queue's types and, in Batch mode, families
	// (see ExpandInstanceTypes), outside the catalog too. All queues share
	// one architecture (the workload is built for one). In Slurm mode,
	// types only (AWS PCS takes no families), of one vCPU count. Required.
	InstanceTypes []string
	// Purchase is Spot, On-Demand or both. Default: PurchaseSpotThenOnDemand.
	Purchase Purchase
	// Priority orders queues that share capacity (AWS Batch schedules the
	// higher first); Slurm partitions' PriorityTier. 0 takes the default:
	// 10 for On-Demand queues, 1 for the others.
	Priority int
	// MaxVCPUs caps each of the queue's compute environments (Batch mode).
	// Default: DefaultMaxVCPUs for Spot, DefaultOnDemandMaxVCPUs for
	// On-Demand.
	MaxVCPUs int
	// MaxInstances caps each of the queue's node groups (Slurm mode).
	// Default: DefaultSlurmMaxInstances.
	MaxInstances int
	// AMI replaces Props.AMI for this queue's instances. Default: Props.AMI.
	AMI string
}

// SpotFallback configures the scheduled function that moves jobs which have
// waited RUNNABLE on a Spot queue for After to an On-Demand queue: it
// cancels each and submits it again, with the same job definition,
// parameters, array size, container overrides, retry strategy, timeout and
// tags, to the On-Demand queue (ParallelCluster users ask for this:
// aws/aws-parallelcluster#3785). A job other jobs depend on is not moved
// (its dependents would fail with it); nor is a multi-node job, nor an
// array job some of whose children have started.
type SpotFallback struct {
	// Enable turns the fallback on. Default: false (jobs wait for Spot).
	Enable bool
	// After is how long a job may wait RUNNABLE before it is moved: whole
	// minutes, from MinFallbackAfter to MaxFallbackAfter. The function
	// notes the first time it sees a job RUNNABLE (a tag on the job) and
	// runs every FallbackSchedule, so a job moves up to one period late.
	// Default: DefaultFallbackAfter.
	After time.Duration
	// From and To name the queues (Queue.Name): From must have Spot
	// capacity, To On-Demand capacity. Default: the first queue with Spot
	// capacity, and the first On-Demand-only queue ("spot" and "ondemand"
	// with the default queues).
	From, To string
	// Entry is the function's Go main package. Default:
	// DefaultFallbackEntry.
	Entry string
}

// Slurm configures Slurm mode on AWS Parallel Computing Service.
type Slurm struct {
	// Version is the Slurm version AWS PCS runs: one of SlurmVersions.
	// Default: DefaultSlurmVersion.
	Version string
	// Size is the AWS PCS controller's size: SMALL (up to 32 nodes, 256
	// jobs), MEDIUM (512, 8192) or LARGE (2048, 16384). Default: SMALL.
	Size string
	// LoginInstanceType is the login node's type, in the queues'
	// architecture. Default: DefaultLoginInstanceType (arm64) or
	// DefaultLoginInstanceTypeX86.
	LoginInstanceType string
	// Accounting turns on Slurm accounting (sacct, fair share), which AWS
	// PCS keeps in a managed database at extra cost. Default: false.
	Accounting bool
	// ScaleDownIdle is how long an idle node is kept before AWS PCS
	// terminates it: whole seconds, 1 minute to 1 day. Default:
	// DefaultScaleDownIdle.
	ScaleDownIdle time.Duration
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

// EventRetry bounds EventBridge's retries of a rule target.
type EventRetry struct {
	// MaxEventAge is how long an event is retried: whole seconds from 1
	// minute to 24 hours. Default: DefaultEventMaxAge (24 hours).
	MaxEventAge time.Duration
	// RetryAttempts is at most MaxEventRetryAttempts (185, EventBridge's
	// limit); zero means the default. Default: DefaultEventRetryAttempts
	// (185).
	RetryAttempts int
}

// Alarms routes the cluster's alarms.
type Alarms struct {
	// Topic receives alarm and recovery notifications. Default: the stack's
	// shared alarm topic (alarmtopic.Shared), encrypted, created once per
	// stack.
	Topic awssns.ITopic
}
