package streampipeline_test

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/streampipeline"
)

const (
	processor = "../../functions/gameevents/streamprocessor"
	indexer   = "../../functions/gameevents/indexer"
)

type fixture struct {
	stack          awscdk.Stack
	defaults, lake *streampipeline.Pipeline
	tpl            *cdktest.Template
}

var (
	fixOnce sync.Once
	fix     *fixture
)

// synth builds one stack with two pipelines: "Events" with only the required
// props, and "Lake" that brings its own VPC (three zones) and a data lake's
// raw-zone bucket, and sets the tuning props.
func synth(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		stack := cdktest.NewStack("Pipelines")
		f := &fixture{stack: stack}
		f.defaults = streampipeline.New(stack, "Events", &streampipeline.Props{ProcessorEntry: processor, IndexerEntry: indexer})

		vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
			MaxAzs: jsii.Number(3), NatGateways: jsii.Number(0), RestrictDefaultSecurityGroup: jsii.Bool(false),
			SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{Name: jsii.String("data"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}},
			FlowLogs:            &map[string]*awsec2.FlowLogOptions{"All": {}},
		})
		key := awskms.NewKey(stack, jsii.String("StreamKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		retries := 0
		f.lake = streampipeline.New(stack, "Lake", &streampipeline.Props{
			ProcessorEntry: processor, IndexerEntry: indexer,
			Stream: streampipeline.Stream{Shards: 2, Retention: 48 * time.Hour, EncryptionKey: key},
			Processing: streampipeline.Processing{
				BatchSize: 500, BatchingWindow: 10 * time.Second, ParallelizationFactor: 4, MaxRetries: &retries,
				MaxRecordAge: 2 * time.Hour, DisableBisectOnError: true,
			},
			Prefix:         "raw/game-events/",
			ExistingBucket: awss3.Bucket_FromBucketName(stack, jsii.String("RawZone"), jsii.String("lake-raw-zone")),
			Search: streampipeline.Search{
				Vpc: vpc, ZoneCount: 3, DataNodes: 6, MasterNodes: 5, Index: "play-events",
				MasterUserArn: "arn:aws:iam::123456789012:role/search-admin",
			},
			Alarms: streampipeline.Alarms{IteratorAge: time.Minute},
		})
		f.tpl = cdktest.Synth(t, stack)
		fix = f
	})
	if fix == nil {
		t.Fatal("the fixture did not synthesize (see the first failing test)")
	}
	return fix
}

func id(f *fixture, c awscdk.IResource) string {
	return *f.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func getAtt(f *fixture, c awscdk.IResource, attr string) map[string]any {
	return map[string]any{"Fn::GetAtt": []any{id(f, c), attr}}
}

func TestStreamIsEncryptedAndRetained(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::Kinesis::Stream", 2)
	f.tpl.HasResource(t, "AWS::Kinesis::Stream", map[string]any{
		"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		"Properties": map[string]any{
			"StreamEncryption":     map[string]any{"EncryptionType": "KMS", "KeyId": "alias/aws/kinesis"},
			"StreamModeDetails":    map[string]any{"StreamMode": "ON_DEMAND"},
			"RetentionPeriodHours": 168,
		},
	})
	f.tpl.HasResource(t, "AWS::Kinesis::Stream", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"StreamEncryption":     map[string]any{"EncryptionType": "KMS", "KeyId": getAtt(f, f.stack.Node().FindChild(jsii.String("StreamKey")).(awskms.Key), "Arn")},
			"StreamModeDetails":    map[string]any{"StreamMode": "PROVISIONED"},
			"ShardCount":           2,
			"RetentionPeriodHours": 48,
		},
	})
}

