package scaledwebtier

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapplicationautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsautoscaling"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscertificatemanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudfront"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsec2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticache"
	"github.com/aws/aws-cdk-go/awscdk/v2/awselasticloadbalancingv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsrds"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsroute53"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3assets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3deployment"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awswafv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/customresources"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/golambda"
	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
)

// ScaledWebTier is the web tier at one stage of its growth. Every resource
// it made is an exported field; fields of resources a stage does not have
// are nil.
type ScaledWebTier struct {
	constructs.Construct
	// logKey is Props.LogEncryptionKey.
	logKey awskms.IKey
	// Stage the tier was built at.
	Stage Stage
	// Name prefixes the tier's fixed physical names (Props.Name or its
	// default).
	Name string
	// Primary is true unless this is a stage-5 stack outside PrimaryRegion.
	Primary bool

	// Vpc, its flow log and the flow log's log group.
	Vpc          awsec2.IVpc
	FlowLog      awsec2.FlowLog
	FlowLogGroup awslogs.LogGroup
	// S3Endpoint and DynamoDBEndpoint are the new VPC's gateway endpoints,
	// which keep S3 and DynamoDB traffic off the NAT gateways
	// (DynamoDBEndpoint from stage 4, or with Engine DynamoDB); nil with
	// Network.ExistingVpc.
	S3Endpoint       awsec2.GatewayVpcEndpoint
	DynamoDBEndpoint awsec2.GatewayVpcEndpoint
	// SecretsEndpoint lets the secret rotation function reach Secrets
	// Manager from the isolated subnets (Aurora, stage 2 and above; nil
	// when Network.ExistingSecretsEndpoint is used instead).
	SecretsEndpoint awsec2.InterfaceVpcEndpoint

	// AppAsset is the web server binary (linux/arm64) in the CDK asset
	// bucket: a deployment pipeline ships new versions of it.
	AppAsset awss3assets.Asset
	// Role is the servers' instance role: SSM Session Manager, read access to
	// AppAsset only, and the stage's data access.
	Role awsiam.Role
	// UserData installs AppAsset as a systemd service and starts it.
	UserData awsec2.UserData
	// AppEnvironment is the server's environment, by variable (values may be
	// CloudFormation tokens). INSTANCE_ID and REDIS_PASSWORD are added at
	// boot.
	AppEnvironment map[string]string
	// ServerSecurityGroup guards the servers.
	ServerSecurityGroup awsec2.SecurityGroup

	// Instance and ElasticIP are the single server (stages 1-2).
	Instance  awsec2.Instance
	ElasticIP awsec2.CfnEIP

	// LaunchTemplate, AutoScalingGroup, LoadBalancer and the rest of the
	// fleet (stage 3 and above).
	LaunchTemplate            awsec2.LaunchTemplate
	AutoScalingGroup          awsautoscaling.AutoScalingGroup
	LoadBalancer              awselasticloadbalancingv2.ApplicationLoadBalancer
	LoadBalancerSecurityGroup awsec2.SecurityGroup
	HTTPSListener             awselasticloadbalancingv2.ApplicationListener
	HTTPListener              awselasticloadbalancingv2.ApplicationListener
	TargetGroup               awselasticloadbalancingv2.ApplicationTargetGroup
	Certificate               awscertificatemanager.ICertificate
	AccessLogsBucket          awss3.Bucket
	LoadBalancerLogsBucket    awss3.Bucket
	CPUScalingPolicy          awsautoscaling.TargetTrackingScalingPolicy
	RequestCountScalingPolicy awsautoscaling.TargetTrackingScalingPolicy
	// WarmPool, LaunchHook (which holds a new server until its user data
	// completes it), ScheduledActions (by Schedule.Name) and
	// InstanceRefresh (the custom resource that starts a refresh when the
	// launch template changes) follow Capacity; nil when not configured.
	WarmPool         awsautoscaling.WarmPool
	LaunchHook       awsautoscaling.LifecycleHook
	ScheduledActions map[string]awsautoscaling.ScheduledAction
	InstanceRefresh  customresources.AwsCustomResource
	// WebACL is the load balancer's web ACL (nil when WAF.Disable or
	// WAF.ExistingWebACLArn), WebACLArn the associated ACL's ARN and
	// WebACLAssociation ties it to the load balancer.
	WebACL            *WebACL
	WebACLArn         string
	WebACLAssociation awswafv2.CfnWebACLAssociation
	// CDNWebACL is the distribution's web ACL (CDN.NewWebACL).
	CDNWebACL *WebACL
	// OriginSecret is the value of OriginVerifyHeader (CDN.Dynamic), and
	// OriginPrefixListID the CloudFront origin-facing prefix list (a token
	// of OriginPrefixListLookup when CDN.OriginPrefixListID is unset).
	OriginSecret           awssecretsmanager.Secret
	OriginPrefixListID     string
	OriginPrefixListLookup customresources.AwsCustomResource

	// Key encrypts the tier's data (Props.ExistingKey, or a key the tier
	// made, with yearly rotation, retained): the database secret,
	// Performance Insights and the static bucket. Nil before stage 2, and
	// at stages 2-3 with DynamoDB. StaticKeyAlias names it in the static
	// bucket's default encryption (see newCDN).
	Key            awskms.IKey
	StaticKeyAlias awskms.Alias

	// Database is the Aurora cluster (stage 2 and above, Aurora engines); at
	// stage 5 outside PrimaryRegion it is the global database's secondary
	// cluster.
	Database              awsrds.DatabaseCluster
	DatabaseSecurityGroup awsec2.SecurityGroup
	DatabaseLogGroups     []awslogs.LogGroup
	// DatabaseParameterGroup sets aurora_replica_read_consistency on an
	// Aurora MySQL secondary cluster that forwards writes (stage 5, outside
	// PrimaryRegion); nil elsewhere (the engine's default group).
	DatabaseParameterGroup awsrds.ParameterGroup
	// DatabaseSecret holds the generated master credentials, encrypted with
	// Key; outside PrimaryRegion at stage 5 it is the primary's replica,
	// imported.
	DatabaseSecret awssecretsmanager.ISecret
	// DatabaseProxy pools the servers' connections (stage 4 and above,
	// unless Database.DisableProxy) in ProxySecurityGroup;
	// DatabaseProxyEndpoint is its read-only endpoint on a stage-5
	// secondary, whose cluster has no writer.
	DatabaseProxy         awsrds.DatabaseProxy
	DatabaseProxyEndpoint awsrds.IDatabaseProxyEndpoint
	ProxySecurityGroup    awsec2.SecurityGroup
	// ReaderScalingTarget and ReaderScalingPolicy are Aurora replica auto
	// scaling (stage 4 and above, the primary's cluster).
	ReaderScalingTarget awsapplicationautoscaling.CfnScalableTarget
	ReaderScalingPolicy awsapplicationautoscaling.CfnScalingPolicy
	// DatabaseSecretRotation rotates DatabaseSecret; its function runs in
	// RotationSecurityGroup.
	DatabaseSecretRotation awssecretsmanager.SecretRotation
	RotationSecurityGroup  awsec2.SecurityGroup
	// GlobalDatabase is the Aurora global cluster (stage 5, primary).
	GlobalDatabase awsrds.CfnGlobalCluster
	// DataTable is the DynamoDB database (Engine DynamoDB, primary).
	DataTable awsdynamodb.TableV2

	// SessionTable holds sessions from stage 4 (a global table at stage 5;
	// created by the primary).
	SessionTable awsdynamodb.TableV2
	// Cache, its subnet group, security group and AUTH token (Sessions.Store
	// valkey).
	Cache              awselasticache.CfnReplicationGroup
	CacheSubnetGroup   awselasticache.CfnSubnetGroup
	CacheSecurityGroup awsec2.SecurityGroup
	CacheAuthToken     awssecretsmanager.Secret

	// StaticBucket, Distribution, CdnLogsBucket and StaticDeployment serve
	// /static/ through CloudFront (stage 4 and above).
	StaticBucket     awss3.Bucket
	Distribution     awscloudfront.Distribution
	CdnLogsBucket    awss3.Bucket
	StaticDeployment awss3deployment.BucketDeployment

	// Record is the Domain's A record (latency- or failover-routed at stage
	// 5, Props.Routing), and HealthCheck the Route 53 health check of this
	// region (stage 5).
	Record      awsroute53.ARecord
	HealthCheck awsroute53.HealthCheck

	// Dashboard shows every alarm; Alarms are keyed by name.
	Dashboard awscloudwatch.Dashboard
	Alarms    map[string]awscloudwatch.Alarm
	// AlarmTopic receives the alarms' notifications and, from stage 3, the
	// group's scaling events: Props.Alarms.Topic, or the stack's shared
	// alarm topic (alarmtopic.Shared) when none was given. AlarmTopicKey is
	// the key that encrypts it (Alarms.TopicKey, the topic's own key, or
	// nil when unknown).
	AlarmTopic    awssns.ITopic
	AlarmTopicKey awskms.IKey
}

