package scaledwebtier

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticache"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
)

func (x *ScaledWebTier) newDatabase(c *config) {
	if c.Database.Engine == DynamoDB {
		x.newDataTable(c)
		return
	}
	x.newAurora(c)
}

// newDataTable is the DynamoDB database: a single-table design keyed by pk
// and sk, named from Name so every region finds it at stage 5.
func (x *ScaledWebTier) newDataTable(c *config) {
	name := x.Name + "-data"
	x.AppEnvironment["DATA_TABLE"] = name
	x.grantItems(name, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
		"dynamodb:Query", "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem")
	if !x.Primary {
		return // the primary's global table has a replica here.
	}
	x.DataTable = newTable(x, "Data", name, &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
		&awsdynamodb.Attribute{Name: jsii.String("sk"), Type: awsdynamodb.AttributeType_STRING}, "", c.replicas, c.Database.DisableDeletionProtection)
}

// newTable creates an on-demand TableV2 (AWS::DynamoDB::GlobalTable from
// the first stage, so adding replicas at stage 5 never changes its type):
// PITR, deletion protection, retained.
func newTable(x *ScaledWebTier, id, name string, pk, sk *awsdynamodb.Attribute, ttl string, replicas []string, noProtection bool) awsdynamodb.TableV2 {
	props := &awsdynamodb.TablePropsV2{
		TableName:                        jsii.String(name),
		PartitionKey:                     pk,
		SortKey:                          sk,
		Billing:                          awsdynamodb.Billing_OnDemand(nil),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{PointInTimeRecoveryEnabled: jsii.Bool(true)},
		DeletionProtection:               jsii.Bool(!noProtection),
		RemovalPolicy:                    awscdk.RemovalPolicy_RETAIN,
	}
	if ttl != "" {
		props.TimeToLiveAttribute = jsii.String(ttl)
	}
	if len(replicas) > 0 {
		list := make([]*awsdynamodb.ReplicaTableProps, 0, len(replicas))
		for _, r := range replicas {
			list = append(list, &awsdynamodb.ReplicaTableProps{Region: jsii.String(r), DeletionProtection: jsii.Bool(!noProtection)})
		}
		props.Replicas = &list
	}
	return awsdynamodb.NewTableV2(x.Construct, jsii.String(id), props)
}

