package datalake

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsstepfunctionstasks"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/datalake/internal/lakesql"
	"github.com/gureum-cdk/gureum/constructs/internal/alarms"
	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
)

// PromotionJob is what New made to promote a raw table into one Iceberg
// table (Table.Promotion).
type PromotionJob struct {
	constructs.Construct
	// SQL is the MERGE INTO each run executes once per raw partition, with
	// "{}" where Step Functions puts the partition's year, month and day.
	SQL string
	// StateMachine plans the run's partitions (Planner) and runs the MERGE
	// for each, one at a time, through Athena's .sync integration;
	// LogGroup receives every state's events.
	StateMachine awsstepfunctions.StateMachine
	LogGroup     awslogs.LogGroup
	Planner      awslambda.Function
	// Schedule starts the state machine with {"time": <scheduled time>};
	// SchedulerRole may start it and send to DeadLetterQueue, which
	// receives the starts Scheduler gave up on.
	Schedule        awsscheduler.CfnSchedule
	SchedulerRole   awsiam.Role
	DeadLetterQueue awssqs.Queue
	// Alarms maps "Failed" (a run failed, timed out or was aborted) and
	// "DeadLetters" to their alarms.
	Alarms map[string]awscloudwatch.Alarm
}

// mergeFor returns the MERGE of table t, as lakesql writes it.
func (d *DataLake) mergeFor(c *config, t Table) lakesql.Merge {
	raw := rawTable(c, t.Promotion.From)
	m := lakesql.Merge{
		Source:    lakesql.Name{Database: d.DatabaseNames[raw.Zone], Table: raw.Name},
		Target:    lakesql.Name{Database: d.DatabaseNames[t.Zone], Table: t.Name},
		Key:       t.Key,
		Version:   t.Promotion.Version,
		Partition: partitionColumns,
	}
	for _, col := range t.Columns {
		m.Columns = append(m.Columns, lakesql.Column{Name: col.Name, From: col.From})
	}
	return m
}

