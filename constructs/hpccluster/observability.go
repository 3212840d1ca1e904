package hpccluster

import (
	"fmt"
	"github.com/gureum-cdk/gureum/constructs/internal/deadletter"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/alarms"
	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/naming"
	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
)

// The metrics the queue-metrics function publishes for each queue, in
// MetricsNamespace with the dimension QueueDimension (the queue's name); read
// them with QueueMetric. They are the names package
// functions/batchmetrics writes.
const (
	SubmittedJobsMetric = "SubmittedJobs"
	PendingJobsMetric   = "PendingJobs"
	RunnableJobsMetric  = "RunnableJobs"
	StartingJobsMetric  = "StartingJobs"
	RunningJobsMetric   = "RunningJobs"
	// QueueDepthMetric is SUBMITTED + PENDING + RUNNABLE: the jobs waiting.
	QueueDepthMetric = "QueueDepth"
	// StalledJobsMetric is RUNNABLE while none of the queue's jobs is
	// STARTING or RUNNING, else 0.
	StalledJobsMetric = "StalledJobs"
	QueueDimension    = "JobQueueName"
)

// batchMetricsNote is the dashboard's account of where its numbers come from.
const batchMetricsNote = `### Where these numbers come from
**Jobs finished** counts the Batch Job State Change events (FAILED, SUCCEEDED) of this cluster's queues, which a rule sends to the log group %s: an array job counts once for the parent and once for each child, a multi-node job once for the parent and once per node. %s`

const queueMetricsNote = `**Queue depth** (SUBMITTED + PENDING + RUNNABLE) and **running jobs** are counted every minute by the function %s, which lists each queue's jobs by state (an array job counts as its children, a multi-node job once); AWS Batch's own AWS/Batch metrics count state transitions and durations, not the jobs in a state now. The stalled-jobs alarm fires when a queue has held RUNNABLE jobs with none STARTING or RUNNING for %s.`

const noQueueMetricsNote = `Queue depth and running jobs are not published (QueueMetrics.Disable): read them with ` + "`aws batch list-jobs --job-queue <queue> --job-status RUNNABLE`" + `.`

