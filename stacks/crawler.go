package stacks

// Session 1, scenario 3: a crawler that used to run from a server's crontab.
// EventBridge Scheduler runs it every morning; the list of URLs travels in the
// schedule's payload, so changing it is a deploy, not a login:
//
//	EventBridge Scheduler (06:00 Asia/Seoul) ─▶ Lambda (Go crawler) ─▶ S3 (pages/<host>/...)
//	                                                               └─▶ DynamoDB (status per URL)
//
// A run that fails (after Lambda's retries) lands in the job's dead-letter
// queue; failures and dead letters raise alarms on an encrypted topic.

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/crawler"
)

// crawlURLs is the crawler's daily list, sent as the schedule's payload.
var crawlURLs = []string{
	"https://aws.amazon.com/about-aws/whats-new/recent/",
	"https://go.dev/doc/devel/release",
	"https://docs.aws.amazon.com/cdk/v2/guide/home.html",
}

// NewCrawlerStack builds the scheduled crawler.
func NewCrawlerStack(scope constructs.Construct, id string, o Options) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(id), o.stackProps("gureum: scheduled web crawler (EventBridge Scheduler, Lambda, S3, DynamoDB)"))
	c := crawler.New(stack, "Crawler", &crawler.Props{
		URLs:   crawlURLs,
		Entry:  o.entry("crawler"),
		Alarms: crawler.Alarms{Topic: alarmtopic.New(stack, "Alarms", nil).Topic},
	})
	awscdk.NewCfnOutput(stack, jsii.String("PagesBucket"), &awscdk.CfnOutputProps{Value: c.Bucket.BucketName()})
	awscdk.NewCfnOutput(stack, jsii.String("StatusTable"), &awscdk.CfnOutputProps{Value: c.Table.TableName()})
	awscdk.NewCfnOutput(stack, jsii.String("DeadLetterQueue"), &awscdk.CfnOutputProps{Value: c.Job.DeadLetterQueue.QueueUrl()})
	return stack
}
