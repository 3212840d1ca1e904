// Command resource is the onEvent handler of constructs/pushnotify's
// platform-application custom resource (see package platformapp).
//
// IAM: secretsmanager:GetSecretValue on the credential secrets;
// sns:CreatePlatformApplication, SetPlatformApplicationAttributes and
// DeletePlatformApplication; iam:PassRole on the delivery-status roles.
package main

import (
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/gureum-cdk/gureum/functions/gameevents/platformapp"
	"github.com/gureum-cdk/gureum/functions/internal/boot"
)

func main() {
	b := boot.Start()
	h := &platformapp.Handler{SNS: sns.NewFromConfig(b.AWS), Secrets: secretsmanager.NewFromConfig(b.AWS), Logger: b.Logger}
	lambda.Start(h.Handle)
}
