// Command partitions is the first state of a gureum data lake's promotion
// state machine: it turns the run's input into the raw partitions the MERGE
// runs for. See package lakepromote.
//
// Environment: LOOKBACK_DAYS, the days before a scheduled run's own day it
// merges again (default 1).
package main

import (
	"context"
	"fmt"
	"os"
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/gureum-cdk/gureum/functions/internal/boot"
	"github.com/gureum-cdk/gureum/functions/lakepromote"
)

func main() {
	b := boot.Start()
	lookback := 1
	if v := os.Getenv("LOOKBACK_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			b.Fatal("configuration", fmt.Errorf("LOOKBACK_DAYS %q is not a whole number of days", v))
		}
		lookback = n
	}
	lambda.Start(func(ctx context.Context, r lakepromote.Request) (lakepromote.Plan, error) {
		p, err := lakepromote.NewPlan(r, lookback)
		if err != nil {
			b.Logger.ErrorContext(ctx, "no plan", "error", err.Error(), "time", r.Time, "from", r.From, "to", r.To)
			return p, err
		}
		b.Logger.InfoContext(ctx, "plan", "partitions", len(p.Partitions), "first", p.Partitions[0], "last", p.Partitions[len(p.Partitions)-1])
		return p, nil
	})
}
