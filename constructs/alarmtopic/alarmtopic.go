// Package alarmtopic provides AlarmTopic: an SNS topic that CloudWatch alarms
// can publish to, encrypted with a customer-managed KMS key (rotated yearly)
// and closed to publishing without TLS. CloudWatch cannot publish to a topic
// encrypted with the AWS managed aws/sns key, so the key here grants the
// CloudWatch service principal the use it needs. An Auto Scaling group that
// notifies the topic needs AllowAutoScaling as well.
//
// Every gureum construct with alarms takes the topic as Alarms.Topic; see
// ExampleNew. A construct given none notifies the stack's shared alarm topic
// (Shared), created once per stack, so no alarm is silent: subscribe to it,
// or give each construct a topic of your own.
package alarmtopic

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
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

// AutoScalingServiceRole is the path and name of EC2 Auto Scaling's
// service-linked role, which publishes Auto Scaling groups' notifications.
const AutoScalingServiceRole = "aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"

// AllowAutoScaling lets EC2 Auto Scaling publish Auto Scaling group
// notifications to the topic (see the function AllowAutoScaling). It reports
// whether the key's policy was changed: false for an imported
// Props.ExistingKey, whose policy must already allow it.
func (a *AlarmTopic) AllowAutoScaling() bool { return AllowAutoScaling(a.Key) }

// AllowAutoScaling adds to key's policy the statement that lets EC2 Auto
// Scaling's service-linked role (AutoScalingServiceRole, in the key's
// account) use the key (kms:Decrypt, kms:GenerateDataKey*) to publish to an
// SNS topic that key encrypts: without it, an Auto Scaling group's
// notifications to such a topic are dropped. The role may not exist yet in a
// new account (Auto Scaling creates it with the first group), so it is
// matched by a condition on the caller's ARN rather than named as a
// principal, which KMS would reject. Calling it again for the same key adds
// nothing (the CDK drops identical statements). It reports whether the
// statement was added: an imported key's policy cannot be changed here.
func AllowAutoScaling(key awskms.IKey) bool {
	stack := awscdk.Stack_Of(key)
	res := key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("AllowAutoScalingNotifications"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
		Actions:    jsii.Strings("kms:Decrypt", "kms:GenerateDataKey*"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{
			"StringEquals": map[string]any{"kms:CallerAccount": stack.Account()},
			"ArnLike": map[string]any{"aws:PrincipalArn": stack.FormatArn(&awscdk.ArnComponents{
				Service: jsii.String("iam"), Region: jsii.String(""), Resource: jsii.String("role"),
				ResourceName: jsii.String(AutoScalingServiceRole),
			})},
		},
	}), jsii.Bool(true))
	return res != nil && res.StatementAdded != nil && *res.StatementAdded
}

// SharedID is the construct id, at the root of a stack, of the stack's
// shared alarm topic (see Shared).
const SharedID = "GureumAlarmTopic"

// Shared returns the alarm topic that gureum's constructs in scope's stack
// notify when they are given no topic of their own (Alarms.Topic): an
// AlarmTopic with the id SharedID at the root of the stack, created by the
// first call and returned by every later one, so a stack holds one such
// topic however many constructs use it. It has no subscription: subscribe
// the people or systems that answer alarms to its Topic (an email address,
// a chat integration, an incident tool). It panics if the stack has a
// construct with the id SharedID that is not an alarm topic.
func Shared(scope constructs.IConstruct) *AlarmTopic {
	stack := awscdk.Stack_Of(scope)
	c := stack.Node().TryFindChild(jsii.String(SharedID))
	if c == nil {
		return New(stack, SharedID, &Props{DisplayName: "Alarms of " + *stack.StackName()})
	}
	construct, okC := c.(constructs.Construct)
	topic, okT := c.Node().TryFindChild(jsii.String("Topic")).(awssns.Topic)
	key, okK := c.Node().TryFindChild(jsii.String("Key")).(awskms.IKey)
	if !okC || !okT || !okK {
		panic(fmt.Errorf("alarmtopic: %s is not the shared alarm topic (an alarmtopic.AlarmTopic): give that construct another id, or give the gureum constructs an Alarms.Topic", *c.Node().Path()))
	}
	return &AlarmTopic{Construct: construct, Topic: topic, Key: key}
}
