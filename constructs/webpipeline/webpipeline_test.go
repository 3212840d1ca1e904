package webpipeline_test

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/webpipeline"
)

const connectionArn = "arn:aws:codeconnections:ap-northeast-2:123456789012:connection/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"

type fixture struct {
	stack     awscdk.Stack
	git, blue *webpipeline.WebPipeline
	logKey    awskms.Key
	gitASG    awsautoscaling.AutoScalingGroup
	blueASG   awsautoscaling.AutoScalingGroup
	tpl       *cdktest.Template
}

var (
	fixOnce sync.Once
	fix     *fixture
)

// newASG is a minimal Graviton Auto Scaling group on a launch template, as
// a web tier would make it.
func newASG(stack awscdk.Stack, id string, vpc awsec2.IVpc, topic awssns.ITopic) awsautoscaling.AutoScalingGroup {
	role := awsiam.NewRole(stack, jsii.String(id+"Role"), &awsiam.RoleProps{AssumedBy: awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil)})
	lt := awsec2.NewLaunchTemplate(stack, jsii.String(id+"Template"), &awsec2.LaunchTemplateProps{
		InstanceType:       awsec2.NewInstanceType(jsii.String("t4g.small")),
		MachineImage:       awsec2.MachineImage_LatestAmazonLinux2023(&awsec2.AmazonLinux2023ImageSsmParameterProps{CpuType: awsec2.AmazonLinuxCpuType_ARM_64}),
		RequireImdsv2:      jsii.Bool(true),
		DetailedMonitoring: jsii.Bool(true),
		Role:               role,
		UserData:           awsec2.UserData_ForLinux(nil),
		SecurityGroup: awsec2.NewSecurityGroup(stack, jsii.String(id+"Sg"), &awsec2.SecurityGroupProps{
			Vpc: vpc, Description: jsii.String("test web servers"),
		}),
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume:     awsec2.BlockDeviceVolume_Ebs(jsii.Number(16), &awsec2.EbsDeviceOptions{Encrypted: jsii.Bool(true)}),
		}},
	})
	return awsautoscaling.NewAutoScalingGroup(stack, jsii.String(id), &awsautoscaling.AutoScalingGroupProps{
		Vpc: vpc, LaunchTemplate: lt, MinCapacity: jsii.Number(2), MaxCapacity: jsii.Number(4),
		Notifications: &[]*awsautoscaling.NotificationConfiguration{{Topic: topic}},
	})
}

func newAlarm(stack awscdk.Stack, id string, asg awsautoscaling.AutoScalingGroup) awscloudwatch.Alarm {
	return awscloudwatch.NewAlarm(stack, jsii.String(id), &awscloudwatch.AlarmProps{
		Metric: awscloudwatch.NewMetric(&awscloudwatch.MetricProps{
			Namespace: jsii.String("AWS/EC2"), MetricName: jsii.String("CPUUtilization"),
			DimensionsMap: &map[string]*string{"AutoScalingGroupName": asg.AutoScalingGroupName()},
		}),
		Threshold: jsii.Number(80), EvaluationPeriods: jsii.Number(3),
	})
}

// synth builds one stack with two pipelines: "Git" (GitHub source, rolling,
// defaults, agent installed by the construct) and "Blue" (S3 source with the
// bucket the construct creates, blue/green behind a target group).
func synth(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		stack := cdktest.NewStack("WebPipelines")
		f := &fixture{stack: stack}
		vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1)})
		vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
			Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(awslogs.NewLogGroup(stack, jsii.String("FlowLogs"), nil), nil),
		})
		topic := awssns.NewTopic(stack, jsii.String("Topic"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})
		nag.Suppress(topic, "AwsSolutions-SNS2", "test topic")
		f.gitASG = newASG(stack, "GitServers", vpc, topic)
		f.blueASG = newASG(stack, "BlueServers", vpc, topic)
		tg := awselasticloadbalancingv2.NewApplicationTargetGroup(stack, jsii.String("Targets"), &awselasticloadbalancingv2.ApplicationTargetGroupProps{
			Vpc: vpc, Port: jsii.Number(8080), Protocol: awselasticloadbalancingv2.ApplicationProtocol_HTTP,
			Targets:     &[]awselasticloadbalancingv2.IApplicationLoadBalancerTarget{f.blueASG},
			HealthCheck: &awselasticloadbalancingv2.HealthCheck{Path: jsii.String("/healthz")},
		})
		f.logKey = awskms.NewKey(stack, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		f.git = webpipeline.New(stack, "Git", &webpipeline.Props{
			LogEncryptionKey: f.logKey,
			AutoScalingGroup: f.gitASG,
			Alarms:           []awscloudwatch.IAlarm{newAlarm(stack, "GitCpu", f.gitASG)},
			Source: webpipeline.Source{GitHub: &webpipeline.GitHubSource{
				ConnectionArn: connectionArn, Owner: "gureum-cdk", Repo: "gureum", Branch: "release",
			}},
		})
		f.blue = webpipeline.New(stack, "Blue", &webpipeline.Props{
			AutoScalingGroup:        f.blueASG,
			LoadBalancerTargetGroup: tg,
			Alarms:                  []awscloudwatch.IAlarm{newAlarm(stack, "BlueCpu", f.blueASG), newAlarm(stack, "BlueCpu2", f.blueASG)},
			Source:                  webpipeline.Source{S3: &webpipeline.S3Source{Key: "webapp/source.zip"}},
			Deployment:              webpipeline.Deployment{BlueGreen: true, TerminateBlueAfter: 2 * time.Hour},
			Build:                   webpipeline.Build{Timeout: 45 * time.Minute},
			DisableAgentInstall:     true,
		})
		f.tpl = cdktest.Synth(t, stack)
		fix = f
	})
	if fix == nil {
		t.Fatal("the fixture did not synthesize (see the first failing test)")
	}
	return fix
}

