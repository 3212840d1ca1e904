package gamefleet

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
)

// Props configures a Fleet. The zero value of every field is the secure
// default; Vpc and Schedules are required.
type Props struct {
	// Vpc hosts the game servers. Required.
	Vpc awsec2.IVpc
	// VpcSubnets places the group. It must select at least one subnet of
	// Vpc (validated). Default: the VPC's private isolated subnets (no route
	// to or from the internet; reach AWS APIs through VPC endpoints); a VPC
	// without isolated subnets, such as awsec2.NewVpc's default, needs
	// VpcSubnets, e.g. {SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}.
	VpcSubnets *awsec2.SubnetSelection
	// InstanceType of the game servers, e.g. "c7g.xlarge". The image's
	// architecture follows it (arm64 for Graviton types, see the package
	// doc). Default: "c7g.large".
	InstanceType string
	// VolumeGiB is the root volume's size. Default: 20.
	VolumeGiB int
	// MinCapacity of the group when deployed. Default: 0 (empty until a
	// schedule sizes it).
	MinCapacity int
	// MaxCapacity of the group when deployed, at most 1000. Default: 10.
	MaxCapacity int
	// Schedules size the group. At least one is required; names are unique.
	Schedules []ScaleSchedule
	// Alarms routes the group's scaling notifications and the scaler's
	// alarms.
	Alarms Alarms
	// Entry is the fleet scaler's Go main package: a directory, or an import
	// path. Default: gureum's own handler,
	// "github.com/gureum-cdk/gureum/functions/gameevents/fleetscaler".
	Entry string
	// LogEncryptionKey encrypts every CloudWatch log group the construct creates
	// (the scaler's function logs). A key created in the app (awskms.NewKey)
	// gets the key policy statement CloudWatch Logs needs; the owner of an
	// imported key must add it (docs/log-encryption.md). Default: nil
	// (CloudWatch Logs' own encryption).
	LogEncryptionKey awskms.IKey
}

// ScaleSchedule is one run of the fleet scaler.
type ScaleSchedule struct {
	// Name of the schedule, unique within the fleet: 1-64 letters, digits,
	// '-', '_' or '.'. Required.
	Name string
	// Expression is an EventBridge Scheduler expression: "cron(...)",
	// "rate(...)" or "at(...)". Required.
	Expression string
	// TimeZone is the IANA time zone of the expression. Default: "Asia/Seoul".
	TimeZone string
	// MinSize and MaxSize set the group's bounds. Pointers because 0 is a
	// meaningful size. Default: nil (the group's current bound is kept).
	MinSize, MaxSize *int
	// DesiredCapacity is the group's new size. It must lie within the bounds
	// after the change (MinSize/MaxSize, else MinCapacity/MaxCapacity).
	DesiredCapacity int
}

// Int returns a pointer to n, for ScaleSchedule.MinSize and MaxSize.
func Int(n int) *int { return &n }

// Alarms routes the fleet's notifications.
type Alarms struct {
	// Topic receives the group's scaling notifications and the scaler's
	// alarms. Default: the stack's shared alarm topic (alarmtopic.Shared),
	// encrypted, created once per stack.
	Topic awssns.ITopic
	// TopicKey is the KMS key that encrypts Topic: its key policy gets the
	// statement that lets Auto Scaling's service-linked role use it
	// (alarmtopic.AllowAutoScaling), or the group's notifications would be
	// dropped; an imported key's policy cannot be changed here and must
	// already allow it. Set it for an imported topic, whose key the CDK
	// does not know. Requires Topic. Default: Topic's own key
	// (awssns.Topic.MasterKey), if any.
	TopicKey awskms.IKey
}
