package scaledwebtier

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/internal/webacl"
)

// WebACL is a web ACL the tier made: ACL, its log group (Logs, named
// aws-waf-logs-...) and the logging configuration that redacts
// credentials, cookies and the origin header (Logging).
type WebACL = webacl.WebACL

// ruleSet is WAF's rule set for the shared builder.
func ruleSet(w WAF) webacl.RuleSet {
	r := webacl.RuleSet{RateLimit: w.RateLimit, Window: w.Window, CountOnly: w.CountOnly}
	if w.Groups != nil {
		r.Groups = []webacl.Group{}
		for _, g := range w.Groups {
			r.Groups = append(r.Groups, webacl.Group{Name: g.Name, CountOnly: g.CountOnly, CountRules: g.CountRules})
		}
	}
	return r
}

// newWebACL builds a web ACL of scope (webacl.Regional for the load
// balancer, webacl.CloudFront for the distribution) from WAF's rule set.
func newWebACL(scope constructs.Construct, id, aclScope string, c *config, behindCloudFront bool) *WebACL {
	what := "the load balancer"
	if aclScope == webacl.CloudFront {
		what = "the distribution"
	}
	return webacl.New(scope, id, webacl.Props{
		Scope:            aclScope,
		Rules:            ruleSet(c.WAF),
		BehindCloudFront: behindCloudFront,
		Description:      "Rate limit per client IP and AWS managed rules for " + what + " of " + *scope.Node().Path(),
		LogRetention:     c.LogRetention,
		LogEncryptionKey: c.LogEncryptionKey,
		RedactHeaders:    []string{lowerASCII(OriginVerifyHeader)},
	})
}

// NewCDNWebACL builds, in a us-east-1 stack, the CLOUDFRONT-scope web ACL
// for a ScaledWebTier's distribution with the rule set WAF gives its load
// balancer; pass its ACL's ARN as CDN.WebACLArn (across regions, through
// the stacks' crossRegionReferences or a parameter). A tier in a us-east-1
// stack makes its own with CDN.NewWebACL. It panics with a *validate.Error when the stack's
// region is not us-east-1 or the rule set is invalid.
func NewCDNWebACL(scope constructs.Construct, id string, waf WAF) *WebACL {
	v := validate.New("scaledwebtier.NewCDNWebACL", scope, id)
	r := awscdk.Stack_Of(scope).Region()
	v.Check(r != nil && *r == "us-east-1", "Stack", "CloudFront's web ACLs are made in us-east-1; this stack's region is %s", *r)
	v.Check(!waf.Disable && waf.ExistingWebACLArn == "", "WAF", "Disable and ExistingWebACLArn do not apply: the ACL is made from the rule set")
	webacl.Check(v, "WAF", ruleSet(waf))
	v.PanicIfAny()
	c := &config{Props: Props{WAF: waf, LogRetention: DefaultLogRetention}}
	scopeC := constructs.NewConstruct(scope, jsii.String(id))
	return newWebACL(scopeC, "WebACL", webacl.CloudFront, c, false)
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if ch >= 'A' && ch <= 'Z' {
			b[i] = ch + 'a' - 'A'
		}
	}
	return string(b)
}
