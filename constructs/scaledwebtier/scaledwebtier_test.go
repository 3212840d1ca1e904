package scaledwebtier_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/scaledwebtier"
)

const (
	// entry is the import path a user's app gives; dirEntry is the same
	// package by directory, as an app in this repository may give it.
	entry     = "github.com/gureum-cdk/gureum/functions/webapp/server"
	dirEntry  = "../../functions/webapp/server"
	primary   = "ap-northeast-2"
	secondary = "ap-northeast-1"
)

// variant is one synthesized stack of the growth path.
type variant struct {
	name   string
	stage  scaledwebtier.Stage
	region string
	tweak  func(*scaledwebtier.Props)
	// setup changes the props with resources made in the stack (or in
	// another stack of its app).
	setup func(awscdk.Stack, *scaledwebtier.Props)
	// context is the app's context (feature flags).
	context map[string]any
	// user are the paths of constructs the test made itself, as a user's
	// app would: their cdk-nag findings are the user's, and no
	// suppression of the tier's may reach them.
	user []string
}

var variants = []variant{
	{name: "stage1", stage: scaledwebtier.SingleServer, region: primary},
	{name: "stage2", stage: scaledwebtier.SplitDatabase, region: primary},
	{name: "stage3", stage: scaledwebtier.HighlyAvailable, region: primary},
	{name: "stage4", stage: scaledwebtier.Elastic, region: primary},
	{name: "stage5", stage: scaledwebtier.Global, region: primary},
	{name: "stage5-secondary", stage: scaledwebtier.Global, region: secondary},
	{name: "ddb2", stage: scaledwebtier.SplitDatabase, region: primary, tweak: dynamoDB},
	{name: "ddb3", stage: scaledwebtier.HighlyAvailable, region: primary, tweak: dynamoDB},
	// A directory Entry at stage 4: the static files are beside it.
	{name: "ddb4", stage: scaledwebtier.Elastic, region: primary, tweak: func(p *scaledwebtier.Props) {
		dynamoDB(p)
		p.Entry = dirEntry
	}},
	{name: "ddb5", stage: scaledwebtier.Global, region: primary, tweak: dynamoDB},
	{name: "stage4-valkey-mysql", stage: scaledwebtier.Elastic, region: primary, tweak: func(p *scaledwebtier.Props) {
		p.Sessions.Store = scaledwebtier.SessionsValkey
		p.Database.Engine = scaledwebtier.AuroraMySQL
		p.InstanceType = "c7g.large"
	}},
	// Every overridable default of stage 4 set to something else.
	{name: "stage4-overrides", stage: scaledwebtier.Elastic, region: primary, setup: overrides},
	{name: "stage5-overrides", stage: scaledwebtier.Global, region: primary, setup: globalOverrides},
	// Stage 5's Routing and write forwarding: the default spelled out,
	// failover routing in both regions, an Aurora MySQL secondary (its
	// parameter group) and the opt-out.
	{name: "stage5-latency", stage: scaledwebtier.Global, region: primary, tweak: routing(scaledwebtier.LatencyRouting)},
	{name: "stage5-failover", stage: scaledwebtier.Global, region: primary, tweak: routing(scaledwebtier.FailoverRouting)},
	{name: "stage5-failover-secondary", stage: scaledwebtier.Global, region: secondary, tweak: routing(scaledwebtier.FailoverRouting)},
	{name: "stage5-mysql-secondary", stage: scaledwebtier.Global, region: secondary, tweak: func(p *scaledwebtier.Props) {
		p.Database.Engine = scaledwebtier.AuroraMySQL
	}},
	{name: "stage5-secondary-no-forwarding", stage: scaledwebtier.Global, region: secondary, tweak: func(p *scaledwebtier.Props) {
		p.Database.DisableWriteForwarding = true
	}},
	{name: "stage5-secondary-no-proxy", stage: scaledwebtier.Global, region: secondary, tweak: func(p *scaledwebtier.Props) {
		p.Database.DisableProxy = true
	}},
	{name: "stage5-mysql-secondary-no-proxy", stage: scaledwebtier.Global, region: secondary, tweak: func(p *scaledwebtier.Props) {
		p.Database.Engine = scaledwebtier.AuroraMySQL
		p.Database.DisableProxy = true
	}},
	// The modes of the second round: CloudFront in front of the
	// whole tier with a warm pool, schedules and IAM to the proxy; Spot; a
	// stage-4 tier in us-east-1 (the distribution's own web ACL); no
	// proxy at stage 4; and the load balancer's web ACL disabled.
	// With the CDK's managed log groups of its handlers (as cdk.json sets it).
	{name: "stage4-dynamic", stage: scaledwebtier.Elastic, region: primary, setup: dynamicCDN,
		context: map[string]any{"@aws-cdk/aws-lambda:useCdkManagedLogGroup": true}},
	{name: "stage4-spot", stage: scaledwebtier.Elastic, region: primary, tweak: spot},
	{name: "stage4-us-east-1", stage: scaledwebtier.Elastic, region: "us-east-1", tweak: func(p *scaledwebtier.Props) { p.CDN.NewWebACL = true }},
	{name: "stage4-no-proxy", stage: scaledwebtier.Elastic, region: primary, tweak: func(p *scaledwebtier.Props) {
		p.Database.DisableProxy = true
		p.Database.ReaderScaling.Disable = true
		p.Database.DisablePerformanceInsights = true
		p.Database.DisableEnhancedMonitoring = true
	}},
	{name: "stage3-no-waf", stage: scaledwebtier.HighlyAvailable, region: primary, tweak: func(p *scaledwebtier.Props) {
		p.WAF.Disable = true
		p.DisableLoadBalancerDeletionProtection = true
	}},
	// Network.ExistingVpc: a VPC from another stack, and an imported VPC
	// with its own Secrets Manager endpoint.
	{name: "stage3-vpc-from-stack", stage: scaledwebtier.HighlyAvailable, region: primary, setup: vpcFromStack},
	{name: "stage2-imported-vpc", stage: scaledwebtier.SplitDatabase, region: primary, setup: importedVpcWithEndpoint},
	// Two tiers in one stack, one with the odd id "C" and the default
	// Name, beside the user's own bucket deployment.
	{name: "two-tiers", stage: scaledwebtier.Elastic, region: primary, setup: twoTiers, user: []string{"/Test/UserFiles", "/Test/" + cdkDeploymentHandler}},
}

// cdkDeploymentHandler is the CDK's bucket deployment handler that bucket
// deployments with the default memory share.
const cdkDeploymentHandler = "Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C"

// twoTiers adds, before the tier "Web", the user's own bucket and bucket
// deployment and a second tier with the id "C" and the default Name.
func twoTiers(stack awscdk.Stack, p *scaledwebtier.Props) {
	bucket := awss3.NewBucket(stack, jsii.String("UserFiles"), nil)
	awss3deployment.NewBucketDeployment(stack, jsii.String("UserFiles/Deploy"), &awss3deployment.BucketDeploymentProps{
		Sources:           &[]awss3deployment.ISource{awss3deployment.Source_Data(jsii.String("hello.txt"), jsii.String("hello"), nil)},
		DestinationBucket: bucket,
	})
	c := *p
	c.Name = ""
	scaledwebtier.New(stack, "C", &c)
}

func dynamoDB(p *scaledwebtier.Props) { p.Database.Engine = scaledwebtier.DynamoDB }

func routing(r scaledwebtier.Routing) func(*scaledwebtier.Props) {
	return func(p *scaledwebtier.Props) { p.Routing = r }
}

type synthed struct {
	stack awscdk.Stack
	tier  *scaledwebtier.ScaledWebTier
	tpl   *cdktest.Template
}

var (
	once    = map[string]*sync.Once{}
	results = map[string]*synthed{}
	mu      sync.Mutex
)

func init() {
	for _, v := range variants {
		once[v.name] = &sync.Once{}
	}
}

// props are the same for every stage but Stage: growing is changing one
// prop (Domain is needed from stage 3; Regions at stage 5).
func props(stack awscdk.Stack, s scaledwebtier.Stage) *scaledwebtier.Props {
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String("Z0TEST"), ZoneName: jsii.String("example.com"),
	})
	p := &scaledwebtier.Props{
		Stage:  s,
		Entry:  entry,
		Name:   "web",
		Domain: &scaledwebtier.Domain{Name: "www.example.com", HostedZone: zone},
	}
	if s == scaledwebtier.Global {
		p.Regions = []string{primary, secondary}
		p.PrimaryRegion = primary
	}
	return p
}

