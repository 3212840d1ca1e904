package scaledwebtier

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
)

// AwsCustomResourceHandlerID is the construct id, at the stack's root, of
// the CDK's AwsCustomResource handler, which a tier uses to look up the
// CloudFront prefix list (CDN.Dynamic) and to start instance refreshes
// (Capacity.Updates InstanceRefresh).
const AwsCustomResourceHandlerID = "AWS679f53fac002430cb0da5b7982bd2287"

// awsCall makes an AwsCustomResource that calls the AWS API when the
// stack updates it (and creates it, with onCreate), allowed by statement
// only. Its findings are recorded on its own policy; the CDK's handler's
// only when the tier made it.
func (x *ScaledWebTier) awsCall(id string, call *customresources.AwsSdkCall, onCreate bool, statement awsiam.PolicyStatement) customresources.AwsCustomResource {
	props := &customresources.AwsCustomResourceProps{
		OnUpdate:            call,
		Policy:              customresources.AwsCustomResourcePolicy_FromStatements(&[]awsiam.PolicyStatement{statement}),
		InstallLatestAwsSdk: jsii.Bool(false),
		// Explicit, so the handler's memory is chosen (its default, 512
		// MiB, is more than an API call needs).
		MemorySize: jsii.Number(AwsCustomResourceMemoryMiB),
	}
	if onCreate {
		props.OnCreate = call
	}
	var cr customresources.AwsCustomResource
	handler, ours, created := nag.Singleton(x.Construct, AwsCustomResourceHandlerID, func() {
		cr = customresources.NewAwsCustomResource(x.Construct, jsii.String(id), props)
	})
	if policy := cr.Node().TryFindChild(jsii.String("CustomResourcePolicy")); policy != nil {
		nag.Suppress(policy, "AwsSolutions-IAM5",
			"The call's only action: an EC2 Describe call has no resource-level permissions, and an Auto Scaling group's ARN holds a generated id.",
			"Resource::*", `/^Resource::arn:<AWS::Partition>:autoscaling:[a-z0-9-]+:\d{12}:autoScalingGroup:\*:autoScalingGroupName\/<`+x.groupLogicalIDOrEmpty()+`>$/`)
	}
	if ours && created {
		suppressAwsCustomResourceHandler(handler)
		encryptHandlerLogs(handler, x.logKey)
	}
	return cr
}

func (x *ScaledWebTier) groupLogicalIDOrEmpty() string {
	if x.AutoScalingGroup == nil {
		return "-"
	}
	return x.groupLogicalID()
}

// suppressAwsCustomResourceHandler records why the CDK's AwsCustomResource
// handler, which the tier created, passes cdk-nag.
func suppressAwsCustomResourceHandler(handler constructs.IConstruct) {
	nag.Suppress(handler, "AwsSolutions-IAM4",
		"The CDK's AwsCustomResource handler logs through AWSLambdaBasicExecutionRole; each call's permissions are a policy of its own.",
		"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
	nag.Suppress(handler, "Serverless-LambdaDLQ",
		"CloudFormation invokes the AwsCustomResource handler for each custom resource event and waits for its answer; a failed call fails the stack operation, so no event is left for a dead-letter queue to keep.")
	nag.Suppress(handler, "Serverless-LambdaTracing",
		"The CDK's AwsCustomResource handler makes one AWS API call per stack operation; its logs and the stack events report it.")
}

// AwsCustomResourceMemoryMiB is the memory of the AwsCustomResource handler
// when a tier creates it.
const AwsCustomResourceMemoryMiB = 256

// lookUpReplicaSecret finds the complete ARN of the database secret the
// primary replicated into this region (stage 5, outside PrimaryRegion).
func (x *ScaledWebTier) lookUpReplicaSecret(name, partial string) string {
	call := &customresources.AwsSdkCall{
		Service:            jsii.String("SecretsManager"),
		Action:             jsii.String("DescribeSecret"),
		Parameters:         map[string]any{"SecretId": name},
		PhysicalResourceId: customresources.PhysicalResourceId_FromResponse(jsii.String("ARN")),
		OutputPaths:        jsii.Strings("ARN"),
	}
	lookup := x.awsCall("ReplicaSecretArn", call, true, awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("secretsmanager:DescribeSecret"),
		Resources: jsii.Strings(partial + "-??????"),
	}))
	return *lookup.GetResponseField(jsii.String("ARN"))
}

// encryptHandlerLogs encrypts with key the log group the CDK made for a
// shared handler that this tier created (Props.LogEncryptionKey); the CDK
// gives such a handler's log group no encryption setting of its own.
func encryptHandlerLogs(handler constructs.IConstruct, key awskms.IKey) {
	if handler == nil || key == nil {
		return
	}
	for _, c := range *handler.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		if r, ok := c.(awscdk.CfnResource); ok && *r.CfnResourceType() == "AWS::Logs::LogGroup" {
			r.AddPropertyOverride(jsii.String("KmsKeyId"), key.KeyArn())
			loggroup.AllowLogs(handler, key)
		}
	}
}