// byPath returns the resources of typ whose logical ID starts with prefix.
func byPrefix(tpl *cdktest.Template, typ, prefix string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range tpl.Resources(typ) {
		if strings.HasPrefix(id, prefix) {
			out[id] = r
		}
	}
	return out
}

func one(t *testing.T, m map[string]map[string]any) map[string]any {
	t.Helper()
	if len(m) != 1 {
		t.Fatalf("%d resources, want exactly 1", len(m))
	}
	for _, v := range m {
		return v
	}
	return nil
}

func TestNoNagFindings(t *testing.T) {
	f := synth(t)
	cdktest.NoNagFindings(t, f.stack)
}

func TestPipelineIsV2WithSourceBuildDeploy(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::CodePipeline::Pipeline", 2)
	stage := func(name string, actions ...map[string]any) map[string]any {
		list := make([]any, len(actions))
		for i, a := range actions {
			list[i] = a
		}
		return map[string]any{"Name": name, "Actions": list}
	}
	build := map[string]any{
		"Name":            "Build",
		"ActionTypeId":    map[string]any{"Category": "Build", "Owner": "AWS", "Provider": "CodeBuild"},
		"InputArtifacts":  []any{map[string]any{"Name": "Source"}},
		"OutputArtifacts": []any{map[string]any{"Name": "Bundle"}},
	}
	deploy := map[string]any{
		"Name":           "Deploy",
		"ActionTypeId":   map[string]any{"Category": "Deploy", "Owner": "AWS", "Provider": "CodeDeploy"},
		"InputArtifacts": []any{map[string]any{"Name": "Bundle"}},
	}
	f.tpl.Has(t, "AWS::CodePipeline::Pipeline", map[string]any{
		"PipelineType":  "V2",
		"ExecutionMode": "QUEUED",
		"Stages": []any{
			stage("Source", map[string]any{
				"Name":         "Source",
				"ActionTypeId": map[string]any{"Category": "Source", "Owner": "AWS", "Provider": "CodeStarSourceConnection"},
				"Configuration": map[string]any{
					"ConnectionArn": connectionArn, "FullRepositoryId": "gureum-cdk/gureum", "BranchName": "release", "DetectChanges": true,
				},
			}),
			stage("Build", build),
			stage("Deploy", deploy),
		},
		"Triggers": []any{map[string]any{
			"ProviderType": "CodeStarSourceConnection",
			"GitConfiguration": map[string]any{
				"SourceActionName": "Source",
				"Push":             []any{map[string]any{"Branches": map[string]any{"Includes": []any{"release"}}}},
			},
		}},
	})
	f.tpl.Has(t, "AWS::CodePipeline::Pipeline", map[string]any{
		"PipelineType": "V2",
		"Stages": []any{
			stage("Source", map[string]any{
				"ActionTypeId":  map[string]any{"Category": "Source", "Owner": "AWS", "Provider": "S3"},
				"Configuration": map[string]any{"S3ObjectKey": "webapp/source.zip", "PollForSourceChanges": false},
			}),
			stage("Build", build),
			stage("Deploy", deploy),
		},
	})
	// Each pipeline deploys with its own deployment group and builds with its
	// own project.
	for _, tc := range []struct {
		prefix string
		w      *webpipeline.WebPipeline
	}{{"Git", f.git}, {"Blue", f.blue}} {
		p := cdktest.Properties(one(t, byPrefix(f.tpl, "AWS::CodePipeline::Pipeline", tc.prefix+"Pipeline")))
		js := cdktest.JSON(p["Stages"])
		for _, ref := range []string{
			*f.stack.GetLogicalId(tc.w.Project.Node().DefaultChild().(awscdk.CfnElement)),
			*f.stack.GetLogicalId(tc.w.DeploymentGroup.Node().DefaultChild().(awscdk.CfnElement)),
			*f.stack.GetLogicalId(tc.w.Application.Node().DefaultChild().(awscdk.CfnElement)),
		} {
			if !strings.Contains(js, `{"Ref":"`+ref+`"}`) {
				t.Errorf("%s pipeline stages do not reference %s: %s", tc.prefix, ref, js)
			}
		}
	}
}