// get synthesizes a variant once per test binary, with cdk-nag applied.
func get(t *testing.T, name string) *synthed {
	t.Helper()
	var v variant
	for _, c := range variants {
		if c.name == name {
			v = c
		}
	}
	once[name].Do(func() {
		var appProps *awscdk.AppProps
		if v.context != nil {
			appProps = &awscdk.AppProps{Context: &v.context}
		}
		app := awscdk.NewApp(appProps)
		stack := awscdk.NewStack(app, jsii.String("Test"), &awscdk.StackProps{
			Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String(v.region)},
		})
		cdktest.ApplyNag(app)
		p := props(stack, v.stage)
		if v.tweak != nil {
			v.tweak(p)
		}
		if v.setup != nil {
			v.setup(stack, p)
		}
		tier := scaledwebtier.New(stack, "Web", p)
		tpl := cdktest.Synth(t, stack)
		mu.Lock()
		results[name] = &synthed{stack: stack, tier: tier, tpl: tpl}
		mu.Unlock()
	})
	mu.Lock()
	defer mu.Unlock()
	r := results[name]
	if r == nil {
		t.Fatalf("%s did not synthesize", name)
	}
	return r
}

// userData renders the launch template's (or instance's) user data as one
// string, tokens as their JSON.
func userData(t *testing.T, tpl *cdktest.Template) string {
	t.Helper()
	for _, typ := range []string{"AWS::EC2::LaunchTemplate", "AWS::EC2::Instance"} {
		for _, r := range tpl.Resources(typ) {
			props, _ := r["Properties"].(map[string]any)
			var ud any
			if ltd, ok := props["LaunchTemplateData"].(map[string]any); ok {
				ud = ltd["UserData"]
			} else {
				ud = props["UserData"]
			}
			if ud == nil {
				continue
			}
			var s strings.Builder
			flatten(ud, &s)
			return s.String()
		}
	}
	t.Fatal("no user data")
	return ""
}

// flatten concatenates the strings of an Fn::Join tree; other tokens are
// rendered as <token>.
func flatten(v any, b *strings.Builder) {
	switch x := v.(type) {
	case string:
		b.WriteString(x)
	case []any:
		for _, e := range x {
			flatten(e, b)
		}
	case map[string]any:
		if j, ok := x["Fn::Join"].([]any); ok && len(j) == 2 {
			flatten(j[1], b)
			return
		}
		if e, ok := x["Fn::Base64"]; ok {
			flatten(e, b)
			return
		}
		b.WriteString("<token>")
	}
}

// policyActions returns every Action and NotAction of the template's IAM
// policies (policies, managed policies and roles' inline policies), as
// written: "*", "s3:*" and "s3:GetObject" alike.
func policyActions(tpl *cdktest.Template) map[string]bool {
	out := map[string]bool{}
	addDoc := func(doc any) {
		d, _ := doc.(map[string]any)
		statements, _ := d["Statement"].([]any)
		for _, st := range statements {
			m, _ := st.(map[string]any)
			for _, key := range []string{"Action", "NotAction"} {
				switch a := m[key].(type) {
				case string:
					out[a] = true
				case []any:
					for _, e := range a {
						if s, ok := e.(string); ok {
							out[s] = true
						} else {
							out[cdktest.JSON(e)] = true // a token: never a wildcard
						}
					}
				}
			}
		}
	}
	for _, typ := range []string{"AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"} {
		for _, r := range tpl.Resources(typ) {
			addDoc(cdktest.Properties(r)["PolicyDocument"])
		}
	}
	for _, r := range tpl.Resources("AWS::IAM::Role") {
		inline, _ := cdktest.Properties(r)["Policies"].([]any)
		for _, pol := range inline {
			m, _ := pol.(map[string]any)
			addDoc(m["PolicyDocument"])
		}
	}
	return out
}

