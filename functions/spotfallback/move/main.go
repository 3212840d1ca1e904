// Command move is the Lambda handler of HPCCluster's Spot fallback (see
// package spotfallback), run every few minutes by a schedule.
//
// Environment: FROM_QUEUE and TO_QUEUE (names or ARNs), AFTER_SECONDS, and
// JOB_DEFINITIONS (comma-separated names; empty: any). IAM: batch:ListJobs
// and batch:DescribeJobs, batch:SubmitJob on TO_QUEUE and those job
// definitions, batch:TagResource and batch:CancelJob on jobs.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/batch"

	"github.com/gureum-cdk/gureum/functions/internal/boot"
	"github.com/gureum-cdk/gureum/functions/spotfallback"
)

func main() {
	b := boot.Start("FROM_QUEUE", "TO_QUEUE", "AFTER_SECONDS")
	secs, err := strconv.Atoi(b.Env("AFTER_SECONDS"))
	if err != nil || secs <= 0 {
		b.Fatal("AFTER_SECONDS is not a positive number of seconds", fmt.Errorf("%q", b.Env("AFTER_SECONDS")))
	}
	var defs []string
	for _, d := range strings.Split(os.Getenv("JOB_DEFINITIONS"), ",") {
		if d = strings.TrimSpace(d); d != "" {
			defs = append(defs, d)
		}
	}
	m := &spotfallback.Mover{
		API:            batch.NewFromConfig(b.AWS),
		From:           b.Env("FROM_QUEUE"),
		To:             b.Env("TO_QUEUE"),
		After:          time.Duration(secs) * time.Second,
		JobDefinitions: defs,
		Log:            os.Stdout,
	}
	lambda.Start(func(ctx context.Context, _ json.RawMessage) (spotfallback.Result, error) {
		return m.Run(ctx)
	})
}
