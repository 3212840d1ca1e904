package webpipeline

import (
	"fmt"
	"github.com/gureum-cdk/gureum/constructs/internal/deadletter"
	"math"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipeline"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodepipelineactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awseventstargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/alarms"
	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
)

// WebPipeline builds the web app with CodeBuild and deploys it with
// CodeDeploy to an Auto Scaling group, from GitHub or S3, in a CodePipeline
// (V2). Every resource it made is exported.
type WebPipeline struct {
	constructs.Construct
	// Pipeline runs Source, Build and Deploy.
	Pipeline awscodepipeline.Pipeline
	// Project is the CodeBuild project of the Build stage; BuildLogs holds
	// its logs.
	Project   awscodebuild.PipelineProject
	BuildLogs awslogs.LogGroup
	// Application and DeploymentGroup are the CodeDeploy resources.
	Application     awscodedeploy.ServerApplication
	DeploymentGroup awscodedeploy.ServerDeploymentGroup
	// ArtifactBucket stores the pipeline's artifacts, encrypted with Key.
	ArtifactBucket awss3.Bucket
	// Key encrypts the artifacts (created, or Props.ExistingKey).
	Key awskms.IKey
	// AccessLogs receives the artifact bucket's access logs (created, or
	// Props.AccessLogs).
	AccessLogs awss3.IBucket
	// SourceBucket is the S3 source's bucket (created, or
	// Props.Source.S3.Bucket; nil with a GitHub source).
	SourceBucket awss3.IBucket
	// SourceRule starts the pipeline when the S3 source object is written
	// (nil with a GitHub source). Its target retries (Source.S3.MaxEventAge,
	// RetryAttempts) and then sends the event to DeadLetterQueue, whose
	// DeadLetterAlarm notifies AlarmTopic.
	SourceRule      awsevents.Rule
	DeadLetterQueue awssqs.Queue
	DeadLetterAlarm awscloudwatch.Alarm
	// AlarmTopic: Props.AlarmTopic, or the stack's shared alarm topic (nil
	// with a GitHub source, which makes no alarm).
	AlarmTopic awssns.ITopic
	// InstancePolicy, attached to the Auto Scaling group's role, lets the
	// CodeDeploy agent on the instances read the deployment bundles from
	// ArtifactBucket and decrypt them with Key (nil for an imported group,
	// whose role is not known: grant that yourself). It is a policy of the
	// pipeline's own, not a statement in the group's role's policy, so the
	// cdk-nag suppression its object-level grant needs covers this grant
	// only.
	InstancePolicy awsiam.Policy
}

// New creates a WebPipeline. It panics with a *validate.Error that names
// every invalid prop (see Validate) before it creates any resource.
func New(scope constructs.Construct, id string, props *Props) *WebPipeline {
	c, err := resolve(scope, id, props)
	if err != nil {
		panic(err)
	}
	w := &WebPipeline{Construct: constructs.NewConstruct(scope, jsii.String(id))}
	w.newArtifactStore(c)
	w.newProject(c)
	w.newDeployment(c)
	w.newPipeline(c)
	return w
}

func (w *WebPipeline) newArtifactStore(p *config) {
	w.Key = p.ExistingKey
	if w.Key == nil {
		w.Key = awskms.NewKey(w.Construct, jsii.String("Key"), &awskms.KeyProps{
			Description:       jsii.String("Pipeline artifacts of " + *w.Node().Path()),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		})
	}
	w.AccessLogs = p.AccessLogs
	if w.AccessLogs == nil {
		w.AccessLogs = securebucket.NewAccessLogs(w.Construct, "AccessLogs", false)
	}
	w.ArtifactBucket = securebucket.New(w.Construct, "Artifacts", securebucket.Props{
		EncryptionKey: w.Key,
		AccessLogs:    w.AccessLogs,
		LifecycleRules: []*awss3.LifecycleRule{{
			// Old artifacts only serve redeploys of old revisions.
			Id:                          jsii.String("expire-noncurrent-artifacts"),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(90)),
		}},
	})
	if s := p.Source.S3; s != nil {
		w.SourceBucket = s.Bucket
		if w.SourceBucket == nil {
			// Encrypted with Key: whoever uploads the source needs
			// kms:GenerateDataKey on it (and kms:Decrypt for multipart).
			b := securebucket.New(w.Construct, "Source", securebucket.Props{EncryptionKey: w.Key, AccessLogs: w.AccessLogs})
			// EventBridge events straight from S3 (set on the CfnBucket,
			// without the CDK's notifications custom resource).
			b.Node().DefaultChild().(awss3.CfnBucket).SetNotificationConfiguration(&awss3.CfnBucket_NotificationConfigurationProperty{
				EventBridgeConfiguration: &awss3.CfnBucket_EventBridgeConfigurationProperty{EventBridgeEnabled: jsii.Bool(true)},
			})
			w.SourceBucket = b
		}
	}
}