// TestPolicyActions checks the helper behind the wildcard test: it must see
// a bare "*", a service wildcard and NotAction, in every kind of policy.
func TestPolicyActions(t *testing.T) {
	doc := func(stmts ...map[string]any) map[string]any {
		list := make([]any, 0, len(stmts))
		for _, s := range stmts {
			list = append(list, s)
		}
		return map[string]any{"Version": "2012-10-17", "Statement": list}
	}
	tpl := &cdktest.Template{JSON: map[string]any{"Resources": map[string]any{
		"P": map[string]any{"Type": "AWS::IAM::Policy", "Properties": map[string]any{"PolicyDocument": doc(
			map[string]any{"Effect": "Allow", "Action": "*", "Resource": "*"},
			map[string]any{"Effect": "Allow", "Action": []any{"s3:GetObject", "dynamodb:*"}, "Resource": "*"},
		)}},
		"M": map[string]any{"Type": "AWS::IAM::ManagedPolicy", "Properties": map[string]any{"PolicyDocument": doc(
			map[string]any{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
		)}},
		"R": map[string]any{"Type": "AWS::IAM::Role", "Properties": map[string]any{"Policies": []any{
			map[string]any{"PolicyName": "inline", "PolicyDocument": doc(map[string]any{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"})},
		}}},
	}}}
	got := policyActions(tpl)
	for _, want := range []string{"*", "s3:GetObject", "dynamodb:*", "iam:*", "sqs:SendMessage"} {
		if !got[want] {
			t.Errorf("policyActions misses %q: %v", want, got)
		}
	}
	if wildcards(got) != 3 {
		t.Errorf("wildcards(%v) = %d, want 3 (*, dynamodb:*, iam:*)", got, wildcards(got))
	}
}

// isWildcard reports an action that allows a whole service or everything.
func isWildcard(a string) bool { return a == "*" || strings.HasSuffix(a, ":*") }

// wildcards counts the wildcard actions.
func wildcards(actions map[string]bool) int {
	n := 0
	for a := range actions {
		if isWildcard(a) {
			n++
		}
	}
	return n
}

func instanceRolePolicy(t *testing.T, tpl *cdktest.Template) string {
	t.Helper()
	for id, r := range tpl.Resources("AWS::IAM::Policy") {
		if strings.HasPrefix(id, "WebInstanceRoleDefaultPolicy") {
			b, _ := json.Marshal(r)
			return string(b)
		}
	}
	t.Fatal("no instance role policy")
	return ""
}

func TestStage1SingleServer(t *testing.T) {
	r := get(t, "stage1")
	tpl := r.tpl
	tpl.Count(t, "AWS::EC2::Instance", 1)
	tpl.Count(t, "AWS::EC2::EIP", 1)
	tpl.Count(t, "AWS::ElasticLoadBalancingV2::LoadBalancer", 0)
	tpl.Count(t, "AWS::EC2::NatGateway", 0)
	tpl.Count(t, "AWS::RDS::DBCluster", 0)
	tpl.Count(t, "AWS::AutoScaling::AutoScalingGroup", 0)
	tpl.Count(t, "AWS::EC2::Subnet", 1)
	tpl.Count(t, "AWS::EC2::FlowLog", 1)
	tpl.Count(t, "AWS::CloudWatch::Dashboard", 1)
	tpl.Has(t, "AWS::EC2::Instance", map[string]any{
		"InstanceType": "t4g.nano",
		"Monitoring":   true,
		"BlockDeviceMappings": []any{map[string]any{
			"DeviceName": "/dev/xvda",
			"Ebs":        map[string]any{"Encrypted": true, "VolumeType": "gp3"},
		}},
	})
	for id, inst := range tpl.Resources("AWS::EC2::Instance") {
		if _, ok := inst["Properties"].(map[string]any)["KeyName"]; ok {
			t.Errorf("%s has a key pair: SSM Session Manager replaces SSH", id)
		}
	}
	tpl.Has(t, "AWS::EC2::LaunchTemplate", map[string]any{
		"LaunchTemplateData": map[string]any{"MetadataOptions": map[string]any{"HttpTokens": "required"}},
	})
	// Only 80 and 443 are open, and nothing else from anywhere.
	for id, sg := range tpl.Resources("AWS::EC2::SecurityGroup") {
		ingress, _ := sg["Properties"].(map[string]any)["SecurityGroupIngress"].([]any)
		for _, in := range ingress {
			rule := in.(map[string]any)
			port := rule["FromPort"]
			if port != float64(80) && port != float64(443) {
				t.Errorf("%s opens port %v", id, port)
			}
		}
	}
	tpl.Has(t, "AWS::IAM::Role", map[string]any{
		"ManagedPolicyArns": []any{map[string]any{"Fn::Join": []any{"", []any{"arn:", map[string]any{"Ref": "AWS::Partition"}, ":iam::aws:policy/AmazonSSMManagedInstanceCore"}}}},
	})
	tpl.Has(t, "AWS::Route53::RecordSet", map[string]any{
		"Name": "www.example.com.", "Type": "A",
		"ResourceRecords": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^WebElasticIp"))}},
	})
	ud := userData(t, tpl)
	for _, want := range []string{
		"LISTEN_ADDR=:80\n", "COOKIE_SECURE=false\n", "SESSION_STORE=memory\n", "APP_STAGE=single-server\n",
		"AmbientCapabilities=CAP_NET_BIND_SERVICE", "X-aws-ec2-metadata-token", "INSTANCE_ID=$INSTANCE_ID",
		"aws s3 cp", "systemctl enable --now gureum-webapp", "User=gureum-webapp",
	} {
		if !strings.Contains(ud, want) {
			t.Errorf("user data lacks %q", want)
		}
	}
	// The role reads only the app binary: one object, no wildcards.
	pol := instanceRolePolicy(t, tpl)
	if !strings.Contains(pol, `"s3:GetObject"`) || strings.Contains(pol, `s3:GetObject*`) || strings.Contains(pol, `s3:List`) {
		t.Errorf("instance role policy is not read-only on one object: %s", pol)
	}
	if r.tier.LoadBalancer != nil || r.tier.AutoScalingGroup != nil || r.tier.Database != nil {
		t.Error("stage 1 exported a load balancer, group or database")
	}
}

func TestStage2SplitDatabase(t *testing.T) {
	tpl := get(t, "stage2").tpl
	tpl.Count(t, "AWS::EC2::Instance", 1)
	tpl.Count(t, "AWS::ElasticLoadBalancingV2::LoadBalancer", 0)
	tpl.Count(t, "AWS::EC2::NatGateway", 0)
	tpl.Count(t, "AWS::RDS::DBCluster", 1)
	tpl.Count(t, "AWS::RDS::DBInstance", 1) // the writer only
	tpl.HasResource(t, "AWS::RDS::DBCluster", map[string]any{
		"DeletionPolicy":      "Retain",
		"UpdateReplacePolicy": "Retain",
		"Properties": map[string]any{
			"Engine":                           "aurora-postgresql",
			"DBClusterIdentifier":              "web-database",
			"StorageEncrypted":                 true,
			"DeletionProtection":               true,
			"EnableIAMDatabaseAuthentication":  true,
			"ServerlessV2ScalingConfiguration": map[string]any{"MinCapacity": 0.5, "MaxCapacity": 16},
			"EnableCloudwatchLogsExports":      []any{"postgresql"},
		},
	})
	tpl.Has(t, "AWS::RDS::DBInstance", map[string]any{"PubliclyAccessible": false, "DBInstanceClass": "db.serverless"})
	tpl.Has(t, "AWS::SecretsManager::Secret", map[string]any{"Name": "web/database"})
	tpl.Count(t, "AWS::SecretsManager::RotationSchedule", 1)
	tpl.Has(t, "AWS::EC2::Subnet", map[string]any{"MapPublicIpOnLaunch": false, "CidrBlock": "10.0.2.0/24"})
	tpl.Has(t, "AWS::Logs::LogGroup", map[string]any{"LogGroupName": "/aws/rds/cluster/web-database/postgresql"})
	ud := userData(t, tpl)
	if !strings.Contains(ud, "DB_SECRET_ARN=") {
		t.Error("user data lacks DB_SECRET_ARN")
	}
	if strings.Contains(ud, "password") || strings.Contains(ud, "MasterUserPassword") {
		t.Error("user data mentions a password")
	}
	pol := instanceRolePolicy(t, tpl)
	if !strings.Contains(pol, "secretsmanager:GetSecretValue") {
		t.Errorf("servers cannot read the database secret: %s", pol)
	}
}

func TestStage3HighlyAvailable(t *testing.T) {
	r := get(t, "stage3")
	tpl := r.tpl
	if strings.Contains(userData(t, tpl), "STATIC_BASE_URL") {
		t.Error("stage 3 has no distribution, yet its user data sets STATIC_BASE_URL")
	}
	tpl.Count(t, "AWS::EC2::Instance", 0)
	tpl.Count(t, "AWS::EC2::EIP", 2) // the NAT gateways'
	tpl.Count(t, "AWS::EC2::NatGateway", 2)
	tpl.Count(t, "AWS::RDS::DBInstance", 2) // writer and a reader
	tpl.Count(t, "AWS::AutoScaling::ScalingPolicy", 0)
	tpl.Count(t, "AWS::CloudFront::Distribution", 0)
	tpl.Count(t, "AWS::DynamoDB::GlobalTable", 0)
	tpl.Has(t, "AWS::AutoScaling::AutoScalingGroup", map[string]any{
		"MinSize": "2", "MaxSize": "4", "HealthCheckType": "ELB",
	})
	tpl.HasResource(t, "AWS::AutoScaling::AutoScalingGroup", map[string]any{
		"UpdatePolicy": map[string]any{"AutoScalingRollingUpdate": map[string]any{"MaxBatchSize": 1, "MinInstancesInService": 2}},
	})
	for _, attr := range []string{"access_logs.s3.enabled", "routing.http.drop_invalid_header_fields.enabled"} {
		tpl.Has(t, "AWS::ElasticLoadBalancingV2::LoadBalancer", map[string]any{
			"Scheme":                 "internet-facing",
			"LoadBalancerAttributes": assertions.Match_ArrayWith(&[]any{map[string]any{"Key": attr, "Value": "true"}}),
		})
	}
	tpl.Has(t, "AWS::ElasticLoadBalancingV2::Listener", map[string]any{
		"Port": 443, "Protocol": "HTTPS", "SslPolicy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
	})
	tpl.Has(t, "AWS::ElasticLoadBalancingV2::Listener", map[string]any{
		"Port": 80, "Protocol": "HTTP",
		"DefaultActions": []any{map[string]any{"Type": "redirect", "RedirectConfig": map[string]any{"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}},
	})
	tpl.Has(t, "AWS::ElasticLoadBalancingV2::TargetGroup", map[string]any{
		"Port": 8080, "HealthCheckPath": "/healthz",
		"TargetGroupAttributes": assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "stickiness.enabled", "Value": "true"}}),
	})
	tpl.Has(t, "AWS::CertificateManager::Certificate", map[string]any{"DomainName": "www.example.com", "ValidationMethod": "DNS"})
	tpl.Has(t, "AWS::Route53::RecordSet", map[string]any{"Name": "www.example.com.", "AliasTarget": map[string]any{"EvaluateTargetHealth": true}})
	tpl.Has(t, "AWS::EC2::LaunchTemplate", map[string]any{
		"LaunchTemplateData": map[string]any{
			"InstanceType":    "t4g.small",
			"MetadataOptions": map[string]any{"HttpTokens": "required", "HttpPutResponseHopLimit": 1},
			"BlockDeviceMappings": []any{map[string]any{
				"Ebs": map[string]any{"Encrypted": true, "VolumeType": "gp3"},
			}},
		},
	})
	// The servers accept the load balancer only.
	for id, ing := range tpl.Resources("AWS::EC2::SecurityGroupIngress") {
		props := ing["Properties"].(map[string]any)
		if _, open := props["CidrIp"]; open && strings.HasPrefix(id, "WebServer") {
			t.Errorf("%s opens the servers to a CIDR: %v", id, props)
		}
	}
	ud := userData(t, tpl)
	for _, want := range []string{"LISTEN_ADDR=:8080\n", "COOKIE_SECURE=true\n", "SESSION_STORE=memory\n", "DB_TLS_CA_FILE=" + scaledwebtier.RDSCABundleFile + "\n"} {
		if !strings.Contains(ud, want) {
			t.Errorf("user data lacks %q", want)
		}
	}
	for _, alarm := range []string{"5xx", "UnhealthyHosts", "CPU", "DatabaseConnections", "ReplicaLag"} {
		if r.tier.Alarms[alarm] == nil {
			t.Errorf("no %s alarm", alarm)
		}
	}
	if r.tier.AutoScalingGroup == nil || r.tier.TargetGroup == nil || r.tier.AppAsset == nil {
		t.Error("the pipeline's inputs (AutoScalingGroup, TargetGroup, AppAsset) are not exported")
	}
}

func TestStage4Elastic(t *testing.T) {
	r := get(t, "stage4")
	tpl := r.tpl
	// The page loads its assets from CloudFront from stage 4 on.
	if ud := userData(t, tpl); !strings.Contains(ud, "STATIC_BASE_URL=https://") {
		t.Errorf("stage 4 user data does not point the page at the distribution:\n%s", ud)
	}
	if lt := cdktest.JSON(tpl.Resources("AWS::EC2::LaunchTemplate")); !strings.Contains(lt, `STATIC_BASE_URL=https://",{"Fn::GetAtt":["WebCdn`) {
		t.Errorf("STATIC_BASE_URL is not the distribution's domain name")
	}
	tpl.Count(t, "AWS::RDS::DBInstance", 3) // writer and 2 readers
	tpl.Has(t, "AWS::AutoScaling::AutoScalingGroup", map[string]any{"MinSize": "2", "MaxSize": "20"})
	tpl.Has(t, "AWS::AutoScaling::ScalingPolicy", map[string]any{
		"PolicyType": "TargetTrackingScaling",
		"TargetTrackingConfiguration": map[string]any{
			"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ASGAverageCPUUtilization"},
			"TargetValue":                   50,
		},
	})
	tpl.Has(t, "AWS::AutoScaling::ScalingPolicy", map[string]any{
		"TargetTrackingConfiguration": map[string]any{
			"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "ALBRequestCountPerTarget"},
			"TargetValue":                   1000,
		},
	})
	tpl.Count(t, "AWS::CloudFront::OriginAccessControl", 1)
	tpl.Has(t, "AWS::CloudFront::Distribution", map[string]any{
		"DistributionConfig": map[string]any{
			"DefaultCacheBehavior": map[string]any{
				"ViewerProtocolPolicy": "redirect-to-https",
				"Compress":             true,
				"CachePolicyId":        "658327ea-f89d-4fab-a63d-7e88639e58f6", // CachingOptimized
			},
			"Logging": map[string]any{"Prefix": "cdn/"},
		},
	})
	tpl.Count(t, "Custom::CDKBucketDeployment", 1)
	tpl.HasResource(t, "AWS::DynamoDB::GlobalTable", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"TableName":               "web-sessions",
			"KeySchema":               []any{map[string]any{"AttributeName": "id", "KeyType": "HASH"}},
			"TimeToLiveSpecification": map[string]any{"AttributeName": "expiresAt", "Enabled": true},
			"BillingMode":             "PAY_PER_REQUEST",
		},
	})
	tpl.Has(t, "AWS::ElasticLoadBalancingV2::TargetGroup", map[string]any{
		"TargetGroupAttributes": assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "stickiness.enabled", "Value": "false"}}),
	})
	ud := userData(t, tpl)
	for _, want := range []string{"SESSION_STORE=dynamodb\n", "SESSION_TABLE=web-sessions\n", "SESSION_TTL=24h0m0s\n"} {
		if !strings.Contains(ud, want) {
			t.Errorf("user data lacks %q", want)
		}
	}
	pol := instanceRolePolicy(t, tpl)
	if !strings.Contains(pol, `["dynamodb:GetItem","dynamodb:UpdateItem"]`) {
		t.Errorf("servers' table access is not exactly GetItem and UpdateItem: %s", pol)
	}
}

