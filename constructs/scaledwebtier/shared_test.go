package scaledwebtier_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/scaledwebtier"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestDefaultName: without Name, any construct id makes a valid name, two
// tiers never make the same one (in one stack, or with the same id in two
// stacks of an account and region), the same stack and path always make
// the same one, and stage 5, which needs Name, says which it was.
func TestDefaultName(t *testing.T) {
	nameRE := regexp.MustCompile(`^[a-z][a-z0-9-]{0,38}[a-z0-9]$`)
	env := &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(primary)}}
	app := awscdk.NewApp(nil)
	stacks := []awscdk.Stack{awscdk.NewStack(app, jsii.String("ShopA"), env), awscdk.NewStack(app, jsii.String("ShopB"), env)}
	seen := map[string]string{}
	var shopAWeb string
	for _, id := range []string{"C", "Web", "web", "my tier!", "Ünïcode-9", "9lives", strings.Repeat("Long", 20)} {
		for _, stack := range stacks {
			p := &scaledwebtier.Props{Stage: scaledwebtier.SingleServer, Entry: entry}
			path := *stack.StackName() + "/" + id
			if err := scaledwebtier.Validate(stack, id, p); err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			name := scaledwebtier.New(stack, id, p).Name
			if !nameRE.MatchString(name) || strings.Contains(name, "--") {
				t.Errorf("%s: default name %q is not a valid Name", path, name)
			}
			if other, dup := seen[name]; dup {
				t.Errorf("%s and %s both default to %q", other, path, name)
			}
			seen[name] = path
			if path == "ShopA/Web" {
				shopAWeb = name
			}
		}
	}
	again := awscdk.NewStack(awscdk.NewApp(nil), jsii.String("ShopA"), env)
	if name := scaledwebtier.New(again, "Web", &scaledwebtier.Props{Stage: scaledwebtier.SplitDatabase, Entry: entry}).Name; name != shopAWeb {
		t.Errorf("ShopA/Web defaults to %q in one app and %q in another: growing the tier would rename its data", shopAWeb, name)
	}
	if name := scaledwebtier.New(again, "Named", &scaledwebtier.Props{Stage: scaledwebtier.SingleServer, Entry: entry, Name: "shop"}).Name; name != "shop" {
		t.Errorf("Name %q was not used: %q", "shop", name)
	}
	err := scaledwebtier.Validate(stacks[0], "Web", &scaledwebtier.Props{
		Stage: scaledwebtier.Global, Entry: entry, Regions: []string{primary, secondary}, PrimaryRegion: primary,
	})
	if err == nil || !strings.Contains(err.Error(), `Name: is required at stage 5`) || !strings.Contains(err.Error(), `"`+shopAWeb+`"`) {
		t.Errorf("stage 5 without Name: %v, want the requirement and the stage 1-4 default %q", err, shopAWeb)
	}
}

