package webpipeline

import (
	"cmp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscodebuild"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscodedeploy"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Every default of WebPipeline, in one place.
const (
	// DefaultMainPackage is the Go main package the build compiles into the
	// bundle's bin/webapp.
	DefaultMainPackage = "./functions/webapp/server"
	// DefaultTestPackages is the package pattern the build vets and tests
	// before it compiles.
	DefaultTestPackages = "./functions/webapp/..."
	// DefaultBuildTimeout stops a build that hangs.
	DefaultBuildTimeout = 30 * time.Minute
	// DefaultGoToolchain is GOTOOLCHAIN in the build: "auto" downloads the Go
	// release go.mod asks for when the image's Go is older.
	DefaultGoToolchain = "auto"
	// DefaultTerminateBlueAfter is how long a blue/green deployment keeps
	// the original (blue) instances after traffic moved, for a fast manual
	// rollback.
	DefaultTerminateBlueAfter = time.Hour
	// DefaultSourceAction names the source action; the build and deploy
	// actions are "Build" and "Deploy".
	DefaultSourceAction = "Source"
)

// Retries of the S3 source's start event (EventBridge's own defaults, set
// explicitly); MaxSourceRetryAttempts is EventBridge's limit.
const (
	DefaultSourceMaxEventAge   = 24 * time.Hour
	DefaultSourceRetryAttempts = 185
	MaxSourceRetryAttempts     = 185
	// DeadLetterRetention keeps an undelivered start event in the
	// dead-letter queue (SQS's most).
	DeadLetterRetention = 14 * 24 * time.Hour
)

// DefaultLogRetention applies to the build logs.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// DefaultComputeType sizes the build container.
const DefaultComputeType = awscodebuild.ComputeType_SMALL

// MaxTerminateBlueAfter is CodeDeploy's limit for keeping blue instances.
const MaxTerminateBlueAfter = 48 * time.Hour

// DefaultDeploymentConfig is the rolling deployment's pace:
// CodeDeployDefault.HalfAtATime keeps half of the instances serving.
func DefaultDeploymentConfig() awscodedeploy.IServerDeploymentConfig {
	return awscodedeploy.ServerDeploymentConfig_HALF_AT_A_TIME()
}

// DefaultBuildImage is the build container: CodeBuild's newest Amazon Linux
// 2023 ARM image (Go, Node.js and Java preinstalled), matching the Graviton
// instances the binary runs on.
func DefaultBuildImage() awscodebuild.IBuildImage {
	return awscodebuild.LinuxArmBuildImage_AMAZON_LINUX_2023_STANDARD_4_0()
}

// Paths the deployed bundle installs on each instance (see deploy/).
const (
	// InstallDir holds bin/webapp.
	InstallDir = "/opt/gureum/webapp"
	// EnvFile is read by the systemd unit gureum-webapp.service: the
	// instance's user data writes the server's configuration there
	// (LISTEN_ADDR, SESSION_STORE, SESSION_TABLE, REDIS_ADDR, ...).
	EnvFile = "/etc/gureum/webapp.env"
	// ServiceName is the systemd unit that runs the server.
	ServiceName = "gureum-webapp.service"
)

// config is Props with every default applied: withDefaults makes it once,
// and validation and the builders read it.
type config struct {
	Props
}

// withDefaults resolves every default of p.
func withDefaults(p *Props) *config {
	c := &config{Props: *p}
	b := &c.Build
	b.MainPackage = cmp.Or(b.MainPackage, DefaultMainPackage)
	b.TestPackages = cmp.Or(b.TestPackages, DefaultTestPackages)
	b.Timeout = cmp.Or(b.Timeout, DefaultBuildTimeout)
	b.ComputeType = cmp.Or(b.ComputeType, DefaultComputeType)
	d := &c.Deployment
	if d.Config == nil {
		d.Config = DefaultDeploymentConfig()
	}
	if d.BlueGreen {
		d.TerminateBlueAfter = cmp.Or(d.TerminateBlueAfter, DefaultTerminateBlueAfter)
	}
	c.LogRetention = cmp.Or(c.LogRetention, DefaultLogRetention)
	if p.Source.S3 != nil {
		s3 := *p.Source.S3
		s3.MaxEventAge = cmp.Or(s3.MaxEventAge, DefaultSourceMaxEventAge)
		s3.RetryAttempts = cmp.Or(s3.RetryAttempts, DefaultSourceRetryAttempts)
		c.Source.S3 = &s3
	}
	return c
}
