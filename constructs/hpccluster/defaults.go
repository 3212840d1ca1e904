package hpccluster

import (
	"cmp"
	"slices"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Retries of the job-state rule's target (EventBridge's own defaults, set
// explicitly); MaxEventRetryAttempts is EventBridge's limit.
const (
	DefaultEventMaxAge        = 24 * time.Hour
	DefaultEventRetryAttempts = 185
	MaxEventRetryAttempts     = 185
	// DeadLetterRetention keeps an undelivered job-state event in the
	// dead-letter queue (SQS's most).
	DeadLetterRetention = 14 * 24 * time.Hour
)

// Every default of HPCCluster, in one place.
const (
	// DefaultMaxVCPUs caps the Spot compute environment.
	DefaultMaxVCPUs = 256
	// DefaultOnDemandMaxVCPUs caps the On-Demand compute environment, which
	// takes the Spot queue's overflow, deadline work and multi-node jobs.
	DefaultOnDemandMaxVCPUs = 128
	// DefaultNATGateways is how many NAT gateways the new VPC gets: one keeps
	// the idle cost low; raise it to one per AZ for zonal resilience.
	DefaultNATGateways = 1
	// DefaultMaxAZs is how many Availability Zones the new VPC spans: Spot
	// capacity is deeper across more zones.
	DefaultMaxAZs = 3
	// DefaultImage is the job container image. The job's command installs
	// the AWS CLI, downloads the workload binary and runs it.
	DefaultImage = "public.ecr.aws/amazonlinux/amazonlinux:2023"
	// DefaultJobVCPUs and DefaultJobMemoryMiB size one job (or one array
	// child, or one node of a multi-node job).
	DefaultJobVCPUs     = 4
	DefaultJobMemoryMiB = 7168
	// DefaultJobTimeout stops an attempt that runs longer.
	DefaultJobTimeout = 4 * time.Hour
	// DefaultRetryAttempts is how many attempts a job gets in all; only
	// Spot interruptions are retried.
	DefaultRetryAttempts = 5
	// DefaultMultiNodeNodes is the node count of the multi-node job
	// definition.
	DefaultMultiNodeNodes = 2
	// DefaultResultPrefix is the key prefix of the data bucket the jobs may
	// write to (RESULT_PREFIX).
	DefaultResultPrefix = "results"
	// DefaultRootVolumeGiB is the encrypted gp3 root volume of every
	// instance (the ECS-optimized AMI needs at least MinRootVolumeGiB).
	DefaultRootVolumeGiB = 100
	// MinRootVolumeGiB and MaxRootVolumeGiB bound Props.RootVolumeGiB: the
	// ECS-optimized AMI's snapshot, and gp3's largest volume.
	MinRootVolumeGiB = 30
	MaxRootVolumeGiB = 16384
	// DefaultLustreDeploymentType is durable (replicated within its AZ) and
	// costs about the same per GiB as SCRATCH_2 at 125 MB/s/TiB.
	DefaultLustreDeploymentType = LustrePersistent2
	// DefaultLustreCapacityGiB is the smallest FSx for Lustre file system.
	DefaultLustreCapacityGiB = 1200
	// DefaultLustreThroughput is the PERSISTENT_2 throughput per TiB (MB/s).
	DefaultLustreThroughput = 125
	// DefaultLustreBackupDays is how long PERSISTENT_2 daily backups are
	// kept; FSx accepts 1 to MaxLustreBackupDays.
	DefaultLustreBackupDays = 7
	MaxLustreBackupDays     = 90
	// LustreMountPath and EFSMountPath are where the instances (and so the
	// containers) see the file systems.
	LustreMountPath = "/fsx"
	EFSMountPath    = "/efs"
	// LustreDataPath is the file system directory a PERSISTENT_2 file
	// system links to the data bucket's DataPrefix (/fsx/data). SCRATCH_2
	// links through an import path, which FSx maps to the root of the file
	// system instead (s3://bucket/data/x is /fsx/x).
	LustreDataPath = "/data"
	// DataPrefix is the data bucket prefix the Lustre file system imports
	// from and exports to.
	DataPrefix = "data"
	// SharedDirName is the directory under the shared file system that jobs
	// get as SHARED_DIR (/fsx/scratch, or /efs/scratch without Lustre).
	SharedDirName = "scratch"
	// FailedJobsThreshold is how many failed jobs in 5 minutes raise the
	// alarm.
	FailedJobsThreshold = 1
	// DefaultQueueMetricsEntry is the queue-metrics function's main
	// package, by import path: go list finds it from any app whose module
	// requires gureum (in the module cache, or this repository).
	DefaultQueueMetricsEntry = "github.com/gureum-cdk/gureum/functions/batchmetrics/publish"
	// QueueMetricsSchedule runs the queue-metrics function.
	QueueMetricsSchedule = "rate(1 minute)"
	// DefaultStalledAfter is how long a queue may hold RUNNABLE jobs with
	// none STARTING or RUNNING before the stalled-jobs alarm fires: well
	// beyond the few minutes a compute environment takes to launch its
	// first instance from zero. MinStalledAfter and MaxStalledAfter bound
	// QueueMetrics.StalledAfter, in steps of StalledPeriod.
	DefaultStalledAfter = 30 * time.Minute
	MinStalledAfter     = 10 * time.Minute
	MaxStalledAfter     = 24 * time.Hour
	StalledPeriod       = 5 * time.Minute

	// DefaultMode is AWS Batch.
	DefaultMode = ModeBatch
	// DefaultPurchase is a queue's purchase option: Spot first.
	DefaultPurchase = PurchaseSpotThenOnDemand
	// DefaultSpotPriority and DefaultOnDemandPriority are a queue's
	// priority when Queue.Priority is 0: On-Demand queues (deadline and
	// multi-node work) are scheduled ahead of Spot overflow on shared
	// capacity.
	DefaultSpotPriority     = 1
	DefaultOnDemandPriority = 10
	// MaxQueues bounds Props.Queues (AWS PCS allows 10 queues per cluster;
	// each Batch queue has up to 2 environments here).
	MaxQueues = 10
	// DefaultJobGPUs is the GPUs per job of GPUJobDefinition.
	DefaultJobGPUs = 1
	// MaxBootstrapBytes bounds Props.BootstrapCommands, all together: EC2
	// takes 16 KB of user data, which also holds the mounts (and the EFA
	// installer's steps).
	MaxBootstrapBytes = 8192

	// DefaultFallbackAfter is how long a job waits RUNNABLE on the Spot
	// queue before SpotFallback moves it; MinFallbackAfter and
	// MaxFallbackAfter bound SpotFallback.After.
	DefaultFallbackAfter = time.Hour
	MinFallbackAfter     = 10 * time.Minute
	MaxFallbackAfter     = 7 * 24 * time.Hour
	// FallbackSchedule runs the fallback function.
	FallbackSchedule = "rate(5 minutes)"
	// DefaultFallbackEntry is the fallback function's main package.
	DefaultFallbackEntry = "github.com/gureum-cdk/gureum/functions/spotfallback/move"

	// DefaultSlurmVersion is the Slurm version of Slurm mode.
	DefaultSlurmVersion = "24.11"
	// DefaultSlurmSize is the AWS PCS controller size.
	DefaultSlurmSize = "SMALL"
	// DefaultLoginInstanceType and DefaultLoginInstanceTypeX86 are the
	// login node's type for arm64 and x86_64 queues.
	DefaultLoginInstanceType    = "c7g.xlarge"
	DefaultLoginInstanceTypeX86 = "c7i.xlarge"
	// DefaultSlurmMaxInstances and DefaultSlurmOnDemandMaxInstances cap a
	// Spot and an On-Demand node group (4 and 2 of the default 64-vCPU
	// types: the Batch defaults' 256 and 128 vCPUs).
	DefaultSlurmMaxInstances         = 4
	DefaultSlurmOnDemandMaxInstances = 2
	// DefaultScaleDownIdle is how long AWS PCS keeps an idle node.
	DefaultScaleDownIdle = 10 * time.Minute
	// SlurmWorkloadPath is where every Slurm node installs the workload
	// binary; SlurmProfile is the file that exports the job environment
	// (SHARED_DIR, DATA_BUCKET, RESULT_PREFIX, WORKLOAD, WORKLOAD_ARGS,
	// AWS_REGION) for sbatch scripts to source.
	SlurmWorkloadPath = "/opt/gureum/workload"
	SlurmProfile      = "/etc/profile.d/gureum-hpc.sh"
)

// SlurmVersions are the Slurm versions AWS PCS runs: the valid values of
// the AWS PCS API's Scheduler.version (AWS PCS API Reference, Scheduler, as
// read 2026-12-05), which AWS::PCS::Cluster's Scheduler.Version passes on.
// DefaultSlurmVersion stays 24.11: a default that moved would change the
// scheduler of every cluster made with an earlier gureum.
var SlurmVersions = []string{"23.11", "24.05", "24.11", "25.05", "25.11"}

// SlurmSizes are the AWS PCS controller sizes.
var SlurmSizes = []string{"SMALL", "MEDIUM", "LARGE"}

// DefaultSlurmQueues are Slurm mode's queues when Props.Queues is nil: a
// Spot partition over four 64-vCPU Graviton types (AWS PCS defines a node
// group's nodes with one CPU count), and an On-Demand one.
var DefaultSlurmQueues = []Queue{
	{Name: "spot", Purchase: PurchaseSpot, InstanceTypes: []string{"c7g.16xlarge", "c6g.16xlarge", "c7gn.16xlarge", "c6gn.16xlarge"}},
	{Name: "ondemand", Purchase: PurchaseOnDemand, InstanceTypes: []string{"c7g.16xlarge"}},
}

// The EFA installer the tightly coupled instances run, pinned: the version
// and the SHA-256 of its tarball as AWS ParallelCluster pins them
// (aws/aws-parallelcluster-cookbook, cookbooks/aws-parallelcluster-environment/
// attributes/environment.rb, pull request 2953, "Upgrade EFA installer to
// 1.41.0"). The instance refuses a tarball whose checksum differs. To move
// to a newer release, take its version and checksum from the same file (AWS
// also signs each tarball: efa-installer.amazonaws.com serves
// aws-efa-installer-<version>.tar.gz.sig and the key aws-efa-installer.key).
const (
	EFAInstallerVersion = "1.41.0"
	EFAInstallerSHA256  = "3506354cdfbe31ff552fe75f5d0d9bb7efd29cf79bd99457347d29c751c38f9f"
	EFAInstallerURL     = "https://efa-installer.amazonaws.com/aws-efa-installer-" + EFAInstallerVersion + ".tar.gz"
)

// DefaultInstanceTypes is the Spot environment's default list: five
// Graviton (arm64) families, every size the catalog holds (17 types), so
// price-capacity-optimized allocation has many Spot pools to choose from.
// The families were chosen on the catalog's published us-east-1 Spot prices
// and Spot Instance Advisor bands (SpotPricesAsOf), for CPU-bound HPC jobs;
// the percentages are EstimateHourlyCost's savings for each family alone:
//
//   - c7g and c6g (compute optimized, Graviton3 and Graviton2) carry the
//     bulk: 67% and 68% below On-Demand, nine of their ten sizes interrupted
//     less than 10% of the time (c6g.8xlarge: 10-15%).
//   - c7gn and c6gn (compute, network optimized: up to 200 and 100 Gbps, EFA
//     on the 16xlarge) save the most (77% and 75%) and are the least
//     interrupted (c7gn under 5%, c6gn 5-10%); the bandwidth serves jobs
//     that stream from FSx for Lustre, and with Props.EFA their 16xlarge
//     sizes join c7g.16xlarge and r7g.16xlarge in the On-Demand environment.
//   - r7g (memory optimized, 8 GiB per vCPU) takes the jobs that need more
//     than the compute families' 2 GiB per vCPU: 70% below On-Demand, though
//     its xlarge and 4xlarge are interrupted more than 20% of the time.
//
// The general-purpose families are left out on the same data: m6g (65%) and
// m7g (58%) are the shallowest Graviton discounts, and six of their ten sizes
// are interrupted 10% of the time or more. Adding m6g would bring the
// default's estimate to 69.5% below On-Demand, m7g to 67.8%; without them
// jobs between 2 and 8 GiB per vCPU run on r7g. No mix of four or more x86
// families in the catalog comes out above 68%, and most x86 sizes are
// interrupted more than 20% of the time. This list: 70.6% (see docs/session-3-hpc.md).
var DefaultInstanceTypes = []string{"c7g", "c6g", "c7gn", "c6gn", "r7g"}

// DefaultLogRetention applies to job logs, event logs and VPC flow logs.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// The allowed FSx for Lustre per-unit throughputs of PERSISTENT_2 (MB/s/TiB).
var lustrePersistent2Throughputs = []int{125, 250, 500, 1000}

// config is Props with every default applied (withDefaults) and the
// instance lists expanded (resolve): validation and every builder read it.
type config struct {
	Props
	spot, onDemand []InstanceType
	arch           Arch
	// queues are the queues resolved: Props.Queues, or the two default
	// queues (legacy: Batch mode's SpotQueue and OnDemandQueue over the
	// shared On-Demand environment).
	queues []queueConfig
	legacy bool
}

// queueConfig is one queue with its defaults applied and its types
// expanded.
type queueConfig struct {
	Queue
	types []InstanceType
}

func (q queueConfig) hasSpot() bool { return q.Purchase != PurchaseOnDemand }
func (q queueConfig) hasOnDemand() bool {
	return q.Purchase != PurchaseSpot
}
func (q queueConfig) gpu() bool {
	return slices.ContainsFunc(q.types, InstanceType.GPU)
}

// ami is the queue's image: its own, or the cluster's.
func (c *config) ami(q queueConfig) string { return cmp.Or(q.AMI, c.AMI) }

// withDefaults resolves every default of p but the instance lists'
// expansion, which resolve does while it validates them (and the On-Demand
// list's default, which follows from it).
func withDefaults(p *Props) *config {
	c := &config{Props: *p}
	c.Mode = cmp.Or(c.Mode, DefaultMode)
	if c.Mode == ModeSlurm && c.Queues == nil {
		c.Queues = DefaultSlurmQueues
	}
	c.legacy = c.Mode == ModeBatch && c.Queues == nil
	for _, q := range c.Queues {
		q.Purchase = cmp.Or(q.Purchase, DefaultPurchase)
		if q.Priority == 0 {
			q.Priority = DefaultSpotPriority
			if q.Purchase == PurchaseOnDemand {
				q.Priority = DefaultOnDemandPriority
			}
		}
		if c.Mode == ModeSlurm {
			def := DefaultSlurmMaxInstances
			if q.Purchase == PurchaseOnDemand {
				def = DefaultSlurmOnDemandMaxInstances
			}
			q.MaxInstances = cmp.Or(q.MaxInstances, def)
		} else {
			def := DefaultMaxVCPUs
			if q.Purchase == PurchaseOnDemand {
				def = DefaultOnDemandMaxVCPUs
			}
			q.MaxVCPUs = cmp.Or(q.MaxVCPUs, def)
		}
		c.queues = append(c.queues, queueConfig{Queue: q})
	}
	if c.Job.GPUs == 0 {
		c.Job.GPUs = DefaultJobGPUs
	}
	if f := &c.SpotFallback; f.Enable {
		f.After = cmp.Or(f.After, DefaultFallbackAfter)
		f.Entry = cmp.Or(f.Entry, DefaultFallbackEntry)
	}
	if s := &c.Slurm; c.Mode == ModeSlurm {
		s.Version = cmp.Or(s.Version, DefaultSlurmVersion)
		s.Size = cmp.Or(s.Size, DefaultSlurmSize)
		s.ScaleDownIdle = cmp.Or(s.ScaleDownIdle, DefaultScaleDownIdle)
	}
	c.Workload.ResultPrefix = cmp.Or(c.Workload.ResultPrefix, DefaultResultPrefix)
	if c.InstanceTypes == nil {
		c.InstanceTypes = DefaultInstanceTypes
	}
	c.MaxVCPUs = cmp.Or(c.MaxVCPUs, DefaultMaxVCPUs)
	c.OnDemandMaxVCPUs = cmp.Or(c.OnDemandMaxVCPUs, DefaultOnDemandMaxVCPUs)
	c.RootVolumeGiB = cmp.Or(c.RootVolumeGiB, DefaultRootVolumeGiB)
	if l := &c.Lustre; !l.Disable {
		l.DeploymentType = cmp.Or(l.DeploymentType, DefaultLustreDeploymentType)
		l.CapacityGiB = cmp.Or(l.CapacityGiB, DefaultLustreCapacityGiB)
		if l.DeploymentType == LustrePersistent2 {
			l.ThroughputPerTiB = cmp.Or(l.ThroughputPerTiB, DefaultLustreThroughput)
			l.BackupRetentionDays = cmp.Or(l.BackupRetentionDays, DefaultLustreBackupDays)
		}
	}
	j := &c.Job
	j.Image = cmp.Or(j.Image, DefaultImage)
	j.VCPUs = cmp.Or(j.VCPUs, DefaultJobVCPUs)
	j.MemoryMiB = cmp.Or(j.MemoryMiB, DefaultJobMemoryMiB)
	j.Timeout = cmp.Or(j.Timeout, DefaultJobTimeout)
	j.RetryAttempts = cmp.Or(j.RetryAttempts, DefaultRetryAttempts)
	j.MultiNodeNodes = cmp.Or(j.MultiNodeNodes, DefaultMultiNodeNodes)
	if n := &c.Network; n.ExistingVpc == nil {
		n.NATGateways = cmp.Or(n.NATGateways, DefaultNATGateways)
		n.MaxAZs = cmp.Or(n.MaxAZs, DefaultMaxAZs)
	}
	c.LogRetention = cmp.Or(c.LogRetention, DefaultLogRetention)
	c.JobEventsRetry.MaxEventAge = cmp.Or(c.JobEventsRetry.MaxEventAge, DefaultEventMaxAge)
	c.JobEventsRetry.RetryAttempts = cmp.Or(c.JobEventsRetry.RetryAttempts, DefaultEventRetryAttempts)
	if q := &c.QueueMetrics; !q.Disable {
		q.Entry = cmp.Or(q.Entry, DefaultQueueMetricsEntry)
		q.StalledAfter = cmp.Or(q.StalledAfter, DefaultStalledAfter)
	}
	return c
}
