package datalake_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/gureum-cdk/gureum/constructs/datalake"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/functions/lakepromote"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from its golden file (go test -update rewrites it):\n got:\n%s\nwant:\n%s", name, got, want)
	}
}

// glueTable returns the declared table named name under prefix.
func glueTable(t *testing.T, f *fixture, prefix, name string) (map[string]any, map[string]any) {
	t.Helper()
	for _, r := range scoped(f, "AWS::Glue::Table", prefix) {
		p := cdktest.Properties(r)
		if in := p["TableInput"].(map[string]any); in["Name"] == name {
			return r, p
		}
	}
	t.Fatalf("no Glue table %s under %s", name, prefix)
	return nil, nil
}

func TestIcebergTable(t *testing.T) {
	f := synth(t)
	r, p := glueTable(t, f, "Tables", "play_events")
	if r["DeletionPolicy"] != "Retain" || r["UpdateReplacePolicy"] != "Retain" {
		t.Errorf("the Iceberg table is not retained: %v %v", r["DeletionPolicy"], r["UpdateReplacePolicy"])
	}
	if got := cdktest.JSON(p["DatabaseName"]); !strings.Contains(got, "TablesCuratedDatabase") {
		t.Errorf("database = %s, want the curated zone's", got)
	}
	ice := p["OpenTableFormatInput"].(map[string]any)["IcebergInput"].(map[string]any)
	if ice["MetadataOperation"] != "CREATE" || ice["Version"] != "2" {
		t.Errorf("IcebergInput = %s", cdktest.JSON(ice))
	}
	in := ice["IcebergTableInput"].(map[string]any)
	if got := cdktest.JSON(in["Location"]); !strings.Contains(got, `"/iceberg/play_events/"`) || !strings.Contains(got, "TablesCuratedZone") {
		t.Errorf("location = %s", got)
	}
	want := map[string]string{
		"Schema": `{"Fields":[{"Id":1,"Name":"player_id","Required":true,"Type":"string"},{"Id":2,"Name":"event_type","Required":true,"Type":"string"},` +
			`{"Id":3,"Name":"score","Required":false,"Type":"long"},{"Doc":"when the event happened (UTC)","Id":4,"Name":"ts","Required":true,"Type":"timestamp"}],` +
			`"IdentifierFieldIds":[1,2,4],"SchemaId":0,"Type":"struct"}`,
		"PartitionSpec": `{"Fields":[{"FieldId":1000,"Name":"ts_day","SourceId":4,"Transform":"day"},{"FieldId":1001,"Name":"event_type","SourceId":2,"Transform":"identity"}],"SpecId":0}`,
		"Properties":    `{"write.format.default":"parquet","write.parquet.compression-codec":"zstd"}`,
	}
	for field, w := range want {
		if got := cdktest.JSON(in[field]); got != w {
			t.Errorf("%s:\n got %s\nwant %s", field, got, w)
		}
	}
	_, prof := glueTable(t, f, "Profiles", "profiles")
	spec := prof["OpenTableFormatInput"].(map[string]any)["IcebergInput"].(map[string]any)["IcebergTableInput"].(map[string]any)["PartitionSpec"]
	if got := cdktest.JSON(spec); got != `{"Fields":[{"FieldId":1000,"Name":"player_id_bucket","SourceId":1,"Transform":"bucket[16]"}],"SpecId":0}` {
		t.Errorf("bucket partition spec = %s", got)
	}
}

func TestRawTable(t *testing.T) {
	f := synth(t)
	r, p := glueTable(t, f, "Tables", "play_events_raw")
	if r["DeletionPolicy"] != "Retain" {
		t.Errorf("raw table not retained")
	}
	in := p["TableInput"].(map[string]any)
	params := in["Parameters"].(map[string]any)
	for k, want := range map[string]string{
		"classification": `"parquet"`, "projection.enabled": `"true"`,
		"projection.year.type": `"integer"`, "projection.month.range": `"1,12"`, "projection.month.digits": `"2"`, "projection.day.digits": `"2"`,
		"storage.location.template": `/play_events_raw/year=${year}/month=${month}/day=${day}/"]]}`,
	} {
		if got := cdktest.JSON(params[k]); !strings.HasSuffix(got, want) {
			t.Errorf("parameter %s = %s, want suffix %s", k, got, want)
		}
	}
	if got := cdktest.JSON(in["PartitionKeys"]); got != `[{"Name":"year","Type":"int"},{"Name":"month","Type":"int"},{"Name":"day","Type":"int"}]` {
		t.Errorf("partition keys = %s", got)
	}
	sd := cdktest.JSON(in["StorageDescriptor"])
	for _, want := range []string{`"SerializationLibrary":"org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"`, `{"Name":"ts","Type":"timestamp"}`} {
		if !strings.Contains(sd, want) {
			t.Errorf("storage descriptor lacks %s: %s", want, sd)
		}
	}
	_, jp := glueTable(t, f, "Profiles", "profile_updates")
	jsd := cdktest.JSON(jp["TableInput"].(map[string]any)["StorageDescriptor"])
	if want := `"SerdeInfo":{"Parameters":{"timestamp.formats":"yyyy-MM-dd'T'HH:mm:ss.SSSZZ,yyyy-MM-dd'T'HH:mm:ssZZ,millis"},"SerializationLibrary":"org.apache.hive.hcatalog.data.JsonSerDe"}`; !strings.Contains(jsd, want) {
		t.Errorf("JSON table serde: %s", jsd)
	}
	if !strings.Contains(jsd, `"/updates/"]]}`) {
		t.Errorf("JSON table location: %s", jsd)
	}
}

