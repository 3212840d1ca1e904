package streampipeline

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsopensearchservice"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/alarms"
	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/naming"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
)

// Pipeline is a Kinesis stream processed into S3 and indexed into
// OpenSearch. Every resource it made is exported.
type Pipeline struct {
	constructs.Construct
	// Stream receives the events; grant producers with Stream.GrantWrite.
	// It is encrypted with the AWS managed key aws/kinesis, or with
	// Props.Stream.EncryptionKey.
	Stream awskinesis.Stream
	// Processor reads the stream through EventSource and writes aggregates;
	// ProcessorRole is its role. ProcessorFailures receives the metadata of
	// batches that failed for good (replay them from the stream).
	Processor         awslambda.Function
	ProcessorRole     awsiam.IRole
	EventSource       awslambdaeventsources.KinesisEventSource
	ProcessorFailures awssqs.Queue
	// Bucket holds the aggregates under Prefix (created, or
	// Props.ExistingBucket); AccessLogs receives its server access logs (nil
	// with an existing bucket).
	Bucket     awss3.IBucket
	AccessLogs awss3.Bucket
	Prefix     string
	// BucketKey is the KMS key the aggregates are encrypted with
	// (Props.Bucket.EncryptionKey, Props.ExistingBucketKey or the existing
	// bucket's own key), nil with SSE-S3. The processor requests SSE-KMS
	// with it (env KMS_KEY_ID) and may encrypt with it; the indexer may
	// decrypt with it.
	BucketKey awskms.IKey
	// Indexer indexes each new aggregate object into Domain; IndexerRole is
	// its role (the domain's master user by default) and IndexerFailures
	// receives the S3 events it failed to index after Lambda's retries.
	Indexer              awslambda.Function
	IndexerRole          awsiam.IRole
	IndexerFailures      awssqs.Queue
	IndexerSecurityGroup awsec2.SecurityGroup
	// Domain is the OpenSearch domain; DomainSecurityGroup admits HTTPS from
	// the indexer only; SearchLogs maps "SlowSearch", "SlowIndex" and
	// "Application" to the domain's log groups.
	Domain              awsopensearchservice.Domain
	DomainName          string
	DomainSecurityGroup awsec2.SecurityGroup
	SearchLogs          map[string]awslogs.LogGroup
	// Vpc hosts the domain and the indexer (created, or Props.Search.Vpc);
	// Subnets are the subnets they use; FlowLogs receives the flow logs of
	// a VPC the construct created (nil with Search.Vpc).
	Vpc      awsec2.IVpc
	Subnets  []awsec2.ISubnet
	FlowLogs awslogs.LogGroup
	// Alarms maps "IteratorAge", "ProcessorErrors", "ProcessorFailures",
	// "IndexerErrors", "IndexerFailures", "ClusterRed" and
	// "IndexWritesBlocked" to their alarms; AlarmTopic receives their
	// notifications: Props.Alarms.Topic, or the stack's shared alarm topic
	// (alarmtopic.Shared).
	Alarms     map[string]awscloudwatch.Alarm
	AlarmTopic awssns.ITopic
	// AsyncInvokeConfig sends the S3 events the indexer failed on to
	// IndexerFailures; SearchLogsPolicy lets OpenSearch write SearchLogs;
	// XRayEndpoint carries the indexer's traces out of a VPC the construct
	// created (nil with Search.Vpc).
	AsyncInvokeConfig awslambda.EventInvokeConfig
	SearchLogsPolicy  awslogs.ResourcePolicy
	XRayEndpoint      awsec2.InterfaceVpcEndpoint
}

// New creates a Pipeline. It panics with a *validate.Error that names every
// invalid prop (see Validate) before it creates any resource.
func New(scope constructs.Construct, id string, props *Props) *Pipeline {
	c, err := resolve(scope, id, props)
	if err != nil {
		panic(err)
	}
	x := &Pipeline{
		Construct:  constructs.NewConstruct(scope, jsii.String(id)),
		SearchLogs: map[string]awslogs.LogGroup{},
		Alarms:     map[string]awscloudwatch.Alarm{},
		Prefix:     c.Prefix,
		AlarmTopic: c.Alarms.Topic,
	}
	if x.AlarmTopic == nil {
		x.AlarmTopic = alarmtopic.Shared(x.Construct).Topic
	}
	x.newStream(c.Stream)
	x.newBucket(c)
	x.newProcessor(c)
	x.newNetwork(c.Search, c.LogRetention, c.LogEncryptionKey)
	x.newIndexer(c)
	x.newDomain(c)
	x.newAlarms(c.Alarms)
	return x
}

