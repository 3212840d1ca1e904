package hpccluster_test

import (
	"errors"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/hpccluster"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/validate"
	"github.com/gureum-cdk/gureum/functions/batchmetrics"
)

const workload = "../../functions/montecarlo/run"

// fixture is one app with two stacks: a cluster with nothing but its
// workload, and a tightly coupled x86 cluster with EFA, SCRATCH_2, a larger
// root volume, no queue metrics, its data bucket on an existing key, its
// logs on a key of the app and its job-state events' own retries.
type fixture struct {
	defaults, tight       awscdk.Stack
	cluster, tightCluster *hpccluster.HPCCluster
	tpl, tightTpl         *cdktest.Template
	// queues: x86 queues of their own (one with GPUs and a custom AMI),
	// bootstrap commands and the Spot fallback.
	queues        awscdk.Stack
	queuesCluster *hpccluster.HPCCluster
	queuesTpl     *cdktest.Template
	// slurm: Slurm mode on AWS PCS, with its default queues and accounting.
	slurm        awscdk.Stack
	slurmCluster *hpccluster.HPCCluster
	slurmTpl     *cdktest.Template
	// The LogEncryptionKey of the tight, queues and Slurm clusters.
	tightLogKey, queuesLogKey, slurmLogKey awskms.Key
}

// tightDataKey is the tight cluster's ExistingKey.
const tightDataKey = "arn:aws:kms:ap-northeast-2:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"

// queuesAMI is the queues fixture's GPU queue image.
const queuesAMI = "ami-0123456789abcdef0"

var (
	fixOnce sync.Once
	fix     *fixture
)

