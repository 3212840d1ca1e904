package scaledwebtier_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/scaledwebtier"
)

const day = 24 * time.Hour

// overrides sets every overridable default of stage 4 to something else,
// and sends the alarms to an alarmtopic (its key is the topic's own).
func overrides(stack awscdk.Stack, p *scaledwebtier.Props) {
	p.Alarms.Topic = alarmtopic.New(stack, "Alarms", nil).Topic
	p.Alarms.CacheCPUPercent = 65
	p.AppPort = 9090
	p.HealthCheckPath = "/status/ready"
	p.StickySessions = jsii.Bool(true)
	p.StickySessionDuration = 2 * time.Hour
	p.AccessLogExpiry = 90 * day
	p.Database.BackupRetention = 35 * day
	p.Database.SecretRotation = 7 * day
	p.Sessions.Store = scaledwebtier.SessionsValkey
	p.Sessions.CacheNodes = 3
	p.Sessions.CacheSnapshotRetention = 14 * day
}

// globalOverrides changes what stage 5 adds: the Route 53 health check's
// path, the sessions table's deletion protection, and an imported topic
// whose key is given as Alarms.TopicKey.
func globalOverrides(stack awscdk.Stack, p *scaledwebtier.Props) {
	p.Alarms.Topic = awssns.Topic_FromTopicArn(stack, jsii.String("Topic"), jsii.String("arn:aws:sns:ap-northeast-2:123456789012:alarms"))
	p.Alarms.TopicKey = awskms.NewKey(stack, jsii.String("TopicKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
	p.HealthCheckPath = "/ping"
	p.Sessions.DisableDeletionProtection = true
}

// autoScalingStatement returns the key policy statement that admits Auto
// Scaling's service-linked role, as JSON ("" if there is none).
func autoScalingStatement(t *testing.T, key map[string]any) string {
	t.Helper()
	doc := cdktest.Properties(key)["KeyPolicy"].(map[string]any)
	for _, s := range doc["Statement"].([]any) {
		if s.(map[string]any)["Sid"] == "AllowAutoScalingNotifications" {
			return cdktest.JSON(s)
		}
	}
	return ""
}

func TestOverrides(t *testing.T) {
	r := get(t, "stage4-overrides")
	tpl := r.tpl
	t.Run("AppPort and HealthCheckPath", func(t *testing.T) {
		tpl.Has(t, "AWS::ElasticLoadBalancingV2::TargetGroup", map[string]any{"Port": 9090, "HealthCheckPath": "/status/ready"})
		tpl.Has(t, "AWS::EC2::SecurityGroupIngress", map[string]any{"FromPort": 9090, "ToPort": 9090, "IpProtocol": "tcp"})
		if ud := userData(t, tpl); !strings.Contains(ud, "LISTEN_ADDR=:9090\n") {
			t.Errorf("user data does not listen on AppPort:\n%s", ud)
		}
		tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{
			"MetricName":       "UnHealthyHostCount",
			"AlarmDescription": assertions.Match_StringLikeRegexp(jsii.String("fail the /status/ready health check")),
		})
	})
	t.Run("StickySessionDuration", func(t *testing.T) {
		tpl.Has(t, "AWS::ElasticLoadBalancingV2::TargetGroup", map[string]any{
			"TargetGroupAttributes": assertions.Match_ArrayWith(&[]any{
				map[string]any{"Key": "stickiness.enabled", "Value": "true"},
				map[string]any{"Key": "stickiness.lb_cookie.duration_seconds", "Value": "7200"},
			}),
		})
	})
	t.Run("AccessLogExpiry", func(t *testing.T) {
		for _, rule := range []string{"expire-load-balancer-logs", "expire-cdn-logs"} {
			tpl.Has(t, "AWS::S3::Bucket", map[string]any{
				"LifecycleConfiguration": map[string]any{"Rules": assertions.Match_ArrayWith(&[]any{
					map[string]any{"Id": rule, "ExpirationInDays": 90, "Status": "Enabled"},
				})},
			})
		}
	})
	t.Run("Database.BackupRetention and SecretRotation", func(t *testing.T) {
		tpl.Has(t, "AWS::RDS::DBCluster", map[string]any{"BackupRetentionPeriod": 35})
		tpl.Has(t, "AWS::SecretsManager::RotationSchedule", map[string]any{"RotationRules": map[string]any{"ScheduleExpression": "rate(7 days)"}})
	})
	t.Run("Sessions.CacheNodes and CacheSnapshotRetention", func(t *testing.T) {
		tpl.Has(t, "AWS::ElastiCache::ReplicationGroup", map[string]any{
			"NumCacheClusters": 3, "SnapshotRetentionLimit": 14, "MultiAZEnabled": true,
		})
	})
	t.Run("Alarms.CacheCPUPercent", func(t *testing.T) {
		tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{"MetricName": "EngineCPUUtilization", "Threshold": 65})
	})
	t.Run("encrypted topic admits Auto Scaling", func(t *testing.T) {
		tpl.Has(t, "AWS::AutoScaling::AutoScalingGroup", map[string]any{
			"NotificationConfigurations": []any{map[string]any{
				"TopicARN":          map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AlarmsTopic"))},
				"NotificationTypes": assertions.Match_AnyValue(),
			}},
		})
		st := autoScalingStatement(t, cdktest.Only(t, topicKeys(tpl)))
		for _, want := range []string{
			`"Action":["kms:Decrypt","kms:GenerateDataKey*"]`,
			`"kms:CallerAccount":"123456789012"`,
			`:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"`,
		} {
			if !strings.Contains(st, want) {
				t.Errorf("the topic's key does not admit Auto Scaling (%s): %q", want, st)
			}
		}
	})
	cdktest.NoNagFindings(t, r.stack)
}

