// Package hpccluster provides HPCCluster: an on-demand parallel cluster on AWS
// Batch in the spirit of AWS ParallelCluster, built to run on Spot capacity
// and to cost nothing when idle. It also holds the EC2 instance catalog
// (LookupInstance, ExpandInstanceTypes) and the cost model
// (EstimateHourlyCost) the construct validates and prices itself with.
//
// The smallest use names the Go program the jobs run:
//
//	cluster := hpccluster.New(stack, "Pricing", &hpccluster.Props{
//		Workload: hpccluster.Workload{Entry: "functions/montecarlo/run"},
//	})
//	fmt.Print(cluster.Cost()) // Spot vs On-Demand per hour, as a Markdown table
//
// That creates, with every default production-grade:
//
//   - Compute: a Spot compute environment (SPOT_PRICE_CAPACITY_OPTIMIZED over
//     a diverse list of Graviton families in every private subnet) and an
//     On-Demand one (one subnet, a cluster placement group), both scaling
//     from 0 vCPUs, on the ECS-optimized Amazon Linux 2023 AMI, with a launch
//     template that requires IMDSv2, encrypts a gp3 root volume and mounts
//     the shared file systems. Props.EFA adds an Elastic Fabric Adapter to
//     the On-Demand instances (every type must support it).
//   - Queues: SpotQueue prefers Spot and falls back to On-Demand; the
//     higher-priority OnDemandQueue is for deadline work and multi-node
//     parallel jobs (AWS Batch runs those on On-Demand capacity only).
//   - Jobs: a container job definition for single and array jobs, and a
//     multi-node parallel one. The workload (Props.Workload.Entry, a Go main
//     package) is compiled at synth time for the cluster's architecture and
//     shipped as an S3 asset; the job downloads and runs it. Jobs retry Spot
//     interruptions (status reason "Host EC2*") and exit on anything else.
//     The job role may read that binary and s3:PutObject under the data
//     bucket's result prefix, nothing more.
//   - Storage: an S3 data bucket; FSx for Lustre (PERSISTENT_2, 1.2 TiB,
//     backed up daily) at /fsx, whose /fsx/data is linked to s3://bucket/data/
//     both ways; EFS for home directories at /efs (encrypted, TLS and IAM
//     mounts, AWS Backup). All are retained when the stack is deleted.
//   - Network: a VPC with private subnets, one NAT gateway, an S3 gateway
//     endpoint and flow logs; one security group that allows all traffic
//     only within itself (in and out, as EFA requires) and HTTPS out.
//   - Observability: Batch Job State Change events (FAILED, SUCCEEDED) of the
//     two queues go to a log group; metric filters count them, an alarm fires
//     on any failed job, and a dashboard shows both. AWS Batch itself
//     publishes no job-count metrics.
//
// Jobs see SHARED_DIR (/fsx/scratch, or /efs/scratch without Lustre),
// DATA_BUCKET, RESULT_PREFIX and WORKLOAD_ARGS. An array job of N children
// (the montecarlo workload shards its samples by AWS_BATCH_JOB_ARRAY_INDEX):
//
//	aws batch submit-job --job-name mc --job-queue <SpotQueue> \
//	  --job-definition <JobDefinition> --array-properties size=100 \
//	  --container-overrides 'environment=[{name=ARRAY_SIZE,value=100}]'
//	aws batch submit-job --job-name mc-reduce --job-queue <SpotQueue> \
//	  --job-definition <JobDefinition> --depends-on jobId=<array job id> \
//	  --container-overrides 'environment=[{name=RUN_ID,value=<array job id>},{name=WORKLOAD_ARGS,value=-reduce}]'
//
// Defaults live in defaults.go. A field set in Props always wins over the
// default; Network.ExistingVpc replaces the VPC (it needs private subnets with
// egress; no endpoint or flow logs are added to it), and setting it together
// with the props of a new VPC is an error. Every resource made is an exported
// field of HPCCluster for escape hatches.
//
// Costs to know: the Spot instances in other Availability Zones than the
// Lustre file system reach it across zones (inter-AZ data transfer); set
// Network.MaxAZs to 1 to avoid it at the price of shallower Spot pools. The
// file systems, the NAT gateway and the logs cost money while idle; the
// compute environments do not.
package hpccluster