func setup(t *testing.T) *fixture {
	t.Helper()
	fixOnce.Do(func() {
		f := &fixture{}
		f.defaults = cdktest.NewStack("Defaults")
		f.cluster = hpccluster.New(f.defaults, "Cluster", &hpccluster.Props{
			Workload: hpccluster.Workload{Entry: workload},
		})
		app := f.defaults.Node().Scope().(awscdk.App)
		f.tight = awscdk.NewStack(app, jsii.String("Tight"), &awscdk.StackProps{Env: &awscdk.Environment{Account: jsii.String("123456789012"), Region: jsii.String("ap-northeast-2")}})
		f.tightLogKey = awskms.NewKey(f.tight, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		f.tightCluster = hpccluster.New(f.tight, "Cluster", &hpccluster.Props{
			Workload:              hpccluster.Workload{Entry: workload, Args: []string{"-put"}},
			InstanceTypes:         []string{"c6i", "m6i.xlarge"},
			OnDemandInstanceTypes: []string{"c5n.18xlarge", "c6i.32xlarge"},
			EFA:                   true,
			MaxVCPUs:              512,
			Lustre:                hpccluster.Lustre{DeploymentType: hpccluster.LustreScratch2, CapacityGiB: 2400},
			EFS:                   hpccluster.EFS{Disable: true},
			Job:                   hpccluster.Job{MultiNodeNodes: 4, MultiNodeInstanceType: "c5n.18xlarge"},
			RootVolumeGiB:         200,
			QueueMetrics:          hpccluster.QueueMetrics{Disable: true},
			LogEncryptionKey:      f.tightLogKey,
			ExistingKey:           awskms.Key_FromKeyArn(f.tight, jsii.String("DataKey"), jsii.String(tightDataKey)),
			JobEventsRetry:        hpccluster.EventRetry{MaxEventAge: 2 * time.Hour, RetryAttempts: 10},
		})
		// Environment-agnostic, as the reference stacks are (ARNs hold
		// <AWS::Region> and <AWS::AccountId>).
		f.queues = awscdk.NewStack(app, jsii.String("Queues"), nil)
		f.queuesLogKey = awskms.NewKey(f.queues, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		f.queuesCluster = hpccluster.New(f.queues, "Cluster", &hpccluster.Props{
			LogEncryptionKey: f.queuesLogKey,
			Workload:         hpccluster.Workload{Entry: workload},
			Queues: []hpccluster.Queue{
				{Name: "cpu", InstanceTypes: []string{"c7i", "m7i-flex.2xlarge"}, MaxVCPUs: 512},
				{Name: "gpu", InstanceTypes: []string{"g5.xlarge", "g6.2xlarge", "g6e"}, Purchase: hpccluster.PurchaseSpot, Priority: 5, AMI: queuesAMI},
				{Name: "tight", InstanceTypes: []string{"c6i.32xlarge"}, Purchase: hpccluster.PurchaseOnDemand},
			},
			BootstrapCommands: []string{"echo hello > /etc/motd", "sysctl -w vm.swappiness=10"},
			SpotFallback:      hpccluster.SpotFallback{Enable: true, After: 30 * time.Minute, From: "cpu", To: "tight"},
			Job:               hpccluster.Job{GPUs: 1},
		})
		f.slurm = awscdk.NewStack(app, jsii.String("Slurm"), nil)
		f.slurmLogKey = awskms.NewKey(f.slurm, jsii.String("LogKey"), &awskms.KeyProps{EnableKeyRotation: jsii.Bool(true)})
		f.slurmCluster = hpccluster.New(f.slurm, "Cluster", &hpccluster.Props{
			LogEncryptionKey:  f.slurmLogKey,
			Workload:          hpccluster.Workload{Entry: workload, Args: []string{"-samples", "1000000"}},
			Mode:              hpccluster.ModeSlurm,
			AMI:               queuesAMI,
			Slurm:             hpccluster.Slurm{Accounting: true},
			BootstrapCommands: []string{"echo slurm"},
		})
		f.tpl = cdktest.Synth(t, f.defaults)
		f.tightTpl = cdktest.Synth(t, f.tight)
		f.queuesTpl = cdktest.Synth(t, f.queues)
		f.slurmTpl = cdktest.Synth(t, f.slurm)
		fix = f
	})
	if fix == nil {
		t.Fatal("the fixture did not synthesize (see the first failing test)")
	}
	return fix
}

// computeEnvs splits the compute environments into Spot and EC2.
func computeEnvs(t *testing.T, tpl *cdktest.Template) (spot, ec2 map[string]any) {
	t.Helper()
	for _, r := range tpl.Resources("AWS::Batch::ComputeEnvironment") {
		cr := cdktest.Properties(r)["ComputeResources"].(map[string]any)
		switch cr["Type"] {
		case "SPOT":
			spot = cr
		case "EC2":
			ec2 = cr
		}
	}
	if spot == nil || ec2 == nil {
		t.Fatalf("want one SPOT and one EC2 compute environment")
	}
	return spot, ec2
}

func TestNoNagFindings(t *testing.T) {
	f := setup(t)
	cdktest.NoNagFindings(t, f.defaults)
	cdktest.NoNagFindings(t, f.tight)
	cdktest.NoNagFindings(t, f.queues)
	cdktest.NoNagFindings(t, f.slurm)
}

func names(types []hpccluster.InstanceType) []any {
	out := make([]any, len(types))
	for i, t := range types {
		out[i] = t.Name
	}
	return out
}

func TestSpotEnvironmentIsPriceCapacityOptimizedFromZero(t *testing.T) {
	f := setup(t)
	spot, _ := computeEnvs(t, f.tpl)
	want, err := hpccluster.ExpandInstanceTypes(hpccluster.DefaultInstanceTypes)
	if err != nil {
		t.Fatal(err)
	}
	if got, w := cdktest.JSON(spot["InstanceTypes"]), cdktest.JSON(names(want)); got != w {
		t.Errorf("Spot InstanceTypes = %s, want the expanded default list %s", got, w)
	}
	for _, n := range spot["InstanceTypes"].([]any) {
		if n == "optimal" || !strings.HasSuffix(n.(string), "xlarge") || !strings.Contains(strings.Split(n.(string), ".")[0], "g") {
			t.Errorf("Spot InstanceTypes holds %v: want Graviton sizes only, no \"optimal\"", n)
		}
	}
	checks := map[string]any{"AllocationStrategy": "SPOT_PRICE_CAPACITY_OPTIMIZED", "MinvCpus": 0.0, "MaxvCpus": float64(hpccluster.DefaultMaxVCPUs)}
	for k, w := range checks {
		if spot[k] != w {
			t.Errorf("Spot %s = %v, want %v", k, spot[k], w)
		}
	}
	if got := cdktest.JSON(spot["Ec2Configuration"]); got != `[{"ImageType":"ECS_AL2023"}]` {
		t.Errorf("Spot Ec2Configuration = %s, want ECS_AL2023", got)
	}
	if n := len(spot["Subnets"].([]any)); n != 3 {
		t.Errorf("Spot environment spans %d subnets, want every private subnet (3)", n)
	}
	if _, ok := spot["PlacementGroup"]; ok {
		t.Error("Spot environment has a placement group: it would confine Spot to one AZ's pools")
	}
	if spot["SpotIamFleetRole"] != nil {
		t.Error("Spot environment has a Spot Fleet role: price-capacity-optimized uses EC2 Fleet's service-linked role")
	}
}

func TestOnDemandEnvironmentIsOneSubnetInAPlacementGroup(t *testing.T) {
	f := setup(t)
	_, od := computeEnvs(t, f.tpl)
	if od["AllocationStrategy"] != "BEST_FIT_PROGRESSIVE" || od["MinvCpus"] != 0.0 || od["MaxvCpus"] != float64(hpccluster.DefaultOnDemandMaxVCPUs) {
		t.Errorf("On-Demand environment = %s", cdktest.JSON(od))
	}
	if got := cdktest.JSON(od["PlacementGroup"]); !strings.Contains(got, "PlacementGroup") || !strings.Contains(got, "GroupName") {
		t.Errorf("On-Demand PlacementGroup = %s, want the cluster placement group", got)
	}
	subnets := od["Subnets"].([]any)
	lustre := cdktest.Properties(cdktest.Only(t, f.tpl.Resources("AWS::FSx::FileSystem")))
	if len(subnets) != 1 || cdktest.JSON(subnets) != cdktest.JSON(lustre["SubnetIds"]) {
		t.Errorf("On-Demand subnets = %s, want exactly the Lustre file system's subnet %s", cdktest.JSON(subnets), cdktest.JSON(lustre["SubnetIds"]))
	}
	for _, env := range f.tpl.Resources("AWS::Batch::ComputeEnvironment") {
		lt := cdktest.Properties(env)["ComputeResources"].(map[string]any)["LaunchTemplate"].(map[string]any)
		if !strings.Contains(cdktest.JSON(lt["Version"]), "LatestVersionNumber") {
			t.Errorf("compute environment launch template %s is not pinned to its latest version", cdktest.JSON(lt))
		}
	}
}

func TestQueuesPreferSpotThenOnDemand(t *testing.T) {
	f := setup(t)
	var spotQ, odQ map[string]any
	for id, q := range f.tpl.Resources("AWS::Batch::JobQueue") {
		switch {
		case strings.Contains(id, "SpotQueue"):
			spotQ = cdktest.Properties(q)
		case strings.Contains(id, "OnDemandQueue"):
			odQ = cdktest.Properties(q)
		}
	}
	if spotQ == nil || odQ == nil {
		t.Fatal("want a SpotQueue and an OnDemandQueue")
	}
	order := spotQ["ComputeEnvironmentOrder"].([]any)
	if len(order) != 2 {
		t.Fatalf("SpotQueue has %d environments, want 2", len(order))
	}
	first, second := order[0].(map[string]any), order[1].(map[string]any)
	if first["Order"] != 1.0 || !strings.Contains(cdktest.JSON(first["ComputeEnvironment"]), "SpotEnvironment") ||
		second["Order"] != 2.0 || !strings.Contains(cdktest.JSON(second["ComputeEnvironment"]), "OnDemandEnvironment") {
		t.Errorf("SpotQueue order = %s, want Spot (1) then On-Demand (2)", cdktest.JSON(order))
	}
	odOrder := cdktest.JSON(odQ["ComputeEnvironmentOrder"])
	if strings.Contains(odOrder, "SpotEnvironment") || !strings.Contains(odOrder, "OnDemandEnvironment") {
		t.Errorf("OnDemandQueue = %s, want the On-Demand environment only", odOrder)
	}
	if odQ["Priority"].(float64) <= spotQ["Priority"].(float64) {
		t.Errorf("OnDemandQueue priority %v is not above SpotQueue's %v", odQ["Priority"], spotQ["Priority"])
	}
}

func TestLaunchTemplateRequiresIMDSv2AndEncryptsRoot(t *testing.T) {
	f := setup(t)
	tpl := f.tpl
	tpl.Count(t, "AWS::EC2::LaunchTemplate", 1)
	data := cdktest.Properties(cdktest.Only(t, tpl.Resources("AWS::EC2::LaunchTemplate")))["LaunchTemplateData"].(map[string]any)
	if got := cdktest.JSON(data["MetadataOptions"]); got != `{"HttpPutResponseHopLimit":1,"HttpTokens":"required"}` {
		t.Errorf("MetadataOptions = %s, want IMDSv2 required, hop limit 1", got)
	}
	if got := cdktest.JSON(data["BlockDeviceMappings"]); !strings.Contains(got, `"Encrypted":true`) || !strings.Contains(got, `"VolumeType":"gp3"`) {
		t.Errorf("BlockDeviceMappings = %s, want an encrypted gp3 root volume", got)
	}
	for _, k := range []string{"NetworkInterfaces", "IamInstanceProfile", "SecurityGroupIds"} {
		if _, ok := data[k]; ok {
			t.Errorf("default launch template sets %s", k)
		}
	}
	if data["InstanceInitiatedShutdownBehavior"] != "terminate" {
		t.Errorf("InstanceInitiatedShutdownBehavior = %v, want terminate (a node that cannot mount shuts down to be replaced)", data["InstanceInitiatedShutdownBehavior"])
	}
	if got := cdktest.JSON(data["BlockDeviceMappings"]); !strings.Contains(got, fmt.Sprintf(`"VolumeSize":%d`, hpccluster.DefaultRootVolumeGiB)) {
		t.Errorf("BlockDeviceMappings = %s, want the default %d GiB", got, hpccluster.DefaultRootVolumeGiB)
	}
	ud := userData(t, data)
	for _, want := range []string{"multipart/mixed", "retry dnf install -y -q amazon-efs-utils lustre-client || fail 'installing amazon-efs-utils lustre-client failed'",
		` /efs efs _netdev,noresvport,tls,iam 0 0`, "@tcp:/", "LustreMountName", " /fsx lustre ",
		"retry mount /fsx || fail 'mounting /fsx failed'", "retry mount /efs || fail 'mounting /efs failed'",
		"mkdir -p /fsx/scratch && chmod 1777 /fsx/scratch || fail"} {
		if !strings.Contains(ud, want) {
			t.Errorf("user data lacks %q", want)
		}
	}
	// Every command of the script either cannot fail, is one of the two
	// helpers, or ends in "|| fail ...": without set -e, a failed mount
	// must shut the node down rather than let the ECS agent register it.
	script := ud[strings.Index(ud, "#!/bin/bash"):]
	script = script[:strings.Index(script, "\n--")]
	for _, line := range strings.Split(script, "\n")[1:] {
		switch {
		case line == "" || line == "set -uxo pipefail" || strings.HasPrefix(line, "retry() ") || strings.HasPrefix(line, "fail() "):
		case strings.Contains(line, " || fail '"):
		default:
			t.Errorf("boot script line %q can fail without shutting the node down", line)
		}
	}
	if strings.Contains(script, "set -e") {
		t.Error("boot script uses set -e: a failed step would end the script and still let the ECS agent start")
	}
	if !strings.Contains(script, `fail() { echo "gureum boot: $*: shutting down so that AWS Batch replaces this instance" >&2; shutdown -h now; exit 1; }`) ||
		!strings.Contains(script, fmt.Sprintf(`for n in $(seq 1 %d)`, hpccluster.BootAttempts)) {
		t.Errorf("boot script lacks the retry/fail helpers:\n%s", script)
	}
	if strings.Contains(ud, "efa_installer") {
		t.Error("default user data installs EFA")
	}
	for _, env := range tpl.Resources("AWS::Batch::ComputeEnvironment") {
		if _, ok := cdktest.Properties(env)["ComputeResources"].(map[string]any)["SecurityGroupIds"]; !ok {
			t.Error("a compute environment without EFA lacks SecurityGroupIds")
		}
	}
}

func TestEFALaunchTemplate(t *testing.T) {
	f := setup(t)
	tpl := f.tightTpl
	tpl.Count(t, "AWS::EC2::LaunchTemplate", 2)
	var efa map[string]any
	for id, lt := range tpl.Resources("AWS::EC2::LaunchTemplate") {
		if strings.Contains(id, "EFALaunchTemplate") {
			efa = cdktest.Properties(lt)["LaunchTemplateData"].(map[string]any)
		}
	}
	if efa == nil {
		t.Fatal("no EFALaunchTemplate")
	}
	nis := efa["NetworkInterfaces"].([]any)
	ni := nis[0].(map[string]any)
	clusterSG := `[{"Fn::GetAtt":["ClusterSecurityGroup0921994B","GroupId"]}]`
	if len(nis) != 1 || ni["InterfaceType"] != "efa" || ni["DeviceIndex"] != 0.0 || cdktest.JSON(ni["Groups"]) != clusterSG {
		t.Errorf("NetworkInterfaces = %s, want one EFA interface in exactly the cluster security group %s", cdktest.JSON(nis), clusterSG)
	}
	if _, ok := efa["SecurityGroupIds"]; ok {
		t.Error("EFA template sets SecurityGroupIds beside its network interface")
	}
	if cdktest.JSON(efa["MetadataOptions"]) != `{"HttpPutResponseHopLimit":1,"HttpTokens":"required"}` {
		t.Errorf("EFA template MetadataOptions = %s", cdktest.JSON(efa["MetadataOptions"]))
	}
	ud := userData(t, efa)
	for _, want := range []string{
		"retry curl -fsSL -o /tmp/efa.tar.gz https://efa-installer.amazonaws.com/aws-efa-installer-" + hpccluster.EFAInstallerVersion + ".tar.gz || fail",
		"echo '" + hpccluster.EFAInstallerSHA256 + "  /tmp/efa.tar.gz' | sha256sum -c - || fail",
		"(cd /tmp/aws-efa-installer && retry ./efa_installer.sh -y --minimal) || fail 'installing EFA failed'",
		"retry mount /fsx || fail",
	} {
		if !strings.Contains(ud, want) {
			t.Errorf("EFA user data lacks %q", want)
		}
	}
	if strings.Contains(ud, "amazon-efs-utils") || strings.Contains(ud, "latest") {
		t.Errorf("EFA user data should install the pinned EFA release and mount Lustre only (EFS disabled)")
	}
	if len(hpccluster.EFAInstallerSHA256) != 64 {
		t.Errorf("EFAInstallerSHA256 %q is not a SHA-256", hpccluster.EFAInstallerSHA256)
	}
	spot, od := computeEnvs(t, tpl)
	// AWS Batch refuses compute environment groups beside launch template
	// interfaces; the Spot environment, without EFA, names the cluster group.
	if _, ok := od["SecurityGroupIds"]; ok {
		t.Error("the EFA environment sets SecurityGroupIds beside a launch template with network interfaces")
	}
	if got := cdktest.JSON(spot["SecurityGroupIds"]); got != clusterSG {
		t.Errorf("Spot SecurityGroupIds = %s, want exactly the cluster group %s", got, clusterSG)
	}
	// Multi-node containers' ENIs fall back to the VPC's default group,
	// which must keep its default rules (traffic within itself): nothing
	// may restrict it.
	if n := len(tpl.Resources("Custom::VpcRestrictDefaultSG")); n != 0 {
		t.Errorf("%d custom resources restrict the VPC's default security group: multi-node containers with EFA use it", n)
	}
	for _, lt := range tpl.Resources("AWS::EC2::LaunchTemplate") {
		if got := cdktest.JSON(cdktest.Properties(lt)["LaunchTemplateData"].(map[string]any)["BlockDeviceMappings"]); !strings.Contains(got, `"VolumeSize":200`) {
			t.Errorf("BlockDeviceMappings = %s, want RootVolumeGiB 200", got)
		}
	}
	if !strings.Contains(cdktest.JSON(od["LaunchTemplate"]), "EFALaunchTemplate") || strings.Contains(cdktest.JSON(spot["LaunchTemplate"]), "EFALaunchTemplate") {
		t.Error("want the EFA template on the On-Demand environment only")
	}
	if got := cdktest.JSON(od["InstanceTypes"]); got != `["c5n.18xlarge","c6i.32xlarge"]` {
		t.Errorf("On-Demand InstanceTypes = %s", got)
	}
	mn := ""
	for _, jd := range tpl.Resources("AWS::Batch::JobDefinition") {
		if cdktest.Properties(jd)["Type"] == "multinode" {
			mn = cdktest.JSON(cdktest.Properties(jd))
		}
	}
	for _, want := range []string{`"NumNodes":4`, `"TargetNodes":"0:3"`, `"InstanceType":"c5n.18xlarge"`, `"HostPath":"/dev/infiniband/uverbs0"`, `"Permissions":["READ","WRITE","MKNOD"]`} {
		if !strings.Contains(mn, want) {
			t.Errorf("multi-node job definition lacks %s: %s", want, mn)
		}
	}
}

func TestClusterPlacementGroup(t *testing.T) {
	f := setup(t)
	f.tpl.Count(t, "AWS::EC2::PlacementGroup", 1)
	f.tpl.Has(t, "AWS::EC2::PlacementGroup", map[string]any{"Strategy": "cluster"})
}

func TestLustrePersistent2LinkedToDataBucket(t *testing.T) {
	f := setup(t)
	f.tpl.HasResource(t, "AWS::FSx::FileSystem", map[string]any{
		"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		"Properties": map[string]any{
			"FileSystemType": "LUSTRE", "StorageCapacity": 1200,
			"LustreConfiguration": map[string]any{
				"DeploymentType": "PERSISTENT_2", "PerUnitStorageThroughput": 125, "AutomaticBackupRetentionDays": 7,
			},
		},
	})
	dra := cdktest.Only(t, f.tpl.Resources("AWS::FSx::DataRepositoryAssociation"))
	p := cdktest.Properties(dra)
	if dra["DeletionPolicy"] != "Retain" || p["FileSystemPath"] != "/data" || !strings.Contains(cdktest.JSON(p["DataRepositoryPath"]), `"s3://",{"Ref":"ClusterData`) {
		t.Errorf("data repository association = %s", cdktest.JSON(dra))
	}
	if got := cdktest.JSON(p["S3"]); !strings.Contains(got, "AutoImportPolicy") || !strings.Contains(got, "AutoExportPolicy") {
		t.Errorf("DRA S3 = %s, want auto import and export", got)
	}
	lc := cdktest.Properties(cdktest.Only(t, f.tpl.Resources("AWS::FSx::FileSystem")))["LustreConfiguration"].(map[string]any)
	if _, ok := lc["ImportPath"]; ok {
		t.Error("PERSISTENT_2 sets ImportPath; it links through the association")
	}
}

func TestLustreScratch2ImportsAndExports(t *testing.T) {
	f := setup(t)
	f.tightTpl.Count(t, "AWS::FSx::DataRepositoryAssociation", 0)
	lc := cdktest.Properties(cdktest.Only(t, f.tightTpl.Resources("AWS::FSx::FileSystem")))
	conf := lc["LustreConfiguration"].(map[string]any)
	if conf["DeploymentType"] != "SCRATCH_2" || lc["StorageCapacity"] != 2400.0 || conf["AutoImportPolicy"] != "NEW_CHANGED_DELETED" {
		t.Errorf("scratch Lustre = %s", cdktest.JSON(lc))
	}
	if cdktest.JSON(conf["ImportPath"]) != cdktest.JSON(conf["ExportPath"]) || !strings.Contains(cdktest.JSON(conf["ImportPath"]), "/data") {
		t.Errorf("ImportPath %s / ExportPath %s, want both s3://bucket/data", cdktest.JSON(conf["ImportPath"]), cdktest.JSON(conf["ExportPath"]))
	}
	if _, ok := conf["PerUnitStorageThroughput"]; ok {
		t.Error("SCRATCH_2 sets a per-unit throughput")
	}
	f.tightTpl.Count(t, "AWS::EFS::FileSystem", 0)
}

func TestEFSHomeIsEncryptedBackedUpRetained(t *testing.T) {
	f := setup(t)
	f.tpl.HasResource(t, "AWS::EFS::FileSystem", map[string]any{
		"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
		"Properties": map[string]any{"Encrypted": true, "BackupPolicy": map[string]any{"Status": "ENABLED"}},
	})
	f.tpl.Has(t, "AWS::IAM::Policy", map[string]any{"PolicyDocument": map[string]any{"Statement": []any{map[string]any{
		"Action": []any{"elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite", "elasticfilesystem:ClientRootAccess"},
		"Effect": "Allow",
	}}}})
}

func TestJobDefinitionRetriesSpotInterruptionsOnly(t *testing.T) {
	f := setup(t)
	var job map[string]any
	for _, jd := range f.tpl.Resources("AWS::Batch::JobDefinition") {
		if cdktest.Properties(jd)["Type"] == "container" {
			job = cdktest.Properties(jd)
		}
	}
	if job == nil {
		t.Fatal("no container job definition")
	}
	if got := cdktest.JSON(job["RetryStrategy"]); got != `{"Attempts":5,"EvaluateOnExit":[{"Action":"RETRY","OnStatusReason":"Host EC2*"},{"Action":"EXIT","OnReason":"*"}]}` {
		t.Errorf("RetryStrategy = %s", got)
	}
	if got := cdktest.JSON(job["Timeout"]); got != `{"AttemptDurationSeconds":14400}` {
		t.Errorf("Timeout = %s", got)
	}
	c := job["ContainerProperties"].(map[string]any)
	if c["Image"] != hpccluster.DefaultImage || cdktest.JSON(c["ResourceRequirements"]) != `[{"Type":"MEMORY","Value":"7168"},{"Type":"VCPU","Value":"4"}]` {
		t.Errorf("container = image %v, resources %s", c["Image"], cdktest.JSON(c["ResourceRequirements"]))
	}
	cmd := cdktest.JSON(c["Command"])
	for _, want := range []string{`"/bin/sh","-c"`, `(lustre|nfs4) \" /proc/mounts`, `aws s3 cp --only-show-errors \"$WORKLOAD_URL\" /tmp/workload`, "exec /tmp/workload"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("command lacks %s: %s", want, cmd)
		}
	}
	env := map[string]string{}
	for _, e := range c["Environment"].([]any) {
		m := e.(map[string]any)
		env[m["Name"].(string)] = cdktest.JSON(m["Value"])
	}
	if env["SHARED_DIR"] != `"/fsx/scratch"` || env["RESULT_PREFIX"] != `"results"` || !strings.Contains(env["DATA_BUCKET"], "ClusterData") || !strings.Contains(env["WORKLOAD_URL"], "s3://") {
		t.Errorf("environment = %v", env)
	}
	if env["AWS_REGION"] != `{"Ref":"AWS::Region"}` || env["AWS_DEFAULT_REGION"] != `{"Ref":"AWS::Region"}` {
		t.Errorf("AWS_REGION %s, AWS_DEFAULT_REGION %s: want both the stack's Region", env["AWS_REGION"], env["AWS_DEFAULT_REGION"])
	}
	if _, ok := env["WORKLOAD_ARGS"]; ok {
		t.Error("WORKLOAD_ARGS set without Workload.Args")
	}
	if got := cdktest.JSON(c["MountPoints"]); got != `[{"ContainerPath":"/efs","SourceVolume":"efs"},{"ContainerPath":"/fsx","SourceVolume":"fsx"}]` {
		t.Errorf("MountPoints = %s", got)
	}
	if got := cdktest.JSON(c["LogConfiguration"]); !strings.Contains(got, "awslogs") || !strings.Contains(got, "ClusterJobLogs") {
		t.Errorf("LogConfiguration = %s, want awslogs to the construct's log group", got)
	}
	if c["Privileged"] == true {
		t.Error("container is privileged")
	}
}

