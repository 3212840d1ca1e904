package pushnotify_test

import (
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/pushnotify"
)

type fixture struct {
	stack        awscdk.Stack
	game, sandbx *pushnotify.PushNotify
	logKey       awskms.Key
	tpl          *cdktest.Template
}

var (
	fixOnce sync.Once
	fix     *fixture
)

// synth builds one stack with two PushNotify: "Push" with FCM and APNs
// (production) and only the required props, and "Dev" with APNs in the
// sandbox and tuned props. Neither names an alarm topic, so both use the
// stack's shared one.
func synth(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		stack := cdktest.NewStack("Push")
		pool := awscognito.NewUserPool(stack, jsii.String("Players"), &awscognito.UserPoolProps{
			Mfa: awscognito.Mfa_REQUIRED, MfaSecondFactor: &awscognito.MfaSecondFactor{Otp: jsii.Bool(true), Sms: jsii.Bool(false)},
			FeaturePlan:                  awscognito.FeaturePlan_PLUS,
			StandardThreatProtectionMode: awscognito.StandardThreatProtectionMode_FULL_FUNCTION,
			PasswordPolicy: &awscognito.PasswordPolicy{
				MinLength: jsii.Number(12), RequireLowercase: jsii.Bool(true), RequireUppercase: jsii.Bool(true),
				RequireDigits: jsii.Bool(true), RequireSymbols: jsii.Bool(true),
			},
		})
		notices := awssns.NewTopic(stack, jsii.String("Notices"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true), MasterKey: alarmtopic.New(stack, "NoticesKey", nil).Key})
		secret := func(id, name string) awssecretsmanager.ISecret {
			return awssecretsmanager.Secret_FromSecretNameV2(stack, jsii.String(id), jsii.String(name))
		}
		f := &fixture{stack: stack}
		f.game = pushnotify.New(stack, "Push", &pushnotify.Props{
			FCM:     &pushnotify.FCM{Secret: secret("Fcm", "game/push/fcm")},
			APNS:    &pushnotify.APNS{Secret: secret("Apns", "game/push/apns"), SigningKeyID: "ABC123DEFG", TeamID: "TEAM123456", BundleID: "com.gureum.game"},
			Notices: notices,
			API:     pushnotify.API{UserPools: []awscognito.IUserPool{pool}},
		})
		f.logKey = awskms.NewKey(stack, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		f.sandbx = pushnotify.New(stack, "Dev", &pushnotify.Props{
			LogEncryptionKey: f.logKey,
			APNS: &pushnotify.APNS{Secret: secret("DevApns", "game/push/apns-dev"), SigningKeyID: "ZYX987WVUT", TeamID: "TEAM123456",
				BundleID: "com.gureum.game.dev", Sandbox: true, Name: "game-dev", CredentialVersion: "2026-12"},
			Notices:        notices,
			API:            pushnotify.API{UserPools: []awscognito.IUserPool{pool}, MaxDevicesPerPlayer: 3},
			FanOut:         pushnotify.FanOut{Segments: 8, Concurrency: 32, Timeout: 5 * time.Minute},
			DeliveryStatus: pushnotify.DeliveryStatus{SuccessSampleRate: pushnotify.Int(0)},
			Table:          pushnotify.Table{Destroy: true, DisableDeletionProtection: true},
		})
		f.tpl = cdktest.Synth(t, stack)
		fix = f
	})
	if fix == nil {
		t.Fatal("synthesis failed in an earlier test")
	}
	return fix
}

func TestNoNagFindings(t *testing.T) {
	cdktest.NoNagFindings(t, synth(t).stack)
}

func TestPlatformApplications(t *testing.T) {
	f := synth(t)
	apps := f.tpl.Resources("Custom::SNSPlatformApplication")
	if len(apps) != 3 {
		t.Fatalf("%d platform applications, want 3", len(apps))
	}
	byPlatform := map[string]map[string]any{}
	for _, r := range apps {
		p := cdktest.Properties(r)
		byPlatform[p["Platform"].(string)] = p
	}
	fcm, apns, sandbox := byPlatform["GCM"], byPlatform["APNS"], byPlatform["APNS_SANDBOX"]
	if fcm == nil || apns == nil || sandbox == nil {
		t.Fatalf("platforms %v, want GCM, APNS and APNS_SANDBOX", byPlatform)
	}
	if fcm["SecretId"] != "game/push/fcm" || apns["SecretId"] != "game/push/apns" || sandbox["SecretId"] != "game/push/apns-dev" {
		t.Errorf("secrets named %v %v %v", fcm["SecretId"], apns["SecretId"], sandbox["SecretId"])
	}
	if apns["SigningKeyId"] != "ABC123DEFG" || apns["TeamId"] != "TEAM123456" || apns["BundleId"] != "com.gureum.game" {
		t.Errorf("APNs settings %v", apns)
	}
	if sandbox["Name"] != "game-dev" || sandbox["SuccessFeedbackSampleRate"] != "0" || sandbox["CredentialVersion"] != "2026-12" {
		t.Errorf("sandbox application %v", sandbox)
	}
	if fcm["SuccessFeedbackSampleRate"] != "10" {
		t.Errorf("default success sample rate %v, want 10", fcm["SuccessFeedbackSampleRate"])
	}
	// No credential and no credential attribute anywhere in the template.
	all := cdktest.JSON(f.tpl.JSON)
	for _, leak := range []string{"PRIVATE KEY", "PlatformCredential", "private_key", "SecretString"} {
		if strings.Contains(all, leak) {
			t.Errorf("the template contains %q", leak)
		}
	}
	// The handler may read exactly the named secrets.
	if !strings.Contains(all, "secret:game/push/fcm-??????") || !strings.Contains(all, "secret:game/push/apns-??????") {
		t.Error("the platform-application handler cannot read the named secrets")
	}
}

