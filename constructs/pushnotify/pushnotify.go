package pushnotify

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/alarms"
	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/table"
	"github.com/gureum-cdk/gureum/constructs/serverlessapi"
)

// The device table's schema, as package devices reads it.
const (
	PlayerKey     = "player"
	TokenKey      = "token"
	EndpointIndex = "endpoint"
	EndpointAttr  = "endpointArn"
)

// Route keys of the device API in API.Functions.
const (
	RegisterRoute   = "PUT /devices"
	UnregisterRoute = "DELETE /devices/{token}"
)

// PushNotify is the path from a notice to players' phones: SNS platform
// applications, the device-registration API, the device table, the fan-out
// and the cleanup of rejected endpoints. Every resource it made is exported.
type PushNotify struct {
	constructs.Construct
	// Table holds player → device token → platform endpoint (retained,
	// deletion-protected, point-in-time recovery).
	Table awsdynamodb.TableV2
	// Applications maps "fcm" and "apns" to the custom resource of that
	// platform application; ApplicationArns to its ARN (a token).
	Applications    map[string]awscdk.CustomResource
	ApplicationArns map[string]string
	// ApplicationNames maps "fcm" and "apns" to the application's name.
	ApplicationNames map[string]string
	// PlatformAppFunction is the custom resource's handler and Provider the
	// CDK provider framework that calls it.
	PlatformAppFunction awslambda.Function
	Provider            customresources.Provider
	// Events receives the applications' EventDeliveryFailure and
	// EventEndpointUpdated events (encrypted with EventsKey); Cleanup
	// handles them.
	Events    awssns.Topic
	EventsKey awskms.Key
	Cleanup   awslambda.Function
	// CleanupFailures keeps the endpoint events that SNS could not deliver
	// to Cleanup (the subscription's redrive policy) and those Cleanup
	// failed on after Lambda's retries (its on-failure destination).
	CleanupFailures awssqs.Queue
	// DeliveryStatusRole lets SNS write the applications' delivery-status
	// logs; DeliveryLogs are their log groups, created with a retention
	// ("sns/<region>/<account>/app/<platform>/<name>" and ".../Failure").
	DeliveryStatusRole awsiam.Role
	DeliveryLogs       map[string]awslogs.LogGroup
	// API serves PUT /devices and DELETE /devices/{token}.
	API *serverlessapi.ServerlessAPI
	// Queue receives the notices (subscribed to Props.Notices) and
	// handed-on fan-out jobs; a message that fails goes to DeadLetterQueue
	// at once, so a notice is never sent twice.
	Queue           awssqs.Queue
	DeadLetterQueue awssqs.Queue
	// FanOut sends each notice to every registered device.
	FanOut awslambda.Function
	// AlarmTopic receives the alarms; Alarms maps a name to each alarm.
	AlarmTopic awssns.ITopic
	Alarms     map[string]awscloudwatch.Alarm
}

// New creates a PushNotify. It panics with a *validate.Error that names every
// invalid prop (see Validate) before it creates any resource.
func New(scope constructs.Construct, id string, props *Props) *PushNotify {
	if err := validateProps(scope, id, props); err != nil {
		panic(err)
	}
	c := constructs.NewConstruct(scope, jsii.String(id))
	cfg := resolve(c, props)
	x := &PushNotify{
		Construct:        c,
		Applications:     map[string]awscdk.CustomResource{},
		ApplicationArns:  map[string]string{},
		ApplicationNames: map[string]string{},
		DeliveryLogs:     map[string]awslogs.LogGroup{},
		Alarms:           map[string]awscloudwatch.Alarm{},
	}
	x.AlarmTopic = cfg.topic(c)
	x.newTable(&cfg)
	x.newEvents(&cfg)
	x.newApplications(&cfg)
	x.newAPI(&cfg)
	x.newFanOut(&cfg)
	x.grantEndpoints(&cfg)
	x.newAlarms(&cfg)
	return x
}

