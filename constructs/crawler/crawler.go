package crawler

import (
	"strconv"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
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
	// Key encrypts the created bucket (created, or Props.ExistingKey; nil
	// with ExistingBucket).
	Key awskms.IKey
	// AccessLogs receives the created bucket's server access logs (nil with
	// ExistingBucket).
	AccessLogs awss3.Bucket
	// Table records each URL's status (created, or Props.ExistingTable).
	Table awsdynamodb.ITableV2
	// AlarmTopic receives the job's alarms (Job.AlarmTopic):
	// Props.Alarms.Topic, or the stack's shared alarm topic.
	AlarmTopic awssns.ITopic
}

// New creates the crawler. It panics with a *validate.Error naming every
// invalid prop (see Validate) before it creates anything.
func New(scope constructs.Construct, id string, props *Props) *Crawler {
	cfg, err := resolve(scope, id, props)
	if err != nil {
		panic(err)
	}
	c := &Crawler{Construct: constructs.NewConstruct(scope, jsii.String(id)), Bucket: cfg.ExistingBucket, Table: cfg.ExistingTable}
	if c.Bucket == nil {
		c.Key = cfg.ExistingKey
		if c.Key == nil {
			c.Key = awskms.NewKey(c.Construct, jsii.String("Key"), &awskms.KeyProps{
				Description:       jsii.String("Encrypts the crawled pages of " + *c.Node().Path()),
				EnableKeyRotation: jsii.Bool(true),
				RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
			})
		}
		c.AccessLogs = securebucket.NewAccessLogs(c.Construct, "AccessLogs", false)
		c.Bucket = securebucket.New(c.Construct, "Pages", securebucket.Props{
			EncryptionKey: c.Key,
			AccessLogs:    c.AccessLogs,
			LifecycleRules: []*awss3.LifecycleRule{{
				Id:                          jsii.String("expire-old-page-versions"),
				NoncurrentVersionExpiration: awscdkDays(30),
			}},
		})
	}
	if c.Table == nil {
		c.Table = table.New(c.Construct, "Status", table.Props{PartitionKey: table.StringKey("pk")})
	}

	c.Job = scheduledjob.New(c.Construct, "Job", jobProps(cfg, handlerEnv(cfg, *c.Bucket.BucketName(), *c.Table.TableName())))
	c.AlarmTopic = c.Job.AlarmTopic
	// Exactly what the handler calls: PutObject under pages/, PutItem on the table.
	c.Job.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:PutObject"),
		Resources: &[]*string{c.Bucket.ArnForObjects(jsii.String("pages/*"))},
	}))
	c.Job.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("dynamodb:PutItem"),
		Resources: &[]*string{c.Table.TableArn()},
	}))
	// A single PutObject to an SSE-KMS bucket needs a data key only.
	if key := c.Bucket.EncryptionKey(); key != nil {
		c.Job.Function.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions:   jsii.Strings("kms:GenerateDataKey"),
			Resources: &[]*string{key.KeyArn()},
		}))
	}
	nag.Suppress(c.Job.FunctionRole, "AwsSolutions-IAM5",
		"The crawler writes one object per page under pages/<host>/<hash>.html; the keys are not known before the run.",
		`/^Resource::<.*\.Arn>\/pages\/\*$/`)
	return c
}

// payload is the schedule's payload: the handler reads {"urls": [...]}.
func payload(urls []string) map[string][]string { return map[string][]string{"urls": urls} }

// handlerEnv is the handler's configuration for the given bucket and table.
func handlerEnv(c *config, bucket, table string) map[string]string {
	env := map[string]string{"BUCKET": bucket, "TABLE_NAME": table}
	if c.UserAgent != "" {
		env["USER_AGENT"] = c.UserAgent
	}
	if c.MaxBodyBytes > 0 {
		env["MAX_BODY_BYTES"] = strconv.Itoa(c.MaxBodyBytes)
	}
	if c.Concurrency > 0 {
		env["CONCURRENCY"] = strconv.Itoa(c.Concurrency)
	}
	return env
}

// jobProps is the scheduled job that runs the crawl.
func jobProps(c *config, env map[string]string) *scheduledjob.Props {
	return &scheduledjob.Props{
		Entry:       c.Entry,
		Description: "Crawls the URLs in its schedule's payload into S3 and records their status in DynamoDB",
		Schedules: []scheduledjob.Schedule{{
			Name:           "crawl",
			Expression:     c.Schedule,
			TimeZone:       c.TimeZone,
			FlexibleWindow: c.FlexibleWindow,
			Payload:        payload(c.URLs),
		}},
		Function: scheduledjob.Function{
			MemoryMB:    c.MemoryMB,
			Timeout:     c.Timeout,
			Environment: env,
		},
		Alarms:           scheduledjob.Alarms{Topic: c.Alarms.Topic},
		LogEncryptionKey: c.LogEncryptionKey,
	}
}