func TestS3SourceIsStartedByEventBridge(t *testing.T) {
	f := synth(t)
	bucket := *f.stack.GetLogicalId(f.blue.SourceBucket.Node().DefaultChild().(awscdk.CfnElement))
	f.tpl.Has(t, "AWS::Events::Rule", map[string]any{
		"State": "ENABLED",
		"EventPattern": map[string]any{
			"source":      []any{"aws.s3"},
			"detail-type": []any{"Object Created"},
			"detail": map[string]any{
				"bucket": map[string]any{"name": []any{map[string]any{"Ref": bucket}}},
				"object": map[string]any{"key": []any{"webapp/source.zip"}},
			},
		},
	})
	f.tpl.Count(t, "AWS::Events::Rule", 1)
	if f.git.SourceRule != nil || f.git.SourceBucket != nil {
		t.Error("a GitHub source must not create a source bucket or rule")
	}
	// The source bucket the construct creates: versioned, events to
	// EventBridge, no public access, retained.
	f.tpl.HasResource(t, "AWS::S3::Bucket", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"VersioningConfiguration":        map[string]any{"Status": "Enabled"},
			"NotificationConfiguration":      map[string]any{"EventBridgeConfiguration": map[string]any{"EventBridgeEnabled": true}},
			"PublicAccessBlockConfiguration": map[string]any{"BlockPublicAcls": true, "BlockPublicPolicy": true, "IgnorePublicAcls": true, "RestrictPublicBuckets": true},
		},
	})
	// No notifications custom resource (a Lambda function) is needed.
	f.tpl.Count(t, "Custom::S3BucketNotifications", 0)
	f.tpl.Count(t, "AWS::Lambda::Function", 0)
}

func TestArtifactBucketIsEncryptedWithRotatingKey(t *testing.T) {
	f := synth(t)
	for _, w := range []*webpipeline.WebPipeline{f.git, f.blue} {
		key := *f.stack.GetLogicalId(w.Key.Node().DefaultChild().(awscdk.CfnElement))
		bucket := one(t, byPrefix(f.tpl, "AWS::S3::Bucket", *f.stack.GetLogicalId(w.ArtifactBucket.Node().DefaultChild().(awscdk.CfnElement))))
		if bucket["DeletionPolicy"] != "Retain" {
			t.Errorf("artifact bucket DeletionPolicy = %v, want Retain", bucket["DeletionPolicy"])
		}
		p := cdktest.Properties(bucket)
		enc := cdktest.JSON(p["BucketEncryption"])
		for _, want := range []string{`"SSEAlgorithm":"aws:kms"`, `"KMSMasterKeyID":{"Fn::GetAtt":["` + key + `","Arn"]}`, `"BucketKeyEnabled":true`} {
			if !strings.Contains(enc, want) {
				t.Errorf("artifact bucket encryption %s lacks %s", enc, want)
			}
		}
		if cdktest.JSON(p["VersioningConfiguration"]) != `{"Status":"Enabled"}` {
			t.Errorf("artifact bucket versioning = %v", p["VersioningConfiguration"])
		}
		if p["LoggingConfiguration"] == nil {
			t.Error("artifact bucket has no access logs")
		}
		f.tpl.Has(t, "AWS::CodePipeline::Pipeline", map[string]any{
			"ArtifactStore": map[string]any{"Type": "S3", "EncryptionKey": map[string]any{"Type": "KMS", "Id": map[string]any{"Fn::GetAtt": []any{key, "Arn"}}}},
		})
	}
	f.tpl.HasResource(t, "AWS::KMS::Key", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties":     map[string]any{"EnableKeyRotation": true},
	})
	f.tpl.Count(t, "AWS::KMS::Key", 4) // two pipelines', the log key and the shared alarm topic's
}

