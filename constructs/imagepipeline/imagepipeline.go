package imagepipeline

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/alarms"
	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/naming"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
)

// Alarm names, the keys of ImagePipeline.Alarms.
const (
	AlarmDeadLetters   = "DeadLetters"
	AlarmOldestMessage = "OldestMessage"
	AlarmErrors        = "Errors"
	AlarmRejections    = "Rejections"
)

// notificationsHandlerID is the id of the stack-wide singleton function the
// CDK uses to write S3 bucket notification configurations.
const notificationsHandlerID = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"

// ImagePipeline processes every image uploaded to a bucket into renditions
// in another bucket: S3 notification -> SQS queue (with a dead-letter queue)
// -> Go Lambda function. Every resource it made is exported.
type ImagePipeline struct {
	constructs.Construct
	// UploadBucket is watched for uploads (created, or
	// Props.ExistingUploadBucket).
	UploadBucket awss3.IBucket
	// OutputBucket receives the renditions and the records of rejected
	// uploads (created, or Props.ExistingOutputBucket).
	OutputBucket awss3.IBucket
	// AccessLogsBucket receives the server access logs of the buckets the
	// construct created; nil when both buckets are existing ones.
	AccessLogsBucket awss3.Bucket
	// Key encrypts the new buckets (created, or Props.ExistingKey); nil with
	// DisableCustomerManagedKey.
	Key awskms.IKey
	// QueueKey encrypts both queues; nil with DisableCustomerManagedKey. It
	// is a key of its own: its policy lets S3 send notifications from the
	// upload bucket, which would form a dependency cycle with a key that
	// also encrypts that bucket.
	QueueKey awskms.Key
	// Queue receives the upload notifications; DeadLetterQueue the ones that
	// failed MaxReceiveCount times.
	Queue           awssqs.Queue
	DeadLetterQueue awssqs.Queue
	// Function processes the uploads; Role is its execution role and
	// LogGroup receives its JSON logs.
	Function awslambda.Function
	Role     awsiam.IRole
	LogGroup awslogs.LogGroup
	// EventSource connects Queue to Function; EventSourceMapping is the
	// mapping it created.
	EventSource        awslambdaeventsources.SqsEventSource
	EventSourceMapping awslambda.EventSourceMapping
	// RejectionsFilter counts the handler's "image rejected" log lines in
	// LogGroup; RejectedUploads is its metric (Sum over 5 minutes).
	RejectionsFilter awslogs.MetricFilter
	RejectedUploads  awscloudwatch.Metric
	// Alarms maps AlarmDeadLetters, AlarmOldestMessage, AlarmErrors and
	// AlarmRejections to their alarm.
	Alarms map[string]awscloudwatch.Alarm

	prefix, outputPrefix string
}

// New creates an ImagePipeline. props may be nil for every default. It
// panics with a *validate.Error that names every invalid prop (see
// Validate) before it creates any resource.
func New(scope constructs.Construct, id string, props *Props) *ImagePipeline {
	if err := Validate(scope, id, props); err != nil {
		panic(err)
	}
	p := Props{}
	if props != nil {
		p = *props
	}
	x := &ImagePipeline{
		Construct:    constructs.NewConstruct(scope, jsii.String(id)),
		Alarms:       map[string]awscloudwatch.Alarm{},
		prefix:       orString(p.Prefix, DefaultPrefix),
		outputPrefix: orString(p.OutputPrefix, DefaultOutputPrefix),
	}
	x.newKeys(&p)
	x.newBuckets(&p)
	x.newQueues(&p)
	x.newFunction(&p)
	x.connect(&p)
	x.newAlarms(&p)
	return x
}

