package webpipeline_test

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/scaledwebtier"
	"github.com/gureum-cdk/gureum/constructs/webpipeline"
)

// A pipeline from a GitHub branch to a ScaledWebTier's Auto Scaling group,
// rolling half of the servers at a time out of the load balancer and back,
// and rolling back on the tier's 5xx or CPU alarm. New appends the
// CodeDeploy agent's installation to the tier's user data. Stack
// GureumWebDeploy does the same with an S3 source; the tier's Entry import
// path builds from any app that requires gureum.
func ExampleNew() {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("Web"), &awscdk.StackProps{
		Env: &awscdk.Environment{Region: jsii.String("ap-northeast-2")},
	})
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String("Z0EXAMPLE"), ZoneName: jsii.String("example.com"),
	})
	web := scaledwebtier.New(stack, "Web", &scaledwebtier.Props{
		Stage:  scaledwebtier.HighlyAvailable,
		Entry:  "github.com/gureum-cdk/gureum/functions/webapp/server",
		Domain: &scaledwebtier.Domain{Name: "www.example.com", HostedZone: zone},
	})

	pipe := webpipeline.New(stack, "Deploy", &webpipeline.Props{
		AutoScalingGroup:        web.AutoScalingGroup,
		LoadBalancerTargetGroup: web.TargetGroup,
		Alarms:                  []awscloudwatch.IAlarm{web.Alarms["5xx"], web.Alarms["CPU"]},
		Source: webpipeline.Source{GitHub: &webpipeline.GitHubSource{
			ConnectionArn: "arn:aws:codeconnections:ap-northeast-2:123456789012:connection/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
			Owner:         "gureum-cdk", Repo: "gureum", Branch: "main",
		}},
	})

	stages := []string{}
	for _, s := range *pipe.Pipeline.Stages() {
		stages = append(stages, *s.StageName())
	}
	fmt.Println("stages:", strings.Join(stages, " -> "))
	ud := *web.UserData.Render()
	fmt.Println("user data installs the app:", strings.Contains(ud, "systemctl enable --now gureum-webapp"))
	fmt.Println("user data installs the agent:", strings.Contains(ud, "systemctl enable --now codedeploy-agent"))
	fmt.Println("source bucket:", pipe.SourceBucket != nil, "instance policy:", pipe.InstancePolicy != nil)
	app.Synth(nil)
	// Output:
	// stages: Source -> Build -> Deploy
	// user data installs the app: true
	// user data installs the agent: true
	// source bucket: false instance policy: true
}
