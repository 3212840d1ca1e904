package hpccluster

import (
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
)

// newNetwork creates (or adopts) the VPC and the cluster's security group.
func (h *HPCCluster) newNetwork() {
	n := h.cfg.Network
	if n.ExistingVpc != nil {
		h.Vpc = n.ExistingVpc
	} else {
		vpc := awsec2.NewVpc(h.Construct, jsii.String("Vpc"), &awsec2.VpcProps{
			MaxAzs:      jsii.Number(float64(n.MaxAZs)),
			NatGateways: jsii.Number(float64(n.NATGateways)),
			SubnetConfiguration: &[]*awsec2.SubnetConfiguration{
				// Only the NAT gateways, with their Elastic IPs, live in the
				// public subnets: nothing launched there gets a public IP.
				{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24), MapPublicIpOnLaunch: jsii.Bool(false)},
				// /19: room for one ENI per multi-node container (awsvpc).
				{Name: jsii.String("Private"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(19)},
			},
		})
		h.FlowLogs = loggroup.New(h.Construct, "FlowLogs", loggroup.Props{Retention: h.cfg.LogRetention, EncryptionKey: h.cfg.LogEncryptionKey})
		vpc.AddFlowLog(jsii.String("FlowLog"), &awsec2.FlowLogOptions{
			Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(h.FlowLogs, nil),
			TrafficType: awsec2.FlowLogTrafficType_ALL,
		})
		// Workload downloads, data repository traffic and results stay off
		// the NAT gateway.
		h.S3Endpoint = vpc.AddGatewayEndpoint(jsii.String("S3"), &awsec2.GatewayVpcEndpointOptions{
			Service: awsec2.GatewayVpcEndpointAwsService_S3(),
			Subnets: &[]*awsec2.SubnetSelection{{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}},
		})
		h.Vpc = vpc
	}

	sg := awsec2.NewSecurityGroup(h.Construct, jsii.String("SecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              h.Vpc,
		Description:      jsii.String("gureum HPC cluster: all traffic within the group (EFA, MPI, Lustre, NFS), HTTPS out"),
		AllowAllOutbound: jsii.Bool(false),
	})
	// EFA's OS-bypass traffic needs a group that allows all traffic from and
	// to itself, in both directions; Lustre (988, 1018-1023) and NFS (2049)
	// between instances and file systems fall under the same rules.
	sg.AddIngressRule(sg, awsec2.Port_AllTraffic(), jsii.String("All traffic from the cluster"), nil)
	sg.AddEgressRule(sg, awsec2.Port_AllTraffic(), jsii.String("All traffic to the cluster"), nil)
	// AWS Batch, ECS, ECR, S3, CloudWatch Logs and the package repositories
	// are reached over HTTPS (through NAT, or the S3 endpoint).
	sg.AddEgressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS to AWS APIs and package repositories"), nil)
	h.SecurityGroup = sg
}

// privateSubnets selects the subnets instances and file systems live in.
func (h *HPCCluster) privateSubnets() *awsec2.SubnetSelection {
	return &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
}

// tightSubnet is the one subnet of the tightly coupled environment and the
// Lustre file system: the first private subnet.
func (h *HPCCluster) tightSubnet() awsec2.ISubnet {
	subnets := *h.Vpc.SelectSubnets(h.privateSubnets()).Subnets
	return subnets[0]
}
