// Package naming derives physical names that stay unique per construct path,
// so two instances of a construct can live in one stack or account.
package naming

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Unique returns prefix followed by a name derived from c's path (with a hash
// suffix), at most maxLen characters in total.
func Unique(c constructs.IConstruct, prefix string, maxLen int) string {
	n := awscdk.Names_UniqueResourceName(c, &awscdk.UniqueResourceNameOptions{
		MaxLength: jsii.Number(float64(maxLen - len(prefix))),
		Separator: jsii.String("-"),
	})
	return prefix + *n
}