// New builds the tier at props.Stage. It panics with a *validate.Error
// naming every invalid prop before creating anything.
func New(scope constructs.Construct, id string, props *Props) *ScaledWebTier {
	c, err := resolve(scope, id, props)
	if err != nil {
		panic(err)
	}
	x := &ScaledWebTier{
		Construct: constructs.NewConstruct(scope, jsii.String(id)),
		Stage:     c.Stage,
		Name:      c.Name,
		Primary:   c.primary,
		Alarms:    map[string]awscloudwatch.Alarm{},
		logKey:    c.LogEncryptionKey,
	}
	x.AppEnvironment = map[string]string{
		"APP_STAGE":  c.Stage.String(),
		"AWS_REGION": *awscdk.Stack_Of(x.Construct).Region(),
	}
	x.newAlarmTopic(c)
	x.newNetwork(c)
	x.newApp(c)
	if c.key {
		x.newKey(c)
	}
	if c.Stage >= SplitDatabase {
		x.newDatabase(c)
	}
	if c.Stage >= Elastic {
		x.newSessions(c)
	}
	if c.Stage >= HighlyAvailable {
		x.AccessLogsBucket = newAccessLogs(x.Construct)
	}
	if c.Stage >= Elastic && !c.CDN.Dynamic {
		// Before the servers: their page loads /static/ from the
		// distribution.
		x.newCDN(c)
		x.AppEnvironment["STATIC_BASE_URL"] = "https://" + *x.Distribution.DistributionDomainName()
	}
	x.finishUserData(c)
	if c.Stage <= SplitDatabase {
		x.newSingleServer(c)
	} else {
		x.newFleet(c)
	}
	if c.CDN.Dynamic {
		// After the load balancer, its origin. The page loads /static/
		// from its own origin, the distribution.
		x.newCDN(c)
	}
	x.newDNS(c)
	x.newAlarms(c)
	return x
}

