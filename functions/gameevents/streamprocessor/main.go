// Command streamprocessor is the Lambda that aggregates gureum play events
// from Kinesis into S3. See package aggregate.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/gameevents/aggregate"
	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

func main() {
	b := boot.Start("BUCKET")
	p := &aggregate.Processor{
		S3:     s3.NewFromConfig(b.AWS),
		Bucket: b.Env("BUCKET"),
		Prefix: b.Env("PREFIX"),
		// Set by streampipeline when the bucket is encrypted with a KMS key.
		KMSKeyID: b.Env("KMS_KEY_ID"),
		Logger:   b.Logger,
	}
	lambda.Start(p.Handle)
}
