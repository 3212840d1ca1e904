// Package securebucket builds S3 buckets with gureum's secure and durable
// defaults: public access blocked, bucket-owner-enforced ownership, TLS-only
// (TLS 1.2 minimum), encryption at rest, versioning, server access logs,
// aborted incomplete multipart uploads, and retention on stack deletion.
package securebucket

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/nag"
)

// Props configures a secure bucket. The zero value is the secure default.
type Props struct {
	// EncryptionKey switches encryption to SSE-KMS with this key and S3 bucket
	// keys. Default: SSE-S3 (S3-managed keys).
	EncryptionKey awskms.IKey
	// AccessLogs receives server access logs under AccessLogsPrefix. Required
	// unless IsAccessLogBucket is set.
	AccessLogs awss3.IBucket
	// AccessLogsPrefix. Default: the bucket's construct id followed by "/".
	AccessLogsPrefix string
	// IsAccessLogBucket marks the bucket as the target of other buckets'
	// access logs: SSE-S3 (the only encryption S3 log delivery supports), and
	// no access logs of its own.
	IsAccessLogBucket bool
	// ObjectWriterACL sets ObjectOwnership to BucketOwnerPreferred instead of
	// BucketOwnerEnforced, for CloudFront standard logs: CloudFront delivers
	// them with an ACL grant to the awslogsdelivery account, which
	// bucket-owner-enforced ownership rejects. Default: false (ACLs off).
	ObjectWriterACL bool
	// DisableVersioning turns versioning off. Default: false (versioned).
	DisableVersioning bool
	// LifecycleRules are added after the default rule that aborts incomplete
	// multipart uploads after 7 days.
	LifecycleRules []*awss3.LifecycleRule
	// Destroy deletes the bucket with the stack (it must be empty). Default:
	// false (retained).
	Destroy bool
	// Extra lets a construct set any other BucketProps field; the secure
	// defaults above are applied over it.
	Extra *awss3.BucketProps
}

// New creates the bucket.
func New(scope constructs.Construct, id string, p Props) awss3.Bucket {
	props := awss3.BucketProps{}
	if p.Extra != nil {
		props = *p.Extra
	}
	props.BlockPublicAccess = awss3.BlockPublicAccess_BLOCK_ALL()
	props.ObjectOwnership = awss3.ObjectOwnership_BUCKET_OWNER_ENFORCED
	if p.ObjectWriterACL {
		props.ObjectOwnership = awss3.ObjectOwnership_BUCKET_OWNER_PREFERRED
	}
	props.EnforceSSL = jsii.Bool(true)
	props.MinimumTLSVersion = jsii.Number(1.2)
	props.Versioned = jsii.Bool(!p.DisableVersioning)
	props.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
	if p.Destroy {
		props.RemovalPolicy = awscdk.RemovalPolicy_DESTROY
	}
	switch {
	case p.EncryptionKey != nil && !p.IsAccessLogBucket:
		props.Encryption = awss3.BucketEncryption_KMS
		props.EncryptionKey = p.EncryptionKey
		props.BucketKeyEnabled = jsii.Bool(true)
	default:
		props.Encryption = awss3.BucketEncryption_S3_MANAGED
	}
	rules := []*awss3.LifecycleRule{{
		Id:                                  jsii.String("abort-incomplete-multipart-uploads"),
		AbortIncompleteMultipartUploadAfter: awscdk.Duration_Days(jsii.Number(7)),
	}}
	rules = append(rules, p.LifecycleRules...)
	props.LifecycleRules = &rules
	b := awss3.NewBucket(scope, jsii.String(id), &props)
	if !p.IsAccessLogBucket && p.AccessLogs != nil {
		prefix := p.AccessLogsPrefix
		if prefix == "" {
			prefix = id + "/"
		}
		logTo(b, p.AccessLogs, prefix)
	}
	if p.IsAccessLogBucket {
		nag.Suppress(b, "AwsSolutions-S1",
			"This bucket receives the server access logs of the other buckets; logging it to itself would loop.")
	}
	return b
}

// NewAccessLogs creates the bucket that receives server access logs.
func NewAccessLogs(scope constructs.Construct, id string, destroy bool) awss3.Bucket {
	return New(scope, id, Props{
		IsAccessLogBucket: true,
		Destroy:           destroy,
		LifecycleRules: []*awss3.LifecycleRule{{
			Id:                          jsii.String("expire-access-logs"),
			Expiration:                  awscdk.Duration_Days(jsii.Number(365)),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(30)),
		}},
	})
}

// logTo sends b's server access logs to target under prefix, granting S3's
// logging service write access through target's bucket policy (for target's
// own bucket policy to apply, target must be a bucket of this app).
//
// This is what awss3.BucketProps.ServerAccessLogsBucket does under the
// feature flag @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy, written out
// so that it does not depend on the app's context: without the flag the CDK
// falls back to the LogDeliveryWrite ACL, which bucket-owner-enforced
// ownership forbids.
func logTo(b awss3.Bucket, target awss3.IBucket, prefix string) {
	cfn := b.Node().DefaultChild().(awss3.CfnBucket)
	cfn.SetLoggingConfiguration(&awss3.CfnBucket_LoggingConfigurationProperty{
		DestinationBucketName: target.BucketName(),
		LogFilePrefix:         jsii.String(prefix),
	})
	target.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("S3ServerAccessLogs" + *b.Node().Addr()),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("logging.s3.amazonaws.com"), nil)},
		Actions:    jsii.Strings("s3:PutObject"),
		Resources:  jsii.Strings(*target.ArnForObjects(jsii.String(prefix + "*"))),
		Conditions: &map[string]any{
			"ArnLike":      map[string]any{"aws:SourceArn": b.BucketArn()},
			"StringEquals": map[string]any{"aws:SourceAccount": awscdk.Stack_Of(b).Account()},
		},
	}))
}
