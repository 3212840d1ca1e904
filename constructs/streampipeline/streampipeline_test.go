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
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/streampipeline"
)

const (
	processor = "../../functions/gameevents/streamprocessor"
	indexer   = "../../functions/gameevents/indexer"
	rawKeyArn = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
)

type fixture struct {
	stack                awscdk.Stack
	defaults, lake, zone *streampipeline.Pipeline
	// zoneBucket and zoneKey are the KMS-encrypted bucket of this stack,
	// with a data lake's upload policy, that "Zone" writes into.
	zoneBucket awss3.Bucket
	zoneKey    awskms.Key
	logKey     awskms.Key
	tpl        *cdktest.Template
}

var (
	fixOnce sync.Once
	fix     *fixture
)

// synth builds one stack with three pipelines: "Events" with only the
// required props; "Lake" that brings its own VPC (three zones) and a data
// lake's raw-zone bucket imported by name with its KMS key, and sets the
// tuning props; and "Zone" that writes into a KMS-encrypted bucket of the
// same stack whose policy denies uploads without SSE-KMS under its key.
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
		retries, asyncRetries := 0, 0
		f.logKey = key
		f.lake = streampipeline.New(stack, "Lake", &streampipeline.Props{
			LogEncryptionKey: key,
			ProcessorEntry:   processor, IndexerEntry: indexer,
			Stream: streampipeline.Stream{Shards: 2, Retention: 48 * time.Hour, EncryptionKey: key},
			Processing: streampipeline.Processing{
				BatchSize: 500, BatchingWindow: 10 * time.Second, ParallelizationFactor: 4, MaxRetries: &retries,
				MaxRecordAge: 2 * time.Hour, DisableBisectOnError: true,
			},
			Indexing:          streampipeline.Indexing{MemoryMB: 1024, Timeout: 5 * time.Minute, AsyncRetries: &asyncRetries, MaxEventAge: time.Hour},
			Prefix:            "raw/game-events/",
			ExistingBucket:    awss3.Bucket_FromBucketName(stack, jsii.String("RawZone"), jsii.String("lake-raw-zone")),
			ExistingBucketKey: awskms.Key_FromKeyArn(stack, jsii.String("RawZoneKey"), jsii.String(rawKeyArn)),
			Search: streampipeline.Search{
				Vpc: vpc, ZoneCount: 3, DataNodes: 6, MasterNodes: 5, Index: "play-events",
				MasterUserArn: "arn:aws:iam::123456789012:role/search-admin",
			},
			Alarms: streampipeline.Alarms{IteratorAge: time.Minute},
		})

		// A data lake zone: SSE-KMS with a bucket key, and a policy that
		// denies uploads not asking for aws:kms or naming another key.
		f.zoneKey = awskms.NewKey(stack, jsii.String("ZoneKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		f.zoneBucket = securebucket.New(stack, "ZoneBucket", securebucket.Props{
			EncryptionKey: f.zoneKey, AccessLogs: securebucket.NewAccessLogs(stack, "ZoneAccessLogs", false),
		})
		for sid, cond := range map[string]map[string]any{
			"DenyUploadsWithoutSSEKMS": {"StringNotEquals": map[string]any{"s3:x-amz-server-side-encryption": "aws:kms"}},
			"DenyUploadsWithAnotherKey": {
				"StringNotEquals": map[string]any{"s3:x-amz-server-side-encryption-aws-kms-key-id": f.zoneKey.KeyArn()},
				"Null":            map[string]any{"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
			},
		} {
			f.zoneBucket.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Sid: jsii.String(sid), Effect: awsiam.Effect_DENY, Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
				Actions: jsii.Strings("s3:PutObject"), Resources: jsii.Strings(*f.zoneBucket.ArnForObjects(jsii.String("*"))),
				Conditions: &cond,
			}))
		}
		f.zone = streampipeline.New(stack, "Zone", &streampipeline.Props{
			ProcessorEntry: processor, IndexerEntry: indexer,
			ExistingBucket: f.zoneBucket,
			Search:         streampipeline.Search{Vpc: vpc},
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
	f.tpl.Count(t, "AWS::Kinesis::Stream", 3)
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
	f.tpl.Count(t, "AWS::Lambda::EventSourceMapping", 3)
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
	f.tpl.Count(t, "AWS::SQS::Queue", 6)
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
	// The processor does not need the VPC; only the three indexers are in one.
	inVPC := 0
	for _, fn := range f.tpl.Resources("AWS::Lambda::Function") {
		if _, ok := fn["Properties"].(map[string]any)["VpcConfig"]; ok {
			inVPC++
		}
	}
	if inVPC != 3 {
		t.Errorf("%d functions in a VPC, want the 3 indexers", inVPC)
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

// env returns the environment variables of fn in the template.
func env(t *testing.T, f *fixture, fn awscdk.IResource) map[string]any {
	t.Helper()
	r, ok := f.tpl.Resources("AWS::Lambda::Function")[id(f, fn)]
	if !ok {
		t.Fatalf("no function %s", id(f, fn))
	}
	vars, _ := cdktest.Properties(r)["Environment"].(map[string]any)["Variables"].(map[string]any)
	return vars
}

// kmsGrants returns the KMS actions of role's policies, by resource (as JSON).
func kmsGrants(f *fixture, role awscdk.IResource) map[string][]string {
	out := map[string][]string{}
	for _, st := range statements(f, id(f, role)) {
		var actions []string
		switch a := st["Action"].(type) {
		case string:
			actions = []string{a}
		case []any:
			for _, x := range a {
				actions = append(actions, x.(string))
			}
		}
		for _, a := range actions {
			if strings.HasPrefix(a, "kms:") {
				r := cdktest.JSON(st["Resource"])
				out[r] = append(out[r], a)
			}
		}
	}
	return out
}

func TestBucketKeyMakesTheProcessorRequestSSEKMS(t *testing.T) {
	f := synth(t)
	zoneKeyArn := getAtt(f, f.zoneKey, "Arn")
	if f.defaults.BucketKey != nil || f.lake.BucketKey == nil || f.zone.BucketKey == nil {
		t.Errorf("BucketKey: defaults %v, lake %v, zone %v; want nil (SSE-S3), the given key, the bucket's own key",
			f.defaults.BucketKey, f.lake.BucketKey, f.zone.BucketKey)
	}
	if v, ok := env(t, f, f.defaults.Processor)["KMS_KEY_ID"]; ok {
		t.Errorf("an SSE-S3 bucket's processor asks for SSE-KMS with %v", v)
	}
	if got := env(t, f, f.lake.Processor)["KMS_KEY_ID"]; got != rawKeyArn {
		t.Errorf("imported bucket: KMS_KEY_ID = %v, want ExistingBucketKey %s", got, rawKeyArn)
	}
	if got, want := cdktest.JSON(env(t, f, f.zone.Processor)["KMS_KEY_ID"]), cdktest.JSON(zoneKeyArn); got != want {
		t.Errorf("bucket of this stack: KMS_KEY_ID = %s, want its own key %s", got, want)
	}

	// The key the processor asks for is the one the bucket's policy admits.
	var policy map[string]any
	for _, pol := range f.tpl.Resources("AWS::S3::BucketPolicy") {
		if cdktest.JSON(cdktest.Properties(pol)["Bucket"]) == cdktest.JSON(map[string]any{"Ref": id(f, f.zoneBucket)}) {
			policy = cdktest.Properties(pol)
		}
	}
	if policy == nil {
		t.Fatal("the zone bucket has no policy")
	}
	var denies int
	for _, st := range policy["PolicyDocument"].(map[string]any)["Statement"].([]any) {
		st := st.(map[string]any)
		switch st["Sid"] {
		case "DenyUploadsWithoutSSEKMS":
			denies++
		case "DenyUploadsWithAnotherKey":
			denies++
			admitted := st["Condition"].(map[string]any)["StringNotEquals"].(map[string]any)["s3:x-amz-server-side-encryption-aws-kms-key-id"]
			if cdktest.JSON(admitted) != cdktest.JSON(env(t, f, f.zone.Processor)["KMS_KEY_ID"]) {
				t.Errorf("the bucket admits key %s, the processor asks for %s", cdktest.JSON(admitted), cdktest.JSON(env(t, f, f.zone.Processor)["KMS_KEY_ID"]))
			}
		}
	}
	if denies != 2 {
		t.Errorf("%d upload-deny statements on the zone bucket, want 2 (the fixture's policy was dropped)", denies)
	}

	// The processor encrypts, the indexer decrypts, each with that key only.
	for _, c := range []struct {
		p   *streampipeline.Pipeline
		key string
	}{{f.lake, `"` + rawKeyArn + `"`}, {f.zone, cdktest.JSON(zoneKeyArn)}} {
		path := *c.p.Node().Path()
		// (The "Lake" processor also decrypts its stream with StreamKey.)
		if got := kmsGrants(f, c.p.ProcessorRole.(awscdk.IResource)); strings.Join(got[c.key], ",") != "kms:GenerateDataKey" {
			t.Errorf("%s: processor KMS grants %v, want kms:GenerateDataKey only on %s", path, got, c.key)
		}
		if got := kmsGrants(f, c.p.IndexerRole.(awscdk.IResource)); len(got) != 1 || strings.Join(got[c.key], ",") != "kms:Decrypt" {
			t.Errorf("%s: indexer KMS grants %v, want kms:Decrypt on %s only", path, got, c.key)
		}
	}
	if got := kmsGrants(f, f.defaults.ProcessorRole.(awscdk.IResource)); len(got) != 0 {
		t.Errorf("SSE-S3 pipeline's processor has KMS grants %v", got)
	}
}

func TestExistingBucketNotifiesTheIndexer(t *testing.T) {
	f := synth(t)
	f.tpl.Has(t, "Custom::S3BucketNotifications", map[string]any{
		"BucketName": map[string]any{"Ref": id(f, f.zoneBucket)},
		"NotificationConfiguration": map[string]any{"LambdaFunctionConfigurations": []any{map[string]any{
			"Events":            []any{"s3:ObjectCreated:*"},
			"LambdaFunctionArn": getAtt(f, f.zone.Indexer, "Arn"),
			"Filter": map[string]any{"Key": map[string]any{"FilterRules": []any{
				map[string]any{"Name": "suffix", "Value": ".json"},
				map[string]any{"Name": "prefix", "Value": "aggregates/"},
			}}},
		}}},
	})
	f.tpl.Has(t, "AWS::Lambda::Permission", map[string]any{
		"Action": "lambda:InvokeFunction", "Principal": "s3.amazonaws.com",
		"FunctionName": getAtt(f, f.zone.Indexer, "Arn"),
		"SourceArn":    getAtt(f, f.zoneBucket, "Arn"),
	})
	if f.zone.AccessLogs != nil {
		t.Error("a pipeline with an existing bucket created access logs")
	}
}

func TestIndexerSizingAndRetries(t *testing.T) {
	f := synth(t)
	for _, c := range []struct {
		p                      *streampipeline.Pipeline
		memory, timeout        int
		retries, maxAgeSeconds int
	}{
		{f.defaults, 512, 120, 2, 21600},
		{f.lake, 1024, 300, 0, 3600},
	} {
		fn := cdktest.Properties(f.tpl.Resources("AWS::Lambda::Function")[id(f, c.p.Indexer)])
		if fn["MemorySize"] != float64(c.memory) || fn["Timeout"] != float64(c.timeout) {
			t.Errorf("%s: indexer %v MB, %v s; want %d MB, %d s", *c.p.Node().Path(), fn["MemorySize"], fn["Timeout"], c.memory, c.timeout)
		}
		f.tpl.Has(t, "AWS::Lambda::EventInvokeConfig", map[string]any{
			"FunctionName":             map[string]any{"Ref": id(f, c.p.Indexer)},
			"MaximumRetryAttempts":     c.retries,
			"MaximumEventAgeInSeconds": c.maxAgeSeconds,
			"DestinationConfig": map[string]any{"OnFailure": map[string]any{
				"Destination": getAtt(f, c.p.IndexerFailures, "Arn"),
			}},
		})
	}
}

func TestDomainIsPrivateEncryptedAndZoneAware(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::OpenSearchService::Domain", 3)
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
	for _, p := range []*streampipeline.Pipeline{f.defaults, f.lake, f.zone} {
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
	neg, three := -1, 3
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
		{"bucket key without bucket", with(func(p *streampipeline.Props) {
			p.ExistingBucketKey = awskms.Key_FromKeyArn(cdktest.NewStack("K"), jsii.String("K"), jsii.String(rawKeyArn))
		}), []string{"ExistingBucketKey: needs ExistingBucket (Bucket.EncryptionKey encrypts a bucket the construct creates)"}},
		{"bucket key is not the bucket's", with(func(p *streampipeline.Props) {
			st := cdktest.NewStack("Lake")
			p.ExistingBucket = awss3.NewBucket(st, jsii.String("Raw"), &awss3.BucketProps{
				EncryptionKey: awskms.NewKey(st, jsii.String("LakeKey"), nil), Encryption: awss3.BucketEncryption_KMS,
			})
			p.ExistingBucketKey = awskms.NewKey(st, jsii.String("OtherKey"), nil)
		}), []string{"ExistingBucketKey: is not the key ExistingBucket is encrypted with: leave it unset to use the bucket's own key"}},
		{"indexer", with(func(p *streampipeline.Props) {
			p.Indexing = streampipeline.Indexing{MemoryMB: 64, Timeout: 20 * time.Minute, AsyncRetries: &three, MaxEventAge: 30 * time.Second}
		}), []string{
			"Indexing.MemoryMB: 64 is outside Lambda's range 128..10240",
			"Indexing.Timeout: 20m0s is outside Lambda's range 1s..15m",
			"Indexing.AsyncRetries: 3 is outside Lambda's range 0..2",
			"Indexing.MaxEventAge: 30s is outside Lambda's range 1m..6h (whole seconds)",
		}},
		{"indexer negative retries, event age too long", with(func(p *streampipeline.Props) {
			p.Indexing = streampipeline.Indexing{AsyncRetries: &neg, MaxEventAge: 7 * time.Hour}
		}), []string{
			"Indexing.AsyncRetries: -1 is outside Lambda's range 0..2",
			"Indexing.MaxEventAge: 7h0m0s is outside Lambda's range 1m..6h (whole seconds)",
		}},
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
	st := cdktest.NewStack("Own")
	key := awskms.NewKey(st, jsii.String("Key"), nil)
	own := with(func(p *streampipeline.Props) {
		p.ExistingBucket = awss3.NewBucket(st, jsii.String("Raw"), &awss3.BucketProps{EncryptionKey: key, Encryption: awss3.BucketEncryption_KMS})
		p.ExistingBucketKey = key
	})
	zero := 0
	own.Indexing = streampipeline.Indexing{MemoryMB: 10240, Timeout: 15 * time.Minute, AsyncRetries: &zero, MaxEventAge: 6 * time.Hour}
	if err := streampipeline.Validate(nil, "Pipeline", own); err != nil {
		t.Errorf("Validate(the bucket's own key, indexer limits) = %v", err)
	}
}

func TestLogEncryptionKey(t *testing.T) {
	f := synth(t)
	f.tpl.LogGroupsUseKey(t, f.lake.Construct, f.logKey)
}