func TestEventSourceMapping(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::Lambda::EventSourceMapping", 2)
	f.tpl.Has(t, "AWS::Lambda::EventSourceMapping", map[string]any{
		"EventSourceArn":                 getAtt(f, f.defaults.Stream, "Arn"),
		"StartingPosition":               "TRIM_HORIZON",
		"BatchSize":                      100,
		"MaximumBatchingWindowInSeconds": 5,
		"ParallelizationFactor":          1,
		"BisectBatchOnFunctionError":     true,
		"MaximumRetryAttempts":           3,
		"MaximumRecordAgeInSeconds":      3600,
		"FunctionResponseTypes":          []any{"ReportBatchItemFailures"},
		"DestinationConfig":              map[string]any{"OnFailure": map[string]any{"Destination": getAtt(f, f.defaults.ProcessorFailures, "Arn")}},
	})
	f.tpl.Has(t, "AWS::Lambda::EventSourceMapping", map[string]any{
		"EventSourceArn":                 getAtt(f, f.lake.Stream, "Arn"),
		"BatchSize":                      500,
		"MaximumBatchingWindowInSeconds": 10,
		"ParallelizationFactor":          4,
		"BisectBatchOnFunctionError":     false,
		"MaximumRetryAttempts":           0,
		"MaximumRecordAgeInSeconds":      7200,
		"FunctionResponseTypes":          []any{"ReportBatchItemFailures"},
	})
	f.tpl.HasResource(t, "AWS::SQS::Queue", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties":     map[string]any{"SqsManagedSseEnabled": true},
	})
	f.tpl.Count(t, "AWS::SQS::Queue", 4)
	f.tpl.Has(t, "AWS::SQS::QueuePolicy", map[string]any{
		"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
			"Effect": "Deny", "Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
		}}},
	})
}

func TestFunctionsGetTheirEnvironment(t *testing.T) {
	f := synth(t)
	f.tpl.Has(t, "AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{
			"BUCKET": map[string]any{"Ref": id(f, f.defaults.Bucket)}, "PREFIX": "aggregates/",
		}},
	})
	f.tpl.Has(t, "AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{"BUCKET": "lake-raw-zone", "PREFIX": "raw/game-events/"}},
	})
	f.tpl.Has(t, "AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{
			"INDEX": "game-events", "OPENSEARCH_ENDPOINT": getAtt(f, f.defaults.Domain, "DomainEndpoint"),
		}},
		"VpcConfig": map[string]any{
			"SecurityGroupIds": []any{getAtt(f, f.defaults.IndexerSecurityGroup, "GroupId")},
		},
	})
	f.tpl.Has(t, "AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{"INDEX": "play-events"}},
	})
	// The processor does not need the VPC; only the two indexers are in one.
	inVPC := 0
	for _, fn := range f.tpl.Resources("AWS::Lambda::Function") {
		if _, ok := fn["Properties"].(map[string]any)["VpcConfig"]; ok {
			inVPC++
		}
	}
	if inVPC != 2 {
		t.Errorf("%d functions in a VPC, want the 2 indexers", inVPC)
	}
}

func TestBucketNotifiesTheIndexerForAggregatesOnly(t *testing.T) {
	f := synth(t)
	f.tpl.Has(t, "Custom::S3BucketNotifications", map[string]any{
		"BucketName": map[string]any{"Ref": id(f, f.defaults.Bucket)},
		"NotificationConfiguration": map[string]any{"LambdaFunctionConfigurations": []any{map[string]any{
			"Events":            []any{"s3:ObjectCreated:*"},
			"LambdaFunctionArn": getAtt(f, f.defaults.Indexer, "Arn"),
			"Filter": map[string]any{"Key": map[string]any{"FilterRules": []any{
				map[string]any{"Name": "suffix", "Value": ".json"},
				map[string]any{"Name": "prefix", "Value": "aggregates/"},
			}}},
		}}},
	})
	f.tpl.Has(t, "Custom::S3BucketNotifications", map[string]any{"BucketName": "lake-raw-zone", "Managed": false})
	f.tpl.HasResource(t, "AWS::S3::Bucket", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"VersioningConfiguration": map[string]any{"Status": "Enabled"},
			"LoggingConfiguration":    map[string]any{"LogFilePrefix": "Bucket/"},
		},
	})
}

