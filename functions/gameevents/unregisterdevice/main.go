// Command unregisterdevice is the Lambda behind DELETE /devices/{token}: it
// removes the caller's registration of a token and its platform endpoint.
//
// Environment: TABLE_NAME (the device table). IAM: dynamodb:GetItem and
// DeleteItem on the table; sns:DeleteEndpoint on the applications'
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
	lambda.Start((&devices.Handler{Registry: reg, Logger: b.Logger}).Unregister)
}
