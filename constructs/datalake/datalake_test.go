package datalake_test

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesis"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/datalake"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

const (
	replicaBucket = "arn:aws:s3:::gureum-raw-replica"
	replicaKey    = "arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	analyst       = "arn:aws:iam::123456789012:role/Analyst"
)

// fixture is the one synthesis of this package: a lake with every default
// ("Lake") and a lake with every option ("Full") in one stack, plus a role
// granted read and write through the lake's verbs.
type fixture struct {
	stack  awscdk.Stack
	lake   *datalake.DataLake
	full   *datalake.DataLake
	tables *datalake.DataLake // Iceberg tables, promotion, Parquet, Lake Formation mode
	iam    *datalake.DataLake // a JSON raw table promoted by version, IAM mode
	logKey awskms.Key
	tpl    *cdktest.Template
}

// versionedProps is a lake in IAM mode with a JSON raw table of player
// profiles promoted daily into an Iceberg table, newest version first.
func versionedProps() *datalake.Props {
	return &datalake.Props{
		DatabasePrefix: "profiles",
		Ingestion:      datalake.Ingestion{Disable: true},
		RawTables: []datalake.RawTable{{Name: "profile_updates", Prefix: "updates/", Columns: []datalake.Column{
			{Name: "player", Type: "string"}, {Name: "level", Type: "int"}, {Name: "updated", Type: "bigint"},
		}}},
		Tables: []datalake.Table{{
			Name: "profiles", Zone: "analytics",
			Columns:    []datalake.Column{{Name: "player_id", Type: "string", From: "player"}, {Name: "level", Type: "int"}, {Name: "updated", Type: "bigint"}},
			Partitions: []datalake.PartitionField{{Column: "player_id", Transform: "bucket[16]"}},
			Key:        []string{"player_id"},
			Promotion:  &datalake.Promotion{From: "profile_updates", Version: "updated", Schedule: "rate(1 day)", LookbackDays: 3, Disabled: true},
		}},
	}
}

// playColumns are the raw play events' columns, as the Hive JSON SerDe
// reads the game servers' JSON (keys are matched case-insensitively).
var playColumns = []datalake.Column{
	{Name: "playerid", Type: "string"}, {Name: "eventtype", Type: "string"},
	{Name: "score", Type: "bigint"}, {Name: "ts", Type: "timestamp"},
}

// tablesProps is a lake in Lake Formation mode whose stream lands play
// events as Parquet in a raw table, promoted hourly into a curated Iceberg
// table deduplicated by player, event type and time.
func tablesProps() *datalake.Props {
	return &datalake.Props{
		DatabasePrefix: "game",
		RawTables:      []datalake.RawTable{{Name: "play_events_raw", Format: "PARQUET", Columns: playColumns}},
		Ingestion:      datalake.Ingestion{Table: "play_events_raw"},
		Tables: []datalake.Table{{
			Name: "play_events",
			Columns: []datalake.Column{
				{Name: "player_id", Type: "string", From: "playerid"}, {Name: "event_type", Type: "string", From: "eventtype"},
				{Name: "score", Type: "bigint"}, {Name: "ts", Type: "timestamp", Comment: "when the event happened (UTC)"},
			},
			Partitions: []datalake.PartitionField{{Column: "ts", Transform: "day"}, {Column: "event_type"}},
			Key:        []string{"player_id", "event_type", "ts"},
			Promotion:  &datalake.Promotion{From: "play_events_raw"},
		}},
		LakeFormation: &datalake.LakeFormation{Register: true, Grants: []datalake.LakeFormationGrant{
			{Principal: analyst, Zone: "curated", Table: "play_events"},
		}},
	}
}

var (
	fixOnce sync.Once
	fix     *fixture
)

