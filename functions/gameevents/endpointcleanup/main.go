// Command endpointcleanup is the Lambda subscribed to the platform
// applications' event topic: it removes the registrations of endpoints SNS
// disabled or deleted (see devices.Cleanup).
//
// Environment: TABLE_NAME (the device table). IAM: dynamodb:Query on the
// endpoint index, PutItem and DeleteItem on the table;
// sns:GetEndpointAttributes and DeleteEndpoint on the applications'
// endpoints.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/gureum-cdk/gureum/functions/gameevents/devices"
	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

func main() {
	b := boot.Start("TABLE_NAME")
	reg := devices.NewRegistry(b.AWS, b.Env("TABLE_NAME"), "", "")
	lambda.Start((&devices.Cleanup{Store: reg.Store, Endpoints: reg.Endpoints, Logger: b.Logger}).Handle)
}
