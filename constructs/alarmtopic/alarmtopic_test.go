package alarmtopic_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
)

// keyStatements returns the statements of the only key's policy, by Sid.
func keyStatements(t *testing.T, tpl *cdktest.Template) map[string][]map[string]any {
	t.Helper()
	key := cdktest.Only(t, tpl.Resources("AWS::KMS::Key"))
	doc := cdktest.Properties(key)["KeyPolicy"].(map[string]any)
	out := map[string][]map[string]any{}
	for _, s := range doc["Statement"].([]any) {
		st := s.(map[string]any)
		sid, _ := st["Sid"].(string)
		out[sid] = append(out[sid], st)
	}
	return out
}

func TestTopicKeyAdmitsCloudWatchOnly(t *testing.T) {
	stack := cdktest.NewStack("T")
	a := alarmtopic.New(stack, "Alarms", nil)
	tpl := cdktest.Synth(t, stack)
	tpl.Has(t, "AWS::SNS::Topic", map[string]any{"KmsMasterKeyId": map[string]any{"Fn::GetAtt": []any{"AlarmsKey3C2381B3", "Arn"}}})
	tpl.Has(t, "AWS::KMS::Key", map[string]any{"EnableKeyRotation": true})
	st := keyStatements(t, tpl)
	if len(st["AllowCloudWatchAlarms"]) != 1 {
		t.Errorf("key policy has %d CloudWatch statements, want 1", len(st["AllowCloudWatchAlarms"]))
	}
	if len(st["AllowAutoScalingNotifications"]) != 0 {
		t.Error("the key admits Auto Scaling without AllowAutoScaling")
	}
	if a.Key == nil || a.Topic == nil {
		t.Error("Key or Topic is not exported")
	}
	cdktest.NoNagFindings(t, stack)
}

func TestAllowAutoScaling(t *testing.T) {
	stack := cdktest.NewStack("T")
	a := alarmtopic.New(stack, "Alarms", nil)
	if !a.AllowAutoScaling() {
		t.Error("AllowAutoScaling on the topic's own key reported no change")
	}
	// A second caller (another construct notifying the same topic) adds no
	// second statement.
	alarmtopic.AllowAutoScaling(a.Key)
	st := keyStatements(t, cdktest.Synth(t, stack))["AllowAutoScalingNotifications"]
	if len(st) != 1 {
		t.Fatalf("key policy has %d Auto Scaling statements, want 1", len(st))
	}
	got := cdktest.JSON(st[0])
	for _, want := range []string{
		`"Action":["kms:Decrypt","kms:GenerateDataKey*"]`,
		`"Principal":{"AWS":"*"}`,
		`"kms:CallerAccount":"123456789012"`,
		`":iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"`,
		`"ArnLike":{"aws:PrincipalArn"`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("statement lacks %s:\n%s", want, got)
		}
	}
	// Nothing else is admitted: no kms:Encrypt, no key administration.
	if strings.Contains(got, "kms:Encrypt") || strings.Contains(got, "kms:*") {
		t.Errorf("statement grants more than publishing needs: %s", got)
	}
}

func TestAllowAutoScalingImportedKey(t *testing.T) {
	stack := cdktest.NewStack("T")
	key := awskms.Key_FromKeyArn(stack, jsii.String("Imported"), jsii.String("arn:aws:kms:ap-northeast-2:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"))
	a := alarmtopic.New(stack, "Alarms", &alarmtopic.Props{ExistingKey: key})
	if a.AllowAutoScaling() {
		t.Error("AllowAutoScaling reported a change to an imported key's policy")
	}
	cdktest.Synth(t, stack).Count(t, "AWS::KMS::Key", 0)
}

// TestShared: the shared alarm topic is made once per stack, at the stack's
// root, encrypted like any AlarmTopic; another stack gets its own.
func TestShared(t *testing.T) {
	stack := cdktest.NewStack("T")
	nested := constructs.NewConstruct(stack, jsii.String("Deep"))
	a := alarmtopic.Shared(stack)
	b := alarmtopic.Shared(nested)
	if *a.Topic.Node().Path() != "T/"+alarmtopic.SharedID+"/Topic" || *b.Topic.Node().Path() != *a.Topic.Node().Path() ||
		*b.Key.Node().Path() != *a.Key.Node().Path() {
		t.Errorf("Shared returned %s and %s, want one topic at T/%s", *a.Topic.Node().Path(), *b.Topic.Node().Path(), alarmtopic.SharedID)
	}
	other := cdktest.NewStack("U")
	if got := *alarmtopic.Shared(other).Topic.Node().Path(); got != "U/"+alarmtopic.SharedID+"/Topic" {
		t.Errorf("another stack's shared topic is %s", got)
	}
	tpl := cdktest.Synth(t, stack)
	tpl.Count(t, "AWS::SNS::Topic", 1)
	tpl.Count(t, "AWS::KMS::Key", 1)
	if st := keyStatements(t, tpl); len(st["AllowCloudWatchAlarms"]) != 1 {
		t.Error("the shared topic's key does not admit CloudWatch")
	}
	cdktest.NoNagFindings(t, stack)

	// An id taken by something else is refused by name.
	taken := cdktest.NewStack("V")
	constructs.NewConstruct(taken, jsii.String(alarmtopic.SharedID))
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "V/"+alarmtopic.SharedID+" is not the shared alarm topic") {
			t.Errorf("Shared with the id taken: %v", r)
		}
	}()
	alarmtopic.Shared(taken)
}
