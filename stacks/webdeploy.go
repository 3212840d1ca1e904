package stacks

// Session 2, automation: the web tier grows from one server to an Auto
// Scaling group, and releases stop being manual. A zip of the repository
// written to a source bucket starts a pipeline that tests and builds the Go
// web app on Graviton CodeBuild and rolls it out with CodeDeploy to the
// ScaledWebTier's Auto Scaling group, half of the instances at a time, each
// taken out of the load balancer while it updates, rolling back on failure
// or on one of the tier's alarms:
//
//	source.zip ─▶ S3 ─▶ EventBridge ─▶ CodePipeline: Source ─▶ CodeBuild ─▶ CodeDeploy
//	                                                                          │
//	browser ─▶ ALB (HTTPS) ─▶ ScaledWebTier stage 3: Auto Scaling group ◀────┘ ─▶ DynamoDB
//
// The tier is the stage-3 (HighlyAvailable) ScaledWebTier, with DynamoDB as
// its database to keep the stack small. Its user data installs the release
// built at synth time and writes the server's environment file; the
// pipeline appends the CodeDeploy agent's installation to that user data,
// and each release replaces the binary and the systemd unit (the same paths)
// and keeps the environment file. The hosted zone is a placeholder, as in
// the ScaledWebTier stacks (scaling.go).

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/scaledwebtier"
	"github.com/gureum-cdk/gureum/constructs/webpipeline"
)

// WebDeploySourceKey is the object key whose writes start the pipeline.
const WebDeploySourceKey = "webapp/source.zip"

// NewWebDeployStack builds a stage-3 ScaledWebTier and the pipeline that
// deploys the web app to its Auto Scaling group.
func NewWebDeployStack(scope constructs.Construct, id string, o Options) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
		Env:         webEnv(o, webSingleRegion(o)),
		Description: jsii.String("gureum: web app pipeline (CodePipeline, CodeBuild, CodeDeploy to a ScaledWebTier Auto Scaling group)"),
	})
	alarms := alarmtopic.New(stack, "Alarms", nil)
	domain := "deploy." + webZoneName
	web := scaledwebtier.New(stack, "Web", &scaledwebtier.Props{
		Stage:    scaledwebtier.HighlyAvailable,
		Entry:    o.entry("webapp", "server"),
		Name:     "gureum-web-deploy",
		Domain:   &scaledwebtier.Domain{Name: domain, HostedZone: webZone(stack)},
		Database: scaledwebtier.Database{Engine: scaledwebtier.DynamoDB},
		Alarms:   scaledwebtier.Alarms{Topic: alarms.Topic},
	})

	// The pipeline creates the source bucket (versioned, encrypted, events
	// to EventBridge) and starts on each write of the source key. It adds
	// the CodeDeploy agent to the tier's user data.
	pipe := webpipeline.New(stack, "Pipeline", &webpipeline.Props{
		AutoScalingGroup:        web.AutoScalingGroup,
		LoadBalancerTargetGroup: web.TargetGroup,
		Alarms:                  []awscloudwatch.IAlarm{web.Alarms["5xx"], web.Alarms["UnhealthyHosts"], web.Alarms["CPU"]},
		Source:                  webpipeline.Source{S3: &webpipeline.S3Source{Key: WebDeploySourceKey}},
		AlarmTopic:              alarms.Topic,
	})

	awscdk.NewCfnOutput(stack, jsii.String("Url"), &awscdk.CfnOutputProps{Value: jsii.String("https://" + domain)})
	awscdk.NewCfnOutput(stack, jsii.String("SourceUri"), &awscdk.CfnOutputProps{
		Value:       jsii.String("s3://" + *pipe.SourceBucket.BucketName() + "/" + WebDeploySourceKey),
		Description: jsii.String("Upload a zip of the repository here (git archive -o source.zip HEAD) to deploy it"),
	})
	awscdk.NewCfnOutput(stack, jsii.String("PipelineName"), &awscdk.CfnOutputProps{Value: pipe.Pipeline.PipelineName()})
	return stack
}
