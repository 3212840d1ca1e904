// Command fleetscaler is the Lambda that scales gureum's game-server fleet on
// a schedule. See package fleet.
package main

import (
	"context"
	"encoding/json"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/gureum-cdk/gureum/functions/gameevents/fleet"
	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

func main() {
	b := boot.Start("ASG_NAME")
	s := &fleet.Scaler{API: autoscaling.NewFromConfig(b.AWS), Group: b.Env("ASG_NAME"), Logger: b.Logger}
	lambda.Start(func(ctx context.Context, payload json.RawMessage) (fleet.Result, error) {
		req, err := fleet.ParseRequest(payload)
		if err != nil {
			return fleet.Result{}, err
		}
		return s.Scale(ctx, req)
	})
}