// The rule that starts the pipeline retries, then sends the event to an
// encrypted dead-letter queue, whose alarm notifies the stack's alarm topic.
func TestSourceRuleHasDeadLetterQueueRetriesAndAlarm(t *testing.T) {
	f := synth(t)
	rule := cdktest.Properties(one(t, f.tpl.Resources("AWS::Events::Rule")))
	targets, _ := rule["Targets"].([]any)
	if len(targets) != 1 {
		t.Fatalf("source rule targets = %v", targets)
	}
	target := targets[0].(map[string]any)
	dlq := *f.stack.GetLogicalId(f.blue.DeadLetterQueue.Node().DefaultChild().(awscdk.CfnElement))
	if got, want := cdktest.JSON(target["DeadLetterConfig"]), `{"Arn":{"Fn::GetAtt":["`+dlq+`","Arn"]}}`; got != want {
		t.Errorf("DeadLetterConfig = %s, want %s", got, want)
	}
	if got, want := cdktest.JSON(target["RetryPolicy"]), `{"MaximumEventAgeInSeconds":86400,"MaximumRetryAttempts":185}`; got != want {
		t.Errorf("RetryPolicy = %s, want %s", got, want)
	}
	queue := one(t, byPrefix(f.tpl, "AWS::SQS::Queue", dlq))
	if queue["DeletionPolicy"] != "Retain" || cdktest.JSON(cdktest.Properties(queue)["SqsManagedSseEnabled"]) != "true" {
		t.Errorf("dead-letter queue = %s, want retained with SQS-managed encryption", cdktest.JSON(queue))
	}
	f.tpl.Has(t, "AWS::SQS::QueuePolicy", map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		}}},
	})
	alarm := cdktest.Properties(one(t, byPrefix(f.tpl, "AWS::CloudWatch::Alarm", "BlueSourceDeadLettersAlarm")))
	topic := *f.stack.GetLogicalId(f.blue.AlarmTopic.Node().DefaultChild().(awscdk.CfnElement))
	if alarm["MetricName"] != "ApproximateNumberOfMessagesVisible" || alarm["Threshold"] != float64(1) ||
		cdktest.JSON(alarm["AlarmActions"]) != `[{"Ref":"`+topic+`"}]` || cdktest.JSON(alarm["Dimensions"]) != `[{"Name":"QueueName","Value":{"Fn::GetAtt":["`+dlq+`","QueueName"]}}]` {
		t.Errorf("dead-letter alarm = %s", cdktest.JSON(alarm))
	}
	if f.git.DeadLetterQueue != nil || f.git.AlarmTopic != nil {
		t.Error("a GitHub source needs no dead-letter queue or alarm")
	}
}

// The source bucket the construct creates holds source code: it is a data
// bucket, on the pipeline's key.
func TestSourceBucketUsesThePipelineKey(t *testing.T) {
	f := synth(t)
	key := *f.stack.GetLogicalId(f.blue.Key.Node().DefaultChild().(awscdk.CfnElement))
	bucket := one(t, byPrefix(f.tpl, "AWS::S3::Bucket", *f.stack.GetLogicalId(f.blue.SourceBucket.Node().DefaultChild().(awscdk.CfnElement))))
	enc := cdktest.JSON(cdktest.Properties(bucket)["BucketEncryption"])
	for _, want := range []string{`"SSEAlgorithm":"aws:kms"`, `"KMSMasterKeyID":{"Fn::GetAtt":["` + key + `","Arn"]}`} {
		if !strings.Contains(enc, want) {
			t.Errorf("source bucket encryption %s lacks %s", enc, want)
		}
	}
	access := cdktest.JSON(cdktest.Properties(one(t, byPrefix(f.tpl, "AWS::S3::Bucket", *f.stack.GetLogicalId(f.blue.AccessLogs.Node().DefaultChild().(awscdk.CfnElement)))))["BucketEncryption"])
	if !strings.Contains(access, `"SSEAlgorithm":"AES256"`) {
		t.Errorf("access log bucket encryption = %s, want SSE-S3", access)
	}
}

func TestLogEncryptionKey(t *testing.T) {
	f := synth(t)
	f.tpl.LogGroupsUseKey(t, f.git.Construct, f.logKey)
	for id, lg := range byPrefix(f.tpl, "AWS::Logs::LogGroup", "Blue") {
		if _, ok := cdktest.Properties(lg)["KmsKeyId"]; ok {
			t.Errorf("%s is encrypted without LogEncryptionKey", id)
		}
	}
}

