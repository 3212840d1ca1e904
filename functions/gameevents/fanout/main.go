// Command fanout is the Lambda that sends each game-event notice to every
// registered device (see devices.FanOut), fed by an SQS queue subscribed to
// the players' topic.
//
// Environment: TABLE_NAME (the device table), QUEUE_URL (its own queue, to
// hand on a long fan-out), SEGMENTS and CONCURRENCY (defaults 4 and 16).
// IAM: dynamodb:Scan and DeleteItem on the table; sns:Publish and
// sns:DeleteEndpoint on the applications' endpoints; sqs:SendMessage on the
// queue.
package main

import (
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/gureum-cdk/gureum/functions/gameevents/devices"
	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

func main() {
	b := boot.Start("TABLE_NAME", "QUEUE_URL")
	reg := devices.NewRegistry(b.AWS, b.Env("TABLE_NAME"), "", "")
	segments, _ := strconv.Atoi(b.Env("SEGMENTS"))
	concurrency, _ := strconv.Atoi(b.Env("CONCURRENCY"))
	f := &devices.FanOut{
		Store: reg.Store, Endpoints: reg.Endpoints,
		Queue: sqs.NewFromConfig(b.AWS), QueueURL: b.Env("QUEUE_URL"),
		Segments: segments, Concurrency: concurrency,
		FunctionName: b.Env("AWS_LAMBDA_FUNCTION_NAME"), Logger: b.Logger,
	}
	lambda.Start(f.Handle)
}
