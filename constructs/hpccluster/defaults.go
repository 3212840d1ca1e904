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
// interrupted more than 20% of the time. This list: 70.6% (see README.md).
var DefaultInstanceTypes = []string{"c7g", "c6g", "c7gn", "c6gn", "r7g"}

// DefaultLogRetention applies to job logs, event logs and VPC flow logs.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// The allowed FSx for Lustre per-unit throughputs of PERSISTENT_2 (MB/s/TiB).
var lustrePersistent2Throughputs = []int{125, 250, 500, 1000}
