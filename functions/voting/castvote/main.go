// Command castvote is the Lambda behind POST /polls/{id}/votes of the voting
// API: it counts one vote per voter with a DynamoDB transaction.
//
// Environment: TABLE_NAME, the poll table. IAM: dynamodb:PutItem and
// dynamodb:UpdateItem on that table (the two actions of its
// TransactWriteItems call). Built for provided.al2023 arm64 with -tags
// lambda.norpc.
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
	lambda.Start(polls.NewHandler(store, b.Logger).CastVote)
}
