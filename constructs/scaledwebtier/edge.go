package scaledwebtier

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
	"github.com/gureum-cdk/gureum/constructs/internal/webacl"
)

// newCDN serves the app's static/ folder from S3 through CloudFront (stage
// 4 and above): origin access control, HTTPS only, compression, the managed
// CachingOptimized policy, security headers and standard logs. With
// CDN.Dynamic the distribution also fronts the load balancer, for every
// path but /static/*, under Domain's name.
func (x *ScaledWebTier) newCDN(c *config) {
	x.StaticBucket = securebucket.New(x.Construct, "Static", securebucket.Props{AccessLogs: x.AccessLogsBucket})
	x.encryptStatic()
	x.CdnLogsBucket = securebucket.New(x.Construct, "CdnLogs", securebucket.Props{
		AccessLogs:      x.AccessLogsBucket,
		ObjectWriterACL: true,
		LifecycleRules: []*awss3.LifecycleRule{{
			Id:         jsii.String("expire-cdn-logs"),
			Expiration: days(c.AccessLogExpiry),
		}},
	})
	static := &awscloudfront.BehaviorOptions{
		Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(x.StaticBucket, nil),
		ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
		AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
		CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
		ResponseHeadersPolicy: awscloudfront.ResponseHeadersPolicy_SECURITY_HEADERS(),
		Compress:              jsii.Bool(true),
	}
	props := &awscloudfront.DistributionProps{
		Comment:         jsii.String("Static content of " + *x.Node().Path()),
		DefaultBehavior: static,
		// No MinimumProtocolVersion: on the default cloudfront.net
		// certificate CloudFront fixes the viewer security policy (TLSv1),
		// and the CDK ignores the prop there with a warning. It takes a
		// custom certificate (an alternate domain name) to choose one.
		HttpVersion:   awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableLogging: jsii.Bool(true),
		LogBucket:     x.CdnLogsBucket,
		LogFilePrefix: jsii.String("cdn/"),
	}
	if c.CDN.Dynamic {
		props.Comment = jsii.String("The web tier " + *x.Node().Path())
		props.DefaultBehavior = &awscloudfront.BehaviorOptions{
			Origin: awscloudfrontorigins.NewLoadBalancerV2Origin(x.LoadBalancer, &awscloudfrontorigins.LoadBalancerV2OriginProps{
				ProtocolPolicy:     awscloudfront.OriginProtocolPolicy_HTTPS_ONLY,
				OriginSslProtocols: &[]awscloudfront.OriginSslPolicy{awscloudfront.OriginSslPolicy_TLS_V1_2},
				CustomHeaders:      &map[string]*string{OriginVerifyHeader: x.OriginSecret.SecretValue().UnsafeUnwrap()},
			}),
			ViewerProtocolPolicy: awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:       awscloudfront.AllowedMethods_ALLOW_ALL(),
			// Nothing dynamic is cached; every viewer header (Host
			// included, which the load balancer's certificate matches),
			// cookie and query string reaches the servers.
			CachePolicy:           awscloudfront.CachePolicy_CACHING_DISABLED(),
			OriginRequestPolicy:   awscloudfront.OriginRequestPolicy_ALL_VIEWER(),
			ResponseHeadersPolicy: awscloudfront.ResponseHeadersPolicy_SECURITY_HEADERS(),
			Compress:              jsii.Bool(true),
		}
		props.AdditionalBehaviors = &map[string]*awscloudfront.BehaviorOptions{"/static/*": static}
		props.DomainNames = jsii.Strings(strings.TrimSuffix(c.Domain.Name, "."))
		props.Certificate = c.CDN.Certificate
		props.MinimumProtocolVersion = awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021
	}
	switch {
	case c.CDN.WebACLArn != "":
		props.WebAclId = jsii.String(c.CDN.WebACLArn)
	case c.cdnWAF:
		x.CDNWebACL = newWebACL(x.Construct, "CdnWebACL", webacl.CloudFront, c, false)
		props.WebAclId = x.CDNWebACL.ACL.AttrArn()
	}
	x.Distribution = awscloudfront.NewDistribution(x.Construct, jsii.String("Cdn"), props)
	x.allowDistribution()
	nag.Suppress(x.Distribution, "AwsSolutions-CFR1",
		"The web site is public and served worldwide; there is no country to restrict.")
	if !c.CDN.Dynamic {
		nag.Suppress(x.Distribution, "AwsSolutions-CFR4",
			"The distribution serves public static files on its cloudfront.net name, whose default certificate CloudFront manages (its viewer TLS policy cannot be chosen without a custom certificate); no cookies or credentials travel on it.")
	}
	if props.WebAclId == nil {
		reason := "The distribution serves cached public static files only (GET/HEAD); set CDN.WebACLArn to attach a us-east-1 web ACL (NewCDNWebACL builds the load balancer's rule set)."
		if c.CDN.Dynamic {
			reason = "The load balancer behind the distribution has its own web ACL (WAF), which inspects every request CloudFront forwards; set CDN.WebACLArn to a us-east-1 web ACL (NewCDNWebACL) for the client-address rules (rate limit, IP reputation, anonymous IPs), which the load balancer cannot apply behind CloudFront."
			if c.WAF.Disable {
				reason = "WAF.Disable is set: the caller protects the tier another way."
			}
		}
		nag.Suppress(x.Distribution, "AwsSolutions-CFR2", reason)
	}
	handler, ours, created := nag.Singleton(x.Construct, StaticDeploymentHandlerID, func() {
		x.StaticDeployment = awss3deployment.NewBucketDeployment(x.Construct, jsii.String("StaticFiles"), &awss3deployment.BucketDeploymentProps{
			Sources:              &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(c.StaticDir), nil)},
			DestinationBucket:    x.StaticBucket,
			DestinationKeyPrefix: jsii.String("static/"),
			Distribution:         x.Distribution,
			DistributionPaths:    jsii.Strings("/static/*"),
			// The CDK's default memory, set so that the deployment runs on a
			// handler of its own (the CDK keys its singleton handler, and
			// the deployment's custom resource id, by a memory size given),
			// not on the one the stack's other bucket deployments share:
			// the suppressions below then cover what gureum made, never the
			// app's deployments.
			MemoryLimit: jsii.Number(StaticDeploymentMemoryMiB),
		})
	})
	if ours {
		x.suppressStaticDeployment(handler, created)
	}
	if ours && created {
		encryptHandlerLogs(handler, c.LogEncryptionKey)
	}
	if x.StaticDeployment != nil {
		x.allowStaticDeployment()
	}
}

