package gamefleet

import (
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

const scalerEntry = "../../functions/gameevents/fleetscaler"

type fixture struct {
	stack         awscdk.Stack
	tpl           *cdktest.Template
	full, minimal *Fleet
	alarms        *alarmtopic.AlarmTopic
}

var (
	fixOnce sync.Once
	fix     *fixture
)

// synth builds one stack with two fleets: "Events" sets most props (an x86
// type, a topic and its key), "Minimal" only the required ones.
func synth(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		stack := cdktest.NewStack("Fleets")
		vpc := awsec2.NewVpc(stack, jsii.String("Vpc"), &awsec2.VpcProps{
			MaxAzs: jsii.Number(2), NatGateways: jsii.Number(0), RestrictDefaultSecurityGroup: jsii.Bool(false),
			SubnetConfiguration: &[]*awsec2.SubnetConfiguration{{Name: jsii.String("servers"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}},
			FlowLogs:            &map[string]*awsec2.FlowLogOptions{"All": {}},
		})
		f := &fixture{stack: stack, alarms: alarmtopic.New(stack, "Alarms", nil)}
		f.full = New(stack, "Events", &Props{
			Vpc: vpc, InstanceType: "m7i.large", VolumeGiB: 30, MinCapacity: 1, MaxCapacity: 20,
			Schedules: []ScaleSchedule{
				{Name: "scale-out", Expression: "cron(30 12 * * ? *)", MinSize: Int(2), MaxSize: Int(30), DesiredCapacity: 4},
				{Name: "scale-in", Expression: "cron(30 18 * * ? *)", TimeZone: "UTC", MinSize: Int(0), DesiredCapacity: 0},
			},
			Alarms: Alarms{Topic: f.alarms.Topic}, Entry: scalerEntry,
			LogEncryptionKey: f.alarms.Key,
		})
		// No Entry: the default import path builds gureum's own scaler. No
		// topic: the stack's shared alarm topic.
		f.minimal = New(stack, "Minimal", &Props{
			Vpc:       vpc,
			Schedules: []ScaleSchedule{{Name: "nightly", Expression: "cron(0 3 * * ? *)", DesiredCapacity: 0}},
		})
		f.tpl = cdktest.Synth(t, stack)
		fix = f
	})
	if fix == nil {
		t.Fatal("the fixture did not synthesize (see the first failing test)")
	}
	return fix
}