func (x *Pipeline) newStream(s Stream) {
	retention := s.Retention
	props := &awskinesis.StreamProps{
		StreamMode: awskinesis.StreamMode_ON_DEMAND,
		// The AWS managed key (aws/kinesis) unless a key is given: no key
		// policy to maintain, and no KMS charge per producer and consumer.
		Encryption:      awskinesis.StreamEncryption_MANAGED,
		RetentionPeriod: awscdk.Duration_Hours(jsii.Number(retention.Hours())),
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
	}
	if s.EncryptionKey != nil {
		props.Encryption = awskinesis.StreamEncryption_KMS
		props.EncryptionKey = s.EncryptionKey
	}
	if s.Shards > 0 {
		props.StreamMode = awskinesis.StreamMode_PROVISIONED
		props.ShardCount = jsii.Number(float64(s.Shards))
	}
	x.Stream = awskinesis.NewStream(x.Construct, jsii.String("Stream"), props)
	if s.EncryptionKey != nil {
		nag.Suppress(x.Stream, "AwsSolutions-KDS3",
			"Stream.EncryptionKey is set: the caller chose a customer-managed key (key policy control, cross-account consumers) over aws/kinesis.")
	}
}

func (x *Pipeline) newBucket(p *config) {
	if p.ExistingBucket != nil {
		x.Bucket = p.ExistingBucket
		x.BucketKey = p.ExistingBucketKey
		if x.BucketKey == nil {
			x.BucketKey = x.Bucket.EncryptionKey()
		}
		return
	}
	x.AccessLogs = securebucket.NewAccessLogs(x.Construct, "AccessLogs", false)
	x.Bucket = securebucket.New(x.Construct, "Bucket", securebucket.Props{
		AccessLogs:    x.AccessLogs,
		EncryptionKey: p.Bucket.EncryptionKey,
	})
	x.BucketKey = p.Bucket.EncryptionKey
}

// newQueue is an encrypted, TLS-only, retained queue for failed work.
func (x *Pipeline) newQueue(id, why string) awssqs.Queue {
	q := awssqs.NewQueue(x.Construct, jsii.String(id), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
	})
	nag.Suppress(q, "AwsSolutions-SQS3", why)
	nag.Suppress(q, "Serverless-SQSRedrivePolicy", why)
	return q
}

// objectsResource is the IAM resource regex (for cdk-nag's appliesTo) of the
// objects under the prefix.
func (x *Pipeline) objectsAppliesTo() string {
	return `/^Resource::.*\/` + regexp.QuoteMeta(x.Prefix) + `\*$/`
}

