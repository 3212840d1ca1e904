package consumer_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3notifications"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/aws-cdk-go/awscdk/v2/cxapi"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/crawler"
	"github.com/gureum-cdk/gureum/constructs/datalake"
	"github.com/gureum-cdk/gureum/constructs/gamefleet"
	"github.com/gureum-cdk/gureum/constructs/hpccluster"
	"github.com/gureum-cdk/gureum/constructs/imagepipeline"
	"github.com/gureum-cdk/gureum/constructs/pushnotify"
	"github.com/gureum-cdk/gureum/constructs/scaledwebtier"
	"github.com/gureum-cdk/gureum/constructs/scheduledjob"
	"github.com/gureum-cdk/gureum/constructs/serverlessapi"
	"github.com/gureum-cdk/gureum/constructs/streampipeline"
	"github.com/gureum-cdk/gureum/constructs/webpipeline"
)

// pollsOpenAPI is the app's own OpenAPI document of two voting routes.
const pollsOpenAPI = `{
  "openapi": "3.0.3",
  "info": {"title": "Polls", "version": "1"},
  "paths": {
    "/polls/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "get": {"operationId": "getPoll", "responses": {"200": {"description": "the poll"}}}
    },
    "/polls/{id}/votes": {
      "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
      "post": {
        "operationId": "castVote",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "required": ["option"], "additionalProperties": false,
          "properties": {"option": {"type": "string", "minLength": 1, "maxLength": 100}}
        }}}},
        "responses": {"201": {"description": "counted"}}
      }
    }
  }
}`

// functions is where gureum's handlers are, by import path: the only form
// of Entry that builds from an app's own module.
const functions = "github.com/gureum-cdk/gureum/functions/"

const (
	account = "123456789012"
	primary = "ap-northeast-2"
	second  = "ap-northeast-1"
)

// app is one CDK app of a case: its stacks, and the paths of what the
// consumer made itself in them ("/Stack/Id"), whose cdk-nag findings are the
// consumer's and which no gureum suppression may reach.
type app struct {
	*testing.T
	app  awscdk.App
	user []string
	// reported are user paths that must carry at least one unsuppressed
	// finding: proof that their findings were not silenced.
	reported []string
}

func newApp(t *testing.T) *app {
	a := awscdk.NewApp(&awscdk.AppProps{
		// The CLI's default, so that the template names each resource's path.
		Context: &map[string]any{"aws:cdk:enable-path-metadata": true},
	})
	return &app{T: t, app: a}
}

func (a *app) stack(id, region string) awscdk.Stack {
	return awscdk.NewStack(a.app, jsii.String(id), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: jsii.String(account), Region: jsii.String(region)},
	})
}

// mine records constructs the consumer made; report says their findings
// must show.
func (a *app) mine(report bool, cs ...constructs.IConstruct) {
	for _, c := range cs {
		p := "/" + *c.Node().Path()
		a.user = append(a.user, p)
		if report {
			a.reported = append(a.reported, p)
		}
	}
}

// zones are the stacks' hosted zones, each imported once.
var zones = map[awscdk.Stack]awsroute53.IHostedZone{}

func zone(stack awscdk.Stack) awsroute53.IHostedZone {
	if z, ok := zones[stack]; ok {
		return z
	}
	z := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String("Z0CONSUMER"), ZoneName: jsii.String("example.com"),
	})
	zones[stack] = z
	return z
}

// webProps are the smallest ScaledWebTier props of a stage.
func webProps(stack awscdk.Stack, stage scaledwebtier.Stage) *scaledwebtier.Props {
	p := &scaledwebtier.Props{Stage: stage, Entry: functions + "webapp/server"}
	if stage >= scaledwebtier.HighlyAvailable {
		p.Domain = &scaledwebtier.Domain{Name: "www.example.com", HostedZone: zone(stack)}
	}
	if stage == scaledwebtier.Global {
		p.Name = "shop"
		p.Regions, p.PrimaryRegion = []string{primary, second}, primary
	}
	return p
}

// isolatedVpc is a VPC whose servers have no route to the internet, as
// GameFleet's default subnets want.
func isolatedVpc(stack awscdk.Stack, id string) awsec2.Vpc {
	return awsec2.NewVpc(stack, jsii.String(id), &awsec2.VpcProps{
		NatGateways:         jsii.Number(0),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{Name: jsii.String("servers"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}},
		FlowLogs:            &map[string]*awsec2.FlowLogOptions{"All": {}},
	})
}

var schedules = []gamefleet.ScaleSchedule{
	{Name: "out", Expression: "cron(30 21 * * ? *)", MinSize: gamefleet.Int(1), DesiredCapacity: 2},
	{Name: "in", Expression: "cron(30 3 * * ? *)", MinSize: gamefleet.Int(0), DesiredCapacity: 0},
}

