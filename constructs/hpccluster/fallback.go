package hpccluster

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
)

// The environment of the fallback function (functions/spotfallback).
const (
	fallbackFromEnv  = "FROM_QUEUE"
	fallbackToEnv    = "TO_QUEUE"
	fallbackAfterEnv = "AFTER_SECONDS"
	fallbackDefsEnv  = "JOB_DEFINITIONS"
)

// newSpotFallback creates the scheduled function that moves jobs waiting on
// the From queue for After to the To queue.
func (h *HPCCluster) newSpotFallback() {
	c := h.cfg
	f := c.SpotFallback
	var from, to *BatchQueue
	for _, q := range h.BatchQueues {
		if q.Name == f.From {
			from = q
		}
		if q.Name == f.To {
			to = q
		}
	}
	defNames := []string{*h.JobDefinition.JobDefinitionName()}
	if h.GPUJobDefinition != nil {
		defNames = append(defNames, *h.GPUJobDefinition.JobDefinitionName())
	}
	h.SpotFallbackJob = scheduledjob.New(h.Construct, "SpotFallback", &scheduledjob.Props{
		Entry:       f.Entry,
		Description: fmt.Sprintf("Moves jobs RUNNABLE for %s on queue %s of %s to queue %s", minutes(f.After), f.From, *h.Node().Path(), f.To),
		Schedules:   []scheduledjob.Schedule{{Name: "fallback", Expression: FallbackSchedule}},
		Function: scheduledjob.Function{
			Timeout: 2 * time.Minute,
			Environment: map[string]string{
				fallbackFromEnv:  *from.Queue.JobQueueArn(),
				fallbackToEnv:    *to.Queue.JobQueueArn(),
				fallbackAfterEnv: strconv.Itoa(int(f.After / time.Second)),
				fallbackDefsEnv:  strings.Join(defNames, ","),
			},
			LogRetention: c.LogRetention,
		},
		// A run delivered late still finds the jobs as they are then; the
		// next run takes over after 5 minutes anyway.
		Retry:            scheduledjob.Retry{MaxEventAge: 5 * time.Minute},
		Alarms:           scheduledjob.Alarms{Topic: h.AlarmTopic},
		LogEncryptionKey: c.LogEncryptionKey,
	})
	fn := h.SpotFallbackJob.Function
	stack := awscdk.Stack_Of(h.Construct)
	arn := func(resource string) string {
		return *stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("batch"), Resource: jsii.String(resource), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME, ResourceName: jsii.String("*")})
	}
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadJobs"),
		Actions:   jsii.Strings("batch:ListJobs", "batch:DescribeJobs"),
		Resources: jsii.Strings("*"),
	}))
	var defs []string
	for _, n := range defNames {
		defs = append(defs, *stack.FormatArn(&awscdk.ArnComponents{Service: jsii.String("batch"), Resource: jsii.String("job-definition"), ArnFormat: awscdk.ArnFormat_SLASH_RESOURCE_NAME, ResourceName: jsii.String(n + ":*")}))
	}
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("SubmitToTheOnDemandQueue"),
		Actions:   jsii.Strings("batch:SubmitJob"),
		Resources: jsii.Strings(append([]string{*to.Queue.JobQueueArn()}, defs...)...),
	}))
	fn.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("TagAndCancelJobs"),
		Actions:   jsii.Strings("batch:TagResource", "batch:CancelJob"),
		Resources: jsii.Strings(arn("job")),
	}))
	nag.Suppress(h.SpotFallbackJob.FunctionRole, "AwsSolutions-IAM5",
		"batch:ListJobs and batch:DescribeJobs support no resource-level permissions (Service Authorization Reference), so they are granted on * (read-only); a job's ID is known only at run time, so tagging and cancelling are granted on this account and Region's job/*, and SubmitJob on the cluster's own job definitions, any revision (job-definition/<name>:*).",
		"Resource::*",
		`/^Resource::arn:<AWS::Partition>:batch:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]+):job\/\*$/`,
		`/^Resource::arn:<AWS::Partition>:batch:(<AWS::Region>|[a-z0-9-]+):(<AWS::AccountId>|[0-9]+):job-definition\/.*:\*$/`)
}
