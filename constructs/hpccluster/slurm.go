package hpccluster

import (
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awspcs"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
)

// SlurmCluster holds Slurm mode's resources: an AWS Parallel Computing
// Service cluster (managed Slurm controller), its login node group, and a
// partition (AWS PCS queue) per queue over Spot and On-Demand compute node
// groups, all launched from LaunchTemplate, which mounts the shared file
// systems and installs the workload at SlurmWorkloadPath.
type SlurmCluster struct {
	Cluster awspcs.CfnCluster
	// LoginNodes is one On-Demand node in a private subnet, reached with
	// Session Manager (aws ssm start-session), from which users run sbatch.
	LoginNodes awspcs.CfnComputeNodeGroup
	Queues     []*SlurmQueue
	// InstanceRole and InstanceProfile are every node's (the path /aws-pcs/
	// AWS PCS requires): register with the cluster, mount EFS, read the
	// workload, write results, Session Manager.
	InstanceRole    awsiam.Role
	InstanceProfile awsiam.InstanceProfile
}

// SlurmQueue is one Slurm partition and its node groups (nil when the
// queue has none of the kind).
type SlurmQueue struct {
	Name                     string
	Queue                    awspcs.CfnQueue
	SpotNodes, OnDemandNodes awspcs.CfnComputeNodeGroup
}

// newSlurm builds Slurm mode.
func (h *HPCCluster) newSlurm() {
	c := h.cfg
	s := &SlurmCluster{}
	h.Slurm = s
	h.Workload = golambda.NewAsset(h.Construct, "Workload", c.Workload.Entry, c.goarch(),
		"workload "+c.Workload.Entry+" linux/"+c.goarch())

	s.InstanceRole = awsiam.NewRole(h.Construct, jsii.String("SlurmInstanceRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Path:        jsii.String("/aws-pcs/"),
		Description: jsii.String("Slurm nodes of " + *h.Node().Path()),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonSSMManagedInstanceCore")),
		},
	})
	h.InstanceRole = s.InstanceRole
	s.InstanceRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("pcs:RegisterComputeNodeGroupInstance"),
		Resources: jsii.Strings("*"),
	}))
	s.InstanceRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: jsii.Strings(*h.Workload.Bucket().ArnForObjects(h.Workload.S3ObjectKey())),
	}))
	s.InstanceRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:PutObject"),
		Resources: jsii.Strings(*h.DataBucket.ArnForObjects(jsii.String(c.Workload.ResultPrefix + "/*"))),
	}))
	s.InstanceRole.AddToPrincipalPolicy(h.resultKeyStatement())
	if h.EFS != nil {
		h.EFS.GrantRootAccess(s.InstanceRole)
	}
	nag.Suppress(s.InstanceRole, "AwsSolutions-IAM4",
		"AmazonSSMManagedInstanceCore lets users reach the login node (in a private subnet, no SSH) with Session Manager; AWS maintains it as the agent's needs change.",
		"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore")
	nag.Suppress(s.InstanceRole, "AwsSolutions-IAM5",
		"pcs:RegisterComputeNodeGroupInstance is granted on * as the AWS PCS User Guide's instance profile policy does (the node learns its cluster at boot); the workload writes one object per result under a key it chooses at run time, s3:PutObject on the result prefix only.",
		"Resource::*",
		fmt.Sprintf("/^Resource::<[A-Za-z0-9]+\\.Arn>\\/%s\\/\\*$/", strings.ReplaceAll(c.Workload.ResultPrefix, "/", "\\/")))
	s.InstanceProfile = awsiam.NewInstanceProfile(h.Construct, jsii.String("SlurmInstanceProfile"), &awsiam.InstanceProfileProps{
		Role: s.InstanceRole,
		Path: jsii.String("/aws-pcs/"),
	})

	h.LaunchTemplate = h.newLaunchTemplate("LaunchTemplate", false)
	// AWS PCS launches nodes with the template's security groups.
	lt := h.LaunchTemplate.Node().DefaultChild().(awsec2.CfnLaunchTemplate)
	lt.AddPropertyOverride(jsii.String("LaunchTemplateData.SecurityGroupIds"), []any{h.SecurityGroup.SecurityGroupId()})

	accounting := "NONE"
	if c.Slurm.Accounting {
		accounting = "STANDARD"
	}
	s.Cluster = awspcs.NewCfnCluster(h.Construct, jsii.String("SlurmCluster"), &awspcs.CfnClusterProps{
		Networking: &awspcs.CfnCluster_NetworkingProperty{
			SubnetIds:        jsii.Strings(*h.tightSubnet().SubnetId()),
			SecurityGroupIds: jsii.Strings(*h.SecurityGroup.SecurityGroupId()),
		},
		Scheduler: &awspcs.CfnCluster_SchedulerProperty{Type: jsii.String("SLURM"), Version: jsii.String(c.Slurm.Version)},
		Size:      jsii.String(c.Slurm.Size),
		SlurmConfiguration: &awspcs.CfnCluster_SlurmConfigurationProperty{
			ScaleDownIdleTimeInSeconds: jsii.Number(c.Slurm.ScaleDownIdle.Seconds()),
			Accounting:                 &awspcs.CfnCluster_AccountingProperty{Mode: jsii.String(accounting)},
		},
	})

	var private []*string
	for _, sn := range *h.Vpc.SelectSubnets(h.privateSubnets()).Subnets {
		private = append(private, sn.SubnetId())
	}
	nodeGroup := func(id, name string, types []string, ami string, min, max int, spot bool, subnets []*string) awspcs.CfnComputeNodeGroup {
		var configs []any
		for _, t := range types {
			configs = append(configs, &awspcs.CfnComputeNodeGroup_InstanceConfigProperty{InstanceType: jsii.String(t)})
		}
		props := &awspcs.CfnComputeNodeGroupProps{
			ClusterId:             s.Cluster.AttrId(),
			Name:                  jsii.String(name),
			IamInstanceProfileArn: s.InstanceProfile.InstanceProfileArn(),
			InstanceConfigs:       configs,
			ScalingConfiguration:  &awspcs.CfnComputeNodeGroup_ScalingConfigurationProperty{MinInstanceCount: jsii.Number(float64(min)), MaxInstanceCount: jsii.Number(float64(max))},
			SubnetIds:             &subnets,
			AmiId:                 jsii.String(ami),
			CustomLaunchTemplate: &awspcs.CfnComputeNodeGroup_CustomLaunchTemplateProperty{
				TemplateId: h.LaunchTemplate.LaunchTemplateId(),
				Version:    h.LaunchTemplate.LatestVersionNumber(),
			},
			PurchaseOption: jsii.String("ONDEMAND"),
		}
		if spot {
			props.PurchaseOption = jsii.String("SPOT")
			props.SpotOptions = &awspcs.CfnComputeNodeGroup_SpotOptionsProperty{AllocationStrategy: jsii.String("price-capacity-optimized")}
		}
		g := awspcs.NewCfnComputeNodeGroup(h.Construct, jsii.String(id), props)
		// Nodes mount the file systems as they boot.
		if h.EFS != nil {
			g.Node().AddDependency(h.EFS.MountTargetsAvailable())
		}
		if h.Lustre != nil {
			g.Node().AddDependency(h.Lustre)
		}
		if h.DataRepository != nil {
			g.Node().AddDependency(h.DataRepository)
		}
		return g
	}
	s.LoginNodes = nodeGroup("SlurmLoginNodes", "login", []string{c.Slurm.LoginInstanceType}, c.AMI, 1, 1, false, []*string{h.tightSubnet().SubnetId()})
	for _, q := range c.queues {
		id := "Slurm" + constructID(q.Name)
		sq := &SlurmQueue{Name: q.Name}
		var names []string
		for _, t := range q.types {
			names = append(names, t.Name)
		}
		var groups []any
		if q.hasSpot() {
			sq.SpotNodes = nodeGroup(id+"SpotNodes", q.Name+"-spot", names, c.ami(q), 0, q.MaxInstances, true, private)
			groups = append(groups, &awspcs.CfnQueue_ComputeNodeGroupConfigurationProperty{ComputeNodeGroupId: sq.SpotNodes.AttrId()})
		}
		if q.hasOnDemand() {
			sq.OnDemandNodes = nodeGroup(id+"OnDemandNodes", q.Name+"-ondemand", names, c.ami(q), 0, q.MaxInstances, false, private)
			groups = append(groups, &awspcs.CfnQueue_ComputeNodeGroupConfigurationProperty{ComputeNodeGroupId: sq.OnDemandNodes.AttrId()})
		}
		sq.Queue = awspcs.NewCfnQueue(h.Construct, jsii.String(id+"Queue"), &awspcs.CfnQueueProps{
			ClusterId:                      s.Cluster.AttrId(),
			Name:                           jsii.String(q.Name),
			ComputeNodeGroupConfigurations: groups,
		})
		s.Queues = append(s.Queues, sq)
	}
	awscdk.Tags_Of(s.Cluster).Add(jsii.String("gureum:hpccluster"), h.Node().Path(), nil)
}