func (x *ScaledWebTier) newAurora(c *config) {
	d := c.Database
	var engine awsrds.IClusterEngine
	var logs []string
	version := d.EngineVersion
	major := majorVersion(d.Engine, version)
	if d.Engine == AuroraMySQL {
		engine = awsrds.DatabaseClusterEngine_AuroraMysql(&awsrds.AuroraMysqlClusterEngineProps{
			Version: awsrds.AuroraMysqlEngineVersion_Of(jsii.String(version), jsii.String(major)),
		})
		logs = []string{"audit", "error", "general", "slowquery"}
	} else {
		engine = awsrds.DatabaseClusterEngine_AuroraPostgres(&awsrds.AuroraPostgresClusterEngineProps{
			Version: awsrds.AuroraPostgresEngineVersion_Of(jsii.String(version), jsii.String(major), nil),
		})
		logs = []string{"postgresql"}
	}
	// A secondary cluster of stage 5 forwards writes to the primary's writer
	// unless DisableWriteForwarding.
	forward := !x.Primary && writeForwarding(c)
	readers := d.Readers

	x.DatabaseSecurityGroup = awsec2.NewSecurityGroup(x.Construct, jsii.String("DatabaseSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              x.Vpc,
		Description:      jsii.String("Database of " + *x.Node().Path() + ": from the web servers only"),
		AllowAllOutbound: jsii.Bool(false),
	})

	// The identifier is fixed from stage 2 so the log groups below can be
	// created (and retained) before RDS writes to them.
	identifier := x.Name + "-database"
	for _, l := range logs {
		x.DatabaseLogGroups = append(x.DatabaseLogGroups, loggroup.New(x.Construct, "DatabaseLogs"+l, loggroup.Props{
			Name:      fmt.Sprintf("/aws/rds/cluster/%s/%s", identifier, l),
			Retention: c.LogRetention,
		}))
	}

	instance := func(id string, scaleWithWriter bool) awsrds.IClusterInstance {
		return awsrds.ClusterInstance_ServerlessV2(jsii.String(id), &awsrds.ServerlessV2ClusterInstanceProps{
			PubliclyAccessible:      jsii.Bool(false),
			AutoMinorVersionUpgrade: jsii.Bool(true),
			ScaleWithWriter:         jsii.Bool(scaleWithWriter),
		})
	}
	var readerList []awsrds.IClusterInstance
	for i := 1; i <= readers; i++ {
		// The first reader scales with the writer: it is the failover target.
		readerList = append(readerList, instance(fmt.Sprintf("Reader%d", i), i == 1))
	}
	secretName := x.Name + "/database"
	props := &awsrds.DatabaseClusterProps{
		Engine:                  engine,
		ClusterIdentifier:       jsii.String(identifier),
		Writer:                  instance("Writer", false),
		Readers:                 &readerList,
		Vpc:                     x.Vpc,
		VpcSubnets:              x.isolatedSubnets(),
		SecurityGroups:          &[]awsec2.ISecurityGroup{x.DatabaseSecurityGroup},
		ServerlessV2MinCapacity: jsii.Number(d.MinACU),
		ServerlessV2MaxCapacity: jsii.Number(d.MaxACU),
		StorageEncrypted:        jsii.Bool(true),
		IamAuthentication:       jsii.Bool(true),
		DeletionProtection:      jsii.Bool(!d.DisableDeletionProtection),
		RemovalPolicy:           awscdk.RemovalPolicy_RETAIN,
		CopyTagsToSnapshot:      jsii.Bool(true),
		CloudwatchLogsExports:   jsii.Strings(logs...),
		Backup:                  &awsrds.BackupProps{Retention: days(d.BackupRetention)},
	}
	if forward && d.Engine == AuroraMySQL {
		// Aurora MySQL forwards nothing while aurora_replica_read_consistency
		// is empty (its default).
		x.DatabaseParameterGroup = awsrds.NewParameterGroup(x.Construct, jsii.String("DatabaseParameters"), &awsrds.ParameterGroupProps{
			Engine:      engine,
			Description: jsii.String("Write forwarding of " + *x.Node().Path() + ": sessions read their own forwarded writes"),
			Parameters:  &map[string]*string{"aurora_replica_read_consistency": jsii.String(WriteForwardingConsistency)},
		})
		props.ParameterGroup = x.DatabaseParameterGroup
	}
	if x.Primary {
		opts := &awsrds.CredentialsBaseOptions{SecretName: jsii.String(secretName)}
		if r := c.replicas; len(r) > 0 {
			list := make([]*awssecretsmanager.ReplicaRegion, 0, len(r))
			for _, region := range r {
				list = append(list, &awssecretsmanager.ReplicaRegion{Region: jsii.String(region)})
			}
			opts.ReplicaRegions = &list
		}
		props.Credentials = awsrds.Credentials_FromGeneratedSecret(jsii.String(DatabaseUser), opts)
	}
	x.Database = awsrds.NewDatabaseCluster(x.Construct, jsii.String("Database"), props)
	for _, lg := range x.DatabaseLogGroups {
		x.Database.Node().AddDependency(lg)
	}
	x.Database.Connections().AllowDefaultPortFrom(x.ServerSecurityGroup, jsii.String("Web servers"))
	nag.Suppress(x.Database, "AwsSolutions-RDS11",
		"The database is in isolated subnets and its security group admits the web servers only; a non-default port adds no protection and breaks client defaults.")
	if d.Engine == AuroraMySQL {
		nag.Suppress(x.Database, "AwsSolutions-RDS14",
			"Backtrack cannot be enabled on a cluster that is part of an Aurora Global Database, which this cluster becomes at stage 5; point-in-time restore from backups covers recovery.")
	}
	x.AppEnvironment["DB_ENGINE"] = string(d.Engine)
	if readers > 0 {
		// Reads scale out behind the reader endpoint (this region's readers
		// at stage 5); the writer's host is in the secret.
		x.AppEnvironment["DB_READER_HOST"] = *x.Database.ClusterReadEndpoint().Hostname()
	}

	if !x.Primary {
		// A secondary cluster of the global database: it takes its engine,
		// credentials and data from the primary.
		cfn := x.Database.Node().DefaultChild().(awsrds.CfnDBCluster)
		cfn.AddPropertyOverride(jsii.String("GlobalClusterIdentifier"), jsii.String(x.globalClusterID()))
		cfn.AddPropertyDeletionOverride(jsii.String("MasterUsername"))
		cfn.AddPropertyDeletionOverride(jsii.String("MasterUserPassword"))
		x.Database.Node().TryRemoveChild(jsii.String("Secret"))
		if forward {
			// Writes sent to this region's instances are forwarded to the
			// primary's writer; the replicated secret's host is that writer,
			// in another region's VPC, so the servers write here instead.
			cfn.SetEnableGlobalWriteForwarding(jsii.Bool(true))
			x.AppEnvironment["DB_WRITER_HOST"] = *x.Database.ClusterReadEndpoint().Hostname()
		}
		// The primary replicates its secret here under the same name.
		partial := *x.stack().FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("secretsmanager"), Resource: jsii.String("secret"), ResourceName: jsii.String(secretName),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})
		x.AppEnvironment["DB_SECRET_ARN"] = partial
		x.grantSecret(partial + "-??????")
		return
	}
	x.DatabaseSecret = x.Database.Secret()
	// The generated secret holds the only copy of the master password.
	x.Database.Node().FindChild(jsii.String("Secret")).Node().DefaultChild().(awscdk.CfnResource).ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	x.AppEnvironment["DB_SECRET_ARN"] = *x.DatabaseSecret.SecretArn()
	x.grantSecret(*x.DatabaseSecret.SecretArn())

	// Rotation runs in the isolated subnets and reaches Secrets Manager
	// through an interface endpoint open to the rotation function only.
	x.RotationSecurityGroup = awsec2.NewSecurityGroup(x.Construct, jsii.String("RotationSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              x.Vpc,
		Description:      jsii.String("Secret rotation function of " + *x.Node().Path()),
		AllowAllOutbound: jsii.Bool(false),
	})
	endpointOptions := &awsec2.InterfaceVpcEndpointOptions{
		Service: awsec2.InterfaceVpcEndpointAwsService_SECRETS_MANAGER(),
		Subnets: x.isolatedSubnets(),
		Open:    jsii.Bool(false),
	}
	var endpoint awsec2.IInterfaceVpcEndpoint
	switch n := c.Network; {
	case n.ExistingVpc == nil:
		x.SecretsEndpoint = x.Vpc.(awsec2.Vpc).AddInterfaceEndpoint(jsii.String("SecretsManager"), endpointOptions)
		endpoint = x.SecretsEndpoint
	case n.ExistingSecretsEndpoint != nil:
		endpoint = n.ExistingSecretsEndpoint
	default:
		// In this construct, not in the imported VPC's scope (which may be
		// another stack: its endpoint would reference this stack's
		// rotation security group, a cycle).
		x.SecretsEndpoint = awsec2.NewInterfaceVpcEndpoint(x.Construct, jsii.String("SecretsManagerEndpoint"), &awsec2.InterfaceVpcEndpointProps{
			Vpc:     x.Vpc,
			Service: endpointOptions.Service,
			Subnets: endpointOptions.Subnets,
			Open:    endpointOptions.Open,
		})
		endpoint = x.SecretsEndpoint
	}
	endpoint.Connections().AllowDefaultPortFrom(x.RotationSecurityGroup, jsii.String("Secret rotation"))
	x.DatabaseSecretRotation = x.Database.AddRotationSingleUser(&awsrds.RotationSingleUserOptions{
		AutomaticallyAfter: days(d.SecretRotation),
		VpcSubnets:         x.isolatedSubnets(),
		SecurityGroup:      x.RotationSecurityGroup,
		Endpoint:           endpoint,
	})

	if c.Stage == Global {
		x.GlobalDatabase = awsrds.NewCfnGlobalCluster(x.Construct, jsii.String("GlobalDatabase"), &awsrds.CfnGlobalClusterProps{
			GlobalClusterIdentifier:   jsii.String(x.globalClusterID()),
			SourceDbClusterIdentifier: x.Database.ClusterIdentifier(),
			DeletionProtection:        jsii.Bool(!d.DisableDeletionProtection),
		})
		x.GlobalDatabase.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	}
}

