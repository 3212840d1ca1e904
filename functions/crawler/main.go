// Command crawler is the scheduled Lambda that fetches gureum's list of web
// pages into S3 and records each URL's status in DynamoDB. See package crawl.
package main

import (
	"context"
	"encoding/json"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/crawler/crawl"
	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

func main() {
	b := boot.Start()
	cfg, err := crawl.ConfigFromEnv(os.Getenv)
	if err != nil {
		b.Fatal("configuration", err)
	}
	c, err := crawl.New(cfg, s3.NewFromConfig(b.AWS), dynamodb.NewFromConfig(b.AWS))
	if err != nil {
		b.Fatal("configuration", err)
	}
	c.Logger = b.Logger
	lambda.Start(func(ctx context.Context, payload json.RawMessage) (crawl.Summary, error) {
		urls, err := crawl.ParseURLs(payload, os.Getenv("URLS"))
		if err != nil {
			return crawl.Summary{}, err
		}
		return c.Run(ctx, urls)
	})
}
