package imagepipeline

import (
	"fmt"
	"regexp"
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
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
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
	// AlarmRejections to their alarm; AlarmTopic receives their
	// notifications: Props.Alarms.Topic, or the stack's shared alarm topic
	// (alarmtopic.Shared).
	Alarms     map[string]awscloudwatch.Alarm
	AlarmTopic awssns.ITopic

	prefix, outputPrefix string
}

// New creates an ImagePipeline. props may be nil for every default. It
// panics with a *validate.Error that names every invalid prop (see
// Validate) before it creates any resource.
func New(scope constructs.Construct, id string, props *Props) *ImagePipeline {
	c, err := resolve(scope, id, props)
	if err != nil {
		panic(err)
	}
	x := &ImagePipeline{
		Construct:    constructs.NewConstruct(scope, jsii.String(id)),
		Alarms:       map[string]awscloudwatch.Alarm{},
		AlarmTopic:   c.Alarms.Topic,
		prefix:       c.Prefix,
		outputPrefix: c.OutputPrefix,
	}
	if x.AlarmTopic == nil {
		x.AlarmTopic = alarmtopic.Shared(x.Construct).Topic
	}
	x.newKeys(c)
	x.newBuckets(c)
	x.newQueues(c)
	x.newFunction(c)
	x.connect(c)
	x.newAlarms(c)
	return x
}

func (x *ImagePipeline) newKeys(p *config) {
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

func (x *ImagePipeline) newBuckets(p *config) {
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

func (x *ImagePipeline) newQueues(p *config) {
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
	nag.Suppress(x.DeadLetterQueue, "Serverless-SQSRedrivePolicy",
		"This queue is itself the dead-letter queue of the upload notifications' queue.")
	x.Queue = awssqs.NewQueue(x.Construct, jsii.String("Queue"), enc(&awssqs.QueueProps{
		VisibilityTimeout: seconds(p.visibilityTimeout()),
		RetentionPeriod:   seconds(DefaultQueueRetention),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           x.DeadLetterQueue,
			MaxReceiveCount: jsii.Number(float64(p.MaxReceiveCount)),
		},
	}))
}

func (x *ImagePipeline) newFunction(p *config) {
	prefix, outPrefix := x.prefix, x.outputPrefix
	env := map[string]string{
		EnvOutputBucket:   *x.OutputBucket.BucketName(),
		EnvOutputPrefix:   outPrefix,
		EnvRenditions:     renditionsJSON(p.Renditions),
		EnvMaxPixels:      itoa(p.MaxPixels),
		EnvMaxObjectBytes: itoa(p.MaxObjectBytes),
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
	fn := golambda.New(x.Construct, "Processor", golambda.Props{
		Entry:            p.Entry,
		Description:      "Makes image renditions for " + *x.Node().Path(),
		MemoryMB:         p.MemoryMB,
		Timeout:          p.Timeout,
		Environment:      env,
		LogLevel:         p.LogLevel,
		LogRetention:     p.LogRetention,
		LogEncryptionKey: p.LogEncryptionKey,
	})
	x.Function, x.Role, x.LogGroup = fn.Function, fn.Role, fn.LogGroup
	nag.Suppress(x.Function, "Serverless-LambdaDLQ",
		"The function reads uploads from the queue (an SQS event source, invoked synchronously by Lambda's poller); a notification that fails MaxReceiveCount times moves to the queue's own dead-letter queue, DeadLetterQueue.")

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

func (x *ImagePipeline) connect(p *config) {
	props := &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(float64(p.BatchSize)),
		ReportBatchItemFailures: jsii.Bool(true),
		MaxConcurrency:          jsii.Number(float64(p.MaxConcurrency)),
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
	nag.Suppress(x.EventSourceMapping, "Serverless-LambdaEventSourceMappingDestination",
		"Lambda's on-failure destinations apply to stream and Kafka event sources, not to SQS: a failed upload stays on the queue and moves to DeadLetterQueue after MaxReceiveCount receives (the queue's redrive policy).")

	dest := awss3notifications.NewSqsDestination(x.Queue)
	handler, ours, _ := nag.Singleton(x.Construct, notificationsHandlerID, func() {
		for _, s := range p.Suffixes {
			x.UploadBucket.AddEventNotification(awss3.EventType_OBJECT_CREATED, dest,
				&awss3.NotificationKeyFilter{Prefix: jsii.String(x.prefix), Suffix: jsii.String(s)})
		}
	})
	if ours {
		suppressNotificationsHandler(handler)
	}
}

// suppressNotificationsHandler records why the CDK's bucket-notifications
// handler passes cdk-nag, when a gureum construct made it (nag.Singleton): a
// handler the app made first is the app's, and so are its findings.
func suppressNotificationsHandler(h constructs.IConstruct) {
	nag.Suppress(h, "AwsSolutions-IAM4",
		"The CDK's bucket-notifications custom resource uses AWSLambdaBasicExecutionRole for its own logs; it runs only during deployment.",
		"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
	nag.Suppress(h, "AwsSolutions-IAM5",
		"s3:PutBucketNotification has to be allowed on the buckets the custom resource configures; the CDK grants it on '*'.",
		"Resource::*")
}

func (x *ImagePipeline) newAlarms(p *config) {
	a := p.Alarms
	age := a.MaxMessageAge
	path := *x.Node().Path()
	minute := awscdk.Duration_Minutes(jsii.Number(1))
	five := awscdk.Duration_Minutes(jsii.Number(5))
	x.Alarms[AlarmDeadLetters] = alarms.New(x.Construct, "DeadLettersAlarm", alarms.Spec{
		Metric:      x.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: minute}),
		Threshold:   1,
		Description: fmt.Sprintf("%s: uploads failed %d times and their notifications are in the dead-letter queue. Look at the function's logs, fix the cause, then redrive the dead-letter queue.", path, p.MaxReceiveCount),
	}, x.AlarmTopic)
	x.Alarms[AlarmOldestMessage] = alarms.New(x.Construct, "OldestMessageAlarm", alarms.Spec{
		Metric:            x.Queue.MetricApproximateAgeOfOldestMessage(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: minute}),
		Threshold:         age.Seconds(),
		EvaluationPeriods: 5, DatapointsToAlarm: 5,
		Description: fmt.Sprintf("%s: an upload has waited more than %s to be processed. Look for function errors, throttles or the MaxConcurrency cap.", path, age),
	}, x.AlarmTopic)
	x.Alarms[AlarmErrors] = alarms.New(x.Construct, "ErrorsAlarm", alarms.Spec{
		Metric:      x.Function.MetricErrors(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
		Threshold:   1,
		Description: fmt.Sprintf("%s: the image function failed (crash, timeout or out of memory). Look at its log group.", path),
	}, x.AlarmTopic)

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
		Threshold: float64(a.RejectionThreshold),
		Description: fmt.Sprintf("%s: uploads were rejected (not an image, truncated, a decompression bomb or too large) and got no renditions. "+
			"Each has a JSON line with \"msg\":%q, its key and the reason in the function's log group, and a record under %srejected/ in the output bucket.",
			path, RejectedMessage, x.outputPrefix),
	}, x.AlarmTopic)
}

func seconds(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Seconds(jsii.Number(d.Seconds()))
}

func days(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Days(jsii.Number(d.Hours() / 24))
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
