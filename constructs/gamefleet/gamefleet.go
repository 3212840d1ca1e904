package gamefleet

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
)

// Fleet is a private Auto Scaling group of game servers and the scheduled
// job that sizes it. Every resource it made is exported.
type Fleet struct {
	constructs.Construct
	// Group is the Auto Scaling group.
	Group awsautoscaling.AutoScalingGroup
	// LaunchTemplate launches the game servers.
	LaunchTemplate awsec2.LaunchTemplate
	// Role is the instances' role; it has no permission: grant what the
	// game servers call to it.
	Role awsiam.Role
	// SecurityGroup of the instances: no inbound rule, HTTPS outbound.
	SecurityGroup awsec2.SecurityGroup
	// Scaler runs the fleet scaler on Props.Schedules.
	Scaler *scheduledjob.Job
	// AlarmTopic receives the group's scaling notifications and the
	// scaler's alarms: Props.Alarms.Topic, or the stack's shared alarm topic
	// (alarmtopic.Shared). AlarmTopicKey encrypts it (nil when unknown).
	AlarmTopic    awssns.ITopic
	AlarmTopicKey awskms.IKey
}

// New creates a Fleet. It panics with a *validate.Error that names every
// invalid prop (see Validate) before it creates any resource.
func New(scope constructs.Construct, id string, props *Props) *Fleet {
	c, err := resolve(scope, id, props)
	if err != nil {
		panic(err)
	}
	f := &Fleet{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	f.AlarmTopic, f.AlarmTopicKey = c.Alarms.Topic, c.Alarms.TopicKey
	if f.AlarmTopic == nil {
		shared := alarmtopic.Shared(f.Construct)
		f.AlarmTopic, f.AlarmTopicKey = shared.Topic, shared.Key
	}
	if f.AlarmTopicKey == nil {
		f.AlarmTopicKey = f.AlarmTopic.MasterKey()
	}
	f.newLaunchTemplate(c)
	f.newGroup(c)
	f.newScaler(c)
	return f
}

func (f *Fleet) newLaunchTemplate(c *config) {
	f.SecurityGroup = awsec2.NewSecurityGroup(f.Construct, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              c.Vpc,
		Description:      jsii.String("Game servers: no inbound rule until a load balancer is attached"),
		AllowAllOutbound: jsii.Bool(false),
	})
	f.SecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to AWS APIs through the VPC endpoints"), nil)
	f.Role = awsiam.NewRole(f.Construct, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("Game server instances of " + *f.Node().Path()),
	})
	instanceType, volume := c.InstanceType, c.VolumeGiB
	cpu := awsec2.AmazonLinuxCpuType_X86_64
	if graviton(instanceType) {
		cpu = awsec2.AmazonLinuxCpuType_ARM_64
	}
	f.LaunchTemplate = awsec2.NewLaunchTemplate(f.Construct, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		InstanceType:            awsec2.NewInstanceType(jsii.String(instanceType)),
		MachineImage:            awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{CpuType: cpu}),
		HttpTokens:              awsec2.LaunchTemplateHttpTokens_REQUIRED,
		HttpEndpoint:            jsii.Bool(true),
		HttpPutResponseHopLimit: jsii.Number(1),
		DetailedMonitoring:      jsii.Bool(true),
		SecurityGroup:           f.SecurityGroup,
		Role:                    f.Role,
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String(rootDevice),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(float64(volume)), &awsec2.EbsDeviceOptions{
				Encrypted: jsii.Bool(true), VolumeType: awsec2.EbsDeviceVolumeType_GP3, DeleteOnTermination: jsii.Bool(true),
			}),
		}},
	})
}

func (f *Fleet) newGroup(c *config) {
	f.Group = awsautoscaling.NewAutoScalingGroup(f.Construct, jsii.String("Group"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:            c.Vpc,
		VpcSubnets:     c.VpcSubnets,
		LaunchTemplate: f.LaunchTemplate,
		MinCapacity:    jsii.Number(float64(c.MinCapacity)),
		MaxCapacity:    jsii.Number(float64(c.MaxCapacity)),
		Cooldown:       awscdk.Duration_Seconds(jsii.Number(DefaultCooldown.Seconds())),
		GroupMetrics:   &[]awsautoscaling.GroupMetrics{awsautoscaling.GroupMetrics_All()},
		Notifications:  &[]*awsautoscaling.NotificationConfiguration{{Topic: f.AlarmTopic, ScalingEvents: awsautoscaling.ScalingEvents_ALL()}},
	})
	if f.AlarmTopicKey != nil {
		alarmtopic.AllowAutoScaling(f.AlarmTopicKey)
	}
}

// payload is the fleet scaler's event (fleet.Request in the handler).
type payload struct {
	MinSize         *int `json:"minSize,omitempty"`
	MaxSize         *int `json:"maxSize,omitempty"`
	DesiredCapacity int  `json:"desiredCapacity"`
}

// scalerProps is the scaler job's configuration for the group groupName,
// notifying topic.
func scalerProps(c *config, groupName string, topic awssns.ITopic) *scheduledjob.Props {
	sp := &scheduledjob.Props{
		Entry:            c.Entry,
		Description:      "Scales the game-server fleet on schedule",
		Function:         scheduledjob.Function{Environment: map[string]string{"ASG_NAME": groupName}},
		Alarms:           scheduledjob.Alarms{Topic: topic},
		LogEncryptionKey: c.LogEncryptionKey,
	}
	for _, s := range c.Schedules {
		sp.Schedules = append(sp.Schedules, scheduledjob.Schedule{
			Name:       s.Name,
			Expression: s.Expression,
			TimeZone:   s.TimeZone,
			Payload:    payload{MinSize: s.MinSize, MaxSize: s.MaxSize, DesiredCapacity: s.DesiredCapacity},
		})
	}
	return sp
}

func (f *Fleet) newScaler(c *config) {
	name := f.Group.AutoScalingGroupName()
	f.Scaler = scheduledjob.New(f.Construct, "Scaler", scalerProps(c, *name, f.AlarmTopic))
	// Exactly what the handler calls: it reads the group, then updates it.
	f.Scaler.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("autoscaling:DescribeAutoScalingGroups"),
		Resources: jsii.Strings("*"),
	}))
	f.Scaler.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("autoscaling:UpdateAutoScalingGroup"),
		Resources: &[]*string{awscdk.Stack_Of(f.Construct).FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("autoscaling"), Resource: jsii.String("autoScalingGroup"),
			ResourceName: jsii.String(fmt.Sprintf("*:autoScalingGroupName/%s", *name)),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
	}))
	nag.Suppress(f.Scaler.FunctionRole, "AwsSolutions-IAM5",
		"autoscaling:DescribeAutoScalingGroups supports no resource-level permissions; UpdateAutoScalingGroup is limited to the fleet's name, "+
			"its ARN's UUID being unknown before deployment.",
		"Resource::*", `/^Resource::arn:(<AWS::Partition>|aws[-a-z]*):autoscaling:.*:autoScalingGroup:\*:autoScalingGroupName\/<.*>$/`)
}