func TestBuildIsUnprivilegedArmAndEncrypted(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::CodeBuild::Project", 2)
	for _, tc := range []struct {
		w       *webpipeline.WebPipeline
		timeout float64
	}{{f.git, 30}, {f.blue, 45}} {
		key := *f.stack.GetLogicalId(tc.w.Key.Node().DefaultChild().(awscdk.CfnElement))
		logs := *f.stack.GetLogicalId(tc.w.BuildLogs.Node().DefaultChild().(awscdk.CfnElement))
		f.tpl.Has(t, "AWS::CodeBuild::Project", map[string]any{
			"Environment": map[string]any{
				"Type":           "ARM_CONTAINER",
				"Image":          "aws/codebuild/amazonlinux-aarch64-standard:4.0",
				"ComputeType":    "BUILD_GENERAL1_SMALL",
				"PrivilegedMode": false,
			},
			"EncryptionKey":    map[string]any{"Fn::GetAtt": []any{key, "Arn"}},
			"LogsConfig":       map[string]any{"CloudWatchLogs": map[string]any{"Status": "ENABLED", "GroupName": map[string]any{"Ref": logs}}},
			"TimeoutInMinutes": tc.timeout,
			"Artifacts":        map[string]any{"Type": "CODEPIPELINE"},
		})
	}
	f.tpl.HasResource(t, "AWS::Logs::LogGroup", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties":     map[string]any{"RetentionInDays": 365},
	})
}

// buildSpec returns the Git pipeline's buildspec.
func buildSpec(t *testing.T, f *fixture) map[string]any {
	t.Helper()
	p := cdktest.Properties(one(t, byPrefix(f.tpl, "AWS::CodeBuild::Project", *f.stack.GetLogicalId(f.git.Project.Node().DefaultChild().(awscdk.CfnElement)))))
	src, _ := p["Source"].(map[string]any)
	text, _ := src["BuildSpec"].(string)
	var spec map[string]any
	if err := json.Unmarshal([]byte(text), &spec); err != nil {
		t.Fatalf("buildspec %q: %v", text, err)
	}
	return spec
}

func commands(spec map[string]any, phase string) []string {
	phases, _ := spec["phases"].(map[string]any)
	ph, _ := phases[phase].(map[string]any)
	list, _ := ph["commands"].([]any)
	out := make([]string, len(list))
	for i, c := range list {
		out[i], _ = c.(string)
	}
	return out
}

