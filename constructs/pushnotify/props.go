package pushnotify

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"

	"github.com/gureum-cdk/gureum/constructs/serverlessapi"
)

// Props configures a PushNotify. The zero value of every field is the
// secure default; Notices, API.UserPools and at least one of FCM and APNS
// are required.
type Props struct {
	// FCM creates the Firebase Cloud Messaging (Android) platform
	// application. Default: nil (no FCM).
	FCM *FCM
	// APNS creates the Apple Push Notification service platform
	// application. Default: nil (no APNs).
	APNS *APNS
	// Notices is the topic whose notices are sent to every registered
	// device: an SQS queue of the construct subscribes to it. Required.
	Notices awssns.ITopic
	// API configures the device-registration API.
	API API
	// FanOut sizes the fan-out that sends each notice to every device.
	FanOut FanOut
	// DeliveryStatus configures the platform applications' delivery-status
	// logs.
	DeliveryStatus DeliveryStatus
	// Table configures the device table.
	Table Table
	// Entries name the Go handlers. Default: gureum's handlers by import
	// path (DefaultEntries).
	Entries Entries
	// LogRetention applies to every log group the construct creates.
	// Default: one year.
	LogRetention awslogs.RetentionDays
	// LogEncryptionKey encrypts every CloudWatch log group the construct creates
	// (the functions' logs, the platform delivery logs, the provider's logs and
	// the API's). A key created in the app (awskms.NewKey) gets the key policy
	// statement CloudWatch Logs needs; the owner of an imported key must add it
	// (docs/log-encryption.md). Default: nil (CloudWatch Logs' own encryption).
	LogEncryptionKey awskms.IKey
	// Alarms routes and tunes the alarms.
	Alarms Alarms
}

// FCM is a Firebase Cloud Messaging platform application using HTTP v1
// token credentials.
type FCM struct {
	// Secret holds the Firebase project's service account JSON key file as
	// its SecretString (the whole file). Reference it by name
	// (awssecretsmanager.Secret_FromSecretNameV2): its value never enters
	// the template. Required.
	Secret awssecretsmanager.ISecret
	// Name of the platform application: 1-256 letters, digits, '_', '-' or
	// '.'. Default: derived from the construct path.
	Name string
	// CredentialVersion is any label; changing it makes the next deployment
	// read the secret again (after a key rotation). Default: "".
	CredentialVersion string
}

// APNS is an Apple Push Notification service platform application using
// token-based authentication (a .p8 signing key).
type APNS struct {
	// Secret holds the .p8 signing key (the PEM text) as its SecretString.
	// Reference it by name: its value never enters the template. Required.
	Secret awssecretsmanager.ISecret
	// SigningKeyID is the key's 10-character ID. Required.
	SigningKeyID string
	// TeamID is the Apple developer team's 10-character ID. Required.
	TeamID string
	// BundleID is the app's bundle identifier. Required.
	BundleID string
	// Sandbox sends through APNs' development environment (APNS_SANDBOX),
	// for development builds of the app. Changing it replaces the platform
	// application: tokens of one environment are not valid in the other.
	// Default: false (production, APNS).
	Sandbox bool
	// Name and CredentialVersion as for FCM.
	Name              string
	CredentialVersion string
}

// API configures the device-registration API (a serverlessapi.ServerlessAPI
// with PUT /devices and DELETE /devices/{token}).
type API struct {
	// UserPools authorize the players; the player id is the token's sub
	// claim. Required.
	UserPools []awscognito.IUserPool
	// Scopes are OAuth scopes the authorizer requires. Default: none (ID
	// tokens).
	Scopes []string
	// StageName. Default: serverlessapi's ("prod").
	StageName string
	// Throttle limits the stage. Default: DefaultThrottle (a phone registers
	// at app start, so the rate follows app launches).
	Throttle *serverlessapi.Throttle
	// WAF configures the API's web ACL. Default: serverlessapi's.
	WAF serverlessapi.WAF
	// MaxDevicesPerPlayer unregisters a player's least recently refreshed
	// devices beyond it. Default: DefaultMaxDevicesPerPlayer.
	MaxDevicesPerPlayer int
}

// FanOut sizes the fan-out function.
type FanOut struct {
	// Segments of the parallel scan of the device table. Default:
	// DefaultSegments.
	Segments int
	// Concurrency bounds the Publish calls in flight in one invocation.
	// Default: DefaultConcurrency.
	Concurrency int
	// MemoryMB. Default: DefaultFanOutMemoryMB.
	MemoryMB int
	// Timeout of one invocation; a longer fan-out is handed on through the
	// queue. Default: DefaultFanOutTimeout.
	Timeout time.Duration
}

// DeliveryStatus configures the delivery-status logs SNS writes for the
// platform applications (every failure, and a sample of successes).
type DeliveryStatus struct {
	// SuccessSampleRate is the percentage (0-100) of successful deliveries
	// logged. A pointer because 0 (log failures only) differs from the
	// default. Default: nil (DefaultSuccessSampleRate).
	SuccessSampleRate *int
}

// Table configures the device table the construct creates.
type Table struct {
	// EncryptionKey encrypts the table with a customer-managed KMS key.
	// Default: the AWS managed key for DynamoDB.
	EncryptionKey awskms.IKey
	// DisableDeletionProtection turns off deletion protection. Default:
	// false.
	DisableDeletionProtection bool
	// Destroy deletes the table with the stack. Default: false (retained).
	Destroy bool
}

// Entries name the Go main packages of the construct's functions: a
// directory or an import path (see golambda.Props.Entry).
type Entries struct {
	Register, Unregister, FanOut, Cleanup, PlatformApp string
}

// Alarms routes and tunes the alarms.
type Alarms struct {
	// Topic receives alarm and recovery notifications. Default: nil, the
	// stack's shared alarm topic (alarmtopic.Shared).
	Topic awssns.ITopic
	// FailureRate is the share of notifications SNS failed to deliver (per
	// platform application, over 15 minutes) that raises the delivery
	// alarm. Default: DefaultFailureRate.
	FailureRate float64
}

// Int returns a pointer to v, for DeliveryStatus.SuccessSampleRate.
func Int(v int) *int { return &v }
