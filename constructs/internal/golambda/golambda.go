// Package golambda builds Go Lambda functions the way every gureum construct
// wants them: compiled at synth time by the local Go toolchain for
// provided.al2023 (arm64 by default), hashed by their output, with a
// least-privilege role, X-Ray tracing, JSON logs in a retained log group.
//
// A handler is named by its directory ("functions/crawler", from this
// repository) or by its import path
// ("github.com/gureum-cdk/gureum/functions/crawler", from any app whose module
// requires gureum); an import path is built inside the module that holds the
// package, with that module's go.mod and go.sum.
//
// A handler's build starts in the background when its construct is created,
// so compiling and linking overlap the rest of the app's construction, at
// most one go command per CPU at a time. Only the stacks the CDK bundles
// build their handlers: `cdk synth --exclusively GureumVoting` (the
// aws:cdk:bundling-stacks context) builds GureumVoting's alone. Binaries are
// kept across syntheses in a content-addressed cache (see CacheEnv): an
// unchanged handler is copied from it, not built, and editing one handler
// rebuilds that handler only.
package golambda

import (
	"fmt"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
)

// Defaults applied when a Props field is zero.
const (
	DefaultMemoryMB = 256
	DefaultTimeout  = 10 * time.Second
	DefaultLogLevel = "INFO"
)

// Props configures one Go Lambda function. The zero value of every field but
// Entry is the default.
type Props struct {
	// Entry names the handler's main package. Required. Either
	//   - a directory, absolute or relative to the CDK app's working
	//     directory ("functions/crawler"), used when one exists there; or
	//   - a Go import path ("github.com/gureum-cdk/gureum/functions/crawler"),
	//     resolved by go list from the working directory, so it works from
	//     any app whose module requires the package's module. The function
	//     is built in that module, with its go.mod and go.sum.
	Entry string
	// Description of the function.
	Description string
	// MemoryMB. Default: 256.
	MemoryMB int
	// Timeout. Default: 10s.
	Timeout time.Duration
	// ReservedConcurrency caps concurrent executions. Default: 0 (unreserved).
	ReservedConcurrency int
	// Environment variables passed to the handler.
	Environment map[string]string
	// LogLevel is the application log level (TRACE..FATAL). Default: INFO.
	LogLevel string
	// LogRetention. Default: loggroup.DefaultRetention (one year).
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts the function's log group (see
	// loggroup.Props.EncryptionKey). Default: CloudWatch Logs' own encryption.
	LogEncryptionKey awskms.IKey
	// X86 builds for x86_64 instead of arm64 (Graviton). Default: false.
	X86 bool
	// DisableTracing turns X-Ray active tracing off. Default: false.
	DisableTracing bool
	// Role replaces the role the function would otherwise get (a role with no
	// managed policies and write access to its own log group only).
	Role awsiam.IRole
	// Vpc runs the function in a VPC, with network interfaces in VpcSubnets
	// (default: the VPC's private subnets) and SecurityGroups (default: one
	// the CDK creates). The function's own role then also gets the network
	// interface permissions of AWSLambdaVPCAccessExecutionRole, inline.
	// Default: nil (no VPC).
	Vpc            awsec2.IVpc
	VpcSubnets     *awsec2.SubnetSelection
	SecurityGroups []awsec2.ISecurityGroup
}

// Function is a Go Lambda function and what was made for it.
type Function struct {
	Function awslambda.Function
	// Role is the function's execution role.
	Role awsiam.IRole
	// LogGroup receives the function's JSON logs.
	LogGroup awslogs.LogGroup
}

// CheckEntry reports why entry cannot be a Go handler entry (see
// Props.Entry), or nil: a directory that does not exist, is not a directory
// or holds no .go files; an import path go list cannot find, or that is not
// a main package. A directory's package clause is left to go build.
func CheckEntry(entry string) error {
	_, err := lookup(entry)
	return err
}

// Code returns the asset code for the Go main package entry names (a
// directory or an import path: see Props.Entry). It panics if the entry
// cannot be resolved; constructs call CheckEntry first.
func Code(entry string, x86 bool) awslambda.Code {
	return code(nil, entry, x86)
}

// code is Code that, given the scope the function is created in, starts the
// build right away when that scope's stack is bundled, so it runs while the
// rest of the app is constructed.
func code(scope constructs.Construct, entry string, x86 bool) awslambda.Code {
	goarch := "arm64"
	if x86 {
		goarch = "amd64"
	}
	p, err := lookup(entry)
	if err != nil {
		panic(fmt.Errorf("golambda: Entry: %w", err))
	}
	if scope != nil {
		prestart(scope, p, goarch)
	}
	return awslambda.Code_FromAsset(jsii.String(p.Dir), &awss3assets.AssetOptions{
		// Hash the binary, not the folder: a change in a package the handler
		// imports from elsewhere in the module must redeploy it.
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling:      bundling(p, goarch, ""),
	})
}

