// Command publish is the Lambda handler that publishes the job counts of AWS
// Batch job queues as CloudWatch metrics (see package batchmetrics), run
// every minute by a schedule.
//
// Environment: JOB_QUEUES (comma-separated names or ARNs) and
// METRICS_NAMESPACE. IAM: batch:ListJobs (no resource-level permissions).
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/batch"

	"github.com/gureum-cdk/gureum/functions/batchmetrics"
	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

func main() {
	b := boot.Start("JOB_QUEUES", "METRICS_NAMESPACE")
	p := &batchmetrics.Publisher{
		API:       batch.NewFromConfig(b.AWS),
		Namespace: b.Env("METRICS_NAMESPACE"),
		Queues:    batchmetrics.ParseQueues(b.Env("JOB_QUEUES")),
		Out:       os.Stdout,
	}
	lambda.Start(func(ctx context.Context, _ json.RawMessage) ([]batchmetrics.Counts, error) {
		return p.Publish(ctx)
	})
}
