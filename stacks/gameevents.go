package stacks

// Session 1, scenarios 2 and 3: a mobile game's daily event.
//
// Scheduled jobs (EventBridge Scheduler, Asia/Seoul):
//
//	12:30 fleet scaler   ─▶ Auto Scaling group of Graviton game servers (scale out)
//	13:00 event start    ─▶ publisher ─▶ SNS players topic (push notification)
//	18:00 event end      ─▶ publisher ─▶ SNS players topic
//	18:30 fleet scaler   ─▶ Auto Scaling group (scale in to 0)
//
// Play events during the event:
//
//	game servers ─▶ Kinesis (on-demand, KMS) ─▶ stream processor (Go) ─▶ S3 aggregates
//	    ─▶ S3 notification ─▶ indexer (Go, in the VPC) ─▶ OpenSearch (VPC, multi-AZ, FGAC)
//
// The publisher job is one scheduledjob with two schedules and two payloads.

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
	"github.com/gureum-cdk/gureum/constructs/streampipeline"
)

// gameEventID names today's event in the notifications.
const gameEventID = "daily-raid"

// NewGameEventsStack builds the game-event scheduler and play-event pipeline.
func NewGameEventsStack(scope constructs.Construct, id string, o Options) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), o.stackProps("gureum: scheduled game events (EventBridge Scheduler, Auto Scaling, SNS) and play-event analytics (Kinesis, Lambda, S3, OpenSearch)"))
	alarms := alarmtopic.New(stack, "Alarms", nil)

	// Play events: Kinesis -> processor -> S3 -> indexer -> OpenSearch. The
	// pipeline's VPC also hosts the game servers.
	pipeline := streampipeline.New(stack, "PlayEvents", &streampipeline.Props{
		ProcessorEntry: o.entry("gameevents", "streamprocessor"),
		IndexerEntry:   o.entry("gameevents", "indexer"),
		Alarms:         streampipeline.Alarms{Topic: alarms.Topic},
	})

	// Game servers put play events through a Kinesis endpoint in their VPC.
	fleet, fleetRole, fleetSG := newGameFleet(stack, pipeline.Vpc, alarms)
	kinesisEndpoint := pipeline.Vpc.AddInterfaceEndpoint(jsii.String("KinesisEndpoint"), &awsec2.InterfaceVpcEndpointOptions{
		Service: awsec2.InterfaceVpcEndpointAwsService_KINESIS_STREAMS(),
		Open:    jsii.Bool(false),
	})
	kinesisEndpoint.Connections().AllowDefaultPortFrom(fleetSG, jsii.String("HTTPS from the game servers"))
	pipeline.Stream.GrantWrite(fleetRole)

	// 12:30 scale out before the event, 18:30 scale in after it.
	scaler := scheduledjob.New(stack, "FleetScaler", &scheduledjob.Props{
		Entry:       o.entry("gameevents", "fleetscaler"),
		Description: "Scales the game-server fleet around the daily event",
		Schedules: []scheduledjob.Schedule{
			{Name: "scale-out", Expression: "cron(30 12 * * ? *)", Payload: map[string]int{"minSize": 2, "desiredCapacity": 4}},
			{Name: "scale-in", Expression: "cron(30 18 * * ? *)", Payload: map[string]int{"minSize": 0, "desiredCapacity": 0}},
		},
		Function: scheduledjob.Function{Environment: map[string]string{"ASG_NAME": *fleet.AutoScalingGroupName()}},
		Alarms:   scheduledjob.Alarms{Topic: alarms.Topic},
	})
	// DescribeAutoScalingGroups has no resource-level permissions; the update
	// is limited to this group (its ARN holds a UUID unknown before deploy).
	scaler.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("autoscaling:DescribeAutoScalingGroups"),
		Resources: jsii.Strings("*"),
	}))
	scaler.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions: jsii.Strings("autoscaling:UpdateAutoScalingGroup"),
		Resources: &[]*string{stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("autoscaling"), Resource: jsii.String("autoScalingGroup"),
			ResourceName: jsii.String(fmt.Sprintf("*:autoScalingGroupName/%s", *fleet.AutoScalingGroupName())),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})},
	}))
	cdknag.NagSuppressions_AddResourceSuppressions(scaler.FunctionRole, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("autoscaling:DescribeAutoScalingGroups supports no resource-level permissions; UpdateAutoScalingGroup is limited to the fleet's name, " +
			"its ARN's UUID being unknown before deployment."),
		AppliesTo: &[]any{"Resource::*", &cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:<AWS::Partition>:autoscaling:.*:autoScalingGroup:\*:autoScalingGroupName\/<.*>$/`)}},
	}}, jsii.Bool(true))

	// 13:00 and 18:00: one job, two schedules, two payloads.
	playersKey := awskms.NewKey(stack, jsii.String("PlayersKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the players' notification topic"),
		EnableKeyRotation: jsii.Bool(true),
	})
	players := awssns.NewTopic(stack, jsii.String("Players"), &awssns.TopicProps{
		DisplayName: jsii.String("Game event notifications"),
		MasterKey:   playersKey,
		EnforceSSL:  jsii.Bool(true),
	})
	zero := 0
	notices := scheduledjob.New(stack, "EventNotices", &scheduledjob.Props{
		Entry:       o.entry("gameevents", "publisher"),
		Description: "Announces the start and end of the daily event to players",
		Schedules: []scheduledjob.Schedule{
			{Name: "event-start", Expression: "cron(0 13 * * ? *)", Payload: map[string]string{
				"event": "start", "eventId": gameEventID, "title": "Raid open", "message": "The daily raid has begun: join now!",
			}},
			{Name: "event-end", Expression: "cron(0 18 * * ? *)", Payload: map[string]string{
				"event": "end", "eventId": gameEventID, "title": "Raid closed", "message": "The daily raid is over. See you tomorrow!",
			}},
		},
		// A standard SNS topic does not deduplicate: a retried publish would
		// notify players twice, so a failed handler is not retried by Lambda,
		// and Scheduler gives up after 10 minutes (a late notice is wrong).
		Retry:    scheduledjob.Retry{MaxEventAge: 10 * time.Minute},
		Function: scheduledjob.Function{Environment: map[string]string{"TOPIC_ARN": *players.TopicArn()}, AsyncRetries: &zero},
		Alarms:   scheduledjob.Alarms{Topic: alarms.Topic},
	})
	// Exactly what the publisher calls: sns:Publish, with the topic's key.
	notices.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("sns:Publish"),
		Resources: &[]*string{players.TopicArn()},
	}))
	notices.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
		Resources: &[]*string{playersKey.KeyArn()},
	}))

	awscdk.NewCfnOutput(stack, jsii.String("FleetName"), &awscdk.CfnOutputProps{Value: fleet.AutoScalingGroupName()})
	awscdk.NewCfnOutput(stack, jsii.String("PlayersTopic"), &awscdk.CfnOutputProps{Value: players.TopicArn()})
	awscdk.NewCfnOutput(stack, jsii.String("PlayEventsStream"), &awscdk.CfnOutputProps{Value: pipeline.Stream.StreamName()})
	awscdk.NewCfnOutput(stack, jsii.String("SearchEndpoint"), &awscdk.CfnOutputProps{Value: pipeline.Domain.DomainEndpoint()})
	return stack
}

// newGameFleet is a small private Auto Scaling group of Graviton game servers,
// empty until the fleet scaler sizes it.
func newGameFleet(stack awscdk.Stack, vpc awsec2.IVpc, alarms *alarmtopic.AlarmTopic) (awsautoscaling.AutoScalingGroup, awsiam.IRole, awsec2.ISecurityGroup) {
	sg := awsec2.NewSecurityGroup(stack, jsii.String("FleetSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              vpc,
		Description:      jsii.String("Game servers: no inbound rule until a load balancer is attached"),
		AllowAllOutbound: jsii.Bool(false),
	})
	sg.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to AWS APIs through the VPC endpoints"), nil)
	role := awsiam.NewRole(stack, jsii.String("FleetRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("Game server instances"),
	})
	template := awsec2.NewLaunchTemplate(stack, jsii.String("FleetTemplate"), &awsec2.LaunchTemplateProps{
		InstanceType: awsec2.NewInstanceType(jsii.String("c7g.large")),
		MachineImage: awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{
			CpuType: awsec2.AmazonLinuxCpuType_ARM_64,
		}),
		HttpTokens:              awsec2.LaunchTemplateHttpTokens_REQUIRED,
		HttpEndpoint:            jsii.Bool(true),
		HttpPutResponseHopLimit: jsii.Number(1),
		DetailedMonitoring:      jsii.Bool(true),
		SecurityGroup:           sg,
		Role:                    role,
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(20), &awsec2.EbsDeviceOptions{
				Encrypted: jsii.Bool(true), VolumeType: awsec2.EbsDeviceVolumeType_GP3, DeleteOnTermination: jsii.Bool(true),
			}),
		}},
	})
	// Auto Scaling sends its notifications through its service-linked role,
	// which must be able to use the alarm topic's key.
	// The role may not exist yet in a new account, so it is matched by a
	// condition rather than named as a principal.
	alarms.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAutoScalingNotifications"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:CallerAccount": stack.Account()},
			"ArnLike": map[string]any{"aws:PrincipalArn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("role"),
				ResourceName: jsii.String("aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"),
			})},
		},
	}), jsii.Bool(true))
	asg := awsautoscaling.NewAutoScalingGroup(stack, jsii.String("Fleet"), &awsautoscaling.AutoScalingGroupProps{
		Vpc:            vpc,
		VpcSubnets:     &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED},
		LaunchTemplate: template,
		MinCapacity:    jsii.Number(0),
		MaxCapacity:    jsii.Number(10),
		Cooldown:       awscdk.Duration_Minutes(jsii.Number(5)),
		GroupMetrics:   &[]awsautoscaling.GroupMetrics{awsautoscaling.GroupMetrics_All()},
		Notifications:  &[]*awsautoscaling.NotificationConfiguration{{Topic: alarms.Topic, ScalingEvents: awsautoscaling.ScalingEvents_ALL()}},
	})
	return asg, role, sg
}