func TestStage4ValkeyAndMySQL(t *testing.T) {
	tpl := get(t, "stage4-valkey-mysql").tpl
	tpl.Count(t, "AWS::DynamoDB::GlobalTable", 0)
	tpl.HasResource(t, "AWS::ElastiCache::ReplicationGroup", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"Engine": "valkey", "NumCacheClusters": 2, "Port": 6380,
			"AutomaticFailoverEnabled": true, "MultiAZEnabled": true,
			"TransitEncryptionEnabled": true, "AtRestEncryptionEnabled": true,
			"AuthToken": map[string]any{"Fn::Join": assertions.Match_ArrayWith(&[]any{assertions.Match_ArrayWith(&[]any{"{{resolve:secretsmanager:"})})},
		},
	})
	tpl.Has(t, "AWS::RDS::DBCluster", map[string]any{
		"Engine":                      "aurora-mysql",
		"EnableCloudwatchLogsExports": []any{"audit", "error", "general", "slowquery"},
	})
	tpl.Has(t, "AWS::EC2::LaunchTemplate", map[string]any{"LaunchTemplateData": map[string]any{"InstanceType": "c7g.large"}})
	ud := userData(t, tpl)
	for _, want := range []string{"SESSION_STORE=redis\n", "REDIS_TLS=true\n", "aws secretsmanager get-secret-value", "REDIS_PASSWORD=%s"} {
		if !strings.Contains(ud, want) {
			t.Errorf("user data lacks %q", want)
		}
	}
	cdktest.NoNagFindings(t, get(t, "stage4-valkey-mysql").stack)
}

func TestStage5GlobalPrimary(t *testing.T) {
	tpl := get(t, "stage5").tpl
	tpl.HasResource(t, "AWS::RDS::GlobalCluster", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"GlobalClusterIdentifier":   "web-global",
			"SourceDBClusterIdentifier": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^WebDatabase"))},
			"DeletionProtection":        true,
		},
	})
	for _, region := range []string{primary, secondary} {
		tpl.Has(t, "AWS::DynamoDB::GlobalTable", map[string]any{
			"TableName": "web-sessions",
			"Replicas":  assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"Region": region})}),
		})
	}
	tpl.Has(t, "AWS::SecretsManager::Secret", map[string]any{
		"Name": "web/database", "ReplicaRegions": []any{map[string]any{"Region": secondary}},
	})
	tpl.Has(t, "AWS::Route53::HealthCheck", map[string]any{
		"HealthCheckConfig": map[string]any{"Type": "HTTPS", "ResourcePath": "/healthz", "Port": 443},
	})
	tpl.Has(t, "AWS::Route53::RecordSet", map[string]any{
		"Name": "www.example.com.", "Region": primary, "SetIdentifier": "web-" + primary,
		"HealthCheckId": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^WebHealthCheck"))},
	})
}

func TestStage5GlobalSecondary(t *testing.T) {
	r := get(t, "stage5-secondary")
	tpl := r.tpl
	if r.tier.Primary {
		t.Error("the stack in ap-northeast-1 is primary")
	}
	tpl.Count(t, "AWS::RDS::GlobalCluster", 0)
	tpl.Count(t, "AWS::DynamoDB::GlobalTable", 0)
	tpl.Count(t, "AWS::SecretsManager::Secret", 0)
	tpl.Has(t, "AWS::RDS::DBCluster", map[string]any{
		"GlobalClusterIdentifier": "web-global",
		"MasterUsername":          assertions.Match_Absent(),
		"MasterUserPassword":      assertions.Match_Absent(),
		"StorageEncrypted":        true,
	})
	tpl.Has(t, "AWS::Route53::RecordSet", map[string]any{"Region": secondary, "SetIdentifier": "web-" + secondary})
	if r.tier.Alarms["GlobalReplicationLag"] == nil {
		t.Error("no global replication lag alarm")
	}
	pol := instanceRolePolicy(t, tpl)
	if !strings.Contains(pol, ":table/web-sessions") || !strings.Contains(pol, "secret:web/database-??????") {
		t.Errorf("secondary servers cannot reach the replica table and secret: %s", pol)
	}
}

// TestStage5Routing: each region's stack has one A record with its own
// health check; latency records by default, failover records (PRIMARY in
// PrimaryRegion, SECONDARY in the other) with Routing FailoverRouting.
func TestStage5Routing(t *testing.T) {
	healthCheck := map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^WebHealthCheck"))}
	for _, c := range []struct {
		variant, region, failover string
	}{
		{"stage5", primary, ""},
		{"stage5-secondary", secondary, ""},
		{"stage5-failover", primary, "PRIMARY"},
		{"stage5-failover-secondary", secondary, "SECONDARY"},
	} {
		t.Run(c.variant, func(t *testing.T) {
			tpl := get(t, c.variant).tpl
			tpl.Count(t, "AWS::Route53::RecordSet", 1)
			tpl.Count(t, "AWS::Route53::HealthCheck", 1)
			tpl.Has(t, "AWS::Route53::HealthCheck", map[string]any{
				"HealthCheckConfig": map[string]any{"Type": "HTTPS", "ResourcePath": "/healthz", "Port": 443},
			})
			want := map[string]any{
				"Name":          "www.example.com.",
				"Type":          "A",
				"SetIdentifier": "web-" + c.region,
				"HealthCheckId": healthCheck,
				"AliasTarget":   assertions.Match_ObjectLike(&map[string]any{"EvaluateTargetHealth": true}),
			}
			if c.failover == "" {
				want["Region"] = c.region
				want["Failover"] = assertions.Match_Absent()
			} else {
				want["Failover"] = c.failover
				want["Region"] = assertions.Match_Absent()
			}
			tpl.Has(t, "AWS::Route53::RecordSet", want)
		})
	}
	// LatencyRouting is the zero value's behaviour: spelling it out changes
	// nothing in the template.
	if a, b := cdktest.JSON(get(t, "stage5").tpl.JSON), cdktest.JSON(get(t, "stage5-latency").tpl.JSON); a != b {
		t.Errorf("Routing LatencyRouting changes the default template")
	}
}