// slurmBootCommands install the workload and the job environment on a
// Slurm node (none in Batch mode, whose containers fetch the workload).
func (h *HPCCluster) slurmBootCommands() []string {
	c := h.cfg
	if c.Mode != ModeSlurm {
		return nil
	}
	env := []string{
		"export SHARED_DIR=" + c.sharedDir(),
		"export DATA_BUCKET=" + *h.DataBucket.BucketName(),
		"export RESULT_PREFIX=" + c.Workload.ResultPrefix,
		"export WORKLOAD=" + SlurmWorkloadPath,
		"export WORKLOAD_ARGS=" + shellQuote(strings.Join(c.Workload.Args, " ")),
		"export AWS_REGION=" + *awscdk.Aws_REGION(),
		"export AWS_DEFAULT_REGION=" + *awscdk.Aws_REGION(),
	}
	for _, k := range sortedKeys(c.Workload.Environment) {
		env = append(env, "export "+k+"="+shellQuote(c.Workload.Environment[k]))
	}
	dir := SlurmWorkloadPath[:strings.LastIndex(SlurmWorkloadPath, "/")]
	return []string{
		fmt.Sprintf("mkdir -p %s || fail 'mkdir %s failed'", dir, dir),
		fmt.Sprintf("retry aws s3 cp --only-show-errors %s %s || fail 'downloading the workload failed'", *h.Workload.S3ObjectUrl(), SlurmWorkloadPath),
		fmt.Sprintf("chmod 0755 %s || fail 'chmod of the workload failed'", SlurmWorkloadPath),
		fmt.Sprintf("printf '%%s\\n' %s > %s || fail 'writing %s failed'", shellQuoteAll(env), SlurmProfile, SlurmProfile),
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'"'"'`) + "'" }

func shellQuoteAll(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = shellQuote(s)
	}
	return strings.Join(out, " ")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// resultKeyStatement lets a role write results to the SSE-KMS data bucket:
// a PutObject needs a data key (kms:GenerateDataKey), a multipart upload
// (the AWS CLI's for objects over 8 MB) also kms:Decrypt.
func (h *HPCCluster) resultKeyStatement() awsiam.PolicyStatement {
	return awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"),
		Resources: jsii.Strings(*h.Key.KeyArn()),
	})
}