// encryptStatic encrypts the static bucket with the tier's key, named by
// an alias (StaticKeyAlias): the key's policy names the distribution (see
// allowDistribution), which names the bucket, so the bucket cannot name
// the key by its ARN without a cycle. The alias resolves to the key when
// S3 encrypts an object; the deployment that writes the files waits for
// it.
func (x *ScaledWebTier) encryptStatic() {
	name := "gureum/" + x.Name + "/static"
	x.StaticKeyAlias = awskms.NewAlias(x.Construct, jsii.String("StaticKeyAlias"), &awskms.AliasProps{
		AliasName: jsii.String("alias/" + name),
		TargetKey: x.Key,
	})
	arn := x.stack().FormatArn(&awscdk.ArnComponents{Service: jsii.String("kms"), Resource: jsii.String("alias"), ResourceName: jsii.String(name)})
	cfn := x.StaticBucket.Node().DefaultChild().(awss3.CfnBucket)
	cfn.AddPropertyOverride(jsii.String("BucketEncryption.ServerSideEncryptionConfiguration"), []any{map[string]any{
		"ServerSideEncryptionByDefault": map[string]any{"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": arn},
		"BucketKeyEnabled":              true,
	}})
}

// allowDistribution lets the distribution (and only it) decrypt the static
// files through origin access control: kms:Decrypt for
// cloudfront.amazonaws.com with the distribution's ARN as the source. An
// imported ExistingKey is left as it is: its policy must allow it.
func (x *ScaledWebTier) allowDistribution() {
	x.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowCloudFrontToReadStaticFiles" + *x.Node().Addr()),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudfront.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"AWS:SourceArn": x.stack().FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("cloudfront"), Region: jsii.String(""), Resource: jsii.String("distribution"), ResourceName: x.Distribution.DistributionId(),
		})}},
	}), jsii.Bool(true))
}

// allowStaticDeployment lets the bucket deployment handler encrypt the
// files it writes into the static bucket with the tier's key, through S3
// only, once the alias exists.
func (x *ScaledWebTier) allowStaticDeployment() {
	x.StaticDeployment.HandlerRole().AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
		Resources:  jsii.Strings(*x.Key.KeyArn()),
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": "s3." + *x.stack().Region() + ".amazonaws.com"}},
	}))
	x.StaticDeployment.Node().AddDependency(x.StaticKeyAlias)
}

// StaticDeploymentMemoryMiB is the memory of the Lambda function that copies
// the static files into StaticBucket (the CDK's default, 1024 MiB). Setting
// it gives ScaledWebTier's deployments their own handler:
// StaticDeploymentHandlerID, at the stack's root, shared by the stack's
// tiers but not by bucket deployments that leave the memory unset.
const StaticDeploymentMemoryMiB = 1024

// StaticDeploymentHandlerID is the construct id of the CDK's bucket
// deployment handler that StaticDeploymentMemoryMiB selects.
const StaticDeploymentHandlerID = "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C1024MiB"

