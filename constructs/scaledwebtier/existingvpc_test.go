package scaledwebtier_test

import (
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/scaledwebtier"
)

// importedVpc imports a VPC by its attributes (awsec2.Vpc_FromVpcAttributes)
// in two AZs, with the subnet groups asked for.
func importedVpc(scope constructs.Construct, id string, public, private, isolated bool) awsec2.IVpc {
	attrs := &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-0a1b2c3d4e5f60718"),
		AvailabilityZones: jsii.Strings(primary+"a", primary+"b"),
	}
	if public {
		attrs.PublicSubnetIds = jsii.Strings("subnet-0000000000000pub1", "subnet-0000000000000pub2")
		attrs.PublicSubnetRouteTableIds = jsii.Strings("rtb-0000000000000pub1", "rtb-0000000000000pub2")
	}
	if private {
		attrs.PrivateSubnetIds = jsii.Strings("subnet-0000000000000app1", "subnet-0000000000000app2")
		attrs.PrivateSubnetRouteTableIds = jsii.Strings("rtb-0000000000000app1", "rtb-0000000000000app2")
	}
	if isolated {
		attrs.IsolatedSubnetIds = jsii.Strings("subnet-00000000000000db1", "subnet-00000000000000db2")
		attrs.IsolatedSubnetRouteTableIds = jsii.Strings("rtb-00000000000000db1", "rtb-00000000000000db2")
	}
	return awsec2.Vpc_FromVpcAttributes(scope, jsii.String(id), attrs)
}

// vpcFromStack gives the tier a VPC made by another stack of the app, as a
// platform team's network stack would.
func vpcFromStack(stack awscdk.Stack, p *scaledwebtier.Props) {
	network := awscdk.NewStack(stack.Node().Root().(constructs.Construct), jsii.String("Network"), &awscdk.StackProps{
		Env: &awscdk.Environment{Account: stack.Account(), Region: stack.Region()},
	})
	p.Network.ExistingVpc = awsec2.NewVpc(network, jsii.String("Vpc"), &awsec2.VpcProps{
		MaxAzs:      jsii.Number(2),
		NatGateways: jsii.Number(2),
		SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
			{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24)},
			{Name: jsii.String("App"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(22)},
			{Name: jsii.String("Data"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)},
		},
	})
}

// importedVpcWithEndpoint imports a VPC that already has a Secrets Manager
// endpoint, given as Network.ExistingSecretsEndpoint.
func importedVpcWithEndpoint(stack awscdk.Stack, p *scaledwebtier.Props) {
	p.Network.ExistingVpc = importedVpc(stack, "Existing", true, false, true)
	p.Network.ExistingSecretsEndpoint = awsec2.InterfaceVpcEndpoint_FromInterfaceVpcEndpointAttributes(stack, jsii.String("SecretsEndpoint"), &awsec2.InterfaceVpcEndpointAttributes{
		VpcEndpointId: jsii.String("vpce-0123456789abcdef0"),
		Port:          jsii.Number(443),
		SecurityGroups: &[]awsec2.ISecurityGroup{
			awsec2.SecurityGroup_FromSecurityGroupId(stack, jsii.String("EndpointSecurityGroup"), jsii.String("sg-0123456789abcdef0"), nil),
		},
	})
}