// TestStage5WriteForwarding: the secondary clusters forward writes to the
// primary's writer (and the servers there write to their own region); the
// primary's cluster has nothing to forward to.
func TestStage5WriteForwarding(t *testing.T) {
	forwards := map[string]any{"GlobalClusterIdentifier": "web-global", "EnableGlobalWriteForwarding": true}
	t.Run("primary", func(t *testing.T) {
		r := get(t, "stage5")
		r.tpl.Has(t, "AWS::RDS::DBCluster", map[string]any{"EnableGlobalWriteForwarding": assertions.Match_Absent()})
		r.tpl.Count(t, "AWS::RDS::DBClusterParameterGroup", 0)
		for _, k := range []string{"DB_WRITE_FORWARDING", "DB_MIGRATE"} {
			if _, ok := r.tier.AppEnvironment[k]; ok {
				t.Errorf("the primary's servers get %s: they write to the writer and migrate", k)
			}
		}
	})
	t.Run("postgres secondary", func(t *testing.T) {
		r := get(t, "stage5-secondary")
		r.tpl.Has(t, "AWS::RDS::DBCluster", forwards)
		// apg_write_forward.consistency_mode is SESSION by default.
		r.tpl.Count(t, "AWS::RDS::DBClusterParameterGroup", 0)
		if r.tier.DatabaseParameterGroup != nil {
			t.Error("DatabaseParameterGroup is set for Aurora PostgreSQL")
		}
		// Behind the proxy: its read-only endpoint (the cluster has no
		// writer), no consistency SET from the app, no migration here.
		env := r.tier.AppEnvironment
		host := cdktest.JSON(r.stack.Resolve(jsii.String(env["DB_HOST"])))
		if want := `{"Fn::GetAtt":["WebDatabaseProxyReadOnly`; !strings.HasPrefix(host, want) {
			t.Errorf("DB_HOST = %s, want the proxy's read-only endpoint", host)
		}
		if env["DB_MIGRATE"] != "false" || env["DB_WRITE_FORWARDING"] != "" {
			t.Errorf("DB_MIGRATE = %q, DB_WRITE_FORWARDING = %q: want false and unset behind the proxy", env["DB_MIGRATE"], env["DB_WRITE_FORWARDING"])
		}
		r.tpl.Has(t, "AWS::RDS::DBProxyEndpoint", map[string]any{"TargetRole": "READ_ONLY"})
	})
	t.Run("postgres secondary without the proxy", func(t *testing.T) {
		r := get(t, "stage5-secondary-no-proxy")
		r.tpl.Has(t, "AWS::RDS::DBCluster", forwards)
		r.tpl.Count(t, "AWS::RDS::DBProxy", 0)
		env := r.tier.AppEnvironment
		// This region's cluster, whose instances forward the writes.
		host := cdktest.JSON(r.stack.Resolve(jsii.String(env["DB_HOST"])))
		if want := `{"Fn::GetAtt":["WebDatabase`; !strings.HasPrefix(host, want) || !strings.Contains(host, `"ReadEndpoint.Address"]}`) {
			t.Errorf("DB_HOST = %s, want this region's reader endpoint", host)
		}
		if env["DB_WRITE_FORWARDING"] != "session" || env["DB_TLS_CA_FILE"] != scaledwebtier.RDSCABundleFile {
			t.Errorf("DB_WRITE_FORWARDING = %q, DB_TLS_CA_FILE = %q", env["DB_WRITE_FORWARDING"], env["DB_TLS_CA_FILE"])
		}
	})
	t.Run("mysql secondary", func(t *testing.T) {
		r := get(t, "stage5-mysql-secondary")
		r.tpl.Has(t, "AWS::RDS::DBCluster", forwards)
		// RDS Proxy does not support SESSION with write forwarding.
		r.tpl.Has(t, "AWS::RDS::DBClusterParameterGroup", map[string]any{
			"Family":     "aurora-mysql8.0",
			"Parameters": map[string]any{"aurora_replica_read_consistency": "GLOBAL"},
		})
		r.tpl.Has(t, "AWS::RDS::DBProxyTargetGroup", map[string]any{
			"ConnectionPoolConfigurationInfo": map[string]any{"InitQuery": "SET aurora_replica_read_consistency = 'GLOBAL'", "MaxConnectionsPercent": 90},
		})
		r.tpl.Has(t, "AWS::RDS::DBCluster", map[string]any{
			"DBClusterParameterGroupName": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^WebDatabaseParameters"))},
		})
		if r.tier.DatabaseParameterGroup == nil {
			t.Error("DatabaseParameterGroup is nil")
		}
		cdktest.NoNagFindings(t, r.stack)
	})
	t.Run("mysql secondary without the proxy", func(t *testing.T) {
		r := get(t, "stage5-mysql-secondary-no-proxy")
		r.tpl.Has(t, "AWS::RDS::DBClusterParameterGroup", map[string]any{
			"Parameters": map[string]any{"aurora_replica_read_consistency": "SESSION"},
		})
	})
	t.Run("opt-out", func(t *testing.T) {
		r := get(t, "stage5-secondary-no-forwarding")
		r.tpl.Has(t, "AWS::RDS::DBCluster", map[string]any{
			"GlobalClusterIdentifier":     "web-global",
			"EnableGlobalWriteForwarding": assertions.Match_Absent(),
		})
		if r.tier.AppEnvironment["DB_WRITE_FORWARDING"] != "" || r.tier.AppEnvironment["DB_MIGRATE"] != "false" {
			t.Error("a secondary without write forwarding forwards, or migrates")
		}
	})
}

// TestDefaultEngineVersionsQualify: the default Aurora versions pass the
// checks of an explicit EngineVersion at stage 5, write forwarding included.
func TestDefaultEngineVersionsQualify(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("V"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(primary)}})
	base := props(stack, scaledwebtier.Global)
	for engine, version := range map[scaledwebtier.DatabaseEngine]string{
		scaledwebtier.AuroraPostgres: scaledwebtier.DefaultAuroraPostgresVersion,
		scaledwebtier.AuroraMySQL:    scaledwebtier.DefaultAuroraMySQLVersion,
	} {
		p := *base
		p.Database.Engine, p.Database.EngineVersion = engine, version
		checkProblems(t, scaledwebtier.Validate(stack, "Web", &p), nil)
	}
}

func TestStatefulRetainedAndNoWildcardActions(t *testing.T) {
	for _, v := range variants {
		tpl := get(t, v.name).tpl
		res, _ := tpl.JSON["Resources"].(map[string]any)
		for id, r := range res {
			m := r.(map[string]any)
			if statefulTypes[m["Type"].(string)] && m["DeletionPolicy"] != "Retain" {
				t.Errorf("%s: %s (%s) is not retained", v.name, id, m["Type"])
			}
		}
		actions := policyActions(tpl)
		if len(actions) == 0 {
			t.Errorf("%s: no IAM action found: is policyActions reading the template?", v.name)
		}
		for a := range actions {
			if isWildcard(a) {
				t.Errorf("%s: wildcard action %s", v.name, a)
			}
		}
	}
}

func TestNoNagFindings(t *testing.T) {
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) { cdktest.NoNagFindings(t, get(t, v.name).stack, v.user...) })
	}
}

var statefulTypes = map[string]bool{
	"AWS::DynamoDB::Table": true, "AWS::DynamoDB::GlobalTable": true,
	"AWS::RDS::DBCluster": true, "AWS::RDS::DBInstance": true, "AWS::RDS::GlobalCluster": true,
	"AWS::S3::Bucket": true, "AWS::KMS::Key": true, "AWS::SecretsManager::Secret": true,
	"AWS::ElastiCache::ReplicationGroup": true, "AWS::EFS::FileSystem": true,
}

// physicalNames are the properties whose change replaces a stateful resource.
var physicalNames = []string{"TableName", "Name", "DBClusterIdentifier", "GlobalClusterIdentifier", "BucketName", "KeySchema", "Engine"}

