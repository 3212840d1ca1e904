// Command indexer is the Lambda that indexes gureum's game-event aggregates
// from S3 into OpenSearch. See package bulkindex.
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/gameevents/bulkindex"
	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

func main() {
	b := boot.Start()
	cfg, err := bulkindex.ConfigFromEnv(os.Getenv)
	if err != nil {
		b.Fatal("configuration", err)
	}
	ix, err := bulkindex.New(cfg, s3.NewFromConfig(b.AWS), b.AWS.Credentials)
	if err != nil {
		b.Fatal("configuration", err)
	}
	ix.Logger = b.Logger
	lambda.Start(ix.Handle)
}