func TestBuildSpecVetsTestsBuildsAndBundles(t *testing.T) {
	f := synth(t)
	spec := buildSpec(t, f)
	if spec["version"] != "0.2" {
		t.Errorf("buildspec version %v", spec["version"])
	}
	pre := commands(spec, "pre_build")
	if !slices.Equal(pre, []string{"go vet ./functions/webapp/...", "go test ./functions/webapp/..."}) {
		t.Errorf("pre_build = %q", pre)
	}
	build := commands(spec, "build")
	if len(build) == 0 || build[0] != `GOOS=linux GOARCH=arm64 CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o dist/webapp ./functions/webapp/server` {
		t.Errorf("first build command = %q", build)
	}
	// Every bundle file is written, byte for byte, from the embedded files.
	got := map[string]string{}
	for _, c := range build {
		if !strings.HasPrefix(c, "echo ") {
			continue
		}
		b64, dest, ok := strings.Cut(strings.TrimPrefix(c, "echo "), " | base64 -d > bundle/")
		if !ok {
			t.Errorf("unexpected command %q", c)
			continue
		}
		b, err := base64.StdEncoding.DecodeString(b64)
		if err != nil {
			t.Errorf("%s: %v", dest, err)
		}
		got[dest] = string(b)
	}
	want := webpipeline.BundleFiles()
	if len(got) != len(want) {
		t.Errorf("bundle files %v, want %d files", keys(got), len(want))
	}
	for name, content := range want {
		if got[name] != content {
			t.Errorf("bundle file %s differs from deploy/%s", name, name)
		}
		if strings.HasSuffix(name, ".sh") && !slices.Contains(build, "chmod 0755 bundle/"+name) {
			t.Errorf("%s is not made executable", name)
		}
	}
	arts, _ := spec["artifacts"].(map[string]any)
	if arts["base-directory"] != "bundle" {
		t.Errorf("artifacts = %v, want base-directory bundle", arts)
	}
	install := strings.Join(commands(spec, "install"), "\n")
	for _, w := range []string{"redis-server", "npm ci"} {
		if !strings.Contains(install, w) {
			t.Errorf("install phase lacks %q (the web app's tests need it): %s", w, install)
		}
	}
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestDeploymentGroupRollsBackOnFailureAndAlarms(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::CodeDeploy::Application", 2)
	f.tpl.Has(t, "AWS::CodeDeploy::Application", map[string]any{"ComputePlatform": "Server"})
	ref := func(c awscdk.CfnElement) map[string]any { return map[string]any{"Ref": *f.stack.GetLogicalId(c)} }
	rollback := map[string]any{
		"Enabled": true,
		"Events":  []any{"DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_REQUEST", "DEPLOYMENT_STOP_ON_ALARM"},
	}
	git := cdktest.Properties(one(t, byPrefix(f.tpl, "AWS::CodeDeploy::DeploymentGroup", "GitDeploymentGroup")))
	for k, want := range map[string]any{
		"AutoRollbackConfiguration": rollback,
		"AlarmConfiguration": map[string]any{"Enabled": true, "Alarms": []any{
			map[string]any{"Name": ref(f.stack.Node().FindChild(jsii.String("GitCpu")).Node().DefaultChild().(awscdk.CfnElement))},
		}},
		"AutoScalingGroups":      []any{ref(f.gitASG.Node().DefaultChild().(awscdk.CfnElement))},
		"DeploymentConfigName":   "CodeDeployDefault.HalfAtATime",
		"TerminationHookEnabled": true,
	} {
		if cdktest.JSON(git[k]) != cdktest.JSON(want) {
			t.Errorf("Git deployment group %s = %s, want %s", k, cdktest.JSON(git[k]), cdktest.JSON(want))
		}
	}
	for _, k := range []string{"LoadBalancerInfo", "DeploymentStyle", "BlueGreenDeploymentConfiguration"} {
		if git[k] != nil {
			t.Errorf("rolling deployment group without a target group has %s: %s", k, cdktest.JSON(git[k]))
		}
	}
	blue := cdktest.Properties(one(t, byPrefix(f.tpl, "AWS::CodeDeploy::DeploymentGroup", "BlueDeploymentGroup")))
	if cdktest.JSON(blue["AutoRollbackConfiguration"]) != cdktest.JSON(rollback) {
		t.Errorf("Blue rollback = %s", cdktest.JSON(blue["AutoRollbackConfiguration"]))
	}
	if alarms := blue["AlarmConfiguration"].(map[string]any)["Alarms"].([]any); len(alarms) != 2 {
		t.Errorf("Blue alarms = %v, want 2", alarms)
	}
	if got := cdktest.JSON(blue["DeploymentStyle"]); got != `{"DeploymentOption":"WITH_TRAFFIC_CONTROL","DeploymentType":"BLUE_GREEN"}` {
		t.Errorf("Blue DeploymentStyle = %s", got)
	}
	if got := cdktest.JSON(blue["BlueGreenDeploymentConfiguration"]); got != `{"DeploymentReadyOption":{"ActionOnTimeout":"CONTINUE_DEPLOYMENT"},"GreenFleetProvisioningOption":{"Action":"COPY_AUTO_SCALING_GROUP"},"TerminateBlueInstancesOnDeploymentSuccess":{"Action":"TERMINATE","TerminationWaitTimeInMinutes":120}}` {
		t.Errorf("Blue BlueGreenDeploymentConfiguration = %s", got)
	}
	if got := cdktest.JSON(blue["LoadBalancerInfo"]); !strings.Contains(got, `"TargetGroupInfoList":[{"Name":{"Fn::GetAtt":["Targets`) {
		t.Errorf("Blue LoadBalancerInfo = %s", got)
	}
}

func TestAgentInstallAndBundleAccess(t *testing.T) {
	f := synth(t)
	userData := func(asg string) string {
		for id, r := range f.tpl.Resources("AWS::EC2::LaunchTemplate") {
			if strings.HasPrefix(id, asg) {
				return cdktest.JSON(cdktest.Properties(r)["LaunchTemplateData"].(map[string]any)["UserData"])
			}
		}
		t.Fatalf("no launch template %s", asg)
		return ""
	}
	url := "https://aws-codedeploy-ap-northeast-2.s3.ap-northeast-2.amazonaws.com/latest/install"
	if !strings.Contains(userData("GitServers"), url) {
		t.Errorf("Git servers' user data does not install the CodeDeploy agent: %s", userData("GitServers"))
	}
	if strings.Contains(userData("BlueServers"), "codedeploy") {
		t.Errorf("DisableAgentInstall: Blue servers' user data installs the agent: %s", userData("BlueServers"))
	}
	// The instances read bundles from the artifact bucket and decrypt them,
	// through the pipeline's own InstancePolicy attached to the group's
	// role; the role's own policy, the app's, gets none of it, and no
	// suppression of the pipeline's reaches the app's role.
	for _, tc := range []struct {
		asg  string
		role awsiam.IRole
		w    *webpipeline.WebPipeline
	}{{"GitServersRole", f.gitASG.Role(), f.git}, {"BlueServersRole", f.blueASG.Role(), f.blue}} {
		bucket := *f.stack.GetLogicalId(tc.w.ArtifactBucket.Node().DefaultChild().(awscdk.CfnElement))
		key := *f.stack.GetLogicalId(tc.w.Key.Node().DefaultChild().(awscdk.CfnElement))
		policy := *f.stack.GetLogicalId(tc.w.InstancePolicy.Node().DefaultChild().(awscdk.CfnElement))
		role := `{"Ref":"` + *f.stack.GetLogicalId(tc.role.Node().DefaultChild().(awscdk.CfnElement)) + `"}`
		p := cdktest.Properties(f.tpl.Resources("AWS::IAM::Policy")[policy])
		if got := cdktest.JSON(p["Roles"]); got != "["+role+"]" {
			t.Errorf("%s is attached to %s, want %s", policy, got, role)
		}
		doc := cdktest.JSON(p["PolicyDocument"])
		for _, want := range []string{`"s3:GetObject*"`, `{"Fn::GetAtt":["` + bucket + `","Arn"]},"/*"`, `"kms:Decrypt"`, `{"Fn::GetAtt":["` + key + `","Arn"]}`} {
			if !strings.Contains(doc, want) {
				t.Errorf("%s lacks %s: %s", policy, want, doc)
			}
		}
		for _, r := range byPrefix(f.tpl, "AWS::IAM::Policy", tc.asg) {
			if d := cdktest.JSON(cdktest.Properties(r)["PolicyDocument"]); strings.Contains(d, bucket) {
				t.Errorf("the app's %s policy holds the pipeline's grant: %s", tc.asg, d)
			}
		}
		cdktest.NoSuppressionsUnder(t, f.stack, "/WebPipelines/"+tc.asg)
		if got := cdktest.JSON(cdktest.Properties(one(t, byPrefix(f.tpl, "AWS::CodeDeploy::DeploymentGroup", *tc.w.Node().Id())))["AutoScalingGroups"]); !strings.Contains(got, strings.TrimSuffix(tc.asg, "Role")) {
			t.Errorf("%s's deployment group deploys to %s, want %s", *tc.w.Node().Id(), got, strings.TrimSuffix(tc.asg, "Role"))
		}
	}
	cmds := strings.Join(webpipeline.InstallAgentCommands("eu-west-1"), "\n")
	for _, want := range []string{"https://aws-codedeploy-eu-west-1.s3.eu-west-1.amazonaws.com/latest/install", "dnf install -y -q ruby", "systemctl enable --now codedeploy-agent"} {
		if !strings.Contains(cmds, want) {
			t.Errorf("InstallAgentCommands lacks %q:\n%s", want, cmds)
		}
	}
}

func TestNoStarActionsAndNarrowBlueGreenGrants(t *testing.T) {
	f := synth(t)
	for id, r := range f.tpl.Resources("AWS::IAM::Policy") {
		doc := cdktest.Properties(r)["PolicyDocument"].(map[string]any)
		for _, s := range doc["Statement"].([]any) {
			st := s.(map[string]any)
			for _, a := range asList(st["Action"]) {
				if a == "*" || strings.HasSuffix(a, ":*") {
					t.Errorf("%s allows %q", id, a)
				}
			}
			if slices.Contains(asList(st["Action"]), "iam:PassRole") {
				if !strings.HasPrefix(id, "BlueDeploymentGroup") || cdktest.JSON(st["Condition"]) != `{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}` {
					t.Errorf("%s: iam:PassRole outside the blue/green role or without the EC2 condition: %s", id, cdktest.JSON(st))
				}
			}
		}
	}
	for id := range f.tpl.Resources("AWS::IAM::Policy") {
		if strings.HasPrefix(id, "GitDeploymentGroup") {
			t.Errorf("the rolling deployment group's role has an inline policy %s: only blue/green needs one", id)
		}
	}
}

func asList(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			s, _ := e.(string)
			out = append(out, s)
		}
		return out
	}
	return nil
}

