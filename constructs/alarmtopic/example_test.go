package alarmtopic_test

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
)

// An encrypted alarm topic that the on-call address subscribes to. Give
// alarms.Topic to gureum's constructs as Alarms.Topic (for example
// serverlessapi.Alarms{Topic: alarms.Topic}); a construct given none
// notifies the stack's shared alarm topic, alarmtopic.Shared(stack), which
// takes subscriptions the same way.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Ops"), nil)

	alarms := alarmtopic.New(stack, "Alarms", &alarmtopic.Props{DisplayName: "Ops alarms"})
	alarms.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String("oncall@example.com"), nil))
	shared := alarmtopic.Shared(stack)
	shared.Topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String("oncall@example.com"), nil))
	app.Synth(nil)

	fmt.Println(*alarms.Topic.Node().Path(), "encrypted:", alarms.Topic.MasterKey() != nil)
	fmt.Println(*shared.Topic.Node().Path(), "encrypted:", shared.Topic.MasterKey() != nil)
	// Output:
	// Ops/Alarms/Topic encrypted: true
	// Ops/GureumAlarmTopic/Topic encrypted: true
}