func TestWorkloadIsBuiltForTheClusterArchitecture(t *testing.T) {
	f := setup(t)
	// The tight cluster is x86: its job passes WORKLOAD_ARGS and its asset
	// differs from the arm64 one.
	url := func(tpl *cdktest.Template) string {
		for _, jd := range tpl.Resources("AWS::Batch::JobDefinition") {
			if c, ok := cdktest.Properties(jd)["ContainerProperties"].(map[string]any); ok {
				for _, e := range c["Environment"].([]any) {
					if m := e.(map[string]any); m["Name"] == "WORKLOAD_URL" {
						return cdktest.JSON(m["Value"])
					}
				}
			}
		}
		return ""
	}
	if a, b := url(f.tpl), url(f.tightTpl); a == "" || a == b {
		t.Errorf("arm64 and amd64 clusters share workload URL %s", a)
	}
	if !strings.Contains(cdktest.JSON(f.tightTpl.JSON), `{"Name":"WORKLOAD_ARGS","Value":"-put"}`) {
		t.Error("tight cluster's job lacks WORKLOAD_ARGS=-put")
	}
}

func TestSecurityGroupAllowsOnlyItselfAndHTTPSOut(t *testing.T) {
	f := setup(t)
	sg := cdktest.Properties(cdktest.Only(t, f.tpl.Resources("AWS::EC2::SecurityGroup")))
	if got := cdktest.JSON(sg["SecurityGroupEgress"]); got != `[{"CidrIp":"0.0.0.0/0","Description":"HTTPS to AWS APIs and package repositories","FromPort":443,"IpProtocol":"tcp","ToPort":443}]` {
		t.Errorf("inline egress = %s, want HTTPS only", got)
	}
	if _, ok := sg["SecurityGroupIngress"]; ok {
		t.Errorf("inline ingress %s: want none (only the self-reference)", cdktest.JSON(sg["SecurityGroupIngress"]))
	}
	self := map[string]any{"Fn::GetAtt": []any{"ClusterSecurityGroup0921994B", "GroupId"}}
	f.tpl.Has(t, "AWS::EC2::SecurityGroupIngress", map[string]any{"IpProtocol": "-1", "GroupId": self, "SourceSecurityGroupId": self})
	f.tpl.Has(t, "AWS::EC2::SecurityGroupEgress", map[string]any{"IpProtocol": "-1", "GroupId": self, "DestinationSecurityGroupId": self})
	for _, typ := range []string{"AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"} {
		for id, r := range f.tpl.Resources(typ) {
			p := cdktest.Properties(r)
			if p["CidrIp"] != nil || p["CidrIpv6"] != nil || cdktest.JSON(p["SourceSecurityGroupId"]) != cdktest.JSON(self) && cdktest.JSON(p["DestinationSecurityGroupId"]) != cdktest.JSON(self) {
				t.Errorf("%s %s reaches beyond the group: %s", typ, id, cdktest.JSON(p))
			}
		}
	}
}

func TestNetworkHasS3GatewayEndpointFlowLogsAndOneNAT(t *testing.T) {
	f := setup(t)
	f.tpl.Count(t, "AWS::EC2::NatGateway", hpccluster.DefaultNATGateways)
	ep := cdktest.Properties(cdktest.Only(t, f.tpl.Resources("AWS::EC2::VPCEndpoint")))
	if ep["VpcEndpointType"] != "Gateway" || !strings.Contains(cdktest.JSON(ep["ServiceName"]), ".s3") || len(ep["RouteTableIds"].([]any)) != 3 {
		t.Errorf("VPC endpoint = %s, want an S3 gateway on the 3 private route tables", cdktest.JSON(ep))
	}
	f.tpl.Has(t, "AWS::EC2::FlowLog", map[string]any{"TrafficType": "ALL", "ResourceType": "VPC"})
}

func TestIAMIsLeastPrivilege(t *testing.T) {
	f := setup(t)
	for id, pol := range f.tpl.Resources("AWS::IAM::Policy") {
		doc := cdktest.Properties(pol)["PolicyDocument"].(map[string]any)
		for _, s := range doc["Statement"].([]any) {
			st := s.(map[string]any)
			for _, a := range toList(st["Action"]) {
				if strings.Contains(a.(string), "*") {
					t.Errorf("%s allows action %v", id, a)
				}
			}
			if cdktest.JSON(st["Resource"]) == `"*"` && !onStarAllowed(id, st["Action"]) {
				t.Errorf("%s allows %v on *", id, st["Action"])
			}
		}
	}
	var job map[string]any
	for id, pol := range f.tpl.Resources("AWS::IAM::Policy") {
		if strings.Contains(id, "JobRole") {
			job = cdktest.Properties(pol)["PolicyDocument"].(map[string]any)
		}
	}
	got := cdktest.JSON(job["Statement"])
	if n := len(job["Statement"].([]any)); n != 3 || !strings.Contains(got, `{"Action":"s3:GetObject","Effect":"Allow","Resource":{"Fn::Join":["",["arn:",{"Ref":"AWS::Partition"},":s3:::cdk-hnb659fds-assets-123456789012-ap-northeast-2/`) ||
		!strings.Contains(got, `{"Action":"s3:PutObject","Effect":"Allow","Resource":{"Fn::Join":["",[{"Fn::GetAtt":["ClusterData`) || !strings.Contains(got, `"/results/*"]]}}`) ||
		!strings.Contains(got, `{"Action":["kms:GenerateDataKey","kms:Decrypt"],"Effect":"Allow","Resource":{"Fn::GetAtt":["ClusterKey`) {
		t.Errorf("job role statements = %s, want GetObject on the workload object, PutObject on results/* and the data key's GenerateDataKey and Decrypt", got)
	}
}

// onStarAllowed reports the statements granted on "*" because their actions
// have no resource-level permissions: the queue-metrics function's
// batch:ListJobs and X-Ray tracing, nothing else.
func onStarAllowed(policyID string, action any) bool {
	if !strings.Contains(policyID, "QueueMetrics") {
		return false
	}
	for _, a := range toList(action) {
		if a != "batch:ListJobs" && a != "xray:PutTraceSegments" && a != "xray:PutTelemetryRecords" {
			return false
		}
	}
	return true
}

