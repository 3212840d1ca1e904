package scheduledjob

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
)

// Props configures a Job. The zero value of every field is the secure
// default; Entry and Schedules are required.
type Props struct {
	// Entry names the handler's Go main package: its import path
	// ("github.com/you/app/functions/report"), which builds from any
	// working directory of an app whose module requires the package's
	// module, or its directory relative to the app's working directory (see
	// golambda). Required.
	Entry string
	// Schedules run the function. At least one is required; names are unique
	// within the job.
	Schedules []Schedule
	// Description of the job, used for the function and the schedule group.
	Description string
	// Function sizes the function and sets its environment.
	Function Function
	// Retry bounds how long Scheduler keeps trying to deliver one run.
	// Default: 3 retries within 1 hour.
	Retry Retry
	// DeadLetterQueue configures the queue that receives failed runs.
	DeadLetterQueue DeadLetterQueue
	// Alarms routes the alarm notifications.
	Alarms Alarms
	// LogEncryptionKey encrypts every CloudWatch log group the construct creates
	// (the function's logs). A key created in the app (awskms.NewKey) gets the
	// key policy statement CloudWatch Logs needs; the owner of an imported key
	// must add it (docs/log-encryption.md). Default: nil (CloudWatch Logs' own
	// encryption).
	LogEncryptionKey awskms.IKey
}

// Schedule is one EventBridge Scheduler schedule of the job.
type Schedule struct {
	// Name of the schedule within the job's schedule group: 1-64 letters,
	// digits, '-', '_' or '.'. Required.
	Name string
	// Expression is "cron(min hour day-of-month month day-of-week year)",
	// "rate(n minutes|hours|days)" or "at(yyyy-mm-ddThh:mm:ss)". Required.
	Expression string
	// TimeZone is the IANA time zone of cron and at() expressions.
	// Default: "Asia/Seoul".
	TimeZone string
	// FlexibleWindow lets Scheduler start the run anywhere within this window
	// after the scheduled time, to spread load: whole minutes, 1m to 24h.
	// Default: 0 (off: the run starts at the scheduled time).
	FlexibleWindow time.Duration
	// Payload is marshalled to JSON and passed to the handler as its event.
	// Use json.RawMessage for a ready JSON text. Default: nil ("{}").
	Payload any
	// Description of the schedule.
	Description string
	// Disabled creates the schedule switched off. Default: false (enabled).
	Disabled bool
	// Start and End bound when the schedule runs. Default: zero (unbounded).
	Start, End time.Time
}

// Function sizes the job's function.
type Function struct {
	// MemoryMB. Default: 256.
	MemoryMB int
	// Timeout. Default: 1 minute.
	Timeout time.Duration
	// ReservedConcurrency caps concurrent runs. Default: 0 (unreserved).
	ReservedConcurrency int
	// Environment variables for the handler.
	Environment map[string]string
	// LogLevel is the application log level. Default: INFO.
	LogLevel string
	// LogRetention. Default: one year.
	LogRetention awslogs.RetentionDays
	// X86 builds for x86_64 instead of arm64. Default: false.
	X86 bool
	// AsyncRetries is how many times Lambda retries a run whose handler
	// failed, 0 to 2. A pointer because 0 (no retry, for handlers that are
	// not idempotent) differs from the default. Default: nil (2).
	AsyncRetries *int
}

// Retry is EventBridge Scheduler's retry policy for delivering a run.
type Retry struct {
	// MaxRetries is 0 to 185. A pointer because 0 (no retry) differs from
	// the default. Default: nil (3).
	MaxRetries *int
	// MaxEventAge is how long one run may be retried, 1 minute to 24 hours,
	// whole seconds. It also bounds Lambda's asynchronous retries (at most
	// 6 hours). Default: 1 hour.
	MaxEventAge time.Duration
}

// DeadLetterQueue configures the queue that receives failed runs.
type DeadLetterQueue struct {
	// EncryptionKey encrypts the queue with a customer-managed KMS key.
	// Default: SQS-managed encryption (SSE-SQS).
	EncryptionKey awskms.IKey
	// Retention is how long failed runs are kept, 1 minute to 14 days.
	// Default: 14 days.
	Retention time.Duration
}

// Alarms routes the job's alarms.
type Alarms struct {
	// Topic receives alarm and recovery notifications. Default: the stack's
	// shared alarm topic (alarmtopic.Shared), encrypted, created once per
	// stack.
	Topic awssns.ITopic
}
