// Command indexer is the Lambda that indexes gureum's game-event aggregates
// from S3 into OpenSearch. See package bulkindex.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/gameevents/bulkindex"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	fail := func(msg string, err error) {
		logger.Error(msg, "error", err)
		os.Exit(1)
	}
	awsCfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		fail("load AWS configuration", err)
	}
	cfg, err := bulkindex.ConfigFromEnv(os.Getenv)
	if err != nil {
		fail("configuration", err)
	}
	ix, err := bulkindex.New(cfg, s3.NewFromConfig(awsCfg), awsCfg.Credentials)
	if err != nil {
		fail("configuration", err)
	}
	ix.Logger = logger
	lambda.Start(ix.Handle)
}
