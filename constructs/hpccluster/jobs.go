package hpccluster

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsbatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsecs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
)

// jobScript is the container command: check the shared file system is
// mounted (Lustre, or EFS as NFSv4: a failed mount would otherwise leave jobs
// writing to the instance's own disk through the bind mount), fetch the workload binary from its S3
// asset (installing the AWS CLI when the image lacks it) and run it with
// WORKLOAD_ARGS. On a multi-node job, each node runs as the array child of
// its node index, so a shard-per-index workload runs unchanged; RUN_ID
// defaults to the parent job's ID in both cases.
const jobScript = `set -eu
if ! grep -qsE " ${SHARED_DIR%/*} (lustre|nfs4) " /proc/mounts; then
  echo "${SHARED_DIR%/*} is not mounted on this instance: see its cloud-init log" >&2
  exit 1
fi
command -v aws >/dev/null 2>&1 || dnf install -y -q awscli-2
aws s3 cp --only-show-errors "$WORKLOAD_URL" /tmp/workload
chmod 0755 /tmp/workload
if [ -n "${AWS_BATCH_JOB_NODE_INDEX:-}" ]; then
  export AWS_BATCH_JOB_ARRAY_INDEX="$AWS_BATCH_JOB_NODE_INDEX" ARRAY_SIZE="$AWS_BATCH_JOB_NUM_NODES"
fi
export RUN_ID="${RUN_ID:-${AWS_BATCH_JOB_ID%%[:#]*}}"
mkdir -p "$SHARED_DIR"
exec /tmp/workload ${WORKLOAD_ARGS:-}`

// efaDevice is the EFA device a container needs passed through.
const efaDevice = "/dev/infiniband/uverbs0"

// newJobs builds the workload, its role, log group and job definitions.
func (h *HPCCluster) newJobs() {
	c := h.cfg
	h.Workload = golambda.NewAsset(h.Construct, "Workload", c.Workload.Entry, c.goarch(),
		"workload "+c.Workload.Entry+" linux/"+c.goarch())

	h.JobRole = awsiam.NewRole(h.Construct, jsii.String("JobRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ecs-tasks.amazonaws.com"), nil),
		Description: jsii.String("Jobs of " + *h.Node().Path() + ": read the workload, write results"),
	})
	// Exactly the workload object, and exactly the result prefix.
	h.JobRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: jsii.Strings(*h.Workload.Bucket().ArnForObjects(h.Workload.S3ObjectKey())),
	}))
	h.JobRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("s3:PutObject"),
		Resources: jsii.Strings(*h.DataBucket.ArnForObjects(jsii.String(c.Workload.ResultPrefix + "/*"))),
	}))
	h.JobRole.AddToPrincipalPolicy(h.resultKeyStatement())

	nag.Suppress(h.JobRole, "AwsSolutions-IAM5",
		"The workload writes one object per result under a run-specific key it chooses at run time; the grant is s3:PutObject only, on the result prefix of the data bucket only.",
		fmt.Sprintf("/^Resource::<[A-Za-z0-9]+\\.Arn>\\/%s\\/\\*$/", regexp.QuoteMeta(c.Workload.ResultPrefix)))

	h.JobLogs = loggroup.New(h.Construct, "JobLogs", loggroup.Props{Retention: c.LogRetention, EncryptionKey: c.LogEncryptionKey})

	env := map[string]*string{
		"SHARED_DIR":    jsii.String(c.sharedDir()),
		"DATA_BUCKET":   h.DataBucket.BucketName(),
		"RESULT_PREFIX": jsii.String(c.Workload.ResultPrefix),
		"WORKLOAD_URL":  h.Workload.S3ObjectUrl(),
		// The SDKs and the AWS CLI find their Region here; older ECS
		// agents set neither variable in containers, and the SDKs do not
		// ask IMDS for it (which the launch template's hop limit of 1 keeps
		// out of a container's reach anyway).
		"AWS_REGION":         awscdk.Aws_REGION(),
		"AWS_DEFAULT_REGION": awscdk.Aws_REGION(),
	}
	if len(c.Workload.Args) > 0 {
		env["WORKLOAD_ARGS"] = jsii.String(strings.Join(c.Workload.Args, " "))
	}
	for k, v := range c.Workload.Environment {
		env[k] = jsii.String(v)
	}

	retries := &[]awsbatch.RetryStrategy{
		// A Spot interruption ends the job with "Host EC2 (instance ...)
		// terminated.": run it again. Any other failure is the workload's:
		// retrying would fail the same way, so stop.
		awsbatch.RetryStrategy_Of(awsbatch.Action_RETRY, awsbatch.Reason_Custom(&awsbatch.CustomReason{OnStatusReason: jsii.String("Host EC2*")})),
		awsbatch.RetryStrategy_Of(awsbatch.Action_EXIT, awsbatch.Reason_Custom(&awsbatch.CustomReason{OnReason: jsii.String("*")})),
	}
	timeout := awscdk.Duration_Seconds(jsii.Number(c.Job.Timeout.Seconds()))

	h.JobDefinition = awsbatch.NewEcsJobDefinition(h.Construct, jsii.String("JobDefinition"), &awsbatch.EcsJobDefinitionProps{
		Container:       h.container("Container", env, false, 0),
		RetryAttempts:   jsii.Number(float64(c.Job.RetryAttempts)),
		RetryStrategies: retries,
		Timeout:         timeout,
		PropagateTags:   jsii.Bool(true),
	})

	if slices.ContainsFunc(c.queues, queueConfig.gpu) {
		// The ECS GPU-optimized image exposes the GPUs; the job asks for
		// Job.GPUs of them (resourceRequirements GPU).
		h.GPUJobDefinition = awsbatch.NewEcsJobDefinition(h.Construct, jsii.String("GPUJobDefinition"), &awsbatch.EcsJobDefinitionProps{
			Container:       h.container("GPUContainer", env, false, c.Job.GPUs),
			RetryAttempts:   jsii.Number(float64(c.Job.RetryAttempts)),
			RetryStrategies: retries,
			Timeout:         timeout,
			PropagateTags:   jsii.Bool(true),
		})
	}

	mn := &awsbatch.MultiNodeJobDefinitionProps{
		Containers: &[]*awsbatch.MultiNodeContainer{{
			Container: h.container("MultiNodeContainer", env, c.EFA, 0),
			StartNode: jsii.Number(0),
			EndNode:   jsii.Number(float64(c.Job.MultiNodeNodes - 1)),
		}},
		MainNode:        jsii.Number(0),
		RetryAttempts:   jsii.Number(float64(c.Job.RetryAttempts)),
		RetryStrategies: retries,
		Timeout:         timeout,
		PropagateTags:   jsii.Bool(true),
	}
	if t := c.Job.MultiNodeInstanceType; t != "" {
		it, _ := ParseInstanceType(t)
		mn.InstanceType = instanceTypesOf(it)
	}
	h.MultiNodeJobDefinition = awsbatch.NewMultiNodeJobDefinition(h.Construct, jsii.String("MultiNodeJobDefinition"), mn)
	if c.EFA {
		// AWS Batch spells device permissions in capitals (READ, WRITE,
		// MKNOD); the L2 renders them in ECS's lower case.
		cfn := h.MultiNodeJobDefinition.Node().DefaultChild().(awsbatch.CfnJobDefinition)
		cfn.AddPropertyOverride(jsii.String("NodeProperties.NodeRangeProperties.0.Container.LinuxParameters.Devices"), []any{map[string]any{
			"HostPath":      efaDevice,
			"ContainerPath": efaDevice,
			"Permissions":   []string{"READ", "WRITE", "MKNOD"},
		}})
	}
}