// TestTwoTiersAndUserDeployment: the tier "C" (default Name) and "Web" in
// one stack beside the user's own bucket deployment. The tiers share one
// alarm topic and their own bucket deployment handler, whose suppressions
// name each tier's static bucket; the user's deployment keeps the CDK's
// handler, and its findings are reported, not suppressed.
func TestTwoTiersAndUserDeployment(t *testing.T) {
	r := get(t, "two-tiers")
	tpl := r.tpl
	var tables []string
	for _, tbl := range tpl.Resources("AWS::DynamoDB::GlobalTable") {
		tables = append(tables, cdktest.Properties(tbl)["TableName"].(string))
	}
	if len(tables) != 2 || tables[0] == tables[1] {
		t.Errorf("session tables %v, want two with different names", tables)
	}
	tpl.Count(t, "Custom::CDKBucketDeployment", 3) // each tier's and the user's
	tpl.Count(t, "AWS::SNS::Topic", 1)
	tpl.Count(t, "AWS::CloudFront::Distribution", 2)

	// Each deployment's ServiceToken: the tiers' two share their handler,
	// the user's is the CDK's default one.
	tokens := map[string]int{}
	for _, d := range tpl.Resources("Custom::CDKBucketDeployment") {
		ref := cdktest.Properties(d)["ServiceToken"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
		tokens[ref]++
	}
	ours, theirs := logicalID(r.stack, scaledwebtier.StaticDeploymentHandlerID), logicalID(r.stack, cdkDeploymentHandler)
	if len(tokens) != 2 || tokens[ours] != 2 || tokens[theirs] != 1 {
		t.Errorf("bucket deployments by handler: %v, want 2 on %s and 1 on %s", tokens, ours, theirs)
	}

	sup := cdktest.Suppressions(r.stack.Node().FindChild(jsii.String(scaledwebtier.StaticDeploymentHandlerID)))
	if len(sup) == 0 {
		t.Fatal("the tiers' bucket deployment handler carries no suppression")
	}
	user := cdktest.Suppressions(r.stack.Node().FindChild(jsii.String(cdkDeploymentHandler)))
	if len(user) != 0 {
		t.Errorf("the user's bucket deployment handler carries suppressions: %v", user)
	}
	var userFindings []string
	for _, f := range cdktest.NagFindings(t, r.stack) {
		if cdktest.Under(f.Path, "/Test/"+cdkDeploymentHandler) {
			userFindings = append(userFindings, f.Text[:strings.Index(f.Text, ":")])
		}
	}
	for _, rule := range []string{"AwsSolutions-IAM4", "AwsSolutions-IAM5", "AwsSolutions-L1"} {
		if !strings.Contains(strings.Join(userFindings, " "), rule) {
			t.Errorf("the user's bucket deployment is not reported for %s (findings %v)", rule, userFindings)
		}
	}
}

// TestSharedAlarmTopic: a tier given no Alarms.Topic notifies the stack's
// shared, encrypted alarm topic, and sends its scaling events there.
func TestSharedAlarmTopic(t *testing.T) {
	for _, name := range []string{"stage1", "stage3"} {
		r := get(t, name)
		if r.tier.AlarmTopic == nil || r.tier.AlarmTopicKey == nil {
			t.Fatalf("%s: AlarmTopic or AlarmTopicKey is not exported", name)
		}
		if got, want := *r.tier.AlarmTopic.Node().Path(), "Test/"+alarmtopic.SharedID+"/Topic"; got != want {
			t.Errorf("%s: alarms go to %s, want the shared topic %s", name, got, want)
		}
		topic := cdktest.Only(t, r.tpl.Resources("AWS::SNS::Topic"))
		if cdktest.Properties(topic)["KmsMasterKeyId"] == nil {
			t.Errorf("%s: the shared topic is not encrypted", name)
		}
		topicRef := regexp.MustCompile(`^\[\{"Ref":"` + alarmtopic.SharedID + `[0-9A-F]{8}"\}\]$`)
		alarms := r.tpl.Resources("AWS::CloudWatch::Alarm")
		if len(alarms) == 0 {
			t.Fatalf("%s: no alarm", name)
		}
		for id, a := range alarms {
			actions := cdktest.JSON(cdktest.Properties(a)["AlarmActions"])
			if !topicRef.MatchString(actions) {
				t.Errorf("%s: alarm %s notifies %s, not the shared topic", name, id, actions)
			}
		}
	}
	asg := cdktest.Only(t, get(t, "stage3").tpl.Resources("AWS::AutoScaling::AutoScalingGroup"))
	if n := cdktest.JSON(cdktest.Properties(asg)["NotificationConfigurations"]); !regexp.MustCompile(`"TopicARN":\{"Ref":"` + alarmtopic.SharedID + `[0-9A-F]{8}"\}`).MatchString(n) {
		t.Errorf("the group's scaling events do not go to the shared topic: %s", n)
	}
	key := cdktest.Only(t, topicKeys(get(t, "stage3").tpl))
	if autoScalingStatement(t, key) == "" {
		t.Error("the shared topic's key does not admit Auto Scaling")
	}
}

// logicalID is the logical ID of the function of the stack-level construct
// id (a CDK singleton handler).
func logicalID(stack awscdk.Stack, id string) string {
	fn := stack.Node().FindChild(jsii.String(id)).Node().DefaultChild().(awscdk.CfnElement)
	return *stack.GetLogicalId(fn)
}
