package hpccluster

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsevents"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/interfaces/interfacesawscloudwatch"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/alarms"
	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/naming"
)

// batchMetricsNote is the dashboard's account of where its numbers come from.
const batchMetricsNote = `### Where these numbers come from
AWS Batch publishes no CloudWatch metrics for job counts or queue depth. It emits a **Batch Job State Change** event to EventBridge on every transition; a rule sends the FAILED and SUCCEEDED events of this cluster's queues to the log group %s, and metric filters count them. An array job counts once for the parent and once for each child; a multi-node job once for the parent and once per node. Queue depth (RUNNABLE jobs) is not shown: read it with ` + "`aws batch list-jobs --job-status RUNNABLE`" + `.`

// newObservability routes job state changes to a log group, counts failed and
// succeeded jobs, alarms on failures and draws a dashboard.
func (h *HPCCluster) newObservability() {
	c := h.cfg
	unique := naming.Unique(h.Construct, "", 200)
	// EventBridge delivers to log groups whose name starts with /aws/events/.
	h.JobEvents = loggroup.New(h.Construct, "JobEvents", loggroup.Props{Retention: c.LogRetention, Name: "/aws/events/gureum/" + unique})
	awslogs.NewResourcePolicy(h.Construct, jsii.String("JobEventsPolicy"), &awslogs.ResourcePolicyProps{
		PolicyStatements: &[]awsiam.PolicyStatement{awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Principals: &[]awsiam.IPrincipal{
				awsiam.NewServicePrincipal(jsii.String("events.amazonaws.com"), nil),
				awsiam.NewServicePrincipal(jsii.String("delivery.logs.amazonaws.com"), nil),
			},
			Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
			Resources: jsii.Strings(*h.JobEvents.LogGroupArn()),
		})},
	})
	h.JobEventsRule = awsevents.NewCfnRule(h.Construct, jsii.String("JobEventsRule"), &awsevents.CfnRuleProps{
		Description: jsii.String("Failed and succeeded jobs of " + *h.Node().Path()),
		EventPattern: map[string]any{
			"source":      []string{"aws.batch"},
			"detail-type": []string{"Batch Job State Change"},
			"detail": map[string]any{
				"status":   []string{"FAILED", "SUCCEEDED"},
				"jobQueue": []*string{h.SpotQueue.JobQueueArn(), h.OnDemandQueue.JobQueueArn()},
			},
		},
		State:   jsii.String("ENABLED"),
		Targets: []any{&awsevents.CfnRule_TargetProperty{Id: jsii.String("JobEvents"), Arn: h.JobEvents.LogGroupArn()}},
	})

	namespace := "Gureum/HPCCluster/" + unique
	count := func(id, status string) awscloudwatch.Metric {
		f := h.JobEvents.AddMetricFilter(jsii.String(id+"Filter"), &awslogs.MetricFilterOptions{
			FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.detail.status"), jsii.String("="), jsii.String(status)),
			MetricNamespace: jsii.String(namespace),
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
			"Read the FAILED events in log group %s and the job output in %s.", *h.Node().Path(), "/aws/events/gureum/"+unique, "the JobLogs log group"),
	}, c.AlarmTopic)

	h.Dashboard = awscloudwatch.NewDashboard(h.Construct, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Days(jsii.Number(1)),
		Widgets: &[]*[]awscloudwatch.IWidget{
			{
				awscloudwatch.NewGraphWidget(&awscloudwatch.GraphWidgetProps{
					Title: jsii.String("Jobs finished (5 min)"), Width: jsii.Number(12),
					Left: &[]awscloudwatch.IMetric{h.SucceededJobs, h.FailedJobs},
				}),
				awscloudwatch.NewAlarmStatusWidget(&awscloudwatch.AlarmStatusWidgetProps{
					Title: jsii.String("Alarms"), Width: jsii.Number(12),
					Alarms: &[]interfacesawscloudwatch.IAlarmRef{h.FailedJobsAlarm},
				}),
			},
			{
				awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
					Markdown: jsii.String(fmt.Sprintf(batchMetricsNote, "/aws/events/gureum/"+unique)),
					Width:    jsii.Number(24), Height: jsii.Number(4),
				}),
			},
		},
	})
}