func instanceTypesOf(t InstanceType) awsec2.InstanceType {
	return (*instanceTypes([]InstanceType{t}))[0]
}

// container is the workload's container: the job script, the shared file
// systems as host volumes, logs to JobLogs, the job role.
func (h *HPCCluster) container(id string, env map[string]*string, efa bool, gpus int) awsbatch.EcsEc2ContainerDefinition {
	c := h.cfg
	var volumes []awsbatch.EcsVolume
	var mounts []string
	if h.Lustre != nil {
		mounts = append(mounts, LustreMountPath)
	}
	if h.EFS != nil {
		mounts = append(mounts, EFSMountPath)
	}
	sort.Strings(mounts)
	for _, m := range mounts {
		volumes = append(volumes, awsbatch.EcsVolume_Host(&awsbatch.HostVolumeOptions{
			Name:          jsii.String(strings.TrimPrefix(m, "/")),
			HostPath:      jsii.String(m),
			ContainerPath: jsii.String(m),
		}))
	}
	props := &awsbatch.EcsEc2ContainerDefinitionProps{
		Image:       awsecs.ContainerImage_FromRegistry(jsii.String(c.Job.Image), nil),
		Cpu:         jsii.Number(float64(c.Job.VCPUs)),
		Memory:      awscdk.Size_Mebibytes(jsii.Number(float64(c.Job.MemoryMiB))),
		Command:     jsii.Strings("/bin/sh", "-c", jobScript),
		Environment: &env,
		JobRole:     h.JobRole,
		Volumes:     &volumes,
		Logging: awsecs.LogDriver_AwsLogs(&awsecs.AwsLogDriverProps{
			LogGroup:     h.JobLogs,
			StreamPrefix: jsii.String("job"),
		}),
	}
	if gpus > 0 {
		props.Gpu = jsii.Number(float64(gpus))
	}
	if efa {
		lp := awsbatch.NewLinuxParameters(h.Construct, jsii.String(id+"LinuxParameters"), nil)
		lp.AddDevices(&awsbatch.Device{
			HostPath:      jsii.String(efaDevice),
			ContainerPath: jsii.String(efaDevice),
			Permissions:   &[]awsbatch.DevicePermission{awsbatch.DevicePermission_READ, awsbatch.DevicePermission_WRITE, awsbatch.DevicePermission_MKNOD},
		})
		props.LinuxParameters = lp
	}
	return awsbatch.NewEcsEc2ContainerDefinition(h.Construct, jsii.String(id), props)
}
