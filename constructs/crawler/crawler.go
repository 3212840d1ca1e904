package crawler

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
	"github.com/gureum-cdk/gureum/constructs/internal/table"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
)

// Props configures a Crawler. Only URLs is required.
type Props struct {
	// URLs are fetched on every run; they travel in the schedule's payload,
	// so changing the list is a deploy. Required.
	URLs []string
	// Entry is the handler's main package. Default: "functions/crawler".
	Entry string
	// Schedule is a cron or rate expression. Default: 06:00 every day.
	Schedule string
	// TimeZone of the schedule. Default: "Asia/Seoul".
	TimeZone string
	// FlexibleWindow lets a run start that much later. Default: 15 minutes;
	// a negative value turns it off.
	FlexibleWindow time.Duration
	// MemoryMB and Timeout size the function. Default: 512 MB, 5 minutes.
	MemoryMB int
	Timeout  time.Duration
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
	// ExistingTable records the status instead of a new table; its partition
	// key must be the string attribute "pk".
	ExistingTable awsdynamodb.ITableV2
	// AlarmTopic receives the job's failure and dead-letter alarms.
	AlarmTopic awssns.ITopic
}

// Crawler is a scheduled crawler and what it made.
type Crawler struct {
	constructs.Construct
	// Job is the scheduled job: function, schedules, dead-letter queue, alarms.
	Job *scheduledjob.Job
	// Bucket holds the pages (created, or Props.ExistingBucket).
	Bucket awss3.IBucket
	// AccessLogs receives the created bucket's server access logs (nil with
	// ExistingBucket).
	AccessLogs awss3.Bucket
	// Table records each URL's status (created, or Props.ExistingTable).
	Table awsdynamodb.ITableV2
}

// Validate reports every invalid prop without creating anything.
func Validate(scope constructs.Construct, id string, props *Props) error {
	v := validate.New("crawler", scope, id)
	if props == nil {
		v.Addf("Props", "must not be nil: URLs is required")
		return v.Err()
	}
	v.Check(len(props.URLs) > 0, "URLs", "at least one URL is required")
	seen := map[string]bool{}
	for i, raw := range props.URLs {
		prop := fmt.Sprintf("URLs[%d]", i)
		u, err := url.Parse(raw)
		switch {
		case err != nil:
			v.Addf(prop, "%q is not a URL: %v", raw, err)
		case u.Scheme != "http" && u.Scheme != "https":
			v.Addf(prop, "%q must be an http or https URL", raw)
		case u.Host == "":
			v.Addf(prop, "%q has no host", raw)
		case len(raw) > MaxURLBytes:
			v.Addf(prop, "is %d bytes, above the status table's %d-byte key limit", len(raw), MaxURLBytes)
		case seen[raw]:
			v.Addf(prop, "%q is listed twice", raw)
		}
		seen[raw] = true
	}
	if b, _ := json.Marshal(payload(props.URLs)); len(b) > MaxPayloadBytes {
		v.Addf("URLs", "the list is %d bytes as a payload, above EventBridge Scheduler's %d", len(b), MaxPayloadBytes)
	}
	if props.Schedule != "" {
		if err := scheduledjob.CheckExpression(props.Schedule); err != nil {
			v.Addf("Schedule", "%v", err)
		}
	}
	v.Check(props.MaxBodyBytes >= 0, "MaxBodyBytes", "must not be negative")
	v.Check(props.Concurrency >= 0, "Concurrency", "must not be negative")
	return v.Err()
}

func payload(urls []string) map[string][]string { return map[string][]string{"urls": urls} }

// New creates the crawler. It panics with a *validate.Error naming every
// invalid prop before it creates anything; the scheduled job validates the
// rest (time zone, window, sizes) the same way.
func New(scope constructs.Construct, id string, props *Props) *Crawler {
	if err := Validate(scope, id, props); err != nil {
		panic(err)
	}
	p := *props
	c := &Crawler{Construct: constructs.NewConstruct(scope, jsii.String(id)), Bucket: p.ExistingBucket, Table: p.ExistingTable}
	if c.Bucket == nil {
		c.AccessLogs = securebucket.NewAccessLogs(c.Construct, "AccessLogs", false)
		c.Bucket = securebucket.New(c.Construct, "Pages", securebucket.Props{
			AccessLogs: c.AccessLogs,
			LifecycleRules: []*awss3.LifecycleRule{{
				Id:                          jsii.String("expire-old-page-versions"),
				NoncurrentVersionExpiration: awscdkDays(30),
			}},
		})
	}
	if c.Table == nil {
		c.Table = table.New(c.Construct, "Status", table.Props{PartitionKey: table.StringKey("pk")})
	}

	env := map[string]string{"BUCKET": *c.Bucket.BucketName(), "TABLE_NAME": *c.Table.TableName()}
	if p.UserAgent != "" {
		env["USER_AGENT"] = p.UserAgent
	}
	if p.MaxBodyBytes > 0 {
		env["MAX_BODY_BYTES"] = strconv.Itoa(p.MaxBodyBytes)
	}
	if p.Concurrency > 0 {
		env["CONCURRENCY"] = strconv.Itoa(p.Concurrency)
	}
	window := p.FlexibleWindow
	switch {
	case window == 0:
		window = DefaultFlexibleWindow
	case window < 0:
		window = 0
	}
	c.Job = scheduledjob.New(c.Construct, "Job", &scheduledjob.Props{
		Entry:       or(p.Entry, DefaultEntry),
		Description: "Crawls the URLs in its schedule's payload into S3 and records their status in DynamoDB",
		Schedules: []scheduledjob.Schedule{{
			Name:           "crawl",
			Expression:     or(p.Schedule, DefaultSchedule),
			TimeZone:       or(p.TimeZone, DefaultTimeZone),
			FlexibleWindow: window,
			Payload:        payload(p.URLs),
		}},
		Function: scheduledjob.Function{
			MemoryMB:    orInt(p.MemoryMB, DefaultMemoryMB),
			Timeout:     orDuration(p.Timeout, DefaultTimeout),
			Environment: env,
		},
		Alarms: scheduledjob.Alarms{Topic: p.AlarmTopic},
	})
	// Exactly what the handler calls: PutObject under pages/, PutItem on the table.
	c.Job.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:PutObject"),
		Resources: &[]*string{c.Bucket.ArnForObjects(jsii.String("pages/*"))},
	}))
	c.Job.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:PutItem"),
		Resources: &[]*string{c.Table.TableArn()},
	}))
	if key := c.Bucket.EncryptionKey(); key != nil {
		key.GrantEncrypt(c.Job.Function)
	}
	nag.Suppress(c.Job.FunctionRole, "AwsSolutions-IAM5",
		"The crawler writes one object per page under pages/<host>/<hash>.html; the keys are not known before the run.",
		`/^Resource::<.*\.Arn>\/pages\/\*$/`)
	return c
}