func TestCrawlersSkipDeclaredTables(t *testing.T) {
	f := synth(t)
	excl := func(prefix, zone string) string {
		c := cdktest.Properties(one(t, f, "AWS::Glue::Crawler", prefix, zone+"Crawler"))
		return cdktest.JSON(c["Targets"].(map[string]any)["S3Targets"].([]any)[0].(map[string]any)["Exclusions"])
	}
	for _, c := range []struct{ prefix, zone, want string }{
		{"Lake", "Raw", `["errors/**"]`},
		{"Tables", "Raw", `["errors/**","play_events_raw/**"]`},
		{"Tables", "Curated", `["errors/**","iceberg/**"]`},
		{"Profiles", "Analytics", `["errors/**","iceberg/**"]`},
	} {
		if got := excl(c.prefix, c.zone); got != c.want {
			t.Errorf("%s %s crawler exclusions = %s, want %s", c.prefix, c.zone, got, c.want)
		}
	}
}

func TestParquetIngestion(t *testing.T) {
	f := synth(t)
	s3 := cdktest.Properties(cdktest.Only(t, scoped(f, "AWS::KinesisFirehose::DeliveryStream", "Tables")))["ExtendedS3DestinationConfiguration"].(map[string]any)
	if got := s3["Prefix"]; got != "play_events_raw/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/" {
		t.Errorf("prefix = %v, want the raw table's", got)
	}
	if got, set := s3["CompressionFormat"]; set && got != "UNCOMPRESSED" {
		t.Errorf("object compression = %v, want none (Parquet compresses itself)", got)
	}
	conv := cdktest.JSON(s3["DataFormatConversionConfiguration"])
	for _, want := range []string{
		`"Enabled":true`,
		`"HiveJsonSerDe":{"TimestampFormats":["yyyy-MM-dd'T'HH:mm:ss.SSSZZ","yyyy-MM-dd'T'HH:mm:ssZZ","millis"]}`,
		`"ParquetSerDe":{"Compression":"SNAPPY"}`,
		`"DatabaseName":{"Ref":"TablesRawDatabase`, `"TableName":{"Ref":"TablesRawTablePlayEventsRaw`,
	} {
		if !strings.Contains(conv, want) {
			t.Errorf("conversion lacks %s: %s", want, conv)
		}
	}
	if got := cdktest.JSON(s3["BufferingHints"]); got != `{"IntervalInSeconds":300,"SizeInMBs":64}` {
		t.Errorf("buffering = %s", got)
	}
	plain := cdktest.Properties(cdktest.Only(t, scoped(f, "AWS::KinesisFirehose::DeliveryStream", "Lake")))["ExtendedS3DestinationConfiguration"].(map[string]any)
	if _, ok := plain["DataFormatConversionConfiguration"]; ok {
		t.Error("the default stream converts records")
	}
}

// definition resolves a state machine's DefinitionString: CloudFormation
// references become fixed stand-ins.
func definition(t *testing.T, sm map[string]any) map[string]any {
	t.Helper()
	var b strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			b.WriteString(x)
		case map[string]any:
			if j, ok := x["Fn::Join"]; ok {
				for _, part := range j.([]any)[1].([]any) {
					walk(part)
				}
				return
			}
			if ref, ok := x["Ref"]; ok {
				if ref == "AWS::Partition" {
					b.WriteString("aws")
				} else {
					b.WriteString("ref-" + ref.(string))
				}
				return
			}
			if ga, ok := x["Fn::GetAtt"]; ok {
				b.WriteString("arn:aws:lambda:ap-northeast-2:123456789012:function:" + ga.([]any)[0].(string))
				return
			}
			t.Fatalf("definition holds %s", cdktest.JSON(x))
		}
	}
	walk(cdktest.Properties(sm)["DefinitionString"])
	var def map[string]any
	if err := json.Unmarshal([]byte(b.String()), &def); err != nil {
		t.Fatalf("the definition is not JSON: %v\n%s", err, b.String())
	}
	return def
}

// aslValidate checks a definition with asl-validator (npm), the Amazon
// States Language's JSON schema and path checks.
func aslValidate(t *testing.T, def map[string]any) {
	t.Helper()
	root, _ := filepath.Abs("../..")
	mod := filepath.Join(root, "node_modules", "asl-validator")
	if _, err := os.Stat(mod); err != nil {
		t.Fatalf("asl-validator is not installed in %s: run scripts/setup", filepath.Dir(mod))
	}
	cmd := exec.Command("node", "-e", `
const validate = require(process.argv[1]);
let input = ""; process.stdin.on("data", d => input += d).on("end", () => {
  const r = validate(JSON.parse(input));
  console.log(JSON.stringify(r.errors));
  process.exit(r.isValid ? 0 : 1);
});`, mod)
	cmd.Stdin = strings.NewReader(cdktest.JSON(def))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Errorf("asl-validator rejects the definition (%v): %s", err, out.String())
	}
}