// TestGrowthKeepsStatefulLogicalIDs is the growth rule: every stateful
// resource of stage N is in stage N+1 under the same logical ID, with the
// same type and the same physical name, so CloudFormation updates it in
// place instead of replacing it.
func TestGrowthKeepsStatefulLogicalIDs(t *testing.T) {
	growthPath(t, []string{"stage1", "stage2", "stage3", "stage4", "stage5"})
	growthPath(t, []string{"stage1", "ddb2", "ddb3", "ddb4", "ddb5"})
	// Failover routing changes DNS only.
	growthPath(t, []string{"stage4", "stage5-failover"})
	// The path gains state at each step: nothing stateful at stage 1 but
	// the VPC's logs; the database from stage 2; buckets from 3; the
	// sessions table from 4.
	for stage, want := range map[string][]string{
		"stage2": {"AWS::RDS::DBCluster", "AWS::SecretsManager::Secret"},
		"stage3": {"AWS::S3::Bucket"},
		"stage4": {"AWS::DynamoDB::GlobalTable"},
		"stage5": {"AWS::RDS::GlobalCluster"},
		"ddb2":   {"AWS::DynamoDB::GlobalTable"},
	} {
		for _, typ := range want {
			if len(get(t, stage).tpl.Resources(typ)) == 0 {
				t.Errorf("%s has no %s", stage, typ)
			}
		}
	}
}

// TestGrowthKeepsSubnets: a later stage adds subnet groups after the
// earlier ones, so no subnet of stage N changes its CIDR block (which would
// replace it, and fail while the database's network interfaces use it).
func TestGrowthKeepsSubnets(t *testing.T) {
	path := []string{"stage1", "stage2", "stage3", "stage4", "stage5"}
	for i := 0; i+1 < len(path); i++ {
		after := get(t, path[i+1]).tpl.Resources("AWS::EC2::Subnet")
		for id, sn := range get(t, path[i]).tpl.Resources("AWS::EC2::Subnet") {
			next, ok := after[id]
			if !ok {
				t.Errorf("%s -> %s: subnet %s is gone", path[i], path[i+1], id)
				continue
			}
			a := sn["Properties"].(map[string]any)["CidrBlock"]
			b := next["Properties"].(map[string]any)["CidrBlock"]
			if a != b {
				t.Errorf("%s -> %s: subnet %s moves from %v to %v", path[i], path[i+1], id, a, b)
			}
		}
	}
}

func TestDynamoDBDatabase(t *testing.T) {
	tpl := get(t, "ddb2").tpl
	tpl.Count(t, "AWS::RDS::DBCluster", 0)
	tpl.Count(t, "AWS::SecretsManager::Secret", 0)
	tpl.HasResource(t, "AWS::DynamoDB::GlobalTable", map[string]any{
		"DeletionPolicy": "Retain",
		"Properties": map[string]any{
			"TableName": "web-data",
			"KeySchema": []any{map[string]any{"AttributeName": "pk", "KeyType": "HASH"}, map[string]any{"AttributeName": "sk", "KeyType": "RANGE"}},
			"Replicas": []any{map[string]any{
				"Region":                           primary,
				"DeletionProtectionEnabled":        true,
				"PointInTimeRecoverySpecification": map[string]any{"PointInTimeRecoveryEnabled": true},
			}},
		},
	})
	if ud := userData(t, tpl); !strings.Contains(ud, "DATA_TABLE=web-data\n") {
		t.Error("user data lacks DATA_TABLE")
	}
	pol := instanceRolePolicy(t, tpl)
	if !strings.Contains(pol, ":table/web-data") || strings.Contains(pol, "/index/*") {
		t.Errorf("data table access is not on the table alone: %s", pol)
	}
	for _, region := range []string{primary, secondary} {
		get(t, "ddb5").tpl.Has(t, "AWS::DynamoDB::GlobalTable", map[string]any{
			"TableName": "web-data",
			"Replicas":  assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{"Region": region})}),
		})
	}
}

func growthPath(t *testing.T, path []string) {
	t.Helper()
	for i := 0; i+1 < len(path); i++ {
		from, to := get(t, path[i]).tpl, get(t, path[i+1]).tpl
		before, _ := from.JSON["Resources"].(map[string]any)
		after, _ := to.JSON["Resources"].(map[string]any)
		var kept []string
		for id, r := range before {
			typ := r.(map[string]any)["Type"].(string)
			if !statefulTypes[typ] {
				continue
			}
			next, ok := after[id].(map[string]any)
			if !ok {
				t.Errorf("%s -> %s: stateful %s %s is gone (replaced under another logical ID?)", path[i], path[i+1], typ, id)
				continue
			}
			if next["Type"] != typ {
				t.Errorf("%s -> %s: %s changes type %s -> %s", path[i], path[i+1], id, typ, next["Type"])
				continue
			}
			p1, _ := r.(map[string]any)["Properties"].(map[string]any)
			p2, _ := next["Properties"].(map[string]any)
			for _, k := range physicalNames {
				a, _ := json.Marshal(p1[k])
				b, _ := json.Marshal(p2[k])
				if string(a) != string(b) {
					t.Errorf("%s -> %s: %s changes %s %s -> %s (replacement)", path[i], path[i+1], id, k, a, b)
				}
			}
			kept = append(kept, id)
		}
		sort.Strings(kept)
		t.Logf("%s -> %s keeps %d stateful resources: %s", path[i], path[i+1], len(kept), strings.Join(kept, " "))
	}
}

// checkProblems compares Validate's problems with want (nil: valid).
func checkProblems(t *testing.T, err error, want []string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("Validate: %v", err)
		}
		return
	}
	verr, ok := err.(*validate.Error)
	if !ok {
		t.Fatalf("Validate = %v, want a *validate.Error", err)
	}
	if fmt.Sprint(verr.Problems) != fmt.Sprint(want) {
		t.Errorf("problems:\n got %q\nwant %q", verr.Problems, want)
	}
}