// writeForwarding tells whether the secondary clusters of stage 5 forward
// writes.
func writeForwarding(c *config) bool {
	return c.Stage == Global && c.Database.Engine != DynamoDB && !c.Database.DisableWriteForwarding
}

// majorVersion is the engine's major version of a valid version: "16" of
// "16.8", "8.0" of "8.0.mysql_aurora.3.08.2".
func majorVersion(e DatabaseEngine, version string) string {
	parts := strings.SplitN(version, ".", 3)
	if e == AuroraMySQL && len(parts) > 1 {
		return parts[0] + "." + parts[1]
	}
	return parts[0]
}

func (x *ScaledWebTier) globalClusterID() string { return x.Name + "-global" }

// newSessions moves sessions out of the servers' memory (stage 4 and above).
func (x *ScaledWebTier) newSessions(c *config) {
	x.AppEnvironment["SESSION_TTL"] = c.Sessions.TTL.String()
	if c.Sessions.Store == SessionsValkey {
		x.newCache(c)
		return
	}
	name := x.Name + "-sessions"
	x.AppEnvironment["SESSION_STORE"] = "dynamodb"
	x.AppEnvironment["SESSION_TABLE"] = name
	// Exactly the calls functions/webapp makes.
	x.grantItems(name, "dynamodb:GetItem", "dynamodb:UpdateItem")
	if !x.Primary {
		return
	}
	x.SessionTable = newTable(x, "Sessions", name, &awsdynamodb.Attribute{Name: jsii.String("id"), Type: awsdynamodb.AttributeType_STRING},
		nil, "expiresAt", c.replicas, c.Sessions.DisableDeletionProtection)
}

