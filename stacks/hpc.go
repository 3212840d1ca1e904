package stacks

// Session 3: HPC on Spot. A Monte Carlo option pricer runs as an AWS Batch
// array job on Spot capacity, each child a shard of the samples, then a
// reduce job combines the shards. Three queues, each with its own compute
// environments:
//
//	submit ─▶ spot     ─▶ Spot CE (five Graviton families, price-capacity-optimized)
//	          highmem  ─▶ Spot CE (r7g, r8g) └▶ On-Demand CE (next in order)
//	          ondemand ─▶ On-Demand CE (c7g, c7gn; one subnet, cluster placement group)
//	children ─▶ /fsx/scratch (FSx for Lustre) + s3://data/montecarlo/ ─▶ reduce
//
// A job that waits RUNNABLE on spot for an hour (no Spot capacity) is moved
// to ondemand by the Spot fallback function. The cluster scales from zero:
// compute costs nothing while no job runs. A function counts each queue's
// jobs every minute for the dashboard's queue depth and running jobs.
// docs/hpc.md compares this Batch mode with the Slurm mode on AWS PCS.

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/hpccluster"
)

// NewHPCStack builds the Monte Carlo HPC cluster.
func NewHPCStack(scope constructs.Construct, id string, o Options) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), o.stackProps("gureum: on-demand HPC cluster on Spot (AWS Batch, FSx for Lustre, EFS)"))

	cluster := hpccluster.New(stack, "MonteCarlo", &hpccluster.Props{
		Workload: hpccluster.Workload{
			Entry:        o.entry("montecarlo", "run"),
			ResultPrefix: "montecarlo",
		},
		Queues: []hpccluster.Queue{
			{Name: "spot", InstanceTypes: hpccluster.DefaultInstanceTypes, Purchase: hpccluster.PurchaseSpot, MaxVCPUs: 256},
			{Name: "highmem", InstanceTypes: []string{"r7g", "r8g"}, MaxVCPUs: 128, Priority: 5},
			{Name: "ondemand", InstanceTypes: []string{"c7g.16xlarge", "c7gn.16xlarge"}, Purchase: hpccluster.PurchaseOnDemand, MaxVCPUs: 128},
		},
		SpotFallback: hpccluster.SpotFallback{Enable: true, After: time.Hour, From: "spot", To: "ondemand"},
		Alarms:       hpccluster.Alarms{Topic: alarmtopic.New(stack, "Alarms", nil).Topic},
	})

	cost := cluster.Cost()
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	out("SpotQueue", "Job queue for array jobs: Spot only; jobs RUNNABLE for an hour move to OnDemandQueue", cluster.SpotQueue.JobQueueName())
	out("HighMemQueue", "Job queue for jobs needing 8 GiB per vCPU: Spot first, then On-Demand", cluster.BatchQueues[1].Queue.JobQueueName())
	out("OnDemandQueue", "Job queue for deadline and multi-node work (On-Demand)", cluster.OnDemandQueue.JobQueueName())
	out("JobDefinition", "Montecarlo job definition (submit with --array-properties size=N and ARRAY_SIZE=N)", cluster.JobDefinition.JobDefinitionArn())
	out("MultiNodeJobDefinition", "Montecarlo multi-node parallel job definition (submit to OnDemandQueue; each node runs as the shard of its node index)", cluster.MultiNodeJobDefinition.JobDefinitionArn())
	out("DataBucket", "Data repository and results bucket", cluster.DataBucket.BucketName())
	out("EstimatedCostPerHour", "Estimated USD/hour of the spot queue at full size (Spot vs On-Demand, us-east-1 catalog prices)",
		jsii.String(fmt.Sprintf("Spot %.2f, On-Demand %.2f (%.0f%% saved) at %d vCPUs", cost.SpotPerHour, cost.OnDemandPerHour, cost.SavingsPercent, cost.VCPUs)))
	out("EstimatedMaxCostPerHour", "Estimated USD/hour with every queue full (us-east-1 catalog prices; see gureum report for their dates)",
		jsii.String(fmt.Sprintf("%.2f", cluster.Estimate().MaxPerHour)))
	return stack
}
