// Command streamprocessor is the Lambda that aggregates gureum play events
// from Kinesis into S3. See package aggregate.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/gameevents/aggregate"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("load AWS configuration", "error", err)
		os.Exit(1)
	}
	p := &aggregate.Processor{
		S3:     s3.NewFromConfig(cfg),
		Bucket: os.Getenv("BUCKET"),
		Prefix: os.Getenv("PREFIX"),
		Logger: logger,
	}
	if p.Bucket == "" {
		logger.Error("BUCKET is not set")
		os.Exit(1)
	}
	lambda.Start(p.Handle)
}
