package scheduledjob

import (
	"cmp"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
)

// Every default of Job, in one place.
const (
	// DefaultTimeZone is the IANA time zone cron and at() expressions are
	// evaluated in.
	DefaultTimeZone = "Asia/Seoul"
	// DefaultMaxRetries is how many times EventBridge Scheduler retries a
	// delivery that failed (throttled or refused invocation) before it goes
	// to the dead-letter queue. Scheduler's own default is 185 over 24h: a
	// job run hours late is usually worse than a failed run that alarms.
	DefaultMaxRetries = 3
	// DefaultMaxEventAge is how long Scheduler keeps retrying one run.
	DefaultMaxEventAge = time.Hour
	// DefaultAsyncRetries is how many times Lambda retries a run whose
	// handler returned an error (Lambda's own default).
	DefaultAsyncRetries = 2
	// DefaultMemoryMB and DefaultTimeout size the function.
	DefaultMemoryMB = 256
	DefaultTimeout  = time.Minute
	// DefaultQueueRetention keeps failed runs in the dead-letter queue for
	// the longest time SQS allows.
	DefaultQueueRetention = 14 * 24 * time.Hour
	// DefaultPayload is sent when a schedule has no payload.
	DefaultPayload = "{}"
)

// DefaultLogRetention applies to the function's logs.
const DefaultLogRetention = awslogs.RetentionDays_ONE_YEAR

// Limits EventBridge Scheduler and Lambda accept.
const (
	MaxRetries        = 185
	MinEventAge       = time.Minute
	MaxEventAge       = 24 * time.Hour
	MaxFlexibleWindow = 1440 * time.Minute
	// MaxAsyncRetries and MaxAsyncEventAge bound Lambda's asynchronous
	// invocation retries.
	MaxAsyncRetries  = 2
	MaxAsyncEventAge = 6 * time.Hour
)

// config is Props with every default applied: withDefaults makes it once,
// and validation and the builders read it.
type config struct {
	Props
	// retries and asyncRetries are Retry.MaxRetries and
	// Function.AsyncRetries, or their defaults; asyncAge bounds Lambda's
	// asynchronous retries (Retry.MaxEventAge, at most MaxAsyncEventAge).
	retries, asyncRetries int
	asyncAge              time.Duration
}

// withDefaults resolves every default of p.
func withDefaults(p *Props) *config {
	c := &config{Props: *p, retries: DefaultMaxRetries, asyncRetries: DefaultAsyncRetries}
	if p.Retry.MaxRetries != nil {
		c.retries = *p.Retry.MaxRetries
	}
	if p.Function.AsyncRetries != nil {
		c.asyncRetries = *p.Function.AsyncRetries
	}
	c.Retry.MaxEventAge = cmp.Or(p.Retry.MaxEventAge, DefaultMaxEventAge)
	c.asyncAge = min(c.Retry.MaxEventAge, MaxAsyncEventAge)
	f := &c.Function
	f.MemoryMB = cmp.Or(f.MemoryMB, DefaultMemoryMB)
	f.Timeout = cmp.Or(f.Timeout, DefaultTimeout)
	f.LogRetention = cmp.Or(f.LogRetention, DefaultLogRetention)
	c.DeadLetterQueue.Retention = cmp.Or(p.DeadLetterQueue.Retention, DefaultQueueRetention)
	c.Schedules = make([]Schedule, len(p.Schedules))
	for i, s := range p.Schedules {
		s.TimeZone = cmp.Or(s.TimeZone, DefaultTimeZone)
		c.Schedules[i] = s
	}
	return c
}
