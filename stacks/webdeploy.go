package stacks

// Session 2, automation: the web tier grows from one server to an Auto
// Scaling group, and releases stop being manual. A zip of the repository
// written to a source bucket starts a pipeline that tests and builds the Go
// web app on Graviton CodeBuild and rolls it out with CodeDeploy, half of
// the instances at a time, rolling back on failure or on a CPU alarm:
//
//	source.zip ─▶ S3 ─▶ EventBridge ─▶ CodePipeline: Source ─▶ CodeBuild ─▶ CodeDeploy ─▶ Auto Scaling group
//
// The stack creates its own minimal private Auto Scaling group so it stands
// alone; the ScaledWebTier stack pairs the same pipeline with its load
// balanced tier.

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/webpipeline"
)

// WebDeploySourceKey is the object key whose writes start the pipeline.
const WebDeploySourceKey = "webapp/source.zip"

// NewWebDeployStack builds the web app's deployment pipeline and the Auto
// Scaling group it deploys to.
func NewWebDeployStack(scope constructs.Construct, id string, o Options) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), o.stackProps("gureum: web app pipeline (CodePipeline, CodeBuild, CodeDeploy to EC2 Auto Scaling)"))
	alarmTopic := alarmtopic.New(stack, "Alarms", nil)
	topic := alarmTopic.Topic
	// Auto Scaling publishes the group's notifications with its
	// service-linked role, which must use the topic's key. The role is
	// matched by condition, so the key policy is valid before the role
	// exists in a new account.
	alarmTopic.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AutoScalingNotifications"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"ArnEquals":    map[string]any{"aws:PrincipalArn": "arn:" + *stack.Partition() + ":iam::" + *stack.Account() + ":role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"},
			"StringEquals": map[string]any{"aws:PrincipalAccount": stack.Account()},
		},
	}), nil)

	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(1),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("App"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(22)},
		},
	})
	vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
		Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(awslogs.NewLogGroup(stack, jsii.String("FlowLogs"), &awslogs.LogGroupProps{
			Retention: awslogs.RetentionDays_ONE_YEAR, RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		}), nil),
		TrafficType: awsec2.FlowLogTrafficType_ALL,
	})

	// The instances: Graviton, IMDSv2 only, encrypted gp3 root volume,
	// reachable through SSM Session Manager only (no SSH, no ingress).
	role := awsiam.NewRole(stack, jsii.String("InstanceRole"), &awsiam.RoleProps{
		AssumedBy:       awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		ManagedPolicies: &[]awsiam.IManagedPolicy{awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonSSMManagedInstanceCore"))},
	})
	cdknag.NagSuppressions_AddResourceSuppressions(role, &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM4"),
		Reason:    jsii.String("AmazonSSMManagedInstanceCore is the documented policy for Session Manager and the SSM agent; it replaces SSH."),
		AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore"},
	}}, jsii.Bool(true))
	sg := awsec2.NewSecurityGroup(stack, jsii.String("InstanceSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("gureum web app instances: no ingress, outbound for packages, SSM and CodeDeploy"),
		AllowAllOutbound: jsii.Bool(true),
	})
	userData := awsec2.UserData_ForLinux(nil)
	userData.AddCommands(
		jsii.String("install -d -m 0755 /etc/gureum"),
		jsii.String("printf 'LISTEN_ADDR=:8080\\nSESSION_STORE=memory\\nAPP_STAGE=webdeploy\\n' > "+webpipeline.EnvFile),
	)
	userData.AddCommands(*jsii.Strings(webpipeline.InstallAgentCommands(*stack.Region())...)...)
	template := awsec2.NewLaunchTemplate(stack, jsii.String("LaunchTemplate"), &awsec2.LaunchTemplateProps{
		InstanceType:            awsec2.NewInstanceType(jsii.String("t4g.small")),
		MachineImage:            awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{CpuType: awsec2.AmazonLinuxCpuType_ARM_64}),
		RequireImdsv2:           jsii.Bool(true),
		HttpPutResponseHopLimit: jsii.Number(1),
		DetailedMonitoring:      jsii.Bool(true),
		Role:                    role,
		SecurityGroup:           sg,
		UserData:                userData,
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(16), &awsec2.EbsDeviceOptions{
				Encrypted: jsii.Bool(true), VolumeType: awsec2.EbsDeviceVolumeType_GP3, DeleteOnTermination: jsii.Bool(true),
			}),
		}},
	})
	asg := awsautoscaling.NewAutoScalingGroup(stack, jsii.String("WebServers"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:            vpc,
		VpcSubnets:     &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS},
		LaunchTemplate: template,
		MinCapacity:    jsii.Number(2),
		MaxCapacity:    jsii.Number(4),
		Notifications:  &[]*awsautoscaling.NotificationConfiguration{{Topic: topic}},
	})

	cpu := awscloudwatch.NewAlarm(stack, jsii.String("CpuAlarm"), &awscloudwatch.AlarmProps{
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace:     jsii.String("AWS/EC2"),
			MetricName:    jsii.String("CPUUtilization"),
			DimensionsMap: &map[string]*string{"AutoScalingGroupName": asg.AutoScalingGroupName()},
			Statistic:     jsii.String("Average"),
			Period:        awscdk.Duration_Minutes(jsii.Number(1)),
		}),
		Threshold:          jsii.Number(80),
		ComparisonOperator: awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
		EvaluationPeriods:  jsii.Number(3),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String("gureum web servers: average CPU at or above 80% for 3 minutes. A deployment in progress rolls back; look at the new revision."),
	})
	cpu.AddAlarmAction(awscloudwatchactions.NewSnsAction(topic))
	cpu.AddOkAction(awscloudwatchactions.NewSnsAction(topic))

	// The pipeline creates the source bucket (versioned, encrypted, events
	// to EventBridge) and starts on each write of the source key.
	pipe := webpipeline.New(stack, "Pipeline", &webpipeline.Props{
		AutoScalingGroup:    asg,
		Alarms:              []awscloudwatch.IAlarm{cpu},
		Source:              webpipeline.Source{S3: &webpipeline.S3Source{Key: WebDeploySourceKey}},
		DisableAgentInstall: true, // the user data above installs it
	})

	awscdk.NewCfnOutput(stack, jsii.String("SourceUri"), &awscdk.CfnOutputProps{
		Value:       jsii.String("s3://" + *pipe.SourceBucket.BucketName() + "/" + WebDeploySourceKey),
		Description: jsii.String("Upload a zip of the repository here (git archive -o source.zip HEAD) to deploy it"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("PipelineName"), &awscdk.CfnOutputProps{Value: pipe.Pipeline.PipelineName()})
	return stack
}
