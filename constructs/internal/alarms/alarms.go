// Package alarms builds CloudWatch alarms with gureum's conventions: a
// description that says what to look at, missing data not breaching, and an
// optional SNS action on alarm and on recovery.
package alarms

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Spec describes one alarm.
type Spec struct {
	// Metric to watch. Required.
	Metric awscloudwatch.IMetric
	// Threshold compared with the metric. Default comparison: >= threshold.
	Threshold float64
	// Comparison overrides the default GREATER_THAN_OR_EQUAL_TO_THRESHOLD.
	Comparison awscloudwatch.ComparisonOperator
	// EvaluationPeriods and DatapointsToAlarm. Default: 1 of 1.
	EvaluationPeriods, DatapointsToAlarm int
	// Description says what the alarm means and where to look.
	Description string
}

// New creates the alarm and, when topic is non-nil, notifies it on alarm and
// on return to OK.
func New(scope constructs.Construct, id string, s Spec, topic awssns.ITopic) awscloudwatch.Alarm {
	cmp := s.Comparison
	if cmp == "" {
		cmp = awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD
	}
	periods := s.EvaluationPeriods
	if periods == 0 {
		periods = 1
	}
	datapoints := s.DatapointsToAlarm
	if datapoints == 0 {
		datapoints = periods
	}
	a := awscloudwatch.NewAlarm(scope, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric:             s.Metric,
		Threshold:          jsii.Number(s.Threshold),
		ComparisonOperator: cmp,
		EvaluationPeriods:  jsii.Number(float64(periods)),
		DatapointsToAlarm:  jsii.Number(float64(datapoints)),
		TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		AlarmDescription:   jsii.String(s.Description),
	})
	if topic != nil {
		action := awscloudwatchactions.NewSnsAction(topic)
		a.AddAlarmAction(action)
		a.AddOkAction(action)
	}
	return a
}
