package crawler_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/gureum-cdk/gureum/constructs/crawler"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
)

const entry = "../../functions/crawler"

var fixture = sync.OnceValues(func() (awscdk.Stack, *crawler.Crawler) {
	stack := cdktest.NewStack("Crawl")
	return stack, crawler.New(stack, "Crawler", &crawler.Props{
		URLs:  []string{"https://example.com/a", "https://example.org/"},
		Entry: entry,
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

func TestFunctionGetsExactlyWhatTheHandlerCalls(t *testing.T) {
	tp := template(t)
	var doc strings.Builder
	for _, p := range tp.Resources("AWS::IAM::Policy") {
		doc.WriteString(cdktest.JSON(p))
	}
	s := doc.String()
	for _, want := range []string{`"s3:PutObject"`, `"/pages/*"`, `"dynamodb:PutItem"`, `"lambda:InvokeFunction"`} {
		if !strings.Contains(s, want) {
			t.Errorf("policies lack %s", want)
		}
	}
	for _, not := range []string{`"s3:GetObject"`, `"s3:DeleteObject*"`, `"dynamodb:DeleteItem"`, `"dynamodb:Scan"`} {
		if strings.Contains(s, not) {
			t.Errorf("policies grant %s, which the crawler never calls", not)
		}
	}
	tp.Has(t, "AWS::Lambda::Function", map[string]any{"MemorySize": 512, "Timeout": 300, "Architectures": []any{"arm64"}})
}

func TestCdkNag(t *testing.T) {
	stack, _ := fixture()
	template(t)
	cdktest.NoNagFindings(t, stack)
}

func TestValidationMessages(t *testing.T) {
	long := "https://example.com/" + strings.Repeat("a", crawler.MaxURLBytes)
	cases := []struct {
		name  string
		props *crawler.Props
		want  string
	}{
		{"nil", nil, `crawler "Crawler": Props: must not be nil`},
		{"no URLs", &crawler.Props{}, `URLs: at least one URL is required`},
		{"scheme", &crawler.Props{URLs: []string{"ftp://example.com/"}}, `URLs[0]: "ftp://example.com/" must be an http or https URL`},
		{"no host", &crawler.Props{URLs: []string{"https:///x"}}, `URLs[0]: "https:///x" has no host`},
		{"too long", &crawler.Props{URLs: []string{long}}, `above the status table's 2048-byte key limit`},
		{"duplicate", &crawler.Props{URLs: []string{"https://a.example/", "https://a.example/"}}, `URLs[1]: "https://a.example/" is listed twice`},
		{"bad cron", &crawler.Props{URLs: []string{"https://a.example/"}, Schedule: "cron(0 6 * * * *)"}, `Schedule: `},
		{"concurrency", &crawler.Props{URLs: []string{"https://a.example/"}, Concurrency: -1}, `Concurrency: must not be negative`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := crawler.Validate(nil, "Crawler", c.props)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}
