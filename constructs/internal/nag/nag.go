// Package nag records cdk-nag suppressions next to the resource they apply to,
// always with a rule id and a reason.
package nag

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Suppress records that rule does not apply to c (and the resources below it)
// for reason. When appliesTo is given, only findings about those
// resources/actions (cdk-nag's "Resource::..." / "Action::..." forms, or a
// regular expression written as "/regex/") are suppressed.
func Suppress(c constructs.IConstruct, rule, reason string, appliesTo ...string) {
	if reason == "" {
		panic("nag.Suppress: a suppression needs a reason")
	}
	s := &cdknag.NagPackSuppression{Id: jsii.String(rule), Reason: jsii.String(reason)}
	if len(appliesTo) > 0 {
		list := make([]interface{}, 0, len(appliesTo))
		for _, a := range appliesTo {
			if len(a) > 2 && a[0] == '/' && a[len(a)-1] == '/' {
				list = append(list, &cdknag.RegexAppliesTo{Regex: jsii.String(anyPartition(a))})
				continue
			}
			list = append(list, a)
		}
		s.AppliesTo = &list
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(true))
}

// ownerMarkerID is the id of the empty construct gureum adds under a
// stack-wide singleton it created, so that later gureum constructs in the
// stack can tell it from one the user's code created first.
const ownerMarkerID = "CreatedByGureum"

// Singleton runs create, which makes or reuses the stack-wide singleton with
// the given id at the root of scope's stack (one of the CDK's shared custom
// resource handlers), and returns that singleton (nil if create made none),
// whether gureum owns it, and whether create made it. gureum owns it when
// create made it, or when another gureum construct of the stack made it
// before. A singleton that the user's code made first is the user's: gureum
// must record no suppression on it, and its findings stay the user's to
// answer.
func Singleton(scope constructs.IConstruct, id string, create func()) (singleton constructs.IConstruct, ours, created bool) {
	stack := awscdk.Stack_Of(scope)
	existed := stack.Node().TryFindChild(jsii.String(id))
	create()
	c := stack.Node().TryFindChild(jsii.String(id))
	switch {
	case c == nil:
		return nil, false, false
	case existed == nil:
		if parent, ok := c.(constructs.Construct); ok {
			constructs.NewConstruct(parent, jsii.String(ownerMarkerID))
		}
		return c, true, true
	default:
		return c, c.Node().TryFindChild(jsii.String(ownerMarkerID)) != nil, false
	}
}

// anyPartition lets a regular expression that spells an ARN's partition as
// the <AWS::Partition> token also match a literal partition ("aws",
// "aws-cn", "aws-us-gov"): in a stack with a concrete region, aws-cdk-lib's
// recommended feature flags write the partition out.
func anyPartition(re string) string {
	return strings.ReplaceAll(re, "arn:<AWS::Partition>:", "arn:(?:<AWS::Partition>|aws[-a-z]*):")
}
