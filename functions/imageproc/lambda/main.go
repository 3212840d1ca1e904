// Command lambda is the AWS Lambda entry point of gureum's image pipeline:
// it reads SQS batches of S3 object-created notifications and writes
// renditions with the imageproc package. Configuration comes from the
// environment (see imageproc.LoadConfig).
package main

import (
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/imageproc"
	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

func main() {
	b := boot.Start()
	cfg, err := imageproc.LoadConfig(os.Getenv)
	if err != nil {
		b.Fatal("cold start failed", err)
	}
	h, err := imageproc.New(cfg, s3.NewFromConfig(b.AWS), b.Logger)
	if err != nil {
		b.Fatal("cold start failed", err)
	}
	lambda.Start(h.HandleSQS)
}