func (x *Pipeline) newProcessor(p *config) {
	pr := p.Processing
	memory, timeout := pr.MemoryMB, pr.Timeout
	env := map[string]string{"BUCKET": *x.Bucket.BucketName(), "PREFIX": x.Prefix}
	if x.BucketKey != nil {
		// The processor asks for SSE-KMS with this key (and a bucket key) on
		// every write: a data lake zone denies uploads that do not.
		env["KMS_KEY_ID"] = *x.BucketKey.KeyArn()
	}
	fn := golambda.New(x.Construct, "Processor", golambda.Props{
		Entry:            p.ProcessorEntry,
		Description:      "Aggregates the Kinesis records of " + *x.Node().Path() + " into S3",
		MemoryMB:         memory,
		Timeout:          timeout,
		Environment:      env,
		LogLevel:         p.LogLevel,
		LogRetention:     p.LogRetention,
		LogEncryptionKey: p.LogEncryptionKey,
	})
	x.Processor, x.ProcessorRole = fn.Function, fn.Role
	// The handler calls PutObject only, under the prefix.
	x.Processor.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:PutObject"),
		Resources: &[]*string{x.Bucket.ArnForObjects(jsii.String(x.Prefix + "*"))},
	}))
	if x.BucketKey != nil {
		x.BucketKey.Grant(x.Processor, jsii.String("kms:GenerateDataKey"))
	}
	nag.Suppress(x.ProcessorRole, "AwsSolutions-IAM5",
		"The processor writes one object per batch under the aggregates prefix; the keys (date partitions, shard, sequence number) are not known in advance.",
		x.objectsAppliesTo())

	nag.Suppress(x.Processor, "Serverless-LambdaDLQ",
		"The processor reads the stream through an event source mapping (Lambda's poller invokes it synchronously); a batch that still fails after the retries has its shard and sequence numbers sent to ProcessorFailures, the mapping's on-failure destination, and its records stay in the stream for replay.")

	x.ProcessorFailures = x.newQueue("ProcessorFailures",
		"This queue is itself the on-failure destination of the processor's event source mapping.")
	batch, window, par, retries, age := pr.BatchSize, pr.BatchingWindow, pr.ParallelizationFactor, p.maxRetries, pr.MaxRecordAge
	x.EventSource = awslambdaeventsources.NewKinesisEventSource(x.Stream, &awslambdaeventsources.KinesisEventSourceProps{
		StartingPosition:        awslambda.StartingPosition_TRIM_HORIZON,
		BatchSize:               jsii.Number(float64(batch)),
		MaxBatchingWindow:       awscdk.Duration_Seconds(jsii.Number(window.Seconds())),
		ParallelizationFactor:   jsii.Number(float64(par)),
		BisectBatchOnError:      jsii.Bool(!pr.DisableBisectOnError),
		RetryAttempts:           jsii.Number(float64(retries)),
		MaxRecordAge:            awscdk.Duration_Seconds(jsii.Number(age.Seconds())),
		OnFailure:               awslambdaeventsources.NewSqsDlq(x.ProcessorFailures),
		ReportBatchItemFailures: jsii.Bool(true),
	})
	x.Processor.AddEventSource(x.EventSource)
}

