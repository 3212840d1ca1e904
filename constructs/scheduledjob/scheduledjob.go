package scheduledjob

import (
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/alarms"
	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/naming"
)

// Job is a Go Lambda function run by EventBridge Scheduler. Every resource it
// made is exported.
type Job struct {
	constructs.Construct
	// Function is the job's function; FunctionRole its execution role and
	// LogGroup its logs. Grant what the handler calls to Function.
	Function     awslambda.Function
	FunctionRole awsiam.IRole
	LogGroup     awslogs.LogGroup
	// Group is the job's schedule group and GroupName its name.
	Group     awsscheduler.CfnScheduleGroup
	GroupName string
	// Schedules maps each Schedule.Name to its schedule.
	Schedules map[string]awsscheduler.CfnSchedule
	// SchedulerRole is assumed by EventBridge Scheduler; it may invoke
	// Function and send to DeadLetterQueue, nothing else.
	SchedulerRole awsiam.Role
	// DeadLetterQueue receives the runs Scheduler could not deliver and the
	// runs whose handler failed after Lambda's retries.
	DeadLetterQueue awssqs.Queue
	// AsyncInvokeConfig sends the runs whose handler failed after Lambda's
	// retries to DeadLetterQueue.
	AsyncInvokeConfig awslambda.EventInvokeConfig
	// Alarms maps "Errors" and "DeadLetters" to their alarms; AlarmTopic
	// receives their notifications: Props.Alarms.Topic, or the stack's
	// shared alarm topic (alarmtopic.Shared).
	Alarms     map[string]awscloudwatch.Alarm
	AlarmTopic awssns.ITopic
}

// New creates a Job. It panics with a *validate.Error that names every
// invalid prop (see Validate) before it creates any resource.
func New(scope constructs.Construct, id string, props *Props) *Job {
	c, err := resolve(scope, id, props)
	if err != nil {
		panic(err)
	}
	j := &Job{
		Construct: constructs.NewConstruct(scope, jsii.String(id)),
		Schedules: map[string]awsscheduler.CfnSchedule{},
		Alarms:    map[string]awscloudwatch.Alarm{},
	}
	j.AlarmTopic = c.Alarms.Topic
	if j.AlarmTopic == nil {
		j.AlarmTopic = alarmtopic.Shared(j.Construct).Topic
	}
	path := *j.Node().Path()
	j.newQueue(c.DeadLetterQueue)
	j.newFunction(c)

	j.GroupName = naming.Unique(j.Construct, "", 64)
	j.Group = awsscheduler.NewCfnScheduleGroup(j.Construct, jsii.String("Group"), &awsscheduler.CfnScheduleGroupProps{
		Name: jsii.String(j.GroupName),
	})
	j.newSchedulerRole()
	for _, s := range c.Schedules {
		j.addSchedule(s, c, path)
	}
	j.newAlarms(path)
	return j
}

func (j *Job) newQueue(q DeadLetterQueue) {
	props := &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Seconds(jsii.Number(q.Retention.Seconds())),
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
	}
	if q.EncryptionKey != nil {
		props.Encryption = awssqs.QueueEncryption_KMS
		props.EncryptionMasterKey = q.EncryptionKey
	}
	j.DeadLetterQueue = awssqs.NewQueue(j.Construct, jsii.String("DeadLetterQueue"), props)
	why := "This queue is itself the dead-letter queue of the job's schedules and of the function's asynchronous invocations."
	nag.Suppress(j.DeadLetterQueue, "AwsSolutions-SQS3", why)
	nag.Suppress(j.DeadLetterQueue, "Serverless-SQSRedrivePolicy", why)
}

func (j *Job) newFunction(c *config) {
	f := c.Function
	desc := c.Description
	if desc == "" {
		desc = "Scheduled job " + *j.Node().Path()
	}
	fn := golambda.New(j.Construct, "Function", golambda.Props{
		Entry:               c.Entry,
		Description:         desc,
		MemoryMB:            f.MemoryMB,
		Timeout:             f.Timeout,
		ReservedConcurrency: f.ReservedConcurrency,
		Environment:         f.Environment,
		LogLevel:            f.LogLevel,
		LogRetention:        f.LogRetention,
		LogEncryptionKey:    c.LogEncryptionKey,
		X86:                 f.X86,
	})
	j.Function, j.FunctionRole, j.LogGroup = fn.Function, fn.Role, fn.LogGroup
	j.Function.ConfigureAsyncInvoke(&awslambda.EventInvokeConfigOptions{
		RetryAttempts: jsii.Number(float64(c.asyncRetries)),
		MaxEventAge:   awscdk.Duration_Seconds(jsii.Number(c.asyncAge.Seconds())),
		OnFailure:     awslambdadestinations.NewSqsDestination(j.DeadLetterQueue),
	})
	j.AsyncInvokeConfig, _ = j.Function.Node().TryFindChild(jsii.String("EventInvokeConfig")).(awslambda.EventInvokeConfig)
	nag.Suppress(j.Function, "Serverless-LambdaDLQ",
		"A failed run goes to DeadLetterQueue through the function's on-failure destination (EventInvokeConfig), which keeps the run's event and the error; a dead-letter queue on the function would keep the event only.")
}