func logicalID(f *fixture, c awscdk.IResource) string {
	return *f.stack.GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

func TestLaunchTemplateRequiresIMDSv2EncryptsAndMonitors(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::EC2::LaunchTemplate", 2)
	data := func(instanceType string, gib int) map[string]any {
		return map[string]any{"LaunchTemplateData": map[string]any{
			"InstanceType":       instanceType,
			"MetadataOptions":    map[string]any{"HttpTokens": "required", "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 1},
			"Monitoring":         map[string]any{"Enabled": true},
			"IamInstanceProfile": map[string]any{},
			"BlockDeviceMappings": []any{map[string]any{
				"DeviceName": "/dev/xvda",
				"Ebs":        map[string]any{"Encrypted": true, "VolumeType": "gp3", "VolumeSize": gib, "DeleteOnTermination": true},
			}},
		}}
	}
	f.tpl.Has(t, "AWS::EC2::LaunchTemplate", data("c7g.large", 20))
	f.tpl.Has(t, "AWS::EC2::LaunchTemplate", data("m7i.large", 30))
	// The image's architecture follows the instance type.
	params, _ := json.Marshal(f.tpl.JSON["Parameters"])
	for _, want := range []string{"al2023-ami-kernel-6.1-arm64", "al2023-ami-kernel-6.1-x86_64"} {
		if !strings.Contains(string(params), want) {
			t.Errorf("no SSM image parameter %s in %s", want, params)
		}
	}
	for id, lt := range f.tpl.Resources("AWS::EC2::LaunchTemplate") {
		d := cdktest.Properties(lt)["LaunchTemplateData"].(map[string]any)
		// ImageId refers to an SSM parameter whose default names the image.
		imageID, _ := d["ImageId"].(map[string]any)
		ref, _ := imageID["Ref"].(string)
		params, _ := f.tpl.JSON["Parameters"].(map[string]any)
		param, _ := params[ref].(map[string]any)
		image, _ := param["Default"].(string)
		arch := "x86_64"
		if d["InstanceType"] == "c7g.large" {
			arch = "arm64"
		}
		if !strings.HasSuffix(image, "-"+arch) {
			t.Errorf("%s (%v) boots %q (parameter %q), want an %s image", id, d["InstanceType"], image, ref, arch)
		}
	}
}

func TestSecurityGroupHasNoIngressAndHTTPSEgressOnly(t *testing.T) {
	f := synth(t)
	for _, fl := range []*Fleet{f.full, f.minimal} {
		sg := cdktest.Properties(f.tpl.Resources("AWS::EC2::SecurityGroup")[logicalID(f, fl.SecurityGroup)])
		if _, ok := sg["SecurityGroupIngress"]; ok {
			t.Errorf("%s has inbound rules: %v", *fl.Node().Path(), sg["SecurityGroupIngress"])
		}
		got := cdktest.JSON(sg["SecurityGroupEgress"])
		want := `[{"CidrIp":"0.0.0.0/0","Description":"HTTPS to AWS APIs through the VPC endpoints","FromPort":443,"IpProtocol":"tcp","ToPort":443}]`
		if got != want {
			t.Errorf("%s egress = %s, want %s", *fl.Node().Path(), got, want)
		}
	}
	for id := range f.tpl.Resources("AWS::EC2::SecurityGroupIngress") {
		t.Errorf("unexpected ingress rule %s", id)
	}
}

func TestGroupIsPrivateMeasuredAndNotifies(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::AutoScaling::AutoScalingGroup", 2)
	groups := f.tpl.Resources("AWS::AutoScaling::AutoScalingGroup")
	full := cdktest.Properties(groups[logicalID(f, f.full.Group)])
	minimal := cdktest.Properties(groups[logicalID(f, f.minimal.Group)])
	for name, c := range map[string]struct {
		got      map[string]any
		min, max string
	}{"full": {full, "1", "20"}, "minimal": {minimal, "0", "10"}} {
		if c.got["MinSize"] != c.min || c.got["MaxSize"] != c.max || c.got["Cooldown"] != "300" {
			t.Errorf("%s: MinSize %v MaxSize %v Cooldown %v, want %s %s 300", name, c.got["MinSize"], c.got["MaxSize"], c.got["Cooldown"], c.min, c.max)
		}
		if got := cdktest.JSON(c.got["MetricsCollection"]); got != `[{"Granularity":"1Minute"}]` {
			t.Errorf("%s: MetricsCollection = %s, want all metrics", name, got)
		}
		subnets := cdktest.JSON(c.got["VPCZoneIdentifier"])
		if !strings.Contains(subnets, "VpcserversSubnet") {
			t.Errorf("%s: not in the private isolated subnets: %s", name, subnets)
		}
	}
	want := `[{"NotificationTypes":["autoscaling:EC2_INSTANCE_LAUNCH","autoscaling:EC2_INSTANCE_LAUNCH_ERROR","autoscaling:EC2_INSTANCE_TERMINATE","autoscaling:EC2_INSTANCE_TERMINATE_ERROR"],"TopicARN":{"Ref":"` +
		logicalID(f, f.alarms.Topic) + `"}}]`
	if got := cdktest.JSON(full["NotificationConfigurations"]); got != want {
		t.Errorf("NotificationConfigurations = %s, want %s", got, want)
	}
	shared := `"TopicARN":{"Ref":"` + logicalID(f, f.minimal.AlarmTopic) + `"}`
	if got := cdktest.JSON(minimal["NotificationConfigurations"]); !strings.Contains(got, shared) || !strings.Contains(logicalID(f, f.minimal.AlarmTopic), alarmtopic.SharedID) {
		t.Errorf("the minimal fleet, given no topic, notifies %s, want the shared alarm topic", got)
	}
	if *f.full.AlarmTopic.Node().Path() != *f.alarms.Topic.Node().Path() || *f.full.AlarmTopicKey.Node().Path() != *f.alarms.Key.Node().Path() {
		t.Error("the full fleet's AlarmTopic and AlarmTopicKey are not the given topic and its own key")
	}
}

func TestAlarmKeyLetsAutoScalingServiceRoleEncrypt(t *testing.T) {
	f := synth(t)
	for _, k := range []awscdk.IResource{f.alarms.Key.(awscdk.IResource), f.minimal.AlarmTopicKey.(awscdk.IResource)} {
		alarmKeyAdmitsAutoScaling(t, cdktest.Properties(f.tpl.Resources("AWS::KMS::Key")[logicalID(f, k)]))
	}
}

func alarmKeyAdmitsAutoScaling(t *testing.T, key map[string]any) {
	t.Helper()
	var found bool
	for _, st := range key["KeyPolicy"].(map[string]any)["Statement"].([]any) {
		s := st.(map[string]any)
		if s["Sid"] != "AllowAutoScalingNotifications" {
			continue
		}
		found = true
		got := cdktest.JSON(s)
		for _, want := range []string{`"Action":["kms:Decrypt","kms:GenerateDataKey*"]`, `"kms:CallerAccount":"123456789012"`,
			`"aws:PrincipalArn":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"]]}`} {
			if !strings.Contains(got, want) {
				t.Errorf("key statement %s lacks %s", got, want)
			}
		}
	}
	if !found {
		t.Error("the alarm key does not let Auto Scaling's service-linked role use it")
	}
}

func TestSchedulesCarryScalerPayloads(t *testing.T) {
	f := synth(t)
	f.tpl.Count(t, "AWS::Scheduler::Schedule", 3)
	f.tpl.Has(t, "AWS::Scheduler::Schedule", map[string]any{
		"Name": "scale-out", "ScheduleExpression": "cron(30 12 * * ? *)", "ScheduleExpressionTimezone": "Asia/Seoul",
		"Target": map[string]any{"Input": `{"minSize":2,"maxSize":30,"desiredCapacity":4}`},
	})
	f.tpl.Has(t, "AWS::Scheduler::Schedule", map[string]any{
		"Name": "scale-in", "ScheduleExpression": "cron(30 18 * * ? *)", "ScheduleExpressionTimezone": "UTC",
		"Target": map[string]any{"Input": `{"minSize":0,"desiredCapacity":0}`},
	})
	f.tpl.Has(t, "AWS::Scheduler::Schedule", map[string]any{
		"Name": "nightly", "Target": map[string]any{"Input": `{"desiredCapacity":0}`},
	})
	f.tpl.Has(t, "AWS::Lambda::Function", map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{"ASG_NAME": map[string]any{"Ref": logicalID(f, f.full.Group)}}},
	})
}