func toList(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func TestFailedJobsAlarmFromJobStateChangeEvents(t *testing.T) {
	f := setup(t)
	rule := cdktest.Properties(cdktest.Only(t, f.tpl.Resources("AWS::Events::Rule")))
	pat := cdktest.JSON(rule["EventPattern"])
	for _, want := range []string{`"source":["aws.batch"]`, `"detail-type":["Batch Job State Change"]`, `"status":["FAILED","SUCCEEDED"]`, "SpotQueue", "OnDemandQueue"} {
		if !strings.Contains(pat, want) {
			t.Errorf("event pattern lacks %s: %s", want, pat)
		}
	}
	if !strings.Contains(cdktest.JSON(rule["Targets"]), "ClusterJobEvents") {
		t.Errorf("rule targets = %s, want the JobEvents log group", cdktest.JSON(rule["Targets"]))
	}
	lg := cdktest.Properties(cdktest.Only(t, filter(f.tpl.Resources("AWS::Logs::LogGroup"), "JobEvents")))
	if !strings.HasPrefix(lg["LogGroupName"].(string), "/aws/events/") {
		t.Errorf("event log group %v must start with /aws/events/", lg["LogGroupName"])
	}
	f.tpl.Has(t, "AWS::Logs::ResourcePolicy", map[string]any{})
	f.tpl.Count(t, "AWS::Logs::MetricFilter", 2)
	f.tpl.Has(t, "AWS::Logs::MetricFilter", map[string]any{"FilterPattern": `{ $.detail.status = "FAILED" }`})
	f.tpl.Has(t, "AWS::Logs::MetricFilter", map[string]any{"FilterPattern": `{ $.detail.status = "SUCCEEDED" }`})
	f.tpl.Has(t, "AWS::CloudWatch::Alarm", map[string]any{
		"MetricName": "FailedJobs", "Statistic": "Sum", "Period": 300, "Threshold": 1,
		"ComparisonOperator": "GreaterThanOrEqualToThreshold", "TreatMissingData": "notBreaching",
	})
	body := cdktest.JSON(cdktest.Properties(cdktest.Only(t, f.tpl.Resources("AWS::CloudWatch::Dashboard")))["DashboardBody"])
	for _, want := range []string{"FailedJobs", "SucceededJobs", "count state transitions and durations, not the jobs in a state now"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
}

func filter(m map[string]map[string]any, sub string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for k, v := range m {
		if strings.Contains(k, sub) {
			out[k] = v
		}
	}
	return out
}

func TestStatefulResourcesAreRetained(t *testing.T) {
	f := setup(t)
	for _, typ := range []string{"AWS::S3::Bucket", "AWS::FSx::FileSystem", "AWS::EFS::FileSystem", "AWS::Logs::LogGroup"} {
		for id, r := range f.tpl.Resources(typ) {
			if r["DeletionPolicy"] != "Retain" {
				t.Errorf("%s %s has DeletionPolicy %v, want Retain", typ, id, r["DeletionPolicy"])
			}
		}
	}
}

func TestExportsEveryResource(t *testing.T) {
	f := setup(t)
	c := f.cluster
	for name, v := range map[string]any{
		"Vpc": c.Vpc, "FlowLogs": c.FlowLogs, "S3Endpoint": c.S3Endpoint, "SecurityGroup": c.SecurityGroup,
		"SpotEnvironment": c.SpotEnvironment, "OnDemandEnvironment": c.OnDemandEnvironment,
		"SpotQueue": c.SpotQueue, "OnDemandQueue": c.OnDemandQueue, "PlacementGroup": c.PlacementGroup,
		"LaunchTemplate": c.LaunchTemplate, "InstanceRole": c.InstanceRole, "JobDefinition": c.JobDefinition,
		"MultiNodeJobDefinition": c.MultiNodeJobDefinition, "JobRole": c.JobRole, "Workload": c.Workload,
		"JobLogs": c.JobLogs, "Lustre": c.Lustre, "DataRepository": c.DataRepository, "EFS": c.EFS,
		"DataBucket": c.DataBucket, "AccessLogs": c.AccessLogs, "JobEvents": c.JobEvents, "JobEventsRule": c.JobEventsRule,
		"FailedJobs": c.FailedJobs, "SucceededJobs": c.SucceededJobs, "FailedJobsAlarm": c.FailedJobsAlarm, "Dashboard": c.Dashboard,
		"StalledJobsAlarm": c.StalledJobsAlarm, "Key": c.Key, "JobEventsDeadLetters": c.JobEventsDeadLetters,
		"JobEventsDeadLettersAlarm": c.JobEventsDeadLettersAlarm,
	} {
		if v == nil {
			t.Errorf("%s is nil", name)
		}
	}
	if c.QueueMetricsJob == nil || c.QueueMetricsJob.Function == nil || c.MetricsNamespace == "" {
		t.Error("QueueMetricsJob or MetricsNamespace is missing")
	}
	if f.cluster.EFALaunchTemplate != nil || f.tightCluster.EFALaunchTemplate == nil {
		t.Error("EFALaunchTemplate should exist exactly when EFA is set")
	}
}

func TestCostIsTheEstimatorsForTheDefaultList(t *testing.T) {
	f := setup(t)
	want, err := hpccluster.EstimateHourlyCost(hpccluster.DefaultInstanceTypes, hpccluster.DefaultMaxVCPUs)
	if err != nil {
		t.Fatal(err)
	}
	got := f.cluster.Cost()
	if got.SpotPerHour != want.SpotPerHour || got.OnDemandPerHour != want.OnDemandPerHour || got.SavingsPercent != want.SavingsPercent || got.VCPUs != 256 || got.String() != want.String() {
		t.Errorf("Cost() = %+v, want EstimateHourlyCost(DefaultInstanceTypes, 256) = %+v", got, want)
	}
	// The published Spot figures give the default list 70.6% savings; the
	// issue asks for at least 70%.
	if got.SavingsPercent < 70 || math.Abs(got.SavingsPercent-70.6) > 0.05 {
		t.Errorf("default savings %.2f%%, want 70.6%% (at least 70%%) from the catalog", got.SavingsPercent)
	}
	tight, err := hpccluster.EstimateHourlyCost([]string{"c6i", "m6i.xlarge"}, 512)
	if err != nil {
		t.Fatal(err)
	}
	if f.tightCluster.Cost().SpotPerHour != tight.SpotPerHour {
		t.Errorf("tight Cost() = %v, want %v", f.tightCluster.Cost().SpotPerHour, tight.SpotPerHour)
	}
}

func TestValidationMessages(t *testing.T) {
	ok := hpccluster.Workload{Entry: workload}
	armEFA := "c6gn.16xlarge, c7g.16xlarge, c7gn.16xlarge, c8g.24xlarge, c8g.48xlarge, hpc7g.4xlarge, hpc7g.8xlarge, hpc7g.16xlarge, m7g.16xlarge, m8g.24xlarge, m8g.48xlarge, r7g.16xlarge, r8g.24xlarge, r8g.48xlarge"
	gpuQ := []hpccluster.Queue{{Name: "gpu", InstanceTypes: []string{"g5.xlarge", "g6"}}}
	slurmAMI := "ami-0123456789abcdef0"
	tests := []struct {
		name  string
		props *hpccluster.Props
		want  []string
	}{
		{"nil props", nil, []string{"Props: must not be nil: at least Workload.Entry is required"}},
		{"no entry", &hpccluster.Props{}, []string{"Workload.Entry: is empty: want the directory of the handler's main package"}},
		{"malformed type", &hpccluster.Props{Workload: ok, InstanceTypes: []string{"c7g.huge", "gpu"}},
			[]string{`InstanceTypes: instance type "c7g.huge": size "huge" is not an EC2 size (nano ... large, xlarge, <n>xlarge, metal, metal-<n>xl)`,
				`InstanceTypes: "gpu" is not the shape of an EC2 instance family (class letters, generation digits, attribute letters: c7g, g6e, p5) nor of a type (<family>.<size>); catalog families: ` + strings.Join(hpccluster.Families(), ", ")}},
		{"queues with the default queues' props", &hpccluster.Props{Workload: ok, InstanceTypes: []string{"c7g"}, MaxVCPUs: 10, Queues: gpuQ},
			[]string{"Queues: is set together with InstanceTypes, OnDemandInstanceTypes, MaxVCPUs or OnDemandMaxVCPUs, which shape the default queues: give each queue its own"}},
		{"queue names and purchase", &hpccluster.Props{Workload: ok, Queues: []hpccluster.Queue{
			{Name: "Spot-1", InstanceTypes: []string{"c7g"}}, {Name: "a", InstanceTypes: []string{"c7g"}, Purchase: "RESERVED", Priority: -1, MaxInstances: 3},
			{Name: "a", InstanceTypes: []string{"c7g"}}}},
			[]string{`Queues[0].Name: "Spot-1" is not 1 to 15 lower-case letters and digits starting with a letter`,
				`Queues[1].Purchase: "RESERVED" is not SPOT, ON_DEMAND or SPOT_THEN_ON_DEMAND`, "Queues[1].Priority: must not be negative, got -1",
				"Queues[1].MaxInstances: applies to Slurm mode; a Batch compute environment is capped by MaxVCPUs",
				`Queues[2].Name: "a" names two queues`}},
		{"queues mixing architectures", &hpccluster.Props{Workload: ok, Queues: []hpccluster.Queue{{Name: "cpu", InstanceTypes: []string{"c7g"}}, gpuQ[0]}},
			[]string{"Queues: mix architectures (arm64: cpu; x86_64: gpu): the workload is built for one; give every queue types of one architecture"}},
		{"spot queue of HPC types", &hpccluster.Props{Workload: ok, Queues: []hpccluster.Queue{{Name: "hpc", InstanceTypes: []string{"hpc7g"}, Purchase: hpccluster.PurchaseSpot}}},
			[]string{"Queues[0].InstanceTypes: hpc7g.4xlarge, hpc7g.8xlarge, hpc7g.16xlarge are not offered as Spot (HPC instances are On-Demand only): make the queue ON_DEMAND"}},
		{"GPUs without GPU types", &hpccluster.Props{Workload: ok, Job: hpccluster.Job{GPUs: 2}},
			[]string{"Job.GPUs: is set but no queue lists a GPU type (families g, gr, p)"}},
		{"more GPUs than any type", &hpccluster.Props{Workload: ok, Queues: []hpccluster.Queue{{Name: "gpu", InstanceTypes: []string{"g5.xlarge", "g5.12xlarge"}}}, Job: hpccluster.Job{GPUs: 8}},
			[]string{"Job.GPUs: 8 exceeds the largest GPU count of the queues' types (4): no GPU job would ever be placed"}},
		{"Graviton GPUs without an AMI", &hpccluster.Props{Workload: ok, InstanceTypes: []string{"g5g.xlarge"}},
			[]string{"Queues: g5g.xlarge is a Graviton GPU type: AWS Batch's ECS GPU-optimized images are x86_64 only; give the queue an AMI"}},
		{"AMI and bootstrap commands", &hpccluster.Props{Workload: ok, AMI: "ami-123", BootstrapCommands: []string{"echo ok", " ", "a\nb", strings.Repeat("x", hpccluster.MaxBootstrapBytes)}},
			[]string{`AMI: "ami-123" is not an AMI ID (ami- and 8 or 17 hex digits)`, "BootstrapCommands[1]: is empty",
				"BootstrapCommands[2]: holds a newline or NUL: give one command per entry (the node shuts down when an entry fails)",
				"BootstrapCommands: hold 8203 bytes, above 8192: EC2 takes 16 KB of user data, mounts included; fetch a script from S3 instead"}},
		{"fallback", &hpccluster.Props{Workload: ok, SpotFallback: hpccluster.SpotFallback{Enable: true, After: 90 * time.Second, To: "spot"}},
			[]string{"SpotFallback.After: 1m30s is not whole minutes from 10m0s to 168h0m0s",
				`SpotFallback.To: queue "spot" is not ON_DEMAND: a moved job could land on Spot again`, `SpotFallback.To: is the From queue "spot"`}},
		{"fallback without an On-Demand queue", &hpccluster.Props{Workload: ok, Queues: []hpccluster.Queue{{Name: "both", InstanceTypes: []string{"c7g"}}}, SpotFallback: hpccluster.SpotFallback{Enable: true}},
			[]string{`SpotFallback.To: "" is not a queue of the cluster (with Props.Queues, list an ON_DEMAND queue)`}},
		{"EFA without an On-Demand queue", &hpccluster.Props{Workload: ok, EFA: true, Queues: []hpccluster.Queue{{Name: "both", InstanceTypes: []string{"c7g.16xlarge"}}}},
			[]string{"EFA: is set but no queue is ON_DEMAND: EFA goes to ON_DEMAND queues' instances (in the placement group)"}},
		{"fallback settings while off", &hpccluster.Props{Workload: ok, SpotFallback: hpccluster.SpotFallback{After: time.Hour}},
			[]string{"SpotFallback: has settings but Enable is false"}},
		{"slurm settings in Batch mode", &hpccluster.Props{Workload: ok, Slurm: hpccluster.Slurm{Accounting: true}},
			[]string{"Slurm: is set but Mode is not SLURM"}},
		{"slurm mode", &hpccluster.Props{Workload: ok, Mode: hpccluster.ModeSlurm, EFA: true, SpotFallback: hpccluster.SpotFallback{Enable: true},
			Slurm:  hpccluster.Slurm{Version: "22.05", Size: "HUGE", ScaleDownIdle: time.Second, LoginInstanceType: "c7i.large"},
			Queues: []hpccluster.Queue{{Name: "spot", InstanceTypes: []string{"c7g", "c7g.xlarge", "c7g.2xlarge"}, MaxVCPUs: 64}}},
			[]string{"Queues[0].MaxVCPUs: applies to Batch mode; a Slurm node group is capped by MaxInstances",
				"Queues[0].InstanceTypes: lists families (c7g): AWS PCS takes instance types only",
				"Queues[0].InstanceTypes: mixes vCPU counts (4: c7g.xlarge; 8: c7g.2xlarge; 16: c7g.4xlarge; 32: c7g.8xlarge; 64: c7g.16xlarge): a node group's nodes share one CPU count in Slurm; give each count its own queue",
				"SpotFallback.Enable: applies to Batch mode: in Slurm mode, put a Spot and an On-Demand node group in one partition (SPOT_THEN_ON_DEMAND)",
				`Slurm.Version: "22.05" is not one AWS PCS runs (23.11, 24.05, 24.11, 25.05, 25.11)`, `Slurm.Size: "HUGE" is not SMALL, MEDIUM or LARGE`,
				"Slurm.ScaleDownIdle: 1s is not whole seconds from 1m0s to 24h0m0s",
				"AMI: is required in Slurm mode (queue spot has none): AWS PCS has no default image; build one with the AWS PCS agent and Slurm 22.05, or use an AWS PCS sample AMI",
				"AMI: is required in Slurm mode for the login node: AWS PCS has no default image",
				"Slurm.LoginInstanceType: c7i.large is x86_64 but the queues are arm64: the login node runs the same image and workload",
				"EFA: applies to Batch mode: Slurm mode adds no EFA interfaces to its node groups"}},
		{"slurm mode with Batch's job props", &hpccluster.Props{Workload: ok, Mode: hpccluster.ModeSlurm, AMI: slurmAMI, Job: hpccluster.Job{MultiNodeNodes: 4, Image: "x"}},
			[]string{"Job.MultiNodeNodes: applies to Batch mode: in Slurm, ask sbatch for --nodes", "Job.Image: applies to Batch mode: Slurm jobs run on the nodes' image (AMI)"}},
		{"job-state event retries", &hpccluster.Props{Workload: ok, JobEventsRetry: hpccluster.EventRetry{MaxEventAge: 30 * time.Second, RetryAttempts: 186}},
			[]string{"JobEventsRetry.MaxEventAge: 30s must be whole seconds from 1 minute to 24 hours (EventBridge's limits)",
				"JobEventsRetry.RetryAttempts: 186 must be from 0 (the default, 185) to 185 (EventBridge's limit)"}},
		{"job-state event retries past a day, negative", &hpccluster.Props{Workload: ok, JobEventsRetry: hpccluster.EventRetry{MaxEventAge: 24*time.Hour + time.Second, RetryAttempts: -1}},
			[]string{"JobEventsRetry.MaxEventAge: 24h0m1s must be whole seconds from 1 minute to 24 hours (EventBridge's limits)",
				"JobEventsRetry.RetryAttempts: -1 must be from 0 (the default, 185) to 185 (EventBridge's limit)"}},
		{"job-state event retries in Slurm mode", &hpccluster.Props{Workload: ok, Mode: hpccluster.ModeSlurm, AMI: slurmAMI, JobEventsRetry: hpccluster.EventRetry{RetryAttempts: 3}},
			[]string{"JobEventsRetry: applies to Batch mode: Slurm mode has no job-state rule"}},
		{"empty list", &hpccluster.Props{Workload: ok, InstanceTypes: []string{}}, []string{"InstanceTypes: is empty: list at least one instance type or family"}},
		{"mixed architectures", &hpccluster.Props{Workload: ok, InstanceTypes: []string{"c7g.xlarge", "c6i.xlarge"}},
			[]string{"InstanceTypes: mixes architectures (arm64: c7g.xlarge; x86_64: c6i.xlarge): an AWS Batch compute environment runs one architecture's AMI, so list one"}},
		{"On-Demand architecture", &hpccluster.Props{Workload: ok, OnDemandInstanceTypes: []string{"c6i.32xlarge"}},
			[]string{"OnDemandInstanceTypes: are x86_64 but InstanceTypes are arm64: both environments serve the Spot queue and AWS Batch does not mix architectures in one queue"}},
		{"no Spot", &hpccluster.Props{Workload: ok, InstanceTypes: []string{"hpc7g.16xlarge"}},
			[]string{"InstanceTypes: hpc7g.16xlarge is not offered as Spot (HPC instances are On-Demand only); list them in OnDemandInstanceTypes"}},
		{"negative max", &hpccluster.Props{Workload: ok, MaxVCPUs: -1, OnDemandMaxVCPUs: -2},
			[]string{"MaxVCPUs: must be positive, got -1", "OnDemandMaxVCPUs: must be positive, got -2"}},
		{"max below min", &hpccluster.Props{Workload: ok, MinVCPUs: 200},
			[]string{"OnDemandMaxVCPUs: 128 is below MinVCPUs 200"}},
		{"EFA types lacking", &hpccluster.Props{Workload: ok, EFA: true, OnDemandInstanceTypes: []string{"c7g.xlarge", "c7g.16xlarge", "m7g.xlarge"}},
			[]string{"OnDemandInstanceTypes: EFA is set but c7g.xlarge, m7g.xlarge have no EFA; EFA-capable arm64 types: " + armEFA}},
		{"EFA with none", &hpccluster.Props{Workload: ok, EFA: true, InstanceTypes: []string{"c6g"}},
			[]string{"EFA: none of InstanceTypes supports EFA: set OnDemandInstanceTypes to EFA-capable types (" + armEFA + ")"}},
		{"FSx capacity", &hpccluster.Props{Workload: ok, Lustre: hpccluster.Lustre{CapacityGiB: 1800}},
			[]string{"Lustre.CapacityGiB: 1800 GiB is not 1200 or a multiple of 2400, the sizes FSx for Lustre PERSISTENT_2 accepts"}},
		{"FSx throughput", &hpccluster.Props{Workload: ok, Lustre: hpccluster.Lustre{ThroughputPerTiB: 200}},
			[]string{"Lustre.ThroughputPerTiB: 200 MB/s/TiB is not one of 125, 250, 500, 1000"}},
		{"scratch throughput", &hpccluster.Props{Workload: ok, Lustre: hpccluster.Lustre{DeploymentType: hpccluster.LustreScratch2, ThroughputPerTiB: 125}},
			[]string{"Lustre.ThroughputPerTiB: applies to PERSISTENT_2 only: SCRATCH_2 has a fixed 200 MB/s/TiB baseline"}},
		{"deployment type", &hpccluster.Props{Workload: ok, Lustre: hpccluster.Lustre{DeploymentType: "PERSISTENT_1"}},
			[]string{`Lustre.DeploymentType: "PERSISTENT_1" is not PERSISTENT_2 or SCRATCH_2`}},
		{"no shared file system", &hpccluster.Props{Workload: ok, Lustre: hpccluster.Lustre{Disable: true}, EFS: hpccluster.EFS{Disable: true}},
			[]string{"EFS.Disable: and Lustre.Disable are both set: jobs need a shared file system for SHARED_DIR"}},
		{"reserved env", &hpccluster.Props{Workload: hpccluster.Workload{Entry: workload, Environment: map[string]string{"SHARED_DIR": "/x"}}},
			[]string{"Workload.Environment: SHARED_DIR is set by the construct"}},
		{"job too big", &hpccluster.Props{Workload: ok, Job: hpccluster.Job{VCPUs: 128, RetryAttempts: 11, Timeout: time.Second}},
			[]string{"Job.Timeout: 1s is below AWS Batch's minimum of 60s", "Job.RetryAttempts: 11 is outside AWS Batch's range 1..10",
				"Job.VCPUs: 128 exceeds the largest instance type in InstanceTypes (c7g.16xlarge, 64 vCPUs): no job would ever be placed",
				"Job.MultiNodeNodes: 2 nodes of 128 vCPUs need 256 vCPUs at once, above OnDemandMaxVCPUs 128: the multi-node job would never start"}},
		{"spot max below min", &hpccluster.Props{Workload: ok, MinVCPUs: 200, MaxVCPUs: 100, OnDemandMaxVCPUs: 300},
			[]string{"MaxVCPUs: 100 is below MinVCPUs 200"}},
		{"memory above every type", &hpccluster.Props{Workload: ok, InstanceTypes: []string{"c7g"}, Job: hpccluster.Job{VCPUs: 16, MemoryMiB: 140000}},
			[]string{"Job.MemoryMiB: 140000 MiB exceeds what any type in InstanceTypes with 16 or more vCPUs offers (c7g.16xlarge, 131072 MiB, of which the OS and ECS agent keep some): no job would ever be placed"}},
		{"memory above the fitting types", &hpccluster.Props{Workload: ok, InstanceTypes: []string{"c7g.xlarge", "c7g.2xlarge", "r7g.xlarge"}, Job: hpccluster.Job{VCPUs: 8, MemoryMiB: 20000}},
			[]string{"Job.MemoryMiB: 20000 MiB exceeds what any type in InstanceTypes with 8 or more vCPUs offers (c7g.2xlarge, 16384 MiB, of which the OS and ECS agent keep some): no job would ever be placed"}},
		{"vCPUs above every On-Demand type", &hpccluster.Props{Workload: ok, InstanceTypes: []string{"c6i"}, OnDemandInstanceTypes: []string{"c6i.xlarge", "c6i.2xlarge"}, Job: hpccluster.Job{VCPUs: 16, MemoryMiB: 16384}},
			[]string{"Job.VCPUs: 16 exceeds the largest instance type in the On-Demand environment's types (c6i.2xlarge, 8 vCPUs): no multi-node or On-Demand queue job would ever be placed"}},
		{"multi-node above On-Demand max", &hpccluster.Props{Workload: ok, OnDemandMaxVCPUs: 64, Job: hpccluster.Job{VCPUs: 16, MemoryMiB: 16384, MultiNodeNodes: 8}},
			[]string{"Job.MultiNodeNodes: 8 nodes of 16 vCPUs need 128 vCPUs at once, above OnDemandMaxVCPUs 64: the multi-node job would never start"}},
		{"multi-node type too small", &hpccluster.Props{Workload: ok, Job: hpccluster.Job{VCPUs: 8, MemoryMiB: 8192, MultiNodeInstanceType: "c7g.xlarge"}},
			[]string{"Job.MultiNodeInstanceType: c7g.xlarge (4 vCPUs, 8192 MiB) is smaller than a node of the job (Job.VCPUs 8, Job.MemoryMiB 8192)"}},
		{"reserved region env", &hpccluster.Props{Workload: hpccluster.Workload{Entry: workload, Environment: map[string]string{"AWS_DEFAULT_REGION": "us-east-1"}}},
			[]string{"Workload.Environment: AWS_DEFAULT_REGION is set by the construct"}},
		{"root volume", &hpccluster.Props{Workload: ok, RootVolumeGiB: 20},
			[]string{"RootVolumeGiB: 20 GiB is outside 30..16384 (the ECS-optimized AMI needs 30 GiB; gp3 holds at most 16384)"}},
		{"backup retention", &hpccluster.Props{Workload: ok, Lustre: hpccluster.Lustre{BackupRetentionDays: 91}},
			[]string{"Lustre.BackupRetentionDays: 91 is outside FSx's range 1..90 days"}},
		{"scratch backups", &hpccluster.Props{Workload: ok, Lustre: hpccluster.Lustre{DeploymentType: hpccluster.LustreScratch2, BackupRetentionDays: 7}},
			[]string{"Lustre.BackupRetentionDays: applies to PERSISTENT_2 only: SCRATCH_2 has no backups"}},
		{"stalled after", &hpccluster.Props{Workload: ok, QueueMetrics: hpccluster.QueueMetrics{StalledAfter: 12 * time.Minute}},
			[]string{"QueueMetrics.StalledAfter: 12m0s is not a multiple of 5m0s from 10m0s to 24h0m0s"}},
		{"queue metrics disabled with settings", &hpccluster.Props{Workload: ok, QueueMetrics: hpccluster.QueueMetrics{Disable: true, StalledAfter: time.Hour}},
			[]string{"QueueMetrics.Disable: is set together with other QueueMetrics settings"}},
		{"queue metrics entry", &hpccluster.Props{Workload: ok, QueueMetrics: hpccluster.QueueMetrics{Entry: "functions/nope"}},
			[]string{"QueueMetrics.Entry: " + golambda.CheckEntry("functions/nope").Error()}},
		{"multi-node type", &hpccluster.Props{Workload: ok, Job: hpccluster.Job{MultiNodeInstanceType: "c5n.18xlarge"}},
			[]string{`Job.MultiNodeInstanceType: "c5n.18xlarge" is not one of the On-Demand environment's types`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := hpccluster.Validate(nil, "C", tc.props)
			var verr *validate.Error
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a *validate.Error", err)
			}
			if verr.Kind != "hpccluster" || verr.Path != "C" || !slices.Equal(verr.Problems, tc.want) {
				t.Errorf("problems:\n got %q\nwant %q", verr.Problems, tc.want)
			}
		})
	}
	if err := hpccluster.Validate(nil, "C", &hpccluster.Props{Workload: ok}); err != nil {
		t.Errorf("defaults: %v", err)
	}
	// Types outside the catalog, GPU queues and Slurm's defaults are fine.
	for name, p := range map[string]*hpccluster.Props{
		"uncatalogued":  {Workload: ok, InstanceTypes: []string{"c7g.12xlarge", "c8gd"}},
		"gpu queues":    {Workload: ok, Queues: append(gpuQ, hpccluster.Queue{Name: "big", InstanceTypes: []string{"p5.48xlarge", "p5en.48xlarge"}, Purchase: hpccluster.PurchaseOnDemand}), Job: hpccluster.Job{GPUs: 8}},
		"slurm default": {Workload: ok, Mode: hpccluster.ModeSlurm, AMI: slurmAMI},
	} {
		if err := hpccluster.Validate(nil, "C", p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := hpccluster.Validate(nil, "C", &hpccluster.Props{Workload: ok, InstanceTypes: []string{"c6i", "m6i"}, OnDemandInstanceTypes: []string{"hpc6a.48xlarge", "c6in.32xlarge"}, EFA: true}); err != nil {
		t.Errorf("x86 with HPC On-Demand types: %v", err)
	}
}

func TestNewPanicsWithTheValidationError(t *testing.T) {
	err := validate.Catch(func() { hpccluster.New(nil, "C", &hpccluster.Props{}) })
	if err == nil || err.Problems[0] != "Workload.Entry: is empty: want the directory of the handler's main package" {
		t.Errorf("New panicked with %v", err)
	}
}

func TestValidateExistingVpcWithNewVpcProps(t *testing.T) {
	stack := cdktest.NewStack("Existing")
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones: jsii.Strings("ap-northeast-2a"),
		PrivateSubnetIds:  jsii.Strings("subnet-0123456789abcdef0"),
	})
	err := hpccluster.Validate(stack, "C", &hpccluster.Props{
		Workload: hpccluster.Workload{Entry: workload},
		Network:  hpccluster.Network{ExistingVpc: vpc, NATGateways: 2},
	})
	want := `hpccluster "Existing/C": Network.ExistingVpc: is set together with NATGateways or MaxAZs, which shape a new VPC`
	if err == nil || err.Error() != want {
		t.Errorf("Validate = %v, want %s", err, want)
	}
	if err := hpccluster.Validate(stack, "C", &hpccluster.Props{
		Workload: hpccluster.Workload{Entry: workload},
		Network:  hpccluster.Network{ExistingVpc: vpc},
	}); err != nil {
		t.Errorf("existing VPC alone: %v", err)
	}
}

func TestValidateExistingVpcWithoutPrivateSubnets(t *testing.T) {
	stack := cdktest.NewStack("Isolated")
	vpc := awsec2.Vpc_FromVpcAttributes(stack, jsii.String("Vpc"), &awsec2.VpcAttributes{
		VpcId:             jsii.String("vpc-0123456789abcdef0"),
		AvailabilityZones: jsii.Strings("ap-northeast-2a"),
		IsolatedSubnetIds: jsii.Strings("subnet-0123456789abcdef0"),
	})
	props := &hpccluster.Props{Workload: hpccluster.Workload{Entry: workload}, Network: hpccluster.Network{ExistingVpc: vpc}}
	err := hpccluster.Validate(stack, "C", props)
	var verr *validate.Error
	if !errors.As(err, &verr) || len(verr.Problems) != 1 ||
		!strings.HasPrefix(verr.Problems[0], "Network.ExistingVpc: has no private subnets with egress (PRIVATE_WITH_EGRESS), which the instances and file systems need to reach AWS Batch, ECS and S3: ") ||
		!strings.Contains(verr.Problems[0], "Isolated") {
		t.Errorf("Validate = %v, want one Network.ExistingVpc problem that names the subnet types it has", err)
	}
	// New reports it the same way instead of panicking deep in the VPC.
	if perr := validate.Catch(func() { hpccluster.New(stack, "C", props) }); perr == nil || perr.Error() != err.Error() {
		t.Errorf("New panicked with %v, want %v", perr, err)
	}
}

// userData renders a launch template's user data as text, each CloudFormation
// token in it as its JSON.
func userData(t *testing.T, data map[string]any) string {
	t.Helper()
	b64, _ := data["UserData"].(map[string]any)
	if b64 == nil {
		t.Fatalf("unexpected UserData %s", cdktest.JSON(data["UserData"]))
	}
	return renderJoin(b64["Fn::Base64"])
}

// renderJoin flattens (nested) Fn::Join of strings, and writes a nested
// Fn::Base64 (the MIME part of the shell script, which CloudFormation
// encodes) as its plain text; any other token is written as its JSON.
func renderJoin(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case map[string]any:
		if inner, ok := v["Fn::Base64"]; ok {
			return renderJoin(inner)
		}
		if join, ok := v["Fn::Join"].([]any); ok && len(join) == 2 && join[0] == "" {
			var sb strings.Builder
			for _, part := range join[1].([]any) {
				sb.WriteString(renderJoin(part))
			}
			return sb.String()
		}
	}
	return cdktest.JSON(v)
}