func (d *DataLake) newPromotion(c *config, t Table) *PromotionJob {
	pr := t.Promotion
	raw := rawTable(c, pr.From)
	id := "Promote" + pascal(strings.ReplaceAll(t.Name, "_", "-"))
	j := &PromotionJob{
		Construct: constructs.NewConstruct(d.Construct, jsii.String(id)),
		SQL:       d.mergeFor(c, t).SQL(),
		Alarms:    map[string]awscloudwatch.Alarm{},
	}
	path := *j.Node().Path()

	fn := golambda.New(j.Construct, "Planner", golambda.Props{
		Entry:            pr.PlannerEntry,
		Description:      fmt.Sprintf("Plans the raw partitions each run of %s merges into %s", path, t.Name),
		Environment:      map[string]string{"LOOKBACK_DAYS": strconv.Itoa(pr.LookbackDays)},
		LogEncryptionKey: c.LogEncryptionKey,
	})
	j.Planner = fn.Function
	nag.Suppress(j.Planner, "Serverless-LambdaDLQ",
		"The function is invoked synchronously by its state machine, which retries it and fails the run (alarmed); there is no asynchronous event to keep.")
	nag.Suppress(j.Planner, "Serverless-LambdaAsyncFailureDestination",
		"The function is invoked synchronously by its state machine only.")

	plan := awsstepfunctionstasks.NewLambdaInvoke(j.Construct, jsii.String("Plan"), &awsstepfunctionstasks.LambdaInvokeProps{
		LambdaFunction:      j.Planner,
		PayloadResponseOnly: jsii.Bool(true),
		Comment:             jsii.String("The raw partitions (days) this run merges: the scheduled day and its lookback, or a backfill's range"),
		TaskTimeout:         awsstepfunctions.Timeout_Duration(awscdk.Duration_Minutes(jsii.Number(1))),
	})
	plan.AddRetry(&awsstepfunctions.RetryProps{
		Errors:      jsii.Strings("Lambda.TooManyRequestsException", "States.Timeout"),
		Interval:    awscdk.Duration_Seconds(jsii.Number(2)),
		MaxAttempts: jsii.Number(4),
		BackoffRate: jsii.Number(2),
	})
	// The Athena task is a custom state: the CDK's task grants every S3
	// and Glue action on every resource (s3:CreateBucket on *), where the
	// MERGE needs its two tables (grantPromotion).
	merge := awsstepfunctions.NewCustomState(j.Construct, jsii.String("Merge"), &awsstepfunctions.CustomStateProps{
		StateJson: &map[string]any{
			"Type":           "Task",
			"Comment":        fmt.Sprintf("MERGE one day of %s.%s into the Iceberg table %s.%s", d.DatabaseNames[raw.Zone], raw.Name, d.DatabaseNames[t.Zone], t.Name),
			"Resource":       fmt.Sprintf("arn:%s:states:::athena:startQueryExecution.sync", *d.stack().Partition()),
			"TimeoutSeconds": 3600,
			"ResultPath":     nil,
			"Parameters": map[string]any{
				"QueryString.$": "States.Format('" + lakesql.OneLine(j.SQL) + "', $.year, $.month, $.day)",
				"WorkGroup":     d.WorkGroup.Ref(),
			},
		},
	})
	// Athena's throttling and server errors, then a failed query: most
	// often an Iceberg commit that lost to a concurrent writer, which the
	// idempotent MERGE can simply run again.
	merge.AddRetry(&awsstepfunctions.RetryProps{
		Errors:         jsii.Strings("Athena.TooManyRequestsException", "Athena.InternalServerException"),
		Interval:       awscdk.Duration_Seconds(jsii.Number(10)),
		MaxAttempts:    jsii.Number(6),
		BackoffRate:    jsii.Number(2),
		JitterStrategy: awsstepfunctions.JitterType_FULL,
	})
	merge.AddRetry(&awsstepfunctions.RetryProps{
		Errors:         jsii.Strings("States.TaskFailed"),
		Interval:       awscdk.Duration_Minutes(jsii.Number(1)),
		MaxAttempts:    jsii.Number(3),
		BackoffRate:    jsii.Number(2),
		JitterStrategy: awsstepfunctions.JitterType_FULL,
	})
	each := awsstepfunctions.NewMap(j.Construct, jsii.String("EachPartition"), &awsstepfunctions.MapProps{
		Comment:        jsii.String("One MERGE at a time: Iceberg commits to one table are serial"),
		ItemsPath:      awsstepfunctions.JsonPath_StringAt(jsii.String("$.partitions")),
		MaxConcurrency: jsii.Number(1),
		ResultPath:     awsstepfunctions.JsonPath_DISCARD(),
	})
	each.ItemProcessor(merge, nil)

	j.LogGroup = loggroup.New(j.Construct, "Logs", loggroup.Props{EncryptionKey: c.LogEncryptionKey})
	j.StateMachine = awsstepfunctions.NewStateMachine(j.Construct, jsii.String("StateMachine"), &awsstepfunctions.StateMachineProps{
		Comment:          jsii.String(fmt.Sprintf("Promotes %s into the Iceberg table %s (%s)", raw.Name, t.Name, path)),
		DefinitionBody:   awsstepfunctions.DefinitionBody_FromChainable(plan.Next(each)),
		Timeout:          awscdk.Duration_Seconds(jsii.Number(PromotionTimeout.Seconds())),
		TracingEnabled:   jsii.Bool(true),
		StateMachineType: awsstepfunctions.StateMachineType_STANDARD,
		Logs: &awsstepfunctions.LogOptions{
			Destination:          j.LogGroup,
			Level:                awsstepfunctions.LogLevel_ALL,
			IncludeExecutionData: jsii.Bool(true),
		},
	})
	d.grantPromotion(j.StateMachine.Role(), c, t, raw)
	reasons := []string{"Resource::*", `/^Resource::<.*\.Arn>\/(` + regexp.QuoteMeta(raw.Prefix) + `|` + regexp.QuoteMeta(IcebergPrefix+t.Name+"/") + `|athena\/)\*$/`,
		`/^Resource::<.*Planner.*\.Arn>:\*$/`}
	nag.Suppress(j.StateMachine.Role(), "AwsSolutions-IAM5",
		"Step Functions' log delivery and X-Ray actions, and lakeformation:GetDataAccess, have no resource-level permissions; the MERGE reads every object of its raw table's prefix, writes every object of its Iceberg table's prefix and of the workgroup's results, and the state machine invokes its own planner's versions.",
		reasons...)

	d.newPromotionSchedule(j, t, pr)
	d.newPromotionAlarms(j, path)
	return j
}