func (w *WebPipeline) newProject(p *config) {
	w.BuildLogs = loggroup.New(w.Construct, "BuildLogs", loggroup.Props{Retention: p.LogRetention, EncryptionKey: p.LogEncryptionKey})
	timeout, compute := p.Build.Timeout, p.Build.ComputeType
	spec := buildSpec(p.Build)
	w.Project = awscodebuild.NewPipelineProject(w.Construct, jsii.String("Build"), &awscodebuild.PipelineProjectProps{
		Description: jsii.String("Vets, tests and builds the web app of " + *w.Node().Path()),
		BuildSpec:   awscodebuild.BuildSpec_FromObject(&spec),
		Environment: &awscodebuild.BuildEnvironment{
			BuildImage:  DefaultBuildImage(),
			ComputeType: compute,
			Privileged:  jsii.Bool(false),
		},
		EncryptionKey: w.Key,
		Timeout:       awscdk.Duration_Minutes(jsii.Number(math.Ceil(timeout.Minutes()))),
		Logging: &awscodebuild.LoggingOptions{
			CloudWatch: &awscodebuild.CloudWatchLoggingOptions{LogGroup: w.BuildLogs},
		},
	})
	nag.Suppress(w.Project, "AwsSolutions-IAM5",
		"CodeBuild's project role writes its logs under the project's default log group (/aws/codebuild/<project>:*) and test reports to report groups named after the project (report-group/<project>-*); it reads and writes build artifacts under the pipeline's artifact bucket with the CDK's artifact grants, scoped to that bucket and key.",
		append(artifactGrants,
			"/^Resource::arn:(<AWS::Partition>|aws[-a-z]*):codebuild:.*:report-group\\/<.*>-\\*$/",
			"/^Resource::arn:(<AWS::Partition>|aws[-a-z]*):logs:.*:log-group:\\/aws\\/codebuild\\/<.*>:\\*$/")...)
}

// artifactGrants are the wildcards of the CDK's grants on the artifact
// bucket (object ARNs, s3:GetObject*-style actions) and on its key.
var artifactGrants = []string{
	"/^Resource::<.*Artifacts.*\\.Arn>\\/\\*$/",
	"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
	"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*",
}

func (w *WebPipeline) newDeployment(p *config) {
	asg := p.AutoScalingGroup
	if !p.DisableAgentInstall {
		asg.AddUserData(*jsii.Strings(InstallAgentCommands(*awscdk.Stack_Of(w.Construct).Region())...)...)
	}
	w.Application = awscodedeploy.NewServerApplication(w.Construct, jsii.String("Application"), nil)
	alarms := make([]interfacesawscloudwatch.IAlarmRef, 0, len(p.Alarms))
	for _, a := range p.Alarms {
		alarms = append(alarms, a)
	}
	// The group is named on the CloudFormation resource below rather than
	// given to the L2 deployment group: the CDK's deploy action would
	// otherwise grant the group's role read access to the artifact bucket
	// inside the role's own policy, where a cdk-nag suppression would reach
	// the role owner's other grants too. InstancePolicy grants the same.
	props := &awscodedeploy.ServerDeploymentGroupProps{
		Application:      w.Application,
		DeploymentConfig: p.Deployment.Config,
		// The construct installs the agent itself (InstallAgentCommands):
		// the CDK's installer would also grant the instances read access to
		// CodeDeploy's bucket, which the public HTTPS download does not need.
		InstallAgent: jsii.Bool(false),
		Alarms:       &alarms,
		AutoRollback: &awscodedeploy.AutoRollbackConfig{
			FailedDeployment:  jsii.Bool(true),
			DeploymentInAlarm: jsii.Bool(true),
			StoppedDeployment: jsii.Bool(true),
		},
		// Scale-in waits for the ApplicationStop hook, so the server drains.
		TerminationHook: jsii.Bool(true),
	}
	if tg := p.LoadBalancerTargetGroup; tg != nil {
		props.LoadBalancers = &[]awscodedeploy.LoadBalancer{awscodedeploy.LoadBalancer_Application(tg)}
	}
	w.DeploymentGroup = awscodedeploy.NewServerDeploymentGroup(w.Construct, jsii.String("DeploymentGroup"), props)
	w.DeploymentGroup.Node().DefaultChild().(awscodedeploy.CfnDeploymentGroup).AddPropertyOverride(
		jsii.String("AutoScalingGroups"), []any{asg.AutoScalingGroupName()})
	w.newInstancePolicy(asg)
	nag.Suppress(w.DeploymentGroup.Role(), "AwsSolutions-IAM4",
		"AWSCodeDeployRole is the documented service role policy of CodeDeploy for EC2/Auto Scaling deployments (lifecycle hooks, instance discovery, load balancer registration).",
		"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSCodeDeployRole")
	if p.Deployment.BlueGreen {
		w.blueGreen(p)
	}
}