func TestComputeEnvironmentsWaitForTheFileSystems(t *testing.T) {
	f := setup(t)
	for id, ce := range f.tpl.Resources("AWS::Batch::ComputeEnvironment") {
		deps := cdktest.JSON(ce["DependsOn"])
		for _, want := range []string{"ClusterHomeEfsMountTarget1", "ClusterHomeEfsMountTarget2", "ClusterHomeEfsMountTarget3", "ClusterLustre", "ClusterDataRepository"} {
			if !strings.Contains(deps, want) {
				t.Errorf("%s DependsOn %s lacks %s", id, deps, want)
			}
		}
	}
	for id, ce := range f.tightTpl.Resources("AWS::Batch::ComputeEnvironment") {
		if deps := cdktest.JSON(ce["DependsOn"]); !strings.Contains(deps, "ClusterLustre") {
			t.Errorf("%s DependsOn %s lacks the Lustre file system", id, deps)
		}
	}
}

func TestMultiNodeJobGetsTheRegionToo(t *testing.T) {
	f := setup(t)
	for _, jd := range f.tightTpl.Resources("AWS::Batch::JobDefinition") {
		p := cdktest.Properties(jd)
		if p["Type"] != "multinode" {
			continue
		}
		got := cdktest.JSON(p["NodeProperties"])
		for _, want := range []string{`{"Name":"AWS_REGION","Value":{"Ref":"AWS::Region"}}`, `{"Name":"AWS_DEFAULT_REGION","Value":{"Ref":"AWS::Region"}}`} {
			if !strings.Contains(got, want) {
				t.Errorf("multi-node environment lacks %s: %s", want, got)
			}
		}
		return
	}
	t.Error("no multi-node job definition")
}

