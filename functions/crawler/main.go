// Command crawler is the scheduled Lambda that fetches gureum's list of web
// pages into S3 and records each URL's status in DynamoDB. See package crawl.
package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/crawler/crawl"
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
	cfg, err := crawl.ConfigFromEnv(os.Getenv)
	if err != nil {
		fail("configuration", err)
	}
	c, err := crawl.New(cfg, s3.NewFromConfig(awsCfg), dynamodb.NewFromConfig(awsCfg))
	if err != nil {
		fail("configuration", err)
	}
	c.Logger = logger
	lambda.Start(func(ctx context.Context, payload json.RawMessage) (crawl.Summary, error) {
		urls, err := crawl.ParseURLs(payload, os.Getenv("URLS"))
		if err != nil {
			return crawl.Summary{}, err
		}
		return c.Run(ctx, urls)
	})
}
