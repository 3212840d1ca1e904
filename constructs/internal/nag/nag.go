// Package nag records cdk-nag suppressions next to the resource they apply to,
// always with a rule id and a reason.
package nag

import (
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
				list = append(list, &cdknag.RegexAppliesTo{Regex: jsii.String(a)})
				continue
			}
			list = append(list, a)
		}
		s.AppliesTo = &list
	}
	cdknag.NagSuppressions_AddResourceSuppressions(c, &[]*cdknag.NagPackSuppression{s}, jsii.Bool(true))
}