func TestQueueMetricsAreTheFunctionPackagesNames(t *testing.T) {
	for got, want := range map[string]string{
		hpccluster.SubmittedJobsMetric: batchmetrics.MetricSubmitted, hpccluster.PendingJobsMetric: batchmetrics.MetricPending,
		hpccluster.RunnableJobsMetric: batchmetrics.MetricRunnable, hpccluster.StartingJobsMetric: batchmetrics.MetricStarting,
		hpccluster.RunningJobsMetric: batchmetrics.MetricRunning, hpccluster.QueueDepthMetric: batchmetrics.MetricQueueDepth,
		hpccluster.StalledJobsMetric: batchmetrics.MetricStalled, hpccluster.QueueDimension: batchmetrics.DimensionJobQueue,
	} {
		if got != want {
			t.Errorf("construct reads %q where the function writes %q", got, want)
		}
	}
}

func TestQueueMetricsFunctionRunsEveryMinuteWithListJobsOnly(t *testing.T) {
	f := setup(t)
	sch := cdktest.Properties(cdktest.Only(t, f.tpl.Resources("AWS::Scheduler::Schedule")))
	if sch["ScheduleExpression"] != "rate(1 minute)" || sch["State"] != "ENABLED" {
		t.Errorf("schedule = %s", cdktest.JSON(sch))
	}
	fn := cdktest.Properties(cdktest.Only(t, filter(f.tpl.Resources("AWS::Lambda::Function"), "QueueMetrics")))
	env := fn["Environment"].(map[string]any)["Variables"].(map[string]any)
	queues := cdktest.JSON(env["JOB_QUEUES"])
	if !strings.Contains(queues, "ClusterSpotQueue") || !strings.Contains(queues, "ClusterOnDemandQueue") || !strings.Contains(queues, `","`) {
		t.Errorf("JOB_QUEUES = %s, want both queues' names, comma-separated", queues)
	}
	ns, _ := env["METRICS_NAMESPACE"].(string)
	if !strings.HasPrefix(ns, "Gureum/HPCCluster/") || ns != f.cluster.MetricsNamespace {
		t.Errorf("METRICS_NAMESPACE = %q, want the cluster's %q", ns, f.cluster.MetricsNamespace)
	}
	if fn["Runtime"] != "provided.al2023" {
		t.Errorf("Runtime = %v", fn["Runtime"])
	}
	var listJobs []string
	for id, pol := range f.tpl.Resources("AWS::IAM::Policy") {
		for _, st := range cdktest.Properties(pol)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			m := st.(map[string]any)
			if strings.Contains(cdktest.JSON(m["Action"]), "batch:") {
				listJobs = append(listJobs, id+" "+cdktest.JSON(m))
			}
		}
	}
	if len(listJobs) != 1 || !strings.Contains(listJobs[0], "QueueMetrics") || !strings.Contains(listJobs[0], `{"Action":"batch:ListJobs","Effect":"Allow","Resource":"*"}`) {
		t.Errorf("Batch statements = %q, want exactly batch:ListJobs for the queue-metrics function", listJobs)
	}
	f.tightTpl.Count(t, "AWS::Scheduler::Schedule", 0)
	if f.tightCluster.QueueMetricsJob != nil || f.tightCluster.StalledJobsAlarm != nil {
		t.Error("QueueMetrics.Disable left the function or its alarm")
	}
}