func TestValidate(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("V"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(primary)}})
	agnostic := awscdk.NewStack(app, jsii.String("A"), nil)
	zone := awsroute53.HostedZone_FromHostedZoneAttributes(stack, jsii.String("Zone"), &awsroute53.HostedZoneAttributes{
		HostedZoneId: jsii.String("Z0TEST"), ZoneName: jsii.String("example.com"),
	})
	domain := &scaledwebtier.Domain{Name: "www.example.com", HostedZone: zone}
	base := func(s scaledwebtier.Stage, f func(*scaledwebtier.Props)) *scaledwebtier.Props {
		p := &scaledwebtier.Props{Stage: s, Entry: entry, Name: "web"}
		if s >= scaledwebtier.HighlyAvailable {
			p.Domain = domain
		}
		if s == scaledwebtier.Global {
			p.Regions, p.PrimaryRegion = []string{primary, secondary}, primary
		}
		if f != nil {
			f(p)
		}
		return p
	}
	cases := []struct {
		name  string
		stack awscdk.Stack
		props *scaledwebtier.Props
		want  []string
	}{
		{"nil", stack, nil, []string{"Props: must not be nil: at least Stage and Entry are required"}},
		{"unknown stage", stack, &scaledwebtier.Props{Stage: 6, Entry: entry},
			[]string{"Stage: 6 is not a stage: use 1 (SingleServer), 2 (SplitDatabase), 3 (HighlyAvailable), 4 (Elastic) or 5 (Global)"}},
		{"zero stage", stack, &scaledwebtier.Props{Entry: entry},
			[]string{"Stage: 0 is not a stage: use 1 (SingleServer), 2 (SplitDatabase), 3 (HighlyAvailable), 4 (Elastic) or 5 (Global)"}},
		{"missing entry", stack, base(1, func(p *scaledwebtier.Props) { p.Entry = "" }),
			[]string{"Entry: is empty: want the directory of the handler's main package"}},
		{"https without a domain", stack, base(3, func(p *scaledwebtier.Props) { p.Domain = nil }),
			[]string{"Domain: is required from stage 3: the load balancer serves HTTPS with an ACM certificate validated in the hosted zone (HTTP is only redirected)"}},
		{"domain without zone", stack, base(1, func(p *scaledwebtier.Props) { p.Domain = &scaledwebtier.Domain{Name: "www.example.com"} }),
			[]string{"Domain.HostedZone: is required with Domain.Name"}},
		{"x86 instance", stack, base(1, func(p *scaledwebtier.Props) { p.InstanceType = "m7i.large" }),
			[]string{`InstanceType: "m7i.large" is not a Graviton (arm64) type: the web server is compiled for linux/arm64; use a type such as t4g.small, m7g.large or c7g.xlarge`}},
		{"bad instance type", stack, base(1, func(p *scaledwebtier.Props) { p.InstanceType = "large" }),
			[]string{`InstanceType: "large" is not an instance type such as t4g.small`}},
		{"one AZ at stage 3", stack, base(3, func(p *scaledwebtier.Props) { p.Network.AvailabilityZones = 1 }),
			[]string{"Network.AvailabilityZones: must be at least 2 from stage 2: the database subnet group and the load balancer spans two AZs"}},
		{"min above max", stack, base(4, func(p *scaledwebtier.Props) { p.Capacity = scaledwebtier.Capacity{Min: 6, Max: 4} }),
			[]string{"Capacity.Max: 4 is below Capacity.Min (6)"}},
		{"min 1", stack, base(3, func(p *scaledwebtier.Props) { p.Capacity.Min = 1 }),
			[]string{"Capacity.Min: 1 must be at least 2: one server per AZ keeps the tier up when an AZ fails"}},
		{"capacity at stage 2", stack, base(2, func(p *scaledwebtier.Props) { p.Capacity.Min = 2 }),
			[]string{"Capacity: the Auto Scaling group starts at stage 3 (HighlyAvailable); stage 2 runs one server"}},
		{"scaling target at stage 3", stack, base(3, func(p *scaledwebtier.Props) { p.Capacity.TargetCPUPercent = 60 }),
			[]string{"Capacity.TargetCPUPercent: target-tracking scaling starts at stage 4 (Elastic)"}},
		{"one region", stack, base(5, func(p *scaledwebtier.Props) { p.Regions = []string{primary} }),
			[]string{"Regions: stage 5 needs at least 2 regions, got 1"}},
		{"primary not listed", stack, base(5, func(p *scaledwebtier.Props) { p.PrimaryRegion = "us-east-1" }),
			[]string{`PrimaryRegion: "us-east-1" is not one of Regions`}},
		{"stack region not listed", stack, base(5, func(p *scaledwebtier.Props) {
			p.Regions, p.PrimaryRegion = []string{"us-east-1", "us-west-2"}, "us-east-1"
		}),
			[]string{`Regions: the stack's region "ap-northeast-2" is not one of [us-east-1 us-west-2]`}},
		{"regions before stage 5", stack, base(4, func(p *scaledwebtier.Props) { p.Regions = []string{primary, secondary} }),
			[]string{"Regions: the tier spans regions at stage 5 (Global) only"}},
		{"valkey at stage 5", stack, base(5, func(p *scaledwebtier.Props) { p.Sessions.Store = scaledwebtier.SessionsValkey }),
			[]string{`Sessions.Store: "valkey" is not available at stage 5: sessions follow users across regions in a DynamoDB global table`}},
		{"sessions before stage 4", stack, base(3, func(p *scaledwebtier.Props) { p.Sessions.Store = scaledwebtier.SessionsDynamoDB }),
			[]string{"Sessions: sessions move out of the servers' memory at stage 4 (Elastic); stage 3 keeps them in memory"}},
		{"database at stage 1", stack, base(1, func(p *scaledwebtier.Props) { p.Database.Engine = scaledwebtier.DynamoDB }),
			[]string{"Database: the database moves off the web server at stage 2 (SplitDatabase); stage 1 has none"}},
		{"unknown engine", stack, base(2, func(p *scaledwebtier.Props) { p.Database.Engine = "oracle" }),
			[]string{`Database.Engine: "oracle" is not one of "aurora-postgresql", "aurora-mysql", "dynamodb"`}},
		{"ACU range", stack, base(2, func(p *scaledwebtier.Props) { p.Database.MinACU, p.Database.MaxACU = 8, 2 }),
			[]string{"Database.MaxACU: 2 is below Database.MinACU (8)"}},
		{"readers at stage 2", stack, base(2, func(p *scaledwebtier.Props) { p.Database.Readers = 1 }),
			[]string{"Database.Readers: readers start at stage 3 (HighlyAvailable); stage 2 has a writer only"}},
		{"existing vpc with cidr", stack, base(2, func(p *scaledwebtier.Props) {
			p.Network.Cidr = "10.1.0.0/16"
			p.Network.ExistingVpc = importedVpc(stack, "Existing", true, true, true)
		}), []string{"Network.ExistingVpc: is set together with Network.Cidr or Network.AvailabilityZones: use one or the other"}},
		{"bad name", stack, base(1, func(p *scaledwebtier.Props) { p.Name = "Web_Tier" }),
			[]string{`Name: "Web_Tier" must be 2-40 lower-case letters, digits or hyphens, starting with a letter, not ending with a hyphen or holding two in a row`}},
		{"bad session ttl", stack, base(4, func(p *scaledwebtier.Props) { p.Sessions.TTL = time.Millisecond }),
			[]string{"Sessions.TTL: 1ms must be at least 1s"}},
		{"fleet props before stage 3", stack, base(2, func(p *scaledwebtier.Props) {
			p.AppPort, p.HealthCheckPath, p.StickySessions, p.StickySessionDuration, p.AccessLogExpiry = 9090, "/ping", jsii.Bool(true), time.Hour, 30*day
		}), []string{
			"AppPort: the load balancer starts at stage 3 (HighlyAvailable); the single server of stage 2 serves port 80",
			"HealthCheckPath: the load balancer starts at stage 3 (HighlyAvailable); the single server of stage 2 serves port 80",
			"StickySessions: the load balancer starts at stage 3 (HighlyAvailable); the single server of stage 2 serves port 80",
			"StickySessionDuration: the load balancer starts at stage 3 (HighlyAvailable); the single server of stage 2 serves port 80",
			"AccessLogExpiry: the load balancer starts at stage 3 (HighlyAvailable); the single server of stage 2 serves port 80",
		}},
		{"bad fleet props", stack, base(3, func(p *scaledwebtier.Props) {
			p.AppPort, p.HealthCheckPath, p.StickySessionDuration, p.AccessLogExpiry = 70000, "healthz?x=1", 8*day, 36*time.Hour
		}), []string{
			"AppPort: 70000 is not a TCP port (1-65535)",
			`HealthCheckPath: "healthz?x=1" must be a path starting with "/", without spaces or a query, at most 255 characters`,
			"StickySessionDuration: 192h0m0s must be whole seconds between 1s and 7 days",
			"AccessLogExpiry: 36h0m0s must be a whole number of days between 1 and 36500",
		}},
		{"sticky duration with sticky sessions off", stack, base(4, func(p *scaledwebtier.Props) { p.StickySessionDuration = time.Hour }),
			[]string{"StickySessionDuration: is set but sticky sessions are off at stage 4: set StickySessions"}},
		{"sticky duration at stage 4 with sticky sessions on", stack, base(4, func(p *scaledwebtier.Props) {
			p.StickySessions, p.StickySessionDuration = jsii.Bool(true), time.Hour
		}), nil},
		{"database retention and rotation", stack, base(2, func(p *scaledwebtier.Props) {
			p.Database.BackupRetention, p.Database.SecretRotation = 36*day, 12*time.Hour
		}), []string{
			"Database.BackupRetention: 864h0m0s must be a whole number of days between 1 and 35",
			"Database.SecretRotation: 12h0m0s must be a whole number of days between 1 and 1000",
		}},
		{"aurora props with dynamodb", stack, base(2, func(p *scaledwebtier.Props) {
			p.Database = scaledwebtier.Database{Engine: scaledwebtier.DynamoDB, BackupRetention: 7 * day, SecretRotation: 7 * day}
		}), []string{
			`Database.BackupRetention: applies to Aurora only, not to Engine "dynamodb" (its table has point-in-time recovery)`,
			`Database.SecretRotation: applies to Aurora only, not to Engine "dynamodb" (it has no password)`,
		}},
		{"cache props", stack, base(4, func(p *scaledwebtier.Props) {
			p.Sessions = scaledwebtier.Sessions{Store: scaledwebtier.SessionsValkey, CacheNodes: 1, CacheSnapshotRetention: 40 * day, DisableDeletionProtection: true}
			p.Alarms.CacheCPUPercent = 120
		}), []string{
			"Sessions.CacheNodes: 1 must be between 2 and 6: Multi-AZ failover needs a replica",
			"Sessions.CacheSnapshotRetention: 960h0m0s must be a whole number of days between 1 and 35",
			`Sessions.DisableDeletionProtection: applies to Store "dynamodb" only: a cache has no deletion protection`,
			"Alarms.CacheCPUPercent: 120 must be between 0 and 100",
		}},
		{"cache props with dynamodb sessions", stack, base(4, func(p *scaledwebtier.Props) {
			p.Sessions = scaledwebtier.Sessions{CacheNodes: 3, CacheSnapshotRetention: 7 * day}
		}), []string{
			`Sessions.CacheNodes: applies to Store "valkey" only`,
			`Sessions.CacheSnapshotRetention: applies to Store "valkey" only`,
		}},
		{"topic key without topic", stack, base(3, func(p *scaledwebtier.Props) {
			p.Alarms.TopicKey = awskms.Key_FromKeyArn(stack, jsii.String("Key"), jsii.String("arn:aws:kms:ap-northeast-2:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"))
		}), []string{"Alarms.TopicKey: is set without Alarms.Topic"}},
		{"agnostic region at stage 3", agnostic, base(3, nil),
			[]string{"Stage: stage 3 needs a stack with a concrete region (Env.Region): load balancer access logging needs the region's log-delivery account"}},
		{"routing before stage 5", stack, base(4, func(p *scaledwebtier.Props) { p.Routing = scaledwebtier.FailoverRouting }),
			[]string{"Routing: the tier spans regions at stage 5 (Global) only"}},
		{"unknown routing", stack, base(5, func(p *scaledwebtier.Props) { p.Routing = "geolocation" }),
			[]string{`Routing: "geolocation" is not one of "latency", "failover"`}},
		{"failover across 3 regions", stack, base(5, func(p *scaledwebtier.Props) {
			p.Routing, p.Regions = scaledwebtier.FailoverRouting, []string{primary, secondary, "us-east-1"}
		}), []string{`Routing: "failover" routing holds one PRIMARY record (PrimaryRegion's) and one SECONDARY record per name: Regions must list exactly 2 regions, got 3`}},
		{"failover with one region", stack, base(5, func(p *scaledwebtier.Props) {
			p.Routing, p.Regions = scaledwebtier.FailoverRouting, []string{primary}
		}), []string{"Regions: stage 5 needs at least 2 regions, got 1"}},
		{"failover without a primary", stack, base(5, func(p *scaledwebtier.Props) {
			p.Routing, p.PrimaryRegion = scaledwebtier.FailoverRouting, ""
		}), []string{"PrimaryRegion: is required at stage 5: it holds the global database's writer"}},
		{"valid failover", stack, base(5, func(p *scaledwebtier.Props) { p.Routing = scaledwebtier.FailoverRouting }), nil},
		{"postgres without global write forwarding", stack, base(5, func(p *scaledwebtier.Props) { p.Database.EngineVersion = "15.3" }),
			[]string{"Database.EngineVersion: Aurora PostgreSQL 15.3 does not support global write forwarding, which stage 5 turns on in the secondary regions: use 14.9 or a later 14, 15.4 or a later 15, or 16 and later, or set Database.DisableWriteForwarding"}},
		{"postgres 14.8 at stage 5", stack, base(5, func(p *scaledwebtier.Props) { p.Database.EngineVersion = "14.8" }),
			[]string{"Database.EngineVersion: Aurora PostgreSQL 14.8 does not support global write forwarding, which stage 5 turns on in the secondary regions: use 14.9 or a later 14, 15.4 or a later 15, or 16 and later, or set Database.DisableWriteForwarding"}},
		{"postgres 15.3 without forwarding", stack, base(5, func(p *scaledwebtier.Props) {
			p.Database.EngineVersion, p.Database.DisableWriteForwarding = "15.3", true
		}), nil},
		{"postgres 15.3 before stage 5", stack, base(4, func(p *scaledwebtier.Props) { p.Database.EngineVersion = "15.3" }), nil},
		{"postgres 14.9 forwards", stack, base(5, func(p *scaledwebtier.Props) { p.Database.EngineVersion = "14.9" }), nil},
		{"postgres 15.4 forwards", stack, base(5, func(p *scaledwebtier.Props) { p.Database.EngineVersion = "15.4" }), nil},
		{"postgres 12", stack, base(2, func(p *scaledwebtier.Props) { p.Database.EngineVersion = "12.22" }),
			[]string{`Database.EngineVersion: "12.22": Aurora Serverless v2 needs Aurora PostgreSQL 13 or later`}},
		{"bad postgres version", stack, base(2, func(p *scaledwebtier.Props) { p.Database.EngineVersion = "16" }),
			[]string{`Database.EngineVersion: "16" is not an Aurora PostgreSQL version such as "16.8"`}},
		{"aurora mysql 2", stack, base(5, func(p *scaledwebtier.Props) {
			p.Database.Engine, p.Database.EngineVersion = scaledwebtier.AuroraMySQL, "5.7.mysql_aurora.2.12.4"
		}), []string{`Database.EngineVersion: "5.7.mysql_aurora.2.12.4" is not an Aurora MySQL 3 version such as "8.0.mysql_aurora.3.08.2" (Aurora Serverless v2 runs Aurora MySQL 3)`}},
		{"aurora mysql 3 forwards", stack, base(5, func(p *scaledwebtier.Props) {
			p.Database.Engine, p.Database.EngineVersion = scaledwebtier.AuroraMySQL, "8.0.mysql_aurora.3.04.3"
		}), nil},
		{"write forwarding before stage 5", stack, base(4, func(p *scaledwebtier.Props) { p.Database.DisableWriteForwarding = true }),
			[]string{"Database.DisableWriteForwarding: write forwarding is on the secondary clusters of stage 5 (Global) only; this is stage 4"}},
		{"aurora version and forwarding with dynamodb", stack, base(5, func(p *scaledwebtier.Props) {
			p.Database = scaledwebtier.Database{Engine: scaledwebtier.DynamoDB, EngineVersion: "16.8", DisableWriteForwarding: true}
		}), []string{
			`Database.EngineVersion: applies to Aurora only, not to Engine "dynamodb"`,
			`Database.DisableWriteForwarding: applies to Aurora only, not to Engine "dynamodb" (a global table takes writes in every region)`,
		}},
		{"valid stage 1", stack, base(1, nil), nil},
		{"valid stage 5", stack, base(5, nil), nil},
		{"import path at stage 4", stack, base(4, nil), nil},
		{"directory at stage 4", stack, base(4, func(p *scaledwebtier.Props) { p.Entry = dirEntry }), nil},
		{"no static files beside the entry", stack, base(4, func(p *scaledwebtier.Props) { p.Entry = "../../functions/crawler" }),
			[]string{"StaticDir: its default, ../../functions/static (the \"static\" directory beside Entry's package), is not a directory: set StaticDir to the directory of the files to serve under /static/"}},
		{"no static files beside the import path", stack, base(5, func(p *scaledwebtier.Props) { p.Entry = "github.com/gureum-cdk/gureum/functions/crawler" }),
			[]string{"StaticDir: its default, " + filepath.Join(repoRoot(t), "functions", "static") + " (the \"static\" directory beside Entry's package), is not a directory: set StaticDir to the directory of the files to serve under /static/"}},
		{"static dir given", stack, base(4, func(p *scaledwebtier.Props) {
			p.Entry, p.StaticDir = "../../functions/crawler", "../../functions/webapp/static"
		}), nil},
		{"static dir missing", stack, base(4, func(p *scaledwebtier.Props) { p.StaticDir = "nope" }),
			[]string{`StaticDir: "nope" is not a directory`}},
		{"static dir before stage 4", stack, base(3, func(p *scaledwebtier.Props) { p.StaticDir = "../../functions/webapp/static" }),
			[]string{"StaticDir: static files move to S3 behind CloudFront at stage 4 (Elastic); this is stage 3"}},
		{"name with two hyphens", stack, base(2, func(p *scaledwebtier.Props) { p.Name = "web--tier" }),
			[]string{`Name: "web--tier" must be 2-40 lower-case letters, digits or hyphens, starting with a letter, not ending with a hyphen or holding two in a row`}},
		{"no name at stage 5", stack, base(5, func(p *scaledwebtier.Props) { p.Name = "" }),
			[]string{`Name: is required at stage 5: every region's stack finds the tables, the database secret and the global cluster by names made from it; ` +
				`to keep the data the tier holds at stages 2-4 in this stack, set it to the name they were made with, the stage 1-4 default "v-web-9cd1679e"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkProblems(t, scaledwebtier.Validate(c.stack, "Web", c.props), c.want) })
	}
	// New panics with the same error, before creating anything.
	err := validate.Catch(func() { scaledwebtier.New(stack, "Bad", &scaledwebtier.Props{Stage: 9, Entry: entry}) })
	if err == nil || !strings.Contains(err.Error(), `scaledwebtier "V/Bad": Stage: 9 is not a stage`) {
		t.Errorf("New: %v", err)
	}
	if stack.Node().TryFindChild(jsii.String("Bad")) != nil {
		t.Error("New created a construct before failing validation")
	}
}
