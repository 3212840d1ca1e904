package stacks

// Session 2: one web tier from one user to ten million. A platform team
// moves along the growth path by changing one prop, Stage; each stack below
// is the same construct at one stage:
//
//	1 SingleServer     browser ─▶ Elastic IP ─▶ EC2 (Graviton, HTTP :80, sessions in memory)
//	2 SplitDatabase    browser ─▶ Elastic IP ─▶ EC2 ─▶ Aurora Serverless v2 (isolated subnets)
//	3 HighlyAvailable  browser ─▶ ALB (HTTPS, 2 AZs) ─▶ Auto Scaling group (min 2) ─▶ Aurora writer + reader
//	4 Elastic          + target tracking, CloudFront ─▶ S3 for /static/, sessions in DynamoDB, RDS Proxy ─▶ Aurora
//	                   (2 readers, replica auto scaling), servers above the on-demand base on Spot, a weekday
//	                   morning schedule
//	5 Global           Route 53 latency routing ─▶ the elastic tier in ap-northeast-2 and ap-northeast-1,
//	                   DynamoDB global tables, Aurora Global Database
//
// At stage 5 the secondary region's stack depends on the primary's, so
// `cdk deploy --all` creates the global database, the global tables and the
// replicated secret before the secondary's cluster joins them (by name: a
// stack cannot reference another region's resources).
//
// From stage 3 the group's scaling events go to the alarm topic; the
// construct lets Auto Scaling use the topic's KMS key
// (alarmtopic.AllowAutoScaling), and a web ACL guards the load balancer.
// Every stage with a database reads and writes its guestbook: directly
// over TLS at stages 2-3, through RDS Proxy from stage 4. The hosted zone
// is a placeholder: pass a real one to deploy.

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/scaledwebtier"
)

// Placeholders for the reference stacks' DNS.
const (
	webZoneID   = "Z0GUREUMEXAMPLE"
	webZoneName = "gureum.example.com"
	// webRegion is the region of stages 1-4 when Options.Env names none:
	// the load balancer's access logs need a concrete region.
	webRegion = "ap-northeast-2"
	// Stage 5 regions; the first is the primary.
	webPrimaryRegion   = "ap-northeast-2"
	webSecondaryRegion = "ap-northeast-1"
	// webGlobalPrimaryID is the stack that the other regions' stacks depend
	// on.
	webGlobalPrimaryID = "GureumWebGlobalPrimary"
)

// ScalingReferences are the web tier's stacks, one per stage and one per
// region at stage 5.
var ScalingReferences = []Reference{
	{ID: "GureumWebStage1", Build: webStage(scaledwebtier.SingleServer)},
	{ID: "GureumWebStage2", Build: webStage(scaledwebtier.SplitDatabase)},
	{ID: "GureumWebStage3", Build: webStage(scaledwebtier.HighlyAvailable)},
	{ID: "GureumWebStage4", Build: webStage(scaledwebtier.Elastic)},
	{ID: webGlobalPrimaryID, Build: webGlobal(webPrimaryRegion)},
	{ID: "GureumWebGlobalSecondary", Build: webGlobal(webSecondaryRegion)},
}

// webEnv keeps Options.Env's account and sets the region.
func webEnv(o Options, region string) *awscdk.Environment {
	e := &awscdk.Environment{Region: jsii.String(region)}
	if o.Env != nil {
		e.Account = o.Env.Account
	}
	return e
}

// webSingleRegion is the region of the stacks outside stage 5: Options.Env's,
// or webRegion.
func webSingleRegion(o Options) string {
	if o.Env != nil && o.Env.Region != nil {
		return *o.Env.Region
	}
	return webRegion
}

// webZone is the placeholder hosted zone.
func webZone(stack awscdk.Stack) awsroute53.IHostedZone {
	return awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String(webZoneID), ZoneName: jsii.String(webZoneName),
	})
}