func TestExistingVpcFromAnotherStack(t *testing.T) {
	r := get(t, "stage3-vpc-from-stack")
	tpl := r.tpl
	// The tier makes no network of its own...
	for _, typ := range []string{"AWS::EC2::VPC", "AWS::EC2::Subnet", "AWS::EC2::NatGateway", "AWS::EC2::InternetGateway"} {
		tpl.Count(t, typ, 0)
	}
	// ...but logs the VPC's traffic and puts each part in its subnets.
	importOf := func(v any) bool {
		return strings.Contains(cdktest.JSON(v), `"Fn::ImportValue":"Network:ExportsOutputRef`)
	}
	fl := cdktest.Properties(cdktest.Only(t, tpl.Resources("AWS::EC2::FlowLog")))
	if !importOf(fl["ResourceId"]) || fl["ResourceType"] != "VPC" {
		t.Errorf("flow log is not on the imported VPC: %v", fl)
	}
	asg := cdktest.Properties(cdktest.Only(t, tpl.Resources("AWS::AutoScaling::AutoScalingGroup")))
	if ids := cdktest.JSON(asg["VPCZoneIdentifier"]); strings.Count(ids, "VpcAppSubnet") != 2 {
		t.Errorf("Auto Scaling group is not in the VPC's 2 private subnets: %s", ids)
	}
	sng := cdktest.Properties(cdktest.Only(t, tpl.Resources("AWS::RDS::DBSubnetGroup")))
	if ids := cdktest.JSON(sng["SubnetIds"]); strings.Count(ids, "VpcDataSubnet") != 2 {
		t.Errorf("database is not in the VPC's 2 isolated subnets: %s", ids)
	}
	// The rotation function in the isolated subnets reaches Secrets Manager
	// through an endpoint this construct made (in its own stack: made in
	// the VPC's stack it would reference this stack, a cycle).
	ep := cdktest.Only(t, tpl.Resources("AWS::EC2::VPCEndpoint"))
	epProps := cdktest.Properties(ep)
	if epProps["ServiceName"] != "com.amazonaws."+primary+".secretsmanager" || epProps["PrivateDnsEnabled"] != true ||
		strings.Count(cdktest.JSON(epProps["SubnetIds"]), "VpcDataSubnet") != 2 {
		t.Errorf("Secrets Manager endpoint: %v", epProps)
	}
	if r.tier.SecretsEndpoint == nil {
		t.Error("SecretsEndpoint is not exported")
	}
	app := cdktest.Only(t, tpl.Resources("AWS::Serverless::Application"))
	if got := cdktest.JSON(cdktest.Properties(app)["Parameters"]); !strings.Contains(got, `"endpoint":{"Fn::Join":["",["https://",{"Ref":"WebSecretsManagerEndpoint`) {
		t.Errorf("rotation does not use the endpoint: %s", got)
	}
	tpl.Has(t, "AWS::EC2::SecurityGroupIngress", map[string]any{
		"FromPort": 443, "ToPort": 443, "IpProtocol": "tcp",
		"GroupId":               map[string]any{"Fn::GetAtt": []any{assertions.Match_StringLikeRegexp(jsii.String("^WebSecretsManagerEndpointSecurityGroup")), "GroupId"}},
		"SourceSecurityGroupId": map[string]any{"Fn::GetAtt": []any{"WebRotationSecurityGroupCA7AEB13", "GroupId"}},
	})
	cdktest.NoNagFindings(t, r.stack)
}

func TestExistingVpcWithItsEndpoint(t *testing.T) {
	r := get(t, "stage2-imported-vpc")
	tpl := r.tpl
	tpl.Count(t, "AWS::EC2::VPC", 0)
	tpl.Count(t, "AWS::EC2::VPCEndpoint", 0) // the VPC's own endpoint is used
	if r.tier.SecretsEndpoint != nil {
		t.Error("SecretsEndpoint is set although the construct made none")
	}
	tpl.Has(t, "AWS::EC2::Instance", map[string]any{"SubnetId": "subnet-0000000000000pub1"})
	tpl.Has(t, "AWS::RDS::DBSubnetGroup", map[string]any{"SubnetIds": []any{"subnet-00000000000000db1", "subnet-00000000000000db2"}})
	tpl.Has(t, "AWS::EC2::FlowLog", map[string]any{"ResourceId": "vpc-0a1b2c3d4e5f60718", "ResourceType": "VPC"})
	// The endpoint is opened to the rotation function, which uses it.
	tpl.Has(t, "AWS::EC2::SecurityGroupIngress", map[string]any{
		"GroupId": "sg-0123456789abcdef0", "FromPort": 443, "ToPort": 443,
		"SourceSecurityGroupId": map[string]any{"Fn::GetAtt": []any{"WebRotationSecurityGroupCA7AEB13", "GroupId"}},
	})
	app := cdktest.Only(t, tpl.Resources("AWS::Serverless::Application"))
	if got := cdktest.JSON(cdktest.Properties(app)["Parameters"]); !strings.Contains(got, "vpce-0123456789abcdef0") {
		t.Errorf("rotation does not use the VPC's endpoint: %s", got)
	}
	cdktest.NoNagFindings(t, r.stack)
}

