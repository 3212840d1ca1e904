// Command registerdevice is the Lambda behind PUT /devices: it registers or
// refreshes the caller's device token (see devices.Registry.Register).
//
// Environment: TABLE_NAME (the device table), FCM_APPLICATION_ARN and/or
// APNS_APPLICATION_ARN (the platform applications; a platform without one
// is refused), MAX_DEVICES_PER_PLAYER (default 10). IAM: dynamodb:GetItem,
// PutItem, DeleteItem and Query on the table and its endpoint index;
// sns:CreatePlatformEndpoint on the applications, sns:GetEndpointAttributes,
// SetEndpointAttributes and DeleteEndpoint on their endpoints.
package main

import (
	"strconv"

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/gureum-cdk/gureum/functions/gameevents/devices"
	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

func main() {
	b := boot.Start("TABLE_NAME")
	max, _ := strconv.Atoi(b.Env("MAX_DEVICES_PER_PLAYER"))
	reg := devices.NewRegistry(b.AWS, b.Env("TABLE_NAME"), b.Env("FCM_APPLICATION_ARN"), b.Env("APNS_APPLICATION_ARN"))
	reg.MaxDevices = max
	lambda.Start((&devices.Handler{Registry: reg, Logger: b.Logger}).Register)
}
