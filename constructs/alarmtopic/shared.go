package alarmtopic

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// SharedID is the id of the shared alarm topic under its stack.
const SharedID = "GureumAlarmTopic"

// Shared returns the stack's shared alarm topic, an AlarmTopic created once
// per stack (as SharedID, directly under the stack) the first time a
// construct in that stack asks for it. Constructs use it when their Alarms
// prop names no topic, so no alarm is silent by default.
func Shared(scope constructs.IConstruct) *AlarmTopic {
	stack := awscdk.Stack_Of(scope)
	if c := stack.Node().TryFindChild(jsii.String(SharedID)); c != nil {
		return &AlarmTopic{
			Construct: c.(constructs.Construct),
			Topic:     c.Node().FindChild(jsii.String("Topic")).(awssns.Topic),
			Key:       c.Node().FindChild(jsii.String("Key")).(awskms.IKey),
		}
	}
	return New(stack, SharedID, &Props{DisplayName: "gureum alarms"})
}