// suppressStaticDeployment records why the CDK's bucket deployment handler
// that gureum's tiers use passes cdk-nag. The function and its role are the
// CDK's: the suppressions name exactly what the handler is and the grants
// each tier's deployment makes (the first tier records the handler's own,
// every tier its static bucket).
func (x *ScaledWebTier) suppressStaticDeployment(handler constructs.IConstruct, created bool) {
	bucket := *awscdk.Stack_Of(x.Construct).GetLogicalId(x.StaticBucket.Node().DefaultChild().(awscdk.CfnElement))
	nag.Suppress(handler, "AwsSolutions-IAM5",
		"The CDK's bucket deployment handler copies the static files into "+*x.Node().Path()+"'s static bucket: object-level S3 actions on that bucket's objects.",
		"Resource::<"+bucket+".Arn>/*")
	if !created {
		return
	}
	nag.Suppress(handler, "AwsSolutions-IAM4",
		"The CDK's bucket deployment handler logs through AWSLambdaBasicExecutionRole.",
		"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
	nag.Suppress(handler, "AwsSolutions-IAM5",
		"The CDK's bucket deployment handler reads the static files from the CDK's asset bucket and writes them into the static buckets (the CDK's S3 read and write grants: object-level actions on the buckets' objects), and invalidates /static/* (CloudFront invalidation actions have no narrower resource than *).",
		"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
		`/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-.+\/\*$/`, "Resource::*")
	nag.Suppress(handler, "AwsSolutions-L1",
		"The CDK pins the bucket deployment handler's runtime; it runs only during deployments.")
	nag.Suppress(handler, "Serverless-LambdaLatestVersion",
		"The CDK pins the bucket deployment handler's runtime; it runs only during deployments.")
	nag.Suppress(handler, "Serverless-LambdaDLQ",
		"CloudFormation invokes the bucket deployment handler for each custom resource event and waits for its answer; a failed event fails the stack operation, so no event is left for a dead-letter queue to keep.")
	nag.Suppress(handler, "Serverless-LambdaTracing",
		"The CDK's bucket deployment handler runs only during deployments; its logs and the stack events report it.")
}

// newDNS points Domain at the tier: the Elastic IP at stages 1-2, the load
// balancer from stage 3, and at stage 5 a record per region with its health
// check, latency-routed or (Props.Routing) failover-routed with
// PrimaryRegion's record PRIMARY.
func (x *ScaledWebTier) newDNS(c *config) {
	d := c.Domain
	if d == nil {
		return
	}
	name := strings.TrimSuffix(d.Name, ".")
	props := &awsroute53.ARecordProps{Zone: d.HostedZone, RecordName: jsii.String(name)}
	if x.ElasticIP != nil {
		props.Target = awsroute53.RecordTarget_FromIpAddresses(x.ElasticIP.Ref())
		props.Ttl = awscdk.Duration_Minutes(jsii.Number(1))
	} else {
		props.Target = awsroute53.RecordTarget_FromAlias(awsroute53targets.NewLoadBalancerTarget(x.LoadBalancer, &evaluateTargetHealth{}))
	}
	if c.CDN.Dynamic {
		props.Target = awsroute53.RecordTarget_FromAlias(awsroute53targets.NewCloudFrontTarget(x.Distribution))
	}
	if c.Stage == Global {
		region := *x.stack().Region()
		x.HealthCheck = awsroute53.NewHealthCheck(x.Construct, jsii.String("HealthCheck"), &awsroute53.HealthCheckProps{
			Type:             awsroute53.HealthCheckType_HTTPS,
			Fqdn:             x.LoadBalancer.LoadBalancerDnsName(),
			Port:             jsii.Number(443),
			ResourcePath:     jsii.String(c.HealthCheckPath),
			EnableSNI:        jsii.Bool(true),
			FailureThreshold: jsii.Number(3),
			RequestInterval:  awscdk.Duration_Seconds(jsii.Number(30)),
		})
		props.SetIdentifier = jsii.String(x.Name + "-" + region)
		props.HealthCheck = x.HealthCheck
		switch {
		case c.Routing == FailoverRouting && x.Primary:
			props.Failover = awsroute53.Failover_PRIMARY
		case c.Routing == FailoverRouting:
			props.Failover = awsroute53.Failover_SECONDARY
		default:
			props.Region = jsii.String(region)
		}
	}
	x.Record = awsroute53.NewARecord(x.Construct, jsii.String("Record"), props)
}

// evaluateTargetHealth makes an alias record follow the load balancer's
// health, so Route 53 stops answering with a region whose targets are all
// unhealthy. It implements awsroute53targets.IAliasRecordTargetProps (a
// pointer: jsii cannot manage a value receiver).
type evaluateTargetHealth struct{}

func (*evaluateTargetHealth) EvaluateTargetHealth() *bool { return jsii.Bool(true) }
func (*evaluateTargetHealth) HostedZoneId() *string       { return nil }