func (x *Pipeline) newNetwork(s Search, retention awslogs.RetentionDays, key awskms.IKey) {
	zones := s.ZoneCount
	x.Vpc = s.Vpc
	if x.Vpc == nil {
		x.FlowLogs = loggroup.New(x.Construct, "FlowLogs", loggroup.Props{Retention: retention, EncryptionKey: key})
		vpc := awsec2.NewVpc(x.Construct, jsii.String("Vpc"), &awsec2.VpcProps{
			MaxAzs:      jsii.Number(float64(zones)),
			NatGateways: jsii.Number(0),
			SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{
				Name: jsii.String("private"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(22),
			}},
			GatewayEndpoints: &map[string]*awsec2.GatewayVpcEndpointOptions{
				"S3": {Service: awsec2.GatewayVpcEndpointAwsService_S3()},
			},
			FlowLogs: &map[string]*awsec2.FlowLogOptions{
				"All": {Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(x.FlowLogs, nil), TrafficType: awsec2.FlowLogTrafficType_ALL},
			},
			// Nothing uses the default security group; closing it would take
			// a custom resource Lambda.
			RestrictDefaultSecurityGroup: jsii.Bool(false),
		})
		x.Vpc = vpc
	}
	sel := s.VpcSubnets
	if sel == nil {
		sel = &awsec2.SubnetSelection{OnePerAz: jsii.Bool(true)}
	}
	subnets := *x.Vpc.SelectSubnets(sel).Subnets
	if len(subnets) > zones {
		subnets = subnets[:zones]
	}
	x.Subnets = subnets

	x.IndexerSecurityGroup = awsec2.NewSecurityGroup(x.Construct, jsii.String("IndexerSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              x.Vpc,
		Description:      jsii.String("Indexer of " + *x.Node().Path() + ": HTTPS out only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	x.IndexerSecurityGroup.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS to OpenSearch, S3 and X-Ray"), nil)
	x.DomainSecurityGroup = awsec2.NewSecurityGroup(x.Construct, jsii.String("DomainSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              x.Vpc,
		Description:      jsii.String("OpenSearch domain of " + *x.Node().Path() + ": HTTPS from the indexer only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	x.DomainSecurityGroup.AddIngressRule(x.IndexerSecurityGroup, awsec2.Port_Tcp(jsii.Number(443)),
		jsii.String("HTTPS from the indexer"), nil)
	if vpc, ok := x.Vpc.(awsec2.Vpc); ok && s.Vpc == nil {
		// X-Ray traces leave the indexer through this endpoint (no internet);
		// it admits the indexer only.
		x.XRayEndpoint = vpc.AddInterfaceEndpoint(jsii.String("XRayEndpoint"), &awsec2.InterfaceVpcEndpointOptions{
			Service: awsec2.InterfaceVpcEndpointAwsService_XRAY(),
			Subnets: &awsec2.SubnetSelection{Subnets: &x.Subnets},
			Open:    jsii.Bool(false),
		})
		x.XRayEndpoint.Connections().AllowDefaultPortFrom(x.IndexerSecurityGroup, jsii.String("HTTPS from the indexer"))
	}
}

func (x *Pipeline) newIndexer(p *config) {
	index := p.Search.Index
	ix := p.Indexing
	memory, timeout, retries, age := ix.MemoryMB, ix.Timeout, p.asyncRetries, ix.MaxEventAge
	fn := golambda.New(x.Construct, "Indexer", golambda.Props{
		Entry:            p.IndexerEntry,
		Description:      "Indexes the aggregates of " + *x.Node().Path() + " into OpenSearch",
		MemoryMB:         memory,
		Timeout:          timeout,
		Environment:      map[string]string{"INDEX": index},
		LogLevel:         p.LogLevel,
		LogRetention:     p.LogRetention,
		LogEncryptionKey: p.LogEncryptionKey,
		Vpc:              x.Vpc,
		VpcSubnets:       &awsec2.SubnetSelection{Subnets: &x.Subnets},
		SecurityGroups:   []awsec2.ISecurityGroup{x.IndexerSecurityGroup},
	})
	x.Indexer, x.IndexerRole = fn.Function, fn.Role
	x.Indexer.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: &[]*string{x.Bucket.ArnForObjects(jsii.String(x.Prefix + "*"))},
	}))
	if x.BucketKey != nil {
		x.BucketKey.Grant(x.Indexer, jsii.String("kms:Decrypt"))
	}
	nag.Suppress(x.IndexerRole, "AwsSolutions-IAM5",
		"The indexer reads the aggregate objects named by S3 notifications under the aggregates prefix; their keys are not known in advance.",
		x.objectsAppliesTo())

	nag.Suppress(x.Indexer, "Serverless-LambdaDLQ",
		"An S3 event the indexer still fails on after Lambda's retries goes to IndexerFailures through the function's on-failure destination (EventInvokeConfig), which keeps the event and the error; a dead-letter queue would keep the event only.")

	x.IndexerFailures = x.newQueue("IndexerFailures",
		"This queue is itself the on-failure destination of the indexer's asynchronous invocations.")
	x.Indexer.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(float64(retries)),
		MaxEventAge:   awscdk.Duration_Seconds(jsii.Number(age.Seconds())),
		OnFailure:     awslambdadestinations.NewSqsDestination(x.IndexerFailures),
	})
	x.AsyncInvokeConfig, _ = x.Indexer.Node().TryFindChild(jsii.String("EventInvokeConfig")).(awslambda.EventInvokeConfig)
	// The CDK writes bucket notifications through one handler per stack:
	// its suppressions are recorded only when this pipeline made it, never
	// on a handler the app's own notifications made.
	handler, ours, _ := nag.Singleton(x.Construct, notificationsHandlerID, func() {
		x.Bucket.AddEventNotification(awss3.EventType_OBJECT_CREATED, awss3notifications.NewLambdaDestination(x.Indexer),
			&awss3.NotificationKeyFilter{Prefix: jsii.String(x.Prefix), Suffix: jsii.String(".json")})
	})
	if ours {
		nag.Suppress(handler, "AwsSolutions-IAM4",
			"The CDK's bucket-notifications handler (a singleton per stack) uses AWSLambdaBasicExecutionRole to write its logs.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
		nag.Suppress(handler, "AwsSolutions-IAM5",
			"The CDK's bucket-notifications handler calls s3:PutBucketNotification; for a bucket imported by name the CDK grants it on '*'.",
			"Resource::*")
	}
}

// notificationsHandlerID is the id of the stack-wide singleton function the
// CDK uses to write S3 bucket notification configurations.
const notificationsHandlerID = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"