// pushProps are PushNotify's smallest props: an FCM application whose key
// the app keeps in Secrets Manager, the app's notices topic and user pool.
func pushProps(a *app, s awscdk.Stack, id string) *pushnotify.Props {
	players := awscognito.NewUserPool(s, jsii.String(id+"Players"), nil)
	notices := awssns.NewTopic(s, jsii.String(id+"Notices"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})
	a.mine(false, players, notices)
	return &pushnotify.Props{
		FCM:     &pushnotify.FCM{Secret: awssecretsmanager.Secret_FromSecretNameV2(s, jsii.String(id+"FcmKey"), jsii.String("game/push/"+id))},
		Notices: notices,
		API:     pushnotify.API{UserPools: []awscognito.IUserPool{players}},
	}
}

// twice makes each construct twice, with the smallest props, in a stack of
// its own (all of them in one would pass CloudFormation's 500 resources).
func twice(a *app) {
	for _, c := range []struct {
		stack string
		make  func(stack awscdk.Stack, id string)
	}{
		{"AlarmTopic", func(s awscdk.Stack, id string) { alarmtopic.New(s, id, nil) }},
		{"ServerlessApi", func(s awscdk.Stack, id string) {
			serverlessapi.New(s, id, &serverlessapi.Props{Routes: []serverlessapi.Route{
				{Method: "GET", Path: "/polls/{id}", Entry: functions + "voting/getpoll"},
			}})
		}},
		{"ImagePipeline", func(s awscdk.Stack, id string) { imagepipeline.New(s, id, nil) }},
		{"ScheduledJob", func(s awscdk.Stack, id string) {
			scheduledjob.New(s, id, &scheduledjob.Props{
				Entry:     functions + "gameevents/publisher",
				Schedules: []scheduledjob.Schedule{{Name: "hourly", Expression: "rate(1 hour)"}},
			})
		}},
		{"Crawler", func(s awscdk.Stack, id string) {
			crawler.New(s, id, &crawler.Props{URLs: []string{"https://example.com/"}})
		}},
		{"StreamPipeline", func(s awscdk.Stack, id string) {
			streampipeline.New(s, id, &streampipeline.Props{
				ProcessorEntry: functions + "gameevents/streamprocessor",
				IndexerEntry:   functions + "gameevents/indexer",
			})
		}},
		{"DataLake", func(s awscdk.Stack, id string) { datalake.New(s, id, nil) }},
		{"PushNotify", func(s awscdk.Stack, id string) { pushnotify.New(s, id, pushProps(a, s, id)) }},
		{"GameFleet", func(s awscdk.Stack, id string) {
			vpc := isolatedVpc(s, id+"Vpc")
			a.mine(false, vpc)
			gamefleet.New(s, id, &gamefleet.Props{Vpc: vpc, Schedules: schedules})
		}},
		{"HpcCluster", func(s awscdk.Stack, id string) {
			hpccluster.New(s, id, &hpccluster.Props{Workload: hpccluster.Workload{Entry: functions + "montecarlo/run"}})
		}},
		{"ScaledWebTier", func(s awscdk.Stack, id string) {
			p := webProps(s, scaledwebtier.Elastic)
			p.Domain.Name = strings.ToLower(id) + ".example.com"
			scaledwebtier.New(s, id, p)
		}},
		{"WebPipeline", func(s awscdk.Stack, id string) {
			p := webProps(s, scaledwebtier.HighlyAvailable)
			p.Domain.Name = strings.ToLower(id) + ".example.com"
			web := scaledwebtier.New(s, id+"Web", p)
			webpipeline.New(s, id, &webpipeline.Props{
				AutoScalingGroup: web.AutoScalingGroup,
				Alarms:           []awscloudwatch.IAlarm{web.Alarms["5xx"]},
				Source:           webpipeline.Source{S3: &webpipeline.S3Source{Key: "webapp/source.zip"}},
			})
		}},
	} {
		stack := a.stack("Twice"+c.stack, primary)
		c.make(stack, "First")
		c.make(stack, "Second")
	}
}

