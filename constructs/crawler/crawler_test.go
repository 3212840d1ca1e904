package crawler_test

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/crawler"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

const entry = "../../functions/crawler"

// logKey is the fixture's LogEncryptionKey.
var logKey awskms.Key

var fixture = sync.OnceValues(func() (awscdk.Stack, *crawler.Crawler) {
	stack := cdktest.NewStack("Crawl")
	logKey = awskms.NewKey(stack, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	return stack, crawler.New(stack, "Crawler", &crawler.Props{
		URLs:             []string{"https://example.com/a", "https://example.org/"},
		Entry:            entry,
		LogEncryptionKey: logKey,
	})
})

var (
	once sync.Once
	tpl  *cdktest.Template
)

func template(t *testing.T) *cdktest.Template {
	t.Helper()
	once.Do(func() {
		stack, _ := fixture()
		tpl = cdktest.Synth(t, stack)
	})
	if tpl == nil {
		t.Fatal("fixture did not synthesize")
	}
	return tpl
}

func TestScheduleCarriesTheURLsInSeoulTime(t *testing.T) {
	tp := template(t)
	tp.Has(t, "AWS::Scheduler::Schedule", map[string]any{
		"ScheduleExpression":         "cron(0 6 * * ? *)",
		"ScheduleExpressionTimezone": "Asia/Seoul",
		"FlexibleTimeWindow":         map[string]any{"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15},
		"Target":                     map[string]any{"Input": `{"urls":["https://example.com/a","https://example.org/"]}`},
	})
}

func TestPagesAndStatusAreDurable(t *testing.T) {
	tp := template(t)
	tp.Count(t, "AWS::S3::Bucket", 2)
	for id, b := range tp.Resources("AWS::S3::Bucket") {
		if b["DeletionPolicy"] != "Retain" {
			t.Errorf("bucket %s is not retained", id)
		}
	}
	tp.HasResource(t, "AWS::DynamoDB::GlobalTable", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"KeySchema": []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}},
			"Replicas": []any{map[string]any{
				"DeletionProtectionEnabled":        true,
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			}},
		},
	})
}

// The pages bucket is a data bucket: SSE-KMS with the crawler's own
// rotating, retained key. Its access log bucket stays on SSE-S3, which S3
// server access logging needs.
func TestPagesBucketUsesTheCrawlersKey(t *testing.T) {
	tp := template(t)
	stack, c := fixture()
	key := *stack.GetLogicalId(c.Key.Node().DefaultChild().(awscdk.CfnElement))
	tp.HasResource(t, "AWS::KMS::Key", map[string]any{"DeletionPolicy": "Retain", "Properties": map[string]any{"EnableKeyRotation": true}})
	pages := cdktest.JSON(cdktest.Properties(tp.Resources("AWS::S3::Bucket")[logicalID(t, tp, "AWS::S3::Bucket", "CrawlerPages")])["BucketEncryption"])
	for _, want := range []string{`"SSEAlgorithm":"aws:kms"`, `"KMSMasterKeyID":` + arn(key)} {
		if !strings.Contains(pages, want) {
			t.Errorf("pages bucket encryption %s lacks %s", pages, want)
		}
	}
	logs := cdktest.JSON(cdktest.Properties(tp.Resources("AWS::S3::Bucket")[logicalID(t, tp, "AWS::S3::Bucket", "CrawlerAccessLogs")])["BucketEncryption"])
	if !strings.Contains(logs, `"SSEAlgorithm":"AES256"`) {
		t.Errorf("access log bucket encryption = %s, want SSE-S3", logs)
	}
}

func TestLogEncryptionKey(t *testing.T) {
	tp := template(t)
	_, c := fixture()
	tp.LogGroupsUseKey(t, c.Construct, logKey)
}

// statements returns the IAM statements of the policies attached to the role
// with logical ID role, each rendered as "actions -> resource" with its
// actions sorted, sorted.
func statements(t *testing.T, tp *cdktest.Template, role string) []string {
	t.Helper()
	var out []string
	for _, p := range tp.Resources("AWS::IAM::Policy") {
		props := cdktest.Properties(p)
		if cdktest.JSON(props["Roles"]) != cdktest.JSON([]any{map[string]any{"Ref": role}}) {
			continue
		}
		doc, _ := props["PolicyDocument"].(map[string]any)
		list, _ := doc["Statement"].([]any)
		for _, s := range list {
			st, _ := s.(map[string]any)
			if st["Effect"] != "Allow" || st["Condition"] != nil || st["NotAction"] != nil || st["NotResource"] != nil {
				t.Errorf("role %s: unexpected statement %s", role, cdktest.JSON(st))
			}
			var actions []string
			switch a := st["Action"].(type) {
			case string:
				actions = []string{a}
			case []any:
				for _, x := range a {
					actions = append(actions, x.(string))
				}
			}
			sort.Strings(actions)
			out = append(out, strings.Join(actions, " ")+" -> "+cdktest.JSON(st["Resource"]))
		}
	}
	sort.Strings(out)
	return out
}

