package hpccluster

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsefs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsfsx"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
)

// HPCCluster is an on-demand parallel cluster on AWS Batch: Spot capacity
// with On-Demand fallback, a cluster placement group for tightly coupled
// jobs, shared FSx for Lustre and EFS file systems, and job definitions that
// retry Spot interruptions. Every resource it made is exported.
type HPCCluster struct {
	constructs.Construct

	// Vpc is the cluster's network (created, or Props.Network.ExistingVpc).
	Vpc awsec2.IVpc
	// FlowLogs receives the new VPC's flow logs (nil with an existing VPC).
	FlowLogs awslogs.LogGroup
	// S3Endpoint is the new VPC's S3 gateway endpoint (nil with an
	// existing VPC).
	S3Endpoint awsec2.GatewayVpcEndpoint
	// SecurityGroup is shared by the instances, the file systems and the
	// ENIs of multi-node containers: all traffic from and to itself, plus
	// HTTPS out. With EFA, the On-Demand instances get it through their
	// launch template's EFA interface, since AWS Batch accepts no compute
	// environment security groups beside launch-template interfaces; the
	// multi-node containers' ENIs, which AWS Batch gives the compute
	// environment's groups, then fall back to the VPC's default security
	// group (AWS Batch User Guide, "Compute environment considerations for
	// MNP"). A VPC the construct creates keeps that group's AWS defaults
	// (all traffic within the group, all traffic out), which MPI between
	// nodes and the workload download need; EFA traffic itself runs on the
	// instances' EFA interfaces, in this group.
	SecurityGroup awsec2.SecurityGroup

	// SpotEnvironment runs on Spot over the Spot types in every private
	// subnet; OnDemandEnvironment runs On-Demand in one subnet, in
	// PlacementGroup, and is the only one multi-node jobs can use.
	SpotEnvironment     awsbatch.ManagedEc2EcsComputeEnvironment
	OnDemandEnvironment awsbatch.ManagedEc2EcsComputeEnvironment
	// SpotQueue prefers SpotEnvironment and falls back to
	// OnDemandEnvironment; OnDemandQueue (higher priority) uses
	// OnDemandEnvironment only, for deadline and multi-node work.
	SpotQueue     awsbatch.JobQueue
	OnDemandQueue awsbatch.JobQueue
	// PlacementGroup is the cluster placement group of OnDemandEnvironment.
	PlacementGroup awsec2.PlacementGroup
	// LaunchTemplate configures every instance (IMDSv2, encrypted gp3 root
	// volume, file system mounts); with EFA, OnDemandEnvironment uses
	// EFALaunchTemplate instead, which adds an EFA interface (nil without).
	LaunchTemplate    awsec2.LaunchTemplate
	EFALaunchTemplate awsec2.LaunchTemplate
	// InstanceRole is the instances' role (ECS agent, EFS mount).
	InstanceRole awsiam.Role

	// JobDefinition runs the workload as a single or array job;
	// MultiNodeJobDefinition runs it on Job.MultiNodeNodes nodes at once.
	JobDefinition          awsbatch.EcsJobDefinition
	MultiNodeJobDefinition awsbatch.MultiNodeJobDefinition
	// JobRole is what the workload may do: read its own binary, write under
	// the data bucket's result prefix.
	JobRole awsiam.Role
	// Workload is the S3 asset of the compiled workload binary.
	Workload awss3assets.Asset
	// JobLogs receives the containers' output.
	JobLogs awslogs.LogGroup

	// Lustre is the FSx for Lustre file system (nil when disabled), and
	// DataRepository its link to the data bucket on PERSISTENT_2 (nil on
	// SCRATCH_2, which links through import and export paths).
	Lustre         awsfsx.LustreFileSystem
	DataRepository awsfsx.CfnDataRepositoryAssociation
	// EFS holds home directories (nil when disabled).
	EFS awsefs.FileSystem
	// DataBucket is the data repository and result bucket; AccessLogs
	// receives its server access logs.
	DataBucket awss3.Bucket
	AccessLogs awss3.Bucket

	// JobEvents receives the Batch Job State Change events (FAILED and
	// SUCCEEDED) of the cluster's queues, through JobEventsRule.
	JobEvents     awslogs.LogGroup
	JobEventsRule awsevents.CfnRule
	// FailedJobs and SucceededJobs count those events (metric filters on
	// JobEvents); FailedJobsAlarm fires on any failed job.
	FailedJobs      awscloudwatch.Metric
	SucceededJobs   awscloudwatch.Metric
	FailedJobsAlarm awscloudwatch.Alarm
	// MetricsNamespace holds FailedJobs, SucceededJobs and the queue
	// metrics (see QueueMetric).
	MetricsNamespace string
	// QueueMetricsJob counts each queue's jobs by state every minute and
	// publishes them as metrics (its function may batch:ListJobs and write
	// its own logs, nothing else); StalledJobsAlarm fires when a queue has
	// held RUNNABLE jobs with none STARTING or RUNNING for
	// QueueMetrics.StalledAfter. Both nil with QueueMetrics.Disable.
	QueueMetricsJob  *scheduledjob.Job
	StalledJobsAlarm awscloudwatch.Alarm
	// Dashboard shows queue depth and running jobs per queue, finished
	// jobs and the alarms.
	Dashboard awscloudwatch.Dashboard
	// AlarmTopic receives the alarms' notifications: Props.Alarms.Topic, or
	// the stack's shared alarm topic (alarmtopic.Shared).
	AlarmTopic awssns.ITopic
	// JobEventsPolicy lets EventBridge write to JobEvents.
	JobEventsPolicy awslogs.ResourcePolicy

	cfg *config
}

// New creates an HPCCluster. It panics with a *validate.Error that names
// every invalid prop (see Validate) before it creates any resource.
func New(scope constructs.Construct, id string, props *Props) *HPCCluster {
	cfg, err := resolve(scope, id, props)
	if err != nil {
		panic(err)
	}
	h := &HPCCluster{Construct: constructs.NewConstruct(scope, jsii.String(id)), cfg: cfg}
	h.AlarmTopic = cfg.Alarms.Topic
	if h.AlarmTopic == nil {
		h.AlarmTopic = alarmtopic.Shared(h.Construct).Topic
	}
	h.newNetwork()
	h.newStorage()
	h.newCompute()
	h.newJobs()
	h.newObservability()
	return h
}

// Cost estimates the hourly cost of the Spot environment at MaxVCPUs, and of
// the same capacity On-Demand, with EstimateHourlyCost over the Spot
// environment's instance types (see CostAssumption).
func (h *HPCCluster) Cost() CostEstimate {
	names := make([]string, len(h.cfg.spot))
	for i, t := range h.cfg.spot {
		names[i] = t.Name
	}
	e, err := EstimateHourlyCost(names, h.cfg.MaxVCPUs)
	if err != nil {
		// Validation already proved every type is in the catalog and
		// offered as Spot.
		panic(err)
	}
	return e
}

// SpotInstanceTypes and OnDemandInstanceTypes are the expanded types of the
// two environments.
func (h *HPCCluster) SpotInstanceTypes() []InstanceType {
	return append([]InstanceType(nil), h.cfg.spot...)
}
func (h *HPCCluster) OnDemandInstanceTypes() []InstanceType {
	return append([]InstanceType(nil), h.cfg.onDemand...)
}