func TestDashboardShowsQueueDepthAndRunningJobsPerQueue(t *testing.T) {
	f := setup(t)
	body := cdktest.JSON(cdktest.Properties(cdktest.Only(t, f.tpl.Resources("AWS::CloudWatch::Dashboard")))["DashboardBody"])
	for _, metric := range []string{"QueueDepth", "RunningJobs"} {
		for _, q := range []string{"ClusterSpotQueue", "ClusterOnDemandQueue"} {
			// A metric entry: [namespace, name, "JobQueueName", <queue name>, ...].
			want := fmt.Sprintf(`\"%s\",\"%s\",\"JobQueueName\",\"",{"Fn::Select":[1,{"Fn::Split":["/",{"Fn::Select":[5,{"Fn::Split":[":",{"Fn::GetAtt":["%s`, f.cluster.MetricsNamespace, metric, q)
			if !strings.Contains(body, want) {
				t.Errorf("dashboard lacks %s of %s", metric, q)
			}
		}
	}
	for _, want := range []string{"Queue depth (jobs waiting, per queue)", "Running jobs (per queue)", "StalledJobsAlarm", "ClusterQueueMetricsFunction"} {
		if !strings.Contains(body, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	tight := cdktest.JSON(cdktest.Properties(cdktest.Only(t, f.tightTpl.Resources("AWS::CloudWatch::Dashboard")))["DashboardBody"])
	if strings.Contains(tight, "QueueDepth") || !strings.Contains(tight, "are not published (QueueMetrics.Disable)") {
		t.Error("with QueueMetrics.Disable the dashboard should say queue metrics are not published, and graph none")
	}
}

func TestStalledJobsAlarm(t *testing.T) {
	f := setup(t)
	alarm := cdktest.Properties(cdktest.Only(t, filter(f.tpl.Resources("AWS::CloudWatch::Alarm"), "StalledJobs")))
	periods := int(hpccluster.DefaultStalledAfter / hpccluster.StalledPeriod)
	if alarm["EvaluationPeriods"] != float64(periods) || alarm["DatapointsToAlarm"] != float64(periods) || alarm["Threshold"] != 1.0 ||
		alarm["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" || alarm["TreatMissingData"] != "notBreaching" {
		t.Errorf("alarm = %s, want >= 1 for %d of %d periods", cdktest.JSON(alarm), periods, periods)
	}
	metrics := cdktest.JSON(alarm["Metrics"])
	for _, want := range []string{`"Expression":"MAX([spot, ondemand])"`, `"MetricName":"StalledJobs"`, `"Stat":"Minimum"`, `"Period":300`, "ClusterSpotQueue", "ClusterOnDemandQueue"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("alarm metrics lack %s: %s", want, metrics)
		}
	}
	if !strings.Contains(cdktest.JSON(alarm["AlarmDescription"]), "for 30 minutes: the jobs cannot be placed") {
		t.Errorf("alarm description %v does not say how long", alarm["AlarmDescription"])
	}
}

// resourcesOf returns the resources of type typ whose logical ID contains id.
func resourcesOf(t *testing.T, tpl *cdktest.Template, typ, id string) map[string]any {
	t.Helper()
	for lid, r := range tpl.Resources(typ) {
		if strings.Contains(lid, id) {
			return cdktest.Properties(r)
		}
	}
	t.Fatalf("no %s with %s in its logical ID", typ, id)
	return nil
}

func TestQueuesHaveTheirOwnEnvironments(t *testing.T) {
	f := setup(t)
	tpl := f.queuesTpl
	tpl.Count(t, "AWS::Batch::JobQueue", 3)
	tpl.Count(t, "AWS::Batch::ComputeEnvironment", 4)
	order := func(queue string) string {
		return cdktest.JSON(resourcesOf(t, tpl, "AWS::Batch::JobQueue", queue)["ComputeEnvironmentOrder"])
	}
	for queue, want := range map[string][]string{
		"ClusterCpuQueue":   {"ClusterCpuSpotEnvironment", "ClusterCpuOnDemandEnvironment"},
		"ClusterGpuQueue":   {"ClusterGpuSpotEnvironment"},
		"ClusterTightQueue": {"ClusterTightOnDemandEnvironment"},
	} {
		got := order(queue)
		last := -1
		for _, env := range want {
			i := strings.Index(got, env)
			if i < 0 || i < last {
				t.Errorf("%s order %s: want %v in this order", queue, got, want)
			}
			last = i
		}
		if n := strings.Count(got, `"Order"`); n != len(want) {
			t.Errorf("%s has %d environments, want %d", queue, n, len(want))
		}
	}
	for queue, prio := range map[string]float64{"ClusterCpuQueue": 1, "ClusterGpuQueue": 5, "ClusterTightQueue": 10} {
		if got := resourcesOf(t, tpl, "AWS::Batch::JobQueue", queue)["Priority"]; got != prio {
			t.Errorf("%s priority %v, want %v", queue, got, prio)
		}
	}
	cr := func(env string) map[string]any {
		return resourcesOf(t, tpl, "AWS::Batch::ComputeEnvironment", env)["ComputeResources"].(map[string]any)
	}
	cpuSpot, cpuOD, gpu, tight := cr("CpuSpotEnvironment"), cr("CpuOnDemandEnvironment"), cr("GpuSpotEnvironment"), cr("TightOnDemandEnvironment")
	if cpuSpot["Type"] != "SPOT" || cpuOD["Type"] != "EC2" || gpu["Type"] != "SPOT" || tight["Type"] != "EC2" || cpuSpot["MaxvCpus"] != 512.0 || tight["MaxvCpus"] != 128.0 {
		t.Errorf("environment types or sizes: %v %v %v %v", cpuSpot["Type"], cpuOD["Type"], gpu["Type"], tight["Type"])
	}
	// Types outside the catalog reach AWS Batch as given.
	if got := cdktest.JSON(cpuSpot["InstanceTypes"]); !strings.Contains(got, `"m7i-flex.2xlarge"`) || !strings.Contains(got, `"c7i.48xlarge"`) {
		t.Errorf("cpu InstanceTypes = %s", got)
	}
	// The overflow environment spans every private subnet; the tight one
	// is in one, in the placement group.
	if len(cpuOD["Subnets"].([]any)) != 2 || cpuOD["PlacementGroup"] != nil || len(tight["Subnets"].([]any)) != 1 || tight["PlacementGroup"] == nil {
		t.Errorf("cpu On-Demand %s / tight %s", cdktest.JSON(cpuOD["Subnets"]), cdktest.JSON(tight["Subnets"]))
	}
	// GPU types boot the GPU image, here the queue's own AMI; CPU types the
	// ECS-optimized AL2023 image.
	if got := cdktest.JSON(gpu["Ec2Configuration"]); got != `[{"ImageIdOverride":"`+queuesAMI+`","ImageType":"ECS_AL2023_NVIDIA"}]` {
		t.Errorf("GPU Ec2Configuration = %s", got)
	}
	if got := cdktest.JSON(cpuSpot["Ec2Configuration"]); got != `[{"ImageType":"ECS_AL2023"}]` {
		t.Errorf("CPU Ec2Configuration = %s", got)
	}
	if f.queuesCluster.SpotQueue != f.queuesCluster.BatchQueues[0].Queue || f.queuesCluster.OnDemandQueue != f.queuesCluster.BatchQueues[2].Queue || len(f.queuesCluster.BatchQueues) != 3 {
		t.Error("SpotQueue and OnDemandQueue are not the first Spot and the first On-Demand queue")
	}
}

func TestGPUJobDefinitionAsksForGPUs(t *testing.T) {
	f := setup(t)
	gpu := cdktest.JSON(resourcesOf(t, f.queuesTpl, "AWS::Batch::JobDefinition", "GPUJobDefinition")["ContainerProperties"])
	if !strings.Contains(gpu, `{"Type":"GPU","Value":"1"}`) {
		t.Errorf("GPU job definition lacks the GPU requirement: %s", gpu)
	}
	plain := cdktest.JSON(resourcesOf(t, f.queuesTpl, "AWS::Batch::JobDefinition", "ClusterJobDefinition")["ContainerProperties"])
	if strings.Contains(plain, `"GPU"`) {
		t.Errorf("the CPU job definition asks for GPUs: %s", plain)
	}
	if f.cluster.GPUJobDefinition != nil || f.queuesCluster.GPUJobDefinition == nil {
		t.Error("GPUJobDefinition should exist exactly when a queue has GPU types")
	}
}

func TestBootstrapCommandsRunAfterTheMountsAndFailTheNode(t *testing.T) {
	f := setup(t)
	ud := userData(t, resourcesOf(t, f.queuesTpl, "AWS::EC2::LaunchTemplate", "LaunchTemplate")["LaunchTemplateData"].(map[string]any))
	mount := strings.Index(ud, "retry mount /fsx")
	first := strings.Index(ud, "( echo hello > /etc/motd ) || fail 'bootstrap command 1 failed'")
	second := strings.Index(ud, "( sysctl -w vm.swappiness=10 ) || fail 'bootstrap command 2 failed'")
	if mount < 0 || first < mount || second < first {
		t.Errorf("bootstrap commands missing or before the mounts:\n%s", ud)
	}
}

func TestSpotFallback(t *testing.T) {
	f := setup(t)
	tpl := f.queuesTpl
	sch := cdktest.Properties(cdktest.Only(t, filter(tpl.Resources("AWS::Scheduler::Schedule"), "SpotFallback")))
	if sch["ScheduleExpression"] != hpccluster.FallbackSchedule || !strings.Contains(cdktest.JSON(sch["Target"]), "DeadLetterConfig") ||
		!strings.Contains(cdktest.JSON(sch["Target"]), "RetryPolicy") {
		t.Errorf("schedule = %s, want %s with a dead-letter queue and a retry policy", cdktest.JSON(sch), hpccluster.FallbackSchedule)
	}
	fn := cdktest.Properties(cdktest.Only(t, filter(tpl.Resources("AWS::Lambda::Function"), "SpotFallback")))
	env := cdktest.JSON(fn["Environment"])
	for _, want := range []string{`"AFTER_SECONDS":"1800"`, `"FROM_QUEUE":{"Fn::GetAtt":["ClusterCpuQueue`, `"TO_QUEUE":{"Fn::GetAtt":["ClusterTightQueue`, `"JOB_DEFINITIONS"`} {
		if !strings.Contains(env, want) {
			t.Errorf("fallback environment lacks %s: %s", want, env)
		}
	}
	var stmts []string
	for id, pol := range tpl.Resources("AWS::IAM::Policy") {
		if strings.Contains(id, "SpotFallback") {
			stmts = append(stmts, cdktest.JSON(cdktest.Properties(pol)["PolicyDocument"]))
		}
	}
	doc := strings.Join(stmts, "\n")
	for _, want := range []string{`"Action":["batch:ListJobs","batch:DescribeJobs"]`, `"Action":"batch:SubmitJob"`, `"Action":["batch:TagResource","batch:CancelJob"]`, `:job/*`, `:job-definition/`} {
		if !strings.Contains(doc, want) {
			t.Errorf("fallback policy lacks %s:\n%s", want, doc)
		}
	}
	submit := doc[strings.Index(doc, `"Action":"batch:SubmitJob"`):]
	submit = submit[:strings.Index(submit, "}]}")]
	if !strings.Contains(submit, "ClusterTightQueue") || strings.Contains(submit, "ClusterCpuQueue") || strings.Contains(submit, `"Resource":"*"`) {
		t.Errorf("SubmitJob is not limited to the On-Demand queue and the job definitions: %s", submit)
	}
	if n := len(filter(tpl.Resources("AWS::CloudWatch::Alarm"), "SpotFallback")); n == 0 {
		t.Error("the fallback function has no alarm")
	}
	if f.queuesCluster.SpotFallbackJob == nil || f.cluster.SpotFallbackJob != nil {
		t.Error("SpotFallbackJob should exist only with SpotFallback.Enable")
	}
}

func TestQueueMetricsCoverEveryQueue(t *testing.T) {
	f := setup(t)
	alarm := cdktest.JSON(cdktest.Properties(cdktest.Only(t, filter(f.queuesTpl.Resources("AWS::CloudWatch::Alarm"), "StalledJobs")))["Metrics"])
	if !strings.Contains(alarm, `"Expression":"MAX([cpu, gpu, tight])"`) {
		t.Errorf("stalled alarm = %s", alarm)
	}
	fn := cdktest.JSON(cdktest.Properties(cdktest.Only(t, filter(f.queuesTpl.Resources("AWS::Lambda::Function"), "QueueMetrics")))["Environment"])
	for _, q := range []string{"ClusterCpuQueue", "ClusterGpuQueue", "ClusterTightQueue"} {
		if !strings.Contains(fn, q) {
			t.Errorf("JOB_QUEUES lacks %s: %s", q, fn)
		}
	}
}

func TestCostCoversEveryQueueAndRecordsTheCatalogDates(t *testing.T) {
	f := setup(t)
	e := f.queuesCluster.Estimate()
	var names []string
	for _, l := range e.Lines {
		names = append(names, l.Name)
	}
	want := []string{"queue cpu, Spot environment", "queue cpu, On-Demand environment", "queue gpu, Spot environment", "queue tight, On-Demand environment"}
	if !slices.Equal(names, want) {
		t.Errorf("lines %q, want %q", names, want)
	}
	// c6i.32xlarge: 5.44 $/h for 128 vCPUs On-Demand; 128 vCPUs of it.
	if got := e.Lines[3].PerHour; math.Abs(got-5.44) > 1e-9 {
		t.Errorf("tight queue = %v $/h, want 5.44", got)
	}
	// m7i-flex.2xlarge is outside the catalog; the GPU types are priced.
	gpu, err := hpccluster.EstimateHourlyCost([]string{"g5.xlarge", "g6.2xlarge", "g6e"}, hpccluster.DefaultMaxVCPUs)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(e.NoPrice, []string{"m7i-flex.2xlarge"}) || e.Lines[2].PerHour <= 0 || math.Abs(e.Lines[2].PerHour-gpu.SpotPerHour) > 1e-9 {
		t.Errorf("NoPrice = %v, gpu line %v: want only m7i-flex.2xlarge unpriced and the gpu queue at %v $/h", e.NoPrice, e.Lines[2], gpu.SpotPerHour)
	}
	if s := e.String(); !strings.Contains(s, "No price for ") || !strings.Contains(s, hpccluster.SpotPricesAsOf) {
		t.Errorf("String():\n%s", s)
	}
	// The default cluster: the Spot environment and the shared On-Demand
	// one, once.
	d := f.cluster.Estimate()
	if len(d.Lines) != 2 || math.Abs(d.Lines[0].PerHour-f.cluster.Cost().SpotPerHour) > 1e-9 || len(d.NoPrice) != 0 {
		t.Errorf("default estimate = %+v", d)
	}
	for _, c := range []*hpccluster.HPCCluster{f.cluster, f.queuesCluster} {
		var found bool
		for _, m := range *c.Node().Metadata() {
			if *m.Type != hpccluster.CostMetadataType {
				continue
			}
			found = true
			data := cdktest.JSON(m.Data)
			for _, want := range []string{hpccluster.OnDemandPricesAsOf, hpccluster.SpotPricesAsOf, hpccluster.Round2AsOf, hpccluster.Round2OnDemandAsOf, "USD/hour at full size"} {
				if !strings.Contains(data, want) {
					t.Errorf("%s metadata lacks %q: %s", *c.Node().Path(), want, data)
				}
			}
		}
		if !found {
			t.Errorf("%s has no %s metadata", *c.Node().Path(), hpccluster.CostMetadataType)
		}
	}
}

func TestSlurmModeOnPCS(t *testing.T) {
	f := setup(t)
	tpl := f.slurmTpl
	for _, typ := range []string{"AWS::Batch::ComputeEnvironment", "AWS::Batch::JobQueue", "AWS::Batch::JobDefinition"} {
		tpl.Count(t, typ, 0)
	}
	cl := cdktest.Properties(cdktest.Only(t, tpl.Resources("AWS::PCS::Cluster")))
	if got := cdktest.JSON(cl["Scheduler"]); got != `{"Type":"SLURM","Version":"`+hpccluster.DefaultSlurmVersion+`"}` || cl["Size"] != "SMALL" {
		t.Errorf("cluster = %s", cdktest.JSON(cl))
	}
	if got := cdktest.JSON(cl["SlurmConfiguration"]); got != `{"Accounting":{"Mode":"STANDARD"},"ScaleDownIdleTimeInSeconds":600}` {
		t.Errorf("SlurmConfiguration = %s", got)
	}
	groups := map[string]map[string]any{}
	for _, g := range tpl.Resources("AWS::PCS::ComputeNodeGroup") {
		p := cdktest.Properties(g)
		groups[p["Name"].(string)] = p
	}
	if len(groups) != 3 {
		t.Fatalf("node groups %v, want login, spot-spot, ondemand-ondemand", groups)
	}
	check := func(name, purchase string, min, max float64, subnets int, types string) {
		g := groups[name]
		if g == nil {
			t.Errorf("no node group %s", name)
			return
		}
		sc := g["ScalingConfiguration"].(map[string]any)
		if g["PurchaseOption"] != purchase || sc["MinInstanceCount"] != min || sc["MaxInstanceCount"] != max || len(g["SubnetIds"].([]any)) != subnets ||
			cdktest.JSON(g["InstanceConfigs"]) != types || g["AmiId"] != queuesAMI || !strings.Contains(cdktest.JSON(g["CustomLaunchTemplate"]), "LatestVersionNumber") ||
			!strings.Contains(cdktest.JSON(g["IamInstanceProfileArn"]), "SlurmInstanceProfile") {
			t.Errorf("node group %s = %s", name, cdktest.JSON(g))
		}
	}
	check("login", "ONDEMAND", 1, 1, 1, `[{"InstanceType":"`+hpccluster.DefaultLoginInstanceType+`"}]`)
	check("spot-spot", "SPOT", 0, hpccluster.DefaultSlurmMaxInstances, 2, `[{"InstanceType":"c7g.16xlarge"},{"InstanceType":"c6g.16xlarge"},{"InstanceType":"c7gn.16xlarge"},{"InstanceType":"c6gn.16xlarge"}]`)
	check("ondemand-ondemand", "ONDEMAND", 0, hpccluster.DefaultSlurmOnDemandMaxInstances, 2, `[{"InstanceType":"c7g.16xlarge"}]`)
	if got := cdktest.JSON(groups["spot-spot"]["SpotOptions"]); got != `{"AllocationStrategy":"price-capacity-optimized"}` {
		t.Errorf("SpotOptions = %s", got)
	}
	queues := map[string]string{}
	for _, q := range tpl.Resources("AWS::PCS::Queue") {
		p := cdktest.Properties(q)
		queues[p["Name"].(string)] = cdktest.JSON(p["ComputeNodeGroupConfigurations"])
	}
	if !strings.Contains(queues["spot"], "SlurmSpotSpotNodes") || !strings.Contains(queues["ondemand"], "SlurmOndemandOnDemandNodes") || len(queues) != 2 {
		t.Errorf("queues = %v", queues)
	}
	profile := cdktest.Properties(cdktest.Only(t, tpl.Resources("AWS::IAM::InstanceProfile")))
	if profile["Path"] != "/aws-pcs/" {
		t.Errorf("instance profile path %v, want /aws-pcs/ (AWS PCS requires it or an AWSPCS name)", profile["Path"])
	}
	var pcs bool
	for _, pol := range tpl.Resources("AWS::IAM::Policy") {
		pcs = pcs || strings.Contains(cdktest.JSON(pol), "pcs:RegisterComputeNodeGroupInstance")
	}
	if !pcs {
		t.Error("no node may pcs:RegisterComputeNodeGroupInstance")
	}
	data := cdktest.Properties(cdktest.Only(t, tpl.Resources("AWS::EC2::LaunchTemplate")))["LaunchTemplateData"].(map[string]any)
	if !strings.Contains(cdktest.JSON(data["SecurityGroupIds"]), "ClusterSecurityGroup") {
		t.Errorf("launch template security groups = %s", cdktest.JSON(data["SecurityGroupIds"]))
	}
	ud := userData(t, data)
	for _, want := range []string{
		"retry mount /fsx || fail", "retry mount /efs || fail",
		"shutting down so that AWS PCS replaces this instance",
		"retry aws s3 cp --only-show-errors ", "cdk-hnb659fds-assets-", " " + hpccluster.SlurmWorkloadPath + " || fail 'downloading the workload failed'",
		"'export SHARED_DIR=/fsx/scratch'", "'export WORKLOAD=" + hpccluster.SlurmWorkloadPath + "'", `'export WORKLOAD_ARGS='"'"'-samples 1000000'"'"''`,
		"> " + hpccluster.SlurmProfile + " || fail", "( echo slurm ) || fail 'bootstrap command 1 failed'",
	} {
		if !strings.Contains(ud, want) {
			t.Errorf("Slurm user data lacks %q", want)
		}
	}
	// The sbatch script reads what the nodes write.
	script, err := os.ReadFile("../../functions/montecarlo/slurm/montecarlo.sbatch")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{hpccluster.SlurmProfile, `exec "$WORKLOAD" ${WORKLOAD_ARGS:-}`, "--partition=spot"} {
		if !strings.Contains(string(script), want) {
			t.Errorf("the sbatch script lacks %q", want)
		}
	}
	e := f.slurmCluster.Estimate()
	if len(e.Lines) != 3 || e.Lines[2].Name != "Slurm login node" || !slices.Contains(e.NoPrice, "the AWS PCS controller (SMALL)") || !slices.Contains(e.NoPrice, "Slurm accounting") {
		t.Errorf("Slurm estimate = %+v", e)
	}
	// 4 Spot c7g/c6g/c7gn/c6gn.16xlarge at their mean Spot price
	// (0.5421 + 0.3488 + 0.6887 + 0.5406) / 4 = 0.53005 $/h: 2.1202 $/h.
	if math.Abs(e.Lines[0].PerHour-4*(0.5421+0.3488+0.6887+0.5406)/4) > 1e-9 {
		t.Errorf("Spot node group = %v $/h", e.Lines[0].PerHour)
	}
}

// logicalID is the logical ID of a construct's CloudFormation resource.
func logicalID(c awscdk.IResource) string {
	return *awscdk.Stack_Of(c).GetLogicalId(c.Node().DefaultChild().(awscdk.CfnElement))
}

// The job-state rule's only target retries, then sends the event to an
// encrypted, retained dead-letter queue only the rule may send to, whose
// alarm notifies the alarm topic.
func TestJobEventsRuleHasDeadLetterQueueRetriesAndAlarm(t *testing.T) {
	f := setup(t)
	for _, tc := range []struct {
		name  string
		tpl   *cdktest.Template
		c     *hpccluster.HPCCluster
		retry string
	}{
		{"defaults", f.tpl, f.cluster, `{"MaximumEventAgeInSeconds":86400,"MaximumRetryAttempts":185}`},
		{"tight", f.tightTpl, f.tightCluster, `{"MaximumEventAgeInSeconds":7200,"MaximumRetryAttempts":10}`},
		{"queues", f.queuesTpl, f.queuesCluster, `{"MaximumEventAgeInSeconds":86400,"MaximumRetryAttempts":185}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dlq := logicalID(tc.c.JobEventsDeadLetters)
			rule := cdktest.Properties(cdktest.Only(t, tc.tpl.Resources("AWS::Events::Rule")))
			targets := rule["Targets"].([]any)
			if len(targets) != 1 {
				t.Fatalf("rule targets = %s", cdktest.JSON(targets))
			}
			target := targets[0].(map[string]any)
			if got, want := cdktest.JSON(target["DeadLetterConfig"]), `{"Arn":{"Fn::GetAtt":["`+dlq+`","Arn"]}}`; got != want {
				t.Errorf("DeadLetterConfig = %s, want %s", got, want)
			}
			if got := cdktest.JSON(target["RetryPolicy"]); got != tc.retry {
				t.Errorf("RetryPolicy = %s, want %s", got, tc.retry)
			}
			q := tc.tpl.Resources("AWS::SQS::Queue")[dlq]
			p := cdktest.Properties(q)
			if q["DeletionPolicy"] != "Retain" || p["SqsManagedSseEnabled"] != true || p["MessageRetentionPeriod"] != float64(14*24*3600) {
				t.Errorf("dead-letter queue = %s, want retained, SQS-managed encryption, 14 days", cdktest.JSON(q))
			}
			var policy string
			for _, qp := range tc.tpl.Resources("AWS::SQS::QueuePolicy") {
				if strings.Contains(cdktest.JSON(cdktest.Properties(qp)["Queues"]), dlq) {
					policy = cdktest.JSON(cdktest.Properties(qp)["PolicyDocument"])
				}
			}
			rid := *awscdk.Stack_Of(tc.c.Construct).GetLogicalId(tc.c.JobEventsRule)
			for _, want := range []string{`"Condition":{"Bool":{"aws:SecureTransport":"false"}},"Effect":"Deny"`,
				`"Action":"sqs:SendMessage","Condition":{"ArnEquals":{"aws:SourceArn":{"Fn::GetAtt":["` + rid + `","Arn"]}}},"Effect":"Allow","Principal":{"Service":"events.amazonaws.com"}`} {
				if !strings.Contains(policy, want) {
					t.Errorf("queue policy %s lacks %s", policy, want)
				}
			}
			alarm := cdktest.Properties(tc.tpl.Resources("AWS::CloudWatch::Alarm")[logicalID(tc.c.JobEventsDeadLettersAlarm)])
			topic := logicalID(tc.c.AlarmTopic)
			if alarm["MetricName"] != "ApproximateNumberOfMessagesVisible" || alarm["Threshold"] != float64(1) || alarm["ComparisonOperator"] != "GreaterThanOrEqualToThreshold" ||
				cdktest.JSON(alarm["AlarmActions"]) != `[{"Ref":"`+topic+`"}]` || cdktest.JSON(alarm["Dimensions"]) != `[{"Name":"QueueName","Value":{"Fn::GetAtt":["`+dlq+`","QueueName"]}}]` {
				t.Errorf("dead-letter alarm = %s", cdktest.JSON(alarm))
			}
		})
	}
	if f.slurmCluster.JobEventsDeadLetters != nil {
		t.Error("Slurm mode has no job-state rule, so no dead-letter queue")
	}
}

// The data bucket is SSE-KMS on the cluster's key (created, rotating and
// retained; or ExistingKey), which the job role (Batch) or the node role
// (Slurm) may use to write results and, for a created key, FSx for
// Lustre's service-linked roles through S3. The access-log bucket stays
// SSE-S3, which S3 log delivery needs.
func TestDataBucketIsOnTheClusterKey(t *testing.T) {
	f := setup(t)
	bucketEnc := func(tpl *cdktest.Template, b awscdk.IResource) string {
		return cdktest.JSON(cdktest.Properties(tpl.Resources("AWS::S3::Bucket")[logicalID(b)])["BucketEncryption"])
	}
	roleGrants := func(tpl *cdktest.Template, role string, key string) {
		t.Helper()
		want := `{"Action":["kms:GenerateDataKey","kms:Decrypt"],"Effect":"Allow","Resource":` + key + `}`
		for id, pol := range tpl.Resources("AWS::IAM::Policy") {
			if strings.Contains(id, role) && strings.Contains(cdktest.JSON(cdktest.Properties(pol)["PolicyDocument"]), want) {
				return
			}
		}
		t.Errorf("no policy of %s has %s", role, want)
	}
	for _, tc := range []struct {
		name string
		tpl  *cdktest.Template
		c    *hpccluster.HPCCluster
		role string
	}{{"defaults", f.tpl, f.cluster, "ClusterJobRole"}, {"slurm", f.slurmTpl, f.slurmCluster, "ClusterSlurmInstanceRole"}} {
		t.Run(tc.name, func(t *testing.T) {
			key := logicalID(tc.c.Key)
			if got := logicalID(tc.c.DataBucket); !strings.HasPrefix(got, "ClusterData") {
				t.Errorf("data bucket logical ID %s", got)
			}
			k := tc.tpl.Resources("AWS::KMS::Key")[key]
			if k["DeletionPolicy"] != "Retain" || cdktest.Properties(k)["EnableKeyRotation"] != true {
				t.Errorf("cluster key = %s, want retained with rotation", cdktest.JSON(k))
			}
			enc := bucketEnc(tc.tpl, tc.c.DataBucket)
			for _, want := range []string{`"SSEAlgorithm":"aws:kms"`, `"KMSMasterKeyID":{"Fn::GetAtt":["` + key + `","Arn"]}`, `"BucketKeyEnabled":true`} {
				if !strings.Contains(enc, want) {
					t.Errorf("data bucket encryption %s lacks %s", enc, want)
				}
			}
			if enc := bucketEnc(tc.tpl, tc.c.AccessLogs); !strings.Contains(enc, `"SSEAlgorithm":"AES256"`) {
				t.Errorf("access log bucket encryption = %s, want SSE-S3", enc)
			}
			roleGrants(tc.tpl, tc.role, `{"Fn::GetAtt":["`+key+`","Arn"]}`)
			policy := cdktest.JSON(cdktest.Properties(k)["KeyPolicy"])
			for _, want := range []string{`"Sid":"` + hpccluster.LustreKeyPolicySid + `"`, `"Principal":{"AWS":"*"}`,
				`:role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/AWSServiceRoleForFSxS3Access_*"]]}}`,
				`"kms:CallerAccount":`, `"kms:ViaService":`} {
				if !strings.Contains(policy, want) {
					t.Errorf("key policy lacks %s: %s", want, policy)
				}
			}
		})
	}
	// The tight cluster's data bucket is on its ExistingKey: no key of its own.
	enc := bucketEnc(f.tightTpl, f.tightCluster.DataBucket)
	if !strings.Contains(enc, `"SSEAlgorithm":"aws:kms"`) || !strings.Contains(enc, `"KMSMasterKeyID":"`+tightDataKey+`"`) {
		t.Errorf("tight data bucket encryption = %s, want the existing key", enc)
	}
	for id := range f.tightTpl.Resources("AWS::KMS::Key") {
		if strings.HasPrefix(id, "Cluster") {
			t.Errorf("the tight cluster made key %s beside its ExistingKey", id)
		}
	}
	roleGrants(f.tightTpl, "ClusterJobRole", `"`+tightDataKey+`"`)
}