// consumerResources are what an app adds beside gureum's constructs: a
// bucket with its own bucket deployment (the CDK's default handler) and
// notification (the CDK's notifications handler), and a Lambda function.
// Their findings are the app's: reported, never suppressed by gureum.
func consumerResources(a *app, stack awscdk.Stack) {
	files := awss3.NewBucket(stack, jsii.String("UserFiles"), nil)
	awss3deployment.NewBucketDeployment(stack, jsii.String("UserDeploy"), &awss3deployment.BucketDeploymentProps{
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Data(jsii.String("hello.txt"), jsii.String("hello"), nil)},
		DestinationBucket: files,
	})
	queue := awssqs.NewQueue(stack, jsii.String("UserQueue"), nil)
	files.AddEventNotification(awss3.EventType_OBJECT_CREATED, awss3notifications.NewSqsDestination(queue))
	fn := awslambda.NewFunction(stack, jsii.String("UserFunction"), &awslambda.FunctionProps{
		Runtime: awslambda.Runtime_NODEJS_20_X(),
		Handler: jsii.String("index.handler"),
		Code:    awslambda.Code_FromInline(jsii.String("exports.handler = async () => 'ok';")),
	})
	a.mine(true, files, queue, fn)
	a.mine(false, stack.Node().FindChild(jsii.String("UserDeploy")))
	// The CDK's default bucket deployment handler: the app's deployment
	// made it (gureum's tiers use one of their own).
	a.mine(true, stack.Node().FindChild(jsii.String("Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C")))
}

