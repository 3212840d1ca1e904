package hpccluster

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/constructs-go/constructs/v10"

	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

// reserved are the environment variables the construct sets on every job.
var reserved = []string{"SHARED_DIR", "DATA_BUCKET", "RESULT_PREFIX", "WORKLOAD_URL", "WORKLOAD_ARGS", "AWS_REGION", "AWS_DEFAULT_REGION"}

// Validate reports every invalid prop of an HPCCluster that would be created
// as id under scope, without creating anything.
func Validate(scope constructs.Construct, id string, props *Props) error {
	_, err := resolve(scope, id, props)
	return err
}

// resolve applies the defaults and reports every invalid prop at once.
func resolve(scope constructs.Construct, id string, p *Props) (*config, error) {
	v := validate.New("hpccluster", scope, id)
	if p == nil {
		v.Addf("Props", "must not be nil: at least Workload.Entry is required")
		return nil, v.Err()
	}
	c := withDefaults(p)
	if err := golambda.CheckEntry(p.Workload.Entry); err != nil {
		v.Addf("Workload.Entry", "%v", err)
	}
	for k := range p.Workload.Environment {
		v.Check(!slices.Contains(reserved, k), "Workload.Environment", "%s is set by the construct", k)
		v.Check(!strings.HasPrefix(k, "AWS_BATCH"), "Workload.Environment", "%s: AWS Batch reserves names starting with AWS_BATCH", k)
	}
	rp := c.Workload.ResultPrefix
	v.Check(!strings.HasPrefix(rp, "/") && !strings.HasSuffix(rp, "/") && !strings.Contains(rp, "//") && !strings.Contains(rp, "*"),
		"Workload.ResultPrefix", "%q must not start or end with '/', contain '//' or '*'", rp)
	v.Check(rp != DataPrefix && !strings.HasPrefix(rp, DataPrefix+"/"), "Workload.ResultPrefix",
		"%q is inside the %q prefix the Lustre file system imports from; pick another", rp, DataPrefix)

	// Compute.
	spot, spotArch, ok := expand(v, "InstanceTypes", c.InstanceTypes)
	if ok {
		c.spot, c.arch = spot, spotArch
		var noSpot []string
		for _, t := range spot {
			if !t.SpotAvailable() {
				noSpot = append(noSpot, t.Name)
			}
		}
		v.Check(len(noSpot) == 0, "InstanceTypes", "%s %s not offered as Spot (HPC instances are On-Demand only); list them in OnDemandInstanceTypes",
			strings.Join(noSpot, ", "), plural(len(noSpot), "is", "are"))
	}
	if c.OnDemandInstanceTypes == nil {
		if ok {
			c.onDemand = spot
			if c.EFA {
				c.onDemand = nil
				for _, t := range spot {
					if t.EFA {
						c.onDemand = append(c.onDemand, t)
					}
				}
				v.Check(len(c.onDemand) > 0, "EFA", "none of InstanceTypes supports EFA: set OnDemandInstanceTypes to EFA-capable types (%s)", efaTypes(spotArch))
			}
		}
	} else if od, odArch, odOK := expand(v, "OnDemandInstanceTypes", c.OnDemandInstanceTypes); odOK {
		c.onDemand = od
		if ok {
			v.Check(odArch == spotArch, "OnDemandInstanceTypes", "are %s but InstanceTypes are %s: both environments serve the Spot queue and AWS Batch does not mix architectures in one queue", odArch, spotArch)
		}
		if c.EFA {
			var lack []string
			for _, t := range od {
				if !t.EFA {
					lack = append(lack, t.Name)
				}
			}
			v.Check(len(lack) == 0, "OnDemandInstanceTypes", "EFA is set but %s %s no EFA; EFA-capable %s types: %s",
				strings.Join(lack, ", "), plural(len(lack), "has", "have"), odArch, efaTypes(odArch))
		}
	}
	v.Check(c.MinVCPUs >= 0, "MinVCPUs", "must not be negative, got %d", c.MinVCPUs)
	if v.Check(c.MaxVCPUs > 0, "MaxVCPUs", "must be positive, got %d", c.MaxVCPUs) {
		v.Check(c.MaxVCPUs >= c.MinVCPUs, "MaxVCPUs", "%d is below MinVCPUs %d", c.MaxVCPUs, c.MinVCPUs)
	}
	if v.Check(c.OnDemandMaxVCPUs > 0, "OnDemandMaxVCPUs", "must be positive, got %d", c.OnDemandMaxVCPUs) {
		v.Check(c.OnDemandMaxVCPUs >= c.MinVCPUs, "OnDemandMaxVCPUs", "%d is below MinVCPUs %d", c.OnDemandMaxVCPUs, c.MinVCPUs)
	}
	v.Check(c.RootVolumeGiB >= MinRootVolumeGiB && c.RootVolumeGiB <= MaxRootVolumeGiB, "RootVolumeGiB",
		"%d GiB is outside %d..%d (the ECS-optimized AMI needs %d GiB; gp3 holds at most %d)", c.RootVolumeGiB, MinRootVolumeGiB, MaxRootVolumeGiB, MinRootVolumeGiB, MaxRootVolumeGiB)

	// Storage.
	l := &c.Lustre
	if l.Disable {
		v.Check(l.DeploymentType == "" && l.CapacityGiB == 0 && l.ThroughputPerTiB == 0 && l.BackupRetentionDays == 0, "Lustre.Disable", "is set together with other Lustre settings")
		v.Check(!c.EFS.Disable, "EFS.Disable", "and Lustre.Disable are both set: jobs need a shared file system for SHARED_DIR")
	} else {
		v.Check(l.CapacityGiB == 1200 || (l.CapacityGiB > 0 && l.CapacityGiB%2400 == 0), "Lustre.CapacityGiB",
			"%d GiB is not 1200 or a multiple of 2400, the sizes FSx for Lustre %s accepts", l.CapacityGiB, l.DeploymentType)
		switch l.DeploymentType {
		case LustrePersistent2:
			v.Check(slices.Contains(lustrePersistent2Throughputs, l.ThroughputPerTiB), "Lustre.ThroughputPerTiB",
				"%d MB/s/TiB is not one of 125, 250, 500, 1000", l.ThroughputPerTiB)
			v.Check(l.BackupRetentionDays >= 1 && l.BackupRetentionDays <= MaxLustreBackupDays, "Lustre.BackupRetentionDays",
				"%d is outside FSx's range 1..%d days", l.BackupRetentionDays, MaxLustreBackupDays)
		case LustreScratch2:
			v.Check(l.ThroughputPerTiB == 0, "Lustre.ThroughputPerTiB", "applies to PERSISTENT_2 only: SCRATCH_2 has a fixed 200 MB/s/TiB baseline")
			v.Check(l.BackupRetentionDays == 0, "Lustre.BackupRetentionDays", "applies to PERSISTENT_2 only: SCRATCH_2 has no backups")
		default:
			v.Addf("Lustre.DeploymentType", "%q is not PERSISTENT_2 or SCRATCH_2", l.DeploymentType)
		}
	}

	// Jobs.
	j := &c.Job
	v.Check(j.VCPUs > 0, "Job.VCPUs", "must be positive, got %d", j.VCPUs)
	v.Check(j.MemoryMiB >= 4, "Job.MemoryMiB", "%d is below AWS Batch's minimum of 4 MiB", j.MemoryMiB)
	v.Check(j.Timeout >= time.Minute, "Job.Timeout", "%s is below AWS Batch's minimum of 60s", j.Timeout)
	v.Check(j.RetryAttempts >= 1 && j.RetryAttempts <= 10, "Job.RetryAttempts", "%d is outside AWS Batch's range 1..10", j.RetryAttempts)
	v.Check(j.MultiNodeNodes >= 2 && j.MultiNodeNodes <= 1000, "Job.MultiNodeNodes", "%d is outside 2..1000", j.MultiNodeNodes)
	// Every job must fit some instance of each environment: the Spot queue
	// may place it on either, multi-node and deadline jobs On-Demand only.
	if ok && j.VCPUs > 0 && j.MemoryMiB >= 4 {
		checkFits(v, "InstanceTypes", c.spot, j.VCPUs, j.MemoryMiB, "no job would ever be placed")
	}
	if c.onDemand != nil && (p.OnDemandInstanceTypes != nil || c.EFA) && j.VCPUs > 0 && j.MemoryMiB >= 4 {
		checkFits(v, "the On-Demand environment's types", c.onDemand, j.VCPUs, j.MemoryMiB, "no multi-node or On-Demand queue job would ever be placed")
	}
	if j.MultiNodeInstanceType != "" && c.onDemand != nil {
		t, found := LookupInstance(j.MultiNodeInstanceType)
		if v.Check(found && slices.ContainsFunc(c.onDemand, func(o InstanceType) bool { return o.Name == t.Name }),
			"Job.MultiNodeInstanceType", "%q is not one of the On-Demand environment's types", j.MultiNodeInstanceType) {
			v.Check(j.VCPUs <= t.VCPUs && j.MemoryMiB <= t.memoryMiB(), "Job.MultiNodeInstanceType",
				"%s (%d vCPUs, %d MiB) is smaller than a node of the job (Job.VCPUs %d, Job.MemoryMiB %d)", t.Name, t.VCPUs, t.memoryMiB(), j.VCPUs, j.MemoryMiB)
		}
	}
	// A multi-node job starts only when all its nodes run at once, all in
	// the On-Demand environment.
	if j.VCPUs > 0 && j.MultiNodeNodes >= 2 && c.OnDemandMaxVCPUs > 0 {
		need := j.MultiNodeNodes * j.VCPUs
		v.Check(need <= c.OnDemandMaxVCPUs, "Job.MultiNodeNodes", "%d nodes of %d vCPUs need %d vCPUs at once, above OnDemandMaxVCPUs %d: the multi-node job would never start",
			j.MultiNodeNodes, j.VCPUs, need, c.OnDemandMaxVCPUs)
	}

	// Network and the rest.
	n := &c.Network
	if n.ExistingVpc != nil {
		v.Check(n.NATGateways == 0 && n.MaxAZs == 0, "Network.ExistingVpc", "is set together with NATGateways or MaxAZs, which shape a new VPC")
		if err := privateSubnetsOf(n.ExistingVpc); err != nil {
			v.Addf("Network.ExistingVpc", "has no private subnets with egress (PRIVATE_WITH_EGRESS), which the instances and file systems need to reach AWS Batch, ECS and S3: %v", err)
		}
	} else {
		v.Check(n.NATGateways >= 1 && n.NATGateways <= n.MaxAZs, "Network.NATGateways", "%d is outside 1..MaxAZs (%d): private subnets need egress to AWS Batch and ECS", n.NATGateways, n.MaxAZs)
		v.Check(n.MaxAZs >= 1, "Network.MaxAZs", "must be positive, got %d", n.MaxAZs)
	}

	// Queue metrics.
	q := &c.QueueMetrics
	if q.Disable {
		v.Check(q.Entry == "" && q.StalledAfter == 0, "QueueMetrics.Disable", "is set together with other QueueMetrics settings")
	} else {
		if err := golambda.CheckEntry(q.Entry); err != nil {
			v.Addf("QueueMetrics.Entry", "%v", err)
		}
		v.Check(q.StalledAfter >= MinStalledAfter && q.StalledAfter <= MaxStalledAfter && q.StalledAfter%StalledPeriod == 0, "QueueMetrics.StalledAfter",
			"%s is not a multiple of %s from %s to %s", q.StalledAfter, StalledPeriod, MinStalledAfter, MaxStalledAfter)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// checkFits reports a job of vcpus and mib that no type of the list can hold.
func checkFits(v *validate.Problems, prop string, types []InstanceType, vcpus, mib int, consequence string) {
	var largest, roomiest InstanceType
	for _, t := range types {
		if t.VCPUs > largest.VCPUs {
			largest = t
		}
		if t.VCPUs >= vcpus && t.memoryMiB() > roomiest.memoryMiB() {
			roomiest = t
		}
	}
	switch {
	case vcpus > largest.VCPUs:
		v.Addf("Job.VCPUs", "%d exceeds the largest instance type in %s (%s, %d vCPUs): %s", vcpus, prop, largest.Name, largest.VCPUs, consequence)
	case mib > roomiest.memoryMiB():
		v.Addf("Job.MemoryMiB", "%d MiB exceeds what any type in %s with %d or more vCPUs offers (%s, %d MiB, of which the OS and ECS agent keep some): %s",
			mib, prop, vcpus, roomiest.Name, roomiest.memoryMiB(), consequence)
	}
}

// privateSubnetsOf reports why vpc has no PRIVATE_WITH_EGRESS subnet to
// select, or nil.
func privateSubnetsOf(vpc awsec2.IVpc) (err error) {
	defer func() {
		if r := recover(); r != nil {
			msg := strings.TrimPrefix(strings.SplitN(fmt.Sprint(r), "\n", 2)[0], "Error: ")
			err = fmt.Errorf("%s", msg)
		}
	}()
	sel := vpc.SelectSubnets(&awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS})
	if sel.Subnets == nil || len(*sel.Subnets) == 0 {
		return fmt.Errorf("the VPC lists none")
	}
	return nil
}

// expand resolves one instance list and checks it is non-empty and of one
// architecture.
func expand(v *validate.Problems, prop string, names []string) ([]InstanceType, Arch, bool) {
	if len(names) == 0 {
		v.Addf(prop, "is empty: list at least one instance type or family")
		return nil, "", false
	}
	types, err := ExpandInstanceTypes(names)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			v.Addf(prop, "%s", strings.TrimPrefix(line, "hpccluster: "))
		}
		return nil, "", false
	}
	byArch := map[Arch][]string{}
	for _, t := range types {
		byArch[t.Arch] = append(byArch[t.Arch], t.Name)
	}
	if len(byArch) > 1 {
		v.Addf(prop, "mixes architectures (arm64: %s; x86_64: %s): an AWS Batch compute environment runs one architecture's AMI, so list one",
			strings.Join(byArch[ArchARM64], ", "), strings.Join(byArch[ArchX86_64], ", "))
		return nil, "", false
	}
	return types, types[0].Arch, true
}

func efaTypes(arch Arch) string {
	var out []string
	for _, t := range catalog {
		if t.EFA && t.Arch == arch {
			out = append(out, t.Name)
		}
	}
	return strings.Join(out, ", ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// goarch is the Go architecture of the cluster's instances.
func (c *config) goarch() string {
	if c.arch == ArchX86_64 {
		return "amd64"
	}
	return "arm64"
}

// sharedDir is SHARED_DIR: on Lustre when there is one, else on EFS.
func (c *config) sharedDir() string {
	if !c.Lustre.Disable {
		return LustreMountPath + "/" + SharedDirName
	}
	return EFSMountPath + "/" + SharedDirName
}