// grantPromotion gives the state machine's role what its MERGE needs beyond
// what the Athena task grants: the raw table's objects, the Iceberg table's
// objects and metadata, the lake key, and in Lake Formation mode the data
// access through Lake Formation.
func (d *DataLake) grantPromotion(role awsiam.IRole, c *config, t Table, raw *RawTable) {
	add := func(actions []string, resources ...string) {
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...),
		}))
	}
	rawB, tblB := d.Buckets[raw.Zone], d.Buckets[t.Zone]
	tblPrefix := IcebergPrefix + t.Name + "/"
	add([]string{"s3:ListBucket", "s3:GetBucketLocation"}, *rawB.BucketArn(), *tblB.BucketArn())
	add([]string{"s3:GetObject"}, *rawB.ArnForObjects(jsii.String(raw.Prefix + "*")))
	add([]string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"},
		*tblB.ArnForObjects(jsii.String(tblPrefix + "*")))
	add([]string{"kms:Decrypt", "kms:GenerateDataKey"}, *d.Key.KeyArn())
	st := d.stack()
	add([]string{"athena:StartQueryExecution", "athena:GetQueryExecution", "athena:StopQueryExecution", "athena:GetWorkGroup"},
		fmt.Sprintf("arn:%s:athena:%s:%s:workgroup/%s", *st.Partition(), *st.Region(), *st.Account(), *d.WorkGroup.Ref()))
	add([]string{"athena:GetDataCatalog"}, fmt.Sprintf("arn:%s:athena:%s:%s:datacatalog/AwsDataCatalog", *st.Partition(), *st.Region(), *st.Account()))
	res := d.ResultsBucket
	add([]string{"s3:ListBucket", "s3:GetBucketLocation"}, *res.BucketArn())
	add([]string{"s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}, *res.ArnForObjects(jsii.String("athena/*")))
	add([]string{"glue:GetDatabase", "glue:GetTable", "glue:GetPartitions", "glue:UpdateTable"},
		d.glueArn("catalog"), d.glueArn("database/"+d.DatabaseNames[raw.Zone]), d.glueArn("database/"+d.DatabaseNames[t.Zone]),
		d.glueArn("table/"+d.DatabaseNames[raw.Zone]+"/"+raw.Name), d.glueArn("table/"+d.DatabaseNames[t.Zone]+"/"+t.Name))
	if d.lakeFormationMode {
		add([]string{"lakeformation:GetDataAccess"}, "*")
		d.lfGrant(role, "Promote"+pascal(strings.ReplaceAll(t.Name, "_", "-"))+"Source", raw.Zone, raw.Name, []string{"SELECT", "DESCRIBE"})
		d.lfGrant(role, "Promote"+pascal(strings.ReplaceAll(t.Name, "_", "-"))+"Target", t.Zone, t.Name, []string{"SELECT", "INSERT", "DELETE", "ALTER", "DESCRIBE"})
	}
}

func (d *DataLake) newPromotionSchedule(j *PromotionJob, t Table, pr *Promotion) {
	stack := d.stack()
	j.DeadLetterQueue = awssqs.NewQueue(j.Construct, jsii.String("DeadLetterQueue"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
	})
	why := "This queue is itself the dead-letter queue of the promotion's schedule."
	nag.Suppress(j.DeadLetterQueue, "AwsSolutions-SQS3", why)
	nag.Suppress(j.DeadLetterQueue, "Serverless-SQSRedrivePolicy", why)

	j.SchedulerRole = awsiam.NewRole(j.Construct, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		AssumedBy: awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), &awsiam.ServicePrincipalOpts{
			Conditions: &map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": stack.Account()}},
		}),
		Description: jsii.String("EventBridge Scheduler role of " + *j.Node().Path() + ": starts its state machine only"),
	})
	j.StateMachine.GrantStartExecution(j.SchedulerRole)
	j.DeadLetterQueue.GrantSendMessages(j.SchedulerRole)

	// Written by hand: encoding/json would escape < and >, and Scheduler
	// would then not recognise its context attribute.
	input := `{"time":"<aws.scheduler.scheduled-time>"}`
	state := "ENABLED"
	if pr.Disabled {
		state = "DISABLED"
	}
	j.Schedule = awsscheduler.NewCfnSchedule(j.Construct, jsii.String("Schedule"), &awsscheduler.CfnScheduleProps{
		Description:                jsii.String(fmt.Sprintf("%s: promote into %s (%s)", *j.Node().Path(), t.Name, pr.Schedule)),
		ScheduleExpression:         jsii.String(pr.Schedule),
		ScheduleExpressionTimezone: jsii.String("UTC"),
		FlexibleTimeWindow:         &awsscheduler.CfnSchedule_FlexibleTimeWindowProperty{Mode: jsii.String("OFF")},
		State:                      jsii.String(state),
		Target: &awsscheduler.CfnSchedule_TargetProperty{
			Arn:     j.StateMachine.StateMachineArn(),
			RoleArn: j.SchedulerRole.RoleArn(),
			Input:   jsii.String(input),
			RetryPolicy: &awsscheduler.CfnSchedule_RetryPolicyProperty{
				MaximumRetryAttempts:     jsii.Number(PromotionRetries),
				MaximumEventAgeInSeconds: jsii.Number(pr.MaxEventAge.Seconds()),
			},
			DeadLetterConfig: &awsscheduler.CfnSchedule_DeadLetterConfigProperty{Arn: j.DeadLetterQueue.QueueArn()},
		},
	})
	j.Schedule.Node().AddDependency(j.SchedulerRole)
}

func (d *DataLake) newPromotionAlarms(j *PromotionJob, path string) {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	sum := &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}
	j.Alarms["Failed"] = alarms.New(j.Construct, "FailedAlarm", alarms.Spec{
		Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("failed + timedout + aborted"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"failed":   j.StateMachine.MetricFailed(sum),
				"timedout": j.StateMachine.MetricTimedOut(sum),
				"aborted":  j.StateMachine.MetricAborted(sum),
			},
			Period: five,
			Label:  jsii.String("Runs failed, timed out or aborted"),
		}),
		Threshold: 1,
		Description: fmt.Sprintf("%s: a promotion run failed after its retries. Read the failed execution's events (the log group, or the Step Functions console): "+
			"the Athena query ID names the failed MERGE. Fix the cause, then start a run with {\"from\": \"YYYY-MM-DD\", \"to\": \"YYYY-MM-DD\"} for the days it missed; re-running a day is safe.", path),
	}, d.alarmTopic)
	j.Alarms["DeadLetters"] = alarms.New(j.Construct, "DeadLettersAlarm", alarms.Spec{
		Metric:    j.DeadLetterQueue.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: five}),
		Threshold: 1,
		Description: fmt.Sprintf("%s: Scheduler could not start a promotion run and gave up; the message in the dead-letter queue names it. "+
			"Start the run by hand with its \"time\", then delete the message.", path),
	}, d.alarmTopic)
}
