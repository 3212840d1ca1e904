package hpccluster

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsbatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsefs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsfsx"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
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
	// BatchQueues are every job queue with its environments (Batch mode):
	// with the default queues, "spot" (SpotQueue) and "ondemand"
	// (OnDemandQueue); with Props.Queues, one per queue, in order. With
	// Props.Queues, SpotQueue and SpotEnvironment are the first queue with
	// Spot capacity's, OnDemandQueue and OnDemandEnvironment the first
	// ON_DEMAND queue's (nil without one).
	BatchQueues []*BatchQueue
	// PlacementGroup is the cluster placement group of OnDemandEnvironment
	// (and of every ON_DEMAND queue's environment).
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
	// GPUJobDefinition, made when a queue lists GPU types, is
	// JobDefinition with Job.GPUs GPUs per job (submit it to a GPU queue).
	// All nil in Slurm mode.
	JobDefinition          awsbatch.EcsJobDefinition
	MultiNodeJobDefinition awsbatch.MultiNodeJobDefinition
	GPUJobDefinition       awsbatch.EcsJobDefinition
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
	// Key encrypts DataBucket (SSE-KMS with S3 bucket keys; AccessLogs
	// stays SSE-S3, which S3 log delivery needs): created, with yearly
	// rotation and retained, or Props.ExistingKey. With Lustre on, the
	// created key's policy lets FSx for Lustre's service-linked roles
	// (AWSServiceRoleForFSxS3Access_*) of the account use it through S3
	// (statement LustreKeyPolicySid); an existing key's owner must add that
	// statement.
	Key awskms.IKey

	// JobEvents receives the Batch Job State Change events (FAILED and
	// SUCCEEDED) of the cluster's queues, through JobEventsRule.
	JobEvents     awslogs.LogGroup
	JobEventsRule awsevents.CfnRule
	// JobEventsDeadLetters receives the events JobEventsRule's target
	// could not deliver after its retries (Props.JobEventsRetry):
	// SQS-managed encryption, TLS only, 14 days, retained.
	// JobEventsDeadLettersAlarm notifies AlarmTopic when it holds one.
	JobEventsDeadLetters      awssqs.Queue
	JobEventsDeadLettersAlarm awscloudwatch.Alarm
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

	// SpotFallbackJob moves jobs that waited SpotFallback.After on the
	// Spot queue to the On-Demand queue, every FallbackSchedule; its
	// Scheduler target retries into a dead-letter queue and it alarms on
	// errors (see scheduledjob). Nil unless SpotFallback.Enable.
	SpotFallbackJob *scheduledjob.Job

	// Slurm mode's resources (nil in Batch mode).
	Slurm *SlurmCluster

	cfg             *config
	environments    []awsbatch.ManagedEc2EcsComputeEnvironment
	amis            map[awsbatch.ManagedEc2EcsComputeEnvironment]string
	imageTypes      map[awsbatch.ManagedEc2EcsComputeEnvironment][]awsbatch.EcsMachineImageType
	efaEnvironments map[awsbatch.ManagedEc2EcsComputeEnvironment]bool
}

// BatchQueue is one AWS Batch job queue of the cluster and its compute
// environments.
type BatchQueue struct {
	// Name is the queue's name in Props.Queues ("spot" and "ondemand" for
	// the default queues).
	Name  string
	Queue awsbatch.JobQueue
	// SpotEnvironment and OnDemandEnvironment are the queue's environments,
	// in this order in the queue; nil when the queue has none of the kind.
	// The default queues share one OnDemandEnvironment.
	SpotEnvironment     awsbatch.ManagedEc2EcsComputeEnvironment
	OnDemandEnvironment awsbatch.ManagedEc2EcsComputeEnvironment
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
	if cfg.Mode == ModeSlurm {
		h.newSlurm()
	} else {
		h.newCompute()
		h.newJobs()
		h.newObservability()
		if cfg.SpotFallback.Enable {
			h.newSpotFallback()
		}
	}
	h.addCostMetadata()
	return h
}

// Cost estimates the hourly cost of the Spot capacity of the first queue
// with Spot capacity (the Spot environment of the default queues, at
// MaxVCPUs; a Slurm Spot node group at MaxInstances times its types' mean
// vCPUs), and of the same capacity On-Demand, with EstimateHourlyCost (see
// CostAssumption). Zero when no queue has Spot capacity. Estimate prices
// every queue in either mode.
func (h *HPCCluster) Cost() CostEstimate {
	for _, q := range h.cfg.queues {
		if !q.hasSpot() {
			continue
		}
		names := make([]string, len(q.types))
		for i, t := range q.types {
			names[i] = t.Name
		}
		vcpus := q.MaxVCPUs
		if h.cfg.Mode == ModeSlurm {
			vcpus = q.MaxInstances * meanVCPUs(q.types)
		}
		if vcpus <= 0 {
			return CostEstimate{InstanceTypes: q.types, NoPrice: names, Assumption: CostAssumption}
		}
		e, err := EstimateHourlyCost(names, vcpus)
		if err != nil {
			// Validation already proved every type well-formed and
			// offered as Spot.
			panic(err)
		}
		return e
	}
	return CostEstimate{}
}

