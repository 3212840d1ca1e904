package hpccluster

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
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
	v.Check(c.Mode == ModeBatch || c.Mode == ModeSlurm, "Mode", "%q is not BATCH or SLURM", c.Mode)
	ok := false
	if c.legacy {
		spot, spotArch, spotOK := expand(v, "InstanceTypes", c.InstanceTypes)
		ok = spotOK
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
		c.queues = []queueConfig{
			{Queue: Queue{Name: "spot", Purchase: PurchaseSpotThenOnDemand, Priority: DefaultSpotPriority, MaxVCPUs: c.MaxVCPUs}, types: c.spot},
			{Queue: Queue{Name: "ondemand", Purchase: PurchaseOnDemand, Priority: DefaultOnDemandPriority, MaxVCPUs: c.OnDemandMaxVCPUs}, types: c.onDemand},
		}
	} else {
		ok = resolveQueues(v, c, p)
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
	fitsChecked := j.VCPUs > 0 && j.MemoryMiB >= 4
	if c.legacy {
		if ok && fitsChecked && allKnown(c.spot) {
			checkFits(v, "InstanceTypes", c.spot, j.VCPUs, j.MemoryMiB, "no job would ever be placed")
		}
		if c.onDemand != nil && (p.OnDemandInstanceTypes != nil || c.EFA) && fitsChecked && allKnown(c.onDemand) {
			checkFits(v, "the On-Demand environment's types", c.onDemand, j.VCPUs, j.MemoryMiB, "no multi-node or On-Demand queue job would ever be placed")
		}
	} else if ok && fitsChecked {
		for _, q := range c.queues {
			if allKnown(q.types) && !q.gpu() {
				checkFits(v, "queue "+q.Name+"'s types", q.types, j.VCPUs, j.MemoryMiB, "no job of queue "+q.Name+" would ever be placed")
			}
		}
	}
	odMax := c.OnDemandMaxVCPUs
	if !c.legacy {
		c.onDemand, odMax = nil, 0
		for _, q := range c.queues {
			if q.Purchase == PurchaseOnDemand {
				c.onDemand = append(c.onDemand, q.types...)
				odMax = max(odMax, q.MaxVCPUs)
			}
		}
	}
	if j.MultiNodeInstanceType != "" && c.onDemand != nil {
		t, err := ParseInstanceType(j.MultiNodeInstanceType)
		if v.Check(err == nil && slices.ContainsFunc(c.onDemand, func(o InstanceType) bool { return o.Name == t.Name }),
			"Job.MultiNodeInstanceType", "%q is not one of the On-Demand environment's types", j.MultiNodeInstanceType) && t.Known() {
			v.Check(j.VCPUs <= t.VCPUs && j.MemoryMiB <= t.memoryMiB(), "Job.MultiNodeInstanceType",
				"%s (%d vCPUs, %d MiB) is smaller than a node of the job (Job.VCPUs %d, Job.MemoryMiB %d)", t.Name, t.VCPUs, t.memoryMiB(), j.VCPUs, j.MemoryMiB)
		}
	}
	// A multi-node job starts only when all its nodes run at once, all in
	// the On-Demand environment.
	if c.Mode == ModeBatch && j.VCPUs > 0 && j.MultiNodeNodes >= 2 && odMax > 0 {
		need := j.MultiNodeNodes * j.VCPUs
		what := "OnDemandMaxVCPUs"
		if !c.legacy {
			what = "the largest On-Demand queue's MaxVCPUs"
		}
		v.Check(need <= odMax, "Job.MultiNodeNodes", "%d nodes of %d vCPUs need %d vCPUs at once, above %s %d: the multi-node job would never start",
			j.MultiNodeNodes, j.VCPUs, need, what, odMax)
	}
	checkGPUs(v, c, p)
	checkImage(v, c, p)
	checkFallback(v, c, p)
	checkSlurm(v, c, p)

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

	// Job-state events.
	if r := p.JobEventsRetry; c.Mode == ModeSlurm {
		v.Check(r == (EventRetry{}), "JobEventsRetry", "applies to Batch mode: Slurm mode has no job-state rule")
	} else {
		v.Check(r.MaxEventAge == 0 || (r.MaxEventAge >= time.Minute && r.MaxEventAge <= 24*time.Hour && r.MaxEventAge%time.Second == 0),
			"JobEventsRetry.MaxEventAge", "%v must be whole seconds from 1 minute to 24 hours (EventBridge's limits)", r.MaxEventAge)
		v.Check(r.RetryAttempts >= 0 && r.RetryAttempts <= MaxEventRetryAttempts, "JobEventsRetry.RetryAttempts",
			"%d must be from 0 (the default, %d) to %d (EventBridge's limit)", r.RetryAttempts, DefaultEventRetryAttempts, MaxEventRetryAttempts)
	}

	// Queue metrics.
	q := &c.QueueMetrics
	if c.Mode == ModeSlurm {
		q.Disable = true
	}
	if q.Disable && c.Mode == ModeBatch {
		v.Check(q.Entry == "" && q.StalledAfter == 0, "QueueMetrics.Disable", "is set together with other QueueMetrics settings")
	} else if !q.Disable {
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

// amiShape is an EC2 image ID.
var amiShape = regexp.MustCompile(`^ami-([0-9a-f]{8}|[0-9a-f]{17})$`)

// queueName is a queue's name: a Slurm partition name that also reads as a
// CloudWatch metric-math ID and a construct ID.
var queueName = regexp.MustCompile(`^[a-z][a-z0-9]{0,14}$`)

// resolveQueues checks Props.Queues and expands their types into c.queues;
// it reports whether every queue's types resolved, in one architecture.
func resolveQueues(v *validate.Problems, c *config, p *Props) bool {
	v.Check(p.InstanceTypes == nil && p.OnDemandInstanceTypes == nil && p.MaxVCPUs == 0 && p.OnDemandMaxVCPUs == 0, "Queues",
		"is set together with InstanceTypes, OnDemandInstanceTypes, MaxVCPUs or OnDemandMaxVCPUs, which shape the default queues: give each queue its own")
	if !v.Check(len(c.queues) > 0, "Queues", "is empty: list at least one queue, or leave it nil for the default queues") {
		return false
	}
	v.Check(len(c.queues) <= MaxQueues, "Queues", "has %d queues, more than %d", len(c.queues), MaxQueues)
	v.Check(c.MinVCPUs >= 0, "MinVCPUs", "must not be negative, got %d", c.MinVCPUs)
	ok := true
	seen := map[string]bool{}
	archs := map[Arch][]string{}
	for i := range c.queues {
		q := &c.queues[i]
		prop := fmt.Sprintf("Queues[%d]", i)
		if v.Check(queueName.MatchString(q.Name), prop+".Name", "%q is not 1 to 15 lower-case letters and digits starting with a letter", q.Name) {
			v.Check(!seen[q.Name], prop+".Name", "%q names two queues", q.Name)
			seen[q.Name] = true
		}
		v.Check(q.Purchase == PurchaseSpot || q.Purchase == PurchaseOnDemand || q.Purchase == PurchaseSpotThenOnDemand, prop+".Purchase",
			"%q is not SPOT, ON_DEMAND or SPOT_THEN_ON_DEMAND", q.Purchase)
		v.Check(q.Priority >= 0, prop+".Priority", "must not be negative, got %d", q.Priority)
		if q.AMI != "" {
			v.Check(amiShape.MatchString(q.AMI), prop+".AMI", "%q is not an AMI ID (ami- and 8 or 17 hex digits)", q.AMI)
		}
		var raw Queue // as given: the defaults set no MaxVCPUs or MaxInstances of the other mode
		if i < len(p.Queues) {
			raw = p.Queues[i]
		}
		if c.Mode == ModeSlurm {
			v.Check(raw.MaxVCPUs == 0, prop+".MaxVCPUs", "applies to Batch mode; a Slurm node group is capped by MaxInstances")
			v.Check(q.MaxInstances >= 1 && q.MaxInstances <= 1000, prop+".MaxInstances", "%d is outside 1..1000", q.MaxInstances)
		} else {
			v.Check(raw.MaxInstances == 0, prop+".MaxInstances", "applies to Slurm mode; a Batch compute environment is capped by MaxVCPUs")
			if v.Check(q.MaxVCPUs > 0, prop+".MaxVCPUs", "must be positive, got %d", q.MaxVCPUs) {
				v.Check(q.MaxVCPUs >= c.MinVCPUs, prop+".MaxVCPUs", "%d is below MinVCPUs %d", q.MaxVCPUs, c.MinVCPUs)
			}
		}
		types, arch, tok := expand(v, prop+".InstanceTypes", q.InstanceTypes)
		if !tok {
			ok = false
			continue
		}
		q.types = types
		archs[arch] = append(archs[arch], q.Name)
		if q.hasSpot() {
			var noSpot []string
			for _, t := range types {
				if !t.SpotAvailable() {
					noSpot = append(noSpot, t.Name)
				}
			}
			v.Check(len(noSpot) == 0, prop+".InstanceTypes", "%s %s not offered as Spot (HPC instances are On-Demand only): make the queue ON_DEMAND",
				strings.Join(noSpot, ", "), plural(len(noSpot), "is", "are"))
		}
		if c.EFA && q.Purchase == PurchaseOnDemand {
			var lack []string
			for _, t := range types {
				if !t.EFA {
					lack = append(lack, t.Name)
				}
			}
			v.Check(len(lack) == 0, prop+".InstanceTypes", "EFA is set but %s %s no EFA (or, outside the catalog, no known EFA support); EFA-capable %s types: %s",
				strings.Join(lack, ", "), plural(len(lack), "has", "have"), arch, efaTypes(arch))
		}
		if c.Mode == ModeSlurm {
			var families []string
			for _, n := range q.InstanceTypes {
				if !strings.Contains(n, ".") {
					families = append(families, n)
				}
			}
			// "Your AWS PCS compute node groups must contain instances that
			// have the same number of vCPUs, processor architecture, and EFA
			// support" (AWS PCS User Guide, Create or update compute node
			// groups for EFA). One architecture is checked cluster-wide;
			// Slurm mode attaches no EFA.
			vcpus := map[int][]string{}
			for _, t := range types {
				if t.Known() {
					vcpus[t.VCPUs] = append(vcpus[t.VCPUs], t.Name)
				}
			}
			v.Check(len(families) == 0, prop+".InstanceTypes", "lists families (%s): AWS PCS takes instance types only", strings.Join(families, ", "))
			v.Check(len(vcpus) <= 1, prop+".InstanceTypes", "mixes vCPU counts (%s): a node group's nodes share one CPU count in Slurm; give each count its own queue", vcpuList(vcpus))
		}
	}
	if c.EFA && c.Mode == ModeBatch {
		v.Check(slices.ContainsFunc(c.queues, func(q queueConfig) bool { return q.Purchase == PurchaseOnDemand }), "EFA",
			"is set but no queue is ON_DEMAND: EFA goes to ON_DEMAND queues' instances (in the placement group)")
	}
	if len(archs) > 1 {
		v.Addf("Queues", "mix architectures (arm64: %s; x86_64: %s): the workload is built for one; give every queue types of one architecture",
			strings.Join(archs[ArchARM64], ", "), strings.Join(archs[ArchX86_64], ", "))
		return false
	}
	for a := range archs {
		c.arch = a
	}
	return ok
}

func vcpuList(m map[int][]string) string {
	var counts []int
	for n := range m {
		counts = append(counts, n)
	}
	sort.Ints(counts)
	var out []string
	for _, n := range counts {
		out = append(out, fmt.Sprintf("%d: %s", n, strings.Join(m[n], ", ")))
	}
	return strings.Join(out, "; ")
}

func allKnown(types []InstanceType) bool {
	for _, t := range types {
		if !t.Known() {
			return false
		}
	}
	return len(types) > 0
}

// checkGPUs checks Job.GPUs against the queues' GPU types, and that GPU
// types have an image to run on.
func checkGPUs(v *validate.Problems, c *config, p *Props) {
	maxGPUs, gpuQueues, known := 0, 0, true
	reported := map[string]bool{}
	for _, q := range c.queues {
		for _, t := range q.types {
			if !t.GPU() {
				continue
			}
			if t.Known() {
				maxGPUs = max(maxGPUs, t.GPUs)
			} else {
				known = false
			}
			if t.Arch == ArchARM64 && c.Mode == ModeBatch && c.ami(q) == "" && !reported[t.Name] {
				reported[t.Name] = true
				v.Addf("Queues", "%s is a Graviton GPU type: AWS Batch's ECS GPU-optimized images are x86_64 only; give the queue an AMI", t.Name)
			}
		}
		if q.gpu() {
			gpuQueues++
		}
	}
	if p.Job.GPUs == 0 {
		return
	}
	if !v.Check(p.Job.GPUs > 0, "Job.GPUs", "must be positive, got %d", p.Job.GPUs) {
		return
	}
	if !v.Check(gpuQueues > 0, "Job.GPUs", "is set but no queue lists a GPU type (families %s)", strings.Join(GPUFamilies, ", ")) {
		return
	}
	if known {
		v.Check(p.Job.GPUs <= maxGPUs, "Job.GPUs", "%d exceeds the largest GPU count of the queues' types (%d): no GPU job would ever be placed", p.Job.GPUs, maxGPUs)
	}
}

// checkImage checks the AMI and the bootstrap commands.
func checkImage(v *validate.Problems, c *config, p *Props) {
	if c.AMI != "" {
		v.Check(amiShape.MatchString(c.AMI), "AMI", "%q is not an AMI ID (ami- and 8 or 17 hex digits)", c.AMI)
	}
	total := 0
	for i, cmd := range c.BootstrapCommands {
		prop := fmt.Sprintf("BootstrapCommands[%d]", i)
		v.Check(strings.TrimSpace(cmd) != "", prop, "is empty")
		v.Check(!strings.ContainsAny(cmd, "\n\r\x00"), prop, "holds a newline or NUL: give one command per entry (the node shuts down when an entry fails)")
		total += len(cmd)
	}
	v.Check(total <= MaxBootstrapBytes, "BootstrapCommands", "hold %d bytes, above %d: EC2 takes 16 KB of user data, mounts included; fetch a script from S3 instead", total, MaxBootstrapBytes)
}

// checkFallback checks SpotFallback.
func checkFallback(v *validate.Problems, c *config, p *Props) {
	f := &c.SpotFallback
	if !f.Enable {
		v.Check(f.After == 0 && f.From == "" && f.To == "" && f.Entry == "", "SpotFallback", "has settings but Enable is false")
		return
	}
	if !v.Check(c.Mode == ModeBatch, "SpotFallback.Enable", "applies to Batch mode: in Slurm mode, put a Spot and an On-Demand node group in one partition (SPOT_THEN_ON_DEMAND)") {
		return
	}
	v.Check(f.After >= MinFallbackAfter && f.After <= MaxFallbackAfter && f.After%time.Minute == 0, "SpotFallback.After",
		"%s is not whole minutes from %s to %s", f.After, MinFallbackAfter, MaxFallbackAfter)
	if err := golambda.CheckEntry(f.Entry); err != nil {
		v.Addf("SpotFallback.Entry", "%v", err)
	}
	find := func(name string) (queueConfig, bool) {
		for _, q := range c.queues {
			if q.Name == name {
				return q, true
			}
		}
		return queueConfig{}, false
	}
	if f.From == "" {
		for _, q := range c.queues {
			if q.hasSpot() {
				f.From = q.Name
				break
			}
		}
	}
	if f.To == "" {
		for _, q := range c.queues {
			if q.Purchase == PurchaseOnDemand {
				f.To = q.Name
				break
			}
		}
	}
	from, fromOK := find(f.From)
	if v.Check(fromOK, "SpotFallback.From", "%q is not a queue of the cluster", f.From) {
		v.Check(from.hasSpot(), "SpotFallback.From", "queue %q has no Spot capacity", f.From)
	}
	to, toOK := find(f.To)
	if v.Check(toOK, "SpotFallback.To", "%q is not a queue of the cluster (with Props.Queues, list an ON_DEMAND queue)", f.To) {
		v.Check(to.Purchase == PurchaseOnDemand, "SpotFallback.To", "queue %q is not ON_DEMAND: a moved job could land on Spot again", f.To)
		v.Check(f.To != f.From, "SpotFallback.To", "is the From queue %q", f.From)
	}
}

// checkSlurm checks Slurm mode's props, and that the other mode's are unset.
func checkSlurm(v *validate.Problems, c *config, p *Props) {
	s := &c.Slurm
	if c.Mode != ModeSlurm {
		v.Check(*s == (Slurm{}), "Slurm", "is set but Mode is not SLURM")
		return
	}
	v.Check(slices.Contains(SlurmVersions, s.Version), "Slurm.Version", "%q is not one AWS PCS runs (%s)", s.Version, strings.Join(SlurmVersions, ", "))
	v.Check(slices.Contains(SlurmSizes, s.Size), "Slurm.Size", "%q is not SMALL, MEDIUM or LARGE", s.Size)
	v.Check(s.ScaleDownIdle >= time.Minute && s.ScaleDownIdle <= 24*time.Hour && s.ScaleDownIdle%time.Second == 0, "Slurm.ScaleDownIdle",
		"%s is not whole seconds from 1m0s to 24h0m0s", s.ScaleDownIdle)
	for _, q := range c.queues {
		if c.ami(q) == "" {
			v.Addf("AMI", "is required in Slurm mode (queue %s has none): AWS PCS has no default image; build one with the AWS PCS agent and Slurm %s, or use an AWS PCS sample AMI", q.Name, s.Version)
			break
		}
	}
	if c.AMI == "" {
		v.Addf("AMI", "is required in Slurm mode for the login node: AWS PCS has no default image")
	}
	if s.LoginInstanceType == "" {
		s.LoginInstanceType = DefaultLoginInstanceType
		if c.arch == ArchX86_64 {
			s.LoginInstanceType = DefaultLoginInstanceTypeX86
		}
	} else if t, err := ParseInstanceType(s.LoginInstanceType); err != nil {
		v.Addf("Slurm.LoginInstanceType", "%s", strings.TrimPrefix(err.Error(), "hpccluster: "))
	} else if c.arch != "" {
		v.Check(t.Arch == c.arch, "Slurm.LoginInstanceType", "%s is %s but the queues are %s: the login node runs the same image and workload", t.Name, t.Arch, c.arch)
	}
	// Batch mode's props.
	v.Check(!c.EFA, "EFA", "applies to Batch mode: Slurm mode adds no EFA interfaces to its node groups")
	v.Check(p.QueueMetrics == (QueueMetrics{}), "QueueMetrics", "applies to Batch mode (it counts AWS Batch jobs)")
	v.Check(p.Job.MultiNodeNodes == 0 && p.Job.MultiNodeInstanceType == "", "Job.MultiNodeNodes", "applies to Batch mode: in Slurm, ask sbatch for --nodes")
	v.Check(p.Job.Image == "", "Job.Image", "applies to Batch mode: Slurm jobs run on the nodes' image (AMI)")
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
