package hpccluster

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsefs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsfsx"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
)

// newStorage creates the data bucket and the shared file systems, all
// retained when the stack is deleted.
func (h *HPCCluster) newStorage() {
	h.AccessLogs = securebucket.NewAccessLogs(h.Construct, "AccessLogs", false)
	h.DataBucket = securebucket.New(h.Construct, "Data", securebucket.Props{AccessLogs: h.AccessLogs})

	if l := h.cfg.Lustre; !l.Disable {
		dataPath := "s3://" + *h.DataBucket.BucketName() + "/" + DataPrefix
		conf := &awsfsx.LustreConfiguration{
			DeploymentType: awsfsx.LustreDeploymentType(l.DeploymentType),
		}
		if l.DeploymentType == LustrePersistent2 {
			conf.PerUnitStorageThroughput = jsii.Number(float64(l.ThroughputPerTiB))
			conf.AutomaticBackupRetention = awscdk.Duration_Days(jsii.Number(float64(l.BackupRetentionDays)))
			conf.CopyTagsToBackups = jsii.Bool(true)
			conf.DataCompressionType = awsfsx.LustreDataCompressionType_LZ4
		} else {
			// SCRATCH_2 links to S3 through import and export paths. FSx
			// maps the import path to the root of the file system
			// (s3://bucket/data/x is /fsx/x) and imports new, changed and
			// deleted objects automatically; it exports only when a data
			// repository task is run (EXPORT_TO_REPOSITORY), to the same
			// prefix.
			conf.ImportPath = jsii.String(dataPath)
			conf.ExportPath = jsii.String(dataPath)
			conf.AutoImportPolicy = awsfsx.LustreAutoImportPolicy_NEW_CHANGED_DELETED
			conf.DataCompressionType = awsfsx.LustreDataCompressionType_LZ4
		}
		h.Lustre = awsfsx.NewLustreFileSystem(h.Construct, jsii.String("Lustre"), &awsfsx.LustreFileSystemProps{
			Vpc:                   h.Vpc,
			VpcSubnet:             h.tightSubnet(),
			SecurityGroup:         h.SecurityGroup,
			StorageCapacityGiB:    jsii.Number(float64(l.CapacityGiB)),
			LustreConfiguration:   conf,
			FileSystemTypeVersion: awsfsx.FileSystemTypeVersion_V_2_15,
			RemovalPolicy:         awscdk.RemovalPolicy_RETAIN,
		})
		if l.DeploymentType == LustrePersistent2 {
			// PERSISTENT_2 links to S3 through a data repository
			// association: /fsx/data <-> s3://bucket/data/, both ways.
			events := jsii.Strings("NEW", "CHANGED", "DELETED")
			h.DataRepository = awsfsx.NewCfnDataRepositoryAssociation(h.Construct, jsii.String("DataRepository"), &awsfsx.CfnDataRepositoryAssociationProps{
				FileSystemId:                h.Lustre.FileSystemId(),
				FileSystemPath:              jsii.String(LustreDataPath),
				DataRepositoryPath:          jsii.String(dataPath + "/"),
				BatchImportMetaDataOnCreate: jsii.Bool(true),
				S3: &awsfsx.CfnDataRepositoryAssociation_S3Property{
					AutoImportPolicy: &awsfsx.CfnDataRepositoryAssociation_AutoImportPolicyProperty{Events: events},
					AutoExportPolicy: &awsfsx.CfnDataRepositoryAssociation_AutoExportPolicyProperty{Events: events},
				},
			})
			h.DataRepository.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
		}
	}

	if !h.cfg.EFS.Disable {
		h.EFS = awsefs.NewFileSystem(h.Construct, jsii.String("Home"), &awsefs.FileSystemProps{
			Vpc:                    h.Vpc,
			VpcSubnets:             h.privateSubnets(),
			SecurityGroup:          h.SecurityGroup,
			Encrypted:              jsii.Bool(true),
			EnableAutomaticBackups: jsii.Bool(true),
			// Mounts must authenticate with IAM: the instance role is granted
			// access, anonymous NFS clients are refused.
			AllowAnonymousAccess: jsii.Bool(false),
			PerformanceMode:      awsefs.PerformanceMode_GENERAL_PURPOSE,
			ThroughputMode:       awsefs.ThroughputMode_ELASTIC,
			LifecyclePolicy:      awsefs.LifecyclePolicy_AFTER_30_DAYS,
			RemovalPolicy:        awscdk.RemovalPolicy_RETAIN,
		})
	}
}