func TestDeviceTableIsRetained(t *testing.T) {
	f := synth(t)
	f.tpl.HasResource(t, "AWS::DynamoDB::GlobalTable", map[string]any{
		"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		"Properties": map[string]any{
			"KeySchema": []any{
				map[string]any{"AttributeName": "player", "KeyType": "HASH"},
				map[string]any{"AttributeName": "token", "KeyType": "RANGE"},
			},
			"GlobalSecondaryIndexes": []any{map[string]any{"IndexName": "endpoint",
				"KeySchema": []any{map[string]any{"AttributeName": "endpointArn", "KeyType": "HASH"}}}},
			"Replicas": []any{map[string]any{"DeletionProtectionEnabled": true,
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true}}},
		},
	})
}

func TestFanOutQueue(t *testing.T) {
	f := synth(t)
	f.tpl.Has(t, "AWS::SQS::Queue", map[string]any{
		"RedrivePolicy":        map[string]any{"maxReceiveCount": 1},
		"VisibilityTimeout":    3600, // six times the default 10-minute timeout
		"SqsManagedSseEnabled": true,
	})
	for id, q := range f.tpl.Resources("AWS::SQS::Queue") {
		if q["DeletionPolicy"] != "Retain" {
			t.Errorf("queue %s has DeletionPolicy %v, want Retain", id, q["DeletionPolicy"])
		}
	}
	f.tpl.Has(t, "AWS::SNS::Subscription", map[string]any{"Protocol": "sqs"})
	f.tpl.Has(t, "AWS::Lambda::EventSourceMapping", map[string]any{"BatchSize": 1, "FunctionResponseTypes": []any{"ReportBatchItemFailures"}})
	f.tpl.Has(t, "AWS::Lambda::Function", map[string]any{
		"Timeout": 300, "Environment": map[string]any{"Variables": map[string]any{"SEGMENTS": "8", "CONCURRENCY": "32"}},
	})
}

func TestDeliveryStatusRole(t *testing.T) {
	f := synth(t)
	f.tpl.Has(t, "AWS::IAM::Role", map[string]any{
		"AssumeRolePolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Principal": map[string]any{"Service": "sns.amazonaws.com"}, "Action": "sts:AssumeRole"}}},
	})
	groups := f.tpl.Resources("AWS::Logs::LogGroup")
	named := 0
	for _, g := range groups {
		if n, ok := cdktest.Properties(g)["LogGroupName"]; ok && strings.Contains(cdktest.JSON(n), "/app/APNS_SANDBOX/game-dev") {
			named++
			if cdktest.Properties(g)["RetentionInDays"] == nil {
				t.Errorf("delivery log group %s has no retention", cdktest.JSON(n))
			}
		}
	}
	if named != 2 {
		t.Errorf("%d delivery log groups for the sandbox application, want 2 (successes and failures)", named)
	}
}

// statements lists every IAM policy statement of the template.
func statements(f *fixture) []map[string]any {
	var all []map[string]any
	for _, r := range f.tpl.Resources("AWS::IAM::Policy") {
		doc := cdktest.Properties(r)["PolicyDocument"].(map[string]any)
		for _, s := range doc["Statement"].([]any) {
			all = append(all, s.(map[string]any))
		}
	}
	return all
}

// Apart from X-Ray's (which has no resources), the only statement on "*" is
// the platform-application create.
func TestNoWildcardGrantsBeyondCreate(t *testing.T) {
	f := synth(t)
	passRole := 0
	for _, st := range statements(f) {
		action := cdktest.JSON(st["Action"])
		if st["Resource"] == "*" && action != `"sns:CreatePlatformApplication"` && action != `["xray:PutTraceSegments","xray:PutTelemetryRecords"]` {
			t.Errorf("%s granted on *", action)
		}
		if action == `"iam:PassRole"` {
			passRole++
			if cdktest.JSON(st["Condition"]) != `{"StringEquals":{"iam:PassedToService":"sns.amazonaws.com"}}` {
				t.Errorf("iam:PassRole without the PassedToService condition: %v", st)
			}
		}
	}
	if passRole != 2 {
		t.Errorf("%d iam:PassRole statements, want one per construct", passRole)
	}
}

