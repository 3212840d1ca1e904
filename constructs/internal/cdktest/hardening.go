package cdktest

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/constructs-go/constructs/v10"
)

// LogGroupsUseKey asserts that every AWS::Logs::LogGroup created under root
// (the embedded Construct of a gureum construct given LogEncryptionKey) is
// encrypted with key, and that key's policy lets CloudWatch Logs of the
// stack's region use it for log groups only (the
// kms:EncryptionContext:aws:logs:arn condition). It fails when root created
// no log group, and returns how many it checked.
func (tp *Template) LogGroupsUseKey(t testing.TB, root constructs.IConstruct, key awskms.IKey) int {
	t.Helper()
	stack := awscdk.Stack_Of(root)
	keyID := *stack.GetLogicalId(key.Node().DefaultChild().(awscdk.CfnElement))
	want := JSON(map[string]any{"Fn::GetAtt": []any{keyID, "Arn"}})
	n := 0
	for _, c := range *root.Node().FindAll(constructs.ConstructOrder_PREORDER) {
		r, ok := c.(awscdk.CfnResource)
		if !ok || *r.CfnResourceType() != "AWS::Logs::LogGroup" {
			continue
		}
		n++
		id := *stack.GetLogicalId(r)
		res := tp.JSON["Resources"].(map[string]any)[id].(map[string]any)
		if got := JSON(Properties(res)["KmsKeyId"]); got != want {
			t.Errorf("log group %s (%s): KmsKeyId = %s, want %s", id, *c.Node().Path(), got, want)
		}
	}
	if n == 0 {
		t.Errorf("%s created no log group", *root.Node().Path())
	}
	region := *stack.Region()
	policy := JSON(Properties(tp.JSON["Resources"].(map[string]any)[keyID].(map[string]any))["KeyPolicy"])
	for _, s := range []string{`"Service":"logs.` + region + `.amazonaws.com"`, `"kms:EncryptionContext:aws:logs:arn"`, `:log-group:*"`, `"kms:GenerateDataKey*"`} {
		if !strings.Contains(policy, s) {
			t.Errorf("the policy of key %s lacks %s (CloudWatch Logs cannot use it): %s", keyID, s, policy)
		}
	}
	return n
}