// newObservability routes job state changes to a log group, counts failed and
// succeeded jobs, alarms on failures, publishes the queues' job counts and
// draws a dashboard.
func (h *HPCCluster) newObservability() {
	c := h.cfg
	unique := naming.Unique(h.Construct, "", 200)
	eventLogs := "/aws/events/gureum/" + unique
	// EventBridge delivers to log groups whose name starts with /aws/events/.
	h.JobEvents = loggroup.New(h.Construct, "JobEvents", loggroup.Props{Retention: c.LogRetention, Name: eventLogs, EncryptionKey: c.LogEncryptionKey})
	h.JobEventsPolicy = awslogs.NewResourcePolicy(h.Construct, jsii.String("JobEventsPolicy"), &awslogs.ResourcePolicyProps{
		PolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Principals: &[]awsiam.IPrincipal{
				awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil),
				awsiam.NewServicePrincipal(jsii.String("delivery.logs.amazonaws.com"), nil),
			},
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: jsii.Strings(*h.JobEvents.LogGroupArn()),
		})},
	})
	h.JobEventsDeadLetters = deadletter.NewEventTargetQueue(h.Construct, "JobEventsDeadLetters", DeadLetterRetention, "the job-state rule's target")
	r := c.JobEventsRetry
	h.JobEventsRule = awsevents.NewCfnRule(h.Construct, jsii.String("JobEventsRule"), &awsevents.CfnRuleProps{
		Description: jsii.String("Failed and succeeded jobs of " + *h.Node().Path()),
		EventPattern: map[string]any{
			"source":      []string{"aws.batch"},
			"detail-type": []string{"Batch Job State Change"},
			"detail": map[string]any{
				"status":   []string{"FAILED", "SUCCEEDED"},
				"jobQueue": h.queueArns(),
			},
		},
		State: jsii.String("ENABLED"),
		Targets: []any{&awsevents.CfnRule_TargetProperty{
			Id:               jsii.String("JobEvents"),
			Arn:              h.JobEvents.LogGroupArn(),
			DeadLetterConfig: &awsevents.CfnRule_DeadLetterConfigProperty{Arn: h.JobEventsDeadLetters.QueueArn()},
			RetryPolicy: &awsevents.CfnRule_RetryPolicyProperty{
				MaximumEventAgeInSeconds: jsii.Number(r.MaxEventAge.Seconds()),
				MaximumRetryAttempts:     jsii.Number(float64(r.RetryAttempts)),
			},
		}},
	})
	// EventBridge sends what it could not deliver as the rule, and only
	// this rule may.
	h.JobEventsDeadLetters.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("JobEventsRuleDeadLetters"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil)},
		Actions:    jsii.Strings("sqs:SendMessage"),
		Resources:  jsii.Strings(*h.JobEventsDeadLetters.QueueArn()),
		Conditions: &map[string]any{"ArnEquals": map[string]any{"aws:SourceArn": h.JobEventsRule.AttrArn()}},
	}))
	h.JobEventsDeadLettersAlarm = alarms.New(h.Construct, "JobEventsDeadLettersAlarm", alarms.Spec{
		Metric:    h.JobEventsDeadLetters.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(5))}),
		Threshold: 1,
		Description: fmt.Sprintf("%s: EventBridge could not write a job-state event to log group %s after its retries; the event is in the dead-letter queue, and missing from the finished-jobs counts and the failed-jobs alarm. "+
			"Read it (aws sqs receive-message), check the job with aws batch describe-jobs, then delete the message.", *h.Node().Path(), eventLogs),
	}, h.AlarmTopic)

	h.MetricsNamespace = "Gureum/HPCCluster/" + unique
	count := func(id, status string) awscloudwatch.Metric {
		f := h.JobEvents.AddMetricFilter(jsii.String(id+"Filter"), &awslogs.MetricFilterOptions{
			FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.detail.status"), jsii.String("="), jsii.String(status)),
			MetricNamespace: jsii.String(h.MetricsNamespace),
			MetricName:      jsii.String(id),
			MetricValue:     jsii.String("1"),
			Unit:            awscloudwatch.Unit_COUNT,
		})
		return f.Metric(&awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: awscdk.Duration_Minutes(jsii.Number(5))})
	}
	h.FailedJobs = count("FailedJobs", "FAILED")
	h.SucceededJobs = count("SucceededJobs", "SUCCEEDED")
	h.FailedJobsAlarm = alarms.New(h.Construct, "FailedJobsAlarm", alarms.Spec{
		Metric:    h.FailedJobs,
		Threshold: FailedJobsThreshold,
		Description: fmt.Sprintf("Jobs failed in %s (after their retries; Spot interruptions are retried). "+
			"Read the FAILED events in log group %s and the job output in %s.", *h.Node().Path(), eventLogs, "the JobLogs log group"),
	}, h.AlarmTopic)

	alarmList := []interfacesawscloudwatch.IAlarmRef{h.FailedJobsAlarm, h.JobEventsDeadLettersAlarm}
	rows := []*[]awscloudwatch.IWidget{}
	note := noQueueMetricsNote
	if !c.QueueMetrics.Disable {
		h.newQueueMetrics()
		alarmList = append(alarmList, h.StalledJobsAlarm)
		queues := func(metric string) *[]awscloudwatch.IMetric {
			var ms []awscloudwatch.IMetric
			for _, q := range h.BatchQueues {
				ms = append(ms, h.QueueMetric(q.Queue, metric))
			}
			return &ms
		}
		rows = append(rows, &[]awscloudwatch.IWidget{
			awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
				Title: jsii.String("Queue depth (jobs waiting, per queue)"), Width: jsii.Number(12),
				Left: queues(QueueDepthMetric),
			}),
			awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
				Title: jsii.String("Running jobs (per queue)"), Width: jsii.Number(12),
				Left: queues(RunningJobsMetric),
			}),
		})
		note = fmt.Sprintf(queueMetricsNote, *h.QueueMetricsJob.Function.FunctionName(), minutes(c.QueueMetrics.StalledAfter))
	}
	rows = append(rows,
		&[]awscloudwatch.IWidget{
			awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
				Title: jsii.String("Jobs finished (5 min)"), Width: jsii.Number(12),
				Left: &[]awscloudwatch.IMetric{h.SucceededJobs, h.FailedJobs},
			}),
			awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
				Title: jsii.String("Alarms"), Width: jsii.Number(12),
				Alarms: &alarmList,
			}),
		},
		&[]awscloudwatch.IWidget{
			awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
				Markdown: jsii.String(fmt.Sprintf(batchMetricsNote, eventLogs, note)),
				Width:    jsii.Number(24), Height: jsii.Number(4),
			}),
		},
	)
	h.Dashboard = awscloudwatch.NewDashboard(h.Construct, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Days(jsii.Number(1)),
		Widgets:         &rows,
	})
}

