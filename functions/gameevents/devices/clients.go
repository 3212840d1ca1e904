package devices

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// NewRegistry builds a Registry on the table with the platform applications
// (either ARN may be empty) from an AWS configuration, with NewSNS's
// client.
func NewRegistry(cfg aws.Config, table, fcmApp, apnsApp string) *Registry {
	apps := map[string]string{}
	if fcmApp != "" {
		apps[PlatformFCM] = fcmApp
	}
	if apnsApp != "" {
		apps[PlatformAPNS] = apnsApp
	}
	return &Registry{
		Store:     &Store{DB: dynamodb.NewFromConfig(cfg), Table: table},
		Endpoints: &Endpoints{API: NewSNS(cfg), Apps: apps},
	}
}

// NewSNS is an SNS client that also retries SNS's "Throttled" error code,
// which the SDK's standard retryer does not list.
func NewSNS(cfg aws.Config) *sns.Client {
	return sns.NewFromConfig(cfg, func(o *sns.Options) {
		o.Retryer = retry.AddWithErrorCodes(o.Retryer, "Throttled")
	})
}
