package imagepipeline_test

import (
	"encoding/json"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/imagepipeline"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/functions/imageproc"
)

const handler = "../../functions/imageproc/lambda"

type fixture struct {
	stack          awscdk.Stack
	images, custom *imagepipeline.ImagePipeline
	logKey         awskms.Key
	tpl            *cdktest.Template
}

var (
	fixtureOnce sync.Once
	fx          *fixture
)

// pipelines synthesizes, once per test binary, one stack with two pipelines:
// "Images" with every default, and "Custom" with existing buckets, S3- and
// SQS-managed encryption, an image watermark, tuned queue settings and an
// alarm topic.
func pipelines(t *testing.T) *fixture {
	t.Helper()
	fixtureOnce.Do(func() {
		stack := cdktest.NewStack("Pipelines")
		f := &fixture{stack: stack}
		f.images = imagepipeline.New(stack, "Images", &imagepipeline.Props{Entry: handler})
		uploads := awss3.Bucket_FromBucketName(stack, jsii.String("StudioUploads"), jsii.String("studio-uploads"))
		f.logKey = awskms.NewKey(stack, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		f.custom = imagepipeline.New(stack, "Custom", &imagepipeline.Props{
			LogEncryptionKey: f.logKey,
			Entry:            handler,
			Prefix:           "photos/",
			Suffixes:         []string{".png", ".jpg"},
			Renditions: []imagepipeline.Rendition{
				{Name: "icon", MaxWidth: 64, Format: imagepipeline.PNG},
				{Name: "web", MaxHeight: 720, Quality: 90},
			},
			Watermark:                 &imagepipeline.Watermark{ImageKey: "brand/logo.png", Position: imagepipeline.TopLeft, Opacity: 0.3},
			OutputPrefix:              "out/",
			MaxPixels:                 30_000_000,
			MemoryMB:                  3008,
			Timeout:                   2 * time.Minute,
			BatchSize:                 100,
			MaxBatchingWindow:         10 * time.Second,
			MaxConcurrency:            10,
			MaxReceiveCount:           5,
			DisableCustomerManagedKey: true,
			ExistingUploadBucket:      uploads,
			ExistingOutputBucket:      awss3.Bucket_FromBucketName(stack, jsii.String("StudioRenditions"), jsii.String("studio-renditions")),
			Alarms: imagepipeline.Alarms{
				Topic:              alarmtopic.New(stack, "Topic", nil).Topic,
				MaxMessageAge:      5 * time.Minute,
				RejectionThreshold: 10,
			},
		})
		for _, r := range []struct {
			id    string
			grant func(awsiam.IGrantable) awsiam.Grant
		}{{"Uploader", f.images.GrantUpload}, {"Reader", f.images.GrantReadRenditions}} {
			role := awsiam.NewRole(stack, jsii.String(r.id), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil)})
			r.grant(role)
			nag.Suppress(role, "AwsSolutions-IAM5", "Test role: objects under a prefix.", "/^Resource::.*\\*$/")
		}
		f.tpl = cdktest.Synth(t, stack)
		fx = f
		if path := os.Getenv("IMAGEPIPELINE_DUMP"); path != "" {
			b, _ := json.MarshalIndent(f.tpl.JSON, "", " ")
			os.WriteFile(path, b, 0o644)
		}
	})
	if fx == nil {
		t.Fatal("the fixture did not synthesize (see the first failing test)")
	}
	return fx
}