// cases build one app each; a case that returns wantErr expects New to
// refuse its props with a *validate.Error whose message starts so.
var cases = []struct {
	name    string
	build   func(a *app)
	wantErr string
	// check, when set, checks each synthesized stack's template.
	check func(t *testing.T, stack string, tpl map[string]any)
}{
	{name: "alarmtopic", build: func(a *app) { alarmtopic.New(a.stack("AlarmTopic", primary), "Alarms", nil) }},
	{name: "serverlessapi", build: func(a *app) {
		serverlessapi.New(a.stack("ServerlessApi", primary), "Api", &serverlessapi.Props{Routes: []serverlessapi.Route{
			{Method: "GET", Path: "/polls/{id}", Entry: functions + "voting/getpoll"},
		}})
	}},
	{name: "serverlessapi http api", build: func(a *app) {
		stack := a.stack("ServerlessHttpApi", primary)
		voters := awscognito.NewUserPool(stack, jsii.String("Voters"), nil)
		web := voters.AddClient(jsii.String("Web"), nil)
		a.mine(false, voters)
		serverlessapi.New(stack, "Jwt", &serverlessapi.Props{
			HTTPAPI: true,
			WAF:     serverlessapi.WAF{Disable: true},
			Auth:    serverlessapi.Auth{UserPools: []awscognito.IUserPool{voters}, UserPoolClients: []awscognito.IUserPoolClient{web}},
			Routes: []serverlessapi.Route{
				{Method: "GET", Path: "/polls/{id}", Entry: functions + "voting/getpoll"},
				{Method: "GET", Path: "/health", Entry: functions + "voting/getpoll", Public: true},
			},
		})
		serverlessapi.New(stack, "Iam", &serverlessapi.Props{
			HTTPAPI: true,
			WAF:     serverlessapi.WAF{Disable: true},
			Routes:  []serverlessapi.Route{{Method: "GET", Path: "/polls/{id}", Entry: functions + "voting/getpoll"}},
		})
	}},
	{name: "serverlessapi http api with the default WAF", wantErr: `serverlessapi "ServerlessHttpApiWAF/Api": WAF: AWS WAF cannot be associated with an HTTP API`,
		build: func(a *app) {
			serverlessapi.New(a.stack("ServerlessHttpApiWAF", primary), "Api", &serverlessapi.Props{
				HTTPAPI: true,
				Routes:  []serverlessapi.Route{{Method: "GET", Path: "/polls/{id}", Entry: functions + "voting/getpoll"}},
			})
		}},
	{name: "serverlessapi openapi", build: func(a *app) {
		serverlessapi.New(a.stack("ServerlessOpenApi", primary), "Api", &serverlessapi.Props{
			OpenAPI: &serverlessapi.OpenAPI{Document: []byte(pollsOpenAPI)},
			Routes: []serverlessapi.Route{
				{OperationID: "getPoll", Entry: functions + "voting/getpoll", Actions: []string{"dynamodb:GetItem"}},
				{OperationID: "castVote", Entry: functions + "voting/castvote", Actions: []string{"dynamodb:PutItem", "dynamodb:UpdateItem"}},
			},
			StageVariables: map[string]string{"ranking": "v1"},
			Canary:         &serverlessapi.Canary{PercentTraffic: 10, StageVariableOverrides: map[string]string{"ranking": "v2"}},
			WAF: serverlessapi.WAF{BotControl: true, RuleGroups: map[string]serverlessapi.RuleGroup{
				"AWSManagedRulesCommonRuleSet": {ExcludedRules: []string{"SizeRestrictions_BODY"}},
			}},
		})
	}},
	{name: "serverlessapi openapi operation without a route", wantErr: `serverlessapi "ServerlessOpenApiUnbound/Api": OpenAPI.Document #/paths/~1polls~1{id}~1votes/post: operationId "castVote" has no Route`,
		build: func(a *app) {
			serverlessapi.New(a.stack("ServerlessOpenApiUnbound", primary), "Api", &serverlessapi.Props{
				OpenAPI: &serverlessapi.OpenAPI{Document: []byte(pollsOpenAPI)},
				Routes:  []serverlessapi.Route{{OperationID: "getPoll", Entry: functions + "voting/getpoll"}},
			})
		}},
	{name: "imagepipeline", build: func(a *app) { imagepipeline.New(a.stack("ImagePipeline", primary), "Images", nil) }},
	{name: "scheduledjob", build: func(a *app) {
		scheduledjob.New(a.stack("ScheduledJob", primary), "Job", &scheduledjob.Props{
			Entry:     functions + "gameevents/publisher",
			Schedules: []scheduledjob.Schedule{{Name: "hourly", Expression: "rate(1 hour)"}},
		})
	}},
	{name: "crawler", build: func(a *app) {
		crawler.New(a.stack("Crawler", primary), "Crawler", &crawler.Props{URLs: []string{"https://example.com/"}})
	}},
	{name: "streampipeline", build: func(a *app) {
		streampipeline.New(a.stack("StreamPipeline", primary), "Events", &streampipeline.Props{
			ProcessorEntry: functions + "gameevents/streamprocessor",
			IndexerEntry:   functions + "gameevents/indexer",
		})
	}},
	{name: "datalake", build: func(a *app) { datalake.New(a.stack("DataLake", primary), "Lake", nil) }},
	{name: "datalake with a promoted Iceberg table in Lake Formation mode", build: func(a *app) {
		cols := []datalake.Column{{Name: "id", Type: "string"}, {Name: "ts", Type: "timestamp"}, {Name: "n", Type: "bigint"}}
		datalake.New(a.stack("DataLakeTables", primary), "Lake", &datalake.Props{
			RawTables: []datalake.RawTable{{Name: "events_raw", Format: "PARQUET", Columns: cols}},
			Ingestion: datalake.Ingestion{Table: "events_raw"},
			Tables: []datalake.Table{{Name: "events", Columns: cols, Key: []string{"id", "ts"},
				Partitions: []datalake.PartitionField{{Column: "ts", Transform: "day"}},
				Promotion:  &datalake.Promotion{From: "events_raw"}}},
			LakeFormation: &datalake.LakeFormation{Register: true},
		})
	}},
	{name: "pushnotify", build: func(a *app) {
		stack := a.stack("PushNotify", primary)
		pushnotify.New(stack, "Push", pushProps(a, stack, "Push"))
	}},
	{name: "gamefleet", build: func(a *app) {
		stack := a.stack("GameFleet", primary)
		vpc := isolatedVpc(stack, "Vpc")
		a.mine(false, vpc)
		gamefleet.New(stack, "Fleet", &gamefleet.Props{Vpc: vpc, Schedules: schedules})
	}},
	{name: "gamefleet with awsec2.NewVpc's defaults", wantErr: `gamefleet "GameFleetDefaultVpc/Fleet": VpcSubnets: its default, the VPC's private isolated subnets, selects nothing`,
		build: func(a *app) {
			stack := a.stack("GameFleetDefaultVpc", primary)
			gamefleet.New(stack, "Fleet", &gamefleet.Props{Vpc: awsec2.NewVpc(stack, jsii.String("Vpc"), nil), Schedules: schedules})
		}},
	{name: "hpccluster", build: func(a *app) {
		hpccluster.New(a.stack("HpcCluster", primary), "Hpc", &hpccluster.Props{Workload: hpccluster.Workload{Entry: functions + "montecarlo/run"}})
	}},
	{name: "hpccluster queues with GPUs, an AMI and the Spot fallback", build: func(a *app) {
		// x86 queues of the app's own design: CPU Spot-then-On-Demand, GPU
		// Spot on a type outside the catalog with a custom image, a tight
		// On-Demand queue the fallback moves jobs to; the app's own topic.
		stack := a.stack("HpcQueues", primary)
		topic := awssns.NewTopic(stack, jsii.String("Pager"), &awssns.TopicProps{EnforceSSL: jsii.Bool(true)})
		a.mine(false, topic)
		hpccluster.New(stack, "Hpc", &hpccluster.Props{
			Workload: hpccluster.Workload{Entry: functions + "montecarlo/run"},
			Queues: []hpccluster.Queue{
				{Name: "cpu", InstanceTypes: []string{"c7i", "c6i"}},
				{Name: "gpu", InstanceTypes: []string{"g6", "g6f.4xlarge"}, Purchase: hpccluster.PurchaseSpot, AMI: "ami-0abcdef0123456789"},
				{Name: "tight", InstanceTypes: []string{"c6in.32xlarge"}, Purchase: hpccluster.PurchaseOnDemand, MaxVCPUs: 256},
			},
			EFA:               true,
			BootstrapCommands: []string{"dnf install -y -q htop"},
			SpotFallback:      hpccluster.SpotFallback{Enable: true, After: 45 * time.Minute, From: "cpu", To: "tight"},
			Job:               hpccluster.Job{GPUs: 1},
			Alarms:            hpccluster.Alarms{Topic: topic},
		})
	}},
	{name: "hpccluster slurm mode", build: func(a *app) {
		stack := a.stack("HpcSlurm", primary)
		hpccluster.New(stack, "Hpc", &hpccluster.Props{
			Workload: hpccluster.Workload{Entry: functions + "montecarlo/run", Args: []string{"-samples", "10000000"}},
			Mode:     hpccluster.ModeSlurm,
			AMI:      "ami-0123456789abcdef0",
			Queues: []hpccluster.Queue{
				{Name: "batch", InstanceTypes: []string{"c7i.16xlarge", "c6i.16xlarge"}, MaxInstances: 8},
				{Name: "mpi", InstanceTypes: []string{"hpc6a.48xlarge"}, Purchase: hpccluster.PurchaseOnDemand, Priority: 10},
			},
			Slurm: hpccluster.Slurm{Version: "24.05", Size: "MEDIUM", Accounting: true},
		})
	}},
	{name: "hpccluster slurm mode without an image for the login node",
		wantErr: `hpccluster "HpcSlurmNoAMI/Hpc": AMI: is required in Slurm mode for the login node: AWS PCS has no default image`,
		build: func(a *app) {
			hpccluster.New(a.stack("HpcSlurmNoAMI", primary), "Hpc", &hpccluster.Props{
				Workload: hpccluster.Workload{Entry: functions + "montecarlo/run"},
				Mode:     hpccluster.ModeSlurm,
				Queues:   []hpccluster.Queue{{Name: "spot", InstanceTypes: []string{"c7g.16xlarge"}, AMI: "ami-0123456789abcdef0"}},
			})
		}},
	{name: "webpipeline", build: func(a *app) {
		stack := a.stack("WebPipeline", primary)
		web := scaledwebtier.New(stack, "Web", webProps(stack, scaledwebtier.HighlyAvailable))
		webpipeline.New(stack, "Deploy", &webpipeline.Props{
			AutoScalingGroup:        web.AutoScalingGroup,
			LoadBalancerTargetGroup: web.TargetGroup,
			Alarms:                  []awscloudwatch.IAlarm{web.Alarms["5xx"]},
			Source:                  webpipeline.Source{S3: &webpipeline.S3Source{Key: "webapp/source.zip"}},
		})
	}},
	{name: "hpccluster on the app's keys", build: func(a *app) {
		// Batch mode: logs on the app's key, the data bucket on an imported
		// key (whose owner lets FSx for Lustre use it), the job-state
		// events' own retries; Slurm mode: logs on the app's key too.
		stack := a.stack("HpcKeys", primary)
		key := awskms.NewKey(stack, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		a.mine(false, key)
		data := awskms.Key_FromKeyArn(stack, jsii.String("OrgDataKey"), jsii.String("arn:aws:kms:"+primary+":"+account+":key/1b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"))
		hpccluster.New(stack, "Batch", &hpccluster.Props{
			Workload:         hpccluster.Workload{Entry: functions + "montecarlo/run"},
			LogEncryptionKey: key,
			ExistingKey:      data,
			JobEventsRetry:   hpccluster.EventRetry{MaxEventAge: 6 * time.Hour, RetryAttempts: 50},
			SpotFallback:     hpccluster.SpotFallback{Enable: true},
		})
		hpccluster.New(stack, "Slurm", &hpccluster.Props{
			Workload:         hpccluster.Workload{Entry: functions + "montecarlo/run"},
			Mode:             hpccluster.ModeSlurm,
			AMI:              "ami-0123456789abcdef0",
			LogEncryptionKey: key,
		})
	}, check: func(t *testing.T, stack string, tpl map[string]any) {
		res, _ := tpl["Resources"].(map[string]any)
		logGroups, logsMayUseKey, onDataKey, retries := 0, false, 0, false
		for id, r := range res {
			m, _ := r.(map[string]any)
			props, _ := m["Properties"].(map[string]any)
			b, _ := json.Marshal(props)
			switch m["Type"] {
			case "AWS::Logs::LogGroup":
				logGroups++
				if props["KmsKeyId"] == nil {
					t.Errorf("%s: log group %s has no KmsKeyId", stack, id)
				}
			case "AWS::KMS::Key":
				logsMayUseKey = logsMayUseKey || strings.Contains(string(b), `"Service":"logs.`+primary+`.amazonaws.com"`)
			case "AWS::S3::Bucket":
				if strings.Contains(string(b), `"KMSMasterKeyID":"arn:aws:kms:`+primary+`:`+account+`:key/1b1c2d3e-`) {
					onDataKey++
				}
			case "AWS::EC2::Subnet":
				if props["MapPublicIpOnLaunch"] != false {
					t.Errorf("%s: subnet %s has MapPublicIpOnLaunch %v", stack, id, props["MapPublicIpOnLaunch"])
				}
			case "AWS::Events::Rule":
				retries = retries || strings.Contains(string(b), `"RetryPolicy":{"MaximumEventAgeInSeconds":21600,"MaximumRetryAttempts":50}`) && strings.Contains(string(b), `"DeadLetterConfig"`)
			}
		}
		// Batch: flow logs, job logs, job events, the queue-metrics and
		// fallback functions' logs; Slurm: flow logs.
		if logGroups != 6 {
			t.Errorf("%s: %d log groups, want 6", stack, logGroups)
		}
		if !logsMayUseKey {
			t.Errorf("%s: the app's key does not let CloudWatch Logs use it", stack)
		}
		if onDataKey != 1 {
			t.Errorf("%s: %d buckets on the imported data key, want the Batch cluster's data bucket", stack, onDataKey)
		}
		if !retries {
			t.Errorf("%s: no job-state rule with the given retries and a dead-letter queue", stack)
		}
	}},
	{name: "log groups on the app's key", build: func(a *app) {
		stack := a.stack("LogKey", primary)
		key := awskms.NewKey(stack, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		a.mine(false, key)
		serverlessapi.New(stack, "Api", &serverlessapi.Props{
			LogEncryptionKey: key,
			Routes:           []serverlessapi.Route{{Method: "GET", Path: "/polls/{id}", Entry: functions + "voting/getpoll"}},
		})
		scheduledjob.New(stack, "Job", &scheduledjob.Props{
			LogEncryptionKey: key,
			Entry:            functions + "gameevents/publisher",
			Schedules:        []scheduledjob.Schedule{{Name: "hourly", Expression: "rate(1 hour)"}},
		})
		// A key of another stack, whose policy gureum cannot change: its
		// owner grants CloudWatch Logs (docs/log-encryption.md).
		imported := awskms.Key_FromKeyArn(stack, jsii.String("OrgLogKey"), jsii.String("arn:aws:kms:"+primary+":"+account+":key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"))
		crawler.New(stack, "Crawler", &crawler.Props{URLs: []string{"https://example.com/"}, LogEncryptionKey: imported})
	}, check: func(t *testing.T, stack string, tpl map[string]any) {
		res, _ := tpl["Resources"].(map[string]any)
		logGroups, logsMayUseKey := 0, false
		for id, r := range res {
			m, _ := r.(map[string]any)
			props, _ := m["Properties"].(map[string]any)
			switch m["Type"] {
			case "AWS::Logs::LogGroup":
				logGroups++
				if props["KmsKeyId"] == nil {
					t.Errorf("%s: log group %s has no KmsKeyId", stack, id)
				}
			case "AWS::KMS::Key":
				b, _ := json.Marshal(props["KeyPolicy"])
				logsMayUseKey = logsMayUseKey || strings.Contains(string(b), `"Service":"logs.`+primary+`.amazonaws.com"`) &&
					strings.Contains(string(b), "kms:EncryptionContext:aws:logs:arn")
			}
		}
		if logGroups < 4 {
			t.Errorf("%s: %d log groups, want the API's access and execution logs, WAF logs, and the functions' logs", stack, logGroups)
		}
		if !logsMayUseKey {
			t.Errorf("%s: the app's key does not let CloudWatch Logs use it", stack)
		}
	}},
	{name: "scaledwebtier stage 1", build: func(a *app) { webStage(a, scaledwebtier.SingleServer) }},
	{name: "scaledwebtier stage 2", build: func(a *app) { webStage(a, scaledwebtier.SplitDatabase) }},
	{name: "scaledwebtier stage 3", build: func(a *app) { webStage(a, scaledwebtier.HighlyAvailable) }},
	{name: "scaledwebtier stage 4", build: func(a *app) { webStage(a, scaledwebtier.Elastic) }},
	{name: "scaledwebtier stage 4 behind CloudFront", build: func(a *app) {
		// CloudFront in front of the whole tier (the load balancer admits
		// CloudFront only), a warm pool with schedules, and IAM
		// authentication to RDS Proxy.
		stack := a.stack("WebDynamic", primary)
		p := webProps(stack, scaledwebtier.Elastic)
		p.CDN = scaledwebtier.CDN{Dynamic: true, Certificate: awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("EdgeCertificate"),
			jsii.String("arn:aws:acm:us-east-1:"+account+":certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"))}
		p.Capacity.WarmPool = &scaledwebtier.WarmPool{MinSize: 1}
		p.Capacity.Schedules = []scaledwebtier.Schedule{{Name: "morning", Cron: "0 8 * * 1-5", TimeZone: "Asia/Seoul", Min: scaledwebtier.Int(4)}}
		p.Database.IAMAuth = true
		scaledwebtier.New(stack, "Web", p)
	}},
	{name: "scaledwebtier stage 4 on Spot", build: func(a *app) {
		stack := a.stack("WebSpot", primary)
		p := webProps(stack, scaledwebtier.Elastic)
		p.Capacity.Spot = &scaledwebtier.Spot{InstanceTypes: []string{"t4g.small", "m7g.medium", "c7g.medium"}}
		p.Database.Engine = scaledwebtier.AuroraMySQL
		scaledwebtier.New(stack, "Web", p)
	}},
	{name: "scaledwebtier stage 4 in us-east-1", build: func(a *app) {
		// The distribution gets its own web ACL from the load balancer's
		// rule set; another app's distribution takes one from NewCDNWebACL.
		stack := a.stack("WebEast", "us-east-1")
		p := webProps(stack, scaledwebtier.Elastic)
		p.CDN.NewWebACL = true
		scaledwebtier.New(stack, "Web", p)
		scaledwebtier.NewCDNWebACL(stack, "OtherSite", scaledwebtier.WAF{RateLimit: 500})
	}},
	{name: "scaledwebtier stage 5", build: func(a *app) {
		// A stack per region; the secondary joins what the primary makes.
		p := a.stack("WebGlobalPrimary", primary)
		scaledwebtier.New(p, "Web", webProps(p, scaledwebtier.Global))
		s := a.stack("WebGlobalSecondary", second)
		scaledwebtier.New(s, "Web", webProps(s, scaledwebtier.Global))
		s.AddStackDependency(p, jsii.String("the secondary joins the primary's global database and tables"))
	}},
	{name: "odd construct ids", build: func(a *app) {
		stack := a.stack("OddIds", primary)
		scaledwebtier.New(stack, "C", webProps(stack, scaledwebtier.Elastic))
		serverlessapi.New(stack, "9 lives!", &serverlessapi.Props{Routes: []serverlessapi.Route{
			{Method: "GET", Path: "/", Entry: functions + "voting/getpoll"},
		}})
		scheduledjob.New(stack, "Ünï code", &scheduledjob.Props{
			Entry:     functions + "gameevents/publisher",
			Schedules: []scheduledjob.Schedule{{Name: "hourly", Expression: "rate(1 hour)"}},
		})
		imagepipeline.New(stack, "x", nil)
		streampipeline.New(stack, "_", &streampipeline.Props{
			ProcessorEntry: functions + "gameevents/streamprocessor",
			IndexerEntry:   functions + "gameevents/indexer",
		})
	}},
	{name: "two of every construct in one stack", build: twice},
	{name: "the app's own resources made first", build: func(a *app) {
		stack := a.stack("UserFirst", primary)
		consumerResources(a, stack)
		// The CDK's bucket-notifications handler is the app's too.
		a.mine(true, stack.Node().FindChild(jsii.String("BucketNotificationsHandler050a0587b7544547bf325f094a3db834")))
		scaledwebtier.New(stack, "Web", webProps(stack, scaledwebtier.Elastic))
		imagepipeline.New(stack, "Images", nil)
	}},
	{name: "the app's own resources made last", build: func(a *app) {
		stack := a.stack("UserLast", primary)
		scaledwebtier.New(stack, "Web", webProps(stack, scaledwebtier.Elastic))
		imagepipeline.New(stack, "Images", nil)
		consumerResources(a, stack)
	}},
}

func webStage(a *app, stage scaledwebtier.Stage) {
	stack := a.stack(fmt.Sprintf("WebStage%d", int(stage)), primary)
	scaledwebtier.New(stack, "Web", webProps(stack, stage))
}

// TestConsumer builds and synthesizes every case in its own app, with
// cdk-nag's AwsSolutions and Serverless packs, and checks each stack: no
// panic; no unsuppressed finding on what gureum made; no suppression on what
// the app made, whose findings are reported; no physical name given twice.
func TestConsumer(t *testing.T) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := newApp(t)
			if err := catch(func() { c.build(a) }); err != nil || c.wantErr != "" {
				switch {
				case c.wantErr == "":
					t.Fatalf("building the app: %v", err)
				case err == nil:
					t.Fatalf("built, want an error starting %q", c.wantErr)
				case !strings.HasPrefix(err.Error(), c.wantErr):
					t.Fatalf("error:\n%v\nwant one starting:\n%s", err, c.wantErr)
				}
				return
			}
			awscdk.Aspects_Of(a.app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
			awscdk.Aspects_Of(a.app).Add(cdknag.NewServerlessChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
			var asm cxapi.CloudAssembly
			if err := catch(func() { asm = a.app.Synth(nil) }); err != nil {
				t.Fatalf("synthesizing: %v", err)
			}
			for _, st := range *asm.Stacks() {
				checkStack(a, st)
				if c.check != nil {
					b, err := os.ReadFile(*st.TemplateFullPath())
					if err != nil {
						t.Fatal(err)
					}
					var tpl map[string]any
					if err := json.Unmarshal(b, &tpl); err != nil {
						t.Fatal(err)
					}
					c.check(t, *st.StackName(), tpl)
				}
			}
		})
	}
}

