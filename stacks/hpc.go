package stacks

// Session 3: HPC on Spot. A Monte Carlo option pricer runs as an AWS Batch
// array job on Spot capacity, each child a shard of the samples, then a
// reduce job combines the shards:
//
//	submit ─▶ SpotQueue ─▶ Spot CE (Graviton, price-capacity-optimized)
//	                    └▶ On-Demand CE (next in order; cluster placement group)
//	children ─▶ /fsx/scratch (FSx for Lustre) + s3://data/montecarlo/ ─▶ reduce
//
// The cluster scales from zero: compute costs nothing while no job runs. A
// function counts each queue's jobs every minute for the dashboard's queue
// depth and running jobs.

import (
	"fmt"

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
		Alarms: hpccluster.Alarms{Topic: alarmtopic.New(stack, "Alarms", nil).Topic},
	})

	cost := cluster.Cost()
	out := func(id, description string, value *string) {
		awscdk.NewCfnOutput(stack, jsii.String(id), &awscdk.CfnOutputProps{Value: value, Description: jsii.String(description)})
	}
	out("SpotQueue", "Job queue for array jobs: the Spot environment first; On-Demand when Spot is INVALID or cannot provide a suitable compute resource", cluster.SpotQueue.JobQueueName())
	out("OnDemandQueue", "Job queue for deadline and multi-node work (On-Demand)", cluster.OnDemandQueue.JobQueueName())
	out("JobDefinition", "Montecarlo job definition (submit with --array-properties size=N and ARRAY_SIZE=N)", cluster.JobDefinition.JobDefinitionArn())
	out("MultiNodeJobDefinition", "Montecarlo multi-node parallel job definition (submit to OnDemandQueue; each node runs as the shard of its node index)", cluster.MultiNodeJobDefinition.JobDefinitionArn())
	out("DataBucket", "Data repository and results bucket", cluster.DataBucket.BucketName())
	out("EstimatedCostPerHour", "Estimated USD/hour at full size (Spot vs On-Demand, us-east-1 catalog prices)",
		jsii.String(fmt.Sprintf("Spot %.2f, On-Demand %.2f (%.0f%% saved) at %d vCPUs", cost.SpotPerHour, cost.OnDemandPerHour, cost.SavingsPercent, cost.VCPUs)))
	return stack
}
