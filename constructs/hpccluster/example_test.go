package hpccluster_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/hpccluster"
)

// A cluster that runs gureum's Monte Carlo option pricer (named by import
// path, so it builds from any app that requires gureum) on Spot capacity,
// with every other default: five Graviton families, FSx for Lustre and EFS,
// scale to zero. Submit jobs to SpotQueue with JobDefinition.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Pricing"), nil)

	cluster := hpccluster.New(stack, "Cluster", &hpccluster.Props{
		Workload: hpccluster.Workload{Entry: "github.com/gureum-cdk/gureum/functions/montecarlo/run"},
	})
	app.Synth(nil)

	cost := cluster.Cost()
	fmt.Printf("%d Spot types, %.1f%% below On-Demand at %d vCPUs\n",
		len(cluster.SpotInstanceTypes()), cost.SavingsPercent, cost.VCPUs)
	fmt.Println("alarms to:", *cluster.AlarmTopic.Node().Path())
	// Output:
	// 17 Spot types, 70.6% below On-Demand at 256 vCPUs
	// alarms to: Pricing/GureumAlarmTopic/Topic
}