// newAlarmTopic picks the topic of the alarms and of the group's scaling
// events: Alarms.Topic, or the stack's shared alarm topic.
func (x *ScaledWebTier) newAlarmTopic(c *config) {
	x.AlarmTopic, x.AlarmTopicKey = c.Alarms.Topic, c.Alarms.TopicKey
	if x.AlarmTopic == nil {
		shared := alarmtopic.Shared(x.Construct)
		x.AlarmTopic, x.AlarmTopicKey = shared.Topic, shared.Key
	}
	if x.AlarmTopicKey == nil {
		x.AlarmTopicKey = x.AlarmTopic.MasterKey()
	}
}

func (x *ScaledWebTier) stack() awscdk.Stack { return awscdk.Stack_Of(x.Construct) }

func (x *ScaledWebTier) newNetwork(c *config) {
	x.FlowLogGroup = loggroup.New(x.Construct, "FlowLogs", loggroup.Props{Retention: c.LogRetention, EncryptionKey: c.LogEncryptionKey})
	if v := c.Network.ExistingVpc; v != nil {
		x.Vpc = v
		x.FlowLog = awsec2.NewFlowLog(x.Construct, jsii.String("FlowLog"), &awsec2.FlowLogProps{
			ResourceType: awsec2.FlowLogResourceType_FromVpc(v),
			Destination:  awsec2.FlowLogDestination_ToCloudWatchLogs(x.FlowLogGroup, nil),
			TrafficType:  awsec2.FlowLogTrafficType_ALL,
		})
	} else {
		cidr, azs := c.Network.Cidr, c.Network.AvailabilityZones
		// The order of subnet groups fixes their CIDR blocks: a group added
		// by a later stage goes last, so earlier subnets keep their ranges.
		// Only the single server of stages 1-2 lives in a public subnet
		// (with its Elastic IP); from stage 3 nothing launched there gets a
		// public address but what asks for one (the load balancer, the NAT
		// gateways' Elastic IPs).
		subnets := []*awsec2.SubnetConfiguration{{Name: jsii.String("Public"), SubnetType: awsec2.SubnetType_PUBLIC, CidrMask: jsii.Number(24),
			MapPublicIpOnLaunch: jsii.Bool(c.Stage <= SplitDatabase)}}
		if c.Stage >= SplitDatabase {
			subnets = append(subnets, &awsec2.SubnetConfiguration{Name: jsii.String("Database"), SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED, CidrMask: jsii.Number(24)})
		}
		nat := 0
		if c.Stage >= HighlyAvailable {
			subnets = append(subnets, &awsec2.SubnetConfiguration{Name: jsii.String("App"), SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS, CidrMask: jsii.Number(24)})
			nat = azs
		}
		vpc := awsec2.NewVpc(x.Construct, jsii.String("Vpc"), &awsec2.VpcProps{
			IpAddresses:         awsec2.IpAddresses_Cidr(jsii.String(cidr)),
			MaxAzs:              jsii.Number(float64(azs)),
			NatGateways:         jsii.Number(float64(nat)),
			SubnetConfiguration: &subnets,
			FlowLogs: &map[string]*awsec2.FlowLogOptions{"FlowLog": {
				Destination: awsec2.FlowLogDestination_ToCloudWatchLogs(x.FlowLogGroup, nil),
				TrafficType: awsec2.FlowLogTrafficType_ALL,
			}},
		})
		// Gateway endpoints are free and keep S3 and DynamoDB traffic off the
		// NAT gateways.
		x.S3Endpoint = vpc.AddGatewayEndpoint(jsii.String("S3"), &awsec2.GatewayVpcEndpointOptions{Service: awsec2.GatewayVpcEndpointAwsService_S3()})
		if c.Stage >= Elastic || c.Database.Engine == DynamoDB {
			x.DynamoDBEndpoint = vpc.AddGatewayEndpoint(jsii.String("DynamoDB"), &awsec2.GatewayVpcEndpointOptions{Service: awsec2.GatewayVpcEndpointAwsService_DYNAMODB()})
		}
		x.Vpc = vpc
		x.FlowLog = vpc.Node().FindChild(jsii.String("FlowLog")).(awsec2.FlowLog)
	}
}

