// Package hpccluster provides HPCCluster: an on-demand parallel cluster on AWS
// Batch in the spirit of AWS ParallelCluster, built to run on Spot capacity
// and to cost nothing when idle. It also holds the EC2 instance catalog
// (LookupInstance, ExpandInstanceTypes) and the cost model
// (EstimateHourlyCost) the construct validates and prices itself with.
//
// The smallest use names the Go program the jobs run (ExampleNew, with
// gureum's Monte Carlo workload by import path); Cost prices the Spot
// environment against On-Demand. That creates, with every default
// production-grade:
//
//   - Compute: a Spot compute environment (SPOT_PRICE_CAPACITY_OPTIMIZED over
//     a diverse list of Graviton families in every private subnet) and an
//     On-Demand one (one subnet, a cluster placement group), both scaling
//     from 0 vCPUs, on the ECS-optimized Amazon Linux 2023 AMI, with a launch
//     template that requires IMDSv2, encrypts a gp3 root volume and mounts
//     the shared file systems, retrying; a node that still cannot mount them
//     shuts itself down (and is terminated), so that AWS Batch replaces it
//     instead of failing every job placed on it. The environments are
//     created only once the file systems and EFS mount targets exist.
//     Props.EFA adds an Elastic Fabric Adapter to the On-Demand instances
//     (every type must support it) and installs a pinned, checksummed EFA
//     driver.
//   - Queues: SpotQueue lists the Spot environment first and the On-Demand
//     one second: AWS Batch places a ready job in the first environment that
//     is VALID and can provide a suitable resource, and tries the next one
//     when it cannot (at its maximum vCPUs, or no type fits the job); it
//     does not promise to move a job On-Demand while Spot capacity is
//     merely short. The higher-priority OnDemandQueue is for deadline work
//     and multi-node parallel jobs (AWS Batch runs those on On-Demand
//     capacity only).
//   - Jobs: a container job definition for single and array jobs, and a
//     multi-node parallel one. The workload (Props.Workload.Entry, a Go main
//     package) is compiled at synth time for the cluster's architecture and
//     shipped as an S3 asset; the job downloads and runs it. Jobs retry Spot
//     interruptions (status reason "Host EC2*") and exit on anything else.
//     The job role may read that binary and s3:PutObject under the data
//     bucket's result prefix, nothing more.
//   - Storage: an S3 data bucket, SSE-KMS on the cluster's key (rotating,
//     retained; or Props.ExistingKey), whose server access logs go to an
//     SSE-S3 bucket; FSx for Lustre (PERSISTENT_2, 1.2 TiB,
//     backed up daily for 7 days) at /fsx, whose /fsx/data is linked to
//     s3://bucket/data/ both ways; EFS for home directories at /efs
//     (encrypted, TLS and IAM mounts, AWS Backup). All are retained when the
//     stack is deleted. With SCRATCH_2, the data prefix appears at the root
//     of /fsx instead (s3://bucket/data/x is /fsx/x), and changes go back to
//     the bucket only when a data repository task exports them.
//   - Network: a VPC with private subnets, one NAT gateway (public
//     subnets assign no public IPs), an S3 gateway endpoint and flow logs;
//     one security group that allows all traffic only within itself (in
//     and out, as EFA requires) and HTTPS out.
//   - Observability: a scheduled function (functions/batchmetrics) counts
//     each queue's jobs by state every minute and publishes queue depth,
//     running and stalled jobs as CloudWatch metrics (AWS Batch's own
//     AWS/Batch metrics count state transitions, not the jobs in a state
//     now); an alarm fires when a queue holds RUNNABLE jobs with none
//     starting or running for 30 minutes. Batch Job State Change events
//     (FAILED, SUCCEEDED) of the two queues go to a log group (EventBridge
//     retries, then keeps an undelivered event in a dead-letter queue that
//     alarms); metric filters count them and an alarm fires on any failed
//     job. LogEncryptionKey encrypts every log group. The dashboard shows
//     queue depth and running jobs per queue, finished jobs and the alarms,
//     which notify Alarms.Topic, or the stack's shared alarm topic
//     (alarmtopic.Shared) when none is given (HPCCluster.AlarmTopic).
//
// Jobs see SHARED_DIR (/fsx/scratch, or /efs/scratch without Lustre),
// DATA_BUCKET, RESULT_PREFIX, WORKLOAD_ARGS, and AWS_REGION and
// AWS_DEFAULT_REGION (the stack's Region). An array job of N children
// (the montecarlo workload shards its samples by AWS_BATCH_JOB_ARRAY_INDEX):
//
//	aws batch submit-job --job-name mc --job-queue <SpotQueue> \
//	  --job-definition <JobDefinition> --array-properties size=100 \
//	  --container-overrides 'environment=[{name=ARRAY_SIZE,value=100}]'
//	aws batch submit-job --job-name mc-reduce --job-queue <SpotQueue> \
//	  --job-definition <JobDefinition> --depends-on jobId=<array job id> \
//	  --container-overrides 'environment=[{name=RUN_ID,value=<array job id>},{name=ARRAY_SIZE,value=100},{name=WORKLOAD_ARGS,value=-reduce}]'
//
// Beyond these defaults (docs/hpc.md has the long form): Props.Queues lists
// queues with their own instance types, purchase option (Spot, On-Demand or
// both) and priority; instance types outside the catalog are accepted by
// shape, GPU types boot the ECS GPU-optimized image and get GPUJobDefinition;
// Props.AMI and Props.BootstrapCommands replace the image and extend the
// boot; Props.SpotFallback moves jobs that waited too long on a Spot queue to
// an On-Demand queue (functions/spotfallback); and Props.Mode ModeSlurm builds
// the cluster on AWS Parallel Computing Service instead (Slurm controller,
// login node, node groups per queue), where the same workload runs as an
// sbatch array job (functions/montecarlo/slurm/montecarlo.sbatch). Estimate
// prices either mode; the estimate and the catalog's dates are recorded as
// construct metadata (CostMetadataType), which gureum report prints.
//
// Defaults live in defaults.go (withDefaults resolves them once). A field
// set in Props always wins over the default; Network.ExistingVpc replaces the VPC (it needs private subnets with
// egress; no endpoint or flow logs are added to it), and setting it together
// with the props of a new VPC is an error. Every resource made is an exported
// field of HPCCluster for escape hatches.
//
// Costs to know: the Spot instances in other Availability Zones than the
// Lustre file system reach it across zones (inter-AZ data transfer); set
// Network.MaxAZs to 1 to avoid it at the price of shallower Spot pools. The
// file systems, the NAT gateway and the logs cost money while idle; the
// compute environments do not. The queue-metrics function runs every minute
// and publishes 7 custom metrics per queue (14 in all); turn it off with
// QueueMetrics.Disable.
package hpccluster