func (x *PushNotify) newTable(cfg *config) {
	t := cfg.table
	x.Table = table.New(x.Construct, "Devices", table.Props{
		PartitionKey: table.StringKey(PlayerKey),
		SortKey:      table.StringKey(TokenKey),
		GlobalSecondaryIndexes: []*awsdynamodb.GlobalSecondaryIndexPropsV2{{
			IndexName:    jsii.String(EndpointIndex),
			PartitionKey: table.StringKey(EndpointAttr),
		}},
		EncryptionKey:             t.EncryptionKey,
		DisableDeletionProtection: t.DisableDeletionProtection,
		Destroy:                   t.Destroy,
	})
}

// function builds one of the construct's Go functions with the table's name.
func (x *PushNotify) function(cfg *config, id, entry, description string, memory int, timeout time.Duration, env map[string]string) awslambda.Function {
	e := map[string]string{"TABLE_NAME": *x.Table.TableName()}
	for k, v := range env {
		e[k] = v
	}
	fn := golambda.New(x.Construct, id, golambda.Props{
		Entry: entry, Description: description + " (" + *x.Node().Path() + ")",
		MemoryMB: memory, Timeout: timeout, Environment: e, LogRetention: cfg.logRetention, LogEncryptionKey: cfg.logKey,
	})
	return fn.Function
}

// newEvents creates the topic the applications send their endpoint events
// to, and the cleanup function subscribed to it.
func (x *PushNotify) newEvents(cfg *config) {
	stack := awscdk.Stack_Of(x.Construct)
	x.EventsKey = awskms.NewKey(x.Construct, jsii.String("EventsKey"), &awskms.KeyProps{
		Description:       jsii.String("Encrypts the platform application events of " + *x.Node().Path()),
		EnableKeyRotation: jsii.Bool(true),
	})
	// SNS itself publishes the applications' events to the topic.
	x.EventsKey.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowSNSPlatformApplicationEvents"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("sns.amazonaws.com"), nil)},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
	}), nil)
	x.Events = awssns.NewTopic(x.Construct, jsii.String("Events"), &awssns.TopicProps{
		DisplayName: jsii.String("Push endpoint events"),
		MasterKey:   x.EventsKey,
		EnforceSSL:  jsii.Bool(true),
	})
	x.Cleanup = x.function(cfg, "Cleanup", cfg.entries.Cleanup, "Removes the devices of endpoints SNS disabled", 256, time.Minute, nil)
	x.CleanupFailures = awssqs.NewQueue(x.Construct, jsii.String("CleanupFailures"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
	})
	why := "This queue is itself the dead-letter queue of the endpoint events' subscription and the on-failure destination of the cleanup function."
	nag.Suppress(x.CleanupFailures, "AwsSolutions-SQS3", why)
	nag.Suppress(x.CleanupFailures, "Serverless-SQSRedrivePolicy", why)
	x.Events.AddSubscription(awssnssubscriptions.NewLambdaSubscription(x.Cleanup, &awssnssubscriptions.LambdaSubscriptionProps{
		DeadLetterQueue: x.CleanupFailures,
	}))
	x.Cleanup.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		OnFailure: awslambdadestinations.NewSqsDestination(x.CleanupFailures),
	})
	nag.Suppress(x.Cleanup, "Serverless-LambdaDLQ",
		"An endpoint event the function failed on after Lambda's retries goes to CleanupFailures through the function's on-failure destination (EventInvokeConfig), which keeps the event and the error; a dead-letter queue on the function would keep the event only.")
	x.Table.Grant(x.Cleanup, jsii.String("dynamodb:Query"), jsii.String("dynamodb:PutItem"), jsii.String("dynamodb:DeleteItem"))
	x.grantTableKey(x.Cleanup, true)
}