func (x *ScaledWebTier) publicSubnets() *awsec2.SubnetSelection {
	return &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PUBLIC}
}

func (x *ScaledWebTier) isolatedSubnets() *awsec2.SubnetSelection {
	return &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_ISOLATED}
}

func (x *ScaledWebTier) appSubnets() *awsec2.SubnetSelection {
	return &awsec2.SubnetSelection{SubnetType: awsec2.SubnetType_PRIVATE_WITH_EGRESS}
}

// newApp builds the server binary as an asset, the instance role and the
// servers' security group.
func (x *ScaledWebTier) newApp(c *config) {
	x.AppAsset = golambda.NewAsset(x.Construct, "App", c.Entry, "arm64", "")

	x.Role = awsiam.NewRole(x.Construct, jsii.String("InstanceRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("ec2.amazonaws.com"), nil),
		Description: jsii.String("Web servers of " + *x.Node().Path()),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("AmazonSSMManagedInstanceCore")),
		},
	})
	nag.Suppress(x.Role, "AwsSolutions-IAM4",
		"AmazonSSMManagedInstanceCore is the documented policy for SSM Session Manager, which replaces SSH (no key pair, no port 22) on the web servers.",
		"Policy::arn:<AWS::Partition>:iam::aws:policy/AmazonSSMManagedInstanceCore")
	x.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadAppBinary"),
		Actions:   jsii.Strings("s3:GetObject"),
		Resources: jsii.Strings(*x.AppAsset.Bucket().ArnForObjects(x.AppAsset.S3ObjectKey())),
	}))

	single := c.Stage <= SplitDatabase
	desc := "Web servers of " + *x.Node().Path() + ": from the load balancer only"
	if single {
		desc = "Web server of " + *x.Node().Path() + ": HTTP and HTTPS from anywhere, no SSH"
	}
	x.ServerSecurityGroup = awsec2.NewSecurityGroup(x.Construct, jsii.String("ServerSecurityGroup"), &awsec2.SecurityGroupProps{
		Vpc:              x.Vpc,
		Description:      jsii.String(desc),
		AllowAllOutbound: jsii.Bool(true),
	})
	if single {
		x.ServerSecurityGroup.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(80)), jsii.String("HTTP from anywhere"), nil)
		x.ServerSecurityGroup.AddIngressRule(awsec2.Peer_AnyIpv4(), awsec2.Port_Tcp(jsii.Number(443)), jsii.String("HTTPS from anywhere"), nil)
		nag.Suppress(x.ServerSecurityGroup, "AwsSolutions-EC23",
			"The single public web server of stages 1-2 serves HTTP and HTTPS to the internet; only ports 80 and 443 are open.")
	}

	listen, secure := fmt.Sprintf(":%d", SingleServerPort), "false"
	if !single {
		listen, secure = fmt.Sprintf(":%d", c.AppPort), "true"
	}
	x.AppEnvironment["LISTEN_ADDR"] = listen
	x.AppEnvironment["COOKIE_SECURE"] = secure
	x.AppEnvironment["SESSION_STORE"] = "memory"
}