func TestGlobalOverrides(t *testing.T) {
	tpl := get(t, "stage5-overrides").tpl
	t.Run("HealthCheckPath", func(t *testing.T) {
		tpl.Has(t, "AWS::Route53::HealthCheck", map[string]any{"HealthCheckConfig": map[string]any{"ResourcePath": "/ping"}})
		tpl.Has(t, "AWS::ElasticLoadBalancingV2::TargetGroup", map[string]any{"HealthCheckPath": "/ping"})
	})
	t.Run("Sessions.DisableDeletionProtection", func(t *testing.T) {
		var sessions map[string]any
		for _, tbl := range tpl.Resources("AWS::DynamoDB::GlobalTable") {
			if cdktest.Properties(tbl)["TableName"] == "web-sessions" {
				sessions = tbl
			}
		}
		if sessions == nil {
			t.Fatal("no sessions table")
		}
		replicas := cdktest.Properties(sessions)["Replicas"].([]any)
		if len(replicas) != 2 {
			t.Fatalf("sessions table has %d replicas, want 2", len(replicas))
		}
		for _, rep := range replicas {
			if p := rep.(map[string]any)["DeletionProtectionEnabled"]; p != false {
				t.Errorf("replica %v: DeletionProtectionEnabled = %v, want false", rep.(map[string]any)["Region"], p)
			}
		}
		if sessions["DeletionPolicy"] != "Retain" {
			t.Error("the sessions table is no longer retained")
		}
		// The database keeps its protection: the prop is the sessions'.
		tpl.Has(t, "AWS::RDS::DBCluster", map[string]any{"DeletionProtection": true})
	})
	t.Run("Alarms.TopicKey of an imported topic", func(t *testing.T) {
		if st := autoScalingStatement(t, cdktest.Only(t, topicKeys(tpl))); !strings.Contains(st, "AWSServiceRoleForAutoScaling") {
			t.Errorf("Alarms.TopicKey does not admit Auto Scaling: %q", st)
		}
		tpl.Has(t, "AWS::AutoScaling::AutoScalingGroup", map[string]any{
			"NotificationConfigurations": []any{map[string]any{
				"TopicARN":          "arn:aws:sns:ap-northeast-2:123456789012:alarms",
				"NotificationTypes": assertions.Match_AnyValue(),
			}},
		})
	})
}

// TestNoTopicKeyWithoutGroup: the key policy is left alone at stages 1-2,
// which have no Auto Scaling group to notify.
func TestNoTopicKeyWithoutGroup(t *testing.T) {
	stack := cdktest.NewStack("T")
	topic := alarmtopic.New(stack, "Alarms", nil)
	scaledwebtier.New(stack, "Web", &scaledwebtier.Props{Stage: scaledwebtier.SingleServer, Entry: entry, Alarms: scaledwebtier.Alarms{Topic: topic.Topic}})
	tpl := cdktest.Synth(t, stack)
	if st := autoScalingStatement(t, cdktest.Only(t, topicKeys(tpl))); st != "" {
		t.Errorf("stage 1 changed the topic's key policy: %s", st)
	}
	tpl.Count(t, "AWS::CloudWatch::Alarm", 2) // CPU and status checks, to the topic
	tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{"AlarmActions": []any{map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("^AlarmsTopic"))}}})
}
