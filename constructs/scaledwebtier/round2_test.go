package scaledwebtier_test

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/constructs/scaledwebtier"
	"github.com/gureum-cdk/gureum/functions/webapp"
)

// dynamicCDN puts CloudFront in front of the tier, with a warm pool, a
// schedule and IAM authentication to the proxy.
func dynamicCDN(stack awscdk.Stack, p *scaledwebtier.Props) {
	p.CDN.Dynamic = true
	p.CDN.Certificate = awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("EdgeCertificate"),
		jsii.String("arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"))
	p.Capacity.WarmPool = &scaledwebtier.WarmPool{MinSize: 1}
	p.Capacity.Schedules = []scaledwebtier.Schedule{
		{Name: "weekday-morning", Cron: "0 8 * * 1-5", TimeZone: "Asia/Seoul", Min: scaledwebtier.Int(4), Desired: scaledwebtier.Int(4)},
		{Name: "night", Cron: "0 22 * * *", TimeZone: "Asia/Seoul", Min: scaledwebtier.Int(2)},
	}
	p.Database.IAMAuth = true
	dynamicLogKey = awskms.NewKey(stack, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	p.LogEncryptionKey = dynamicLogKey
}

// dynamicLogKey is the LogEncryptionKey of "stage4-dynamic".
var dynamicLogKey awskms.Key

// LogEncryptionKey encrypts every log group of the stack: the tier's (flow,
// database and WAF logs) and those the CDK made for the handlers the tier
// created (the static files' deployment, the AWS API calls).
func TestLogEncryptionKey(t *testing.T) {
	s := get(t, "stage4-dynamic")
	if n := s.tpl.LogGroupsUseKey(t, s.stack, dynamicLogKey); n < 5 {
		t.Errorf("%d log groups, want at least flow, database, WAF and two handlers' logs", n)
	}
	for _, id := range []string{scaledwebtier.AwsCustomResourceHandlerID, scaledwebtier.StaticDeploymentHandlerID} {
		if s.stack.Node().TryFindChild(jsii.String(id)) == nil {
			t.Errorf("the stack has no %s handler: the test no longer covers its log group", id)
		}
	}
}

func spot(p *scaledwebtier.Props) {
	p.Capacity.Spot = &scaledwebtier.Spot{InstanceTypes: []string{"t4g.small", "m7g.medium", "c7g.medium"}, OnDemandPercentAboveBase: 25}
}

// topicKeys are the template's KMS keys but the tier's own (the alarm
// topic's).
func topicKeys(tpl *cdktest.Template) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, k := range tpl.Resources("AWS::KMS::Key") {
		if !strings.HasPrefix(id, "WebKey") {
			out[id] = k
		}
	}
	return out
}

// tierKey is the logical ID of the tier's key.
func tierKey(t *testing.T, tpl *cdktest.Template) string {
	t.Helper()
	for id := range tpl.Resources("AWS::KMS::Key") {
		if strings.HasPrefix(id, "WebKey") {
			return id
		}
	}
	t.Fatal("the tier has no key")
	return ""
}