func TestPromotionStateMachine(t *testing.T) {
	f := synth(t)
	sm := one(t, f, "AWS::StepFunctions::StateMachine", "Tables", "PromotePlayEvents")
	def := definition(t, sm)
	aslValidate(t, def)

	// Whether the validator can fail: a Map without its processor.
	broken := definition(t, sm)
	delete(broken["States"].(map[string]any)["EachPartition"].(map[string]any), "ItemProcessor")
	cmd := exec.Command("node", "-e", `process.exit(require(process.argv[1])(JSON.parse(process.argv[2])).isValid ? 0 : 1)`,
		filepath.Join("..", "..", "node_modules", "asl-validator"), cdktest.JSON(broken))
	if cmd.Run() == nil {
		t.Error("asl-validator accepts a Map state without ItemProcessor: the check above proves nothing")
	}

	states := def["States"].(map[string]any)
	if def["StartAt"] != "Plan" || states["Plan"].(map[string]any)["Next"] != "EachPartition" {
		t.Errorf("flow = %s", cdktest.JSON(def))
	}
	each := states["EachPartition"].(map[string]any)
	if each["Type"] != "Map" || each["ItemsPath"] != "$.partitions" || each["MaxConcurrency"] != float64(1) || each["End"] != true {
		t.Errorf("EachPartition = %s", cdktest.JSON(each))
	}
	merge := each["ItemProcessor"].(map[string]any)["States"].(map[string]any)["Merge"].(map[string]any)
	if merge["Resource"] != "arn:aws:states:::athena:startQueryExecution.sync" {
		t.Errorf("Merge resource = %v, want the Athena .sync integration", merge["Resource"])
	}
	params := merge["Parameters"].(map[string]any)
	if params["WorkGroup"] != "ref-"+*f.stack.GetLogicalId(f.tables.WorkGroup) {
		t.Errorf("workgroup = %v", params["WorkGroup"])
	}
	format := params["QueryString.$"].(string)
	m := regexp.MustCompile(`^States\.Format\('([^']*)', \$\.year, \$\.month, \$\.day\)$`).FindStringSubmatch(format)
	if m == nil {
		t.Fatalf("QueryString.$ = %s", format)
	}
	job := f.tables.Promotions["play_events"]
	golden(t, "promote_play_events.sql", job.SQL)
	golden(t, "promote_profiles.sql", f.iam.Promotions["profiles"].SQL)
	if oneLine := strings.Join(strings.Fields(job.SQL), " "); strings.Join(strings.Fields(m[1]), " ") != oneLine {
		t.Errorf("the state machine runs another statement than PromotionJob.SQL:\n%s\n%s", m[1], oneLine)
	}
	// What the planner hands the Map fills every placeholder: each
	// partition is one statement with bare numbers for year, month and day.
	plan, err := lakepromote.NewPlan(lakepromote.Request{Time: "2026-03-01T00:20:00Z"}, 1)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range plan.Partitions {
		q := m[1]
		for _, v := range []string{p.Year, p.Month, p.Day} {
			q = strings.Replace(q, "{}", v, 1)
		}
		if strings.Contains(q, "{}") {
			t.Fatalf("a placeholder is left: %s", q)
		}
		got = append(got, regexp.MustCompile(`"year" = \d+ AND "month" = \d+ AND "day" = \d+`).FindString(q))
	}
	if want := []string{`"year" = 2026 AND "month" = 2 AND "day" = 28`, `"year" = 2026 AND "month" = 3 AND "day" = 1`}; !slices.Equal(got, want) {
		t.Errorf("partitions filled = %q, want %q", got, want)
	}

	retries := cdktest.JSON(merge["Retry"])
	for _, want := range []string{`"ErrorEquals":["Athena.TooManyRequestsException","Athena.InternalServerException"]`, `"ErrorEquals":["States.TaskFailed"]`, `"JitterStrategy":"FULL"`} {
		if !strings.Contains(retries, want) {
			t.Errorf("Merge retries lack %s: %s", want, retries)
		}
	}
	if !strings.Contains(cdktest.JSON(states["Plan"].(map[string]any)["Retry"]), "Lambda.TooManyRequestsException") {
		t.Errorf("Plan retries: %s", cdktest.JSON(states["Plan"]))
	}
	p := cdktest.Properties(sm)
	if got := cdktest.JSON(p["LoggingConfiguration"]); !strings.Contains(got, `"Level":"ALL"`) || !strings.Contains(got, `"IncludeExecutionData":true`) || !strings.Contains(got, "PromotePlayEventsLogs") {
		t.Errorf("logging = %s", got)
	}
	if got := cdktest.JSON(p["TracingConfiguration"]); got != `{"Enabled":true}` {
		t.Errorf("tracing = %s", got)
	}
	if def["TimeoutSeconds"] != float64(6*3600) {
		t.Errorf("timeout = %v", def["TimeoutSeconds"])
	}
}