// TestBundleFiles checks the AppSpec's hooks against the scripts shipped and
// the scripts' syntax, without synthesis.
func TestBundleFiles(t *testing.T) {
	files := webpipeline.BundleFiles()
	appspec := files["appspec.yml"]
	for _, hook := range []string{"ApplicationStop", "BeforeInstall", "AfterInstall", "ApplicationStart", "ValidateService"} {
		if !strings.Contains(appspec, "\n  "+hook+":\n") {
			t.Errorf("appspec.yml lacks the %s hook", hook)
		}
	}
	scripts := 0
	for name, content := range files {
		if !strings.HasPrefix(name, "scripts/") {
			continue
		}
		scripts++
		if !strings.Contains(appspec, "location: "+name+"\n") {
			t.Errorf("%s is not a hook of appspec.yml", name)
		}
		if !strings.HasPrefix(content, "#!/bin/bash\n") {
			t.Errorf("%s has no bash shebang", name)
		}
		p := filepath.Join(t.TempDir(), filepath.Base(name))
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("bash", "-n", p).CombinedOutput(); err != nil {
			t.Errorf("bash -n %s: %v\n%s", name, err, out)
		}
	}
	if scripts != 5 {
		t.Errorf("%d scripts, want 5", scripts)
	}
	if !strings.Contains(files["scripts/validate_service.sh"], "/healthz") {
		t.Error("validate_service.sh does not check /healthz")
	}
	unit := files["gureum-webapp.service"]
	for _, want := range []string{"User=gureum-webapp", "EnvironmentFile=-" + webpipeline.EnvFile, "ExecStart=" + webpipeline.InstallDir + "/bin/webapp", "NoNewPrivileges=true"} {
		if !strings.Contains(unit, want) {
			t.Errorf("gureum-webapp.service lacks %q", want)
		}
	}
}