// props returns the Properties of the only resource of typ whose logical ID
// starts with prefix.
func props(t *testing.T, f *fixture, typ, prefix string) map[string]any {
	t.Helper()
	var found []string
	var out map[string]any
	for lid, r := range f.tpl.Resources(typ) {
		if strings.HasPrefix(lid, prefix) {
			found = append(found, lid)
			out, _ = r["Properties"].(map[string]any)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d %s resources with logical ID prefix %q (%v), want 1", len(found), typ, prefix, found)
	}
	return out
}

// resource returns the whole resource of typ whose logical ID starts with prefix.
func resource(t *testing.T, f *fixture, typ, prefix string) map[string]any {
	t.Helper()
	for lid, r := range f.tpl.Resources(typ) {
		if strings.HasPrefix(lid, prefix) {
			return r
		}
	}
	t.Fatalf("no %s with logical ID prefix %q", typ, prefix)
	return nil
}

// ref returns the logical ID in {"Fn::GetAtt": [id, attr]} or {"Ref": id}.
func ref(v any) string {
	m, _ := v.(map[string]any)
	if r, ok := m["Ref"].(string); ok {
		return r
	}
	if ga, ok := m["Fn::GetAtt"].([]any); ok && len(ga) > 0 {
		s, _ := ga[0].(string)
		return s
	}
	return ""
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := cdktest.JSON(got), cdktest.JSON(want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func TestNotificationsGoToTheQueuePerSuffix(t *testing.T) {
	f := pipelines(t)
	f.tpl.Count(t, "Custom::S3BucketNotifications", 2)
	check := func(prefix, queue, keyPrefix string, suffixes []string) {
		t.Helper()
		p := props(t, f, "Custom::S3BucketNotifications", prefix)
		qcs, _ := p["NotificationConfiguration"].(map[string]any)["QueueConfigurations"].([]any)
		var got []string
		for _, qc := range qcs {
			m := qc.(map[string]any)
			equal(t, prefix+" events", m["Events"], []any{"s3:ObjectCreated:*"})
			if r := ref(m["QueueArn"]); !strings.HasPrefix(r, queue) {
				t.Errorf("%s notifies %s, want the pipeline's queue %s*", prefix, r, queue)
			}
			rules := map[string]string{}
			for _, fr := range m["Filter"].(map[string]any)["Key"].(map[string]any)["FilterRules"].([]any) {
				r := fr.(map[string]any)
				rules[r["Name"].(string)] = r["Value"].(string)
			}
			if rules["prefix"] != keyPrefix {
				t.Errorf("%s: prefix filter %q, want %q", prefix, rules["prefix"], keyPrefix)
			}
			got = append(got, rules["suffix"])
		}
		equal(t, prefix+" suffixes (one notification each)", got, suffixes)
	}
	check("ImagesUploadsNotifications", "ImagesQueue", "uploads/",
		[]string{".jpg", ".jpeg", ".png", ".gif", ".webp", ".JPG", ".JPEG", ".PNG", ".GIF", ".WEBP"})
	check("StudioUploadsNotifications", "CustomQueue", "photos/", []string{".png", ".jpg"})

	// S3 may send only from the upload bucket, and only over TLS.
	pol := cdktest.JSON(props(t, f, "AWS::SQS::QueuePolicy", "ImagesQueuePolicy"))
	for _, want := range []string{`"Principal":{"Service":"s3.amazonaws.com"}`, `"aws:SourceArn":{"Fn::GetAtt":["ImagesUploads`, `"sqs:SendMessage"`} {
		if !strings.Contains(pol, want) {
			t.Errorf("queue policy lacks %s:\n%s", want, pol)
		}
	}
}

func TestQueuesAreEncryptedTLSOnlyWithRedrive(t *testing.T) {
	f := pipelines(t)
	f.tpl.Count(t, "AWS::SQS::Queue", 4)
	q := props(t, f, "AWS::SQS::Queue", "ImagesQueue")
	dlq := props(t, f, "AWS::SQS::Queue", "ImagesDeadLetters")
	if k := ref(q["KmsMasterKeyId"]); !strings.HasPrefix(k, "ImagesQueueKey") {
		t.Errorf("queue key %q, want the pipeline's QueueKey", k)
	}
	if k := ref(dlq["KmsMasterKeyId"]); !strings.HasPrefix(k, "ImagesQueueKey") {
		t.Errorf("dead-letter queue key %q, want the pipeline's QueueKey", k)
	}
	equal(t, "visibility timeout (6 x 60s)", q["VisibilityTimeout"], 360)
	equal(t, "queue retention (4 days)", q["MessageRetentionPeriod"], 345600)
	equal(t, "dead-letter retention (14 days)", dlq["MessageRetentionPeriod"], 1209600)
	rp := q["RedrivePolicy"].(map[string]any)
	equal(t, "maxReceiveCount", rp["maxReceiveCount"], 3)
	if r := ref(rp["deadLetterTargetArn"]); !strings.HasPrefix(r, "ImagesDeadLetters") {
		t.Errorf("redrive target %q, want the pipeline's dead-letter queue", r)
	}
	if _, ok := dlq["RedrivePolicy"]; ok {
		t.Error("the dead-letter queue has a redrive policy of its own")
	}

	c := props(t, f, "AWS::SQS::Queue", "CustomQueue")
	equal(t, "custom: SQS-managed encryption", c["SqsManagedSseEnabled"], true)
	equal(t, "custom: visibility timeout (6 x 120s + 10s window)", c["VisibilityTimeout"], 730)
	equal(t, "custom: maxReceiveCount", c["RedrivePolicy"].(map[string]any)["maxReceiveCount"], 5)
	equal(t, "custom DLQ: SQS-managed encryption", props(t, f, "AWS::SQS::Queue", "CustomDeadLetters")["SqsManagedSseEnabled"], true)

	// Every queue denies requests without TLS.
	tlsOnly := 0
	for _, qp := range f.tpl.Resources("AWS::SQS::QueuePolicy") {
		s := cdktest.JSON(qp)
		if strings.Contains(s, `"Effect":"Deny"`) && strings.Contains(s, `"aws:SecureTransport":"false"`) {
			tlsOnly++
		}
	}
	if tlsOnly != 4 {
		t.Errorf("%d queue policies deny non-TLS requests, want 4", tlsOnly)
	}
}

func TestKeysRotateAndAreRetained(t *testing.T) {
	f := pipelines(t)
	f.tpl.Count(t, "AWS::KMS::Key", 5) // Images: buckets and queues; Custom: none; the two alarm topics' keys (Custom's, and the shared one Images notifies); the test's log key
	for _, prefix := range []string{"ImagesKey", "ImagesQueueKey"} {
		r := resource(t, f, "AWS::KMS::Key", prefix)
		equal(t, prefix+" deletion policy", r["DeletionPolicy"], "Retain")
		equal(t, prefix+" rotation", r["Properties"].(map[string]any)["EnableKeyRotation"], true)
	}
	// S3 may use the queue key only for the upload bucket's notifications.
	pol := cdktest.JSON(props(t, f, "AWS::KMS::Key", "ImagesQueueKey")["KeyPolicy"])
	if !strings.Contains(pol, `"aws:SourceArn":{"Fn::GetAtt":["ImagesUploads`) {
		t.Errorf("queue key policy does not scope S3 to the upload bucket:\n%s", pol)
	}
}

func TestEventSourceMapping(t *testing.T) {
	f := pipelines(t)
	f.tpl.Count(t, "AWS::Lambda::EventSourceMapping", 2)
	m := props(t, f, "AWS::Lambda::EventSourceMapping", "ImagesProcessor")
	equal(t, "batch size", m["BatchSize"], 5)
	equal(t, "response types", m["FunctionResponseTypes"], []any{"ReportBatchItemFailures"})
	equal(t, "scaling", m["ScalingConfig"], map[string]any{"MaximumConcurrency": 50})
	if _, ok := m["MaximumBatchingWindowInSeconds"]; ok {
		t.Error("default mapping waits for a batching window; uploads should be processed as they land")
	}
	if r := ref(m["EventSourceArn"]); !strings.HasPrefix(r, "ImagesQueue") {
		t.Errorf("mapping reads %q, want the pipeline's queue", r)
	}
	c := props(t, f, "AWS::Lambda::EventSourceMapping", "CustomProcessor")
	equal(t, "custom batch size", c["BatchSize"], 100)
	equal(t, "custom batching window", c["MaximumBatchingWindowInSeconds"], 10)
	equal(t, "custom scaling", c["ScalingConfig"], map[string]any{"MaximumConcurrency": 10})
	equal(t, "custom response types", c["FunctionResponseTypes"], []any{"ReportBatchItemFailures"})
}

func TestFunctionIsGoOnGraviton(t *testing.T) {
	f := pipelines(t)
	fn := props(t, f, "AWS::Lambda::Function", "ImagesProcessor")
	equal(t, "runtime", fn["Runtime"], "provided.al2023")
	equal(t, "architectures", fn["Architectures"], []any{"arm64"})
	equal(t, "handler", fn["Handler"], "bootstrap")
	equal(t, "memory", fn["MemorySize"], 2048)
	equal(t, "timeout", fn["Timeout"], 60)
	equal(t, "tracing", fn["TracingConfig"], map[string]any{"Mode": "Active"})
	if _, ok := fn["ReservedConcurrentExecutions"]; ok {
		t.Error("the function reserves concurrency; the event source's MaximumConcurrency caps it")
	}
	c := props(t, f, "AWS::Lambda::Function", "CustomProcessor")
	equal(t, "custom memory", c["MemorySize"], 3008)
	equal(t, "custom timeout", c["Timeout"], 120)
	f.tpl.HasResource(t, "AWS::Logs::LogGroup", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties":     map[string]any{"RetentionInDays": 365},
	})
}

// env returns the function's environment with tokens (bucket names)
// replaced by a placeholder.
func env(t *testing.T, f *fixture, prefix string) map[string]string {
	t.Helper()
	vars := props(t, f, "AWS::Lambda::Function", prefix)["Environment"].(map[string]any)["Variables"].(map[string]any)
	out := map[string]string{}
	for k, v := range vars {
		if s, ok := v.(string); ok {
			out[k] = s
		} else {
			out[k] = "token:" + ref(v)
		}
	}
	return out
}

func TestEnvironmentIsWhatTheHandlerReads(t *testing.T) {
	f := pipelines(t)
	e := env(t, f, "ImagesProcessor")
	if !strings.HasPrefix(e["OUTPUT_BUCKET"], "token:ImagesRenditions") {
		t.Errorf("OUTPUT_BUCKET = %q, want the output bucket's name", e["OUTPUT_BUCKET"])
	}
	equal(t, "RENDITIONS", e["RENDITIONS"],
		`[{"name":"thumb","maxWidth":256,"maxHeight":256,"format":"jpeg","quality":82},{"name":"medium","maxWidth":1024,"maxHeight":1024,"format":"jpeg","quality":85}]`)
	equal(t, "OUTPUT_PREFIX", e["OUTPUT_PREFIX"], "renditions/")
	equal(t, "MAX_PIXELS", e["MAX_PIXELS"], "50000000")
	equal(t, "MAX_OBJECT_BYTES", e["MAX_OBJECT_BYTES"], "52428800")
	if _, ok := e["WATERMARK"]; ok {
		t.Error("WATERMARK is set without Props.Watermark")
	}

	c := env(t, f, "CustomProcessor")
	equal(t, "custom RENDITIONS", c["RENDITIONS"],
		`[{"name":"icon","maxWidth":64,"maxHeight":0,"format":"png"},{"name":"web","maxWidth":0,"maxHeight":720,"format":"jpeg","quality":90}]`)
	equal(t, "custom WATERMARK", c["WATERMARK"], `{"imageKey":"brand/logo.png","position":"top-left","opacity":0.3}`)
	equal(t, "custom WATERMARK_BUCKET", c["WATERMARK_BUCKET"], "studio-uploads")
	equal(t, "custom OUTPUT_BUCKET", c["OUTPUT_BUCKET"], "studio-renditions")
	equal(t, "custom OUTPUT_PREFIX", c["OUTPUT_PREFIX"], "out/")
	equal(t, "custom MAX_PIXELS", c["MAX_PIXELS"], "30000000")

	// The handler's own configuration loader accepts both environments.
	for name, vars := range map[string]map[string]string{"Images": e, "Custom": c} {
		cfg, err := imageproc.LoadConfig(func(k string) string { return vars[k] })
		if err != nil {
			t.Errorf("%s: the handler rejects the construct's environment: %v", name, err)
			continue
		}
		if len(cfg.Renditions) != 2 {
			t.Errorf("%s: the handler sees %d renditions, want 2", name, len(cfg.Renditions))
		}
	}
}

func TestBucketsAreSecureAndRetained(t *testing.T) {
	f := pipelines(t)
	f.tpl.Count(t, "AWS::S3::Bucket", 3) // Images: uploads, renditions, access logs; Custom: existing buckets
	for _, prefix := range []string{"ImagesUploads", "ImagesRenditions", "ImagesAccessLogs"} {
		r := resource(t, f, "AWS::S3::Bucket", prefix)
		equal(t, prefix+" deletion policy", r["DeletionPolicy"], "Retain")
		equal(t, prefix+" update replace policy", r["UpdateReplacePolicy"], "Retain")
		p := r["Properties"].(map[string]any)
		equal(t, prefix+" versioning", p["VersioningConfiguration"], map[string]any{"Status": "Enabled"})
		equal(t, prefix+" public access", p["PublicAccessBlockConfiguration"], map[string]any{
			"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true})
	}
	for _, prefix := range []string{"ImagesUploads", "ImagesRenditions"} {
		p := props(t, f, "AWS::S3::Bucket", prefix)
		sse := p["BucketEncryption"].(map[string]any)["ServerSideEncryptionConfiguration"].([]any)[0].(map[string]any)
		def := sse["ServerSideEncryptionByDefault"].(map[string]any)
		equal(t, prefix+" SSE", def["SSEAlgorithm"], "aws:kms")
		if k := ref(def["KMSMasterKeyID"]); !strings.HasPrefix(k, "ImagesKey") {
			t.Errorf("%s is encrypted with %q, want the pipeline's key", prefix, k)
		}
		equal(t, prefix+" bucket key", sse["BucketKeyEnabled"], true)
		lc := p["LoggingConfiguration"].(map[string]any)
		if r := ref(lc["DestinationBucketName"]); !strings.HasPrefix(r, "ImagesAccessLogs") {
			t.Errorf("%s logs to %q, want the access-logs bucket", prefix, r)
		}
	}
	rules := cdktest.JSON(props(t, f, "AWS::S3::Bucket", "ImagesRenditions")["LifecycleConfiguration"])
	if !strings.Contains(rules, `"NoncurrentVersionExpiration":{"NoncurrentDays":30}`) {
		t.Errorf("overwritten renditions are kept forever: %s", rules)
	}
	// S3 delivers access logs through the log bucket's policy (no ACLs with
	// bucket-owner-enforced ownership), only from the pipeline's buckets.
	logs := cdktest.JSON(props(t, f, "AWS::S3::BucketPolicy", "ImagesAccessLogsPolicy"))
	for _, want := range []string{
		`"Principal":{"Service":"logging.s3.amazonaws.com"}`,
		`"aws:SourceArn":{"Fn::GetAtt":["ImagesUploads`, `"aws:SourceArn":{"Fn::GetAtt":["ImagesRenditions`,
		`"aws:SourceAccount":"123456789012"`, `"/Uploads/*"`, `"/Renditions/*"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("access-logs bucket policy lacks %s:\n%s", want, logs)
		}
	}
	for _, bp := range f.tpl.Resources("AWS::S3::BucketPolicy") {
		if s := cdktest.JSON(bp); !strings.Contains(s, `"aws:SecureTransport":"false"`) {
			t.Errorf("a bucket accepts requests without TLS: %s", s)
		}
	}
}

// statements returns the statements of every IAM policy attached to the
// role whose logical ID starts with prefix.
func statements(t *testing.T, f *fixture, prefix string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, pol := range f.tpl.Resources("AWS::IAM::Policy") {
		p := pol["Properties"].(map[string]any)
		if !strings.Contains(cdktest.JSON(p["Roles"]), `"`+prefix) {
			continue
		}
		for _, s := range p["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, s.(map[string]any))
		}
	}
	if len(out) == 0 {
		t.Fatalf("no policy for role %s*", prefix)
	}
	return out
}

func actions(s map[string]any) []string {
	switch a := s["Action"].(type) {
	case string:
		return []string{a}
	case []any:
		out := make([]string, len(a))
		for i, x := range a {
			out[i] = x.(string)
		}
		sort.Strings(out)
		return out
	}
	return nil
}

func TestLeastPrivilege(t *testing.T) {
	f := pipelines(t)
	bySid := func(prefix string) map[string]map[string]any {
		m := map[string]map[string]any{}
		for _, s := range statements(t, f, prefix) {
			if sid, ok := s["Sid"].(string); ok {
				m[sid] = s
			}
		}
		return m
	}
	img := bySid("ImagesProcessorRole")
	equal(t, "ReadUploads actions", actions(img["ReadUploads"]), []string{"s3:GetObject"})
	equal(t, "ReadUploads resource", img["ReadUploads"]["Resource"], map[string]any{"Fn::Join": []any{"", []any{
		map[string]any{"Fn::GetAtt": []any{*f.stack.GetLogicalId(f.images.UploadBucket.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}}, "/uploads/*"}}})
	equal(t, "WriteRenditions actions", actions(img["WriteRenditions"]), []string{"s3:GetObject", "s3:PutObject"})
	equal(t, "WriteRenditions resource", img["WriteRenditions"]["Resource"], map[string]any{"Fn::Join": []any{"", []any{
		map[string]any{"Fn::GetAtt": []any{*f.stack.GetLogicalId(f.images.OutputBucket.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}}, "/renditions/*"}}})
	if _, ok := img["ReadWatermark"]; ok {
		t.Error("a text watermark needs no S3 access")
	}
	// Listing, so that S3 answers 404 (not 403) for a deleted upload, only
	// for keys under the upload prefix.
	equal(t, "ListUploads", img["ListUploads"], map[string]any{
		"Sid": "ListUploads", "Effect": "Allow", "Action": "s3:ListBucket",
		"Resource":  map[string]any{"Fn::GetAtt": []any{*f.stack.GetLogicalId(f.images.UploadBucket.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}},
		"Condition": map[string]any{"StringLike": map[string]any{"s3:prefix": "uploads/*"}},
	})
	var all []string
	for _, s := range statements(t, f, "ImagesProcessorRole") {
		all = append(all, actions(s)...)
	}
	have := strings.Join(all, " ")
	for _, want := range []string{"kms:Decrypt", "kms:GenerateDataKey", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"} {
		if !strings.Contains(have, want) {
			t.Errorf("the function cannot %s: %s", want, have)
		}
	}
	for _, bad := range []string{"s3:DeleteObject", "s3:ListAllMyBuckets", "s3:ListBucketVersions", "s3:PutBucket", "sqs:SendMessage", "kms:Encrypt", "kms:ReEncrypt"} {
		if strings.Contains(have, bad) {
			t.Errorf("the function may %s: %s", bad, have)
		}
	}
	for _, s := range statements(t, f, "ImagesProcessorRole") {
		if strings.Contains(strings.Join(actions(s), " "), "s3:ListBucket") && s["Sid"] != "ListUploads" {
			t.Errorf("s3:ListBucket granted outside ListUploads: %v", s)
		}
	}

	cus := bySid("CustomProcessorRole")
	equal(t, "custom ReadWatermark", cus["ReadWatermark"]["Resource"], map[string]any{"Fn::Join": []any{"", []any{
		"arn:", map[string]any{"Ref": "AWS::Partition"}, ":s3:::studio-uploads/brand/logo.png"}}})
	equal(t, "custom ReadUploads", cus["ReadUploads"]["Resource"], map[string]any{"Fn::Join": []any{"", []any{
		"arn:", map[string]any{"Ref": "AWS::Partition"}, ":s3:::studio-uploads/photos/*"}}})
	equal(t, "custom WriteRenditions", cus["WriteRenditions"]["Resource"], map[string]any{"Fn::Join": []any{"", []any{
		"arn:", map[string]any{"Ref": "AWS::Partition"}, ":s3:::studio-renditions/out/*"}}})
	equal(t, "custom ListUploads resource", cus["ListUploads"]["Resource"], map[string]any{"Fn::Join": []any{"", []any{
		"arn:", map[string]any{"Ref": "AWS::Partition"}, ":s3:::studio-uploads"}}})
	equal(t, "custom ListUploads condition", cus["ListUploads"]["Condition"], map[string]any{"StringLike": map[string]any{"s3:prefix": "photos/*"}})

	for lid, pol := range f.tpl.Resources("AWS::IAM::Policy") {
		for _, s := range pol["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			for _, a := range actions(s.(map[string]any)) {
				if a == "*" || strings.HasSuffix(a, ":*") {
					t.Errorf("%s allows %s", lid, a)
				}
			}
		}
	}
	for lid, role := range f.tpl.Resources("AWS::IAM::Role") {
		if m := role["Properties"].(map[string]any)["ManagedPolicyArns"]; m != nil && strings.HasPrefix(lid, "Images") {
			t.Errorf("%s carries managed policies: %v", lid, m)
		}
	}
}

func TestAlarms(t *testing.T) {
	f := pipelines(t)
	f.tpl.Count(t, "AWS::CloudWatch::Alarm", 8)
	for _, name := range []string{imagepipeline.AlarmDeadLetters, imagepipeline.AlarmOldestMessage, imagepipeline.AlarmErrors, imagepipeline.AlarmRejections} {
		if f.images.Alarms[name] == nil || f.custom.Alarms[name] == nil {
			t.Errorf("alarm %q is not exported", name)
		}
	}
	dl := props(t, f, "AWS::CloudWatch::Alarm", "ImagesDeadLettersAlarm")
	equal(t, "dead letters metric", dl["MetricName"], "ApproximateNumberOfMessagesVisible")
	equal(t, "dead letters threshold", dl["Threshold"], 1)
	equal(t, "dead letters comparison", dl["ComparisonOperator"], "GreaterThanOrEqualToThreshold")
	if q := cdktest.JSON(dl["Dimensions"]); !strings.Contains(q, `"ImagesDeadLetters`) {
		t.Errorf("dead letters alarm watches %s, want the dead-letter queue", q)
	}
	age := props(t, f, "AWS::CloudWatch::Alarm", "ImagesOldestMessageAlarm")
	equal(t, "age metric", age["MetricName"], "ApproximateAgeOfOldestMessage")
	equal(t, "age threshold (15m)", age["Threshold"], 900)
	if q := cdktest.JSON(age["Dimensions"]); !strings.Contains(q, `"ImagesQueue`) {
		t.Errorf("age alarm watches %s, want the main queue", q)
	}
	errs := props(t, f, "AWS::CloudWatch::Alarm", "ImagesErrorsAlarm")
	equal(t, "errors metric", errs["MetricName"], "Errors")
	equal(t, "errors threshold", errs["Threshold"], 1)
	// Without Alarms.Topic: the stack's shared alarm topic.
	if a := cdktest.JSON(dl["AlarmActions"]); !strings.Contains(a, `"Ref":"`+alarmtopic.SharedID) {
		t.Errorf("without Alarms.Topic, the alarms notify %s, want the shared alarm topic", a)
	}
	if got := *f.images.AlarmTopic.Node().Path(); got != "Pipelines/"+alarmtopic.SharedID+"/Topic" {
		t.Errorf("AlarmTopic is %s, want the shared alarm topic", got)
	}
	equal(t, "custom age threshold (5m)", props(t, f, "AWS::CloudWatch::Alarm", "CustomOldestMessageAlarm")["Threshold"], 300)
	for _, prefix := range []string{"CustomDeadLettersAlarm", "CustomOldestMessageAlarm", "CustomErrorsAlarm", "CustomRejectionsAlarm"} {
		p := props(t, f, "AWS::CloudWatch::Alarm", prefix)
		if !strings.Contains(cdktest.JSON(p["AlarmActions"]), `"Ref":"Topic`) || !strings.Contains(cdktest.JSON(p["OKActions"]), `"Ref":"Topic`) {
			t.Errorf("%s does not notify the topic: %v / %v", prefix, p["AlarmActions"], p["OKActions"])
		}
	}
}

func TestPassesCdkNag(t *testing.T) {
	f := pipelines(t)
	cdktest.NoNagFindings(t, f.stack)
}

func TestExportedResources(t *testing.T) {
	f := pipelines(t)
	i := f.images
	if i.UploadBucket == nil || i.OutputBucket == nil || i.AccessLogsBucket == nil || i.Key == nil || i.QueueKey == nil ||
		i.Queue == nil || i.DeadLetterQueue == nil || i.Function == nil || i.Role == nil || i.LogGroup == nil ||
		i.EventSource == nil || i.EventSourceMapping == nil || i.RejectionsFilter == nil || i.RejectedUploads == nil || len(i.Alarms) != 4 {
		t.Errorf("a resource is not exported: %+v", i)
	}
	c := f.custom
	if c.AccessLogsBucket != nil || c.Key != nil || c.QueueKey != nil {
		t.Errorf("resources made despite existing buckets and DisableCustomerManagedKey: %+v", c)
	}
	if *c.UploadBucket.BucketName() != "studio-uploads" || *c.OutputBucket.BucketName() != "studio-renditions" {
		t.Error("the existing buckets are not the exported ones")
	}
	if c.EventSourceMapping == nil || c.EventSource == nil {
		t.Error("the custom pipeline's event source is not exported")
	}
}

func TestGrantVerbs(t *testing.T) {
	f := pipelines(t)
	join := func(bucket awss3.IBucket, suffix string) map[string]any {
		return map[string]any{"Fn::Join": []any{"", []any{
			map[string]any{"Fn::GetAtt": []any{*f.stack.GetLogicalId(bucket.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}}, suffix}}}
	}
	key := map[string]any{"Fn::GetAtt": []any{*f.stack.GetLogicalId(f.images.Key.Node().DefaultChild().(awscdk.CfnElement)), "Arn"}}
	up := statements(t, f, "Uploader")
	equal(t, "GrantUpload", up, []map[string]any{
		{"Action": []any{"s3:PutObject", "s3:AbortMultipartUpload"}, "Effect": "Allow", "Resource": join(f.images.UploadBucket, "/uploads/*")},
		{"Action": []any{"kms:GenerateDataKey", "kms:Decrypt"}, "Effect": "Allow", "Resource": key},
	})
	rd := statements(t, f, "Reader")
	equal(t, "GrantReadRenditions", rd, []map[string]any{
		{"Action": "s3:GetObject", "Effect": "Allow", "Resource": join(f.images.OutputBucket, "/renditions/*")},
		{"Action": "kms:Decrypt", "Effect": "Allow", "Resource": key},
	})
}

// Rejected uploads are final (never retried), so they reach neither the
// dead-letter nor the errors alarm: a metric filter counts the handler's
// rejection log lines, and an alarm watches the count.
func TestRejectionsMetricFilterAndAlarm(t *testing.T) {
	f := pipelines(t)
	f.tpl.Count(t, "AWS::Logs::MetricFilter", 2)
	mf := props(t, f, "AWS::Logs::MetricFilter", "ImagesRejectionsFilter")
	equal(t, "filter pattern", mf["FilterPattern"], `{ $.msg = "image rejected" }`)
	if r := ref(mf["LogGroupName"]); !strings.HasPrefix(r, "ImagesProcessorLogs") {
		t.Errorf("metric filter reads %q, want the function's log group", r)
	}
	tr := mf["MetricTransformations"].([]any)
	if len(tr) != 1 {
		t.Fatalf("metric transformations %v", tr)
	}
	m := tr[0].(map[string]any)
	ns, _ := m["MetricNamespace"].(string)
	if !strings.HasPrefix(ns, "Gureum/ImagePipeline/") {
		t.Errorf("namespace %q", ns)
	}
	equal(t, "metric", map[string]any{"name": m["MetricName"], "value": m["MetricValue"], "unit": m["Unit"]},
		map[string]any{"name": "RejectedUploads", "value": "1", "unit": "Count"})
	cns := props(t, f, "AWS::Logs::MetricFilter", "CustomRejectionsFilter")["MetricTransformations"].([]any)[0].(map[string]any)["MetricNamespace"]
	if cns == ns {
		t.Errorf("both pipelines count into namespace %q", ns)
	}

	// The pattern matches the line the handler writes: {"msg": imageproc.RejectedMessage, ...}.
	if imagepipeline.RejectedMessage != imageproc.RejectedMessage {
		t.Errorf("the filter counts msg %q, the handler writes %q", imagepipeline.RejectedMessage, imageproc.RejectedMessage)
	}
	if !strings.Contains(mf["FilterPattern"].(string), `"`+imageproc.RejectedMessage+`"`) {
		t.Errorf("filter pattern %v does not match the handler's %q", mf["FilterPattern"], imageproc.RejectedMessage)
	}

	a := props(t, f, "AWS::CloudWatch::Alarm", "ImagesRejectionsAlarm")
	equal(t, "rejections alarm", map[string]any{
		"metric": a["MetricName"], "namespace": a["Namespace"], "statistic": a["Statistic"], "period": a["Period"],
		"threshold": a["Threshold"], "comparison": a["ComparisonOperator"], "periods": a["EvaluationPeriods"], "missing": a["TreatMissingData"],
	}, map[string]any{
		"metric": "RejectedUploads", "namespace": ns, "statistic": "Sum", "period": 300,
		"threshold": 1, "comparison": "GreaterThanOrEqualToThreshold", "periods": 1, "missing": "notBreaching",
	})
	if d, _ := a["AlarmDescription"].(string); !strings.Contains(d, `"msg":"image rejected"`) || !strings.Contains(d, "renditions/rejected/") {
		t.Errorf("the alarm description does not say where to look: %q", d)
	}
	if actions := cdktest.JSON(a["AlarmActions"]); !strings.Contains(actions, `"Ref":"`+alarmtopic.SharedID) {
		t.Errorf("the rejections alarm notifies %s, want the shared alarm topic", actions)
	}
	equal(t, "custom rejections threshold", props(t, f, "AWS::CloudWatch::Alarm", "CustomRejectionsAlarm")["Threshold"], 10)
	if f.images.Alarms[imagepipeline.AlarmRejections] == nil {
		t.Error("the rejections alarm is not exported")
	}
}

// TestNotificationsHandlerSuppressions: the CDK's bucket-notifications
// handler is one per stack. The pipeline records its suppressions on it
// only when the pipeline made it; when the app's own bucket notification
// made it first, its findings stay the app's.
func TestNotificationsHandlerSuppressions(t *testing.T) {
	const handlerID = "BucketNotificationsHandler050a0587b7544547bf325f094a3db834"
	for _, userFirst := range []bool{true, false} {
		stack := cdktest.NewStack("Order")
		user := func() {
			b := awss3.NewBucket(stack, jsii.String("UserBucket"), nil)
			b.AddEventNotification(awss3.EventType_OBJECT_CREATED, awss3notifications.NewSqsDestination(awssqs.NewQueue(stack, jsii.String("UserQueue"), nil)))
		}
		if userFirst {
			user()
		}
		imagepipeline.New(stack, "Images", &imagepipeline.Props{Entry: handler})
		if !userFirst {
			user()
		}
		got := cdktest.Suppressions(stack.Node().FindChild(jsii.String(handlerID)))
		switch {
		case userFirst && len(got) != 0:
			t.Errorf("the app made the handler, yet the pipeline suppressed %v on it", got)
		case !userFirst && len(got) == 0:
			t.Error("the pipeline made the handler but recorded no suppression on it")
		}
		if u := cdktest.Suppressions(stack.Node().FindChild(jsii.String("UserBucket"))); len(u) != 0 {
			t.Errorf("the app's bucket carries suppressions: %v", u)
		}
	}
}

func TestLogEncryptionKey(t *testing.T) {
	f := pipelines(t)
	f.tpl.LogGroupsUseKey(t, f.custom.Construct, f.logKey)
}
