package webpipeline

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
)

// Props configures a WebPipeline. The zero value of every optional field is
// the secure default; AutoScalingGroup, Alarms and one Source are required.
type Props struct {
	// AutoScalingGroup runs the web app; CodeDeploy deploys to its
	// instances, and new instances get the last good revision. Its instances
	// run Amazon Linux 2023 (or another dnf/systemd Linux). Required.
	AutoScalingGroup awsautoscaling.IAutoScalingGroup
	// LoadBalancerTargetGroup, when set, lets CodeDeploy take each instance
	// out of the target group while it is updated (traffic control).
	// Required for BlueGreen. Default: nil (no traffic control).
	LoadBalancerTargetGroup awselasticloadbalancingv2.IApplicationTargetGroup
	// Alarms roll a deployment back when one of them fires during it (5xx
	// rate, latency, CPU, ...). At least one is required.
	Alarms []awscloudwatch.IAlarm
	// Source is where the pipeline gets the code: exactly one of GitHub or
	// S3. Required.
	Source Source
	// Build tunes the CodeBuild project.
	Build Build
	// Deployment tunes CodeDeploy.
	Deployment Deployment
	// DisableAgentInstall stops the construct from appending the CodeDeploy
	// agent's installation (InstallAgentCommands) to the Auto Scaling
	// group's user data. Set it when the user data already runs
	// InstallAgentCommands or the AMI has the agent, and always for an
	// imported Auto Scaling group (its user data cannot be changed).
	// Default: false (installed by the construct).
	DisableAgentInstall bool
	// ExistingKey encrypts the artifact bucket and the build's artifacts
	// instead of a new key (with yearly rotation) that the construct
	// creates. Default: nil (a new key).
	ExistingKey awskms.IKey
	// AccessLogs receives the artifact bucket's server access logs. Default:
	// nil (the construct creates an access log bucket).
	AccessLogs awss3.IBucket
	// LogRetention applies to the build logs. Default: one year.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts every log group the construct creates (the
	// build logs). A key created in the app gets the key policy statement
	// CloudWatch Logs needs (loggroup.KeyPolicyStatement); an imported key's
	// owner must add it. Default: nil (CloudWatch Logs' own encryption).
	LogEncryptionKey awskms.IKey
	// AlarmTopic receives the alarm of the S3 source's dead-letter queue.
	// Default: the stack's shared alarm topic (alarmtopic.Shared),
	// encrypted, created once per stack.
	AlarmTopic awssns.ITopic
}

// Source picks where the pipeline gets the code. Set exactly one field.
type Source struct {
	// GitHub starts the pipeline on each push to a branch, through an AWS
	// CodeConnections (CodeStar) connection.
	GitHub *GitHubSource
	// S3 starts the pipeline each time a zip of the repository is written to
	// a bucket key.
	S3 *S3Source
}

// GitHubSource is a GitHub repository branch read through a connection.
type GitHubSource struct {
	// ConnectionArn is the connection's ARN
	// (arn:aws:codeconnections:REGION:ACCOUNT:connection/ID, or the older
	// codestar-connections service name). The connection must be
	// authorized in the console once. Required.
	ConnectionArn string
	// Owner is the GitHub user or organization. Required.
	Owner string
	// Repo is the repository name. Required.
	Repo string
	// Branch is the branch whose pushes start the pipeline. Required.
	Branch string
}

// S3Source is a zip of the repository at a bucket key.
type S3Source struct {
	// Bucket holds the zip. A bucket given here must be versioned
	// (CodePipeline reads object versions) and send its events to Amazon
	// EventBridge (the bucket's
	// NotificationConfiguration.EventBridgeConfiguration): the construct
	// starts the pipeline from the "Object Created" event of Key. Default:
	// nil (the construct creates a versioned, encrypted, access-logged
	// bucket with EventBridge events on, retained on stack deletion).
	Bucket awss3.IBucket
	// Key is the zip's object key, e.g. "webapp/source.zip". Required.
	Key string
	// MaxEventAge and RetryAttempts bound EventBridge's retries to start
	// the pipeline from the object's event; an event still undelivered goes
	// to the construct's DeadLetterQueue. Default: DefaultSourceMaxEventAge
	// (24 hours, whole seconds from 1 minute) and DefaultSourceRetryAttempts
	// (185, EventBridge's most; zero means the default).
	MaxEventAge   time.Duration
	RetryAttempts int
}

// Build tunes the CodeBuild project.
type Build struct {
	// MainPackage is the Go main package to compile, relative to the
	// repository root. Default: "./functions/webapp/server".
	MainPackage string
	// TestPackages is the package pattern to vet and test first. Default:
	// "./functions/webapp/...".
	TestPackages string
	// Timeout stops a hung build. Default: 30 minutes.
	Timeout time.Duration
	// ComputeType sizes the build container. Default: SMALL (ARM).
	ComputeType awscodebuild.ComputeType
}

// Deployment tunes CodeDeploy.
type Deployment struct {
	// Config paces an in-place (rolling) deployment, or traffic rerouting
	// in a blue/green one. Default: HALF_AT_A_TIME.
	Config awscodedeploy.IServerDeploymentConfig
	// BlueGreen deploys to a copy of the Auto Scaling group, moves the
	// target group's traffic to it, then terminates the original instances
	// after TerminateBlueAfter. Needs LoadBalancerTargetGroup. The copy is
	// created by CodeDeploy, outside CloudFormation. Default: false (in
	// place, rolling).
	BlueGreen bool
	// TerminateBlueAfter is how long a blue/green deployment keeps the
	// original instances. Default: 1 hour. Maximum: 2 days.
	TerminateBlueAfter time.Duration
}