// grantTableKey gives fn the table key's actions when the table has a
// customer-managed key (Table.Grant leaves the key alone).
func (x *PushNotify) grantTableKey(fn awslambda.Function, writes bool) {
	key := x.Table.EncryptionKey()
	if key == nil {
		return
	}
	actions := []*string{jsii.String("kms:Decrypt"), jsii.String("kms:DescribeKey")}
	if writes {
		actions = append(actions, jsii.String("kms:Encrypt"), jsii.String("kms:ReEncrypt*"), jsii.String("kms:GenerateDataKey*"))
		nag.Suppress(fn.Role(), "AwsSolutions-IAM5",
			"Writing to a table encrypted with a customer-managed key needs the key's kms:GenerateDataKey* and kms:ReEncrypt*, the grant DynamoDB's own write grants make; they apply to the table's key only.",
			"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*")
	}
	key.Grant(fn, actions...)
}

// newApplications creates the delivery-status role and logs, the custom
// resource provider and one platform application per configured platform.
func (x *PushNotify) newApplications(cfg *config) {
	stack := awscdk.Stack_Of(x.Construct)
	logArn := func(suffix string) string {
		return *stack.FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("logs"), Resource: jsii.String("log-group"),
			ResourceName: jsii.String("sns/" + *stack.Region() + "/" + *stack.Account() + "/app/" + suffix),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})
	}
	x.DeliveryStatusRole = awsiam.NewRole(x.Construct, jsii.String("DeliveryStatusRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("sns.amazonaws.com"), nil),
		Description: jsii.String("Lets SNS write the delivery-status logs of the platform applications of " + *x.Node().Path()),
	})
	var logResources []*string
	for _, a := range cfg.apps {
		name := "sns/" + *stack.Region() + "/" + *stack.Account() + "/app/" + a.platform + "/" + a.name
		x.DeliveryLogs[a.client] = loggroup.New(x.Construct, a.id+"DeliveryLogs", loggroup.Props{Name: name, Retention: cfg.logRetention, EncryptionKey: cfg.logKey})
		x.DeliveryLogs[a.client+"/Failure"] = loggroup.New(x.Construct, a.id+"DeliveryFailureLogs", loggroup.Props{Name: name + "/Failure", Retention: cfg.logRetention, EncryptionKey: cfg.logKey})
		logResources = append(logResources, jsii.String(logArn(a.platform+"/"+a.name+":*")), jsii.String(logArn(a.platform+"/"+a.name+"/Failure:*")))
	}
	x.DeliveryStatusRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:PutMetricFilter", "logs:PutRetentionPolicy"),
		Resources: &logResources,
	}))
	nag.Suppress(x.DeliveryStatusRole, "AwsSolutions-IAM5",
		"SNS writes each platform application's delivery-status logs to streams it names inside the two log groups of that application (<group>:*); the role reaches no other group.",
		"/^Resource::arn:<AWS::Partition>:logs:.*:log-group:sns\\/.*:\\*$/")

	fn := golambda.New(x.Construct, "PlatformAppHandler", golambda.Props{
		Entry: cfg.entries.PlatformApp, Description: "Creates the SNS platform applications of " + *x.Node().Path(),
		Timeout: time.Minute, LogRetention: cfg.logRetention, LogEncryptionKey: cfg.logKey,
	})
	x.PlatformAppFunction = fn.Function
	nag.Suppress(fn.Function, "Serverless-LambdaDLQ",
		"The provider framework invokes the handler synchronously for each custom resource event and reports a failure to CloudFormation, which fails the stack operation: no event is left for a dead-letter queue to keep.")
	fn.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("iam:PassRole"),
		Resources:  &[]*string{x.DeliveryStatusRole.RoleArn()},
		Conditions: &map[string]any{"StringEquals": map[string]any{"iam:PassedToService": "sns.amazonaws.com"}},
	}))
	// CreatePlatformApplication names no existing resource.
	fn.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("sns:CreatePlatformApplication"),
		Resources: jsii.Strings("*"),
	}))
	nag.Suppress(fn.Role, "AwsSolutions-IAM5",
		"sns:CreatePlatformApplication creates a resource that does not exist yet, so it is granted on '*'; updates and deletes are limited to this construct's applications.",
		"Resource::*")

	frameworkLogs := loggroup.New(x.Construct, "ProviderLogs", loggroup.Props{Retention: cfg.logRetention, EncryptionKey: cfg.logKey})
	frameworkRole := awsiam.NewRole(x.Construct, jsii.String("ProviderRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("Role of the custom resource provider framework of " + *x.Node().Path()),
	})
	frameworkLogs.GrantWrite(frameworkRole)
	x.Provider = customresources.NewProvider(x.Construct, jsii.String("Provider"), &customresources.ProviderProps{
		OnEventHandler:       fn.Function,
		FrameworkOnEventRole: frameworkRole,
		LogGroup:             frameworkLogs,
	})
	nag.Suppress(frameworkRole, "AwsSolutions-IAM5",
		"The CDK's provider framework may invoke every version of the construct's own platform-application handler (<function ARN>:*).",
		"/^Resource::<.*PlatformAppHandler.*\\.Arn>:\\*$/")
	if f := x.Provider.Node().TryFindChild(jsii.String("framework-onEvent")); f != nil {
		nag.Suppress(f, "AwsSolutions-L1",
			"The CDK's provider framework function pins the Node.js runtime its bundled code was built and tested for; it is upgraded with aws-cdk-lib.")
		nag.Suppress(f, "Serverless-LambdaDefaultMemorySize",
			"The CDK's provider framework function only relays custom resource events to the platform-application handler; the CDK sets its size and offers no prop for it.")
		nag.Suppress(f, "Serverless-LambdaDLQ",
			"CloudFormation invokes the provider framework for each custom resource event and waits for its answer; a failed event fails the stack operation, so no event is left for a dead-letter queue to keep.")
		nag.Suppress(f, "Serverless-LambdaTracing",
			"The CDK's provider framework function runs only during deployments; its log group (ProviderLogs) and the stack events report it.")
	}

	for _, a := range cfg.apps {
		secretID := a.secret.SecretName()
		if arn := a.secret.SecretFullArn(); arn != nil {
			secretID = arn
		}
		cr := awscdk.NewCustomResource(x.Construct, jsii.String(a.id+"Application"), &awscdk.CustomResourceProps{
			ServiceToken: x.Provider.ServiceToken(),
			ResourceType: jsii.String("Custom::SNSPlatformApplication"),
			// The secret is named, never read here: its value stays out of
			// the template and the event.
			Properties: &map[string]any{
				"Name": a.name, "Platform": a.platform, "SecretId": *secretID,
				"SigningKeyId": a.keyID, "TeamId": a.teamID, "BundleId": a.bundle,
				"EventTopicArn":             *x.Events.TopicArn(),
				"SuccessFeedbackRoleArn":    *x.DeliveryStatusRole.RoleArn(),
				"FailureFeedbackRoleArn":    *x.DeliveryStatusRole.RoleArn(),
				"SuccessFeedbackSampleRate": strconv.Itoa(cfg.successSampleRate),
				"CredentialVersion":         a.credentialVersion,
			},
		})
		cr.Node().AddDependency(x.DeliveryStatusRole)
		a.secret.GrantRead(fn.Function, nil)
		appArn := x.appArn(a, false)
		fn.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("sns:SetPlatformApplicationAttributes", "sns:DeletePlatformApplication"),
			Resources: jsii.Strings(appArn),
		}))
		x.Applications[a.client] = cr
		x.ApplicationArns[a.client] = *cr.Ref()
		x.ApplicationNames[a.client] = a.name
	}
}

