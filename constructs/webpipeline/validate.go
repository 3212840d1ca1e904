package webpipeline

import (
	"regexp"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

var (
	// connectionArnRE matches AWS CodeConnections ARNs under the current and
	// the older (codestar-connections) service name.
	connectionArnRE = regexp.MustCompile(`^arn:aws[a-z-]*:(codeconnections|codestar-connections):[a-z0-9-]+:\d{12}:connection/[0-9a-fA-F-]{36}$`)
	githubOwnerRE   = regexp.MustCompile(`^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$`)
	githubRepoRE    = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)
	goPackageRE     = regexp.MustCompile(`^\./[A-Za-z0-9._/-]*$`)
)

// isToken reports whether s is an unresolved CDK token (known at deploy time).
func isToken(s string) bool { return strings.Contains(s, "${Token[") }

// Validate reports every invalid prop of a WebPipeline that would be created
// as id under scope, without creating anything.
func Validate(scope constructs.Construct, id string, props *Props) error {
	_, err := resolve(scope, id, props)
	return err
}

// resolve applies the defaults (withDefaults) and reports every invalid
// prop at once.
func resolve(scope constructs.Construct, id string, p *Props) (*config, error) {
	v := validate.New("webpipeline", scope, id)
	if p == nil {
		v.Addf("Props", "must not be nil: AutoScalingGroup, Alarms and Source are required")
		return nil, v.Err()
	}
	c := withDefaults(p)
	v.Check(p.AutoScalingGroup != nil, "AutoScalingGroup", "is required: it runs the web app CodeDeploy deploys to")
	if g, ok := p.AutoScalingGroup.(awsautoscaling.AutoScalingGroup); ok && g.Node().TryFindChild(jsii.String("WarmPool")) != nil {
		// A mixed instances policy (Spot) is fine: CodeDeploy deploys to
		// each instance in service whatever its purchase option, and the
		// launch hook gives replacements the last good revision.
		v.Addf("AutoScalingGroup", "has a warm pool: CodeDeploy's launch hook does not act on instances that launch into a warm pool (Warmed:Pending:Wait), so the group would abandon them; remove the warm pool (ScaledWebTier Capacity.WarmPool) or deploy without CodeDeploy")
	}
	v.Check(len(p.Alarms) > 0, "Alarms", "at least one alarm is required: a deployment rolls back when one fires")
	for i, a := range p.Alarms {
		if a == nil {
			v.Addf("Alarms", "alarm %d is nil", i)
		}
	}

	s := p.Source
	switch {
	case s.GitHub == nil && s.S3 == nil:
		v.Addf("Source", "set one of Source.GitHub or Source.S3")
	case s.GitHub != nil && s.S3 != nil:
		v.Addf("Source", "both Source.GitHub and Source.S3 are set: use one or the other")
	}
	if g := s.GitHub; g != nil {
		if g.ConnectionArn == "" {
			v.Addf("Source.GitHub.ConnectionArn", "is required")
		} else if !isToken(g.ConnectionArn) {
			v.Check(connectionArnRE.MatchString(g.ConnectionArn), "Source.GitHub.ConnectionArn",
				"%q is not a connection ARN (arn:aws:codeconnections:REGION:ACCOUNT:connection/ID)", g.ConnectionArn)
		}
		if g.Owner == "" {
			v.Addf("Source.GitHub.Owner", "is required")
		} else {
			v.Check(githubOwnerRE.MatchString(g.Owner), "Source.GitHub.Owner", "%q is not a GitHub user or organization name", g.Owner)
		}
		if g.Repo == "" {
			v.Addf("Source.GitHub.Repo", "is required")
		} else {
			v.Check(githubRepoRE.MatchString(g.Repo) && g.Repo != "." && g.Repo != "..", "Source.GitHub.Repo", "%q is not a GitHub repository name", g.Repo)
		}
		if g.Branch == "" {
			v.Addf("Source.GitHub.Branch", "is required")
		} else {
			v.Check(!strings.ContainsAny(g.Branch, " ~^:?*[\\") && !strings.HasPrefix(g.Branch, "/") &&
				!strings.HasSuffix(g.Branch, "/") && !strings.Contains(g.Branch, ".."),
				"Source.GitHub.Branch", "%q is not a valid Git branch name", g.Branch)
		}
	}
	if b := s.S3; b != nil {
		if b.Key == "" {
			v.Addf("Source.S3.Key", "is required")
		} else {
			v.Check(!strings.HasPrefix(b.Key, "/"), "Source.S3.Key", "%q must not start with \"/\"", b.Key)
			v.Check(!strings.Contains(b.Key, "*"), "Source.S3.Key", "%q must name one object, not a pattern", b.Key)
		}
		v.Check(b.MaxEventAge == 0 || (b.MaxEventAge >= time.Minute && b.MaxEventAge <= 24*time.Hour && b.MaxEventAge%time.Second == 0),
			"Source.S3.MaxEventAge", "%v must be whole seconds from 1 minute to 24 hours (EventBridge's limits)", b.MaxEventAge)
		v.Check(b.RetryAttempts >= 0 && b.RetryAttempts <= MaxSourceRetryAttempts, "Source.S3.RetryAttempts",
			"%d must be from 0 (the default, %d) to %d (EventBridge's limit)", b.RetryAttempts, DefaultSourceRetryAttempts, MaxSourceRetryAttempts)
	}

	bd := p.Build
	v.Check(bd.MainPackage == "" || goPackageRE.MatchString(bd.MainPackage), "Build.MainPackage",
		"%q must be a relative Go package path such as \"./functions/webapp/server\"", bd.MainPackage)
	v.Check(bd.TestPackages == "" || goPackageRE.MatchString(bd.TestPackages), "Build.TestPackages",
		"%q must be a relative Go package pattern such as \"./functions/webapp/...\"", bd.TestPackages)
	v.Check(bd.Timeout == 0 || (bd.Timeout >= 5*time.Minute && bd.Timeout <= 36*time.Hour), "Build.Timeout",
		"%s is outside CodeBuild's range 5m..36h", bd.Timeout)

	d := p.Deployment
	if d.BlueGreen {
		v.Check(p.LoadBalancerTargetGroup != nil, "Deployment.BlueGreen", "needs LoadBalancerTargetGroup: traffic moves to the new instances through it")
	}
	v.Check(d.TerminateBlueAfter == 0 || d.BlueGreen, "Deployment.TerminateBlueAfter", "applies only with Deployment.BlueGreen")
	v.Check(d.TerminateBlueAfter >= 0 && d.TerminateBlueAfter <= MaxTerminateBlueAfter, "Deployment.TerminateBlueAfter",
		"%s is outside CodeDeploy's range 0..48h", d.TerminateBlueAfter)
	return c, v.Err()
}
