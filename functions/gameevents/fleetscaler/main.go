// Command fleetscaler is the Lambda that scales gureum's game-server fleet on
// a schedule. See package fleet.
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"

	"github.com/gureum-cdk/gureum/functions/gameevents/fleet"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("load AWS configuration", "error", err)
		os.Exit(1)
	}
	s := &fleet.Scaler{API: autoscaling.NewFromConfig(cfg), Group: os.Getenv("ASG_NAME"), Logger: logger}
	lambda.Start(func(ctx context.Context, payload json.RawMessage) (fleet.Result, error) {
		req, err := fleet.ParseRequest(payload)
		if err != nil {
			return fleet.Result{}, err
		}
		return s.Scale(ctx, req)
	})
}
