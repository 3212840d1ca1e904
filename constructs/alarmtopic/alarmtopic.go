// Package alarmtopic provides AlarmTopic: an SNS topic that CloudWatch alarms
// can publish to, encrypted with a customer-managed KMS key (rotated yearly)
// and closed to publishing without TLS. CloudWatch cannot publish to a topic
// encrypted with the AWS managed aws/sns key, so the key here grants the
// CloudWatch service principal the use it needs.
//
//	topic := alarmtopic.New(stack, "Alarms", nil)
//	api := serverlessapi.New(stack, "Api", &serverlessapi.Props{
//		Alarms: serverlessapi.Alarms{Topic: topic.Topic}, ...
//	})
package alarmtopic

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Props configures an AlarmTopic. The zero value (or nil) is the default.
type Props struct {
	// ExistingKey encrypts the topic instead of a new key. It must allow
	// cloudwatch.amazonaws.com kms:Decrypt and kms:GenerateDataKey*.
	ExistingKey awskms.IKey
	// DisplayName of the topic.
	DisplayName string
}

// AlarmTopic is an encrypted SNS topic for alarm notifications.
type AlarmTopic struct {
	constructs.Construct
	Topic awssns.Topic
	// Key encrypts the topic (the created key, or Props.ExistingKey).
	Key awskms.IKey
}

// New creates the topic and, unless one is given, its key.
func New(scope constructs.Construct, id string, props *Props) *AlarmTopic {
	p := Props{}
	if props != nil {
		p = *props
	}
	a := &AlarmTopic{Construct: constructs.NewConstruct(scope, jsii.String(id)), Key: p.ExistingKey}
	if a.Key == nil {
		key := awskms.NewKey(a.Construct, jsii.String("Key"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the alarm topic " + *a.Node().Path()),
			EnableKeyRotation: jsii.Bool(true),
		})
		key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String("AllowCloudWatchAlarms"),
			Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String("cloudwatch.amazonaws.com"), nil)},
			Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
			Resources:  jsii.Strings("*"),
		}), nil)
		a.Key = key
	}
	tp := &awssns.TopicProps{MasterKey: a.Key, EnforceSSL: jsii.Bool(true)}
	if p.DisplayName != "" {
		tp.DisplayName = jsii.String(p.DisplayName)
	}
	a.Topic = awssns.NewTopic(a.Construct, jsii.String("Topic"), tp)
	return a
}
