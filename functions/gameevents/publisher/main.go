// Command publisher is the Lambda that announces game-event start and end to
// players through SNS. See package push.
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/gureum-cdk/gureum/functions/gameevents/push"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("load AWS configuration", "error", err)
		os.Exit(1)
	}
	p := &push.Publisher{API: sns.NewFromConfig(cfg), TopicARN: os.Getenv("TOPIC_ARN"), Logger: logger}
	lambda.Start(func(ctx context.Context, payload json.RawMessage) (push.Result, error) {
		req, err := push.ParseRequest(payload)
		if err != nil {
			return push.Result{}, err
		}
		return p.Publish(ctx, req)
	})
}
