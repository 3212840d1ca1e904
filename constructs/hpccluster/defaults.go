package hpccluster

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
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
	// instance (the ECS-optimized AMI needs at least 30 GiB).
	DefaultRootVolumeGiB = 100
	// DefaultLustreDeploymentType is durable (replicated within its AZ) and
	// costs about the same per GiB as SCRATCH_2 at 125 MB/s/TiB.
	DefaultLustreDeploymentType = LustrePersistent2
	// DefaultLustreCapacityGiB is the smallest FSx for Lustre file system.
	DefaultLustreCapacityGiB = 1200
	// DefaultLustreThroughput is the PERSISTENT_2 throughput per TiB (MB/s).
	DefaultLustreThroughput = 125
	// DefaultLustreBackupDays is how long PERSISTENT_2 daily backups are kept.
	DefaultLustreBackupDays = 7
	// LustreMountPath and EFSMountPath are where the instances (and so the
	// containers) see the file systems.
	LustreMountPath = "/fsx"
	EFSMountPath    = "/efs"
	// LustreDataPath is the file system directory linked to the data
	// bucket's DataPrefix (/fsx/data).
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
)

// DefaultInstanceTypes is the Spot environment's default list: five
// Graviton (arm64) families, every size the catalog holds, so
// price-capacity-optimized allocation has many Spot pools to choose from.
var DefaultInstanceTypes = []string{"c7g", "c6g", "m7g", "m6g", "r7g"}

// DefaultLogRetention applies to job logs, event logs and VPC flow logs.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// The allowed FSx for Lustre per-unit throughputs of PERSISTENT_2 (MB/s/TiB).
var lustrePersistent2Throughputs = []int{125, 250, 500, 1000}