// newInstancePolicy lets the CodeDeploy agent on the group's instances read
// the bundles: the CDK's read grant on the artifact bucket (s3:GetObject*,
// s3:GetBucket*, s3:List* on the bucket and its objects; kms:Decrypt and
// kms:DescribeKey on its key), in a policy of the pipeline's own attached to
// the group's role.
func (w *WebPipeline) newInstancePolicy(asg awsautoscaling.IAutoScalingGroup) {
	group, ok := asg.(awsautoscaling.AutoScalingGroup)
	if !ok {
		return // an imported group: its role is not known here
	}
	w.InstancePolicy = awsiam.NewPolicy(w.Construct, jsii.String("InstancePolicy"), &awsiam.PolicyProps{
		Roles: &[]awsiam.IRole{group.Role()},
		Statements: &[]awsiam.PolicyStatement{
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("ReadBundles"),
				Actions:   jsii.Strings("s3:GetObject*", "s3:GetBucket*", "s3:List*"),
				Resources: &[]*string{w.ArtifactBucket.BucketArn(), w.ArtifactBucket.ArnForObjects(jsii.String("*"))},
			}),
			awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid:       jsii.String("DecryptBundles"),
				Actions:   jsii.Strings("kms:Decrypt", "kms:DescribeKey"),
				Resources: &[]*string{w.Key.KeyArn()},
			}),
		},
	})
	nag.Suppress(w.InstancePolicy, "AwsSolutions-IAM5",
		"The CodeDeploy agent reads deployment bundles from the pipeline's artifact bucket (<bucket>/*, s3:GetObject*/GetBucket*/List*), the CDK's read grant scoped to that bucket.",
		"/^Resource::<.*Artifacts.*\\.Arn>\\/\\*$/", "Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*")
}

// blueGreen switches the deployment group to blue/green: CodeDeploy copies
// the Auto Scaling group, deploys to the copy, moves the target group's
// traffic to it and terminates the original instances later.
func (w *WebPipeline) blueGreen(p *config) {
	wait := p.Deployment.TerminateBlueAfter
	cfn := w.DeploymentGroup.Node().DefaultChild().(awscodedeploy.CfnDeploymentGroup)
	cfn.AddPropertyOverride(jsii.String("DeploymentStyle"), map[string]any{
		"DeploymentType":   "BLUE_GREEN",
		"DeploymentOption": "WITH_TRAFFIC_CONTROL",
	})
	cfn.AddPropertyOverride(jsii.String("BlueGreenDeploymentConfiguration"), map[string]any{
		"GreenFleetProvisioningOption": map[string]any{"Action": "COPY_AUTO_SCALING_GROUP"},
		"DeploymentReadyOption":        map[string]any{"ActionOnTimeout": "CONTINUE_DEPLOYMENT"},
		"TerminateBlueInstancesOnDeploymentSuccess": map[string]any{
			"Action":                       "TERMINATE",
			"TerminationWaitTimeInMinutes": int(wait.Minutes()),
		},
	})
	// Copying an Auto Scaling group that uses a launch template needs these
	// on top of AWSCodeDeployRole.
	role := w.DeploymentGroup.Role()
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("ec2:RunInstances", "ec2:CreateTags"),
		Resources: jsii.Strings("*"),
	}))
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("iam:PassRole"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "ec2.amazonaws.com"}},
	}))
	nag.Suppress(role, "AwsSolutions-IAM5",
		"Blue/green copies the Auto Scaling group: CodeDeploy launches instances from its launch template and passes the instance role, whose names are not known here; iam:PassRole is limited to EC2.",
		"Resource::*")
}

