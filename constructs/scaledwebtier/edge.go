package scaledwebtier

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfrontorigins"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53targets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
)

// newCDN serves the app's static/ folder from S3 through CloudFront (stage
// 4 and above): origin access control, HTTPS only, compression, the managed
// CachingOptimized policy, security headers and standard logs.
func (x *ScaledWebTier) newCDN(p *Props) {
	x.StaticBucket = securebucket.New(x.Construct, "Static", securebucket.Props{AccessLogs: x.AccessLogsBucket})
	x.CdnLogsBucket = securebucket.New(x.Construct, "CdnLogs", securebucket.Props{
		AccessLogs:      x.AccessLogsBucket,
		ObjectWriterACL: true,
		LifecycleRules: []*awss3.LifecycleRule{{
			Id:         jsii.String("expire-cdn-logs"),
			Expiration: days(orDefault(p.AccessLogExpiry, DefaultAccessLogExpiry)),
		}},
	})
	props := &awscloudfront.DistributionProps{
		Comment: jsii.String("Static content of " + *x.Node().Path()),
		DefaultBehavior: &awscloudfront.BehaviorOptions{
			Origin:                awscloudfrontorigins.S3BucketOrigin_WithOriginAccessControl(x.StaticBucket, nil),
			ViewerProtocolPolicy:  awscloudfront.ViewerProtocolPolicy_REDIRECT_TO_HTTPS,
			AllowedMethods:        awscloudfront.AllowedMethods_ALLOW_GET_HEAD(),
			CachePolicy:           awscloudfront.CachePolicy_CACHING_OPTIMIZED(),
			ResponseHeadersPolicy: awscloudfront.ResponseHeadersPolicy_SECURITY_HEADERS(),
			Compress:              jsii.Bool(true),
		},
		MinimumProtocolVersion: awscloudfront.SecurityPolicyProtocol_TLS_V1_2_2021,
		HttpVersion:            awscloudfront.HttpVersion_HTTP2_AND_3,
		EnableLogging:          jsii.Bool(true),
		LogBucket:              x.CdnLogsBucket,
		LogFilePrefix:          jsii.String("cdn/"),
	}
	if p.CDN.WebACLArn != "" {
		props.WebAclId = jsii.String(p.CDN.WebACLArn)
	}
	x.Distribution = awscloudfront.NewDistribution(x.Construct, jsii.String("Cdn"), props)
	nag.Suppress(x.Distribution, "AwsSolutions-CFR1",
		"The static files are public and served worldwide; there is no country to restrict.")
	nag.Suppress(x.Distribution, "AwsSolutions-CFR4",
		"The distribution serves public static files on its cloudfront.net name, whose default certificate CloudFront manages; no cookies or credentials travel on it.")
	if p.CDN.WebACLArn == "" {
		nag.Suppress(x.Distribution, "AwsSolutions-CFR2",
			"The distribution serves cached public static files only (GET/HEAD); set CDN.WebACLArn to attach a us-east-1 web ACL.")
	}
	x.StaticDeployment = awss3deployment.NewBucketDeployment(x.Construct, jsii.String("StaticFiles"), &awss3deployment.BucketDeploymentProps{
		Sources:              &[]awss3deployment.ISource{awss3deployment.Source_Asset(jsii.String(staticDir(p)), nil)},
		DestinationBucket:    x.StaticBucket,
		DestinationKeyPrefix: jsii.String("static/"),
		Distribution:         x.Distribution,
		DistributionPaths:    jsii.Strings("/static/*"),
	})
	suppressBucketDeployment(x.stack())
}

// suppressBucketDeployment records why the CDK's bucket deployment function
// (one per stack, created at the stack's root) passes.
func suppressBucketDeployment(stack awscdk.Stack) {
	for _, c := range *stack.Node().Children() {
		if !strings.HasPrefix(*c.Node().Id(), "Custom::CDKBucketDeployment") {
			continue
		}
		nag.Suppress(c, "AwsSolutions-IAM4",
			"The CDK's bucket deployment function logs through AWSLambdaBasicExecutionRole.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
		nag.Suppress(c, "AwsSolutions-IAM5",
			"The CDK's bucket deployment function copies the static asset into the static bucket (object-level S3 actions on both buckets' objects) and invalidates /static/* (CloudFront invalidations have no narrower resource).")
		nag.Suppress(c, "AwsSolutions-L1",
			"The CDK pins the bucket deployment function's runtime; it runs only during deployments.")
	}
}

// newDNS points Domain at the tier: the Elastic IP at stages 1-2, the load
// balancer from stage 3, and at stage 5 a record per region with its health
// check, latency-routed or (Props.Routing) failover-routed with
// PrimaryRegion's record PRIMARY.
func (x *ScaledWebTier) newDNS(p *Props) {
	d := p.Domain
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
	if p.Stage == Global {
		region := *x.stack().Region()
		x.HealthCheck = awsroute53.NewHealthCheck(x.Construct, jsii.String("HealthCheck"), &awsroute53.HealthCheckProps{
			Type:             awsroute53.HealthCheckType_HTTPS,
			Fqdn:             x.LoadBalancer.LoadBalancerDnsName(),
			Port:             jsii.Number(443),
			ResourcePath:     jsii.String(orDefault(p.HealthCheckPath, DefaultHealthCheckPath)),
			EnableSNI:        jsii.Bool(true),
			FailureThreshold: jsii.Number(3),
			RequestInterval:  awscdk.Duration_Seconds(jsii.Number(30)),
		})
		props.SetIdentifier = jsii.String(x.Name + "-" + region)
		props.HealthCheck = x.HealthCheck
		routing := p.Routing
		if routing == "" {
			routing = DefaultRouting
		}
		switch {
		case routing == FailoverRouting && x.Primary:
			props.Failover = awsroute53.Failover_PRIMARY
		case routing == FailoverRouting:
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