func webStage(stage scaledwebtier.Stage) func(constructs.Construct, string, Options) awscdk.Stack {
	return func(scope constructs.Construct, id string, o Options) awscdk.Stack {
		stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
			Env:         webEnv(o, webSingleRegion(o)),
			Description: jsii.String(fmt.Sprintf("gureum: web tier at stage %d (%s)", int(stage), stage)),
		})
		newWebTier(stack, o, stage, fmt.Sprintf("gureum-web-%d", int(stage)), fmt.Sprintf("stage%d.%s", int(stage), webZoneName))
		return stack
	}
}

func webGlobal(region string) func(constructs.Construct, string, Options) awscdk.Stack {
	return func(scope constructs.Construct, id string, o Options) awscdk.Stack {
		stack := awscdk.NewStack(scope, jsii.String(id), &awscdk.StackProps{
			Env:         webEnv(o, region),
			Description: jsii.String("gureum: web tier at stage 5 (global), " + region),
		})
		newWebTier(stack, o, scaledwebtier.Global, "gureum-web", "www."+webZoneName)
		// The primary (built first, References keeps the order) makes what
		// this region joins. Built alone, the stack has no dependency.
		if region != webPrimaryRegion {
			if primary := scope.Node().TryFindChild(jsii.String(webGlobalPrimaryID)); primary != nil {
				stack.AddStackDependency(awscdk.Stack_Of(primary), jsii.String("the secondary cluster joins the primary's Aurora Global Database, and the primary creates the sessions table's replica and the database secret's replica here"))
			}
		}
		return stack
	}
}

func newWebTier(stack awscdk.Stack, o Options, stage scaledwebtier.Stage, name, domain string) *scaledwebtier.ScaledWebTier {
	props := &scaledwebtier.Props{
		Stage:  stage,
		Entry:  o.entry("webapp", "server"),
		Name:   name,
		Domain: &scaledwebtier.Domain{Name: domain, HostedZone: webZone(stack)},
		Alarms: scaledwebtier.Alarms{Topic: alarmtopic.New(stack, "Alarms", nil).Topic},
	}
	if stage == scaledwebtier.Elastic {
		// The group's floor (Capacity.Min) stays on-demand; what target
		// tracking adds runs on Spot across three Graviton types. The
		// weekday morning peak starts with four servers.
		props.Capacity.Spot = &scaledwebtier.Spot{InstanceTypes: []string{"t4g.small", "m7g.medium", "c7g.medium"}}
		props.Capacity.Schedules = []scaledwebtier.Schedule{
			{Name: "weekday-morning", Cron: "30 8 * * 1-5", TimeZone: "Asia/Seoul", Min: scaledwebtier.Int(4)},
			{Name: "weekday-evening", Cron: "0 20 * * 1-5", TimeZone: "Asia/Seoul", Min: scaledwebtier.Int(2)},
		}
	}
	if stage == scaledwebtier.Global {
		props.Regions = []string{webPrimaryRegion, webSecondaryRegion}
		props.PrimaryRegion = webPrimaryRegion
	}
	web := scaledwebtier.New(stack, "Web", props)
	awscdk.NewCfnOutput(stack, jsii.String("Url"), &awscdk.CfnOutputProps{Value: jsii.String(map[bool]string{true: "https://", false: "http://"}[stage >= scaledwebtier.HighlyAvailable] + domain)})
	if web.AutoScalingGroup != nil {
		awscdk.NewCfnOutput(stack, jsii.String("AutoScalingGroup"), &awscdk.CfnOutputProps{Value: web.AutoScalingGroup.AutoScalingGroupName()})
	}
	if web.Distribution != nil {
		awscdk.NewCfnOutput(stack, jsii.String("StaticUrl"), &awscdk.CfnOutputProps{Value: jsii.String("https://" + *web.Distribution.DistributionDomainName() + "/static/")})
	}
	return web
}