func checkStack(a *app, st cxapi.CloudFormationStackArtifact) {
	t := a.T
	name := *st.StackName()
	reported := map[string]bool{}
	for _, m := range *st.Messages() {
		text, _ := m.Entry.Data.(string)
		if !strings.HasPrefix(text, "AwsSolutions-") && !strings.HasPrefix(text, "Serverless-") {
			continue
		}
		if m.Level != cxapi.SynthesisMessageLevel_ERROR && m.Level != cxapi.SynthesisMessageLevel_WARNING {
			continue
		}
		if root := under(*m.Id, a.user); root != "" {
			reported[root] = true
			continue
		}
		rule, _, _ := strings.Cut(text, ":")
		t.Errorf("%s: cdk-nag %s at %s: %s", name, m.Level, *m.Id, rule)
	}
	for _, p := range a.reported {
		if strings.HasPrefix(p, "/"+name+"/") && !reported[p] {
			t.Errorf("%s: no cdk-nag finding is reported on %s, made by the app: were its findings silenced?", name, p)
		}
	}

	b, err := os.ReadFile(*st.TemplateFullPath())
	if err != nil {
		t.Fatal(err)
	}
	var tpl struct {
		Resources map[string]struct {
			Type       string
			Properties map[string]any
			Metadata   map[string]any
		}
	}
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for id, r := range tpl.Resources {
		path, _ := r.Metadata["aws:cdk:path"].(string)
		if path == "" && r.Type != "AWS::CDK::Metadata" {
			t.Errorf("%s: %s has no aws:cdk:path metadata", name, id)
		}
		if sup, ok := r.Metadata["cdk_nag"]; ok && under("/"+path, a.user) != "" {
			t.Errorf("%s: %s, made by the app, carries gureum's cdk-nag suppressions %s", name, path, short(sup))
		}
		for _, prop := range physicalNames {
			if v, ok := r.Properties[prop].(string); ok {
				// A schedule's name is unique in its group only.
				key := fmt.Sprint(r.Type, " ", prop, " ", v, " ", r.Properties["GroupName"])
				if other, dup := names[key]; dup {
					t.Errorf("%s: %s and %s both have %s %q", name, other, id, prop, v)
				}
				names[key] = id
			}
		}
	}
}