func TestAlarmsUseTheSharedTopic(t *testing.T) {
	f := synth(t)
	if f.game.AlarmTopic == nil || f.game.AlarmTopic != f.sandbx.AlarmTopic && *f.game.AlarmTopic.TopicArn() != *f.sandbx.AlarmTopic.TopicArn() {
		t.Error("the two constructs do not share the stack's alarm topic")
	}
	if c := f.stack.Node().TryFindChild(jsii.String(alarmtopic.SharedID)); c == nil {
		t.Fatal("no shared alarm topic in the stack")
	}
	for name, a := range f.game.Alarms {
		if a.AlarmArn() == nil {
			t.Errorf("alarm %s", name)
		}
	}
	for _, r := range f.tpl.Resources("AWS::CloudWatch::Alarm") {
		if len(cdktest.Properties(r)["AlarmActions"].([]any)) == 0 {
			t.Errorf("silent alarm %v", cdktest.Properties(r)["AlarmDescription"])
		}
	}
	rates := 0
	for _, r := range f.tpl.Resources("AWS::CloudWatch::Alarm") {
		p := cdktest.Properties(r)
		if strings.Contains(cdktest.JSON(p["Metrics"]), `"Expression":"FILL(f, 0) / MAX([FILL(d, 0) + FILL(f, 0), 1])"`) {
			rates++
			if p["Threshold"] != 0.05 || p["EvaluationPeriods"] != float64(3) || !strings.Contains(cdktest.JSON(p["Metrics"]), "NumberOfNotificationsFailed") {
				t.Errorf("delivery alarm %v", p)
			}
		}
	}
	if rates != 3 {
		t.Errorf("%d delivery-failure alarms, want one per platform application (3)", rates)
	}
}

func TestValidation(t *testing.T) {
	stack := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("V"), nil)
	topic := awssns.NewTopic(stack, jsii.String("T"), nil)
	pool := awscognito.NewUserPool(stack, jsii.String("P"), nil)
	secret := awssecretsmanager.Secret_FromSecretNameV2(stack, jsii.String("S"), jsii.String("s"))
	ok := func() *pushnotify.Props {
		return &pushnotify.Props{FCM: &pushnotify.FCM{Secret: secret}, Notices: topic, API: pushnotify.API{UserPools: []awscognito.IUserPool{pool}}}
	}
	for _, tc := range []struct {
		name  string
		props *pushnotify.Props
		want  []string
	}{
		{"nil", nil, []string{`pushnotify "V/Push": Props: must not be nil`}},
		{"nothing", &pushnotify.Props{}, []string{"FCM: at least one of FCM and APNS", "Notices: is required", "API.UserPools: at least one Cognito user pool"}},
		{"apns ids", func() *pushnotify.Props {
			p := ok()
			p.APNS = &pushnotify.APNS{SigningKeyID: "abc", TeamID: "", BundleID: "game", Name: "a b"}
			return p
		}(), []string{"APNS.Secret: is required", `APNS.SigningKeyID: "abc" is not a 10-character`, `APNS.TeamID: "" is not`, `APNS.BundleID: "game" is not a bundle identifier`, `APNS.Name: "a b" must be`}},
		{"fan-out and rates", func() *pushnotify.Props {
			p := ok()
			p.FanOut = pushnotify.FanOut{Segments: 1000, Concurrency: -1, Timeout: 30 * time.Second}
			p.DeliveryStatus.SuccessSampleRate = pushnotify.Int(101)
			p.Alarms.FailureRate = 2
			p.API.MaxDevicesPerPlayer = -1
			p.Entries.FanOut = "functions/nope"
			return p
		}(), []string{"FanOut.Segments: 1000 is outside 1..100", "FanOut.Concurrency: -1", "FanOut.Timeout: 30s is outside 1m0s..15m0s",
			"DeliveryStatus.SuccessSampleRate: 101", "Alarms.FailureRate: 2", "API.MaxDevicesPerPlayer: -1", "Entries.FanOut:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := pushnotify.Validate(stack, "Push", tc.props)
			var verr *validate.Error
			if !errors.As(err, &verr) {
				t.Fatalf("error %v, want a *validate.Error", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not contain %q", err, w)
				}
			}
		})
	}
	if err := pushnotify.Validate(stack, "Push", ok()); err != nil {
		t.Errorf("valid props: %v", err)
	}
}

func TestLogEncryptionKey(t *testing.T) {
	f := synth(t)
	f.tpl.LogGroupsUseKey(t, f.sandbx.Construct, f.logKey)
}