func TestValidateExistingVpc(t *testing.T) {
	app := awscdk.NewApp(nil)
	stack := awscdk.NewStack(app, jsii.String("V"), &awscdk.StackProps{Env: &awscdk.Environment{Region: jsii.String(primary)}})
	zone := props(stack, scaledwebtier.HighlyAvailable).Domain
	endpoint := awsec2.InterfaceVpcEndpoint_FromInterfaceVpcEndpointAttributes(stack, jsii.String("Endpoint"), &awsec2.InterfaceVpcEndpointAttributes{
		VpcEndpointId: jsii.String("vpce-0123456789abcdef0"), Port: jsii.Number(443),
	})
	oneAZ := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("OneAZ"), &awsec2.VpcAttributes{
		VpcId: jsii.String("vpc-1"), AvailabilityZones: jsii.Strings(primary + "a"),
		PublicSubnetIds: jsii.Strings("subnet-p"), PrivateSubnetIds: jsii.Strings("subnet-a"), IsolatedSubnetIds: jsii.Strings("subnet-i"),
	})
	cases := []struct {
		name  string
		props *scaledwebtier.Props
		want  []string
	}{
		{"public only at stage 1", &scaledwebtier.Props{Stage: 1, Entry: entry, Network: scaledwebtier.Network{
			ExistingVpc: importedVpc(stack, "PublicOnly", true, false, false)}}, nil},
		{"no public subnets", &scaledwebtier.Props{Stage: 1, Entry: entry, Network: scaledwebtier.Network{
			ExistingVpc: importedVpc(stack, "NoPublic", false, true, true)}},
			[]string{"Network.ExistingVpc: has public subnets in 0 AZs: the web server of stages 1-2 needs them in at least 1"}},
		{"aurora without isolated subnets", &scaledwebtier.Props{Stage: 2, Entry: entry, Network: scaledwebtier.Network{
			ExistingVpc: importedVpc(stack, "NoIsolated", true, true, false)}},
			[]string{"Network.ExistingVpc: has isolated subnets in 0 AZs: the Aurora database needs them in at least 2"}},
		{"dynamodb needs no isolated subnets", &scaledwebtier.Props{Stage: 2, Entry: entry, Database: scaledwebtier.Database{Engine: scaledwebtier.DynamoDB},
			Network: scaledwebtier.Network{ExistingVpc: importedVpc(stack, "DdbNoIsolated", true, false, false)}}, nil},
		{"stage 3 without private subnets", &scaledwebtier.Props{Stage: 3, Entry: entry, Domain: zone, Network: scaledwebtier.Network{
			ExistingVpc: importedVpc(stack, "NoPrivate", true, false, true)}},
			[]string{"Network.ExistingVpc: has private (with egress) subnets in 0 AZs: the Auto Scaling group (stage 3 and above) needs them in at least 2"}},
		{"stage 3 in one AZ", &scaledwebtier.Props{Stage: 3, Entry: entry, Domain: zone, Network: scaledwebtier.Network{ExistingVpc: oneAZ}},
			[]string{
				"Network.ExistingVpc: has public subnets in 1 AZs: the load balancer needs them in at least 2",
				"Network.ExistingVpc: has private (with egress) subnets in 1 AZs: the Auto Scaling group (stage 3 and above) needs them in at least 2",
				"Network.ExistingVpc: has isolated subnets in 1 AZs: the Aurora database needs them in at least 2",
			}},
		{"valkey without isolated subnets", &scaledwebtier.Props{Stage: 4, Entry: entry, Domain: zone,
			Database: scaledwebtier.Database{Engine: scaledwebtier.DynamoDB}, Sessions: scaledwebtier.Sessions{Store: scaledwebtier.SessionsValkey},
			Network: scaledwebtier.Network{ExistingVpc: importedVpc(stack, "ValkeyNoIsolated", true, true, false)}},
			[]string{"Network.ExistingVpc: has isolated subnets in 0 AZs: the Valkey session cache needs them in at least 2"}},
		{"endpoint without existing vpc", &scaledwebtier.Props{Stage: 2, Entry: entry, Network: scaledwebtier.Network{ExistingSecretsEndpoint: endpoint}},
			[]string{"Network.ExistingSecretsEndpoint: applies with Network.ExistingVpc only: a new VPC gets its own endpoint"}},
		{"endpoint without aurora", &scaledwebtier.Props{Stage: 2, Entry: entry, Database: scaledwebtier.Database{Engine: scaledwebtier.DynamoDB},
			Network: scaledwebtier.Network{ExistingVpc: importedVpc(stack, "DdbEndpoint", true, true, true), ExistingSecretsEndpoint: endpoint}},
			[]string{"Network.ExistingSecretsEndpoint: applies to an Aurora database (stage 2 and above) only: its secret rotation uses it"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { checkProblems(t, scaledwebtier.Validate(stack, "Web", c.props), c.want) })
	}
}
