// Command getpoll is the Lambda behind GET /polls/{id} of the voting API: it
// reads a poll and its live counts.
//
// Environment: TABLE_NAME, the poll table. IAM: dynamodb:GetItem on that table
// (read-only). Built for provided.al2023 arm64 with -tags lambda.norpc.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gureum-cdk/gureum/functions/internal/boot"
	"github.com/gureum-cdk/gureum/functions/voting/polls"
)

func main() {
	b := boot.Start("TABLE_NAME")
	store := polls.NewStore(dynamodb.NewFromConfig(b.AWS), b.Env("TABLE_NAME"))
	lambda.Start(polls.NewHandler(store, b.Logger).GetPoll)
}
