package gamefleet

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
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
}

// New creates a Fleet. It panics with a *validate.Error that names every
// invalid prop (see Validate) before it creates any resource.
func New(scope constructs.Construct, id string, props *Props) *Fleet {
	if err := validateProps(scope, id, props); err != nil {
		panic(err)
	}
	p := *props
	f := &Fleet{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	f.newLaunchTemplate(&p)
	f.newGroup(&p)
	f.newScaler(&p)
	return f
}

func (f *Fleet) newLaunchTemplate(p *Props) {
	f.SecurityGroup = awsec2.NewSecurityGroup(f.Construct, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              p.Vpc,
		Description:      jsii.String("Game servers: no inbound rule until a load balancer is attached"),
		AllowAllOutbound: jsii.Bool(false),
	})
	f.SecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to AWS APIs through the VPC endpoints"), nil)
	f.Role = awsiam.NewRole(f.Construct, jsii.String("Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("Game server instances of " + *f.Node().Path()),
	})
	instanceType := p.InstanceType
	if instanceType == "" {
		instanceType = DefaultInstanceType
	}
	cpu := awsec2.AmazonLinuxCpuType_X86_64
	if graviton(instanceType) {
		cpu = awsec2.AmazonLinuxCpuType_ARM_64
	}
	volume := p.VolumeGiB
	if volume == 0 {
		volume = DefaultVolumeGiB
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

func (f *Fleet) newGroup(p *Props) {
	subnets := p.VpcSubnets
	if subnets == nil {
		subnets = &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
	}
	gp := &awsautoscaling.AutoScalingGroupProps{
		Vpc:            p.Vpc,
		VpcSubnets:     subnets,
		LaunchTemplate: f.LaunchTemplate,
		MinCapacity:    jsii.Number(float64(p.MinCapacity)),
		MaxCapacity:    jsii.Number(float64(maxCapacity(p))),
		Cooldown:       awscdk.Duration_Seconds(jsii.Number(DefaultCooldown.Seconds())),
		GroupMetrics:   &[]awsautoscaling.GroupMetrics{awsautoscaling.GroupMetrics_All()},
	}
	if p.AlarmTopic != nil {
		gp.Notifications = &[]*awsautoscaling.NotificationConfiguration{{Topic: p.AlarmTopic, ScalingEvents: awsautoscaling.ScalingEvents_ALL()}}
	}
	f.Group = awsautoscaling.NewAutoScalingGroup(f.Construct, jsii.String("Group"), gp)
	if p.AlarmTopic == nil {
		nag.Suppress(f.Group, "AwsSolutions-AS3", "Props.AlarmTopic is not set, so scaling notifications have no destination; the group's metrics are still published.")
	}
	if p.AlarmTopicKey != nil {
		alarmtopic.AllowAutoScaling(p.AlarmTopicKey)
	}
}

// payload is the fleet scaler's event (fleet.Request in the handler).
type payload struct {
	MinSize         *int `json:"minSize,omitempty"`
	MaxSize         *int `json:"maxSize,omitempty"`
	DesiredCapacity int  `json:"desiredCapacity"`
}

// scalerProps is the scaler job's configuration for the group groupName.
func scalerProps(p *Props, groupName string) *scheduledjob.Props {
	entry := p.Entry
	if entry == "" {
		entry = DefaultEntry
	}
	sp := &scheduledjob.Props{
		Entry:       entry,
		Description: "Scales the game-server fleet on schedule",
		Function:    scheduledjob.Function{Environment: map[string]string{"ASG_NAME": groupName}},
		Alarms:      scheduledjob.Alarms{Topic: p.AlarmTopic},
	}
	for _, s := range p.Schedules {
		sp.Schedules = append(sp.Schedules, scheduledjob.Schedule{
			Name:       s.Name,
			Expression: s.Expression,
			TimeZone:   s.TimeZone,
			Payload:    payload{MinSize: s.MinSize, MaxSize: s.MaxSize, DesiredCapacity: s.DesiredCapacity},
		})
	}
	return sp
}

func (f *Fleet) newScaler(p *Props) {
	name := f.Group.AutoScalingGroupName()
	f.Scaler = scheduledjob.New(f.Construct, "Scaler", scalerProps(p, *name))
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