func (x *ImagePipeline) newKeys(p *Props) {
	if p.DisableCustomerManagedKey {
		return
	}
	newKey := func(id, what string) awskms.Key {
		return awskms.NewKey(x.Construct, jsii.String(id), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the " + what + " of " + *x.Node().Path()),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		})
	}
	x.Key = p.ExistingKey
	if x.Key == nil && (p.ExistingUploadBucket == nil || p.ExistingOutputBucket == nil) {
		x.Key = newKey("Key", "uploads and renditions")
	}
	x.QueueKey = newKey("QueueKey", "upload notifications")
}

func (x *ImagePipeline) newBuckets(p *Props) {
	if p.ExistingUploadBucket == nil || p.ExistingOutputBucket == nil {
		x.AccessLogsBucket = securebucket.NewAccessLogs(x.Construct, "AccessLogs", false)
	}
	x.UploadBucket = p.ExistingUploadBucket
	if x.UploadBucket == nil {
		x.UploadBucket = securebucket.New(x.Construct, "Uploads", securebucket.Props{
			EncryptionKey: x.Key,
			AccessLogs:    x.AccessLogsBucket,
		})
	}
	x.OutputBucket = p.ExistingOutputBucket
	if x.OutputBucket == nil {
		x.OutputBucket = securebucket.New(x.Construct, "Renditions", securebucket.Props{
			EncryptionKey: x.Key,
			AccessLogs:    x.AccessLogsBucket,
			LifecycleRules: []*awss3.LifecycleRule{{
				Id:                          jsii.String("expire-overwritten-renditions"),
				NoncurrentVersionExpiration: days(OutputNoncurrentExpiry),
			}},
		})
	}
}

func (x *ImagePipeline) newQueues(p *Props) {
	enc := func(qp *awssqs.QueueProps) *awssqs.QueueProps {
		qp.EnforceSSL = jsii.Bool(true)
		// Queued and dead-lettered upload events are data: a failed image
		// must stay inspectable and redrivable after the stack is gone.
		qp.RemovalPolicy = awscdk.RemovalPolicy_RETAIN
		if x.QueueKey != nil {
			qp.Encryption = awssqs.QueueEncryption_KMS
			qp.EncryptionMasterKey = x.QueueKey
		} else {
			qp.Encryption = awssqs.QueueEncryption_SQS_MANAGED
		}
		return qp
	}
	x.DeadLetterQueue = awssqs.NewQueue(x.Construct, jsii.String("DeadLetters"), enc(&awssqs.QueueProps{
		RetentionPeriod: seconds(DeadLetterRetention),
	}))
	x.Queue = awssqs.NewQueue(x.Construct, jsii.String("Queue"), enc(&awssqs.QueueProps{
		VisibilityTimeout: seconds(visibilityTimeout(p)),
		RetentionPeriod:   seconds(DefaultQueueRetention),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           x.DeadLetterQueue,
			MaxReceiveCount: jsii.Number(float64(orInt(p.MaxReceiveCount, DefaultMaxReceiveCount))),
		},
	}))
}

// visibilityTimeout is 6 times the function timeout plus the batching
// window, as AWS recommends for a queue that feeds a Lambda function.
func visibilityTimeout(p *Props) time.Duration {
	return VisibilityTimeoutFactor*timeout(p) + p.MaxBatchingWindow
}

func timeout(p *Props) time.Duration {
	if p.Timeout == 0 {
		return DefaultTimeout
	}
	return p.Timeout
}