func (x *Pipeline) newDomain(p *config) {
	s := p.Search
	zones, volume := s.ZoneCount, s.VolumeGB
	capacity := &awsopensearchservice.CapacityConfig{
		DataNodes:                 jsii.Number(float64(s.DataNodes)),
		DataNodeInstanceType:      jsii.String(s.DataNodeInstanceType),
		MultiAzWithStandbyEnabled: jsii.Bool(false),
	}
	if !s.DisableDedicatedMasters {
		capacity.MasterNodes = jsii.Number(float64(s.MasterNodes))
		capacity.MasterNodeInstanceType = jsii.String(s.MasterNodeInstanceType)
	}
	master := s.MasterUserArn
	if master == "" {
		master = *x.IndexerRole.RoleArn()
	}

	for _, name := range []string{"SlowSearch", "SlowIndex", "Application"} {
		x.SearchLogs[name] = loggroup.New(x.Construct, name+"Logs", loggroup.Props{Retention: p.LogRetention, EncryptionKey: p.LogEncryptionKey})
	}
	stack := awscdk.Stack_Of(x.Construct)
	// OpenSearch delivers its logs through a CloudWatch Logs resource policy
	// (written here instead of by the CDK's custom resource Lambda).
	x.SearchLogsPolicy = awslogs.NewResourcePolicy(x.Construct, jsii.String("SearchLogsPolicy"), &awslogs.ResourcePolicyProps{
		PolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("es.amazonaws.com"), nil)},
			Actions:    jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: &[]*string{
				x.SearchLogs["SlowSearch"].LogGroupArn(), x.SearchLogs["SlowIndex"].LogGroupArn(), x.SearchLogs["Application"].LogGroupArn(),
			},
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		})},
	})

	// An explicit name lets the access policy name the domain without
	// referring to the domain itself.
	x.DomainName = strings.ToLower(naming.Unique(x.Construct, "", 28))
	if c := x.DomainName[0]; c < 'a' || c > 'z' {
		x.DomainName = "d" + x.DomainName[1:]
	}
	domainArn := func(path string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("es"), Resource: jsii.String("domain"), ResourceName: jsii.String(x.DomainName + path),
			ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
		})
	}
	// The domain's resource policy admits signed requests of named IAM
	// principals only: the indexer may POST /_bulk, a separate master user
	// may use the REST API. Fine-grained access control decides the rest.
	statements := []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"AWS": x.IndexerRole.RoleArn()},
		"Action": "es:ESHttpPost", "Resource": domainArn("/_bulk"),
	}}
	if s.MasterUserArn != "" {
		statements = append(statements, map[string]any{
			"Effect": "Allow", "Principal": map[string]any{"AWS": s.MasterUserArn},
			"Action":   []string{"es:ESHttpGet", "es:ESHttpHead", "es:ESHttpPost", "es:ESHttpPut", "es:ESHttpPatch", "es:ESHttpDelete"},
			"Resource": domainArn("/*"),
		})
	}

	x.Domain = awsopensearchservice.NewDomain(x.Construct, jsii.String("Domain"), &awsopensearchservice.DomainProps{
		DomainName:     jsii.String(x.DomainName),
		Version:        awsopensearchservice.EngineVersion_OPENSEARCH_2_19(),
		Vpc:            x.Vpc,
		VpcSubnets:     &[]*awsec2.SubnetSelection{{Subnets: &x.Subnets}},
		SecurityGroups: &[]awsec2.ISecurityGroup{x.DomainSecurityGroup},
		Capacity:       capacity,
		ZoneAwareness: &awsopensearchservice.ZoneAwarenessConfig{
			Enabled: jsii.Bool(true), AvailabilityZoneCount: jsii.Number(float64(zones)),
		},
		Ebs: &awsopensearchservice.EbsOptions{
			Enabled: jsii.Bool(true), VolumeSize: jsii.Number(float64(volume)), VolumeType: awsec2.EbsDeviceVolumeType_GP3,
		},
		NodeToNodeEncryption: jsii.Bool(true),
		EncryptionAtRest:     &awsopensearchservice.EncryptionAtRestOptions{Enabled: jsii.Bool(true), KmsKey: s.EncryptionKey},
		EnforceHttps:         jsii.Bool(true),
		TlsSecurityPolicy:    awsopensearchservice.TLSSecurityPolicy_TLS_1_2,
		FineGrainedAccessControl: &awsopensearchservice.AdvancedSecurityOptions{
			MasterUserArn: jsii.String(master),
		},
		Logging: &awsopensearchservice.LoggingOptions{
			SlowSearchLogEnabled: jsii.Bool(true), SlowSearchLogGroup: x.SearchLogs["SlowSearch"],
			SlowIndexLogEnabled: jsii.Bool(true), SlowIndexLogGroup: x.SearchLogs["SlowIndex"],
			AppLogEnabled: jsii.Bool(true), AppLogGroup: x.SearchLogs["Application"],
		},
		SuppressLogsResourcePolicy: jsii.Bool(true),
		// Changing Version upgrades in place instead of replacing the domain.
		EnableVersionUpgrade:     jsii.Bool(true),
		EnableAutoSoftwareUpdate: jsii.Bool(true),
		OffPeakWindowEnabled:     jsii.Bool(true),
		RemovalPolicy:            awscdk.RemovalPolicy_RETAIN,
	})
	x.Domain.Node().AddDependency(x.SearchLogsPolicy)
	// Set on the resource, not through DomainProps.AccessPolicies, which
	// would add a custom resource Lambda to write it.
	cfn := x.Domain.Node().DefaultChild().(awsopensearchservice.CfnDomain)
	cfn.SetAccessPolicies(map[string]any{"Version": "2012-10-17", "Statement": statements})
	nag.Suppress(x.Domain, "AwsSolutions-OS3",
		"The domain has no public endpoint: it lives in private subnets, its security group admits HTTPS from the indexer only, and its policy names IAM principals; IP allowlists add nothing inside the VPC.")

	x.Indexer.AddEnvironment(jsii.String("OPENSEARCH_ENDPOINT"), x.Domain.DomainEndpoint(), nil)
	// The handler sends signed POST /_bulk requests only.
	x.Indexer.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("es:ESHttpPost"),
		Resources: &[]*string{jsii.String(*x.Domain.DomainArn() + "/_bulk")},
	}))
}