// newQueueMetrics creates the scheduled function that publishes the queues'
// job counts, and the stalled-jobs alarm on them.
func (h *HPCCluster) newQueueMetrics() {
	c := h.cfg
	noRetry := 0
	h.QueueMetricsJob = scheduledjob.New(h.Construct, "QueueMetrics", &scheduledjob.Props{
		Entry:       c.QueueMetrics.Entry,
		Description: "Publishes the job counts of the queues of " + *h.Node().Path(),
		Schedules: []scheduledjob.Schedule{{
			Name:       "every-minute",
			Expression: QueueMetricsSchedule,
		}},
		Function: scheduledjob.Function{
			Timeout: 30 * time.Second,
			Environment: map[string]string{
				"JOB_QUEUES":        strings.Join(h.queueNames(), ","),
				"METRICS_NAMESPACE": h.MetricsNamespace,
			},
			LogRetention: c.LogRetention,
			// A failed count is replaced by the next minute's: no retry.
			AsyncRetries: &noRetry,
		},
		// A run delivered late would still count the queues as they are.
		Retry:            scheduledjob.Retry{MaxEventAge: 5 * time.Minute},
		Alarms:           scheduledjob.Alarms{Topic: h.AlarmTopic},
		LogEncryptionKey: c.LogEncryptionKey,
	})
	h.QueueMetricsJob.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("batch:ListJobs"),
		Resources: jsii.Strings("*"),
	}))
	nag.Suppress(h.QueueMetricsJob.FunctionRole, "AwsSolutions-IAM5",
		"batch:ListJobs supports no resource-level permissions (the Service Authorization Reference lists no resource type for it), so it is granted on *; it is read-only, and the only Batch action the function is granted.",
		"Resource::*")

	// Each queue's minimum over 5 minutes is above zero only when every
	// count in those minutes found it stalled; the alarm takes the worse
	// queue and needs StalledAfter of such periods in a row.
	period := awscdk.Duration_Seconds(jsii.Number(StalledPeriod.Seconds()))
	stalled := func(q awsbatch.IJobQueue) awscloudwatch.IMetric {
		return h.QueueMetric(q, StalledJobsMetric).With(&awscloudwatch.MetricOptions{Statistic: jsii.String("Minimum"), Period: period})
	}
	using := map[string]awscloudwatch.IMetric{}
	var ids []string
	for _, q := range h.BatchQueues {
		// Queue names are lower-case letters and digits starting with a
		// letter: valid metric-math IDs.
		using[q.Name] = stalled(q.Queue)
		ids = append(ids, q.Name)
	}
	h.StalledJobsAlarm = alarms.New(h.Construct, "StalledJobsAlarm", alarms.Spec{
		Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression:   jsii.String("MAX([" + strings.Join(ids, ", ") + "])"),
			UsingMetrics: &using,
			Label:        jsii.String("Stalled jobs (worse queue)"),
			Period:       period,
		}),
		Threshold:         1,
		EvaluationPeriods: int(c.QueueMetrics.StalledAfter / StalledPeriod),
		Description: fmt.Sprintf("A queue of %s has held RUNNABLE jobs with none STARTING or RUNNING for %s: the jobs cannot be placed. "+
			"Read the jobs' statusReason (aws batch list-jobs --job-queue <queue> --job-status RUNNABLE): a job larger than every instance type, "+
			"exhausted capacity, or instances that fail to boot (their cloud-init log; a node whose file systems do not mount shuts itself down). "+
			"The On-Demand queue also waits while the Spot queue's overflow fills the On-Demand environment.", *h.Node().Path(), minutes(c.QueueMetrics.StalledAfter)),
	}, h.AlarmTopic)
}

// QueueMetric is one of the metrics the queue-metrics function publishes
// (QueueDepthMetric, RunningJobsMetric, ...) for queue, as its maximum per
// minute. It names a metric that exists only when QueueMetrics is not
// disabled.
func (h *HPCCluster) QueueMetric(queue awsbatch.IJobQueue, name string) awscloudwatch.Metric {
	label := *queue.Node().Id()
	for _, q := range h.BatchQueues {
		if *q.Queue.Node().Path() != *queue.Node().Path() {
			continue
		}
		switch {
		case h.cfg.legacy && q.Name == "spot":
			label = "Spot queue"
		case h.cfg.legacy:
			label = "On-Demand queue"
		default:
			label = "Queue " + q.Name
		}
	}
	return awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
		Namespace:     jsii.String(h.MetricsNamespace),
		MetricName:    jsii.String(name),
		DimensionsMap: &map[string]*string{QueueDimension: queue.JobQueueName()},
		Statistic:     jsii.String("Maximum"),
		Period:        awscdk.Duration_Minutes(jsii.Number(1)),
		Label:         jsii.String(label),
	})
}

// minutes writes a whole number of minutes as people do: "30 minutes",
// "2 hours", "90 minutes".
func minutes(d time.Duration) string {
	if d%time.Hour == 0 {
		if d == time.Hour {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return fmt.Sprintf("%d minutes", d/time.Minute)
}

// queueArns and queueNames list the cluster's job queues.
func (h *HPCCluster) queueArns() []*string {
	var out []*string
	for _, q := range h.BatchQueues {
		out = append(out, q.Queue.JobQueueArn())
	}
	return out
}

func (h *HPCCluster) queueNames() []string {
	var out []string
	for _, q := range h.BatchQueues {
		out = append(out, *q.Queue.JobQueueName())
	}
	return out
}