// logicalID returns the logical ID of the one resource of type typ whose ID
// starts with prefix.
func logicalID(t *testing.T, tp *cdktest.Template, typ, prefix string) string {
	t.Helper()
	var ids []string
	for id := range tp.Resources(typ) {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%s resources named %s*: %v, want exactly one", typ, prefix, ids)
	}
	return ids[0]
}

func arn(id string) string { return cdktest.JSON(map[string]any{"Fn::GetAtt": []any{id, "Arn"}}) }

// Each action is bound to the one resource the handler (or Lambda, or
// Scheduler) uses it on, and there is nothing else.
func TestFunctionGetsExactlyWhatTheHandlerCalls(t *testing.T) {
	tp := template(t)
	pages := logicalID(t, tp, "AWS::S3::Bucket", "CrawlerPages")
	status := logicalID(t, tp, "AWS::DynamoDB::GlobalTable", "CrawlerStatus")
	logs := logicalID(t, tp, "AWS::Logs::LogGroup", "CrawlerJobFunctionLogs")
	dlq := logicalID(t, tp, "AWS::SQS::Queue", "CrawlerJobDeadLetterQueue")
	fn := logicalID(t, tp, "AWS::Lambda::Function", "CrawlerJobFunction")
	fnRole := logicalID(t, tp, "AWS::IAM::Role", "CrawlerJobFunctionRole")
	schedulerRole := logicalID(t, tp, "AWS::IAM::Role", "CrawlerJobSchedulerRole")

	want := map[string][]string{
		fnRole: {
			"dynamodb:PutItem -> " + arn(status),
			"kms:GenerateDataKey -> " + arn(logicalID(t, tp, "AWS::KMS::Key", "CrawlerKey")),
			"logs:CreateLogStream logs:PutLogEvents -> " + arn(logs),
			"s3:PutObject -> " + cdktest.JSON(map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Fn::GetAtt": []any{pages, "Arn"}}, "/pages/*"}}}),
			"sqs:GetQueueAttributes sqs:GetQueueUrl sqs:SendMessage -> " + arn(dlq),
			`xray:PutTelemetryRecords xray:PutTraceSegments -> "*"`,
		},
		schedulerRole: {
			"lambda:InvokeFunction -> " + arn(fn),
			"sqs:GetQueueAttributes sqs:GetQueueUrl sqs:SendMessage -> " + arn(dlq),
		},
	}
	for role, w := range want {
		if got := statements(t, tp, role); strings.Join(got, "\n") != strings.Join(w, "\n") {
			t.Errorf("role %s allows:\n%s\nwant exactly:\n%s", role, strings.Join(got, "\n"), strings.Join(w, "\n"))
		}
	}
	tp.Count(t, "AWS::IAM::Policy", 2)
	tp.Has(t, "AWS::Lambda::Function", map[string]any{"MemorySize": 512, "Timeout": 300, "Architectures": []any{"arm64"}})
}

func TestCdkNag(t *testing.T) {
	stack, _ := fixture()
	template(t)
	cdktest.NoNagFindings(t, stack)
}

func TestValidationMessages(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", crawler.MaxURLBytes)
	ok := []string{"https://a.example/"}
	missing, _ := filepath.Abs("nope")
	cases := []struct {
		name  string
		props *crawler.Props
		want  []string
	}{
		{"nil", nil, []string{"Props: must not be nil: URLs is required"}},
		{"no URLs", &crawler.Props{}, []string{"URLs: at least one URL is required"}},
		{"scheme", &crawler.Props{URLs: []string{"ftp://example.com/"}}, []string{`URLs[0]: "ftp://example.com/" must be an http or https URL`}},
		{"no host", &crawler.Props{URLs: []string{"https:///x"}}, []string{`URLs[0]: "https:///x" has no host`}},
		{"too long", &crawler.Props{URLs: []string{long}}, []string{"URLs[0]: is 2068 bytes, above the status table's 2048-byte key limit"}},
		{"duplicate", &crawler.Props{URLs: []string{"https://a.example/", "https://a.example/"}}, []string{`URLs[1]: "https://a.example/" is listed twice`}},
		{"bad cron", &crawler.Props{URLs: ok, Schedule: "cron(0 6 * * * *)"},
			[]string{`Schedule: "cron(0 6 * * * *)": exactly one of day-of-month and day-of-week must be "?"`}},
		{"time zone", &crawler.Props{URLs: ok, TimeZone: "Mars/Olympus"},
			[]string{`TimeZone: "Mars/Olympus" is not an IANA time zone (such as "Asia/Seoul" or "UTC")`}},
		{"window", &crawler.Props{URLs: ok, FlexibleWindow: 90 * time.Second},
			[]string{"FlexibleWindow: 1m30s is not a whole number of minutes between 1 and 1440"}},
		{"sizes", &crawler.Props{URLs: ok, MemoryMB: 64, Timeout: 20 * time.Minute}, []string{
			"MemoryMB: 64 is outside Lambda's range 128..10240",
			"Timeout: 20m0s is outside Lambda's range 1s..15m",
		}},
		{"entry", &crawler.Props{URLs: ok, Entry: "nope"}, []string{`Entry: "nope" (` + missing + `) does not exist: a directory entry is relative to the app's working directory; ` +
			`name the handler by its Go import path (such as "github.com/gureum-cdk/gureum/functions/crawler") to build it from any directory of any app that requires its module`}},
		{"handler settings", &crawler.Props{URLs: ok, UserAgent: "bot\r\nX-Evil: 1", MaxBodyBytes: -1, Concurrency: -1}, []string{
			`UserAgent: "bot\r\nX-Evil: 1" holds a control character, which no HTTP header may`,
			"MaxBodyBytes: must not be negative",
			"Concurrency: must not be negative",
		}},
		{"key with an existing bucket", &crawler.Props{URLs: ok,
			ExistingBucket: awss3.Bucket_FromBucketName(cdktest.NewStack("Keys"), jsii.String("B"), jsii.String("pages")),
			ExistingKey:    awskms.Key_FromKeyArn(cdktest.NewStack("Keys2"), jsii.String("K"), jsii.String("arn:aws:kms:ap-northeast-2:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0")),
		}, []string{"ExistingKey: applies to the bucket the construct creates, not to ExistingBucket (encrypt that bucket yourself)"}},
		{"all at once", &crawler.Props{URLs: []string{"ftp://x/"}, Schedule: "daily", TimeZone: "Local", FlexibleWindow: 25 * time.Hour, Timeout: time.Millisecond}, []string{
			`URLs[0]: "ftp://x/" must be an http or https URL`,
			`Schedule: "daily" is not a "cron(...)", "rate(...)" or "at(...)" expression`,
			`TimeZone: "Local" is not an IANA time zone (such as "Asia/Seoul" or "UTC")`,
			"FlexibleWindow: 25h0m0s is not a whole number of minutes between 1 and 1440",
			"Timeout: 1ms is outside Lambda's range 1s..15m",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := crawler.Validate(nil, "Crawler", c.props)
			want := `crawler "Crawler": ` + c.want[0]
			if len(c.want) > 1 {
				want = fmt.Sprintf(`crawler "Crawler": %d invalid props:`, len(c.want)) + "\n  - " + strings.Join(c.want, "\n  - ")
			}
			if err == nil || err.Error() != want {
				t.Errorf("error:\n%v\nwant:\n%s", err, want)
			}
		})
	}
	for _, p := range []*crawler.Props{
		{URLs: ok}, // DefaultEntry, an import path, resolves from here
		{URLs: ok, Entry: entry, Schedule: "rate(6 hours)", TimeZone: "UTC", FlexibleWindow: -1, MemoryMB: 128, Timeout: 15 * time.Minute, UserAgent: "bot/1.0 (+https://a.example/bot)"},
	} {
		if err := crawler.Validate(nil, "Crawler", p); err != nil {
			t.Errorf("valid props %+v: %v", p, err)
		}
	}
}

// A prop only the scheduled job checks stops the crawler before the bucket
// and the table exist, named as the crawler's prop.
func TestNewCreatesNothingWhenInvalid(t *testing.T) {
	stack := cdktest.NewStack("Bad")
	err := validate.Catch(func() {
		crawler.New(stack, "Crawler", &crawler.Props{URLs: []string{"https://a.example/"}, Entry: entry, TimeZone: "Mars/Olympus", MemoryMB: 64})
	})
	want := []string{`TimeZone: "Mars/Olympus" is not an IANA time zone (such as "Asia/Seoul" or "UTC")`, "MemoryMB: 64 is outside Lambda's range 128..10240"}
	if err == nil || err.Kind != "crawler" || err.Path != "Bad/Crawler" || strings.Join(err.Problems, "\n") != strings.Join(want, "\n") {
		t.Fatalf("New = %v, want crawler \"Bad/Crawler\" with %q", err, want)
	}
	if n := len(*stack.Node().Children()); n != 0 {
		t.Errorf("the stack holds %d constructs after a failed New, want none", n)
	}
}