func (w *WebPipeline) newPipeline(p *config) {
	source := awscodepipeline.NewArtifact(jsii.String("Source"), nil)
	bundle := awscodepipeline.NewArtifact(jsii.String("Bundle"), nil)
	var sourceAction awscodepipeline.IAction
	var triggers []*awscodepipeline.TriggerProps
	if g := p.Source.GitHub; g != nil {
		sourceAction = awscodepipelineactions.NewCodeStarConnectionsSourceAction(&awscodepipelineactions.CodeStarConnectionsSourceActionProps{
			ActionName:    jsii.String(DefaultSourceAction),
			ConnectionArn: jsii.String(g.ConnectionArn),
			Owner:         jsii.String(g.Owner),
			Repo:          jsii.String(g.Repo),
			Branch:        jsii.String(g.Branch),
			Output:        source,
			TriggerOnPush: jsii.Bool(true),
		})
		triggers = append(triggers, &awscodepipeline.TriggerProps{
			ProviderType: awscodepipeline.ProviderType_CODE_STAR_SOURCE_CONNECTION,
			GitConfiguration: &awscodepipeline.GitConfiguration{
				SourceAction: sourceAction,
				PushFilter:   &[]*awscodepipeline.GitPushFilter{{BranchesIncludes: jsii.Strings(g.Branch)}},
			},
		})
	} else {
		sourceAction = awscodepipelineactions.NewS3SourceAction(&awscodepipelineactions.S3SourceActionProps{
			ActionName: jsii.String(DefaultSourceAction),
			Bucket:     w.SourceBucket,
			BucketKey:  jsii.String(p.Source.S3.Key),
			Output:     source,
			// Started by SourceRule from the bucket's EventBridge events,
			// without a CloudTrail trail or polling.
			Trigger: awscodepipelineactions.S3Trigger_NONE,
		})
	}
	props := &awscodepipeline.PipelineProps{
		PipelineType:   awscodepipeline.PipelineType_V2,
		ExecutionMode:  awscodepipeline.ExecutionMode_QUEUED,
		ArtifactBucket: w.ArtifactBucket,
		Stages: &[]*awscodepipeline.StageProps{
			{StageName: jsii.String("Source"), Actions: &[]awscodepipeline.IAction{sourceAction}},
			{StageName: jsii.String("Build"), Actions: &[]awscodepipeline.IAction{
				awscodepipelineactions.NewCodeBuildAction(&awscodepipelineactions.CodeBuildActionProps{
					ActionName: jsii.String("Build"),
					Project:    w.Project,
					Input:      source,
					Outputs:    &[]awscodepipeline.Artifact{bundle},
				}),
			}},
			{StageName: jsii.String("Deploy"), Actions: &[]awscodepipeline.IAction{
				awscodepipelineactions.NewCodeDeployServerDeployAction(&awscodepipelineactions.CodeDeployServerDeployActionProps{
					ActionName:      jsii.String("Deploy"),
					DeploymentGroup: w.DeploymentGroup,
					Input:           bundle,
				}),
			}},
		},
	}
	if len(triggers) > 0 {
		props.Triggers = &triggers
	}
	w.Pipeline = awscodepipeline.NewPipeline(w.Construct, jsii.String("Pipeline"), props)
	nag.Suppress(w.Pipeline, "AwsSolutions-IAM5",
		"The pipeline's roles read and write artifacts under the artifact bucket (<bucket>/*, s3:GetObject*/GetBucket*/List*/DeleteObject*/Abort*) and use its key (kms:GenerateDataKey*, kms:ReEncrypt*); these are the CDK's artifact-store grants, scoped to this bucket and key.",
		artifactGrants...)

	if s := p.Source.S3; s != nil {
		w.newSourceRule(p, s)
	}
}

// newSourceRule starts the pipeline from the source object's "Object
// Created" event, with retries, a dead-letter queue and its alarm.
func (w *WebPipeline) newSourceRule(p *config, s *S3Source) {
	w.DeadLetterQueue = deadletter.NewEventTargetQueue(w.Construct, "SourceDeadLetters", DeadLetterRetention, "the source rule's target")
	w.SourceRule = awsevents.NewRule(w.Construct, jsii.String("SourceRule"), &awsevents.RuleProps{
		Description: jsii.String(fmt.Sprintf("Starts %s when the source object is written", *w.Node().Path())),
		EventPattern: &awsevents.EventPattern{
			Source:     jsii.Strings("aws.s3"),
			DetailType: jsii.Strings("Object Created"),
			Detail: &map[string]any{
				"bucket": map[string]any{"name": []any{w.SourceBucket.BucketName()}},
				"object": map[string]any{"key": []any{s.Key}},
			},
		},
		Targets: &[]awsevents.IRuleTarget{awseventstargets.NewCodePipeline(w.Pipeline, &awseventstargets.CodePipelineTargetOptions{
			DeadLetterQueue: w.DeadLetterQueue,
			MaxEventAge:     awscdk.Duration_Seconds(jsii.Number(s.MaxEventAge.Seconds())),
			RetryAttempts:   jsii.Number(float64(s.RetryAttempts)),
		})},
	})
	w.AlarmTopic = p.AlarmTopic
	if w.AlarmTopic == nil {
		w.AlarmTopic = alarmtopic.Shared(w.Construct).Topic
	}
	w.DeadLetterAlarm = alarms.New(w.Construct, "SourceDeadLettersAlarm", alarms.Spec{
		Metric:      w.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(5))}),
		Threshold:   1,
		Description: fmt.Sprintf("%s: EventBridge could not start the pipeline for an upload of the source; the event is in the dead-letter queue. Start the pipeline by hand (aws codepipeline start-pipeline-execution) or upload again, then delete the message.", *w.Node().Path()),
	}, w.AlarmTopic)
}
