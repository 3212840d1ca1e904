package scaledwebtier

import (
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"
)

// newKey makes the key that encrypts the tier's data, or takes
// ExistingKey. The key the tier makes is retained (data encrypted with it
// outlives the stack) and rotated yearly, and its policy grants
// kms:CreateGrant only for AWS resources (see grantsForAWSResourcesOnly).
func (x *ScaledWebTier) newKey(c *config) {
	if c.ExistingKey != nil {
		x.Key = c.ExistingKey
		return
	}
	key := awskms.NewKey(x.Construct, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("Data of " + *x.Node().Path() + ": database secret, Performance Insights, static files"),
		EnableKeyRotation: jsii.Bool(true),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	grantsForAWSResourcesOnly(key)
	x.Key = key
}

// grantsForAWSResourcesOnly renders key's policy with the condition
// kms:GrantIsForAWSResource = true on every statement that allows
// kms:CreateGrant by name (such as the one the CDK's secrets add for
// Secrets Manager), so that no grant can be created on the key but for an
// AWS service acting on a resource. The key administrators' kms:* is left
// as it is: the condition is absent from every request but CreateGrant, so
// adding it there would lock the account out of the key.
//
// The policy is rendered when the template is (a lazy value), so that
// statements added after New (grants of the app's) get the condition too.
func grantsForAWSResourcesOnly(key awskms.Key) {
	cfn := key.Node().DefaultChild().(awskms.CfnKey)
	cfn.AddPropertyOverride(jsii.String("KeyPolicy"), awscdk.Lazy_UncachedAny(&grantCondition{key: key}, nil))
}

// grantCondition produces a key policy with the CreateGrant condition
// (awscdk.IAnyProducer; a pointer: jsii cannot manage a value receiver).
type grantCondition struct{ key awskms.Key }

func (g *grantCondition) Produce(ctx awscdk.IResolveContext) any {
	doc, _ := ctx.Resolve(g.key.Policy(), nil).(map[string]any)
	return withGrantCondition(doc)
}

// withGrantCondition adds the condition to the statements of a resolved
// policy document that allow kms:CreateGrant.
func withGrantCondition(doc map[string]any) map[string]any {
	statements, _ := doc["Statement"].([]any)
	for _, st := range statements {
		m, ok := st.(map[string]any)
		if !ok || m["Effect"] != "Allow" || !slices.Contains(actionsOf(m["Action"]), "kms:CreateGrant") {
			continue
		}
		cond, _ := m["Condition"].(map[string]any)
		if cond == nil {
			cond = map[string]any{}
		}
		b, _ := cond["Bool"].(map[string]any)
		if b == nil {
			b = map[string]any{}
		}
		b["kms:GrantIsForAWSResource"] = "true"
		cond["Bool"] = b
		m["Condition"] = cond
	}
	return doc
}

func actionsOf(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, e := range a {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}
