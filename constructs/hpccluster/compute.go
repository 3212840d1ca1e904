package hpccluster

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsbatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/nag"
)

// newCompute creates the instance role, launch templates, placement group,
// compute environments and job queues.
func (h *HPCCluster) newCompute() {
	c := h.cfg
	h.InstanceRole = awsiam.NewRole(h.Construct, jsii.String("InstanceRole"), &awsiam.RoleProps{
		AssumedBy:       awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description:     jsii.String("ECS container instances of " + *h.Node().Path()),
		ManagedPolicies: &[]awsiam.IManagedPolicy{awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AmazonEC2ContainerServiceforEC2Role"))},
	})
	nag.Suppress(h.InstanceRole, "AwsSolutions-IAM4",
		"AmazonEC2ContainerServiceforEC2Role is the instance role AWS Batch documents for ECS container instances; AWS maintains it as the ECS agent's needs change.",
		"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role")
	if h.EFS != nil {
		// IAM-authorized mount as root (instances mount /efs for every job).
		h.EFS.GrantRootAccess(h.InstanceRole)
	}

	h.LaunchTemplate = h.newLaunchTemplate("LaunchTemplate", false)
	h.PlacementGroup = awsec2.NewPlacementGroup(h.Construct, jsii.String("PlacementGroup"), &awsec2.PlacementGroupProps{
		Strategy: awsec2.PlacementGroupStrategy_CLUSTER,
	})
	odTemplate := h.LaunchTemplate
	if c.EFA {
		h.EFALaunchTemplate = h.newLaunchTemplate("EFALaunchTemplate", true)
		odTemplate = h.EFALaunchTemplate
	}

	h.amis = map[awsbatch.ManagedEc2EcsComputeEnvironment]string{}
	h.imageTypes = map[awsbatch.ManagedEc2EcsComputeEnvironment][]awsbatch.EcsMachineImageType{}
	h.efaEnvironments = map[awsbatch.ManagedEc2EcsComputeEnvironment]bool{}
	if c.legacy {
		h.newDefaultQueues(odTemplate)
	} else {
		h.newQueues(odTemplate)
	}
	for _, q := range h.BatchQueues {
		for _, env := range []awsbatch.ManagedEc2EcsComputeEnvironment{q.SpotEnvironment, q.OnDemandEnvironment} {
			if env != nil && !slices.Contains(h.environments, env) {
				h.environments = append(h.environments, env)
			}
		}
	}
	for _, env := range h.environments {
		cfn := env.Node().DefaultChild().(awsbatch.CfnComputeEnvironment)
		// Pin each environment to its template's latest version, so a
		// change of the template is a change of the environment and rolls
		// out to new instances (without it, Batch keeps launching the
		// version it saw first).
		lt := h.LaunchTemplate
		if h.efaEnvironments[env] {
			lt = h.EFALaunchTemplate
			// AWS Batch refuses a compute environment that names security
			// groups beside a launch template with network interfaces
			// ("Either compute environment Security Groups or Network
			// Interfaces in Launch template are exclusively allowed"), so
			// the instances get the cluster group through the EFA
			// interface's Groups. The ENIs Batch creates for multi-node
			// containers (awsvpc) take the compute environment's groups,
			// and without any the VPC's default group: see the
			// SecurityGroup field.
			cfn.AddPropertyDeletionOverride(jsii.String("ComputeResources.SecurityGroupIds"))
		}
		cfn.AddPropertyOverride(jsii.String("ComputeResources.LaunchTemplate.Version"), lt.LatestVersionNumber())
		if ami := h.amis[env]; ami != "" {
			// Every image type of the environment boots the given AMI.
			var confs []any
			for _, img := range h.imageTypes[env] {
				confs = append(confs, map[string]any{"ImageType": string(img), "ImageIdOverride": ami})
			}
			cfn.AddPropertyOverride(jsii.String("ComputeResources.Ec2Configuration"), confs)
		}
		// Instances mount the file systems as they boot: create the
		// environments (and so any instance) only once the EFS mount
		// targets, the Lustre file system and its data repository
		// association exist.
		if h.EFS != nil {
			env.Node().AddDependency(h.EFS.MountTargetsAvailable())
		}
		if h.Lustre != nil {
			env.Node().AddDependency(h.Lustre)
		}
		if h.DataRepository != nil {
			env.Node().AddDependency(h.DataRepository)
		}
	}
}

// newDefaultQueues creates the two queues of the zero-value Props: the
// Spot environment and the shared On-Demand one (in the placement group),
// SpotQueue over both, OnDemandQueue over the On-Demand one.
func (h *HPCCluster) newDefaultQueues(odTemplate awsec2.LaunchTemplate) {
	c := h.cfg
	h.SpotEnvironment = h.newEnvironment(envSpec{id: "SpotEnvironment", spot: true, types: c.spot, maxVCPUs: c.MaxVCPUs, ami: c.AMI}, odTemplate)
	// One subnet, one AZ: multi-node nodes must share a cluster placement
	// group, which lives in one Availability Zone.
	h.OnDemandEnvironment = h.newEnvironment(envSpec{id: "OnDemandEnvironment", tight: true, types: c.onDemand, maxVCPUs: c.OnDemandMaxVCPUs, ami: c.AMI}, odTemplate)
	h.SpotQueue = awsbatch.NewJobQueue(h.Construct, jsii.String("SpotQueue"), &awsbatch.JobQueueProps{
		Priority: jsii.Number(1),
		ComputeEnvironments: &[]*awsbatch.OrderedComputeEnvironment{
			{ComputeEnvironment: h.SpotEnvironment, Order: jsii.Number(1)},
			{ComputeEnvironment: h.OnDemandEnvironment, Order: jsii.Number(2)},
		},
	})
	h.OnDemandQueue = awsbatch.NewJobQueue(h.Construct, jsii.String("OnDemandQueue"), &awsbatch.JobQueueProps{
		// Scheduled ahead of the Spot queue's overflow on the shared
		// On-Demand environment.
		Priority: jsii.Number(10),
		ComputeEnvironments: &[]*awsbatch.OrderedComputeEnvironment{
			{ComputeEnvironment: h.OnDemandEnvironment, Order: jsii.Number(1)},
		},
	})
	h.BatchQueues = []*BatchQueue{
		{Name: "spot", Queue: h.SpotQueue, SpotEnvironment: h.SpotEnvironment, OnDemandEnvironment: h.OnDemandEnvironment},
		{Name: "ondemand", Queue: h.OnDemandQueue, OnDemandEnvironment: h.OnDemandEnvironment},
	}
}

// newQueues creates Props.Queues: for each, a Spot environment, an
// On-Demand one or both (in that order), and the job queue over them. An
// ON_DEMAND queue's environment is in one subnet and the placement group
// (with EFA when Props.EFA), for tightly coupled work; a
// SPOT_THEN_ON_DEMAND queue's On-Demand environment spans every private
// subnet, for overflow.
func (h *HPCCluster) newQueues(tightTemplate awsec2.LaunchTemplate) {
	c := h.cfg
	for _, q := range c.queues {
		id := constructID(q.Name)
		bq := &BatchQueue{Name: q.Name}
		var order []*awsbatch.OrderedComputeEnvironment
		add := func(env awsbatch.ManagedEc2EcsComputeEnvironment) {
			order = append(order, &awsbatch.OrderedComputeEnvironment{ComputeEnvironment: env, Order: jsii.Number(float64(len(order) + 1))})
		}
		if q.hasSpot() {
			bq.SpotEnvironment = h.newEnvironment(envSpec{id: id + "SpotEnvironment", spot: true, types: q.types, maxVCPUs: q.MaxVCPUs, ami: c.ami(q)}, tightTemplate)
			add(bq.SpotEnvironment)
		}
		if q.hasOnDemand() {
			bq.OnDemandEnvironment = h.newEnvironment(envSpec{id: id + "OnDemandEnvironment", tight: q.Purchase == PurchaseOnDemand, types: q.types, maxVCPUs: q.MaxVCPUs, ami: c.ami(q)}, tightTemplate)
			add(bq.OnDemandEnvironment)
		}
		bq.Queue = awsbatch.NewJobQueue(h.Construct, jsii.String(id+"Queue"), &awsbatch.JobQueueProps{
			Priority:            jsii.Number(float64(q.Priority)),
			ComputeEnvironments: &order,
		})
		h.BatchQueues = append(h.BatchQueues, bq)
		if h.SpotQueue == nil && q.hasSpot() {
			h.SpotQueue, h.SpotEnvironment = bq.Queue, bq.SpotEnvironment
		}
		if h.OnDemandQueue == nil && q.Purchase == PurchaseOnDemand {
			h.OnDemandQueue, h.OnDemandEnvironment = bq.Queue, bq.OnDemandEnvironment
		}
	}
}

// envSpec is one AWS Batch compute environment of a queue.
type envSpec struct {
	id       string
	spot     bool // Spot (price-capacity-optimized); else On-Demand (best fit progressive)
	tight    bool // one subnet and the placement group, on the tight template (EFA when Props.EFA)
	types    []InstanceType
	maxVCPUs int
	ami      string // Props.AMI or the queue's; "" for the ECS-optimized AMIs
}

// newEnvironment creates the compute environment s over the cluster's
// private subnets (one of them when tight), security group, instance role
// and launch template (tightTemplate when tight), and records what
// newCompute pins on it afterwards: its AMI, image types and EFA template.
func (h *HPCCluster) newEnvironment(s envSpec, tightTemplate awsec2.LaunchTemplate) awsbatch.ManagedEc2EcsComputeEnvironment {
	props := &awsbatch.ManagedEc2EcsComputeEnvironmentProps{
		Vpc:                       h.Vpc,
		VpcSubnets:                h.privateSubnets(),
		SecurityGroups:            &[]awsec2.ISecurityGroup{h.SecurityGroup},
		AllocationStrategy:        awsbatch.AllocationStrategy_BEST_FIT_PROGRESSIVE,
		InstanceTypes:             instanceTypes(s.types),
		UseOptimalInstanceClasses: jsii.Bool(false),
		MinvCpus:                  jsii.Number(float64(h.cfg.MinVCPUs)),
		MaxvCpus:                  jsii.Number(float64(s.maxVCPUs)),
		Images:                    images(s.types),
		InstanceRole:              h.InstanceRole,
		LaunchTemplate:            h.LaunchTemplate,
		// Infrastructure updates let running jobs finish.
		TerminateOnUpdate: jsii.Bool(false),
	}
	if s.spot {
		props.Spot = jsii.Bool(true)
		props.AllocationStrategy = awsbatch.AllocationStrategy_SPOT_PRICE_CAPACITY_OPTIMIZED
	}
	if s.tight {
		props.VpcSubnets = &awsec2.SubnetSelection{Subnets: &[]awsec2.ISubnet{h.tightSubnet()}}
		props.PlacementGroup = h.PlacementGroup
		props.LaunchTemplate = tightTemplate
	}
	env := awsbatch.NewManagedEc2EcsComputeEnvironment(h.Construct, jsii.String(s.id), props)
	h.amis[env] = s.ami
	h.imageTypes[env] = imageTypes(s.types)
	h.efaEnvironments[env] = s.tight && h.cfg.EFA
	return env
}

// constructID turns a queue name into the prefix of its construct IDs:
// "gpu" is "Gpu".
func constructID(name string) string {
	return strings.ToUpper(name[:1]) + name[1:]
}

// imageTypes are the ECS-optimized image types an environment of types
// needs: Amazon Linux 2023 for CPU types, its NVIDIA variant for GPU types
// (AWS Batch picks per instance type).
func imageTypes(types []InstanceType) []awsbatch.EcsMachineImageType {
	gpu := slices.ContainsFunc(types, InstanceType.GPU)
	cpu := slices.ContainsFunc(types, func(t InstanceType) bool { return !t.GPU() })
	var out []awsbatch.EcsMachineImageType
	if cpu || !gpu {
		out = append(out, awsbatch.EcsMachineImageType_ECS_AL2023)
	}
	if gpu {
		out = append(out, awsbatch.EcsMachineImageType_ECS_AL2023_NVIDIA)
	}
	return out
}

func images(types []InstanceType) *[]*awsbatch.EcsMachineImage {
	var out []*awsbatch.EcsMachineImage
	for _, t := range imageTypes(types) {
		out = append(out, &awsbatch.EcsMachineImage{ImageType: t})
	}
	return &out
}

func instanceTypes(types []InstanceType) *[]awsec2.InstanceType {
	out := make([]awsec2.InstanceType, len(types))
	for i, t := range types {
		out[i] = awsec2.NewInstanceType(jsii.String(t.Name))
	}
	return &out
}

// newLaunchTemplate builds a launch template for the cluster's instances:
// IMDSv2 only, an encrypted gp3 root volume, termination on shutdown, and
// MIME multi-part user data (the format AWS Batch requires) that mounts the
// shared file systems and, with efa, installs the EFA driver and attaches an
// EFA interface.
func (h *HPCCluster) newLaunchTemplate(id string, efa bool) awsec2.LaunchTemplate {
	script := awsec2.UserData_ForLinux(nil)
	script.AddCommands(*jsii.Strings(h.bootCommands(efa)...)...)
	userData := awsec2.NewMultipartUserData(nil)
	userData.AddUserDataPart(script, awsec2.MultipartBody_SHELL_SCRIPT(), jsii.Bool(true))

	lt := awsec2.NewLaunchTemplate(h.Construct, jsii.String(id), &awsec2.LaunchTemplateProps{
		RequireImdsv2:           jsii.Bool(true),
		HttpTokens:              awsec2.LaunchTemplateHttpTokens_REQUIRED,
		HttpPutResponseHopLimit: jsii.Number(1),
		// A node that cannot mount the file systems shuts itself down (see
		// bootCommands): terminate it, so its compute environment launches
		// a replacement instead of keeping a stopped instance.
		InstanceInitiatedShutdownBehavior: awsec2.InstanceInitiatedShutdownBehavior_TERMINATE,
		BlockDevices: &[]*awsec2.BlockDevice{{
			DeviceName: jsii.String("/dev/xvda"),
			Volume: awsec2.BlockDeviceVolume_Ebs(jsii.Number(float64(h.cfg.RootVolumeGiB)), &awsec2.EbsDeviceOptions{
				VolumeType:          awsec2.EbsDeviceVolumeType_GP3,
				Encrypted:           jsii.Bool(true),
				DeleteOnTermination: jsii.Bool(true),
			}),
		}},
		UserData: userData,
	})
	if efa {
		// The interface carries the cluster group: the compute environment
		// may name none beside it (see newCompute).
		cfn := lt.Node().DefaultChild().(awsec2.CfnLaunchTemplate)
		cfn.AddPropertyOverride(jsii.String("LaunchTemplateData.NetworkInterfaces"), []any{map[string]any{
			"DeviceIndex":         0,
			"NetworkCardIndex":    0,
			"InterfaceType":       "efa",
			"Groups":              []any{h.SecurityGroup.SecurityGroupId()},
			"DeleteOnTermination": true,
			"Description":         "EFA of " + *h.Node().Path(),
		}})
	}
	return lt
}

// Boot-script helpers. retry runs a command up to BootAttempts times, waiting
// longer after each failure (15 s, 30 s, ...: about 2.5 minutes in all, for
// mount targets and package mirrors that are not reachable yet); fail shuts
// the instance down, which terminates it (the launch template's shutdown
// behavior), so that AWS Batch replaces it rather than run jobs on a node
// without its file systems: the ECS agent, which starts after the script,
// would otherwise register the node and every job placed on it would fail
// the job script's mount check, and not be retried.
const (
	BootAttempts = 5
	bootRetry    = `retry() { for n in $(seq 1 %d); do "$@" && return 0; echo "gureum boot: attempt $n of $*: failed" >&2; [ "$n" -lt %d ] && sleep $((n * 15)); done; return 1; }`
	bootFail     = `fail() { echo "gureum boot: $*: shutting down so that %s replaces this instance" >&2; shutdown -h now; exit 1; }`
)

// bootCommands mount the file systems before the ECS agent starts (it starts
// after cloud-init's final stage), so every container sees them. Every step
// that can fail retries (network) or fails the node (see fail).
func (h *HPCCluster) bootCommands(efa bool) []string {
	cmds := []string{
		"set -uxo pipefail",
		fmt.Sprintf(bootRetry, BootAttempts, BootAttempts),
		fmt.Sprintf(bootFail, h.scheduler()),
	}
	var pkgs []string
	if h.EFS != nil {
		pkgs = append(pkgs, "amazon-efs-utils")
	}
	if h.Lustre != nil {
		pkgs = append(pkgs, "lustre-client")
	}
	list := strings.Join(pkgs, " ")
	cmds = append(cmds, fmt.Sprintf("retry dnf install -y -q %s || fail 'installing %s failed'", list, list))
	mount := func(path, fstab string) {
		shared := path + "/" + SharedDirName
		cmds = append(cmds,
			fmt.Sprintf("mkdir -p %s || fail 'mkdir %s failed'", path, path),
			fmt.Sprintf("echo '%s' >> /etc/fstab || fail 'writing /etc/fstab failed'", fstab),
			fmt.Sprintf("retry mount %s || fail 'mounting %s failed'", path, path),
			fmt.Sprintf("mkdir -p %s && chmod 1777 %s || fail 'creating %s failed'", shared, shared, shared),
		)
	}
	if h.EFS != nil {
		// TLS in transit, IAM-authorized with the instance role.
		mount(EFSMountPath, fmt.Sprintf("%s:/ %s efs _netdev,noresvport,tls,iam 0 0", *h.EFS.FileSystemId(), EFSMountPath))
	}
	if h.Lustre != nil {
		mount(LustreMountPath, fmt.Sprintf("%s@tcp:/%s %s lustre defaults,relatime,flock,_netdev 0 0",
			*h.Lustre.DnsName(), *h.Lustre.MountName(), LustreMountPath))
	}
	if efa {
		// The pinned release, checked against its published SHA-256.
		cmds = append(cmds,
			"retry curl -fsSL -o /tmp/efa.tar.gz "+EFAInstallerURL+" || fail 'downloading the EFA installer failed'",
			fmt.Sprintf("echo '%s  /tmp/efa.tar.gz' | sha256sum -c - || fail 'the EFA installer %s does not match its SHA-256'", EFAInstallerSHA256, EFAInstallerVersion),
			"tar -xzf /tmp/efa.tar.gz -C /tmp || fail 'unpacking the EFA installer failed'",
			"(cd /tmp/aws-efa-installer && retry ./efa_installer.sh -y --minimal) || fail 'installing EFA failed'",
		)
	}
	cmds = append(cmds, h.slurmBootCommands()...)
	// Props.BootstrapCommands, each in a subshell (an exit ends only it),
	// each failing the node.
	for i, cmd := range h.cfg.BootstrapCommands {
		cmds = append(cmds, fmt.Sprintf("( %s ) || fail 'bootstrap command %d failed'", cmd, i+1))
	}
	return cmds
}

// scheduler names the service that replaces a failed node.
func (h *HPCCluster) scheduler() string {
	if h.cfg.Mode == ModeSlurm {
		return "AWS PCS"
	}
	return "AWS Batch"
}
