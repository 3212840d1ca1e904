package scaledwebtier

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/alarms"
)

// newAlarms creates the stage's alarms and a dashboard that shows them all.
func (x *ScaledWebTier) newAlarms(c *config) {
	a := c.Alarms
	cpuPct, errs, conns := a.CPUPercent, a.ServerErrors, a.DatabaseConnections
	lag, globalLag := float64(a.ReplicaLag.Milliseconds()), float64(c.globalLag.Milliseconds())
	five := awscdk.Duration_Minutes(jsii.Number(5))
	path := *x.Node().Path()
	add := func(key, id string, s alarms.Spec) {
		x.Alarms[key] = alarms.New(x.Construct, id, s, x.AlarmTopic)
	}

	cpuDims := map[string]*string{}
	if x.Instance != nil {
		cpuDims["InstanceId"] = x.Instance.InstanceId()
		add("StatusCheck", "StatusCheckAlarm", alarms.Spec{
			Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String("AWS/EC2"), MetricName: jsii.String("StatusCheckFailed"),
				DimensionsMap: &map[string]*string{"InstanceId": x.Instance.InstanceId()}, Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(1)),
			}),
			Threshold: 1, EvaluationPeriods: 2,
			Description: fmt.Sprintf("%s: the web server fails its EC2 status checks. Look at the instance's system log; EC2 recovers the instance on a system failure.", path),
		})
	} else {
		cpuDims["AutoScalingGroupName"] = x.AutoScalingGroup.AutoScalingGroupName()
	}
	add("CPU", "CpuAlarm", alarms.Spec{
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/EC2"), MetricName: jsii.String("CPUUtilization"),
			DimensionsMap: &cpuDims, Statistic: jsii.String("Average"), Period: five,
		}),
		Threshold: cpuPct, EvaluationPeriods: 3, DatapointsToAlarm: 2,
		Description: fmt.Sprintf("%s: web server CPU above %.0f%%. Scale up InstanceType, or move to the next Stage.", path, cpuPct),
	})

	if x.LoadBalancer != nil {
		add("5xx", "ServerErrorsAlarm", alarms.Spec{
			Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
				Expression: jsii.String("FILL(lb, 0) + FILL(target, 0)"),
				UsingMetrics: &map[string]awscloudwatch.IMetric{
					"lb":     x.LoadBalancer.Metrics().HttpCodeElb(awselasticloadbalancingv2.HttpCodeElb_ELB_5XX_COUNT, &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
					"target": x.TargetGroup.Metrics().HttpCodeTarget(awselasticloadbalancingv2.HttpCodeTarget_TARGET_5XX_COUNT, &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
				},
				Label:  jsii.String("5xx responses (load balancer and servers)"),
				Period: five,
			}),
			Threshold: float64(errs), EvaluationPeriods: 2,
			Description: fmt.Sprintf("%s: %d or more 5xx responses in 5 minutes. Look at the load balancer logs and the servers' journal (SSM Session Manager).", path, errs),
		})
		add("UnhealthyHosts", "UnhealthyHostsAlarm", alarms.Spec{
			Metric:    x.TargetGroup.Metrics().UnhealthyHostCount(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: awscdk.Duration_Minutes(jsii.Number(1))}),
			Threshold: 1, EvaluationPeriods: 5, DatapointsToAlarm: 3,
			Description: fmt.Sprintf("%s: servers fail the %s health check. The Auto Scaling group replaces them; look at why (journalctl -u gureum-webapp).", path, c.HealthCheckPath),
		})
	}

	if x.Database != nil {
		add("DatabaseConnections", "DatabaseConnectionsAlarm", alarms.Spec{
			Metric:    x.Database.MetricDatabaseConnections(&awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: five}),
			Threshold: float64(conns), EvaluationPeriods: 3, DatapointsToAlarm: 2,
			Description: fmt.Sprintf("%s: %d or more database connections. Look for connection leaks, or pool connections (RDS Proxy).", path, conns),
		})
		if c.Stage >= HighlyAvailable {
			add("ReplicaLag", "ReplicaLagAlarm", alarms.Spec{
				Metric:    x.Database.Metric(jsii.String("AuroraReplicaLagMaximum"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Maximum"), Period: five}),
				Threshold: lag, EvaluationPeriods: 3, DatapointsToAlarm: 2,
				Description: fmt.Sprintf("%s: Aurora readers lag the writer by %.0f ms or more. Look at the writer's write load and the readers' capacity (ACUs).", path, lag),
			})
		}
		if !x.Primary {
			add("GlobalReplicationLag", "GlobalReplicationLagAlarm", alarms.Spec{
				Metric:    x.Database.Metric(jsii.String("AuroraGlobalDBReplicationLag"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Average"), Period: five}),
				Threshold: globalLag, EvaluationPeriods: 3, DatapointsToAlarm: 2,
				Description: fmt.Sprintf("%s: this region's copy of the global database lags the primary by %.0f ms or more.", path, globalLag),
			})
		}
	}
	if t := x.DataTable; t != nil {
		add("DataThrottles", "DataThrottlesAlarm", throttleSpec(t.Metric, path, "the data table"))
	}
	if t := x.SessionTable; t != nil {
		add("SessionThrottles", "SessionThrottlesAlarm", throttleSpec(t.Metric, path, "the sessions table"))
	}
	if x.Cache != nil {
		cacheCPU := a.CacheCPUPercent
		add("CacheCPU", "CacheCpuAlarm", alarms.Spec{
			Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
				Namespace: jsii.String("AWS/ElastiCache"), MetricName: jsii.String("EngineCPUUtilization"),
				DimensionsMap: &map[string]*string{"ReplicationGroupId": x.Cache.Ref()}, Statistic: jsii.String("Maximum"), Period: five,
			}),
			Threshold: cacheCPU, EvaluationPeriods: 3, DatapointsToAlarm: 2,
			Description: fmt.Sprintf("%s: the session cache's engine CPU is above %.0f%%. Raise Sessions.CacheNodeType.", path, cacheCPU),
		})
	}

	x.Dashboard = awscloudwatch.NewDashboard(x.Construct, jsii.String("Dashboard"), &awscloudwatch.DashboardProps{
		DefaultInterval: awscdk.Duration_Hours(jsii.Number(3)),
	})
	widgets := []awscloudwatch.IWidget{awscloudwatch.NewTextWidget(&awscloudwatch.TextWidgetProps{
		Markdown: jsii.String(fmt.Sprintf("# %s\nStage %d (%s)", path, int(c.Stage), c.Stage)),
		Width:    jsii.Number(24), Height: jsii.Number(2),
	})}
	for _, k := range sortedKeys(x.Alarms) {
		widgets = append(widgets, awscloudwatch.NewAlarmWidget(&awscloudwatch.AlarmWidgetProps{
			Alarm: x.Alarms[k], Title: jsii.String(k), Width: jsii.Number(8), Height: jsii.Number(6),
		}))
	}
	x.Dashboard.AddWidgets(widgets...)
}

func throttleSpec(metric func(*string, *awscloudwatch.MetricOptions) awscloudwatch.Metric, path, what string) alarms.Spec {
	five := awscdk.Duration_Minutes(jsii.Number(5))
	return alarms.Spec{
		Metric: awscloudwatch.NewMathExpression(&awscloudwatch.MathExpressionProps{
			Expression: jsii.String("FILL(r, 0) + FILL(w, 0)"),
			UsingMetrics: &map[string]awscloudwatch.IMetric{
				"r": metric(jsii.String("ReadThrottleEvents"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
				"w": metric(jsii.String("WriteThrottleEvents"), &awscloudwatch.MetricOptions{Statistic: jsii.String("Sum"), Period: five}),
			},
			Label:  jsii.String("Read and write throttle events"),
			Period: five,
		}),
		Threshold:   1,
		Description: fmt.Sprintf("%s: DynamoDB throttled requests to %s. Look for a hot partition key.", path, what),
	}
}
