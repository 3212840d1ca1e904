// Package deadletter builds the dead-letter queue of an EventBridge target
// with gureum's defaults.
package deadletter

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/nag"
)

// NewEventTargetQueue creates an encrypted, TLS-only, retained queue that
// receives the events an EventBridge target could not deliver. what names
// the target for the suppressions' reason ("the source rule's target").
func NewEventTargetQueue(scope constructs.Construct, id string, retention time.Duration, what string) awssqs.Queue {
	q := awssqs.NewQueue(scope, jsii.String(id), &awssqs.QueueProps{
		// EventBridge cannot send to a queue encrypted with an AWS managed
		// KMS key; SQS-managed encryption works with it.
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Seconds(jsii.Number(retention.Seconds())),
		RemovalPolicy:   awscdk.RemovalPolicy_RETAIN,
	})
	why := "This queue is itself the dead-letter queue of " + what + "."
	nag.Suppress(q, "AwsSolutions-SQS3", why)
	nag.Suppress(q, "Serverless-SQSRedrivePolicy", why)
	return q
}
