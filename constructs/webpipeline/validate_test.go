package webpipeline_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"

	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/webpipeline"
)

// fakeASG and fakeAlarm stand in for CDK resources: Validate only checks
// that they are set, so the table needs no synthesis.
type fakeASG struct {
	awsautoscaling.IAutoScalingGroup
}
type fakeAlarm struct{ awscloudwatch.IAlarm }

func validProps() *webpipeline.Props {
	return &webpipeline.Props{
		AutoScalingGroup: fakeASG{},
		Alarms:           []awscloudwatch.IAlarm{fakeAlarm{}},
		Source: webpipeline.Source{GitHub: &webpipeline.GitHubSource{
			ConnectionArn: connectionArn, Owner: "gureum-cdk", Repo: "gureum", Branch: "main",
		}},
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(p *webpipeline.Props)
		want   []string
	}{
		{"valid GitHub source", func(p *webpipeline.Props) {}, nil},
		{"valid S3 source", func(p *webpipeline.Props) {
			p.Source = webpipeline.Source{S3: &webpipeline.S3Source{Key: "webapp/source.zip"}}
		}, nil},
		{"older codestar-connections ARN", func(p *webpipeline.Props) {
			p.Source.GitHub.ConnectionArn = "arn:aws:codestar-connections:us-east-1:123456789012:connection/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
		}, nil},
		{"connection ARN token", func(p *webpipeline.Props) { p.Source.GitHub.ConnectionArn = "${Token[TOKEN.123]}" }, nil},
		{"neither source", func(p *webpipeline.Props) { p.Source = webpipeline.Source{} },
			[]string{"Source: set one of Source.GitHub or Source.S3"}},
		{"both sources", func(p *webpipeline.Props) { p.Source.S3 = &webpipeline.S3Source{Key: "k.zip"} },
			[]string{"Source: both Source.GitHub and Source.S3 are set: use one or the other"}},
		{"empty GitHub fields", func(p *webpipeline.Props) { p.Source.GitHub = &webpipeline.GitHubSource{} }, []string{
			"Source.GitHub.ConnectionArn: is required",
			"Source.GitHub.Owner: is required",
			"Source.GitHub.Repo: is required",
			"Source.GitHub.Branch: is required",
		}},
		{"malformed connection ARN", func(p *webpipeline.Props) {
			p.Source.GitHub.ConnectionArn = "arn:aws:codestar:ap-northeast-2:123456789012:connection/abc"
		}, []string{`Source.GitHub.ConnectionArn: "arn:aws:codestar:ap-northeast-2:123456789012:connection/abc" is not a connection ARN (arn:aws:codeconnections:REGION:ACCOUNT:connection/ID)`}},
		{"bad owner, repo and branch", func(p *webpipeline.Props) {
			g := p.Source.GitHub
			g.Owner, g.Repo, g.Branch = "-gureum", "gu reum", "feature..x"
		}, []string{
			`Source.GitHub.Owner: "-gureum" is not a GitHub user or organization name`,
			`Source.GitHub.Repo: "gu reum" is not a GitHub repository name`,
			`Source.GitHub.Branch: "feature..x" is not a valid Git branch name`,
		}},
		{"S3 key missing", func(p *webpipeline.Props) { p.Source = webpipeline.Source{S3: &webpipeline.S3Source{}} },
			[]string{"Source.S3.Key: is required"}},
		{"S3 key pattern", func(p *webpipeline.Props) {
			p.Source = webpipeline.Source{S3: &webpipeline.S3Source{Key: "/src/*.zip"}}
		}, []string{
			`Source.S3.Key: "/src/*.zip" must not start with "/"`,
			`Source.S3.Key: "/src/*.zip" must name one object, not a pattern`,
		}},
		{"S3 source retries", func(p *webpipeline.Props) {
			p.Source = webpipeline.Source{S3: &webpipeline.S3Source{Key: "k.zip", MaxEventAge: 30 * time.Second, RetryAttempts: 186}}
		}, []string{
			"Source.S3.MaxEventAge: 30s must be whole seconds from 1 minute to 24 hours (EventBridge's limits)",
			"Source.S3.RetryAttempts: 186 must be from 0 (the default, 185) to 185 (EventBridge's limit)",
		}},
		{"no ASG and no alarms", func(p *webpipeline.Props) { p.AutoScalingGroup, p.Alarms = nil, nil }, []string{
			"AutoScalingGroup: is required: it runs the web app CodeDeploy deploys to",
			"Alarms: at least one alarm is required: a deployment rolls back when one fires",
		}},
		{"nil alarm", func(p *webpipeline.Props) { p.Alarms = append(p.Alarms, nil) }, []string{"Alarms: alarm 1 is nil"}},
		{"blue/green without target group", func(p *webpipeline.Props) {
			p.Deployment = webpipeline.Deployment{BlueGreen: true, TerminateBlueAfter: 72 * time.Hour}
		}, []string{
			"Deployment.BlueGreen: needs LoadBalancerTargetGroup: traffic moves to the new instances through it",
			"Deployment.TerminateBlueAfter: 72h0m0s is outside CodeDeploy's range 0..48h",
		}},
		{"TerminateBlueAfter without blue/green", func(p *webpipeline.Props) { p.Deployment.TerminateBlueAfter = time.Hour },
			[]string{"Deployment.TerminateBlueAfter: applies only with Deployment.BlueGreen"}},
		{"build settings", func(p *webpipeline.Props) {
			p.Build = webpipeline.Build{MainPackage: "functions/webapp/server", TestPackages: "./x; rm -rf /", Timeout: time.Minute}
		}, []string{
			`Build.MainPackage: "functions/webapp/server" must be a relative Go package path such as "./functions/webapp/server"`,
			`Build.TestPackages: "./x; rm -rf /" must be a relative Go package pattern such as "./functions/webapp/..."`,
			"Build.Timeout: 1m0s is outside CodeBuild's range 5m..36h",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := validProps()
			tc.modify(p)
			err := webpipeline.Validate(nil, "Deploy", p)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Validate = %v, want nil", err)
				}
				return
			}
			var verr *validate.Error
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a *validate.Error", err)
			}
			if verr.Kind != "webpipeline" || verr.Path != "Deploy" {
				t.Errorf("error names %s %q, want webpipeline \"Deploy\"", verr.Kind, verr.Path)
			}
			if !slices.Equal(verr.Problems, tc.want) {
				t.Errorf("problems:\n got %q\nwant %q", verr.Problems, tc.want)
			}
		})
	}
}

func TestValidateNilProps(t *testing.T) {
	err := webpipeline.Validate(nil, "Deploy", nil)
	if err == nil || err.Error() != `webpipeline "Deploy": Props: must not be nil: AutoScalingGroup, Alarms and Source are required` {
		t.Errorf("Validate(nil) = %v", err)
	}
}

func TestNewPanicsBeforeCreatingAnything(t *testing.T) {
	p := validProps()
	p.Source = webpipeline.Source{}
	err := validate.Catch(func() { webpipeline.New(nil, "Deploy", p) })
	if err == nil || err.Problems[0] != "Source: set one of Source.GitHub or Source.S3" {
		t.Errorf("New panicked with %v", err)
	}
}