func statementsOf(policy any) []map[string]any {
	var out []map[string]any
	doc, _ := policy.(map[string]any)
	list, _ := doc["Statement"].([]any)
	for _, s := range list {
		if m, ok := s.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func actionList(v any) []string {
	switch a := v.(type) {
	case string:
		return []string{a}
	case []any:
		var out []string
		for _, e := range a {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// TestDatabaseSecretUsesTheTiersKey: the database secret is encrypted with
// the tier's customer-managed key, which is retained and rotated, and the
// servers may decrypt with it through Secrets Manager only.
func TestDatabaseSecretUsesTheTiersKey(t *testing.T) {
	for _, name := range []string{"stage2", "stage3", "stage4", "stage5"} {
		t.Run(name, func(t *testing.T) {
			tpl := get(t, name).tpl
			key := tierKey(t, tpl)
			secret := cdktest.Only(t, tpl.Resources("AWS::SecretsManager::Secret"))
			if got := cdktest.JSON(cdktest.Properties(secret)["KmsKeyId"]); got != `{"Fn::GetAtt":["`+key+`","Arn"]}` {
				t.Errorf("the secret's KmsKeyId is %s, want the tier's key %s", got, key)
			}
			tpl.HasResource(t, "AWS::KMS::Key", map[string]any{"DeletionPolicy": "Retain", "Properties": map[string]any{"EnableKeyRotation": true}})
			pol := instanceRolePolicy(t, tpl)
			if !strings.Contains(pol, `"Action":"kms:Decrypt","Condition":{"StringEquals":{"kms:ViaService":"secretsmanager.ap-northeast-2.amazonaws.com"}}`) {
				t.Errorf("servers cannot decrypt the secret through Secrets Manager: %s", pol)
			}
		})
	}
	// Stage 1 and DynamoDB at stages 2-3 hold nothing to encrypt.
	for _, name := range []string{"stage1", "ddb2", "ddb3"} {
		if keys := get(t, name).tpl.Resources("AWS::KMS::Key"); len(keys) != len(topicKeys(get(t, name).tpl)) {
			t.Errorf("%s has a key of the tier's", name)
		}
	}
}

// TestCreateGrantOnlyForAWSResources: every statement of the tier's key
// policy that allows kms:CreateGrant (Secrets Manager's, which the CDK
// writes) carries kms:GrantIsForAWSResource = true.
func TestCreateGrantOnlyForAWSResources(t *testing.T) {
	for _, name := range []string{"stage2", "stage4", "stage4-dynamic", "stage5", "stage5-secondary"} {
		t.Run(name, func(t *testing.T) {
			tpl := get(t, name).tpl
			key := tpl.Resources("AWS::KMS::Key")[tierKey(t, tpl)]
			grants := 0
			for _, st := range statementsOf(cdktest.Properties(key)["KeyPolicy"]) {
				acts := actionList(st["Action"])
				if st["Effect"] != "Allow" || !contains(acts, "kms:CreateGrant") {
					continue
				}
				grants++
				cond, _ := st["Condition"].(map[string]any)
				b, _ := cond["Bool"].(map[string]any)
				if b["kms:GrantIsForAWSResource"] != "true" {
					t.Errorf("statement allows kms:CreateGrant without kms:GrantIsForAWSResource: %s", cdktest.JSON(st))
				}
			}
			if name != "stage5-secondary" && grants == 0 {
				t.Error("no statement allows kms:CreateGrant: is the test reading the policy?")
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// TestPublicSubnetsAssignNoPublicIPs: only the single server of stages 1-2
// gets a public address at launch; from stage 3 no subnet maps one.
func TestPublicSubnetsAssignNoPublicIPs(t *testing.T) {
	for name, want := range map[string]bool{"stage1": true, "stage2": true, "stage3": false, "stage4": false, "stage5": false} {
		public := 0
		for id, sn := range get(t, name).tpl.Resources("AWS::EC2::Subnet") {
			m := cdktest.Properties(sn)["MapPublicIpOnLaunch"]
			isPublic := strings.Contains(id, "Public")
			if isPublic {
				public++
			}
			if got := m == true; got != (want && isPublic) {
				t.Errorf("%s: subnet %s MapPublicIpOnLaunch = %v", name, id, m)
			}
		}
		if public == 0 {
			t.Errorf("%s: no public subnet", name)
		}
	}
}

// TestLoadBalancerDeletionProtection: on from stage 3, off only on demand.
func TestLoadBalancerDeletionProtection(t *testing.T) {
	attr := func(v string) map[string]any {
		return map[string]any{"LoadBalancerAttributes": assertions.Match_ArrayWith(&[]any{map[string]any{"Key": "deletion_protection.enabled", "Value": v}})}
	}
	for _, name := range []string{"stage3", "stage4", "stage5", "stage4-dynamic"} {
		get(t, name).tpl.Has(t, "AWS::ElasticLoadBalancingV2::LoadBalancer", attr("true"))
	}
	get(t, "stage3-no-waf").tpl.Has(t, "AWS::ElasticLoadBalancingV2::LoadBalancer", attr("false"))
}

// TestDataBucketsUseTheTiersKey: the static bucket is SSE-KMS with the
// tier's key (named by its alias); the log buckets stay SSE-S3, which S3
// server access logging and load balancer log delivery require; the key
// lets CloudFront decrypt for this distribution only.
func TestDataBucketsUseTheTiersKey(t *testing.T) {
	for _, name := range []string{"stage4", "stage4-dynamic", "stage5-secondary"} {
		t.Run(name, func(t *testing.T) {
			r := get(t, name)
			tpl := r.tpl
			key := tierKey(t, tpl)
			alias := cdktest.Only(t, tpl.Resources("AWS::KMS::Alias"))
			aliasName := cdktest.Properties(alias)["AliasName"].(string)
			if got := cdktest.JSON(cdktest.Properties(alias)["TargetKeyId"]); got != `{"Fn::GetAtt":["`+key+`","Arn"]}` {
				t.Errorf("the alias %s targets %s, not the tier's key", aliasName, got)
			}
			for id, b := range tpl.Resources("AWS::S3::Bucket") {
				enc := cdktest.JSON(cdktest.Properties(b)["BucketEncryption"])
				switch {
				case strings.HasPrefix(id, "WebStatic"):
					if !strings.Contains(enc, `"SSEAlgorithm":"aws:kms"`) || !strings.Contains(enc, ":"+aliasName+`"`) || !strings.Contains(enc, `"BucketKeyEnabled":true`) {
						t.Errorf("the static bucket is not encrypted with the tier's key: %s", enc)
					}
				default:
					if enc != `{"ServerSideEncryptionConfiguration":[{"ServerSideEncryptionByDefault":{"SSEAlgorithm":"AES256"}}]}` {
						t.Errorf("log bucket %s is not SSE-S3: %s", id, enc)
					}
				}
			}
			var cloudfront []map[string]any
			for _, st := range statementsOf(cdktest.Properties(tpl.Resources("AWS::KMS::Key")[key])["KeyPolicy"]) {
				if cdktest.JSON(st["Principal"]) == `{"Service":"cloudfront.amazonaws.com"}` {
					cloudfront = append(cloudfront, st)
				}
			}
			if len(cloudfront) != 1 {
				t.Fatalf("%d key policy statements for CloudFront, want 1", len(cloudfront))
			}
			st := cdktest.JSON(cloudfront[0])
			distribution := regexp.MustCompile(`"StringEquals":\{"AWS:SourceArn":\{"Fn::Join":\["",\["arn:",\{"Ref":"AWS::Partition"\},":cloudfront::123456789012:distribution/",\{"Ref":"WebCdn[0-9A-F]{8}"\}\]\]\}\}`)
			if cdktest.JSON(cloudfront[0]["Action"]) != `"kms:Decrypt"` || !distribution.MatchString(st) {
				t.Errorf("CloudFront's statement is not kms:Decrypt for this distribution's ARN: %s", st)
			}
			// The deployment writes SSE-KMS objects with the key, after
			// the alias exists.
			if !strings.Contains(cdktest.JSON(tpl.Resources("AWS::IAM::Policy")), `"Action":["kms:GenerateDataKey","kms:Decrypt"],"Condition":{"StringEquals":{"kms:ViaService":"s3.`) {
				t.Error("the bucket deployment handler cannot encrypt with the tier's key")
			}
			for _, d := range tpl.Resources("Custom::CDKBucketDeployment") {
				if !strings.Contains(cdktest.JSON(d["DependsOn"]), "WebStaticKeyAlias") {
					t.Error("the static files may be written before the key's alias exists")
				}
			}
		})
	}
}

// webappEnv turns the tier's environment into what a server reads at boot:
// tokens become plausible values, the RDS CA bundle a file of this test,
// and the variables the user data adds at boot are added.
func webappEnv(t *testing.T, r *synthed) map[string]string {
	t.Helper()
	env := map[string]string{"INSTANCE_ID": "i-0123456789abcdef0"}
	placeholders := map[string]string{
		"DB_HOST":         "web-proxy.proxy-c0ffee.ap-northeast-2.rds.amazonaws.com",
		"DB_SECRET_ARN":   "arn:aws:secretsmanager:ap-northeast-2:123456789012:secret:web/database-AbCdEf",
		"STATIC_BASE_URL": "https://d111111abcdef8.cloudfront.net",
		"REDIS_ADDR":      "master.web-cache.abcdef.apn2.cache.amazonaws.com:6380",
		"DATA_TABLE":      "web-data",
		"SESSION_TABLE":   "web-sessions",
	}
	for k, v := range r.tier.AppEnvironment {
		if *awscdk.Token_IsUnresolved(jsii.String(v)) {
			p, ok := placeholders[k]
			if !ok {
				t.Fatalf("%s is a token the test has no value for: %s", k, cdktest.JSON(r.stack.Resolve(jsii.String(v))))
			}
			v = p
		}
		env[k] = v
	}
	if env["SESSION_STORE"] == "redis" {
		env["REDIS_PASSWORD"] = "from-secrets-manager"
	}
	if f, ok := env["DB_TLS_CA_FILE"]; ok {
		if f != scaledwebtier.RDSCABundleFile {
			t.Errorf("DB_TLS_CA_FILE = %q, want %q", f, scaledwebtier.RDSCABundleFile)
		}
		local := filepath.Join(t.TempDir(), "rds-ca-bundle.pem")
		if err := os.WriteFile(local, []byte("-----BEGIN CERTIFICATE-----\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		env["DB_TLS_CA_FILE"] = local
	}
	return env
}

// sdkVariables are read by the AWS SDK's default configuration, not by
// webapp.LoadConfig.
var sdkVariables = map[string]bool{"AWS_REGION": true}

// TestEnvironmentAgreesWithWebapp holds the construct and the web app to
// one contract: the web app's own LoadConfig (the oracle) reads every
// variable the construct sets, accepts the environment of every stage and
// database mode, and configures the database path the stage means.
func TestEnvironmentAgreesWithWebapp(t *testing.T) {
	type want struct {
		engine     string
		host       bool // DB_HOST set (the proxy, or a secondary's cluster)
		iam        bool
		caFile     bool
		forwarding string
		migrate    bool
	}
	for _, c := range []struct {
		variant string
		want    want
	}{
		{"stage1", want{engine: webapp.EngineMemory, migrate: true}},
		{"stage2", want{engine: webapp.EnginePostgres, caFile: true, migrate: true}},
		{"stage3", want{engine: webapp.EnginePostgres, caFile: true, migrate: true}},
		{"stage4", want{engine: webapp.EnginePostgres, host: true, migrate: true}},
		{"stage4-dynamic", want{engine: webapp.EnginePostgres, host: true, iam: true, migrate: true}},
		{"stage4-no-proxy", want{engine: webapp.EnginePostgres, caFile: true, migrate: true}},
		{"stage4-valkey-mysql", want{engine: webapp.EngineMySQL, host: true, migrate: true}},
		{"stage5", want{engine: webapp.EnginePostgres, host: true, migrate: true}},
		{"stage5-secondary", want{engine: webapp.EnginePostgres, host: true}},
		{"stage5-mysql-secondary", want{engine: webapp.EngineMySQL, host: true}},
		{"stage5-secondary-no-proxy", want{engine: webapp.EnginePostgres, host: true, caFile: true, forwarding: "session"}},
		{"stage5-secondary-no-forwarding", want{engine: webapp.EnginePostgres, host: true}},
		{"ddb2", want{engine: webapp.EngineDynamoDB, migrate: true}},
		{"ddb5", want{engine: webapp.EngineDynamoDB, migrate: true}},
	} {
		t.Run(c.variant, func(t *testing.T) {
			r := get(t, c.variant)
			env := webappEnv(t, r)
			read := map[string]bool{}
			cfg, err := webapp.LoadConfig(func(k string) string { read[k] = true; return env[k] })
			if err != nil {
				t.Fatalf("the web app rejects the tier's environment: %v", err)
			}
			var unread []string
			for k := range r.tier.AppEnvironment {
				if !read[k] && !sdkVariables[k] {
					unread = append(unread, k)
				}
			}
			sort.Strings(unread)
			if len(unread) > 0 {
				t.Errorf("the construct sets variables the web app never reads: %v", unread)
			}
			d, w := cfg.DB, c.want
			if d.Engine != w.engine {
				t.Errorf("engine %q, want %q", d.Engine, w.engine)
			}
			if w.engine == webapp.EngineMemory || w.engine == webapp.EngineDynamoDB {
				if w.engine == webapp.EngineDynamoDB && d.Table != "web-data" {
					t.Errorf("DATA_TABLE %q", d.Table)
				}
				return
			}
			if (d.Host != "") != w.host || d.IAMAuth != w.iam || (d.TLSCAFile != "") != w.caFile || d.WriteForwarding != w.forwarding || d.Migrate != w.migrate {
				t.Errorf("database path: host %q, IAM %v, CA file %q, forwarding %q, migrate %v; want %+v", d.Host, d.IAMAuth, d.TLSCAFile, d.WriteForwarding, d.Migrate, w)
			}
			if d.TLS != webapp.TLSVerifyFull || d.SecretARN == "" {
				t.Errorf("TLS %q, secret %q: want verify-full and the secret", d.TLS, d.SecretARN)
			}
			if d.Host != "" && d.Port != map[string]int{webapp.EnginePostgres: 5432, webapp.EngineMySQL: 3306}[d.Engine] {
				t.Errorf("DB_PORT %d for %s", d.Port, d.Engine)
			}
			// A direct connection downloads the bundle it verifies with.
			if ud := userData(t, r.tpl); w.caFile != strings.Contains(ud, "-o "+scaledwebtier.RDSCABundleFile+".tmp "+scaledwebtier.RDSCABundleURL) {
				t.Errorf("user data downloads the RDS CA bundle: %v, want %v", !w.caFile, w.caFile)
			}
		})
	}
}

// TestDatabaseProxy: from stage 4 the servers reach Aurora through RDS
// Proxy only (TLS required, the secret read by the proxy, IAM auth on
// demand), and never the cluster directly; stages 2-3 connect directly.
func TestDatabaseProxy(t *testing.T) {
	serverToDB := func(tpl *cdktest.Template) (db, proxy bool) {
		for _, in := range tpl.Resources("AWS::EC2::SecurityGroupIngress") {
			p := cdktest.JSON(cdktest.Properties(in))
			if !strings.Contains(p, `"SourceSecurityGroupId":{"Fn::GetAtt":["WebServerSecurityGroup`) {
				continue
			}
			db = db || strings.Contains(p, `"GroupId":{"Fn::GetAtt":["WebDatabaseSecurityGroup`)
			proxy = proxy || strings.Contains(p, `"GroupId":{"Fn::GetAtt":["WebProxySecurityGroup`)
		}
		return
	}
	for _, name := range []string{"stage2", "stage3", "stage4-no-proxy"} {
		tpl := get(t, name).tpl
		tpl.Count(t, "AWS::RDS::DBProxy", 0)
		if db, _ := serverToDB(tpl); !db {
			t.Errorf("%s: the servers cannot reach the database", name)
		}
	}
	for _, name := range []string{"stage4", "stage4-dynamic", "stage5", "stage5-secondary"} {
		r := get(t, name)
		r.tpl.Has(t, "AWS::RDS::DBProxy", map[string]any{"RequireTLS": true, "DBProxyName": "web-proxy", "DebugLogging": false})
		if db, proxy := serverToDB(r.tpl); db || !proxy {
			t.Errorf("%s: servers reach the database directly: %v, through the proxy: %v", name, db, proxy)
		}
		if r.tier.DatabaseProxy == nil || r.tier.ProxySecurityGroup == nil {
			t.Errorf("%s: the proxy is not exported", name)
		}
	}
	get(t, "stage4").tpl.Has(t, "AWS::RDS::DBProxy", map[string]any{"Auth": []any{assertions.Match_ObjectLike(&map[string]any{"AuthScheme": "SECRETS", "IAMAuth": "DISABLED"})}})
	dyn := get(t, "stage4-dynamic").tpl
	dyn.Has(t, "AWS::RDS::DBProxy", map[string]any{"Auth": []any{assertions.Match_ObjectLike(&map[string]any{"IAMAuth": "REQUIRED"})}})
	if pol := instanceRolePolicy(t, dyn); !strings.Contains(pol, `"Action":"rds-db:connect"`) || !strings.Contains(pol, "/gureum") {
		t.Errorf("servers cannot connect to the proxy with IAM as %s: %s", scaledwebtier.DatabaseUser, pol)
	}
	if pol := instanceRolePolicy(t, get(t, "stage4").tpl); strings.Contains(pol, "rds-db:connect") {
		t.Error("rds-db:connect is granted without Database.IAMAuth")
	}
	// The secondary's proxy reads the primary's replicated secret by its
	// complete ARN, looked up by name.
	sec := get(t, "stage5-secondary").tpl
	sec.Has(t, "AWS::RDS::DBProxy", map[string]any{"Auth": []any{assertions.Match_ObjectLike(&map[string]any{
		"SecretArn": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^WebReplicaSecretArn")), "ARN"}},
	})}})
}

// TestReaderScalingAndMonitoring: Aurora replica auto scaling on the
// primary's cluster from stage 4, Performance Insights encrypted with the
// tier's key and enhanced monitoring on every Aurora stage.
func TestReaderScalingAndMonitoring(t *testing.T) {
	tpl := get(t, "stage4").tpl
	tpl.Has(t, "AWS::ApplicationAutoScaling::ScalableTarget", map[string]any{
		"ServiceNamespace": "rds", "ScalableDimension": "rds:cluster:ReadReplicaCount",
		"MinCapacity": 2, "MaxCapacity": scaledwebtier.DefaultMaxReaders,
		"ResourceId": map[string]any{"Fn::Join": []any{"", []any{"cluster:", map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^WebDatabase"))}}}},
	})
	tpl.Has(t, "AWS::ApplicationAutoScaling::ScalingPolicy", map[string]any{
		"PolicyType": "TargetTrackingScaling",
		"TargetTrackingScalingPolicyConfiguration": map[string]any{
			"PredefinedMetricSpecification": map[string]any{"PredefinedMetricType": "RDSReaderAverageCPUUtilization"},
			"TargetValue":                   scaledwebtier.DefaultReaderCPUTarget,
		},
	})
	for _, name := range []string{"stage3", "stage5-secondary", "stage4-no-proxy"} {
		get(t, name).tpl.Count(t, "AWS::ApplicationAutoScaling::ScalableTarget", 0)
	}
	for _, name := range []string{"stage2", "stage4", "stage5-secondary"} {
		tpl := get(t, name).tpl
		tpl.Has(t, "AWS::RDS::DBCluster", map[string]any{
			"PerformanceInsightsEnabled":  true,
			"PerformanceInsightsKmsKeyId": map[string]any{"Fn::GetAtt": []any{tierKey(t, tpl), "Arn"}},
		})
		for id, inst := range tpl.Resources("AWS::RDS::DBInstance") {
			if cdktest.Properties(inst)["MonitoringInterval"] != float64(60) {
				t.Errorf("%s: instance %s has no enhanced monitoring", name, id)
			}
		}
	}
	off := get(t, "stage4-no-proxy").tpl
	off.Has(t, "AWS::RDS::DBCluster", map[string]any{"PerformanceInsightsEnabled": assertions.Match_Absent()})
	off.Has(t, "AWS::RDS::DBInstance", map[string]any{"MonitoringInterval": assertions.Match_Absent()})
}

// TestLoadBalancerWAF: a REGIONAL web ACL with the shared rule set guards
// the load balancer from stage 3; behind CloudFront it keeps only the
// rules that inspect the request; in us-east-1 the distribution gets a
// CLOUDFRONT-scope ACL built from the same rule set.
func TestLoadBalancerWAF(t *testing.T) {
	ruleNames := func(acl map[string]any) []string {
		var names []string
		for _, r := range cdktest.Properties(acl)["Rules"].([]any) {
			names = append(names, r.(map[string]any)["Name"].(string))
		}
		return names
	}
	full := []string{"RateLimitPerIP", "AWSManagedRulesAmazonIpReputationList", "AWSManagedRulesAnonymousIpList",
		"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"}
	for _, name := range []string{"stage3", "stage4", "stage5-secondary"} {
		tpl := get(t, name).tpl
		acl := cdktest.Only(t, tpl.Resources("AWS::WAFv2::WebACL"))
		if got := ruleNames(acl); strings.Join(got, " ") != strings.Join(full, " ") || cdktest.Properties(acl)["Scope"] != "REGIONAL" {
			t.Errorf("%s: rules %v (%v), want REGIONAL %v", name, got, cdktest.Properties(acl)["Scope"], full)
		}
		tpl.Has(t, "AWS::WAFv2::WebACLAssociation", map[string]any{
			"ResourceArn": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^WebLoadBalancer"))},
			"WebACLArn":   map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^WebWebACL")), "Arn"}},
		})
		tpl.Has(t, "AWS::WAFv2::LoggingConfiguration", map[string]any{
			"RedactedFields": assertions.Match_ArrayWith(&[]any{map[string]any{"SingleHeader": map[string]any{"Name": "x-gureum-origin-verify"}}}),
		})
	}
	for _, name := range []string{"stage1", "stage2", "stage3-no-waf"} {
		get(t, name).tpl.Count(t, "AWS::WAFv2::WebACL", 0)
	}
	behind := ruleNames(cdktest.Only(t, get(t, "stage4-dynamic").tpl.Resources("AWS::WAFv2::WebACL")))
	if strings.Join(behind, " ") != "AWSManagedRulesCommonRuleSet AWSManagedRulesKnownBadInputsRuleSet AWSManagedRulesSQLiRuleSet" {
		t.Errorf("behind CloudFront the load balancer's rules are %v", behind)
	}
	east := get(t, "stage4-us-east-1")
	if east.tier.CDNWebACL == nil {
		t.Fatal("no distribution web ACL in us-east-1")
	}
	var scopes []string
	for _, acl := range east.tpl.Resources("AWS::WAFv2::WebACL") {
		scopes = append(scopes, cdktest.Properties(acl)["Scope"].(string))
		if got := ruleNames(acl); strings.Join(got, " ") != strings.Join(full, " ") {
			t.Errorf("us-east-1: rules %v, want the shared rule set", got)
		}
	}
	sort.Strings(scopes)
	if strings.Join(scopes, " ") != "CLOUDFRONT REGIONAL" {
		t.Errorf("us-east-1 ACL scopes %v", scopes)
	}
	east.tpl.Has(t, "AWS::CloudFront::Distribution", map[string]any{"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{
		"WebACLId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^WebCdnWebACL")), "Arn"}},
	})})
}

// TestNewCDNWebACL: the exported builder makes the distribution's ACL in
// a us-east-1 stack only.
func TestNewCDNWebACL(t *testing.T) {
	east := cdktest.NewStackIn("Edge", "us-east-1")
	acl := scaledwebtier.NewCDNWebACL(east, "Shop", scaledwebtier.WAF{RateLimit: 500})
	tpl := cdktest.Synth(t, east)
	tpl.Has(t, "AWS::WAFv2::WebACL", map[string]any{"Scope": "CLOUDFRONT", "Rules": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
		"Name": "RateLimitPerIP", "Statement": map[string]any{"RateBasedStatement": assertions.Match_ObjectLike(&map[string]any{"Limit": 500})},
	})})})
	if acl.ACL == nil || acl.Logs == nil || acl.Logging == nil {
		t.Error("the ACL, its logs or its logging are not exported")
	}
	err := validate.Catch(func() {
		scaledwebtier.NewCDNWebACL(cdktest.NewStackIn("Seoul", primary), "Shop", scaledwebtier.WAF{Window: 3 * time.Minute})
	})
	checkProblems(t, err, []string{
		"Stack: CloudFront's web ACLs are made in us-east-1; this stack's region is ap-northeast-2",
		"WAF.Window: 3m0s is not one of AWS WAF's windows: 1m, 2m, 5m, 10m",
	})
}

// TestDynamicCDN: CloudFront fronts the tier; the load balancer admits
// CloudFront's origin-facing addresses on 443 only and forwards only
// requests with the secret origin header.
func TestDynamicCDN(t *testing.T) {
	r := get(t, "stage4-dynamic")
	tpl := r.tpl
	sg := cdktest.Properties(tpl.Resources("AWS::EC2::SecurityGroup")[logicalOf(t, tpl, "AWS::EC2::SecurityGroup", "WebLoadBalancerSecurityGroup")])
	if sg["SecurityGroupIngress"] != nil {
		t.Errorf("the load balancer is open to addresses: %s", cdktest.JSON(sg["SecurityGroupIngress"]))
	}
	tpl.Has(t, "AWS::EC2::SecurityGroupIngress", map[string]any{
		"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443,
		"SourcePrefixListId": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^WebOriginPrefixList")), "PrefixLists.0.PrefixListId"}},
	})
	tpl.Has(t, "Custom::AWS", map[string]any{"Create": assertions.Match_StringLikeRegexp(jsii.String(`"action":"DescribeManagedPrefixLists".*com\.amazonaws\.global\.cloudfront\.origin-facing`))})
	tpl.Count(t, "AWS::ElasticLoadBalancingV2::Listener", 1)
	tpl.Has(t, "AWS::ElasticLoadBalancingV2::Listener", map[string]any{
		"Port": 443, "DefaultActions": []any{assertions.Match_ObjectLike(&map[string]any{"Type": "fixed-response", "FixedResponseConfig": assertions.Match_ObjectLike(&map[string]any{"StatusCode": "403"})})},
	})
	secret := map[string]any{"Fn::Join": []any{"", []any{"{{resolve:secretsmanager:", map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^WebOriginSecret"))}, ":SecretString:::}}"}}}
	tpl.Has(t, "AWS::ElasticLoadBalancingV2::ListenerRule", map[string]any{
		"Priority":   1,
		"Conditions": []any{map[string]any{"Field": "http-header", "HttpHeaderConfig": map[string]any{"HttpHeaderName": scaledwebtier.OriginVerifyHeader, "Values": []any{secret}}}},
		"Actions":    []any{assertions.Match_ObjectLike(&map[string]any{"Type": "forward"})},
	})
	tpl.Has(t, "AWS::CloudFront::Distribution", map[string]any{"DistributionConfig": assertions.Match_ObjectLike(&map[string]any{
		"Aliases": []any{"www.example.com"},
		"ViewerCertificate": assertions.Match_ObjectLike(&map[string]any{
			"AcmCertificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "MinimumProtocolVersion": "TLSv1.2_2021",
		}),
		"DefaultCacheBehavior": assertions.Match_ObjectLike(&map[string]any{
			"CachePolicyId":         "4135ea2d-6df8-44a3-9df3-4b5a84be39ad", // CachingDisabled
			"OriginRequestPolicyId": "216adef6-5c7f-47e4-b989-5492eafa07d3", // AllViewer
		}),
		"CacheBehaviors": []any{assertions.Match_ObjectLike(&map[string]any{"PathPattern": "/static/*", "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6"})},
		"Origins": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
			"DomainName":          map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^WebLoadBalancer")), "DNSName"}},
			"CustomOriginConfig":  map[string]any{"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": []any{"TLSv1.2"}},
			"OriginCustomHeaders": []any{map[string]any{"HeaderName": scaledwebtier.OriginVerifyHeader, "HeaderValue": secret}},
		})}),
	})})
	tpl.Has(t, "AWS::Route53::RecordSet", map[string]any{
		"Name": "www.example.com.", "AliasTarget": assertions.Match_ObjectLike(&map[string]any{"DNSName": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^WebCdn")), "DomainName"}}}),
	})
	tpl.HasResource(t, "AWS::SecretsManager::Secret", map[string]any{"DeletionPolicy": "Retain", "Properties": assertions.Match_ObjectLike(&map[string]any{
		"GenerateSecretString": assertions.Match_ObjectLike(&map[string]any{"ExcludePunctuation": true}),
	})})
	if _, ok := r.tier.AppEnvironment["STATIC_BASE_URL"]; ok {
		t.Error("the page loads /static/ from another origin, though the distribution serves both")
	}
	if r.tier.HTTPListener != nil || r.tier.OriginSecret == nil || r.tier.OriginPrefixListLookup == nil {
		t.Error("HTTPListener, OriginSecret or OriginPrefixListLookup is wrong")
	}
	cdktest.NoNagFindings(t, r.stack)
}

func logicalOf(t *testing.T, tpl *cdktest.Template, typ, prefix string) string {
	t.Helper()
	for id := range tpl.Resources(typ) {
		if strings.HasPrefix(id, prefix) {
			return id
		}
	}
	t.Fatalf("no %s %s*", typ, prefix)
	return ""
}

// TestGroupOptions: Spot in a mixed instances policy; a warm pool with its
// launch hook, which the servers complete on every boot; schedules; and an
// instance refresh instead of CloudFormation's rolling update.
func TestGroupOptions(t *testing.T) {
	sp := get(t, "stage4-spot").tpl
	sp.Has(t, "AWS::AutoScaling::AutoScalingGroup", map[string]any{
		"CapacityRebalance": true,
		"LaunchTemplate":    assertions.Match_Absent(),
		"MixedInstancesPolicy": map[string]any{
			"InstancesDistribution": map[string]any{
				"OnDemandAllocationStrategy": "prioritized", "OnDemandBaseCapacity": 2, "OnDemandPercentageAboveBaseCapacity": 25,
				"SpotAllocationStrategy": "price-capacity-optimized",
			},
			"LaunchTemplate": assertions.Match_ObjectLike(&map[string]any{
				"Overrides": []any{map[string]any{"InstanceType": "t4g.small"}, map[string]any{"InstanceType": "m7g.medium"}, map[string]any{"InstanceType": "c7g.medium"}},
			}),
		},
	})
	sp.HasResource(t, "AWS::AutoScaling::AutoScalingGroup", map[string]any{
		"UpdatePolicy": assertions.Match_ObjectLike(&map[string]any{"AutoScalingRollingUpdate": assertions.Match_ObjectLike(&map[string]any{"MinInstancesInService": 2})}),
	})

	r := get(t, "stage4-dynamic")
	tpl := r.tpl
	tpl.Has(t, "AWS::AutoScaling::WarmPool", map[string]any{"MinSize": 1, "PoolState": "Stopped", "MaxGroupPreparedCapacity": 20})
	tpl.Has(t, "AWS::AutoScaling::LifecycleHook", map[string]any{
		"LifecycleHookName": scaledwebtier.LaunchHookName, "LifecycleTransition": "autoscaling:EC2_INSTANCE_LAUNCHING", "DefaultResult": "ABANDON",
	})
	tpl.Has(t, "AWS::AutoScaling::ScheduledAction", map[string]any{"Recurrence": "0 8 * * 1-5", "TimeZone": "Asia/Seoul", "MinSize": 4, "DesiredCapacity": 4})
	tpl.Has(t, "AWS::AutoScaling::ScheduledAction", map[string]any{"Recurrence": "0 22 * * *", "MinSize": 2, "DesiredCapacity": assertions.Match_Absent()})
	if len(r.tier.ScheduledActions) != 2 || r.tier.WarmPool == nil || r.tier.LaunchHook == nil || r.tier.InstanceRefresh == nil {
		t.Error("ScheduledActions, WarmPool, LaunchHook or InstanceRefresh is not exported")
	}
	// The instance refresh replaces CloudFormation's rolling update.
	tpl.HasResource(t, "AWS::AutoScaling::AutoScalingGroup", map[string]any{
		"UpdatePolicy": map[string]any{
			"AutoScalingScheduledAction": map[string]any{"IgnoreUnmodifiedGroupSizeProperties": true},
			"AutoScalingRollingUpdate":   assertions.Match_Absent(),
		},
	})
	tpl.Has(t, "Custom::AWS", map[string]any{
		"Update":                assertions.Match_AnyValue(),
		"LaunchTemplateVersion": map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^WebLaunchTemplate")), "LatestVersionNumber"}},
	})
	refresh := cdktest.JSON(tpl.Resources("Custom::AWS")[logicalOf(t, tpl, "Custom::AWS", "WebInstanceRefresh")])
	for _, want := range []string{`\"action\":\"StartInstanceRefresh\"`, `\"MinHealthyPercentage\":100`, `\"SkipMatching\":true`} {
		if !strings.Contains(refresh, want) {
			t.Errorf("instance refresh lacks %s: %s", want, refresh)
		}
	}
	ud := userData(t, tpl)
	for _, want := range []string{"complete-lifecycle-action", "--lifecycle-hook-name " + scaledwebtier.LaunchHookName, "systemctl enable --now gureum-complete-launch", "After=network-online.target gureum-webapp.service"} {
		if !strings.Contains(ud, want) {
			t.Errorf("user data lacks %q", want)
		}
	}
	if strings.Contains(userData(t, get(t, "stage4").tpl), "complete-lifecycle-action") {
		t.Error("a group without a warm pool completes a launch hook")
	}
}

// TestValidateRound2: the props of the web tier's second round, each
// checked with a message that names it.
func TestValidateRound2(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("V"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(primary)}})
	shared := props(stack, scaledwebtier.Global)
	base := func(s scaledwebtier.Stage, f func(*scaledwebtier.Props)) *scaledwebtier.Props {
		p := &scaledwebtier.Props{Stage: s, Entry: entry, Name: "web", Domain: shared.Domain}
		if s == scaledwebtier.Global {
			p.Regions, p.PrimaryRegion = shared.Regions, shared.PrimaryRegion
		}
		if f != nil {
			f(p)
		}
		return p
	}
	cert := func(region string) awscertificatemanager.ICertificate {
		return awscertificatemanager.Certificate_FromCertificateArn(stack, jsii.String("Cert"+region),
			jsii.String("arn:aws:acm:"+region+":123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"))
	}
	east, seoul := cert("us-east-1"), cert(primary)
	cases := []struct {
		name  string
		props *scaledwebtier.Props
		want  []string
	}{
		{"spot with one type", base(3, func(p *scaledwebtier.Props) {
			p.Capacity.Spot = &scaledwebtier.Spot{InstanceTypes: []string{"t4g.small"}}
		}), []string{"Capacity.Spot.InstanceTypes: lists 1 instance types: Spot needs at least 2, so that reclaimed capacity of one type is replaced from another pool"}},
		{"bad spot", base(4, func(p *scaledwebtier.Props) {
			p.Capacity.Spot = &scaledwebtier.Spot{InstanceTypes: []string{"t4g.small", "m7i.large", "t4g.small"}, OnDemandBase: scaledwebtier.Int(30), OnDemandPercentAboveBase: 120}
		}), []string{
			`Capacity.Spot.InstanceTypes[1]: "m7i.large" is not a Graviton (arm64) type: the web server is compiled for linux/arm64; use a type such as t4g.small, m7g.large or c7g.xlarge`,
			`Capacity.Spot.InstanceTypes[2]: "t4g.small" is listed twice`,
			"Capacity.Spot.OnDemandBase: 30 must be between 0 and Capacity.Max (20)",
			"Capacity.Spot.OnDemandPercentAboveBase: 120 must be between 0 and 100",
		}},
		{"spot from the first server", base(4, func(p *scaledwebtier.Props) {
			p.Capacity.Spot = &scaledwebtier.Spot{InstanceTypes: []string{"t4g.small", "m7g.medium"}, OnDemandBase: scaledwebtier.Int(0)}
		}), nil},
		{"warm pool with spot", base(4, func(p *scaledwebtier.Props) {
			spot(p)
			p.Capacity.WarmPool = &scaledwebtier.WarmPool{}
		}), []string{"Capacity.WarmPool: cannot be combined with Capacity.Spot: EC2 Auto Scaling puts no warm pool on a group with a mixed instances policy or Spot Instances"}},
		{"bad warm pool", base(3, func(p *scaledwebtier.Props) {
			p.Capacity.WarmPool = &scaledwebtier.WarmPool{State: "Frozen", MinSize: 8, MaxPreparedCapacity: 1}
			p.Capacity.Updates = scaledwebtier.RollingUpdate
		}), []string{
			`Capacity.WarmPool.State: "Frozen" is not one of "Stopped", "Running", "Hibernated"`,
			"Capacity.WarmPool.MaxPreparedCapacity: 1 must be between Capacity.Min (2) and 1000",
			"Capacity.WarmPool.MinSize: 8 is above the pool's MaxPreparedCapacity (1)",
			`Capacity.Updates: "rolling-update" replaces the servers in service only, not those in the warm pool: use "instance-refresh" with Capacity.WarmPool`,
		}},
		{"unknown updates", base(3, func(p *scaledwebtier.Props) { p.Capacity.Updates = "blue-green" }),
			[]string{`Capacity.Updates: "blue-green" is not one of "rolling-update", "instance-refresh"`}},
		{"instance refresh without a pool", base(3, func(p *scaledwebtier.Props) { p.Capacity.Updates = scaledwebtier.InstanceRefresh }), nil},
		{"bad schedules", base(4, func(p *scaledwebtier.Props) {
			p.Capacity.Schedules = []scaledwebtier.Schedule{
				{Name: "peak", Cron: "0 8 * *", TimeZone: "Mars/Olympus", Min: scaledwebtier.Int(6), Max: scaledwebtier.Int(4)},
				{Name: "peak", Cron: "cron(0 8 * * ? *)"},
				{Name: "9am", Cron: "0 9 * * MON-FRI", Desired: scaledwebtier.Int(2000)},
			}
		}), []string{
			`Capacity.Schedules[0].Cron: "0 8 * *" is not a Unix cron expression of 5 fields (minute hour day-of-month month day-of-week), e.g. "0 8 * * 1-5"`,
			`Capacity.Schedules[0].TimeZone: "Mars/Olympus" is not an IANA time zone such as Asia/Seoul`,
			"Capacity.Schedules[0].Max: 4 is below Min (6)",
			`Capacity.Schedules[1].Name: "peak" is used twice`,
			`Capacity.Schedules[1].Cron: "cron(0 8 * * ? *)" is not a Unix cron expression of 5 fields (minute hour day-of-month month day-of-week), e.g. "0 8 * * 1-5"`,
			"Capacity.Schedules[1]: sets none of Min, Max and Desired",
			`Capacity.Schedules[2].Name: "9am" must be 1-63 letters, digits or hyphens, starting with a letter`,
			"Capacity.Schedules[2].Desired: 2000 must be between 0 and 1000",
		}},
		{"group options at stage 2", base(2, func(p *scaledwebtier.Props) { p.Capacity.WarmPool = &scaledwebtier.WarmPool{} }),
			[]string{"Capacity: the Auto Scaling group starts at stage 3 (HighlyAvailable); stage 2 runs one server"}},
		{"proxy props before stage 4", base(3, func(p *scaledwebtier.Props) {
			p.Database.DisableProxy, p.Database.IAMAuth = true, true
			p.Database.ReaderScaling.MaxReaders = 4
		}), []string{
			"Database.DisableProxy: RDS Proxy starts at stage 4 (Elastic); this is stage 3",
			"Database.IAMAuth: the servers log in to RDS Proxy with IAM, which starts at stage 4 (Elastic); this is stage 3",
			"Database.ReaderScaling: reader auto scaling starts at stage 4 (Elastic); this is stage 3",
		}},
		{"IAM auth without the proxy", base(4, func(p *scaledwebtier.Props) { p.Database.DisableProxy, p.Database.IAMAuth = true, true }),
			[]string{"Database.IAMAuth: needs the proxy, but Database.DisableProxy is set: the master user logs in with the secret's password (IAM authentication on the cluster would stop its password, and rotation, from working)"}},
		{"bad reader scaling", base(4, func(p *scaledwebtier.Props) {
			p.Database.ReaderScaling = scaledwebtier.ReaderScaling{MaxReaders: 16, Metric: "memory", Target: 95}
		}), []string{
			`Database.ReaderScaling.Metric: "memory" is not one of "cpu", "connections"`,
			"Database.ReaderScaling.MaxReaders: 16 must be between Database.Readers (2) and 15 (Aurora's 15 replicas, less one per secondary region)",
		}},
		{"reader scaling on cpu above 90", base(4, func(p *scaledwebtier.Props) { p.Database.ReaderScaling.Target = 95 }),
			[]string{"Database.ReaderScaling.Target: 95 must be a CPU percentage between 10 and 90"}},
		{"reader scaling at stage 5 leaves a replica per region", base(5, func(p *scaledwebtier.Props) { p.Database.ReaderScaling.MaxReaders = 15 }),
			[]string{"Database.ReaderScaling.MaxReaders: 15 must be between Database.Readers (2) and 14 (Aurora's 15 replicas, less one per secondary region)"}},
		{"reader scaling disabled with a target", base(4, func(p *scaledwebtier.Props) {
			p.Database.ReaderScaling = scaledwebtier.ReaderScaling{Disable: true, Target: 50}
		}), []string{"Database.ReaderScaling: sets MaxReaders, Metric or Target with Disable"}},
		{"monitoring", base(2, func(p *scaledwebtier.Props) {
			p.Database.MonitoringInterval, p.Database.DisableEnhancedMonitoring = 20*time.Second, true
		}), []string{
			"Database.MonitoringInterval: 20s is not one of enhanced monitoring's intervals: 1s, 5s, 10s, 15s, 30s, 1m",
			"Database.MonitoringInterval: is set with Database.DisableEnhancedMonitoring",
		}},
		{"aurora options with dynamodb", base(4, func(p *scaledwebtier.Props) {
			p.Database = scaledwebtier.Database{Engine: scaledwebtier.DynamoDB, DisableProxy: true, IAMAuth: true, DisablePerformanceInsights: true}
		}), []string{
			`Database.DisableProxy: applies to Aurora only, not to Engine "dynamodb"`,
			`Database.IAMAuth: applies to Aurora only, not to Engine "dynamodb"`,
			`Database.DisablePerformanceInsights: applies to Aurora only, not to Engine "dynamodb"`,
		}},
		{"dynamic without a certificate", base(4, func(p *scaledwebtier.Props) { p.CDN.Dynamic = true }),
			[]string{"CDN.Certificate: is required with CDN.Dynamic: CloudFront serves Domain.Name with an ACM certificate in us-east-1"}},
		{"dynamic with a regional certificate", base(4, func(p *scaledwebtier.Props) {
			p.CDN.Dynamic, p.CDN.Certificate, p.CDN.OriginPrefixListID = true, seoul, "pl-bad"
		}), []string{
			"CDN.Certificate: arn:aws:acm:ap-northeast-2:123456789012:certificate/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0 is not in us-east-1, where CloudFront reads its certificates",
			`CDN.OriginPrefixListID: "pl-bad" is not a prefix list id such as pl-3b927c52`,
		}},
		{"dynamic at stage 3", base(3, func(p *scaledwebtier.Props) { p.CDN.Dynamic, p.CDN.Certificate = true, east }),
			[]string{"CDN.Dynamic: CloudFront starts at stage 4 (Elastic); this is stage 3"}},
		{"dynamic at stage 5", base(5, func(p *scaledwebtier.Props) { p.CDN.Dynamic, p.CDN.Certificate = true, east }),
			[]string{"CDN.Dynamic: is not available at stage 5: each region's stack answers for Domain through Route 53, and one name can be an alternate domain name of one distribution only"}},
		{"certificate without dynamic", base(4, func(p *scaledwebtier.Props) { p.CDN.Certificate, p.CDN.OriginPrefixListID = east, "pl-3b927c52" }), []string{
			"CDN.Certificate: applies with CDN.Dynamic only: the static distribution serves its cloudfront.net name",
			"CDN.OriginPrefixListID: applies with CDN.Dynamic only: the load balancer admits CloudFront only when CloudFront fronts it",
		}},
		{"distribution ACL outside us-east-1", base(4, func(p *scaledwebtier.Props) {
			p.CDN.NewWebACL, p.CDN.WebACLArn = true, "arn:aws:wafv2:us-east-1:123456789012:global/webacl/shop/0b1c2d3e"
		}), []string{
			`CDN.NewWebACL: AWS WAF keeps CloudFront's web ACLs in us-east-1, and this stack's region is "ap-northeast-2": make the ACL with NewCDNWebACL in a us-east-1 stack and give its ARN as CDN.WebACLArn`,
			"CDN.WebACLArn: is set with CDN.NewWebACL: use one or the other",
		}},
		{"valid dynamic", base(4, func(p *scaledwebtier.Props) {
			p.CDN.Dynamic, p.CDN.Certificate, p.CDN.OriginPrefixListID = true, east, "pl-3b927c52"
		}), nil},
		{"waf before stage 3", base(2, func(p *scaledwebtier.Props) {
			p.WAF.RateLimit = 100
			p.DisableLoadBalancerDeletionProtection = true
		}), []string{
			"WAF: the load balancer, which the web ACL protects, starts at stage 3 (HighlyAvailable); this is stage 2",
			"DisableLoadBalancerDeletionProtection: the load balancer starts at stage 3 (HighlyAvailable); this is stage 2",
		}},
		{"bad waf", base(3, func(p *scaledwebtier.Props) {
			p.WAF = scaledwebtier.WAF{RateLimit: 5, Window: 3 * time.Minute, Groups: []scaledwebtier.WAFGroup{
				{Name: "CommonRuleSet"}, {Name: "AWSManagedRulesSQLiRuleSet", CountOnly: true, CountRules: []string{"SQLi_BODY"}}, {Name: "AWSManagedRulesSQLiRuleSet", CountRules: []string{"bad rule"}},
			}}
		}), []string{
			"WAF.RateLimit: 5 must be between 10 and 2000000000 requests per window (AWS WAF's range)",
			"WAF.Window: 3m0s is not one of AWS WAF's windows: 1m, 2m, 5m, 10m",
			`WAF.Groups[0].Name: "CommonRuleSet" is not an AWS managed rule group such as AWSManagedRulesCommonRuleSet`,
			"WAF.Groups[1].CountRules: is set with CountOnly, which counts the whole group",
			`WAF.Groups[2].Name: "AWSManagedRulesSQLiRuleSet" is listed twice`,
			`WAF.Groups[2].CountRules: "bad rule" is not a rule name`,
		}},
		{"waf disabled with rules", base(3, func(p *scaledwebtier.Props) {
			p.WAF = scaledwebtier.WAF{Disable: true, CountOnly: true, ExistingWebACLArn: "arn:aws:wafv2:ap-northeast-2:123456789012:regional/webacl/shop/0b1c2d3e"}
		}), []string{
			"WAF: sets the new web ACL's rules, but WAF.Disable is set",
			"WAF.ExistingWebACLArn: is set with WAF.Disable: use one or the other",
		}},
		{"existing web acl of the wrong scope", base(3, func(p *scaledwebtier.Props) {
			p.WAF.ExistingWebACLArn = "arn:aws:wafv2:us-east-1:123456789012:global/webacl/shop/0b1c2d3e"
		}), []string{`WAF.ExistingWebACLArn: "arn:aws:wafv2:us-east-1:123456789012:global/webacl/shop/0b1c2d3e" is not the ARN of a REGIONAL web ACL (arn:aws:wafv2:REGION:ACCOUNT:regional/webacl/NAME/ID)`}},
		{"existing key without data", base(3, func(p *scaledwebtier.Props) {
			p.Database.Engine = scaledwebtier.DynamoDB
			p.ExistingKey = awskms.Key_FromKeyArn(stack, jsii.String("K"), jsii.String("arn:aws:kms:ap-northeast-2:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"))
		}), []string{`ExistingKey: the tier encrypts no data of its own at stage 3 with Engine "dynamodb": its key starts with an Aurora database (stage 2) or the static bucket (stage 4)`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkProblems(t, scaledwebtier.Validate(stack, "Web", c.props), c.want) })
	}
}