func TestPromotionRoleIsLeastPrivilege(t *testing.T) {
	f := synth(t)
	pol := cdktest.Properties(one(t, f, "AWS::IAM::Policy", "TablesPromotePlayEvents", "StateMachineRole"))
	starOK := map[string]bool{ // no resource-level permission exists
		"logs:CreateLogDelivery": true, "logs:GetLogDelivery": true, "logs:UpdateLogDelivery": true, "logs:DeleteLogDelivery": true,
		"logs:ListLogDeliveries": true, "logs:PutResourcePolicy": true, "logs:DescribeResourcePolicies": true, "logs:DescribeLogGroups": true,
		"xray:PutTraceSegments": true, "xray:PutTelemetryRecords": true, "xray:GetSamplingRules": true, "xray:GetSamplingTargets": true,
		"lakeformation:GetDataAccess": true,
	}
	var actions []string
	for _, st := range pol["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		st := st.(map[string]any)
		acts := []string{}
		switch a := st["Action"].(type) {
		case string:
			acts = append(acts, a)
		case []any:
			for _, x := range a {
				acts = append(acts, x.(string))
			}
		}
		actions = append(actions, acts...)
		for _, a := range acts {
			if strings.Contains(a, "*") || strings.HasPrefix(a, "glue:Delete") || strings.HasPrefix(a, "glue:Create") || a == "s3:CreateBucket" {
				t.Errorf("the promotion role may %s", a)
			}
			if st["Resource"] == "*" && !starOK[a] {
				t.Errorf("the promotion role may %s on every resource", a)
			}
		}
	}
	for _, want := range []string{"athena:StartQueryExecution", "athena:GetQueryExecution", "athena:StopQueryExecution", "glue:UpdateTable", "s3:PutObject", "s3:DeleteObject", "kms:GenerateDataKey", "lambda:InvokeFunction"} {
		if !slices.Contains(actions, want) {
			t.Errorf("the promotion role lacks %s", want)
		}
	}
	doc := cdktest.JSON(pol)
	for _, want := range []string{`"/play_events_raw/*"`, `"/iceberg/play_events/*"`, `"/athena/*"`, `:table/game_curated/play_events"`, `:table/game_raw/play_events_raw"`} {
		if !strings.Contains(doc, want) {
			t.Errorf("the promotion role's resources lack %s", want)
		}
	}
}

func TestPromotionSchedule(t *testing.T) {
	f := synth(t)
	s := cdktest.Properties(one(t, f, "AWS::Scheduler::Schedule", "TablesPromotePlayEvents", ""))
	if s["ScheduleExpression"] != datalake.DefaultPromotionSchedule || s["ScheduleExpressionTimezone"] != "UTC" || s["State"] != "ENABLED" {
		t.Errorf("schedule = %s", cdktest.JSON(s))
	}
	target := s["Target"].(map[string]any)
	if target["Input"] != `{"time":"<aws.scheduler.scheduled-time>"}` {
		t.Errorf("input = %v", target["Input"])
	}
	if got := cdktest.JSON(target["Arn"]); !strings.Contains(got, "TablesPromotePlayEventsStateMachine") {
		t.Errorf("target = %s", got)
	}
	env := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::Lambda::Function", "TablesPromotePlayEvents", "Planner"))["Environment"])
	if env != `{"Variables":{"LOG_LEVEL":"INFO","LOOKBACK_DAYS":"1"}}` && !strings.Contains(env, `"LOOKBACK_DAYS":"1"`) {
		t.Errorf("planner environment = %s", env)
	}
	prof := cdktest.Properties(one(t, f, "AWS::Scheduler::Schedule", "ProfilesPromoteProfiles", ""))
	if prof["ScheduleExpression"] != "rate(1 day)" || prof["State"] != "DISABLED" {
		t.Errorf("profiles schedule = %s", cdktest.JSON(prof))
	}
	if env := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::Lambda::Function", "ProfilesPromoteProfiles", "Planner"))["Environment"]); !strings.Contains(env, `"LOOKBACK_DAYS":"3"`) {
		t.Errorf("profiles planner environment = %s", env)
	}
}