// appArn is a platform application's ARN from its name (endpoints: the ARN
// pattern of its endpoints).
func (x *PushNotify) appArn(a app, endpoints bool) string {
	resource, name := "app", a.platform+"/"+a.name
	if endpoints {
		resource, name = "endpoint", name+"/*"
	}
	return *awscdk.Stack_Of(x.Construct).FormatArn(&awscdk.ArnComponents{
		Service: jsii.String("sns"), Resource: jsii.String(resource), ResourceName: jsii.String(name),
		ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
}

func (x *PushNotify) newAPI(cfg *config) {
	env := map[string]string{"MAX_DEVICES_PER_PLAYER": strconv.Itoa(cfg.maxDevices)}
	for client, arn := range x.ApplicationArns {
		if client == "fcm" {
			env["FCM_APPLICATION_ARN"] = arn
		} else {
			env["APNS_APPLICATION_ARN"] = arn
		}
	}
	throttle := cfg.throttle
	x.API = serverlessapi.New(x.Construct, "Api", &serverlessapi.Props{
		Description: "Device registration for push notifications (" + *x.Node().Path() + ")",
		StageName:   cfg.api.StageName,
		Throttle:    &throttle,
		Routes: []serverlessapi.Route{
			{Method: "PUT", Path: "/devices", Entry: cfg.entries.Register, Environment: env,
				Actions:       []string{"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"},
				RequestSchema: registerSchema()},
			{Method: "DELETE", Path: "/devices/{token}", Entry: cfg.entries.Unregister,
				Actions: []string{"dynamodb:GetItem", "dynamodb:DeleteItem"}},
		},
		ExistingTable:    x.Table,
		Auth:             serverlessapi.Auth{UserPools: cfg.api.UserPools, Scopes: cfg.api.Scopes},
		WAF:              cfg.api.WAF,
		LogRetention:     cfg.logRetention,
		LogEncryptionKey: cfg.logKey,
		Alarms:           serverlessapi.Alarms{Topic: x.AlarmTopic},
	})
}

// registerSchema is the PUT /devices body API Gateway accepts; the handler
// checks the token's format per platform.
func registerSchema() *awsapigateway.JsonSchema {
	return &awsapigateway.JsonSchema{
		Schema:               awsapigateway.JsonSchemaVersion_DRAFT4,
		Type:                 awsapigateway.JsonSchemaType_OBJECT,
		Required:             jsii.Strings("platform", "token"),
		AdditionalProperties: jsii.Bool(false),
		Properties: &map[string]*awsapigateway.JsonSchema{
			"platform": {Type: awsapigateway.JsonSchemaType_STRING, Enum: &[]any{"fcm", "apns"}},
			"token":    {Type: awsapigateway.JsonSchemaType_STRING, MinLength: jsii.Number(32), MaxLength: jsii.Number(1024)},
		},
	}
}

func (x *PushNotify) newFanOut(cfg *config) {
	f := cfg.fanOut
	x.DeadLetterQueue = awssqs.NewQueue(x.Construct, jsii.String("FanOutDeadLetters"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
	})
	nag.Suppress(x.DeadLetterQueue, "AwsSolutions-SQS3", "This queue is itself the dead-letter queue of the fan-out queue.")
	nag.Suppress(x.DeadLetterQueue, "Serverless-SQSRedrivePolicy",
		"This queue is itself the dead-letter queue of the fan-out queue and of the notices' subscription.")
	x.Queue = awssqs.NewQueue(x.Construct, jsii.String("FanOutQueue"), &awssqs.QueueProps{
		Encryption: awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL: jsii.Bool(true),
		// Lambda's guidance: six times the function's timeout.
		VisibilityTimeout: awscdk.Duration_Seconds(jsii.Number(6 * f.Timeout.Seconds())),
		RetentionPeriod:   awscdk.Duration_Seconds(jsii.Number(DefaultNoticeRetention.Seconds())),
		// One receive: a fan-out that failed midway may have notified part
		// of the players, so it is not retried blindly but alarmed on.
		DeadLetterQueue: &awssqs.DeadLetterQueue{Queue: x.DeadLetterQueue, MaxReceiveCount: jsii.Number(1)},
		// Notices not yet sent survive a stack deletion.
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	x.FanOut = x.function(cfg, "FanOut", cfg.entries.FanOut, "Sends each notice to every registered device", f.MemoryMB, f.Timeout, map[string]string{
		"QUEUE_URL":   *x.Queue.QueueUrl(),
		"SEGMENTS":    strconv.Itoa(f.Segments),
		"CONCURRENCY": strconv.Itoa(f.Concurrency),
	})
	x.FanOut.AddEventSource(awslambdaeventsources.NewSqsEventSource(x.Queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(1),
		ReportBatchItemFailures: jsii.Bool(true),
	}))
	nag.Suppress(x.FanOut, "Serverless-LambdaDLQ",
		"The function reads notices from Queue (an SQS event source, invoked synchronously by Lambda's poller); a notice that fails moves to the queue's dead-letter queue, DeadLetterQueue.")
	for _, c := range *x.FanOut.Node().Children() {
		if m, ok := c.(awslambda.EventSourceMapping); ok {
			nag.Suppress(m, "Serverless-LambdaEventSourceMappingDestination",
				"Lambda's on-failure destinations apply to stream and Kafka event sources, not to SQS: a failed notice moves to DeadLetterQueue (the queue's redrive policy).")
		}
	}
	x.Queue.GrantSendMessages(x.FanOut)
	cfg.notices.AddSubscription(awssnssubscriptions.NewSqsSubscription(x.Queue, &awssnssubscriptions.SqsSubscriptionProps{
		DeadLetterQueue: x.DeadLetterQueue,
	}))
	x.Table.Grant(x.FanOut, jsii.String("dynamodb:Scan"), jsii.String("dynamodb:DeleteItem"))
	x.grantTableKey(x.FanOut, true)
}

// grantEndpoints gives each function the SNS actions its handler calls, on
// this construct's applications and their endpoints only.
func (x *PushNotify) grantEndpoints(cfg *config) {
	var apps, endpoints []*string
	for _, a := range cfg.apps {
		apps = append(apps, jsii.String(x.ApplicationArns[a.client]))
		endpoints = append(endpoints, jsii.String(x.appArn(a, true)))
	}
	grant := func(fn awslambda.Function, on []*string, actions ...string) {
		fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{Actions: jsii.Strings(actions...), Resources: &on}))
	}
	register := x.API.Functions[RegisterRoute]
	grant(register, apps, "sns:CreatePlatformEndpoint")
	grant(register, endpoints, "sns:GetEndpointAttributes", "sns:SetEndpointAttributes", "sns:DeleteEndpoint")
	grant(x.API.Functions[UnregisterRoute], endpoints, "sns:DeleteEndpoint")
	grant(x.FanOut, endpoints, "sns:Publish", "sns:DeleteEndpoint")
	grant(x.Cleanup, endpoints, "sns:GetEndpointAttributes", "sns:DeleteEndpoint")
	for _, route := range []string{RegisterRoute, UnregisterRoute} {
		nag.Suppress(x.API.Functions[route].Role(), "AwsSolutions-IAM5",
			"Table grants cover the table's indexes (<table ARN>/index/*); PUT /devices queries the endpoint index of its own table.",
			"/^Resource::<.*Devices.*\\.Arn>\\/index\\/\\*$/")
	}
	reason := "A platform endpoint's ARN ends in an id SNS assigns when a device registers; the grant covers the endpoints of this construct's applications (endpoint/<platform>/<application>/*) and nothing else."
	for _, fn := range []awslambda.Function{register, x.API.Functions[UnregisterRoute], x.FanOut, x.Cleanup} {
		nag.Suppress(fn.Role(), "AwsSolutions-IAM5", reason, "/^Resource::arn:<AWS::Partition>:sns:.*:endpoint\\/.*\\/\\*$/")
	}
	nag.Suppress(x.Cleanup.Role(), "AwsSolutions-IAM5",
		"Table grants cover the table's indexes (<table ARN>/index/*); the cleanup queries the endpoint index of its own table.",
		"/^Resource::<.*Devices.*\\.Arn>\\/index\\/\\*$/")
	nag.Suppress(x.FanOut.Role(), "AwsSolutions-IAM5",
		"Table grants cover the table's indexes (<table ARN>/index/*); the fan-out reads its own table only.",
		"/^Resource::<.*Devices.*\\.Arn>\\/index\\/\\*$/")
}

func (x *PushNotify) newAlarms(cfg *config) {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	path := *x.Node().Path()
	topic := x.AlarmTopic
	sum := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}
	apps := append([]app(nil), cfg.apps...)
	sort.Slice(apps, func(i, j int) bool { return apps[i].id < apps[j].id })
	for _, a := range apps {
		dims := &map[string]*string{"Application": jsii.String(a.name), "Platform": jsii.String(a.platform)}
		metric := func(name string) awscloudwatch.Metric {
			return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String("AWS/SNS"), MetricName: jsii.String(name), DimensionsMap: dims,
				Statistic: jsii.String("Sum"), Period: five,
			})
		}
		rate := awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("FILL(f, 0) / MAX([FILL(d, 0) + FILL(f, 0), 1])"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"d": metric("NumberOfNotificationsDelivered"),
				"f": metric("NumberOfNotificationsFailed"),
			},
			Label:  jsii.String("Share of notifications failed"),
			Period: five,
		})
		x.Alarms[a.client+" DeliveryFailures"] = alarms.New(x.Construct, a.id+"DeliveryFailuresAlarm", alarms.Spec{
			Metric: rate, Threshold: cfg.failureRate, EvaluationPeriods: 3,
			Description: fmt.Sprintf("%s: more than %.0f%% of the %s notifications failed for 15 minutes. Look at the delivery-status log group %s/Failure (the provider's response: an expired credential fails every delivery).",
				path, cfg.failureRate*100, a.platform, *x.DeliveryLogs[a.client].LogGroupName()),
		}, topic)
	}
	x.Alarms["FanOut Errors"] = alarms.New(x.Construct, "FanOutErrorsAlarm", alarms.Spec{
		Metric: x.FanOut.MetricErrors(sum), Threshold: 1,
		Description: fmt.Sprintf("%s: the fan-out function failed. Look at its log group; the notice is in the dead-letter queue.", path),
	}, topic)
	x.Alarms["FanOut DeadLetters"] = alarms.New(x.Construct, "FanOutDeadLettersAlarm", alarms.Spec{
		Metric:      x.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: five}),
		Threshold:   1,
		Description: fmt.Sprintf("%s: a notice or a fan-out job failed and was not sent to every device. Read it from the dead-letter queue; redriving it resumes from its last page.", path),
	}, topic)
	x.Alarms["FanOut PublishFailures"] = alarms.New(x.Construct, "FanOutPublishFailuresAlarm", alarms.Spec{
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("Gureum/Push"), MetricName: jsii.String("PublishFailures"),
			DimensionsMap: &map[string]*string{"FunctionName": x.FanOut.FunctionName()}, Statistic: jsii.String("Sum"), Period: five,
		}),
		Threshold:   1,
		Description: fmt.Sprintf("%s: SNS refused Publish calls of the fan-out (throttling beyond retries, or an error). Look at the fan-out's log group.", path),
	}, topic)
	x.Alarms["Cleanup Errors"] = alarms.New(x.Construct, "CleanupErrorsAlarm", alarms.Spec{
		Metric: x.Cleanup.MetricErrors(sum), Threshold: 1,
		Description: fmt.Sprintf("%s: the endpoint cleanup failed; disabled endpoints stay registered until it succeeds. Look at its log group.", path),
	}, topic)
	x.Alarms["Cleanup Failures"] = alarms.New(x.Construct, "CleanupFailuresAlarm", alarms.Spec{
		Metric:      x.CleanupFailures.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: five}),
		Threshold:   1,
		Description: fmt.Sprintf("%s: endpoint events were not handled (SNS could not deliver them to the cleanup function, or it failed on them after its retries). Read them from the CleanupFailures queue and redrive them to the events topic's function once the cause is fixed.", path),
	}, topic)
}
