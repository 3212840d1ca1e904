// Command createpoll is the Lambda behind POST /polls of the voting API: it
// validates the question and options and stores a new poll.
//
// Environment: TABLE_NAME, the poll table. IAM: dynamodb:PutItem on that table.
// Built for provided.al2023 arm64 with -tags lambda.norpc.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/gureum-cdk/gureum/functions/voting/polls"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	table := os.Getenv("TABLE_NAME")
	if table == "" {
		logger.Error("TABLE_NAME is not set")
		os.Exit(1)
	}
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		logger.Error("load AWS config", slog.String("error", err.Error()))
		os.Exit(1)
	}
	store := polls.NewStore(dynamodb.NewFromConfig(cfg), table)
	lambda.Start(polls.NewHandler(store, logger).CreatePoll)
}