// TestScalerMayOnlyDescribeAndUpdateItsGroup checks the autoscaling
// statements of each scaler's role exactly, and that no action is "*".
func TestScalerMayOnlyDescribeAndUpdateItsGroup(t *testing.T) {
	f := synth(t)
	for _, fl := range []*Fleet{f.full, f.minimal} {
		role := logicalID(f, fl.Scaler.FunctionRole.(awscdk.IResource))
		var got []string
		for _, pol := range f.tpl.Resources("AWS::IAM::Policy") {
			props := cdktest.Properties(pol)
			if !strings.Contains(cdktest.JSON(props["Roles"]), `"`+role+`"`) {
				continue
			}
			for _, st := range props["PolicyDocument"].(map[string]any)["Statement"].([]any) {
				s := st.(map[string]any)
				if a := cdktest.JSON(s["Action"]); strings.Contains(a, "autoscaling:") {
					got = append(got, a+" on "+cdktest.JSON(s["Resource"]))
				}
			}
		}
		want := []string{
			`"autoscaling:DescribeAutoScalingGroups" on "*"`,
			`"autoscaling:UpdateAutoScalingGroup" on {"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":autoscaling:ap-northeast-2:123456789012:autoScalingGroup:*:autoScalingGroupName/",{"Ref":"` +
				logicalID(f, fl.Group) + `"}]]}`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s scaler autoscaling statements:\n%s\nwant:\n%s", *fl.Node().Path(), strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	for id, pol := range f.tpl.Resources("AWS::IAM::Policy") {
		for _, st := range cdktest.Properties(pol)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			a := cdktest.JSON(st.(map[string]any)["Action"])
			if strings.Contains(a, `"*"`) || strings.Contains(a, `:*"`) {
				t.Errorf("%s grants a wildcard action: %s", id, a)
			}
		}
	}
	// The instance role starts with no permission at all.
	for id, pol := range f.tpl.Resources("AWS::IAM::Policy") {
		roles := cdktest.JSON(cdktest.Properties(pol)["Roles"])
		for _, fl := range []*Fleet{f.full, f.minimal} {
			if strings.Contains(roles, `"`+logicalID(f, fl.Role)+`"`) {
				t.Errorf("instance role %s has policy %s", logicalID(f, fl.Role), id)
			}
		}
	}
}

