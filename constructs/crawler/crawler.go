package crawler

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
	"github.com/gureum-cdk/gureum/constructs/internal/table"
	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
)

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

// New creates the crawler. It panics with a *validate.Error naming every
// invalid prop (see Validate) before it creates anything.
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

	c.Job = scheduledjob.New(c.Construct, "Job", jobProps(&p, handlerEnv(&p, *c.Bucket.BucketName(), *c.Table.TableName())))
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

// payload is the schedule's payload: the handler reads {"urls": [...]}.
func payload(urls []string) map[string][]string { return map[string][]string{"urls": urls} }

// handlerEnv is the handler's configuration for the given bucket and table.
func handlerEnv(p *Props, bucket, table string) map[string]string {
	env := map[string]string{"BUCKET": bucket, "TABLE_NAME": table}
	if p.UserAgent != "" {
		env["USER_AGENT"] = p.UserAgent
	}
	if p.MaxBodyBytes > 0 {
		env["MAX_BODY_BYTES"] = strconv.Itoa(p.MaxBodyBytes)
	}
	if p.Concurrency > 0 {
		env["CONCURRENCY"] = strconv.Itoa(p.Concurrency)
	}
	return env
}

// jobProps is the scheduled job that runs the crawl, with the defaults of
// defaults.go applied.
func jobProps(p *Props, env map[string]string) *scheduledjob.Props {
	window := p.FlexibleWindow
	switch {
	case window == 0:
		window = DefaultFlexibleWindow
	case window < 0:
		window = 0
	}
	return &scheduledjob.Props{
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
	}
}