// TestGroupKinds: CodeDeploy deploys to a group with Spot capacity (a mixed
// instances policy) as to any other, but not to one with a warm pool, whose
// instances its launch hook leaves waiting.
func TestGroupKinds(t *testing.T) {
	stack := cdktest.NewStack("Kinds")
	vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{MaxAzs: jsii.Number(2), NatGateways: jsii.Number(1)})
	topic := awssns.NewTopic(stack, jsii.String("Topic"), nil)
	plain := newASG(stack, "Plain", vpc, topic)
	lt := plain.Node().Scope().Node().FindChild(jsii.String("PlainTemplate")).(awsec2.LaunchTemplate)
	spot := awsautoscaling.NewAutoScalingGroup(stack, jsii.String("Spot"), &awsautoscaling.AutoScalingGroupProps{
		Vpc: vpc, MinCapacity: jsii.Number(2), MaxCapacity: jsii.Number(4),
		MixedInstancesPolicy: &awsautoscaling.MixedInstancesPolicy{
			LaunchTemplate: lt,
			LaunchTemplateOverrides: &[]*awsautoscaling.LaunchTemplateOverrides{
				{InstanceType: awsec2.NewInstanceType(jsii.String("t4g.small"))}, {InstanceType: awsec2.NewInstanceType(jsii.String("m7g.medium"))},
			},
			InstancesDistribution: &awsautoscaling.InstancesDistribution{
				OnDemandBaseCapacity: jsii.Number(2), SpotAllocationStrategy: awsautoscaling.SpotAllocationStrategy_PRICE_CAPACITY_OPTIMIZED,
			},
		},
	})
	warm := newASG(stack, "Warm", vpc, topic)
	warm.AddWarmPool(&awsautoscaling.WarmPoolOptions{MinSize: jsii.Number(1)})
	props := func(g awsautoscaling.IAutoScalingGroup) *webpipeline.Props {
		return &webpipeline.Props{
			AutoScalingGroup: g,
			Alarms:           []awscloudwatch.IAlarm{newAlarm(stack, *g.Node().Id()+"Cpu", g.(awsautoscaling.AutoScalingGroup))},
			Source:           webpipeline.Source{S3: &webpipeline.S3Source{Key: "webapp/source.zip"}},
		}
	}
	if err := webpipeline.Validate(stack, "SpotDeploy", props(spot)); err != nil {
		t.Errorf("a Spot group is rejected: %v", err)
	}
	err := webpipeline.Validate(stack, "WarmDeploy", props(warm))
	want := `webpipeline "Kinds/WarmDeploy": AutoScalingGroup: has a warm pool: CodeDeploy's launch hook does not act on instances that launch into a warm pool (Warmed:Pending:Wait), so the group would abandon them; remove the warm pool (ScaledWebTier Capacity.WarmPool) or deploy without CodeDeploy`
	if err == nil || err.Error() != want {
		t.Errorf("warm pool: %v\nwant %s", err, want)
	}
}