// physicalNames are the properties that name a resource in its account and
// region: two resources of a type with the same one cannot both be created.
var physicalNames = []string{
	"TableName", "BucketName", "Name", "DBClusterIdentifier", "GlobalClusterIdentifier", "LogGroupName", "DomainName",
	"FunctionName", "RoleName", "QueueName", "TopicName", "ReplicationGroupId", "ProjectName", "ApplicationName",
	"DeploymentGroupName", "ComputeEnvironmentName", "JobQueueName", "JobDefinitionName", "DeliveryStreamName", "WorkGroup",
}

// under returns the user path that p is, or is below, or "".
func under(p string, roots []string) string {
	for _, r := range roots {
		if p == r || strings.HasPrefix(p, r+"/") {
			return r
		}
	}
	return ""
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 300 {
		b = append(b[:300], "..."...)
	}
	return string(b)
}

// catch turns a panic (a jsii error, a gureum *validate.Error) into an error.
func catch(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = e
				return
			}
			err = errors.New(fmt.Sprint(r))
		}
	}()
	f()
	return nil
}

// TestCasesCoverEveryConstruct: every construct package of gureum (every
// directory of constructs/ but internal) and every ScaledWebTier stage has
// a case, so a new construct cannot skip this test.
func TestCasesCoverEveryConstruct(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range cases {
		covered[strings.Fields(c.name)[0]] = true
		covered[c.name] = true
	}
	entries, err := os.ReadDir("../../constructs")
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		if e.IsDir() && e.Name() != "internal" {
			want = append(want, e.Name())
		}
	}
	if len(want) < 10 {
		t.Fatalf("found %d construct packages in ../../constructs: %v", len(want), want)
	}
	for s := scaledwebtier.SingleServer; s <= scaledwebtier.Global; s++ {
		want = append(want, fmt.Sprintf("scaledwebtier stage %d", int(s)))
	}
	sort.Strings(want)
	for _, w := range want {
		if !covered[w] {
			t.Errorf("no case for %s", w)
		}
	}
}
