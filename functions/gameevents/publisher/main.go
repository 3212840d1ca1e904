// Command publisher is the Lambda that announces game-event start and end to
// players through SNS. See package push.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/gureum-cdk/gureum/functions/gameevents/push"
	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

func main() {
	b := boot.Start("TOPIC_ARN")
	p := &push.Publisher{API: sns.NewFromConfig(b.AWS), TopicARN: b.Env("TOPIC_ARN"), Logger: b.Logger}
	lambda.Start(func(ctx context.Context, payload json.RawMessage) (push.Result, error) {
		req, err := push.ParseRequest(payload)
		if err != nil {
			return push.Result{}, err
		}
		return p.Publish(ctx, req)
	})
}
