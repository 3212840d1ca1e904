package securebucket_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
)

// Server access logs work in an app without the CDK's
// serverAccessLogsUseBucketPolicy feature flag: delivery is granted by the
// log bucket's policy, never by the LogDeliveryWrite ACL that
// bucket-owner-enforced ownership forbids.
func TestAccessLogsUseTheBucketPolicy(t *testing.T) {
	stack := cdktest.NewStack("Buckets")
	logs := securebucket.NewAccessLogs(stack, "Logs", false)
	securebucket.New(stack, "Data", securebucket.Props{AccessLogs: logs})
	securebucket.New(stack, "More", securebucket.Props{AccessLogs: logs, AccessLogsPrefix: "more-logs/"})
	tpl := cdktest.Synth(t, stack)

	tpl.Count(t, "AWS::S3::Bucket", 3)
	for id, b := range tpl.Resources("AWS::S3::Bucket") {
		p := b["Properties"].(map[string]any)
		if _, ok := p["AccessControl"]; ok {
			t.Errorf("%s uses an ACL: %v", id, p["AccessControl"])
		}
		if s := mustJSON(p["OwnershipControls"]); !strings.Contains(s, "BucketOwnerEnforced") {
			t.Errorf("%s ownership: %s", id, s)
		}
		if b["DeletionPolicy"] != "Retain" {
			t.Errorf("%s is not retained", id)
		}
	}
	tpl.Has(t, "AWS::S3::Bucket", map[string]any{
		"LoggingConfiguration": map[string]any{"DestinationBucketName": map[string]any{"Ref": logicalID(t, tpl, "Logs")}, "LogFilePrefix": "Data/"},
	})
	tpl.Has(t, "AWS::S3::Bucket", map[string]any{
		"LoggingConfiguration": map[string]any{"DestinationBucketName": map[string]any{"Ref": logicalID(t, tpl, "Logs")}, "LogFilePrefix": "more-logs/"},
	})
	var policy string
	for _, bp := range tpl.Resources("AWS::S3::BucketPolicy") {
		if s := mustJSON(bp); strings.Contains(s, "logging.s3.amazonaws.com") {
			policy = s
		}
	}
	for _, want := range []string{
		`"aws:SourceArn":{"Fn::GetAtt":["` + logicalID(t, tpl, "Data") + `","Arn"]}`,
		`"aws:SourceArn":{"Fn::GetAtt":["` + logicalID(t, tpl, "More") + `","Arn"]}`,
		`"aws:SourceAccount":"123456789012"`, `"/Data/*"`, `"/more-logs/*"`, `"Action":"s3:PutObject"`,
	} {
		if !strings.Contains(policy, want) {
			t.Errorf("log bucket policy lacks %s:\n%s", want, policy)
		}
	}
	cdktest.NoNagFindings(t, stack)
}

func logicalID(t *testing.T, tpl *cdktest.Template, prefix string) string {
	t.Helper()
	for id := range tpl.Resources("AWS::S3::Bucket") {
		if strings.HasPrefix(id, prefix) {
			return id
		}
	}
	t.Fatalf("no bucket %s*", prefix)
	return ""
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