func TestNoNagFindings(t *testing.T) {
	f := synth(t)
	cdktest.NoNagFindings(t, f.stack)
}

func TestGravitonFromInstanceType(t *testing.T) {
	for typ, want := range map[string]bool{
		"c7g.large": true, "m7gd.xlarge": true, "t4g.micro": true, "c6gn.16xlarge": true, "im4gn.large": true,
		"is4gen.large": true, "x2gd.medium": true, "g5g.xlarge": true, "hpc7g.4xlarge": true, "a1.large": true, "r8g.metal-24xl": true,
		"m7i.large": false, "c5.large": false, "g5.xlarge": false, "inf2.xlarge": false, "m7a.large": false, "t3.micro": false,
	} {
		if got := graviton(typ); got != want {
			t.Errorf("graviton(%q) = %v, want %v", typ, got, want)
		}
	}
}

func TestValidateMessages(t *testing.T) {
	stack := cdktest.NewStack("V")
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId: jsii.String("vpc-1"), AvailabilityZones: jsii.Strings("ap-northeast-2a"), IsolatedSubnetIds: jsii.Strings("subnet-1"),
	})
	// awsec2.NewVpc's defaults: public and private subnets, none isolated.
	defaultVpc := awsec2.NewVpc(stack, jsii.String("DefaultVpc"), nil)
	ok := []ScaleSchedule{{Name: "out", Expression: "rate(1 day)", DesiredCapacity: 1}}
	topicKey := alarmtopic.New(cdktest.NewStack("T"), "A", nil).Key
	cases := []struct {
		name  string
		props *Props
		want  []string
	}{
		{"nil", nil, []string{"Props: must not be nil: Vpc and Schedules are required"}},
		{"required", &Props{Entry: scalerEntry}, []string{"Vpc: is required", "Schedules: at least one schedule is required"}},
		{"max below min", &Props{Vpc: vpc, MinCapacity: 5, MaxCapacity: 2, Schedules: []ScaleSchedule{{Name: "a", Expression: "rate(1 day)", DesiredCapacity: 3, MaxSize: Int(4)}}, Entry: scalerEntry},
			[]string{"MaxCapacity: 2 is less than MinCapacity 5", "Schedules[0].MaxSize: 4 is less than the minimum size 5"}},
		{"capacity limits", &Props{Vpc: vpc, MinCapacity: -1, MaxCapacity: 1001, InstanceType: "large", VolumeGiB: 4, Schedules: ok, Entry: scalerEntry},
			[]string{`InstanceType: "large" is not an EC2 instance type such as "c7g.large"`, "VolumeGiB: 4 is outside 8..16384 (gp3, and room for Amazon Linux 2023)",
				"MinCapacity: must not be negative, got -1", "MaxCapacity: 1001 is outside 1..1000 (0 means the default 10)"}},
		{"desired outside bounds", &Props{Vpc: vpc, Schedules: []ScaleSchedule{
			{Name: "a", Expression: "rate(1 day)", DesiredCapacity: 11},
			{Name: "b", Expression: "rate(2 days)", MinSize: Int(3), DesiredCapacity: 2},
			{Name: "c", Expression: "rate(3 days)", MinSize: Int(-1), MaxSize: Int(2000), DesiredCapacity: 0},
		}, Entry: scalerEntry}, []string{
			"Schedules[0].DesiredCapacity: 11 is outside the group's bounds [0, 10] after this schedule",
			"Schedules[1].DesiredCapacity: 2 is outside the group's bounds [3, 10] after this schedule",
			"Schedules[2].MinSize: must not be negative, got -1",
			"Schedules[2].MaxSize: 2000 is outside 0..1000",
		}},
		{"names and expressions", &Props{Vpc: vpc, Schedules: []ScaleSchedule{
			{Name: "a", Expression: "rate(1 day)"}, {Name: "a", Expression: "cron(0 12 * * * *)"}, {Expression: "daily"},
		}, Entry: scalerEntry}, []string{
			`Schedules[1].Name: "a" duplicates Schedules[0]`,
			`Schedules[1].Expression: "cron(0 12 * * * *)": exactly one of day-of-month and day-of-week must be "?"`,
			"Schedules[2].Name: is required",
			`Schedules[2].Expression: "daily" is not a "cron(...)", "rate(...)" or "at(...)" expression`,
		}},
		{"scaler checks", &Props{Vpc: vpc, Schedules: []ScaleSchedule{{Name: "a b", Expression: "rate(1 day)", TimeZone: "Mars/Olympus"}}, Entry: scalerEntry},
			[]string{`Schedules[0].Name: "a b" must be 1-64 letters, digits, '-', '_' or '.'`,
				`Schedules[0].TimeZone: "Mars/Olympus" is not an IANA time zone (such as "Asia/Seoul" or "UTC")`}},
		{"key without topic", &Props{Vpc: vpc, Schedules: ok, Alarms: Alarms{TopicKey: topicKey}, Entry: scalerEntry}, []string{"Alarms.TopicKey: is set without Alarms.Topic"}},
		{"no isolated subnets", &Props{Vpc: defaultVpc, Schedules: ok, Entry: scalerEntry}, []string{
			"VpcSubnets: its default, the VPC's private isolated subnets, selects nothing: Vpc (V/DefaultVpc) has no isolated subnet. " +
				"Give the VPC isolated subnets (SubnetType PRIVATE_ISOLATED, with VPC endpoints for the AWS APIs the servers call), " +
				"or set VpcSubnets, e.g. &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}"}},
		{"no such subnet group", &Props{Vpc: defaultVpc, VpcSubnets: &awsec2.SubnetSelection{SubnetGroupName: jsii.String("servers")}, Schedules: ok, Entry: scalerEntry},
			[]string{"VpcSubnets: selects no subnet of Vpc (V/DefaultVpc): There are no subnet groups with name 'servers' in this VPC. Available names: Public,Private"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Validate(nil, "Fleet", c.props)
			var verr *validate.Error
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a *validate.Error", err)
			}
			if got, want := strings.Join(verr.Problems, "\n"), strings.Join(c.want, "\n"); got != want {
				t.Errorf("problems:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	if err := Validate(nil, "Fleet", &Props{Vpc: vpc, Schedules: ok, Entry: scalerEntry}); err != nil {
		t.Errorf("valid props: %v", err)
	}
	private := &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
	if err := Validate(stack, "Fleet", &Props{Vpc: defaultVpc, VpcSubnets: private, Schedules: ok}); err != nil {
		t.Errorf("the default VPC's private subnets: %v", err)
	}
	// New panics with the error, naming the construct path, before it
	// creates anything: not with the CDK's own "There are no 'Isolated'
	// subnet groups in this VPC".
	err := validate.Catch(func() { New(stack, "Fleet", &Props{Vpc: defaultVpc, Schedules: ok}) })
	if err == nil || !strings.HasPrefix(err.Error(), `gamefleet "V/Fleet": VpcSubnets: its default, the VPC's private isolated subnets, selects nothing`) {
		t.Errorf("New with awsec2.NewVpc's default VPC: %v", err)
	}
	if stack.Node().TryFindChild(jsii.String("Fleet")) != nil {
		t.Error("New created the fleet before failing validation")
	}
}

func TestLogEncryptionKey(t *testing.T) {
	f := synth(t)
	f.tpl.LogGroupsUseKey(t, f.full.Construct, f.alarms.Key)
}