// newCache is an ElastiCache for Valkey replication group: a primary and
// replicas in other AZs (Sessions.CacheNodes in all) with automatic
// failover, TLS, encryption at rest and an AUTH token from Secrets Manager.
func (x *ScaledWebTier) newCache(c *config) {
	ss := c.Sessions
	x.CacheAuthToken = awssecretsmanager.NewSecret(x.Construct, jsii.String("CacheAuthToken"), &awssecretsmanager.SecretProps{
		Description: jsii.String("AUTH token of the session cache of " + *x.Node().Path()),
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			PasswordLength:     jsii.Number(64),
			ExcludePunctuation: jsii.Bool(true),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	nag.Suppress(x.CacheAuthToken, "AwsSolutions-SMG4",
		"ElastiCache AUTH tokens rotate through ModifyReplicationGroup (AuthTokenUpdateStrategy ROTATE then SET), which Secrets Manager rotation does not drive; rotate by updating this secret and redeploying.")
	x.grantSecret(*x.CacheAuthToken.SecretArn())

	x.CacheSecurityGroup = awsec2.NewSecurityGroup(x.Construct, jsii.String("CacheSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              x.Vpc,
		Description:      jsii.String("Session cache of " + *x.Node().Path() + ": from the web servers only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	x.CacheSecurityGroup.AddIngressRule(x.ServerSecurityGroup, awsec2.Port_Tcp(jsii.Number(CachePort)), jsii.String("Web servers"), nil)
	var subnets []any
	for _, id := range *x.Vpc.SelectSubnets(x.isolatedSubnets()).SubnetIds {
		subnets = append(subnets, id)
	}
	x.CacheSubnetGroup = awselasticache.NewCfnSubnetGroup(x.Construct, jsii.String("CacheSubnets"), &awselasticache.CfnSubnetGroupProps{
		Description: jsii.String("Session cache of " + *x.Node().Path()),
		SubnetIds:   &subnets,
	})
	x.Cache = awselasticache.NewCfnReplicationGroup(x.Construct, jsii.String("Cache"), &awselasticache.CfnReplicationGroupProps{
		ReplicationGroupDescription: jsii.String("Sessions of " + *x.Node().Path()),
		Engine:                      jsii.String("valkey"),
		EngineVersion:               jsii.String(valkeyVersion),
		CacheNodeType:               jsii.String(ss.CacheNodeType),
		NumCacheClusters:            jsii.Number(float64(ss.CacheNodes)),
		AutomaticFailoverEnabled:    jsii.Bool(true),
		MultiAzEnabled:              jsii.Bool(true),
		TransitEncryptionEnabled:    jsii.Bool(true),
		AtRestEncryptionEnabled:     jsii.Bool(true),
		AuthToken:                   x.CacheAuthToken.SecretValue().UnsafeUnwrap(),
		Port:                        jsii.Number(CachePort),
		CacheSubnetGroupName:        x.CacheSubnetGroup.Ref(),
		SecurityGroupIds:            jsii.Strings(*x.CacheSecurityGroup.SecurityGroupId()),
		SnapshotRetentionLimit:      jsii.Number(float64(ss.CacheSnapshotRetention / (24 * time.Hour))),
		AutoMinorVersionUpgrade:     jsii.Bool(true),
	})
	x.Cache.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	x.AppEnvironment["SESSION_STORE"] = "redis"
	x.AppEnvironment["REDIS_ADDR"] = *x.Cache.AttrPrimaryEndPointAddress() + ":" + *x.Cache.AttrPrimaryEndPointPort()
	x.AppEnvironment["REDIS_TLS"] = "true"
}