// Every EventBridge rule and Scheduler target the template holds has a
// dead-letter queue and a retry policy.
func TestEventTargetsHaveDeadLetterQueueAndRetries(t *testing.T) {
	f := synth(t)
	n := 0
	for id, r := range f.tpl.Resources("AWS::Scheduler::Schedule") {
		target := cdktest.Properties(r)["Target"].(map[string]any)
		n++
		dlq, _ := target["DeadLetterConfig"].(map[string]any)
		retry, _ := target["RetryPolicy"].(map[string]any)
		if dlq == nil || dlq["Arn"] == nil {
			t.Errorf("%s: no dead-letter queue", id)
		} else if !strings.Contains(cdktest.JSON(dlq["Arn"]), "DeadLetterQueue") {
			t.Errorf("%s: dead letters go to %s", id, cdktest.JSON(dlq["Arn"]))
		}
		if retry == nil || retry["MaximumRetryAttempts"] != float64(datalake.PromotionRetries) || retry["MaximumEventAgeInSeconds"] != float64(3600) {
			t.Errorf("%s: retry policy %s", id, cdktest.JSON(retry))
		}
	}
	for id, r := range f.tpl.Resources("AWS::Events::Rule") {
		for _, tg := range cdktest.Properties(r)["Targets"].([]any) {
			tg := tg.(map[string]any)
			n++
			if tg["DeadLetterConfig"] == nil || tg["RetryPolicy"] == nil {
				t.Errorf("rule %s target %v: dead-letter queue %v, retry policy %v", id, tg["Id"], tg["DeadLetterConfig"], tg["RetryPolicy"])
			}
		}
	}
	if n != 2 {
		t.Errorf("%d event targets, want the two promotions' schedules", n)
	}
}

func TestPromotionAlarms(t *testing.T) {
	f := synth(t)
	job := f.tables.Promotions["play_events"]
	if len(job.Alarms) != 2 || job.Alarms["Failed"] == nil || job.Alarms["DeadLetters"] == nil {
		t.Fatalf("alarms = %v", job.Alarms)
	}
	topic := *f.stack.GetLogicalId(f.tables.AlarmTopic.Node().DefaultChild().(awscdk.CfnElement))
	for _, name := range []string{"FailedAlarm", "DeadLettersAlarm"} {
		a := cdktest.Properties(one(t, f, "AWS::CloudWatch::Alarm", "TablesPromotePlayEvents", name))
		for _, actions := range []string{"AlarmActions", "OKActions"} {
			if got := cdktest.JSON(a[actions]); got != `[{"Ref":"`+topic+`"}]` {
				t.Errorf("%s %s = %s, want the shared topic %s", name, actions, got, topic)
			}
		}
	}
	failed := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::CloudWatch::Alarm", "TablesPromotePlayEvents", "FailedAlarm"))["Metrics"])
	for _, want := range []string{`"Expression":"failed + timedout + aborted"`, `"MetricName":"ExecutionsFailed"`, `"MetricName":"ExecutionsTimedOut"`, `"MetricName":"ExecutionsAborted"`} {
		if !strings.Contains(failed, want) {
			t.Errorf("failure alarm lacks %s: %s", want, failed)
		}
	}
	if f.lake.AlarmTopic != nil {
		t.Error("a lake without promotions made an alarm topic")
	}
}

// In Lake Formation mode the read verbs grant through Lake Formation, not
// S3 and KMS; the per-table prop grant names its table.
func TestLakeFormationMode(t *testing.T) {
	f := synth(t)
	read := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::IAM::Policy", "LFReader", "")))
	if strings.Contains(read, `"s3:`) || strings.Contains(read, `"kms:`) {
		t.Errorf("GrantRead in Lake Formation mode grants S3 or KMS: %s", read)
	}
	for _, want := range []string{`"lakeformation:GetDataAccess"`, `"glue:GetTables"`, `:database/game_curated"`} {
		if !strings.Contains(read, want) {
			t.Errorf("GrantRead in Lake Formation mode lacks %s: %s", want, read)
		}
	}
	grants := map[string][]string{}
	for _, r := range scoped(f, "AWS::LakeFormation::PrincipalPermissions", "Tables") {
		p := cdktest.Properties(r)
		who := cdktest.JSON(p["Principal"])
		res := cdktest.JSON(p["Resource"])
		key := fmt.Sprintf("%s %s", regexp.MustCompile(`(LFReader|LFWriter|PromotePlayEventsStateMachineRole)`).FindString(who), res)
		grants[key] = append(grants[key], cdktest.JSON(p["Permissions"]))
		if cdktest.JSON(p["PermissionsWithGrantOption"]) != "[]" {
			t.Errorf("grant with grant option: %s", cdktest.JSON(p))
		}
	}
	has := func(who, resource, perms string) {
		t.Helper()
		for k, v := range grants {
			if strings.HasPrefix(k, who+" ") && strings.Contains(k, resource) && slices.Contains(v, perms) {
				return
			}
		}
		t.Errorf("no Lake Formation grant of %s on %s to %s in %v", perms, resource, who, grants)
	}
	has("LFReader", `"Database":{"CatalogId":"123456789012","Name":{"Ref":"TablesCuratedDatabase`, `["DESCRIBE"]`)
	has("LFReader", `"TableWildcard":{}`, `["SELECT","DESCRIBE"]`)
	has("LFWriter", `"Name":"play_events"`, `["SELECT","INSERT","DELETE","ALTER","DESCRIBE"]`)
	has("LFWriter", `"DataLocation":{"CatalogId":"123456789012","ResourceArn":{"Fn::GetAtt":["TablesRawZone`, `["DATA_LOCATION_ACCESS"]`)
	has("PromotePlayEventsStateMachineRole", `"Name":"play_events_raw"`, `["SELECT","DESCRIBE"]`)
	has("PromotePlayEventsStateMachineRole", `"Name":"play_events"`, `["SELECT","INSERT","DELETE","ALTER","DESCRIBE"]`)
	write := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::IAM::Policy", "LFWriter", "")))
	if !strings.Contains(write, `"s3:PutObject"`) || !strings.Contains(write, `"glue:UpdateTable"`) {
		t.Errorf("GrantWrite keeps landing objects, GrantTableWrite commits: %s", write)
	}

	prop := cdktest.Properties(one(t, f, "AWS::LakeFormation::Permissions", "Tables", "Grant0Tables"))
	if got := cdktest.JSON(prop["Resource"]); !strings.Contains(got, `"Name":"play_events"`) || strings.Contains(got, "TableWildcard") {
		t.Errorf("per-table grant resource = %s", got)
	}
	for _, r := range scoped(f, "AWS::LakeFormation::PrincipalPermissions", "Tables") {
		if strings.Contains(cdktest.JSON(cdktest.Properties(r)["Resource"]), `"Name":"play_events"`) {
			if deps := cdktest.JSON(r["DependsOn"]); !strings.Contains(deps, "TablesTablePlayEvents") {
				t.Errorf("a grant on the table does not wait for it: DependsOn %s", deps)
			}
		}
	}
}