func TestDomainIsPrivateEncryptedAndZoneAware(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::OpenSearchService::Domain", 2)
	f.tpl.HasResource(t, "AWS::OpenSearchService::Domain", map[string]any{
		"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		"UpdatePolicy": map[string]any{"EnableVersionUpgrade": true},
		"Properties": map[string]any{
			"DomainName":                  f.defaults.DomainName,
			"NodeToNodeEncryptionOptions": map[string]any{"Enabled": true},
			"EncryptionAtRestOptions":     map[string]any{"Enabled": true},
			"DomainEndpointOptions":       map[string]any{"EnforceHTTPS": true, "TLSSecurityPolicy": "Policy-Min-TLS-1-2-2019-07"},
			"AdvancedSecurityOptions": map[string]any{
				"Enabled": true, "InternalUserDatabaseEnabled": false,
				"MasterUserOptions": map[string]any{"MasterUserARN": getAtt(f, f.defaults.IndexerRole.(awscdk.IResource), "Arn")},
			},
			"ClusterConfig": map[string]any{
				"ZoneAwarenessEnabled": true, "ZoneAwarenessConfig": map[string]any{"AvailabilityZoneCount": 2},
				"InstanceCount": 2, "InstanceType": "r7g.large.search",
				"DedicatedMasterEnabled": true, "DedicatedMasterCount": 3, "DedicatedMasterType": "m7g.large.search",
			},
			"EBSOptions": map[string]any{"EBSEnabled": true, "VolumeType": "gp3", "VolumeSize": 100},
			"LogPublishingOptions": map[string]any{
				"SEARCH_SLOW_LOGS":    map[string]any{"Enabled": true},
				"INDEX_SLOW_LOGS":     map[string]any{"Enabled": true},
				"ES_APPLICATION_LOGS": map[string]any{"Enabled": true},
			},
			"VPCOptions": map[string]any{"SecurityGroupIds": []any{getAtt(f, f.defaults.DomainSecurityGroup, "GroupId")}},
			"AccessPolicies": map[string]any{"Statement": []any{map[string]any{
				"Effect": "Allow", "Action": "es:ESHttpPost",
				"Principal": map[string]any{"AWS": getAtt(f, f.defaults.IndexerRole.(awscdk.IResource), "Arn")},
			}}},
		},
	})
	f.tpl.Has(t, "AWS::OpenSearchService::Domain", map[string]any{
		"AdvancedSecurityOptions": map[string]any{"MasterUserOptions": map[string]any{"MasterUserARN": "arn:aws:iam::123456789012:role/search-admin"}},
		"ClusterConfig": map[string]any{
			"ZoneAwarenessConfig": map[string]any{"AvailabilityZoneCount": 3}, "InstanceCount": 6, "DedicatedMasterCount": 5,
		},
	})
	for lid, d := range f.tpl.Resources("AWS::OpenSearchService::Domain") {
		props := d["Properties"].(map[string]any)
		subnets := props["VPCOptions"].(map[string]any)["SubnetIds"].([]any)
		zones := props["ClusterConfig"].(map[string]any)["ZoneAwarenessConfig"].(map[string]any)["AvailabilityZoneCount"].(float64)
		if len(subnets) != int(zones) {
			t.Errorf("%s: %d subnets for %v zones", lid, len(subnets), zones)
		}
		pol, _ := json.Marshal(props["AccessPolicies"])
		if strings.Contains(string(pol), `"*"`) {
			t.Errorf("%s: access policy has a wildcard principal: %s", lid, pol)
		}
	}
	f.tpl.Has(t, "AWS::Logs::ResourcePolicy", map[string]any{})
}

func TestDomainAdmitsTheIndexerOnly(t *testing.T) {
	f := synth(t)
	f.tpl.Has(t, "AWS::EC2::SecurityGroupIngress", map[string]any{
		"GroupId":               getAtt(f, f.defaults.DomainSecurityGroup, "GroupId"),
		"SourceSecurityGroupId": getAtt(f, f.defaults.IndexerSecurityGroup, "GroupId"),
		"FromPort":              443, "ToPort": 443, "IpProtocol": "tcp",
	})
	for lid, sg := range f.tpl.Resources("AWS::EC2::SecurityGroup") {
		b, _ := json.Marshal(sg["Properties"].(map[string]any)["SecurityGroupIngress"])
		if strings.Contains(string(b), "0.0.0.0/0") || strings.Contains(string(b), "::/0") {
			t.Errorf("%s admits the internet: %s", lid, b)
		}
	}
	for lid, in := range f.tpl.Resources("AWS::EC2::SecurityGroupIngress") {
		b, _ := json.Marshal(in["Properties"])
		if strings.Contains(string(b), "0.0.0.0/0") {
			t.Errorf("%s admits the internet: %s", lid, b)
		}
	}
}

// statements returns the policy statements attached to the role with the
// given logical ID.
func statements(f *fixture, role string) []map[string]any {
	var out []map[string]any
	for _, pol := range f.tpl.Resources("AWS::IAM::Policy") {
		props := pol["Properties"].(map[string]any)
		roles, _ := json.Marshal(props["Roles"])
		if !strings.Contains(string(roles), `"`+role+`"`) {
			continue
		}
		for _, st := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			out = append(out, st.(map[string]any))
		}
	}
	return out
}