func (j *Job) newSchedulerRole() {
	stack := awscdk.Stack_Of(j.Construct)
	groupSchedules := stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("scheduler"),
		Resource:     jsii.String("schedule"),
		ResourceName: jsii.String(j.GroupName + "/*"),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
	j.SchedulerRole = awsiam.NewRole(j.Construct, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		// Only this account's schedules in this job's group may assume the
		// role (confused-deputy protection).
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()},
				"ArnLike":      map[string]any{"aws:SourceArn": groupSchedules},
			},
		}),
		Description: jsii.String("EventBridge Scheduler role of " + *j.Node().Path() + ": invokes its function only"),
	})
	// The unqualified function ARN only: no versions or aliases.
	j.SchedulerRole.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("lambda:InvokeFunction"),
		Resources: &[]*string{j.Function.FunctionArn()},
	}))
	j.DeadLetterQueue.GrantSendMessages(j.SchedulerRole)
	if j.DeadLetterQueue.EncryptionMasterKey() != nil {
		// Both roles send to a KMS-encrypted queue through the CDK's queue
		// grant, which names the KMS data-key actions with wildcards.
		for _, r := range []awsiam.IRole{j.SchedulerRole, j.FunctionRole} {
			nag.Suppress(r, "AwsSolutions-IAM5",
				"Sending to the KMS-encrypted dead-letter queue needs its key's kms:GenerateDataKey* and kms:ReEncrypt* (the CDK's queue grant), on that key only.",
				"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*")
		}
	}
}

func (j *Job) addSchedule(s Schedule, c *config, path string) {
	window := &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")}
	if s.FlexibleWindow > 0 {
		window = &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{
			Mode:                   jsii.String("FLEXIBLE"),
			MaximumWindowInMinutes: jsii.Number(s.FlexibleWindow.Minutes()),
		}
	}
	input := DefaultPayload
	if s.Payload != nil {
		b, _ := json.Marshal(s.Payload) // checked by validateProps
		input = string(b)
	}
	state := "ENABLED"
	if s.Disabled {
		state = "DISABLED"
	}
	desc := s.Description
	if desc == "" {
		desc = fmt.Sprintf("%s: %s (%s)", path, s.Name, s.Expression)
		if len(desc) > 512 {
			desc = desc[:512]
		}
	}
	props := &awsscheduler.CfnScheduleProps{
		Name:                       jsii.String(s.Name),
		GroupName:                  j.Group.Ref(),
		Description:                jsii.String(desc),
		ScheduleExpression:         jsii.String(s.Expression),
		ScheduleExpressionTimezone: jsii.String(s.TimeZone),
		FlexibleTimeWindow:         window,
		State:                      jsii.String(state),
		Target: &awsscheduler.CfnSchedule_TargetProperty{
			Arn:     j.Function.FunctionArn(),
			RoleArn: j.SchedulerRole.RoleArn(),
			Input:   jsii.String(input),
			RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
				MaximumRetryAttempts:     jsii.Number(float64(c.retries)),
				MaximumEventAgeInSeconds: jsii.Number(c.Retry.MaxEventAge.Seconds()),
			},
			DeadLetterConfig: &awsscheduler.CfnSchedule_DeadLetterConfigProperty{Arn: j.DeadLetterQueue.QueueArn()},
		},
	}
	if !s.Start.IsZero() {
		props.StartDate = jsii.String(s.Start.UTC().Format(time.RFC3339))
	}
	if !s.End.IsZero() {
		props.EndDate = jsii.String(s.End.UTC().Format(time.RFC3339))
	}
	sch := awsscheduler.NewCfnSchedule(j.Construct, jsii.String("Schedule-"+s.Name), props)
	// The role's policy must exist before Scheduler validates the target.
	sch.Node().AddDependency(j.SchedulerRole)
	j.Schedules[s.Name] = sch
}

func (j *Job) newAlarms(path string) {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	j.Alarms["Errors"] = alarms.New(j.Construct, "ErrorsAlarm", alarms.Spec{
		Metric:      j.Function.MetricErrors(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
		Threshold:   1,
		Description: fmt.Sprintf("%s: the job's function failed. Look at its log group; Lambda retries the run, then sends it to the dead-letter queue.", path),
	}, j.AlarmTopic)
	j.Alarms["DeadLetters"] = alarms.New(j.Construct, "DeadLettersAlarm", alarms.Spec{
		Metric:      j.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: five}),
		Threshold:   1,
		Description: fmt.Sprintf("%s: a run of the job failed for good and is in the dead-letter queue. Read the message, fix the cause, then delete it.", path),
	}, j.AlarmTopic)
}

// ScheduleNames returns the names of the job's schedules, sorted.
func (j *Job) ScheduleNames() []string {
	names := make([]string, 0, len(j.Schedules))
	for n := range j.Schedules {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