func synth(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		stack := cdktest.NewStack("Lakes")
		f := &fixture{stack: stack}
		f.lake = datalake.New(stack, "Lake", nil)
		events := awskinesis.NewStream(stack, jsii.String("Events"), &awskinesis.StreamProps{
			StreamMode: awskinesis.StreamMode_ON_DEMAND, Encryption: awskinesis.StreamEncryption_MANAGED,
			RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
		})
		f.full = datalake.New(stack, "Full", &datalake.Props{
			Zones: []datalake.Zone{
				{Name: "landing", ObjectLock: &datalake.ObjectLock{Mode: "COMPLIANCE", RetentionDays: 365},
					Replication: &datalake.Replication{DestinationBucketArn: replicaBucket, DestinationKeyArn: replicaKey}},
				{Name: "gold", Lifecycle: &datalake.Lifecycle{DisableIntelligentTiering: true, GlacierAfterDays: 180, NoncurrentVersionExpiryDays: 30}},
			},
			Lifecycle:      datalake.Lifecycle{IntelligentTieringAfterDays: 10, GlacierAfterDays: 90},
			DatabasePrefix: "sales",
			Crawlers:       datalake.Crawlers{Schedule: "cron(15 3 ? * MON-FRI *)"},
			Query:          datalake.Query{BytesScannedCutoffPerQuery: 1 << 30, ResultsExpiryDays: 7},
			Ingestion: datalake.Ingestion{
				SourceStream: events, Prefix: "clicks/", BufferInterval: 2 * time.Minute, BufferSizeMiB: 128,
			},
			LakeFormation: &datalake.LakeFormation{Register: true, Grants: []datalake.LakeFormationGrant{{Principal: analyst, Zone: "gold"}}},
		})
		f.logKey = awskms.NewKey(stack, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		tp := tablesProps()
		tp.LogEncryptionKey = f.logKey
		f.tables = datalake.New(stack, "Tables", tp)
		f.iam = datalake.New(stack, "Profiles", versionedProps())
		iamReader := awsiam.NewRole(stack, jsii.String("IAMReader"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
		iamWriter := awsiam.NewRole(stack, jsii.String("IAMWriter"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
		f.iam.GrantTableRead("profiles", iamReader)
		f.iam.GrantTableWrite("profiles", iamWriter)
		for _, r := range []awsiam.Role{iamReader, iamWriter} {
			nag.Suppress(r, "AwsSolutions-IAM5", "Test role: reads or writes the objects of one Iceberg table.", "/^Resource::<.*\\.Arn>\\/iceberg\\/profiles\\/\\*$/")
		}
		lfReader := awsiam.NewRole(stack, jsii.String("LFReader"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
		lfWriter := awsiam.NewRole(stack, jsii.String("LFWriter"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
		f.tables.GrantRead("curated", lfReader)
		f.tables.GrantTableWrite("play_events", lfWriter)
		f.tables.GrantWrite("raw", lfWriter)
		f.tables.AddPerMinuteQuery("PerMinute", datalake.PerMinute{
			Name: "play-events-per-minute", Table: "play_events", Time: "ts", Group: "event_type", Value: "score", Distinct: "player_id",
		})
		for _, r := range []awsiam.Role{lfReader, lfWriter} {
			nag.Suppress(r, "AwsSolutions-IAM5", "Test role: reads a zone through Lake Formation, or lands objects in the raw zone.",
				"Resource::*", "/^Resource::<.*\\.Arn>\\/\\*$/", "/^Resource::arn:<AWS::Partition>:glue:.*:table\\/.*\\/\\*$/")
		}
		reader := awsiam.NewRole(stack, jsii.String("Reader"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
		writer := awsiam.NewRole(stack, jsii.String("Writer"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
		f.lake.GrantRead("curated", reader)
		f.lake.GrantWrite("raw", writer)
		f.lake.GrantQuery(reader)
		for _, r := range []awsiam.Role{reader, writer} {
			nag.Suppress(r, "AwsSolutions-IAM5", "Test role: reads or writes every object of one zone, queries every table of the lake.",
				"/^Resource::<.*\\.Arn>\\/\\*$/", "/^Resource::arn:<AWS::Partition>:glue:.*:table\\/.*\\/\\*$/")
		}
		f.tpl = cdktest.Synth(t, stack)
		fix = f
	})
	if fix == nil {
		t.Fatal("the fixture did not synthesize (see the first failing test)")
	}
	return fix
}

// scoped returns the resources of type typ whose logical ID starts with
// prefix ("Lake" or "Full").
func scoped(f *fixture, typ, prefix string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range f.tpl.Resources(typ) {
		if strings.HasPrefix(id, prefix) {
			out[id] = r
		}
	}
	return out
}

// one returns the single resource of type typ under prefix whose logical ID
// contains part.
func one(t *testing.T, f *fixture, typ, prefix, part string) map[string]any {
	t.Helper()
	var found []map[string]any
	for id, r := range scoped(f, typ, prefix) {
		if strings.Contains(id, part) {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s resources under %s containing %q, want 1", len(found), typ, prefix, part)
	}
	return found[0]
}

func TestNoNagFindings(t *testing.T) {
	f := synth(t)
	cdktest.NoNagFindings(t, f.stack)
}

func TestZoneBucketsAreEncryptedVersionedAndRetained(t *testing.T) {
	f := synth(t)
	buckets := scoped(f, "AWS::S3::Bucket", "Lake")
	if len(buckets) != 5 { // three zones, access logs, query results
		t.Fatalf("%d buckets in the default lake, want 5", len(buckets))
	}
	for _, zone := range []string{"Raw", "Curated", "Analytics"} {
		b := one(t, f, "AWS::S3::Bucket", "Lake", zone+"Zone")
		if b["DeletionPolicy"] != "Retain" || b["UpdateReplacePolicy"] != "Retain" {
			t.Errorf("%s zone is not retained: %v %v", zone, b["DeletionPolicy"], b["UpdateReplacePolicy"])
		}
		p := cdktest.Properties(b)
		enc := cdktest.JSON(p["BucketEncryption"])
		for _, want := range []string{`"SSEAlgorithm":"aws:kms"`, `"BucketKeyEnabled":true`, `"KMSMasterKeyID":{"Fn::GetAtt":["LakeKey`} {
			if !strings.Contains(enc, want) {
				t.Errorf("%s zone encryption %s lacks %s", zone, enc, want)
			}
		}
		if got := cdktest.JSON(p["VersioningConfiguration"]); got != `{"Status":"Enabled"}` {
			t.Errorf("%s zone versioning = %s", zone, got)
		}
		if got := cdktest.JSON(p["PublicAccessBlockConfiguration"]); got != `{"BlockPublicAcls":true,"BlockPublicPolicy":true,"IgnorePublicAcls":true,"RestrictPublicBuckets":true}` {
			t.Errorf("%s zone public access block = %s", zone, got)
		}
		if got := cdktest.JSON(p["OwnershipControls"]); !strings.Contains(got, "BucketOwnerEnforced") {
			t.Errorf("%s zone ownership = %s", zone, got)
		}
		logging := cdktest.JSON(p["LoggingConfiguration"])
		if !strings.Contains(logging, `"LogFilePrefix":"`+strings.ToLower(zone)+`/"`) || !strings.Contains(logging, "LakeAccessLogs") {
			t.Errorf("%s zone access logs = %s", zone, logging)
		}
		if _, lock := p["ObjectLockEnabled"]; lock {
			t.Errorf("%s zone has Object Lock by default", zone)
		}
		if _, repl := p["ReplicationConfiguration"]; repl {
			t.Errorf("%s zone replicates by default", zone)
		}
	}
	f.tpl.HasResource(t, "AWS::KMS::Key", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties":     map[string]any{"EnableKeyRotation": true, "PendingWindowInDays": 30},
	})
	if n := len(scoped(f, "AWS::KMS::Key", "Lake")); n != 1 {
		t.Errorf("%d keys in the default lake, want one per lake", n)
	}
}

func TestBucketPoliciesRequireTLSAndSSEKMS(t *testing.T) {
	f := synth(t)
	lakeKey := cdktest.JSON(map[string]any{"Fn::GetAtt": []any{*f.stack.GetLogicalId(f.lake.Key.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}})
	for _, zone := range []string{"RawZone", "CuratedZone", "AnalyticsZone", "QueryResults"} {
		pol := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::S3::BucketPolicy", "Lake", zone)))
		for _, want := range []string{
			`"aws:SecureTransport":"false"`,
			`"s3:TlsVersion":1.2`,
			`"Sid":"DenyUploadsWithoutSSEKMS"`,
			`"StringNotEquals":{"s3:x-amz-server-side-encryption":"aws:kms"}`,
			`"Sid":"DenyUploadsWithAnotherKey"`,
			`{"Null":{"s3:x-amz-server-side-encryption-aws-kms-key-id":"false"},"StringNotEquals":{"s3:x-amz-server-side-encryption-aws-kms-key-id":` + lakeKey + `}}`,
		} {
			if !strings.Contains(pol, want) {
				t.Errorf("%s policy lacks %s: %s", zone, want, pol)
			}
		}
	}
}

// conditionHolds evaluates an IAM condition block against a request context
// the way IAM documents it (IAM JSON policy elements: condition operators):
// every operator must hold (AND); a key absent from the request makes a
// positive operator false, a negated one (StringNotEquals) true, an
// ...IfExists operator true; Null "true" holds when the key is absent, "false"
// when it is present. Values are compared as JSON, so a policy value that is
// a CloudFormation reference matches a request value that is the same
// reference. An operator it does not know fails the test.
func conditionHolds(t *testing.T, cond map[string]any, req map[string]string) bool {
	t.Helper()
	for op, keys := range cond {
		for key, want := range keys.(map[string]any) {
			got, present := req[key]
			wants := []string{cdktest.JSON(want)}
			if list, ok := want.([]any); ok {
				wants = wants[:0]
				for _, w := range list {
					wants = append(wants, cdktest.JSON(w))
				}
			}
			in := false
			for _, w := range wants {
				in = in || w == got
			}
			base, ifExists := strings.CutSuffix(op, "IfExists")
			var holds bool
			switch {
			case base == "Null":
				holds = (want == "true") == !present
			case !present && ifExists:
				holds = true
			case base == "StringEquals":
				holds = present && in
			case base == "StringNotEquals":
				holds = !present || !in
			default:
				t.Fatalf("condition operator %s is not modelled by this test", op)
			}
			if !holds {
				return false
			}
		}
	}
	return true
}

func TestUploadPolicyAdmitsTheLakeKeyOnly(t *testing.T) {
	f := synth(t)
	lakeKey := cdktest.JSON(map[string]any{"Fn::GetAtt": []any{*f.stack.GetLogicalId(f.lake.Key.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}})
	q := func(s string) string { return cdktest.JSON(s) }
	const (
		sse   = "s3:x-amz-server-side-encryption"
		keyID = "s3:x-amz-server-side-encryption-aws-kms-key-id"
	)
	cases := []struct {
		name   string
		req    map[string]string
		denied bool
	}{
		{"no SSE header", map[string]string{}, true},
		{"SSE-S3", map[string]string{sse: q("AES256")}, true},
		{"aws:kms without a key id: the bucket default, the lake key", map[string]string{sse: q("aws:kms")}, false},
		{"aws:kms with the lake key", map[string]string{sse: q("aws:kms"), keyID: lakeKey}, false},
		{"aws:kms with another key", map[string]string{sse: q("aws:kms"), keyID: q("arn:aws:kms:ap-northeast-2:123456789012:key/99999999-12ab-34cd-56ef-1234567890ab")}, true},
		{"a key id without aws:kms", map[string]string{keyID: lakeKey}, true},
	}
	for _, zone := range []string{"RawZone", "QueryResults"} {
		var uploads []map[string]any
		doc := cdktest.Properties(one(t, f, "AWS::S3::BucketPolicy", "Lake", zone))["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			st := st.(map[string]any)
			if st["Effect"] == "Deny" && st["Action"] == "s3:PutObject" {
				uploads = append(uploads, st)
			}
		}
		if len(uploads) != 2 {
			t.Fatalf("%s: %d upload-deny statements, want 2", zone, len(uploads))
		}
		for _, c := range cases {
			denied := false
			for _, st := range uploads {
				denied = denied || conditionHolds(t, st["Condition"].(map[string]any), c.req)
			}
			if denied != c.denied {
				t.Errorf("%s, %s: denied = %v, want %v", zone, c.name, denied, c.denied)
			}
		}
	}
}

// evalRule evaluates the rule functions a replication-region rule uses, in
// the given region.
func evalRule(t *testing.T, n any, region string) any {
	t.Helper()
	switch v := n.(type) {
	case string:
		return v
	case map[string]any:
		for fn, arg := range v {
			switch fn {
			case "Ref":
				if arg != "AWS::Region" {
					t.Fatalf("rule refers to %v", arg)
				}
				return region
			case "Fn::Not":
				return !evalRule(t, arg.([]any)[0], region).(bool)
			case "Fn::Equals":
				a := arg.([]any)
				return evalRule(t, a[0], region) == evalRule(t, a[1], region)
			}
			t.Fatalf("rule function %s is not modelled by this test", fn)
		}
	}
	t.Fatalf("rule node %v is not modelled by this test", n)
	return nil
}

func TestReplicationRegionRuleInARegionAgnosticStack(t *testing.T) {
	f := synth(t)
	if len(f.full.ReplicationRegionRules) != 0 {
		t.Errorf("a stack with a known region got replication-region rules: the check ran at synthesis")
	}

	// The reference app's stacks are region-agnostic: the region is known
	// only when CloudFormation deploys the template.
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Agnostic"), nil)
	props := &datalake.Props{
		Zones: []datalake.Zone{
			{Name: "raw", Replication: &datalake.Replication{DestinationBucketArn: replicaBucket, DestinationKeyArn: replicaKey}},
			{Name: "curated"},
		},
		Ingestion: datalake.Ingestion{Disable: true},
	}
	if err := datalake.Validate(stack, "Lake", props); err != nil {
		t.Fatalf("Validate in a region-agnostic stack = %v", err)
	}
	lake := datalake.New(stack, "Lake", props)
	if len(lake.ReplicationRegionRules) != 1 || lake.ReplicationRegionRules["raw"] == nil {
		t.Fatalf("ReplicationRegionRules = %v, want one for the replicated raw zone", lake.ReplicationRegionRules)
	}
	tpl := cdktest.Synth(t, stack)
	rules, _ := tpl.JSON["Rules"].(map[string]any)
	rule, ok := rules[*stack.GetLogicalId(lake.ReplicationRegionRules["raw"])].(map[string]any)
	if !ok {
		t.Fatalf("the template has no replication-region rule: %s", cdktest.JSON(rules))
	}
	if _, ok := rule["RuleCondition"]; ok {
		t.Errorf("the rule is conditional: %s", cdktest.JSON(rule))
	}
	asserts := rule["Assertions"].([]any)
	if len(asserts) != 1 {
		t.Fatalf("assertions %s", cdktest.JSON(asserts))
	}
	a := asserts[0].(map[string]any)
	if d, _ := a["AssertDescription"].(string); !strings.Contains(d, "Agnostic/Lake") || !strings.Contains(d, "us-west-2") || !strings.Contains(d, "raw zone") {
		t.Errorf("AssertDescription %q does not name the lake, the zone and the region", d)
	}
	for region, pass := range map[string]bool{"us-west-2": false, "ap-northeast-2": true, "us-east-1": true} {
		if got := evalRule(t, a["Assert"], region); got != pass {
			t.Errorf("deploying to %s: assertion = %v, want %v", region, got, pass)
		}
	}
}

func TestLifecycleRules(t *testing.T) {
	f := synth(t)
	raw := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::S3::Bucket", "Lake", "RawZone"))["LifecycleConfiguration"])
	for _, want := range []string{
		`{"AbortIncompleteMultipartUpload":{"DaysAfterInitiation":7},"Id":"abort-incomplete-multipart-uploads","Status":"Enabled"}`,
		`"NoncurrentVersionExpiration":{"NoncurrentDays":90}`,
		`"Transitions":[{"StorageClass":"INTELLIGENT_TIERING","TransitionInDays":30}]`,
	} {
		if !strings.Contains(raw, want) {
			t.Errorf("default lifecycle lacks %s: %s", want, raw)
		}
	}
	if strings.Contains(raw, "GLACIER") {
		t.Errorf("default lifecycle archives to Glacier: %s", raw)
	}
	landing := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::S3::Bucket", "Full", "LandingZone"))["LifecycleConfiguration"])
	if want := `"Transitions":[{"StorageClass":"INTELLIGENT_TIERING","TransitionInDays":10},{"StorageClass":"GLACIER","TransitionInDays":90}]`; !strings.Contains(landing, want) {
		t.Errorf("lake-wide lifecycle lacks %s: %s", want, landing)
	}
	gold := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::S3::Bucket", "Full", "GoldZone"))["LifecycleConfiguration"])
	for _, want := range []string{`"Transitions":[{"StorageClass":"GLACIER","TransitionInDays":180}]`, `"NoncurrentDays":30`} {
		if !strings.Contains(gold, want) {
			t.Errorf("zone lifecycle override lacks %s: %s", want, gold)
		}
	}
}

func TestObjectLockAndReplication(t *testing.T) {
	f := synth(t)
	p := cdktest.Properties(one(t, f, "AWS::S3::Bucket", "Full", "LandingZone"))
	if p["ObjectLockEnabled"] != true {
		t.Errorf("ObjectLockEnabled = %v", p["ObjectLockEnabled"])
	}
	if got, want := cdktest.JSON(p["ObjectLockConfiguration"]), `{"ObjectLockEnabled":"Enabled","Rule":{"DefaultRetention":{"Days":365,"Mode":"COMPLIANCE"}}}`; got != want {
		t.Errorf("ObjectLockConfiguration = %s, want %s", got, want)
	}
	repl := cdktest.JSON(p["ReplicationConfiguration"])
	for _, want := range []string{
		`"Role":{"Fn::GetAtt":["FullLandingZoneReplicationRole`,
		`"Destination":{"Bucket":"` + replicaBucket + `","EncryptionConfiguration":{"ReplicaKmsKeyID":"` + replicaKey + `"}}`,
		`"SourceSelectionCriteria":{"SseKmsEncryptedObjects":{"Status":"Enabled"}}`,
		`"Status":"Enabled"`,
	} {
		if !strings.Contains(repl, want) {
			t.Errorf("replication lacks %s: %s", want, repl)
		}
	}
	if _, lock := cdktest.Properties(one(t, f, "AWS::S3::Bucket", "Full", "GoldZone"))["ObjectLockEnabled"]; lock {
		t.Error("Object Lock leaked to a zone that did not ask for it")
	}
	pol := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::IAM::Policy", "Full", "LandingZoneReplicationRole")))
	for _, want := range []string{
		`"s3:GetReplicationConfiguration","s3:ListBucket"`,
		`"s3:GetObjectVersionForReplication","s3:GetObjectVersionAcl","s3:GetObjectVersionTagging","s3:GetObjectRetention","s3:GetObjectLegalHold"`,
		`"Action":["s3:ReplicateObject","s3:ReplicateDelete","s3:ReplicateTags"],"Effect":"Allow","Resource":"` + replicaBucket + `/*"`,
		`"Action":["kms:Encrypt","kms:GenerateDataKey"],"Condition":{"StringLike":{"kms:ViaService":"s3.us-west-2.amazonaws.com"}},"Effect":"Allow","Resource":"` + replicaKey + `"`,
		`"kms:ViaService":"s3.ap-northeast-2.amazonaws.com"`,
	} {
		if !strings.Contains(pol, want) {
			t.Errorf("replication policy lacks %s: %s", want, pol)
		}
	}
}

func TestGlueCatalog(t *testing.T) {
	f := synth(t)
	dbs := scoped(f, "AWS::Glue::Database", "Lake")
	if len(dbs) != 3 {
		t.Fatalf("%d databases, want one per zone", len(dbs))
	}
	for _, db := range dbs {
		if db["DeletionPolicy"] != "Retain" {
			t.Errorf("database not retained: %v", db["DeletionPolicy"])
		}
	}
	for zone, name := range f.lake.DatabaseNames {
		if !strings.HasSuffix(name, "_"+zone) || strings.ToLower(name) != name || strings.Contains(name, "-") {
			t.Errorf("database name of %s = %q", zone, name)
		}
	}
	if got := f.full.DatabaseNames["landing"]; got != "sales_landing" {
		t.Errorf("DatabasePrefix: name = %q, want sales_landing", got)
	}
	f.tpl.Has(t, "AWS::Glue::Database", map[string]any{
		"CatalogId":     "123456789012",
		"DatabaseInput": map[string]any{"Name": "sales_gold"},
	})

	sec := cdktest.Properties(cdktest.Only(t, scoped(f, "AWS::Glue::SecurityConfiguration", "Lake")))
	enc := cdktest.JSON(sec["EncryptionConfiguration"])
	for _, want := range []string{
		`"CloudWatchEncryption":{"CloudWatchEncryptionMode":"SSE-KMS","KmsKeyArn":{"Fn::GetAtt":["LakeKey`,
		`"JobBookmarksEncryption":{"JobBookmarksEncryptionMode":"CSE-KMS"`,
		`"S3Encryptions":[{"KmsKeyArn":{"Fn::GetAtt":["LakeKey`,
		`"S3EncryptionMode":"SSE-KMS"`,
	} {
		if !strings.Contains(enc, want) {
			t.Errorf("security configuration lacks %s: %s", want, enc)
		}
	}

	raw := cdktest.Properties(one(t, f, "AWS::Glue::Crawler", "Lake", "Raw"))
	if got := cdktest.JSON(raw["Schedule"]); got != `{"ScheduleExpression":"cron(0 2 * * ? *)"}` {
		t.Errorf("default schedule = %s", got)
	}
	if got := cdktest.JSON(raw["CrawlerSecurityConfiguration"]); !strings.HasPrefix(got, `{"Ref":"LakeCatalogSecurity`) {
		t.Errorf("crawler security configuration = %s", got)
	}
	targets := cdktest.JSON(raw["Targets"])
	if !strings.Contains(targets, `"Exclusions":["errors/**"]`) || !strings.Contains(targets, `"Path":{"Fn::Join":["",["s3://",{"Ref":"LakeRawZone`) {
		t.Errorf("crawler targets = %s", targets)
	}
	if got := cdktest.JSON(raw["DatabaseName"]); !strings.HasPrefix(got, `{"Ref":"LakeRawDatabase`) {
		t.Errorf("crawler database = %s", got)
	}
	if got := raw["Configuration"]; !strings.Contains(fmt.Sprint(got), `"AddOrUpdateBehavior":"InheritFromTable"`) {
		t.Errorf("crawler configuration = %v", got)
	}
	if got := cdktest.JSON(raw["SchemaChangePolicy"]); got != `{"DeleteBehavior":"LOG","UpdateBehavior":"UPDATE_IN_DATABASE"}` {
		t.Errorf("schema change policy = %s", got)
	}
	full := cdktest.Properties(one(t, f, "AWS::Glue::Crawler", "Full", "Gold"))
	if got := cdktest.JSON(full["Schedule"]); got != `{"ScheduleExpression":"cron(15 3 ? * MON-FRI *)"}` {
		t.Errorf("custom schedule = %s", got)
	}
}

func TestCrawlerRolesAreLeastPrivilege(t *testing.T) {
	f := synth(t)
	for id, r := range scoped(f, "AWS::IAM::Role", "Lake") {
		if strings.Contains(id, "Crawler") {
			if mp := cdktest.Properties(r)["ManagedPolicyArns"]; mp != nil {
				t.Errorf("%s has managed policies %v, want inline least privilege", id, mp)
			}
		}
	}
	pol := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::IAM::Policy", "Lake", "RawCrawlerRole")))
	for _, want := range []string{
		`"Action":"s3:GetObject"`,
		`"Action":["kms:Decrypt","kms:Encrypt","kms:GenerateDataKey"]`,
		`"glue:CreateTable"`, `"glue:BatchCreatePartition"`,
		`:database/` + f.lake.DatabaseNames["raw"] + `"`,
		`:table/` + f.lake.DatabaseNames["raw"] + `/*"`,
		`"logs:AssociateKmsKey"`,
		`:log-group:/aws-glue/*"`,
	} {
		if !strings.Contains(pol, want) {
			t.Errorf("raw crawler policy lacks %s: %s", want, pol)
		}
	}
	for _, bad := range []string{`"glue:*"`, `"s3:*"`, `"kms:*"`, `"glue:DeleteTable"`, `"s3:PutObject"`, "lakeformation", "CuratedZone"} {
		if strings.Contains(pol, bad) {
			t.Errorf("raw crawler policy has %s: %s", bad, pol)
		}
	}
	lf := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::IAM::Policy", "Full", "GoldCrawlerRole")))
	if !strings.Contains(lf, `"Action":"lakeformation:GetDataAccess","Effect":"Allow","Resource":"*"`) {
		t.Errorf("Lake Formation crawler lacks GetDataAccess: %s", lf)
	}
}

func TestKeyPolicyLetsLogsEncryptGlueLogsOnly(t *testing.T) {
	f := synth(t)
	pol := cdktest.JSON(cdktest.Properties(cdktest.Only(t, scoped(f, "AWS::KMS::Key", "Lake")))["KeyPolicy"])
	for _, want := range []string{`"Sid":"CloudWatchLogsForGlue"`, `"Service":"logs.ap-northeast-2.amazonaws.com"`,
		`"ArnLike":{"kms:EncryptionContext:aws:logs:arn":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":logs:ap-northeast-2:123456789012:log-group:/aws-glue/*"]]}}`} {
		if !strings.Contains(pol, want) {
			t.Errorf("key policy lacks %s: %s", want, pol)
		}
	}
}

func TestAthenaWorkGroup(t *testing.T) {
	f := synth(t)
	wg := cdktest.Properties(cdktest.Only(t, scoped(f, "AWS::Athena::WorkGroup", "Lake")))
	cfg, _ := wg["WorkGroupConfiguration"].(map[string]any)
	if cfg["EnforceWorkGroupConfiguration"] != true || cfg["PublishCloudWatchMetricsEnabled"] != true {
		t.Errorf("workgroup not enforced or without metrics: %s", cdktest.JSON(cfg))
	}
	if got := cfg["BytesScannedCutoffPerQuery"]; got != float64(10<<30) {
		t.Errorf("default cutoff = %v, want 10 GiB", got)
	}
	rc := cdktest.JSON(cfg["ResultConfiguration"])
	for _, want := range []string{`"EncryptionOption":"SSE_KMS"`, `"KmsKey":{"Fn::GetAtt":["LakeKey`, `"ExpectedBucketOwner":"123456789012"`, `{"Ref":"LakeQueryResults`} {
		if !strings.Contains(rc, want) {
			t.Errorf("result configuration lacks %s: %s", want, rc)
		}
	}
	results := cdktest.Properties(one(t, f, "AWS::S3::Bucket", "Lake", "QueryResults"))
	if enc := cdktest.JSON(results["BucketEncryption"]); !strings.Contains(enc, `"SSEAlgorithm":"aws:kms"`) {
		t.Errorf("results bucket encryption = %s", enc)
	}
	if lc := cdktest.JSON(results["LifecycleConfiguration"]); !strings.Contains(lc, `"ExpirationInDays":30`) {
		t.Errorf("results expiry = %s", lc)
	}
	full := cdktest.Properties(cdktest.Only(t, scoped(f, "AWS::Athena::WorkGroup", "Full")))
	if got := full["WorkGroupConfiguration"].(map[string]any)["BytesScannedCutoffPerQuery"]; got != float64(1<<30) {
		t.Errorf("custom cutoff = %v", got)
	}
}

func TestFirehoseIngestion(t *testing.T) {
	f := synth(t)
	ds := cdktest.Properties(cdktest.Only(t, scoped(f, "AWS::KinesisFirehose::DeliveryStream", "Lake")))
	if got := ds["DeliveryStreamType"]; got != "DirectPut" {
		t.Errorf("default stream type = %v", got)
	}
	if got := cdktest.JSON(ds["DeliveryStreamEncryptionConfigurationInput"]); !strings.Contains(got, `"KeyType":"CUSTOMER_MANAGED_CMK"`) {
		t.Errorf("Direct PUT stream SSE = %s", got)
	}
	s3 := ds["ExtendedS3DestinationConfiguration"].(map[string]any)
	for field, want := range map[string]string{
		"Prefix":                   `"events/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"`,
		"ErrorOutputPrefix":        `"errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/"`,
		"CompressionFormat":        `"GZIP"`,
		"BufferingHints":           `{"IntervalInSeconds":300,"SizeInMBs":64}`,
		"EncryptionConfiguration":  `{"KMSEncryptionConfig":{"AWSKMSKeyARN":{"Fn::GetAtt":["LakeKey`,
		"BucketARN":                `{"Fn::GetAtt":["LakeRawZone`,
		"CloudWatchLoggingOptions": `{"Enabled":true,"LogGroupName":{"Ref":"LakeDeliveryLogs`,
	} {
		if got := cdktest.JSON(s3[field]); !strings.HasPrefix(got, want) {
			t.Errorf("%s = %s, want prefix %s", field, got, want)
		}
	}
	full := cdktest.Properties(cdktest.Only(t, scoped(f, "AWS::KinesisFirehose::DeliveryStream", "Full")))
	if got := full["DeliveryStreamType"]; got != "KinesisStreamAsSource" {
		t.Errorf("stream type with a source = %v", got)
	}
	if got := cdktest.JSON(full["KinesisStreamSourceConfiguration"]); !strings.Contains(got, `"KinesisStreamARN":{"Fn::GetAtt":["Events`) {
		t.Errorf("source = %s", got)
	}
	fs3 := full["ExtendedS3DestinationConfiguration"].(map[string]any)
	if got := fs3["Prefix"]; got != "clicks/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/" {
		t.Errorf("custom prefix = %v", got)
	}
	if got := cdktest.JSON(fs3["BufferingHints"]); got != `{"IntervalInSeconds":120,"SizeInMBs":128}` {
		t.Errorf("custom buffering = %s", got)
	}
	if got := cdktest.JSON(fs3["BucketARN"]); !strings.Contains(got, "FullLandingZone") {
		t.Errorf("ingestion zone = %s, want the first zone", got)
	}
}

func TestLakeFormation(t *testing.T) {
	f := synth(t)
	if n := len(scoped(f, "AWS::LakeFormation::Resource", "Lake")); n != 0 {
		t.Errorf("default lake registers %d Lake Formation resources", n)
	}
	res := scoped(f, "AWS::LakeFormation::Resource", "Full")
	if len(res) != 2 {
		t.Fatalf("%d Lake Formation resources, want one per zone", len(res))
	}
	for id, r := range res {
		p := cdktest.JSON(cdktest.Properties(r))
		if !strings.Contains(p, `"UseServiceLinkedRole":false`) || !strings.Contains(p, `"RoleArn":{"Fn::GetAtt":["FullLakeFormationRole`) {
			t.Errorf("%s = %s", id, p)
		}
	}
	f.tpl.Has(t, "AWS::LakeFormation::Permissions", map[string]any{
		"DataLakePrincipal": map[string]any{"DataLakePrincipalIdentifier": analyst},
		"Permissions":       []any{"DESCRIBE"},
	})
	f.tpl.Has(t, "AWS::LakeFormation::Permissions", map[string]any{
		"DataLakePrincipal": map[string]any{"DataLakePrincipalIdentifier": analyst},
		"Permissions":       []any{"SELECT", "DESCRIBE"},
		"Resource":          map[string]any{"TableResource": map[string]any{"CatalogId": "123456789012", "TableWildcard": map[string]any{}}},
	})
}

func TestGrants(t *testing.T) {
	f := synth(t)
	read := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::IAM::Policy", "Reader", "")))
	for _, want := range []string{`"s3:GetObject","s3:GetObjectVersion","s3:ListBucket","s3:GetBucketLocation"`, `"Action":["kms:Decrypt","kms:DescribeKey"]`, "LakeCuratedZone"} {
		if !strings.Contains(read, want) {
			t.Errorf("GrantRead policy lacks %s: %s", want, read)
		}
	}
	write := cdktest.JSON(cdktest.Properties(one(t, f, "AWS::IAM::Policy", "Writer", "")))
	for _, want := range []string{`"s3:PutObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts","s3:ListBucketMultipartUploads"`, `"Action":["kms:GenerateDataKey","kms:Decrypt"]`, "LakeRawZone"} {
		if !strings.Contains(write, want) {
			t.Errorf("GrantWrite policy lacks %s: %s", want, write)
		}
	}
	for _, want := range []string{
		`"athena:StartQueryExecution"`, `:workgroup/",{"Ref":"LakeWorkGroup`,
		`"glue:GetTables"`, `:table/` + f.lake.DatabaseNames["analytics"] + `/*"`,
		`"Action":["kms:Decrypt","kms:GenerateDataKey"]`, "LakeQueryResults",
	} {
		if !strings.Contains(read, want) {
			t.Errorf("GrantQuery policy lacks %s: %s", want, read)
		}
	}
	if strings.Contains(read, "glue:CreateTable") || strings.Contains(read, "athena:*") {
		t.Errorf("GrantQuery is broader than querying: %s", read)
	}
	for _, pol := range []string{read, write} {
		if strings.Contains(pol, "s3:*") || strings.Contains(pol, "s3:DeleteObject") || strings.Contains(pol, "kms:*") {
			t.Errorf("grant is broader than asked: %s", pol)
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `no zone "gold"`) {
			t.Errorf("GrantRead of an unknown zone: panic %v", r)
		}
	}()
	f.lake.GrantRead("gold", awsiam.NewAnyPrincipal())
}

func TestExportedFields(t *testing.T) {
	f := synth(t)
	l := f.lake
	if len(l.Buckets) != 3 || len(l.Databases) != 3 || len(l.Crawlers) != 3 || len(l.CrawlerRoles) != 3 {
		t.Errorf("per-zone maps: %d buckets, %d databases, %d crawlers, %d roles", len(l.Buckets), len(l.Databases), len(l.Crawlers), len(l.CrawlerRoles))
	}
	if strings.Join(l.Zones, ",") != "raw,curated,analytics" {
		t.Errorf("Zones = %v", l.Zones)
	}
	if l.Key == nil || l.AccessLogs == nil || l.WorkGroup == nil || l.ResultsBucket == nil || l.DeliveryStream == nil || l.DeliveryLogs == nil || l.SecurityConfiguration == nil {
		t.Error("a resource the lake made is not exported")
	}
	if l.LakeFormationRole != nil || f.full.LakeFormationRole == nil || f.full.ReplicationRoles["landing"] == nil {
		t.Error("optional resources exported wrongly")
	}
}

func TestValidation(t *testing.T) {
	stack := cdktest.NewStack("Validation")
	cases := []struct {
		name  string
		props *datalake.Props
		want  []string
	}{
		{"bad zone names", &datalake.Props{Zones: []datalake.Zone{{Name: "Raw"}, {Name: "-x"}, {Name: "a_b"}, {Name: ""}, {Name: "abcdefghijklmnopqrstu"}}}, []string{
			`Zones[0].Name: "Raw" is not a valid S3 name part: 1-20 lowercase letters, digits or hyphens, not starting or ending with a hyphen`,
			`Zones[1].Name: "-x" is not a valid S3 name part`,
			`Zones[2].Name: "a_b" is not a valid S3 name part`,
			`Zones[3].Name: "" is not a valid S3 name part`,
			`Zones[4].Name: "abcdefghijklmnopqrstu" is not a valid S3 name part`,
		}},
		{"duplicate zone", &datalake.Props{Zones: []datalake.Zone{{Name: "raw"}, {Name: "raw"}}}, []string{
			`Zones[1].Name: "raw" duplicates Zones[0]`,
		}},
		{"lifecycle out of order", &datalake.Props{Lifecycle: datalake.Lifecycle{IntelligentTieringAfterDays: 90, GlacierAfterDays: 60}}, []string{
			`Lifecycle.GlacierAfterDays: 60 must come after the Intelligent-Tiering transition (day 90)`,
		}},
		{"glacier before default tiering", &datalake.Props{Zones: []datalake.Zone{{Name: "raw", Lifecycle: &datalake.Lifecycle{GlacierAfterDays: 20}}}}, []string{
			`Zones[0].Lifecycle.GlacierAfterDays: 20 must come after the Intelligent-Tiering transition (day 30)`,
		}},
		{"negative days", &datalake.Props{Lifecycle: datalake.Lifecycle{NoncurrentVersionExpiryDays: -1}}, []string{
			`Lifecycle.NoncurrentVersionExpiryDays: must not be negative, got -1`,
		}},
		{"object lock retention without mode", &datalake.Props{Zones: []datalake.Zone{{Name: "raw", ObjectLock: &datalake.ObjectLock{RetentionDays: 30}}}}, []string{
			`Zones[0].ObjectLock.Mode: is required with RetentionDays: GOVERNANCE or COMPLIANCE`,
		}},
		{"object lock mode without retention", &datalake.Props{Zones: []datalake.Zone{{Name: "raw", ObjectLock: &datalake.ObjectLock{Mode: "GOVERNANCE"}}}}, []string{
			`Zones[0].ObjectLock.RetentionDays: must be positive with Mode GOVERNANCE, got 0`,
		}},
		{"object lock bad mode", &datalake.Props{Zones: []datalake.Zone{{Name: "raw", ObjectLock: &datalake.ObjectLock{Mode: "governance", RetentionDays: 1}}}}, []string{
			`Zones[0].ObjectLock.Mode: "governance" is not GOVERNANCE or COMPLIANCE`,
		}},
		{"replication same region", &datalake.Props{Zones: []datalake.Zone{{Name: "raw", Replication: &datalake.Replication{
			DestinationBucketArn: replicaBucket, DestinationKeyArn: "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}}}, []string{
			`Zones[0].Replication.DestinationKeyArn: is in ap-northeast-2, the stack's own region: cross-region replication needs a destination in another region`,
		}},
		{"replication malformed ARNs", &datalake.Props{Zones: []datalake.Zone{{Name: "raw", Replication: &datalake.Replication{
			DestinationBucketArn: "gureum-raw-replica", DestinationKeyArn: "alias/replica"}}}}, []string{
			`Zones[0].Replication.DestinationBucketArn: "gureum-raw-replica" is not an S3 bucket ARN (arn:aws:s3:::NAME)`,
			`Zones[0].Replication.DestinationKeyArn: "alias/replica" is not a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)`,
		}},
		{"scan limit below minimum", &datalake.Props{Query: datalake.Query{BytesScannedCutoffPerQuery: 1 << 20}}, []string{
			`Query.BytesScannedCutoffPerQuery: 1048576 is below Athena's minimum of 10000000 bytes (10 MB)`,
		}},
		{"bad crawler cron", &datalake.Props{Crawlers: datalake.Crawlers{Schedule: "0 2 * * ? *"}}, []string{
			`Crawlers.Schedule: "0 2 * * ? *" is not a Glue cron expression: want "cron(minutes hours day-of-month month day-of-week year)"`,
		}},
		{"cron field count", &datalake.Props{Crawlers: datalake.Crawlers{Schedule: "cron(0 2 * * ?)"}}, []string{
			`Crawlers.Schedule: "cron(0 2 * * ?)" has 5 fields, want 6 (minutes hours day-of-month month day-of-week year)`,
		}},
		{"cron both days", &datalake.Props{Crawlers: datalake.Crawlers{Schedule: "cron(0 2 * * * *)"}}, []string{
			`Crawlers.Schedule: "cron(0 2 * * * *)" must set exactly one of day-of-month and day-of-week to "?"`,
		}},
		{"cron bad field", &datalake.Props{Crawlers: datalake.Crawlers{Schedule: "cron(0 2h * * ? *)"}}, []string{
			`Crawlers.Schedule: "cron(0 2h * * ? *)" has an invalid hours field "2h"`,
		}},
		{"schedule and on demand", &datalake.Props{Crawlers: datalake.Crawlers{Schedule: "cron(0 2 * * ? *)", OnDemand: true}}, []string{
			`Crawlers.Schedule: is set together with Crawlers.OnDemand`,
		}},
		{"ingestion", &datalake.Props{Ingestion: datalake.Ingestion{Zone: "gold", Prefix: "events", BufferInterval: time.Hour, BufferSizeMiB: 256}}, []string{
			`Ingestion.Zone: "gold" is not one of the zones raw, curated, analytics`,
			`Ingestion.Prefix: "events" must end with "/"`,
			`Ingestion.BufferInterval: 1h0m0s is outside Firehose's range 0..15m`,
			`Ingestion.BufferSizeMiB: 256 is outside Firehose's range 1..128 MiB`,
		}},
		{"ingestion disabled with settings", &datalake.Props{Ingestion: datalake.Ingestion{Disable: true, Prefix: "events/"}}, []string{
			`Ingestion.Disable: is set together with other Ingestion settings`,
		}},
		{"ingestion prefix", &datalake.Props{Ingestion: datalake.Ingestion{Prefix: "errors/x/"}}, []string{
			`Ingestion.Prefix: "errors/x/" must not start with "errors/": Firehose writes failed records there`,
		}},
		{"empty lake formation", &datalake.Props{LakeFormation: &datalake.LakeFormation{}}, []string{
			`LakeFormation: is set without Register or Grants`,
		}},
		{"existing key is an alias", &datalake.Props{ExistingKey: awskms.Alias_FromAliasName(stack, jsii.String("LakeAlias"), jsii.String("alias/lake"))}, []string{
			`ExistingKey: is the alias "alias/lake": give the key itself (the zones' upload policy admits the lake key by its key ARN)`,
		}},
		{"database prefix", &datalake.Props{DatabasePrefix: "Sales-DB"}, []string{
			`DatabasePrefix: "Sales-DB" must be 1-100 lowercase letters, digits or underscores, starting with a letter`,
		}},
		{"lake formation", &datalake.Props{LakeFormation: &datalake.LakeFormation{Grants: []datalake.LakeFormationGrant{{Principal: "Analyst", Zone: "gold", TablePermissions: []string{"READ"}}}}}, []string{
			`LakeFormation.Grants[0].Principal: "Analyst" is not an IAM role or user ARN`,
			`LakeFormation.Grants[0].Zone: "gold" is not one of the zones raw, curated, analytics`,
			`LakeFormation.Grants[0].TablePermissions: "READ" is not one of ALL, SELECT, ALTER, DROP, DELETE, INSERT, DESCRIBE`,
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := datalake.Validate(stack, "Lake", c.props)
			var verr *validate.Error
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a *validate.Error", err)
			}
			if verr.Path != "Validation/Lake" || verr.Kind != "datalake" {
				t.Errorf("error names %s %q", verr.Kind, verr.Path)
			}
			if len(verr.Problems) != len(c.want) {
				t.Errorf("%d problems, want %d:\n%s", len(verr.Problems), len(c.want), strings.Join(verr.Problems, "\n"))
			}
			for i, want := range c.want {
				if i < len(verr.Problems) && !strings.HasPrefix(verr.Problems[i], want) {
					t.Errorf("problem %d:\n got %s\nwant %s", i, verr.Problems[i], want)
				}
			}
		})
	}
	for _, ok := range []*datalake.Props{nil, {}, {Crawlers: datalake.Crawlers{Schedule: "cron(0/30 * * * ? *)"}}, {Crawlers: datalake.Crawlers{Schedule: "cron(0 2 L * ? 2026-2030)"}}} {
		if err := datalake.Validate(stack, "Lake", ok); err != nil {
			t.Errorf("Validate(%+v) = %v, want nil", ok, err)
		}
	}
	if err := validate.Catch(func() {
		datalake.New(stack, "Bad", &datalake.Props{Query: datalake.Query{BytesScannedCutoffPerQuery: 1}})
	}); err == nil {
		t.Error("New with invalid props did not panic with a *validate.Error")
	}
	if stack.Node().TryFindChild(jsii.String("Bad")) != nil {
		t.Error("New created the construct before validating")
	}
}

func TestLogEncryptionKey(t *testing.T) {
	f := synth(t)
	f.tpl.LogGroupsUseKey(t, f.tables.Construct, f.logKey)
}