func (x *ImagePipeline) newFunction(p *Props) {
	entry := p.Entry
	if entry == "" {
		entry = DefaultEntry
	}
	prefix, outPrefix := x.prefix, x.outputPrefix
	env := map[string]string{
		EnvOutputBucket:   *x.OutputBucket.BucketName(),
		EnvOutputPrefix:   outPrefix,
		EnvRenditions:     renditionsJSON(p.renditions()),
		EnvMaxPixels:      itoa(orInt64(p.MaxPixels, DefaultMaxPixels)),
		EnvMaxObjectBytes: itoa(orInt64(p.MaxObjectBytes, DefaultMaxObjectBytes)),
	}
	var wmBucket awss3.IBucket
	if w := p.Watermark; w != nil {
		env[EnvWatermark] = watermarkJSON(w)
		if w.ImageKey != "" {
			wmBucket = w.Bucket
			if wmBucket == nil {
				wmBucket = x.UploadBucket
			}
			env[EnvWatermarkBucket] = *wmBucket.BucketName()
		}
	}
	retention := p.LogRetention
	if retention == "" {
		retention = DefaultLogRetention
	}
	fn := golambda.New(x.Construct, "Processor", golambda.Props{
		Entry:        entry,
		Description:  "Makes image renditions for " + *x.Node().Path(),
		MemoryMB:     orInt(p.MemoryMB, DefaultMemoryMB),
		Timeout:      timeout(p),
		Environment:  env,
		LogLevel:     strings.ToUpper(p.LogLevel),
		LogRetention: retention,
	})
	x.Function, x.Role, x.LogGroup = fn.Function, fn.Role, fn.LogGroup

	// Least privilege, exactly what the handler calls: GetObject and
	// HeadObject (s3:GetObject) on uploads under the prefix; HeadObject (to
	// skip renditions already made from the same ETag) and PutObject under
	// the output prefix; GetObject on the watermark image.
	allow := func(sid string, resource string, actions ...string) {
		x.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String(sid),
			Actions:   jsii.Strings(actions...),
			Resources: jsii.Strings(resource),
		}))
	}
	allow("ReadUploads", *x.UploadBucket.ArnForObjects(jsii.String(prefix + "*")), "s3:GetObject")
	// s3:ListBucket, for keys under the prefix only, makes S3 answer 404
	// rather than 403 for an upload deleted before it was processed, so the
	// handler can tell "gone, nothing to do" from a permission problem (it
	// also lists the one key to confirm a 403). Only key names under the
	// prefix become visible, never other parts of the bucket.
	x.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("ListUploads"),
		Actions:    jsii.Strings("s3:ListBucket"),
		Resources:  jsii.Strings(*x.UploadBucket.BucketArn()),
		Conditions: &map[string]any{"StringLike": map[string]any{"s3:prefix": prefix + "*"}},
	}))
	allow("WriteRenditions", *x.OutputBucket.ArnForObjects(jsii.String(outPrefix + "*")), "s3:GetObject", "s3:PutObject")
	if wmBucket != nil {
		allow("ReadWatermark", *wmBucket.ArnForObjects(jsii.String(p.Watermark.ImageKey)), "s3:GetObject")
	}
	decrypt := func(b awss3.IBucket) {
		if b != nil && b.EncryptionKey() != nil {
			b.EncryptionKey().Grant(x.Function, jsii.String("kms:Decrypt"))
		}
	}
	decrypt(x.UploadBucket)
	decrypt(wmBucket)
	if k := x.OutputBucket.EncryptionKey(); k != nil {
		k.Grant(x.Function, jsii.String("kms:Decrypt"), jsii.String("kms:GenerateDataKey"))
	}
	nag.Suppress(x.Role, "AwsSolutions-IAM5",
		"Uploads arrive under any key: the function reads objects under the upload prefix and writes renditions under the output prefix only (<bucket ARN>/<prefix>*).",
		objectsUnder(prefix), objectsUnder(outPrefix))
}

// objectsUnder is the cdk-nag appliesTo pattern of "<any bucket ARN>/<prefix>*".
func objectsUnder(prefix string) string {
	return "/^Resource::.*\\/" + regexp.QuoteMeta(prefix) + "\\*$/"
}

func (x *ImagePipeline) connect(p *Props) {
	props := &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(float64(orInt(p.BatchSize, DefaultBatchSize))),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(float64(orInt(p.MaxConcurrency, DefaultMaxConcurrency))),
	}
	if p.MaxBatchingWindow > 0 {
		props.MaxBatchingWindow = seconds(p.MaxBatchingWindow)
	}
	x.EventSource = awslambdaeventsources.NewSqsEventSource(x.Queue, props)
	x.Function.AddEventSource(x.EventSource)
	for _, c := range *x.Function.Node().Children() {
		if m, ok := c.(awslambda.EventSourceMapping); ok {
			x.EventSourceMapping = m
		}
	}

	dest := awss3notifications.NewSqsDestination(x.Queue)
	suffixes := p.Suffixes
	if suffixes == nil {
		suffixes = DefaultSuffixes()
	}
	for _, s := range suffixes {
		x.UploadBucket.AddEventNotification(awss3.EventType_OBJECT_CREATED, dest,
			&awss3.NotificationKeyFilter{Prefix: jsii.String(x.prefix), Suffix: jsii.String(s)})
	}
	if h := awscdk.Stack_Of(x.Construct).Node().TryFindChild(jsii.String(notificationsHandlerID)); h != nil {
		nag.Suppress(h, "AwsSolutions-IAM4",
			"The CDK's bucket-notifications custom resource uses AWSLambdaBasicExecutionRole for its own logs; it runs only during deployment.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
		nag.Suppress(h, "AwsSolutions-IAM5",
			"s3:PutBucketNotification has to be allowed on the buckets the custom resource configures; the CDK grants it on '*'.",
			"Resource::*")
	}
}