func bundling(p pkg, goarch string, output awscdk.BundlingOutput) *awscdk.BundlingOptions {
	b := &awscdk.BundlingOptions{
		// Used only if local bundling declined, which it never does.
		Image: awscdk.DockerImage_FromRegistry(jsii.String("public.ecr.aws/docker/library/golang:1")),
		Local: &localBundling{pkg: p, goarch: goarch},
		// What go build runs with. The CDK also reuses one bundling result
		// for assets of the same directory and options within a synthesis:
		// the target keeps an arm64 and an amd64 build of a package apart.
		Environment: &map[string]*string{"GOOS": jsii.String("linux"), "GOARCH": jsii.String(goarch), "CGO_ENABLED": jsii.String("0")},
	}
	if output != "" {
		b.OutputType = output
	}
	return b
}

// NewAsset creates an S3 file asset under scope/id whose object is the
// binary of the Go main package entry names (see Props.Entry), built for
// linux/goarch like a function's (see Build), for servers and batch jobs
// that download their program. Like a function's code, it is built only
// when its stack is bundled, starting now, and hashed by its output. It
// panics if the entry cannot be resolved; constructs call CheckEntry first.
// displayName names the asset in the CDK's messages ("" for the default).
func NewAsset(scope constructs.Construct, id, entry, goarch, displayName string) awss3assets.Asset {
	p, err := lookup(entry)
	if err != nil {
		panic(fmt.Errorf("golambda: Entry: %w", err))
	}
	prestart(scope, p, goarch)
	props := &awss3assets.AssetProps{
		Path:          jsii.String(p.Dir),
		AssetHashType: awscdk.AssetHashType_OUTPUT,
		Bundling:      bundling(p, goarch, awscdk.BundlingOutput_SINGLE_FILE),
	}
	if displayName != "" {
		props.DisplayName = jsii.String(displayName)
	}
	return awss3assets.NewAsset(scope, jsii.String(id), props)
}

// New creates the function, its role and its log group under scope/id.
func New(scope constructs.Construct, id string, p Props) *Function {
	c := constructs.NewConstruct(scope, jsii.String(id))
	memory := p.MemoryMB
	if memory == 0 {
		memory = DefaultMemoryMB
	}
	timeout := p.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	level := p.LogLevel
	if level == "" {
		level = DefaultLogLevel
	}
	logs := loggroup.New(c, "Logs", loggroup.Props{Retention: p.LogRetention, EncryptionKey: p.LogEncryptionKey})

	role := p.Role
	ownRole := role == nil
	if ownRole {
		r := awsiam.NewRole(c, jsii.String("Role"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
			Description: jsii.String("Execution role of " + *c.Node().Path()),
		})
		logs.GrantWrite(r)
		role = r
	}

	arch := awslambda.Architecture_ARM_64()
	if p.X86 {
		arch = awslambda.Architecture_X86_64()
	}
	tracing := awslambda.Tracing_ACTIVE
	if p.DisableTracing {
		tracing = awslambda.Tracing_DISABLED
	}
	env := map[string]*string{}
	for k, v := range p.Environment {
		env[k] = jsii.String(v)
	}
	props := &awslambda.FunctionProps{
		Runtime:               awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:          arch,
		Handler:               jsii.String("bootstrap"),
		Code:                  code(c, p.Entry, p.X86),
		MemorySize:            jsii.Number(float64(memory)),
		Timeout:               awscdk.Duration_Millis(jsii.Number(float64(timeout.Milliseconds()))),
		Tracing:               tracing,
		LoggingFormat:         awslambda.LoggingFormat_JSON,
		ApplicationLogLevelV2: awslambda.ApplicationLogLevel(level),
		SystemLogLevelV2:      awslambda.SystemLogLevel_INFO,
		LogGroup:              logs,
		Role:                  role,
		Environment:           &env,
		RecursiveLoop:         awslambda.RecursiveLoop_TERMINATE,
	}
	if p.Description != "" {
		props.Description = jsii.String(p.Description)
	}
	if p.ReservedConcurrency > 0 {
		props.ReservedConcurrentExecutions = jsii.Number(float64(p.ReservedConcurrency))
	}
	if p.Vpc != nil {
		props.Vpc = p.Vpc
		props.VpcSubnets = p.VpcSubnets
		if len(p.SecurityGroups) > 0 {
			props.SecurityGroups = &p.SecurityGroups
		}
		if ownRole {
			// What AWSLambdaVPCAccessExecutionRole allows, without the managed
			// policy: Lambda manages the function's network interfaces.
			role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets",
					"ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"),
				Resources: jsii.Strings("*"),
			}))
			nag.Suppress(role, "AwsSolutions-IAM5",
				"Lambda creates and deletes the function's network interfaces through this role; the EC2 network interface actions it needs do not support resource-level permissions for interfaces that do not exist yet.",
				"Resource::*")
		}
	}
	fn := awslambda.NewFunction(c, jsii.String("Function"), props)
	if ownRole && !p.DisableTracing {
		nag.Suppress(role, "AwsSolutions-IAM5",
			"X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions; '*' is the only valid resource.",
			"Resource::*")
	}
	return &Function{Function: fn, Role: role, LogGroup: logs}
}