// grantSecret lets the servers read a secret, and decrypt it with its
// customer-managed key (nil: an AWS managed key) through Secrets Manager
// only.
func (x *ScaledWebTier) grantSecret(arn string, key awskms.IKey) {
	x.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
		Resources: jsii.Strings(arn),
	}))
	if key == nil {
		return
	}
	x.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:    jsii.Strings("kms:Decrypt"),
		Resources:  jsii.Strings(*key.KeyArn()),
		Conditions: &map[string]any{"StringEquals": map[string]any{"kms:ViaService": "secretsmanager." + *x.stack().Region() + ".amazonaws.com"}},
	}))
}

// grantItems lets the servers call actions on a table in this region.
func (x *ScaledWebTier) grantItems(tableName string, actions ...string) {
	x.Role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings(actions...),
		Resources: jsii.Strings(x.tableArn(tableName)),
	}))
}

func (x *ScaledWebTier) tableArn(name string) string {
	return *x.stack().FormatArn(&awscdk.ArnComponents{Service: jsii.String("dynamodb"), Resource: jsii.String("table"), ResourceName: jsii.String(name)})
}

// days renders a duration of whole days (validated) for the CDK.
func days(d time.Duration) awscdk.Duration {
	return awscdk.Duration_Days(jsii.Number(float64(d / (24 * time.Hour))))
}

// newAccessLogs creates the bucket for the other buckets' server access logs.
func newAccessLogs(scope constructs.Construct) awss3.Bucket {
	return securebucket.NewAccessLogs(scope, "AccessLogs", false)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// quoteEnv renders KEY=VALUE lines for a systemd EnvironmentFile.
func quoteEnv(env map[string]string) string {
	var b strings.Builder
	for _, k := range sortedKeys(env) {
		fmt.Fprintf(&b, "%s=%s\n", k, env[k])
	}
	return b.String()
}
