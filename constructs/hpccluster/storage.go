package hpccluster

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsefs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsfsx"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
)

// LustreKeyPolicySid is the Sid of the statement of the data bucket's key
// that lets FSx for Lustre use it through S3.
const LustreKeyPolicySid = "FSxForLustreThroughS3"

// newStorage creates the data bucket and the shared file systems, all
// retained when the stack is deleted.
func (h *HPCCluster) newStorage() {
	h.AccessLogs = securebucket.NewAccessLogs(h.Construct, "AccessLogs", false)
	h.Key = h.cfg.ExistingKey
	if h.Key == nil {
		h.Key = awskms.NewKey(h.Construct, jsii.String("Key"), &awskms.KeyProps{
			Description:       jsii.String("Encrypts the data bucket of " + *h.Node().Path()),
			EnableKeyRotation: jsii.Bool(true),
			RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
		})
	}
	// The data bucket keeps its logical ID: moving it from SSE-S3 to
	// SSE-KMS updates it in place (objects already in it stay SSE-S3).
	h.DataBucket = securebucket.New(h.Construct, "Data", securebucket.Props{EncryptionKey: h.Key, AccessLogs: h.AccessLogs})
	if !h.cfg.Lustre.Disable {
		// FSx for Lustre reads and writes the linked bucket as its
		// service-linked role AWSServiceRoleForFSxS3Access_<file system
		// ID>, which must be let use the bucket's key through S3 (FSx for
		// Lustre User Guide, "Working with server-side encrypted Amazon S3
		// buckets"). The file system's ID cannot appear here (the file
		// system names the bucket, the bucket the key), so the statement
		// takes any file system's role of this account, by its ARN, and
		// only through S3. A no-op for ExistingKey, whose owner adds it.
		st := awscdk.Stack_Of(h.Construct)
		h.Key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(LustreKeyPolicySid),
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"),
			Resources:  jsii.Strings("*"),
			Conditions: &map[string]any{
				"ArnLike": map[string]any{"aws:PrincipalArn": "arn:" + *st.Partition() + ":iam::" + *st.Account() + ":role/aws-service-role/s3.data-source.lustre.fsx.amazonaws.com/AWSServiceRoleForFSxS3Access_*"},
				"StringEquals": map[string]any{
					"kms:CallerAccount": st.Account(),
					"kms:ViaService":    "s3." + *st.Region() + ".amazonaws.com",
				},
			},
		}), jsii.Bool(true))
	}

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