func TestLeastPrivilege(t *testing.T) {
	f := synth(t)
	check := func(role awscdk.IResource, action, wantResource string) {
		t.Helper()
		for _, s := range statements(f, id(f, role)) {
			a, _ := json.Marshal(s["Action"])
			if string(a) == `"`+action+`"` {
				r, _ := json.Marshal(s["Resource"])
				if !strings.Contains(string(r), wantResource) {
					t.Errorf("%s on %s, want %s", action, r, wantResource)
				}
				return
			}
		}
		t.Errorf("no %s statement", action)
	}
	check(f.defaults.ProcessorRole.(awscdk.IResource), "s3:PutObject", `/aggregates/*`)
	check(f.defaults.IndexerRole.(awscdk.IResource), "s3:GetObject", `/aggregates/*`)
	check(f.defaults.IndexerRole.(awscdk.IResource), "es:ESHttpPost", `/_bulk`)
	check(f.lake.ProcessorRole.(awscdk.IResource), "s3:PutObject", `:s3:::lake-raw-zone/raw/game-events/*`)
	// The indexer's own role manages its network interfaces (golambda's Vpc).
	var eni bool
	for _, st := range statements(f, id(f, f.defaults.IndexerRole.(awscdk.IResource))) {
		a, _ := json.Marshal(st["Action"])
		eni = eni || strings.Contains(string(a), `"ec2:CreateNetworkInterface"`)
	}
	if !eni {
		t.Error("the indexer's role cannot create its network interfaces")
	}
	for lid, pol := range f.tpl.Resources("AWS::IAM::Policy") {
		for _, st := range pol["Properties"].(map[string]any)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			a, _ := json.Marshal(st.(map[string]any)["Action"])
			if strings.Contains(string(a), `"*"`) || strings.Contains(string(a), `:*"`) {
				t.Errorf("%s grants wildcard actions %s", lid, a)
			}
		}
	}
}

func TestAlarms(t *testing.T) {
	f := synth(t)
	for _, p := range []*streampipeline.Pipeline{f.defaults, f.lake} {
		for _, name := range []string{"IteratorAge", "ProcessorErrors", "ProcessorFailures", "IndexerErrors", "IndexerFailures", "ClusterRed", "IndexWritesBlocked"} {
			if p.Alarms[name] == nil {
				t.Errorf("%s: no %s alarm", *p.Node().Path(), name)
			}
		}
	}
	f.tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{"MetricName": "IteratorAge", "Statistic": "Maximum", "Threshold": 300000})
	f.tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{"MetricName": "IteratorAge", "Threshold": 60000})
	f.tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{"MetricName": "ClusterStatus.red", "Namespace": "AWS/ES", "Threshold": 1})
	f.tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{"MetricName": "ApproximateNumberOfMessagesVisible", "Namespace": "AWS/SQS"})
}

func TestNoNagFindings(t *testing.T) {
	f := synth(t)
	cdktest.NoNagFindings(t, f.stack)
}