// Nothing in the public subnets needs a public IP (the NAT gateways have
// Elastic IPs), and the Slurm login node is in a private subnet.
func TestSubnetsAssignNoPublicIPs(t *testing.T) {
	f := setup(t)
	for name, tpl := range map[string]*cdktest.Template{"defaults": f.tpl, "tight": f.tightTpl, "queues": f.queuesTpl, "slurm": f.slurmTpl} {
		public := 0
		for id, sn := range tpl.Resources("AWS::EC2::Subnet") {
			if strings.Contains(id, "Public") {
				public++
			}
			if cdktest.Properties(sn)["MapPublicIpOnLaunch"] != false {
				t.Errorf("%s: subnet %s has MapPublicIpOnLaunch %v", name, id, cdktest.Properties(sn)["MapPublicIpOnLaunch"])
			}
		}
		if public == 0 {
			t.Errorf("%s: no public subnet to check", name)
		}
	}
	for _, g := range f.slurmTpl.Resources("AWS::PCS::ComputeNodeGroup") {
		if p := cdktest.Properties(g); p["Name"] == "login" && !strings.Contains(cdktest.JSON(p["SubnetIds"]), "PrivateSubnet") {
			t.Errorf("login node subnets = %s, want a private subnet", cdktest.JSON(p["SubnetIds"]))
		}
	}
}

// LogEncryptionKey encrypts every log group the cluster creates, in either
// mode; the defaults leave them on CloudWatch Logs' own encryption.
func TestLogEncryptionKey(t *testing.T) {
	f := setup(t)
	if n := f.tightTpl.LogGroupsUseKey(t, f.tightCluster.Construct, f.tightLogKey); n != 3 {
		t.Errorf("tight cluster: %d log groups, want 3 (flow logs, job logs, job events)", n)
	}
	// The queues and Slurm stacks are environment-agnostic, where
	// LogGroupsUseKey cannot read the region of the key policy: every log
	// group of theirs is on the key (queues: flow logs, job logs, job
	// events, the queue-metrics and Spot-fallback functions' logs; Slurm:
	// flow logs).
	for name, tc := range map[string]struct {
		tpl  *cdktest.Template
		key  awskms.Key
		want int
	}{"queues": {f.queuesTpl, f.queuesLogKey, 5}, "slurm": {f.slurmTpl, f.slurmLogKey, 1}} {
		want := `{"Fn::GetAtt":["` + logicalID(tc.key) + `","Arn"]}`
		groups := tc.tpl.Resources("AWS::Logs::LogGroup")
		for id, lg := range groups {
			if got := cdktest.JSON(cdktest.Properties(lg)["KmsKeyId"]); got != want {
				t.Errorf("%s: log group %s KmsKeyId = %s, want %s", name, id, got, want)
			}
		}
		if len(groups) != tc.want {
			t.Errorf("%s: %d log groups, want %d", name, len(groups), tc.want)
		}
		if policy := cdktest.JSON(cdktest.Properties(tc.tpl.Resources("AWS::KMS::Key")[logicalID(tc.key)])["KeyPolicy"]); !strings.Contains(policy, `"kms:EncryptionContext:aws:logs:arn"`) {
			t.Errorf("%s: the log key's policy does not let CloudWatch Logs use it: %s", name, policy)
		}
	}
	for id, lg := range f.tpl.Resources("AWS::Logs::LogGroup") {
		if _, ok := cdktest.Properties(lg)["KmsKeyId"]; ok {
			t.Errorf("%s is encrypted without LogEncryptionKey", id)
		}
	}
}
