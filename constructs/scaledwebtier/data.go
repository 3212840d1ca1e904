package scaledwebtier

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
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
	x.AppEnvironment["DB_ENGINE"] = string(DynamoDB)
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
			Name:          fmt.Sprintf("/aws/rds/cluster/%s/%s", identifier, l),
			Retention:     c.LogRetention,
			EncryptionKey: c.LogEncryptionKey,
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
	if !d.DisablePerformanceInsights {
		// Performance Insights' data is encrypted with the tier's key (7
		// days, the free tier).
		props.EnablePerformanceInsights = jsii.Bool(true)
		props.PerformanceInsightEncryptionKey = x.Key
		props.PerformanceInsightRetention = awsrds.PerformanceInsightRetention_DEFAULT
	}
	if d.MonitoringInterval > 0 {
		props.MonitoringInterval = awscdk.Duration_Seconds(jsii.Number(d.MonitoringInterval.Seconds()))
	}
	if forward && d.Engine == AuroraMySQL {
		// Aurora MySQL forwards nothing while aurora_replica_read_consistency
		// is empty (its default). Behind RDS Proxy, SESSION is not
		// supported: GLOBAL also reads a session's own writes.
		consistency, why := WriteForwardingConsistency, "sessions read their own forwarded writes"
		if c.proxy {
			consistency, why = ProxyWriteForwardingConsistency, "statements read every write committed before them (RDS Proxy does not support SESSION)"
		}
		x.DatabaseParameterGroup = awsrds.NewParameterGroup(x.Construct, jsii.String("DatabaseParameters"), &awsrds.ParameterGroupProps{
			Engine:      engine,
			Description: jsii.String("Write forwarding of " + *x.Node().Path() + ": " + why),
			Parameters:  &map[string]*string{"aurora_replica_read_consistency": jsii.String(consistency)},
		})
		props.ParameterGroup = x.DatabaseParameterGroup
	}
	if x.Primary {
		// The secret is encrypted with the tier's key: a change of KmsKeyId
		// updates a secret in place, and Secrets Manager re-encrypts its
		// versions with the new key.
		opts := &awsrds.CredentialsBaseOptions{SecretName: jsii.String(secretName), EncryptionKey: x.Key}
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
	if !d.DisablePerformanceInsights {
		// Aurora applies the cluster's Performance Insights settings (on,
		// the tier's key, 7 days) to every instance; the CDK warns that an
		// instance without its own settings is overridden. Stating them per
		// instance too would be redundant, and adding a KMS key to an
		// existing instance's properties may replace it.
		awscdk.Annotations_Of(x.Database).AcknowledgeWarning(jsii.String("@aws-cdk/aws-rds:instancePerformanceInsightsOverridden"),
			jsii.String("Aurora applies the cluster-level Performance Insights settings to every instance"))
	}
	for _, lg := range x.DatabaseLogGroups {
		x.Database.Node().AddDependency(lg)
	}
	if !c.proxy {
		x.Database.Connections().AllowDefaultPortFrom(x.ServerSecurityGroup, jsii.String("Web servers"))
	}
	if d.MonitoringInterval > 0 {
		x.suppressMonitoringRole()
	}
	nag.Suppress(x.Database, "AwsSolutions-RDS11",
		"The database is in isolated subnets and its security group admits the web servers only; a non-default port adds no protection and breaks client defaults.")
	if d.Engine == AuroraMySQL {
		nag.Suppress(x.Database, "AwsSolutions-RDS14",
			"Backtrack cannot be enabled on a cluster that is part of an Aurora Global Database, which this cluster becomes at stage 5; point-in-time restore from backups covers recovery.")
	}
	x.AppEnvironment["DB_ENGINE"] = string(d.Engine)
	x.AppEnvironment["DB_NAME"] = databaseName(d.Engine)
	x.AppEnvironment["DB_TLS"] = "verify-full"
	if !c.proxy {
		// The cluster presents an RDS CA certificate, which the system
		// roots do not hold.
		x.AppEnvironment["DB_TLS_CA_FILE"] = RDSCABundleFile
	}

	if !x.Primary {
		// A secondary cluster of the global database: it takes its engine,
		// credentials and data from the primary.
		cfn := x.Database.Node().DefaultChild().(awsrds.CfnDBCluster)
		cfn.AddPropertyOverride(jsii.String("GlobalClusterIdentifier"), jsii.String(x.globalClusterID()))
		cfn.AddPropertyDeletionOverride(jsii.String("MasterUsername"))
		cfn.AddPropertyDeletionOverride(jsii.String("MasterUserPassword"))
		x.Database.Node().TryRemoveChild(jsii.String("Secret"))
		// The primary replicates its secret here under the same name,
		// encrypted with this region's aws/secretsmanager key: a
		// customer-managed key of this region would have to exist before
		// the primary's stack replicates into it, and this stack deploys
		// after the primary's.
		partial := *x.stack().FormatArn(&awscdk.ArnComponents{
			Service: jsii.String("secretsmanager"), Resource: jsii.String("secret"), ResourceName: jsii.String(secretName),
			ArnFormat: awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})
		x.AppEnvironment["DB_SECRET_ARN"] = partial
		x.grantSecret(partial+"-??????", nil)
		if c.proxy {
			// RDS Proxy takes the secret's complete ARN, whose suffix
			// Secrets Manager chose in the primary's region.
			x.DatabaseSecret = awssecretsmanager.Secret_FromSecretCompleteArn(x.Construct, jsii.String("ReplicaSecret"), jsii.String(x.lookUpReplicaSecret(secretName, partial)))
		}
		if forward {
			// Writes sent to this region's instances are forwarded to the
			// primary's writer; the replicated secret's host is that writer,
			// in another region's VPC, so the servers write here instead.
			cfn.SetEnableGlobalWriteForwarding(jsii.Bool(true))
		}
		x.connectApp(c, forward)
		return
	}
	x.DatabaseSecret = x.Database.Secret()
	// The generated secret holds the only copy of the master password.
	x.Database.Node().FindChild(jsii.String("Secret")).Node().DefaultChild().(awscdk.CfnResource).ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
	x.AppEnvironment["DB_SECRET_ARN"] = *x.DatabaseSecret.SecretArn()
	x.grantSecret(*x.DatabaseSecret.SecretArn(), x.Key)
	x.connectApp(c, false)
	if d.ReaderScaling.MaxReaders > 0 {
		// The primary's cluster only: Aurora Auto Scaling needs a cluster
		// with a writer, which a secondary has not.
		x.newReaderScaling(c)
	}

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

// connectApp points the servers at the database: through RDS Proxy from
// stage 4 (the proxy's read-only endpoint on a stage-5 secondary, whose
// cluster has no writer: its readers forward the writes), or directly (the
// secret's host, the writer; this region's reader endpoint on a secondary
// that forwards writes). Behind the proxy the app sets no consistency
// itself (a SET would pin its connections): the cluster's parameters and
// the proxy's initialization query do.
func (x *ScaledWebTier) connectApp(c *config, forward bool) {
	d := c.Database
	if c.proxy {
		x.newProxy(c, forward)
		host := x.DatabaseProxy.Endpoint()
		if x.DatabaseProxyEndpoint != nil {
			host = x.DatabaseProxyEndpoint.Endpoint()
		}
		x.AppEnvironment["DB_HOST"] = *host
		x.AppEnvironment["DB_PORT"] = fmt.Sprint(enginePort(d.Engine))
		if d.IAMAuth {
			x.AppEnvironment["DB_IAM_AUTH"] = "true"
			x.DatabaseProxy.GrantConnect(x.Role, jsii.String(DatabaseUser))
		}
		if !x.Primary {
			// DDL is not forwarded: the primary region migrates.
			x.AppEnvironment["DB_MIGRATE"] = "false"
		}
		return
	}
	if forward {
		x.AppEnvironment["DB_HOST"] = *x.Database.ClusterReadEndpoint().Hostname()
		x.AppEnvironment["DB_PORT"] = fmt.Sprint(enginePort(d.Engine))
		x.AppEnvironment["DB_WRITE_FORWARDING"] = "session"
	} else if !x.Primary {
		x.AppEnvironment["DB_MIGRATE"] = "false"
	}
}

// newProxy puts RDS Proxy in front of the cluster: TLS required, the secret
// read by the proxy (IAM authentication from the servers with
// Database.IAMAuth), in the isolated subnets, open to the servers only.
func (x *ScaledWebTier) newProxy(c *config, forward bool) {
	d := c.Database
	x.ProxySecurityGroup = awsec2.NewSecurityGroup(x.Construct, jsii.String("ProxySecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              x.Vpc,
		Description:      jsii.String("Database proxy of " + *x.Node().Path() + ": from the web servers only"),
		AllowAllOutbound: jsii.Bool(false),
	})
	props := &awsrds.DatabaseProxyProps{
		ProxyTarget:           awsrds.ProxyTarget_FromCluster(x.Database),
		DbProxyName:           jsii.String(x.Name + "-proxy"),
		Secrets:               &[]awssecretsmanager.ISecret{x.DatabaseSecret},
		Vpc:                   x.Vpc,
		VpcSubnets:            x.isolatedSubnets(),
		SecurityGroups:        &[]awsec2.ISecurityGroup{x.ProxySecurityGroup},
		RequireTLS:            jsii.Bool(true),
		IamAuth:               jsii.Bool(d.IAMAuth),
		DebugLogging:          jsii.Bool(false),
		MaxConnectionsPercent: jsii.Number(ProxyMaxConnectionsPercent),
	}
	if forward && d.Engine == AuroraMySQL {
		props.InitQuery = jsii.String("SET aurora_replica_read_consistency = '" + ProxyWriteForwardingConsistency + "'")
	}
	x.DatabaseProxy = awsrds.NewDatabaseProxy(x.Construct, jsii.String("DatabaseProxy"), props)
	x.Database.Connections().AllowDefaultPortFrom(x.ProxySecurityGroup, jsii.String("Database proxy"))
	x.ProxySecurityGroup.AddIngressRule(x.ServerSecurityGroup, awsec2.Port_Tcp(jsii.Number(float64(enginePort(d.Engine)))), jsii.String("Web servers"), nil)
	if !x.Primary {
		// A secondary cluster has no writer: the proxy's default
		// (read/write) endpoint answers "The target group doesn't have any
		// associated read/write instances"; its readers forward writes.
		x.DatabaseProxyEndpoint = x.DatabaseProxy.AddEndpoint(jsii.String("ReadOnly"), &awsrds.DatabaseProxyEndpointOptions{
			Vpc:            x.Vpc,
			VpcSubnets:     x.isolatedSubnets(),
			SecurityGroups: &[]awsec2.ISecurityGroup{x.ProxySecurityGroup},
			TargetRole:     awsrds.ProxyEndpointTargetRole_READ_ONLY,
		})
	}
}

// newReaderScaling adds Aurora replica auto scaling (stage 4 and above):
// Application Auto Scaling keeps the readers' average CPU (or connections)
// at the target, between Readers and MaxReaders readers. It uses its
// service-linked role for RDS clusters.
func (x *ScaledWebTier) newReaderScaling(c *config) {
	d := c.Database
	r := d.ReaderScaling
	x.ReaderScalingTarget = awsapplicationautoscaling.NewCfnScalableTarget(x.Construct, jsii.String("ReaderScaling"), &awsapplicationautoscaling.CfnScalableTargetProps{
		ServiceNamespace:  jsii.String("rds"),
		ScalableDimension: jsii.String("rds:cluster:ReadReplicaCount"),
		ResourceId:        jsii.String("cluster:" + *x.Database.ClusterIdentifier()),
		MinCapacity:       jsii.Number(float64(d.Readers)),
		MaxCapacity:       jsii.Number(float64(r.MaxReaders)),
	})
	// The cluster's own readers exist before scaling starts.
	x.ReaderScalingTarget.Node().AddDependency(x.Database)
	metric := "RDSReaderAverageCPUUtilization"
	if r.Metric == ReaderConnections {
		metric = "RDSReaderAverageDatabaseConnections"
	}
	x.ReaderScalingPolicy = awsapplicationautoscaling.NewCfnScalingPolicy(x.Construct, jsii.String("ReaderScalingPolicy"), &awsapplicationautoscaling.CfnScalingPolicyProps{
		PolicyName:      jsii.String(x.Name + "-readers"),
		PolicyType:      jsii.String("TargetTrackingScaling"),
		ScalingTargetId: x.ReaderScalingTarget.Ref(),
		TargetTrackingScalingPolicyConfiguration: &awsapplicationautoscaling.CfnScalingPolicy_TargetTrackingScalingPolicyConfigurationProperty{
			TargetValue:                   jsii.Number(r.Target),
			PredefinedMetricSpecification: &awsapplicationautoscaling.CfnScalingPolicy_PredefinedMetricSpecificationProperty{PredefinedMetricType: jsii.String(metric)},
			ScaleInCooldown:               jsii.Number(600),
			ScaleOutCooldown:              jsii.Number(300),
		},
	})
}

// suppressMonitoringRole records why the enhanced monitoring role the CDK
// made for the cluster uses AWS's managed policy.
func (x *ScaledWebTier) suppressMonitoringRole() {
	if role := x.Database.Node().TryFindChild(jsii.String("MonitoringRole")); role != nil {
		nag.Suppress(role, "AwsSolutions-IAM4",
			"AmazonRDSEnhancedMonitoringRole is the documented policy of the RDS enhanced monitoring role: it writes the OS metrics to the RDSOSMetrics log group only.",
			"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole")
	}
}

// databaseName is the database the app uses: PostgreSQL's "postgres",
// which Aurora always has, or on MySQL "gureum", which the app's migration
// creates.
func databaseName(e DatabaseEngine) string {
	if e == AuroraMySQL {
		return "gureum"
	}
	return "postgres"
}

// enginePort is the engine's default port, the cluster's and the proxy's.
func enginePort(e DatabaseEngine) int {
	if e == AuroraMySQL {
		return 3306
	}
	return 5432
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
	x.grantSecret(*x.CacheAuthToken.SecretArn(), nil)

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