// In IAM mode the table verbs reach the table's own objects and catalog
// entry only.
func TestTableGrantsInIAMMode(t *testing.T) {
	f := synth(t)
	read := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::IAM::Policy", "IAMReader", "")))
	write := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::IAM::Policy", "IAMWriter", "")))
	for _, want := range []string{`"/iceberg/profiles/*"`, `:table/profiles_analytics/profiles"`, `"kms:Decrypt"`, `"glue:GetTable"`} {
		for name, pol := range map[string]string{"read": read, "write": write} {
			if !strings.Contains(pol, want) {
				t.Errorf("GrantTable%s lacks %s: %s", name, want, pol)
			}
		}
	}
	for _, no := range []string{"s3:PutObject", "s3:DeleteObject", "glue:UpdateTable", "kms:GenerateDataKey", "lakeformation"} {
		if strings.Contains(read, no) {
			t.Errorf("GrantTableRead grants %s", no)
		}
	}
	for _, want := range []string{"s3:PutObject", "s3:DeleteObject", "glue:UpdateTable", "kms:GenerateDataKey"} {
		if !strings.Contains(write, want) {
			t.Errorf("GrantTableWrite lacks %s", want)
		}
	}
	if n := len(scoped(f, "AWS::LakeFormation::PrincipalPermissions", "Profiles")); n != 0 {
		t.Errorf("IAM mode made %d Lake Formation grants", n)
	}
}

func TestPerMinuteNamedQuery(t *testing.T) {
	f := synth(t)
	q := cdktest.Properties(one(t, f, "AWS::Athena::NamedQuery", "Tables", "PerMinute"))
	if q["Name"] != "play-events-per-minute" || q["Database"] != "game_curated" {
		t.Errorf("named query = %s", cdktest.JSON(q))
	}
	if got := cdktest.JSON(q["WorkGroup"]); !strings.Contains(got, "TablesWorkGroup") {
		t.Errorf("workgroup = %s", got)
	}
	golden(t, "per_minute_play_events.sql", q["QueryString"].(string))
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `Value column "player_id" is not a fitting column of play_events`) {
			t.Errorf("a string Value: panic %v", r)
		}
	}()
	f.tables.AddPerMinuteQuery("Bad", datalake.PerMinute{Name: "bad", Table: "play_events", Time: "ts", Group: "event_type", Value: "player_id", Distinct: "player_id"})
}

// actionsOf lists a statement's actions.
func actionsOf(st map[string]any) []string {
	switch a := st["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		out := make([]string, len(a))
		for i, x := range a {
			out[i] = x.(string)
		}
		return out
	}
	return nil
}

// coversCreateGrant reports whether an IAM action pattern allows
// kms:CreateGrant.
func coversCreateGrant(action string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(strings.ToLower(action)), `\*`, ".*") + "$"
	return regexp.MustCompile(re).MatchString("kms:creategrant") || action == "*"
}