// meanVCPUs is the mean vCPUs of the catalog's types among types (0 when
// none is in the catalog).
func meanVCPUs(types []InstanceType) int {
	sum, n := 0, 0
	for _, t := range types {
		if t.Known() {
			sum += t.VCPUs
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / n
}

// Estimate prices the whole cluster at full size, in either mode: each
// Batch queue's environments at their maximum vCPUs (Spot with
// EstimateHourlyCost's model, On-Demand at the types' mean price per vCPU;
// the default queues' shared On-Demand environment once), or each Slurm
// node group at its maximum instances and the login node. What the catalog
// has no price for is listed, not guessed.
func (h *HPCCluster) Estimate() ClusterCost {
	c := h.cfg
	cc := ClusterCost{Mode: c.Mode, Dates: CatalogDates()}
	add := func(l CostLine) {
		cc.Lines = append(cc.Lines, l)
		cc.MaxPerHour += l.PerHour
		for _, n := range l.NoPrice {
			if !slices.Contains(cc.NoPrice, n) {
				cc.NoPrice = append(cc.NoPrice, n)
			}
		}
	}
	for i, q := range c.queues {
		if c.Mode == ModeSlurm {
			if q.hasSpot() {
				cost, np := perInstance(q.types, q.MaxInstances, true)
				add(CostLine{Name: "Slurm queue " + q.Name + ", Spot node group", Spot: true, Instances: q.MaxInstances, PerHour: cost, NoPrice: np})
			}
			if q.hasOnDemand() {
				cost, np := perInstance(q.types, q.MaxInstances, false)
				add(CostLine{Name: "Slurm queue " + q.Name + ", On-Demand node group", Instances: q.MaxInstances, PerHour: cost, NoPrice: np})
			}
			continue
		}
		if c.legacy && i == 1 {
			break // the shared On-Demand environment was priced with the first queue
		}
		if q.hasSpot() {
			names := make([]string, len(q.types))
			for i, t := range q.types {
				names[i] = t.Name
			}
			e, err := EstimateHourlyCost(names, q.MaxVCPUs)
			if err != nil {
				panic(err)
			}
			add(CostLine{Name: "queue " + q.Name + ", Spot environment", Spot: true, VCPUs: q.MaxVCPUs, PerHour: e.SpotPerHour, NoPrice: e.NoPrice})
		}
		if q.hasOnDemand() {
			types, vcpus, name := q.types, q.MaxVCPUs, "queue "+q.Name+", On-Demand environment"
			if c.legacy {
				types, vcpus, name = c.onDemand, c.OnDemandMaxVCPUs, "queues spot and ondemand, shared On-Demand environment"
			}
			cost, np := onDemandPerHour(types, vcpus)
			add(CostLine{Name: name, VCPUs: vcpus, PerHour: cost, NoPrice: np})
		}
	}
	if c.Mode == ModeSlurm {
		login, _ := ParseInstanceType(c.Slurm.LoginInstanceType)
		cost, np := perInstance([]InstanceType{login}, 1, false)
		add(CostLine{Name: "Slurm login node", Instances: 1, PerHour: cost, NoPrice: np})
		cc.NoPrice = append(cc.NoPrice, "the AWS PCS controller ("+c.Slurm.Size+")")
		if c.Slurm.Accounting {
			cc.NoPrice = append(cc.NoPrice, "Slurm accounting")
		}
	}
	return cc
}

// addCostMetadata records the estimate and the catalog's dates as construct
// metadata (type CostMetadataType), which gureum report shows.
func (h *HPCCluster) addCostMetadata() {
	e := h.Estimate()
	h.Node().AddMetadata(jsii.String(CostMetadataType), map[string]any{
		"summary": fmt.Sprintf("%s mode: up to %.2f USD/hour at full size (%s, catalog prices)", e.Mode, e.MaxPerHour, PriceRegion),
		"noPrice": strings.Join(e.NoPrice, ", "),
		"dates":   strings.Join(e.Dates, "; "),
	}, nil)
}

// CostMetadataType is the construct metadata type under which an
// HPCCluster records its cost estimate and the catalog's dates.
const CostMetadataType = "gureum:cost"

// SpotInstanceTypes and OnDemandInstanceTypes are the expanded types of the
// two environments.
func (h *HPCCluster) SpotInstanceTypes() []InstanceType {
	return append([]InstanceType(nil), h.cfg.spot...)
}
func (h *HPCCluster) OnDemandInstanceTypes() []InstanceType {
	return append([]InstanceType(nil), h.cfg.onDemand...)
}
