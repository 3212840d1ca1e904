// Command lambda is the AWS Lambda entry point of gureum's image pipeline:
// it reads SQS batches of S3 object-created notifications and writes
// renditions with the imageproc package. Configuration comes from the
// environment (see imageproc.LoadConfig).
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/imageproc"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	cfg, err := imageproc.LoadConfig(os.Getenv)
	if err != nil {
		logger.Error("cold start failed", "error", err.Error())
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("cold start failed: AWS configuration", "error", err.Error())
		os.Exit(1)
	}
	h, err := imageproc.New(cfg, s3.NewFromConfig(awsCfg), logger)
	if err != nil {
		logger.Error("cold start failed", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(h.HandleSQS)
}