// Every key policy and identity policy the lakes write lets a principal
// create grants on a key only for AWS resources
// (kms:GrantIsForAWSResource). The account root's statement is the key
// policy's delegation to IAM, which the identity policies then bound.
func TestCreateGrantOnlyForAWSResources(t *testing.T) {
	f := synth(t)
	check := func(id string, statements []any, isKey bool) {
		for _, st := range statements {
			st := st.(map[string]any)
			if st["Effect"] != "Allow" {
				continue
			}
			if isKey && strings.HasSuffix(cdktest.JSON(st["Principal"]), `:iam::123456789012:root"]]}}`) {
				continue
			}
			for _, a := range actionsOf(st) {
				if !coversCreateGrant(a) {
					continue
				}
				cond := cdktest.JSON(st["Condition"])
				if !strings.Contains(cond, `"Bool":{"kms:GrantIsForAWSResource":"true"}`) && !strings.Contains(cond, `"Bool":{"kms:GrantIsForAWSResource":true}`) {
					t.Errorf("%s allows %s without kms:GrantIsForAWSResource: %s", id, a, cdktest.JSON(st))
				}
			}
		}
	}
	n := 0
	for _, prefix := range []string{"Lake", "Full", "Tables", "Profiles"} {
		for id, k := range scoped(f, "AWS::KMS::Key", prefix) {
			n++
			check(id, cdktest.Properties(k)["KeyPolicy"].(map[string]any)["Statement"].([]any), true)
		}
		for id, p := range scoped(f, "AWS::IAM::Policy", prefix) {
			check(id, cdktest.Properties(p)["PolicyDocument"].(map[string]any)["Statement"].([]any), false)
		}
	}
	if n != 4 {
		t.Errorf("%d lake keys, want 4", n)
	}
	// The check can fail: a statement like the one it looks for.
	if !coversCreateGrant("kms:Create*") || !coversCreateGrant("kms:CreateGrant") || coversCreateGrant("kms:CreateKey") {
		t.Error("coversCreateGrant does not match IAM's wildcards")
	}
}

// Every data bucket (zones, query results) is encrypted with its lake's
// key; the access-log buckets stay SSE-S3, which S3 server access logging
// requires.
func TestDataBucketsUseTheLakeKey(t *testing.T) {
	f := synth(t)
	for _, lake := range []*datalake.DataLake{f.lake, f.full, f.tables, f.iam} {
		prefix := *lake.Node().Id()
		key := *f.stack.GetLogicalId(lake.Key.Node().DefaultChild().(awscdk.CfnElement))
		logs := *f.stack.GetLogicalId(lake.AccessLogs.Node().DefaultChild().(awscdk.CfnElement))
		buckets := scoped(f, "AWS::S3::Bucket", prefix)
		if len(buckets) != len(lake.Zones)+2 {
			t.Errorf("%s: %d buckets, want zones + results + access logs", prefix, len(buckets))
		}
		for id, b := range buckets {
			enc := cdktest.JSON(cdktest.Properties(b)["BucketEncryption"])
			if id == logs {
				if enc != `{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}` {
					t.Errorf("%s access logs: %s, want SSE-S3", prefix, enc)
				}
				continue
			}
			if want := `{"ServerSideEncryptionConfiguration":[{"BucketKeyEnabled":true,"ServerSideEncryptionByDefault":{"KMSMasterKeyID":{"Fn::GetAtt":["` + key + `","Arn"]},"SSEAlgorithm":"aws:kms"}}]}`; enc != want {
				t.Errorf("%s: %s, want the lake key %s", id, enc, key)
			}
		}
	}
}

