package gamefleet_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/gamefleet"
)

// Game servers sized around a daily raid: four from 21:30 Seoul time, none
// from 03:30. The servers run in the VPC's isolated subnets; the fleet
// scaler is gureum's own handler, built by import path. Grant what the
// servers call to fleet.Role; alarms and scaling events go to the stack's
// shared alarm topic (fleet.AlarmTopic) unless Alarms.Topic names another.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Game"), nil)
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		NatGateways:         jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{Name: jsii.String("servers"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}},
		FlowLogs:            &map[string]*awsec2.FlowLogOptions{"All": {}},
	})

	fleet := gamefleet.New(stack, "Fleet", &gamefleet.Props{
		Vpc: vpc,
		Schedules: []gamefleet.ScaleSchedule{
			{Name: "raid-start", Expression: "cron(30 21 * * ? *)", MinSize: gamefleet.Int(2), DesiredCapacity: 4},
			{Name: "raid-end", Expression: "cron(30 3 * * ? *)", MinSize: gamefleet.Int(0), DesiredCapacity: 0},
		},
	})
	app.Synth(nil)

	fmt.Println("schedules:", fleet.Scaler.ScheduleNames())
	fmt.Println("alarms to:", *fleet.AlarmTopic.Node().Path())
	// Output:
	// schedules: [raid-end raid-start]
	// alarms to: Game/GureumAlarmTopic/Topic
}