func (x *Pipeline) newAlarms(a Alarms) {
	path := *x.Node().Path()
	five := awscdk.Duration_Minutes(jsii.Number(5))
	one := awscdk.Duration_Minutes(jsii.Number(1))
	sum := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}
	maxOf := func(period awscdk.Duration) *awscloudwatch.MetricOptions {
		return &awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: period}
	}
	age := a.IteratorAge
	add := func(name string, s alarms.Spec) {
		x.Alarms[name] = alarms.New(x.Construct, name+"Alarm", s, x.AlarmTopic)
	}
	add("IteratorAge", alarms.Spec{
		Metric:            x.Processor.Metric(jsii.String("IteratorAge"), maxOf(five)),
		Threshold:         float64(age.Milliseconds()),
		EvaluationPeriods: 3, DatapointsToAlarm: 2,
		Description: fmt.Sprintf("%s: the processor is more than %s behind the stream. Look at its errors and duration; raise ParallelizationFactor or BatchSize.", path, age),
	})
	add("ProcessorErrors", alarms.Spec{
		Metric: x.Processor.MetricErrors(sum), Threshold: 1,
		Description: fmt.Sprintf("%s: the stream processor failed. Look at its log group; the batch is retried, then bisected.", path),
	})
	add("ProcessorFailures", alarms.Spec{
		Metric: x.ProcessorFailures.MetricApproximateNumberOfMessagesVisible(maxOf(five)), Threshold: 1,
		Description: fmt.Sprintf("%s: a Kinesis batch failed for good; its shard and sequence numbers are in the on-failure queue. Replay it from the stream before it expires.", path),
	})
	add("IndexerErrors", alarms.Spec{
		Metric: x.Indexer.MetricErrors(sum), Threshold: 1,
		Description: fmt.Sprintf("%s: the indexer failed. Look at its log group and the domain's health.", path),
	})
	add("IndexerFailures", alarms.Spec{
		Metric: x.IndexerFailures.MetricApproximateNumberOfMessagesVisible(maxOf(five)), Threshold: 1,
		Description: fmt.Sprintf("%s: an aggregate object was not indexed after Lambda's retries; its S3 event is in the indexer's failure queue.", path),
	})
	add("ClusterRed", alarms.Spec{
		Metric: x.Domain.MetricClusterStatusRed(maxOf(one)), Threshold: 1,
		Description: fmt.Sprintf("%s: the OpenSearch cluster is red: at least one primary shard is unassigned. Look at the application logs.", path),
	})
	add("IndexWritesBlocked", alarms.Spec{
		Metric: x.Domain.MetricClusterIndexWritesBlocked(maxOf(five)), Threshold: 1,
		Description: fmt.Sprintf("%s: the OpenSearch cluster blocks writes (disk or memory pressure). Add storage or nodes.", path),
	})
}