func TestTableValidation(t *testing.T) {
	stack := cdktest.NewStack("TableValidation")
	cols := []datalake.Column{{Name: "id", Type: "string"}, {Name: "ts", Type: "timestamp"}, {Name: "v", Type: "double"}}
	raw := datalake.RawTable{Name: "src", Columns: cols}
	cases := []struct {
		name  string
		props *datalake.Props
		want  []string
	}{
		{"raw table", &datalake.Props{RawTables: []datalake.RawTable{{Name: "Src", Zone: "gold", Prefix: "iceberg/x/", Format: "CSV",
			Columns: []datalake.Column{{Name: "year", Type: "int"}, {Name: "a", Type: "varchar"}, {Name: "a", Type: "decimal(40,2)"}}}}}, []string{
			`RawTables[0].Name: "Src" must be 1-255 lowercase letters, digits or underscores, starting with a letter`,
			`RawTables[0].Zone: "gold" is not one of the zones raw, curated, analytics`,
			`RawTables[0].Prefix: "iceberg/x/" must not start with "iceberg/": the Iceberg tables live there`,
			`RawTables[0].Format: "CSV" is not JSON or PARQUET`,
			`RawTables[0].Columns[0].Name: "year" is reserved (year, month, day)`,
			`RawTables[0].Columns[1].Type: "varchar" is not one of string, int, bigint, float, double, boolean, date, timestamp, decimal(P,S)`,
			`RawTables[0].Columns[2].Name: "a" is declared twice`,
			`RawTables[0].Columns[2].Type: "decimal(40,2)" has a precision outside 1..38 or a scale above its precision`,
		}},
		{"iceberg table", &datalake.Props{RawTables: []datalake.RawTable{raw}, Tables: []datalake.Table{{Name: "src", Columns: []datalake.Column{
			{Name: "id", Type: "string"}, {Name: "ts", Type: "date"}, {Name: "v", Type: "double"}, {Name: "gureum_copy", Type: "int"}},
			Partitions: []datalake.PartitionField{{Column: "ts", Transform: "hour"}, {Column: "x"}, {Column: "id", Transform: "bucket[0]"}},
			Key:        []string{"v", "id", "id"},
		}}}, []string{
			`Tables[0].Name: "src" is also the name of RawTables[0]`,
			`Tables[0].Columns[3].Name: "gureum_copy" is reserved (gureum_copy)`,
			`Tables[0].Partitions[0].Transform: hour does not apply to the date column "ts"`,
			`Tables[0].Partitions[1].Column: "x" is not a column of the table`,
			`Tables[0].Partitions[2].Transform: "bucket[0]" is not identity, year, month, day, hour, bucket[N] or truncate[W]`,
			`Tables[0].Key[0]: "v" is a double column: Iceberg identifier fields cannot be float or double`,
			`Tables[0].Key[2]: "id" is named twice`,
		}},
		{"promotion", &datalake.Props{RawTables: []datalake.RawTable{raw}, Tables: []datalake.Table{
			{Name: "a", Columns: []datalake.Column{{Name: "id", Type: "bigint"}, {Name: "w", Type: "double"}, {Name: "ts", Type: "timestamp", From: "time"}},
				Promotion: &datalake.Promotion{From: "src", Version: "id", Schedule: "every hour", LookbackDays: -1, MaxEventAge: 25 * 60 * 60 * 1e9}},
			{Name: "b", Columns: cols, Key: []string{"id"}, Promotion: &datalake.Promotion{From: "nope", Schedule: "cron(0 * * * *)", PlannerEntry: "functions/nope"}},
		}}, []string{
			`Tables[0].Key: is required with Promotion: it is what the promotion deduplicates by`,
			`Tables[0].Columns[0].Type: bigint differs from the type of src.id (string)`,
			`Tables[0].Columns[1].From: "w" is not a column of the raw table src`,
			`Tables[0].Columns[2].From: "time" is not a column of the raw table src`,
			`Tables[0].Promotion.Schedule: "every hour" is not rate(N unit) or a cron expression`,
			`Tables[0].Promotion.LookbackDays: -1 is outside 0..365`,
			`Tables[0].Promotion.MaxEventAge: 25h0m0s is outside Scheduler's 1m..24h`,
			`Tables[1].Promotion.From: "nope" is not one of the RawTables`,
			`Tables[1].Promotion.Schedule: "cron(0 * * * *)" has 5 fields`,
			`Tables[1].Promotion.PlannerEntry: `,
		}},
		{"ingestion disabled with a table", &datalake.Props{RawTables: []datalake.RawTable{raw}, Ingestion: datalake.Ingestion{Disable: true, Table: "src"}}, []string{
			`Ingestion.Disable: is set together with other Ingestion settings`,
		}},
		{"ingestion and grants", &datalake.Props{RawTables: []datalake.RawTable{raw},
			Ingestion:     datalake.Ingestion{Table: "other", Prefix: "x/"},
			LakeFormation: &datalake.LakeFormation{Grants: []datalake.LakeFormationGrant{{Principal: analyst, Zone: "curated", Table: "src"}}},
		}, []string{
			`Ingestion.Table: is set together with Ingestion.Zone or Ingestion.Prefix: the table's zone and prefix are where the stream lands`,
			`Ingestion.Table: "other" is not one of the RawTables`,
			`LakeFormation.Grants[0].Table: "src" is not a table declared in the curated zone (RawTables or Tables)`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := datalake.Validate(stack, "Lake", c.props)
			var verr *validate.Error
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a *validate.Error", err)
			}
			lines := verr.Problems
			if len(lines) != len(c.want) {
				t.Errorf("%d problems, want %d:\n%s", len(lines), len(c.want), strings.Join(lines, "\n"))
			}
			for i, want := range c.want {
				if i < len(lines) && !strings.HasPrefix(lines[i], want) {
					t.Errorf("problem %d:\n got %s\nwant %s", i, lines[i], want)
				}
			}
		})
	}
	ok := versionedProps()
	if err := datalake.Validate(stack, "Lake", ok); err != nil {
		t.Errorf("Validate(versionedProps) = %v", err)
	}
	if err := datalake.Validate(stack, "Lake", tablesProps()); err != nil {
		t.Errorf("Validate(tablesProps) = %v", err)
	}
}

func TestAddIngestion(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "AddIngestion: the lake already has a delivery stream") {
			t.Errorf("a second delivery stream: panic %v", r)
		}
	}()
	stack := cdktest.NewStack("AddIngestion")
	lake := datalake.New(stack, "Lake", &datalake.Props{Ingestion: datalake.Ingestion{Disable: true}, RawTables: []datalake.RawTable{{Name: "e", Columns: playColumns}}})
	err := validate.Catch(func() { lake.AddIngestion(datalake.Ingestion{Table: "nope", BufferSizeMiB: 500}) })
	if err == nil || !strings.Contains(err.Error(), `Ingestion.Table: "nope" is not one of the RawTables`) || !strings.Contains(err.Error(), "Ingestion.BufferSizeMiB: 500") {
		t.Errorf("AddIngestion with bad settings: %v", err)
	}
	if lake.DeliveryStream != nil {
		t.Error("a stream was made from bad settings")
	}
	if s := lake.AddIngestion(datalake.Ingestion{Table: "e"}); s == nil || lake.DeliveryStream != s {
		t.Errorf("AddIngestion returned %v", s)
	}
	lake.AddIngestion(datalake.Ingestion{})
}