func TestValidation(t *testing.T) {
	ok := func() streampipeline.Props {
		return streampipeline.Props{ProcessorEntry: processor, IndexerEntry: indexer}
	}
	with := func(mod func(*streampipeline.Props)) *streampipeline.Props {
		p := ok()
		mod(&p)
		return &p
	}
	neg := -1
	cases := []struct {
		name  string
		props *streampipeline.Props
		want  []string
	}{
		{"nil props", nil, []string{"Props: must not be nil: ProcessorEntry and IndexerEntry are required"}},
		{"missing entries", &streampipeline.Props{}, []string{"ProcessorEntry: is empty", "IndexerEntry: is empty"}},
		{"batch size too big", with(func(p *streampipeline.Props) { p.Processing.BatchSize = 10001 }),
			[]string{"Processing.BatchSize: 10001 is outside Kinesis's range 1..10000"}},
		{"batch size negative", with(func(p *streampipeline.Props) { p.Processing.BatchSize = -5 }),
			[]string{"Processing.BatchSize: -5 is outside Kinesis's range 1..10000"}},
		{"parallelization", with(func(p *streampipeline.Props) { p.Processing.ParallelizationFactor = 11 }),
			[]string{"Processing.ParallelizationFactor: 11 is outside the range 1..10"}},
		{"batching window", with(func(p *streampipeline.Props) { p.Processing.BatchingWindow = 6 * time.Minute }),
			[]string{"Processing.BatchingWindow: 6m0s is outside the range 0..5m (whole seconds)"}},
		{"retries", with(func(p *streampipeline.Props) { p.Processing.MaxRetries = &neg }),
			[]string{"Processing.MaxRetries: -1 is outside the range 0..10000"}},
		{"record age", with(func(p *streampipeline.Props) { p.Processing.MaxRecordAge = 30 * time.Second }),
			[]string{"Processing.MaxRecordAge: 30s is outside the range 1m..168h (whole seconds)"}},
		{"retention", with(func(p *streampipeline.Props) { p.Stream.Retention = 12 * time.Hour }),
			[]string{"Stream.Retention: 12h0m0s is outside Kinesis's range 24h..8760h (whole hours)"}},
		{"shards", with(func(p *streampipeline.Props) { p.Stream.Shards = -1 }),
			[]string{"Stream.Shards: -1 is outside 0 (on-demand)..10000"}},
		{"prefix", with(func(p *streampipeline.Props) { p.Prefix = "aggregates" }),
			[]string{`Prefix: "aggregates" must end with "/" and must not start with "/" or hold wildcards`}},
		{"bucket twice", with(func(p *streampipeline.Props) {
			p.ExistingBucket = awss3.Bucket_FromBucketName(cdktest.NewStack("B"), jsii.String("B"), jsii.String("some-bucket"))
			p.Bucket.EncryptionKey = awskms.Key_FromKeyArn(cdktest.NewStack("K"), jsii.String("K"), jsii.String("arn:aws:kms:ap-northeast-2:123456789012:key/abc"))
		}), []string{"ExistingBucket: is set together with Bucket: use one or the other"}},
		{"zones", with(func(p *streampipeline.Props) { p.Search.ZoneCount = 1 }),
			[]string{"Search.ZoneCount: 1 is not 2 or 3"}},
		{"data nodes", with(func(p *streampipeline.Props) { p.Search.ZoneCount = 3; p.Search.DataNodes = 4 }),
			[]string{"Search.DataNodes: 4 is not a positive multiple of the 3 zones"}},
		{"masters", with(func(p *streampipeline.Props) { p.Search.MasterNodes = 2 }),
			[]string{"Search.MasterNodes: 2 is not 3 or 5"}},
		{"masters disabled", with(func(p *streampipeline.Props) { p.Search.MasterNodes = 3; p.Search.DisableDedicatedMasters = true }),
			[]string{"Search.MasterNodes: is set together with Search.DisableDedicatedMasters"}},
		{"instance type", with(func(p *streampipeline.Props) { p.Search.DataNodeInstanceType = "r7g.large" }),
			[]string{`Search.DataNodeInstanceType: "r7g.large" is not an OpenSearch instance type such as "r7g.large.search"`}},
		{"subnets without vpc", with(func(p *streampipeline.Props) { p.Search.VpcSubnets = &awsec2.SubnetSelection{} }),
			[]string{"Search.VpcSubnets: needs Search.Vpc"}},
		{"master user", with(func(p *streampipeline.Props) { p.Search.MasterUserArn = "admin" }),
			[]string{`Search.MasterUserArn: "admin" is not an IAM role or user ARN`}},
		{"index", with(func(p *streampipeline.Props) { p.Search.Index = "Game Events" }),
			[]string{`Search.Index: "Game Events" is not a valid OpenSearch index name (lowercase letters, digits, '.', '_', '-')`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := streampipeline.Validate(nil, "Pipeline", c.props)
			var ve *validate.Error
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *validate.Error", err)
			}
			if len(ve.Problems) != len(c.want) {
				t.Fatalf("problems = %q, want %d like %q", ve.Problems, len(c.want), c.want)
			}
			for i, w := range c.want {
				if !strings.HasPrefix(ve.Problems[i], w) {
					t.Errorf("problem %d = %q, want %q", i, ve.Problems[i], w)
				}
			}
		})
	}
	if err := streampipeline.Validate(nil, "Pipeline", &streampipeline.Props{ProcessorEntry: processor, IndexerEntry: indexer}); err != nil {
		t.Errorf("Validate(minimal props) = %v", err)
	}
}