func (x *ImagePipeline) newAlarms(p *Props) {
	a := p.Alarms
	age := a.MaxMessageAge
	if age == 0 {
		age = DefaultMaxMessageAge
	}
	path := *x.Node().Path()
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	five := awscdk.Duration_Minutes(jsii.Number(5))
	x.Alarms[AlarmDeadLetters] = alarms.New(x.Construct, "DeadLettersAlarm", alarms.Spec{
		Metric:      x.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: minute}),
		Threshold:   1,
		Description: fmt.Sprintf("%s: uploads failed %d times and their notifications are in the dead-letter queue. Look at the function's logs, fix the cause, then redrive the dead-letter queue.", path, orInt(p.MaxReceiveCount, DefaultMaxReceiveCount)),
	}, a.Topic)
	x.Alarms[AlarmOldestMessage] = alarms.New(x.Construct, "OldestMessageAlarm", alarms.Spec{
		Metric:            x.Queue.MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: minute}),
		Threshold:         age.Seconds(),
		EvaluationPeriods: 5, DatapointsToAlarm: 5,
		Description: fmt.Sprintf("%s: an upload has waited more than %s to be processed. Look for function errors, throttles or the MaxConcurrency cap.", path, age),
	}, a.Topic)
	x.Alarms[AlarmErrors] = alarms.New(x.Construct, "ErrorsAlarm", alarms.Spec{
		Metric:      x.Function.MetricErrors(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
		Threshold:   1,
		Description: fmt.Sprintf("%s: the image function failed (crash, timeout or out of memory). Look at its log group.", path),
	}, a.Topic)

	// Rejected uploads are not retried, so neither the dead-letter nor the
	// errors alarm sees them: count the handler's rejection log lines.
	x.RejectionsFilter = awslogs.NewMetricFilter(x.Construct, jsii.String("RejectionsFilter"), &awslogs.MetricFilterProps{
		LogGroup:        x.LogGroup,
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String(RejectedMessage)),
		MetricNamespace: jsii.String("Gureum/ImagePipeline/" + naming.Unique(x.Construct, "", 200)),
		MetricName:      jsii.String(RejectedUploadsMetric),
		MetricValue:     jsii.String("1"),
		Unit:            awscloudwatch.Unit_COUNT,
	})
	x.RejectedUploads = x.RejectionsFilter.Metric(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: seconds(RejectionPeriod)})
	x.Alarms[AlarmRejections] = alarms.New(x.Construct, "RejectionsAlarm", alarms.Spec{
		Metric:    x.RejectedUploads,
		Threshold: float64(orInt(a.RejectionThreshold, DefaultRejectionThreshold)),
		Description: fmt.Sprintf("%s: uploads were rejected (not an image, truncated, a decompression bomb or too large) and got no renditions. "+
			"Each has a JSON line with \"msg\":%q, its key and the reason in the function's log group, and a record under %srejected/ in the output bucket.",
			path, RejectedMessage, x.outputPrefix),
	}, a.Topic)
}

func seconds(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
}

func days(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Days(jsii.Number(d.Hours() / 24))
}

func orInt(v, def int) int {
	if v == 0 {
		return def
	}
	return v
}

func orInt64(v, def int64) int64 {
	if v == 0 {
		return def
	}
	return v
}

func orString(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

// GrantUpload lets grantee put objects under the upload prefix (what a
// backend that hands out presigned upload URLs needs): s3:PutObject and
// s3:AbortMultipartUpload on <upload bucket>/<prefix>*, and the KMS use of
// an SSE-KMS upload bucket.
func (x *ImagePipeline) GrantUpload(grantee awsiam.IGrantable) awsiam.Grant {
	g := awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("s3:PutObject", "s3:AbortMultipartUpload"),
		ResourceArns: jsii.Strings(*x.UploadBucket.ArnForObjects(jsii.String(x.prefix + "*"))),
	})
	if k := x.UploadBucket.EncryptionKey(); k != nil {
		// Decrypt is needed to complete multipart uploads.
		k.Grant(grantee, jsii.String("kms:GenerateDataKey"), jsii.String("kms:Decrypt"))
	}
	return g
}

// GrantReadRenditions lets grantee read the renditions (s3:GetObject on
// <output bucket>/<output prefix>*, and the KMS use of an SSE-KMS output
// bucket).
func (x *ImagePipeline) GrantReadRenditions(grantee awsiam.IGrantable) awsiam.Grant {
	g := awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("s3:GetObject"),
		ResourceArns: jsii.Strings(*x.OutputBucket.ArnForObjects(jsii.String(x.outputPrefix + "*"))),
	})
	if k := x.OutputBucket.EncryptionKey(); k != nil {
		k.Grant(grantee, jsii.String("kms:Decrypt"))
	}
	return g
}
