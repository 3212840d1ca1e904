package tests

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"

	"github.com/gureum-cdk/gureum/stacks"
)

// These tests check what the golden templates cannot show: the order
// `cdk deploy --all` follows between the global stacks, and how the web
// deploy stack wires its pipeline to the ScaledWebTier it builds.

func TestGlobalSecondaryDependsOnPrimary(t *testing.T) {
	// Every stack has an entry; its dependencies include its asset manifest.
	deps := map[string][]string{}
	for _, st := range *cloudAssembly.Stacks() {
		deps[*st.StackName()] = nil
		for _, d := range *st.Dependencies() {
			deps[*st.StackName()] = append(deps[*st.StackName()], *d.Id())
		}
	}
	const primary, secondary = "GureumWebGlobalPrimary", "GureumWebGlobalSecondary"
	found := false
	for _, d := range deps[secondary] {
		found = found || d == primary
	}
	if !found {
		t.Errorf("%s depends on %v, not on %s: cdk deploy --all may create the secondary cluster before the global database", secondary, deps[secondary], primary)
	}
	for _, d := range deps[primary] {
		if _, isStack := deps[d]; isStack || d == secondary {
			t.Errorf("%s depends on the stack %s", primary, d)
		}
	}
	// Built alone (one stack of an app), the secondary needs no primary.
	for _, r := range stacks.References {
		if r.ID == secondary {
			if st := r.Build(awscdk.NewApp(nil), r.ID, stacks.Options{Root: ".."}); len(*st.Dependencies()) != 0 {
				t.Errorf("%s built alone depends on %d stacks", secondary, len(*st.Dependencies()))
			}
		}
	}
}

func TestWebDeployDeploysToTheTier(t *testing.T) {
	res := resources(templates(t)["GureumWebDeploy"])
	only := func(typ string) (string, map[string]any) {
		t.Helper()
		var id string
		var props map[string]any
		for k, r := range res {
			if r["Type"] == typ {
				if id != "" {
					t.Fatalf("more than one %s", typ)
				}
				id, props = k, r["Properties"].(map[string]any)
			}
		}
		if id == "" {
			t.Fatalf("no %s", typ)
		}
		return id, props
	}
	js := func(v any) string { b, _ := json.Marshal(v); return string(b) }

	asgID, _ := only("AWS::AutoScaling::AutoScalingGroup")
	tgID, _ := only("AWS::ElasticLoadBalancingV2::TargetGroup")
	if !strings.HasPrefix(asgID, "WebFleet") || !strings.HasPrefix(tgID, "WebTargetGroup") {
		t.Errorf("the stack's group and target group are not the ScaledWebTier's: %s, %s", asgID, tgID)
	}
	_, dg := only("AWS::CodeDeploy::DeploymentGroup")
	if got := js(dg["AutoScalingGroups"]); got != `[{"Ref":"`+asgID+`"}]` {
		t.Errorf("deployment group deploys to %s, want the tier's group %s", got, asgID)
	}
	if got := js(dg["LoadBalancerInfo"]); !strings.Contains(got, tgID) {
		t.Errorf("deployment group's traffic control is not the tier's target group: %s", got)
	}
	if got := js(dg["AlarmConfiguration"]); strings.Count(got, `"Name":`) != 3 ||
		!strings.Contains(got, "WebServerErrorsAlarm") || !strings.Contains(got, "WebUnhealthyHostsAlarm") || !strings.Contains(got, "WebCpuAlarm") {
		t.Errorf("deployment does not roll back on the tier's 5xx, unhealthy-host and CPU alarms: %s", got)
	}
	// The tier's own user data installs the app and, appended by the
	// pipeline, the CodeDeploy agent.
	_, lt := only("AWS::EC2::LaunchTemplate")
	ud := js(lt["LaunchTemplateData"].(map[string]any)["UserData"])
	app := strings.Index(ud, "systemctl enable --now gureum-webapp")
	agent := strings.Index(ud, "systemctl enable --now codedeploy-agent")
	if app < 0 || agent < app {
		t.Errorf("user data does not install the app and then the CodeDeploy agent:\n%s", ud)
	}
	// The group's notifications can be published to the encrypted topic.
	key, ok := res["AlarmsKey3C2381B3"]
	if !ok {
		t.Fatal("no alarm topic key AlarmsKey3C2381B3")
	}
	if doc := js(key["Properties"].(map[string]any)["KeyPolicy"]); !strings.Contains(doc, "AWSServiceRoleForAutoScaling") {
		t.Error("the alarm topic's key does not admit Auto Scaling's notifications")
	}
}
