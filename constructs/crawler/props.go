package crawler

import (
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
)

// Props configures a Crawler. The zero value of every field is the default
// (defaults.go); only URLs is required.
type Props struct {
	// URLs are fetched on every run; they travel in the schedule's payload,
	// so changing the list is a deploy. Required.
	URLs []string
	// Entry is the handler's main package: a Go import path, or a directory
	// (see golambda). Default: "github.com/gureum-cdk/gureum/functions/crawler",
	// which resolves from any app whose module requires gureum.
	Entry string
	// Schedule is a cron, rate or at() expression. Default: 06:00 every day.
	Schedule string
	// TimeZone is the IANA time zone of the schedule. Default: "Asia/Seoul".
	TimeZone string
	// FlexibleWindow lets a run start that much later: whole minutes up to
	// 24 hours. Default: 15 minutes; a negative value turns it off.
	FlexibleWindow time.Duration
	// MemoryMB sizes the function, 128 to 10240. Default: 512.
	MemoryMB int
	// Timeout bounds one run, 1 second to 15 minutes. Default: 5 minutes.
	Timeout time.Duration
	// UserAgent the crawler sends and matches in robots.txt. Default: the
	// handler's own (gureum-crawler/1.0).
	UserAgent string
	// MaxBodyBytes caps a page; larger pages are truncated and marked.
	// Default: the handler's (5 MiB).
	MaxBodyBytes int
	// Concurrency bounds parallel fetches. Default: the handler's (4).
	Concurrency int
	// ExistingBucket stores the pages instead of a new bucket.
	ExistingBucket awss3.IBucket
	// ExistingKey encrypts the pages bucket the construct creates instead of
	// a new customer-managed key (with yearly rotation, retained) that the
	// construct creates. Not used with ExistingBucket. Default: nil (a new
	// key).
	ExistingKey awskms.IKey
	// ExistingTable records the status instead of a new table; its partition
	// key must be the string attribute "pk".
	ExistingTable awsdynamodb.ITableV2
	// Alarms routes the job's failure and dead-letter alarms.
	Alarms Alarms
	// LogEncryptionKey encrypts every CloudWatch log group the construct creates
	// (the job's function logs). A key created in the app (awskms.NewKey) gets
	// the key policy statement CloudWatch Logs needs; the owner of an imported
	// key must add it (docs/log-encryption.md). Default: nil (CloudWatch Logs'
	// own encryption).
	LogEncryptionKey awskms.IKey
}

// Alarms routes the crawler's alarms.
type Alarms struct {
	// Topic receives alarm and recovery notifications. Default: the stack's
	// shared alarm topic (alarmtopic.Shared), encrypted, created once per
	// stack.
	Topic awssns.ITopic
}
