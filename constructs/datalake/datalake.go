package datalake

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsathena"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsglue"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskinesisfirehose"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslakeformation"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/alarmtopic"
	"github.com/gureum-cdk/gureum/constructs/internal/loggroup"
	"github.com/gureum-cdk/gureum/constructs/internal/nag"
	"github.com/gureum-cdk/gureum/constructs/internal/naming"
	"github.com/gureum-cdk/gureum/constructs/internal/securebucket"
)

// DataLake is a zoned S3 data lake with a Glue catalog, an Athena workgroup
// and a Firehose ingestion stream. Every resource it made is exported; maps
// are keyed by zone name.
type DataLake struct {
	constructs.Construct
	// Zones are the zone names, in order.
	Zones []string
	// Buckets holds each zone's bucket.
	Buckets map[string]awss3.Bucket
	// Key encrypts the zones, the crawlers' logs and the query results
	// (created, or Props.ExistingKey).
	Key awskms.IKey
	// AccessLogs receives the server access logs of every bucket.
	AccessLogs awss3.Bucket
	// ReplicationRoles holds the role S3 replicates each replicated zone
	// with.
	ReplicationRoles map[string]awsiam.Role
	// ReplicationRegionRules holds, for each replicated zone of a stack
	// whose region is unknown at synthesis (region-agnostic), the template
	// rule that fails the deployment in the replica's own region.
	ReplicationRegionRules map[string]awscdk.CfnRule
	// Databases holds each zone's Glue database; DatabaseNames their names.
	Databases     map[string]awsglue.CfnDatabase
	DatabaseNames map[string]string
	// Crawlers holds each zone's Glue crawler and CrawlerRoles its role.
	Crawlers     map[string]awsglue.CfnCrawler
	CrawlerRoles map[string]awsiam.Role
	// SecurityConfiguration encrypts what the crawlers (and Glue jobs that
	// use it) write: S3 objects, CloudWatch logs and job bookmarks.
	SecurityConfiguration awsglue.CfnSecurityConfiguration
	// WorkGroup is the Athena workgroup; ResultsBucket holds its results.
	WorkGroup     awsathena.CfnWorkGroup
	ResultsBucket awss3.Bucket
	// DeliveryStream lands records in the ingestion zone (nil when
	// Ingestion.Disable); DeliveryLogs holds its delivery errors.
	DeliveryStream awskinesisfirehose.DeliveryStream
	DeliveryLogs   awslogs.LogGroup
	// LakeFormationRole, LakeFormationResources and LakeFormationPermissions
	// exist when Props.LakeFormation asks for them.
	LakeFormationRole        awsiam.Role
	LakeFormationResources   map[string]awslakeformation.CfnResource
	LakeFormationPermissions []awslakeformation.CfnPermissions
	// LakeFormationGrants holds the Lake Formation permissions of the
	// per-table grants (LakeFormationGrant.Table), of the promotions and of
	// the Grant verbs in Lake Formation mode.
	LakeFormationGrants []awslakeformation.CfnPrincipalPermissions
	// RawTables and Tables hold the declared Glue tables by name (raw Hive
	// tables and Apache Iceberg tables); Promotions the job of each
	// promoted Iceberg table.
	RawTables  map[string]awsglue.CfnTable
	Tables     map[string]awsglue.CfnTable
	Promotions map[string]*PromotionJob
	// AlarmTopic receives the lake's alarms (Props.Alarms.Topic or the
	// stack's shared alarm topic); nil while the lake has no alarm.
	AlarmTopic awssns.ITopic

	cfg               *config
	props             Props
	scope             constructs.Construct
	lakeFormationMode bool
	alarmTopic        awssns.ITopic
	lfGrants          int
}

// New creates a DataLake. It panics with a *validate.Error that names every
// invalid prop (see Validate) before it creates any resource.
func New(scope constructs.Construct, id string, props *Props) *DataLake {
	p, err := resolve(scope, id, props)
	if err != nil {
		panic(err)
	}
	var original Props
	if props != nil {
		original = *props
	}
	d := &DataLake{
		Construct:              constructs.NewConstruct(scope, jsii.String(id)),
		Buckets:                map[string]awss3.Bucket{},
		ReplicationRoles:       map[string]awsiam.Role{},
		ReplicationRegionRules: map[string]awscdk.CfnRule{},
		Databases:              map[string]awsglue.CfnDatabase{},
		DatabaseNames:          map[string]string{},
		Crawlers:               map[string]awsglue.CfnCrawler{},
		CrawlerRoles:           map[string]awsiam.Role{},
		LakeFormationResources: map[string]awslakeformation.CfnResource{},
		RawTables:              map[string]awsglue.CfnTable{},
		Tables:                 map[string]awsglue.CfnTable{},
		Promotions:             map[string]*PromotionJob{},
		cfg:                    p,
		scope:                  scope,
		lakeFormationMode:      p.LakeFormation != nil && p.LakeFormation.Register,
	}
	d.props = original
	d.Key = p.ExistingKey
	if d.Key == nil {
		d.Key = d.newKey()
	}
	d.AccessLogs = securebucket.NewAccessLogs(d.Construct, "AccessLogs", false)
	for _, z := range p.Zones {
		d.Zones = append(d.Zones, z.Name)
		d.newZone(p, z)
	}
	d.newCatalog(p)
	d.newQuery(p.Query)
	for _, r := range p.RawTables {
		d.RawTables[r.Name] = d.newRawTable(r)
	}
	for _, t := range p.Tables {
		d.Tables[t.Name] = d.newIcebergTable(t)
	}
	if !p.Ingestion.Disable {
		d.newIngestion(p)
	}
	if p.LakeFormation != nil {
		d.newLakeFormation(*p.LakeFormation)
	}
	for _, t := range p.Tables {
		if t.Promotion != nil {
			if d.alarmTopic == nil {
				d.alarmTopic = p.Alarms.Topic
				if d.alarmTopic == nil {
					d.alarmTopic = alarmtopic.Shared(d.Construct).Topic
				}
				d.AlarmTopic = d.alarmTopic
			}
			d.Promotions[t.Name] = d.newPromotion(p, t)
		}
	}
	return d
}

func (d *DataLake) stack() awscdk.Stack { return awscdk.Stack_Of(d.Construct) }

// AddIngestion creates the delivery stream of a lake made with
// Ingestion.Disable, for a source made after the lake (a Kinesis stream
// whose consumer writes to the lake, say). in is validated as
// Props.Ingestion would be; it panics with a *validate.Error naming the
// invalid settings, or if the lake already has a delivery stream.
func (d *DataLake) AddIngestion(in Ingestion) awskinesisfirehose.DeliveryStream {
	if d.DeliveryStream != nil {
		panic(fmt.Sprintf("datalake %q: AddIngestion: the lake already has a delivery stream", *d.Node().Path()))
	}
	props := d.props
	props.Ingestion = in
	p, err := resolve(d.scope, *d.Node().Id(), &props)
	if err != nil {
		panic(err)
	}
	d.newIngestion(p)
	return d.DeliveryStream
}

func (d *DataLake) newKey() awskms.Key {
	key := awskms.NewKey(d.Construct, jsii.String("Key"), &awskms.KeyProps{
		Description:       jsii.String("gureum data lake " + *d.Node().Path() + ": zones, catalog logs and query results"),
		EnableKeyRotation: jsii.Bool(true),
		PendingWindow:     awscdk.Duration_Days(jsii.Number(30)),
		RemovalPolicy:     awscdk.RemovalPolicy_RETAIN,
	})
	// Glue's security configuration encrypts the crawlers' CloudWatch logs
	// with this key: CloudWatch Logs needs to use it for /aws-glue/* only.
	st := d.stack()
	key.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:        jsii.String("CloudWatchLogsForGlue"),
		Principals: &[]awsiam.IPrincipal{awsiam.NewServicePrincipal(jsii.String(fmt.Sprintf("logs.%s.amazonaws.com", *st.Region())), nil)},
		Actions:    jsii.Strings("kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey"),
		Resources:  jsii.Strings("*"),
		Conditions: &map[string]any{"ArnLike": map[string]any{
			"kms:EncryptionContext:aws:logs:arn": glueLogsArn(st),
		}},
	}), jsii.Bool(false))
	return key
}

// glueLogsArn covers the log groups Glue crawlers and jobs write to.
func glueLogsArn(st awscdk.Stack) string {
	return fmt.Sprintf("arn:%s:logs:%s:%s:log-group:/aws-glue/*", *st.Partition(), *st.Region(), *st.Account())
}

// pascal turns "raw-events" into "RawEvents" for construct ids.
func pascal(s string) string {
	var b strings.Builder
	up := true
	for _, c := range s {
		if c == '-' {
			up = true
			continue
		}
		if up {
			c = unicode.ToUpper(c)
			up = false
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (d *DataLake) newZone(p *config, z Zone) {
	id := pascal(z.Name) + "Zone"
	l := *z.Lifecycle
	extra := &awss3.BucketProps{}
	if lock := z.ObjectLock; lock != nil {
		days := awscdk.Duration_Days(jsii.Number(float64(lock.RetentionDays)))
		extra.ObjectLockEnabled = jsii.Bool(true)
		if lock.Mode == "COMPLIANCE" {
			extra.ObjectLockDefaultRetention = awss3.ObjectLockRetention_Compliance(days)
		} else {
			extra.ObjectLockDefaultRetention = awss3.ObjectLockRetention_Governance(days)
		}
	}
	var replRole awsiam.Role
	var destBucket awss3.IBucket
	var destKey awskms.IKey
	if r := z.Replication; r != nil {
		replRole = awsiam.NewRole(d.Construct, jsii.String(id+"ReplicationRole"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("s3.amazonaws.com"), nil),
			Description: jsii.String("S3 replication of the " + z.Name + " zone to " + r.DestinationBucketArn),
		})
		destBucket = awss3.Bucket_FromBucketArn(d.Construct, jsii.String(id+"Replica"), jsii.String(r.DestinationBucketArn))
		destKey = awskms.Key_FromKeyArn(d.Construct, jsii.String(id+"ReplicaKey"), jsii.String(r.DestinationKeyArn))
		extra.ReplicationRole = replRole
		extra.ReplicationRules = &[]*awss3.ReplicationRule{{
			Id:                     jsii.String("replicate-" + z.Name),
			Destination:            destBucket,
			KmsKey:                 destKey,
			SseKmsEncryptedObjects: jsii.Bool(true),
		}}
		d.ReplicationRoles[z.Name] = replRole
	}
	b := securebucket.New(d.Construct, id, securebucket.Props{
		EncryptionKey:    d.Key,
		AccessLogs:       d.AccessLogs,
		AccessLogsPrefix: z.Name + "/",
		LifecycleRules:   lifecycleRules(l),
		Extra:            extra,
	})
	if !p.AllowUploadsWithoutSSEHeader {
		denyUnencryptedUploads(b, d.Key)
	}
	d.Buckets[z.Name] = b
	if replRole != nil {
		dstRegion := keyRegion(z.Replication.DestinationKeyArn)
		d.grantReplication(replRole, b, destBucket, destKey, dstRegion, z.ObjectLock != nil)
		if stackRegion(d.Construct) == "" {
			d.ReplicationRegionRules[z.Name] = d.newReplicationRegionRule(id, z.Name, dstRegion)
		}
	}
}

// newReplicationRegionRule makes CloudFormation refuse to deploy a
// region-agnostic stack into the replica's region: synthesis cannot know the
// region there, so the same-region check of validateProps moves into the
// template, where CloudFormation evaluates it before creating anything.
func (d *DataLake) newReplicationRegionRule(id, zone, dstRegion string) awscdk.CfnRule {
	return awscdk.NewCfnRule(d.Construct, jsii.String(id+"ReplicationRegion"), &awscdk.CfnRuleProps{
		Assertions: &[]*awscdk.CfnRuleAssertion{{
			Assert: awscdk.Fn_ConditionNot(awscdk.Fn_ConditionEquals(awscdk.Aws_REGION(), jsii.String(dstRegion))),
			AssertDescription: jsii.String(fmt.Sprintf(
				"datalake %s: the %s zone replicates to %s; deploy this stack to another region (cross-region replication needs a destination in another region)",
				*d.Node().Path(), zone, dstRegion)),
		}},
	})
}

// denyUnencryptedUploads makes every writer ask for SSE-KMS explicitly, and
// with the lake key if it names a key.
//
// The second statement denies a request whose
// x-amz-server-side-encryption-aws-kms-key-id header names another key. The
// Null condition limits it to requests that carry the header: a negated
// operator (StringNotEquals, and equally StringNotEqualsIfExists) is true
// when the key is absent from the request, so without it a request asking
// for aws:kms with no key id (S3 then uses the bucket's default key, the lake
// key) would be denied too.
func denyUnencryptedUploads(b awss3.Bucket, key awskms.IKey) {
	deny := func(sid string, cond map[string]any) {
		b.AddToResourcePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:        jsii.String(sid),
			Effect:     awsiam.Effect_DENY,
			Principals: &[]awsiam.IPrincipal{awsiam.NewAnyPrincipal()},
			Actions:    jsii.Strings("s3:PutObject"),
			Resources:  jsii.Strings(*b.ArnForObjects(jsii.String("*"))),
			Conditions: &cond,
		}))
	}
	deny("DenyUploadsWithoutSSEKMS", map[string]any{"StringNotEquals": map[string]any{"s3:x-amz-server-side-encryption": "aws:kms"}})
	deny("DenyUploadsWithAnotherKey", map[string]any{
		"StringNotEquals": map[string]any{"s3:x-amz-server-side-encryption-aws-kms-key-id": key.KeyArn()},
		"Null":            map[string]any{"s3:x-amz-server-side-encryption-aws-kms-key-id": "false"},
	})
}

var keyRegionRE = regexp.MustCompile(`^arn:[^:]+:kms:([^:]+):`)

func keyRegion(arn string) string {
	if m := keyRegionRE.FindStringSubmatch(arn); m != nil {
		return m[1]
	}
	return ""
}

// grantReplication gives the replication role exactly what S3 replication of
// SSE-KMS objects needs.
func (d *DataLake) grantReplication(role awsiam.Role, src awss3.Bucket, dst awss3.IBucket, dstKey awskms.IKey, dstRegion string, objectLock bool) {
	st := d.stack()
	add := func(actions []string, resources []string, cond map[string]any) {
		ps := &awsiam.PolicyStatementProps{Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...)}
		if cond != nil {
			ps.Conditions = &cond
		}
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(ps))
	}
	add([]string{"s3:GetReplicationConfiguration", "s3:ListBucket"}, []string{*src.BucketArn()}, nil)
	read := []string{"s3:GetObjectVersionForReplication", "s3:GetObjectVersionAcl", "s3:GetObjectVersionTagging"}
	if objectLock {
		// Replicas keep their retention; the destination needs Object Lock too.
		read = append(read, "s3:GetObjectRetention", "s3:GetObjectLegalHold")
	}
	add(read, []string{*src.ArnForObjects(jsii.String("*"))}, nil)
	add([]string{"s3:ReplicateObject", "s3:ReplicateDelete", "s3:ReplicateTags"}, []string{*dst.ArnForObjects(jsii.String("*"))}, nil)
	add([]string{"kms:Decrypt"}, []string{*d.Key.KeyArn()},
		map[string]any{"StringLike": map[string]any{"kms:ViaService": fmt.Sprintf("s3.%s.amazonaws.com", *st.Region())}})
	add([]string{"kms:Encrypt", "kms:GenerateDataKey"}, []string{*dstKey.KeyArn()},
		map[string]any{"StringLike": map[string]any{"kms:ViaService": "s3." + dstRegion + ".amazonaws.com"}})
	nag.Suppress(role, "AwsSolutions-IAM5",
		"S3 replication reads every object version of the source zone and writes every key of the replica bucket; object-level actions have no narrower resource.",
		`/^Resource::(<.*\.Arn>|arn:aws[a-z-]*:s3:::[a-z0-9.-]+)\/\*$/`)
}

// lifecycleRules turns a Lifecycle into the rule added after the secure
// bucket's multipart-abort rule.
func lifecycleRules(l Lifecycle) []*awss3.LifecycleRule {
	nc := l.NoncurrentVersionExpiryDays
	rule := &awss3.LifecycleRule{
		Id:                          jsii.String("tiering-and-noncurrent-expiry"),
		NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(float64(nc))),
	}
	var transitions []*awss3.Transition
	if !l.DisableIntelligentTiering {
		it := l.IntelligentTieringAfterDays
		transitions = append(transitions, &awss3.Transition{
			StorageClass:    awss3.StorageClass_INTELLIGENT_TIERING(),
			TransitionAfter: awscdk.Duration_Days(jsii.Number(float64(it))),
		})
	}
	if l.GlacierAfterDays > 0 {
		transitions = append(transitions, &awss3.Transition{
			StorageClass:    awss3.StorageClass_GLACIER(),
			TransitionAfter: awscdk.Duration_Days(jsii.Number(float64(l.GlacierAfterDays))),
		})
	}
	if len(transitions) > 0 {
		rule.Transitions = &transitions
	}
	return []*awss3.LifecycleRule{rule}
}

// crawlerConfiguration groups compatible schemas into one table and lets
// new partitions inherit the table's schema, so the year=/month=/day=
// folders of one prefix become partitions of one table.
const crawlerConfiguration = `{"Version":1.0,"Grouping":{"TableGroupingPolicy":"CombineCompatibleSchemas"},"CrawlerOutput":{"Partitions":{"AddOrUpdateBehavior":"InheritFromTable"}}}`

var nonDBChars = regexp.MustCompile(`[^a-z0-9]+`)

func (d *DataLake) databaseName(prefix, zone string) string {
	if prefix == "" {
		prefix = strings.Trim(nonDBChars.ReplaceAllString(strings.ToLower(naming.Unique(d.Construct, "", 64)), "_"), "_")
	}
	return prefix + "_" + strings.ReplaceAll(zone, "-", "_")
}

func (d *DataLake) newCatalog(p *config) {
	st := d.stack()
	keyArn := d.Key.KeyArn()
	d.SecurityConfiguration = awsglue.NewCfnSecurityConfiguration(d.Construct, jsii.String("CatalogSecurity"), &awsglue.CfnSecurityConfigurationProps{
		Name: jsii.String(naming.Unique(d.Construct, "", 120) + "-glue"),
		EncryptionConfiguration: &awsglue.CfnSecurityConfiguration_EncryptionConfigurationProperty{
			S3Encryptions: &[]any{&awsglue.CfnSecurityConfiguration_S3EncryptionProperty{
				S3EncryptionMode: jsii.String("SSE-KMS"), KmsKeyArn: keyArn,
			}},
			CloudWatchEncryption: &awsglue.CfnSecurityConfiguration_CloudWatchEncryptionProperty{
				CloudWatchEncryptionMode: jsii.String("SSE-KMS"), KmsKeyArn: keyArn,
			},
			JobBookmarksEncryption: &awsglue.CfnSecurityConfiguration_JobBookmarksEncryptionProperty{
				JobBookmarksEncryptionMode: jsii.String("CSE-KMS"), KmsKeyArn: keyArn,
			},
		},
	})
	var schedule any
	if !p.Crawlers.OnDemand {
		expr := p.Crawlers.Schedule
		schedule = &awsglue.CfnCrawler_ScheduleProperty{ScheduleExpression: jsii.String(expr)}
	}
	lfRegistered := p.LakeFormation != nil && p.LakeFormation.Register
	for _, zone := range d.Zones {
		id := pascal(zone)
		b := d.Buckets[zone]
		name := d.databaseName(p.DatabasePrefix, zone)
		db := awsglue.NewCfnDatabase(d.Construct, jsii.String(id+"Database"), &awsglue.CfnDatabaseProps{
			CatalogId: st.Account(),
			DatabaseInput: &awsglue.CfnDatabase_DatabaseInputProperty{
				Name:        jsii.String(name),
				Description: jsii.String("gureum data lake: the " + zone + " zone"),
				LocationUri: jsii.String("s3://" + *b.BucketName() + "/"),
			},
		})
		db.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN, nil)
		d.Databases[zone] = db
		d.DatabaseNames[zone] = name

		role := awsiam.NewRole(d.Construct, jsii.String(id+"CrawlerRole"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("glue.amazonaws.com"), nil),
			Description: jsii.String("Glue crawler of the " + zone + " zone: reads the zone, writes its database"),
		})
		d.grantCrawler(role, b, name, lfRegistered)
		d.CrawlerRoles[zone] = role

		crawler := awsglue.NewCfnCrawler(d.Construct, jsii.String(id+"Crawler"), &awsglue.CfnCrawlerProps{
			Role:         role.RoleArn(),
			DatabaseName: db.Ref(),
			Description:  jsii.String("Catalogs the " + zone + " zone into " + name),
			Targets: &awsglue.CfnCrawler_TargetsProperty{S3Targets: &[]any{&awsglue.CfnCrawler_S3TargetProperty{
				Path:       jsii.String("s3://" + *b.BucketName() + "/"),
				Exclusions: jsii.Strings(crawlerExclusions(p, zone)...),
			}}},
			Schedule:                     schedule,
			CrawlerSecurityConfiguration: d.SecurityConfiguration.Ref(),
			SchemaChangePolicy: &awsglue.CfnCrawler_SchemaChangePolicyProperty{
				UpdateBehavior: jsii.String("UPDATE_IN_DATABASE"),
				DeleteBehavior: jsii.String("LOG"),
			},
			Configuration: jsii.String(crawlerConfiguration),
		})
		crawler.Node().AddDependency(role)
		d.Crawlers[zone] = crawler
	}
}

// grantCrawler gives a zone's crawler role read access to the zone, the
// catalog actions of a crawler on its own database, and its encrypted logs.
func (d *DataLake) grantCrawler(role awsiam.Role, b awss3.Bucket, database string, lakeFormation bool) {
	st := d.stack()
	add := func(actions []string, resources ...string) {
		role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings(actions...), Resources: jsii.Strings(resources...),
		}))
	}
	add([]string{"s3:ListBucket", "s3:GetBucketLocation"}, *b.BucketArn())
	add([]string{"s3:GetObject"}, *b.ArnForObjects(jsii.String("*")))
	// Decrypt reads the zone; Encrypt and GenerateDataKey serve the security
	// configuration's encrypted logs.
	add([]string{"kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"}, *d.Key.KeyArn())
	glueArn := func(resource string) string {
		return fmt.Sprintf("arn:%s:glue:%s:%s:%s", *st.Partition(), *st.Region(), *st.Account(), resource)
	}
	add([]string{
		"glue:GetDatabase", "glue:GetTable", "glue:GetTables", "glue:CreateTable", "glue:UpdateTable",
		"glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition", "glue:CreatePartition",
		"glue:BatchCreatePartition", "glue:UpdatePartition", "glue:BatchUpdatePartition",
	}, glueArn("catalog"), glueArn("database/"+database), glueArn("table/"+database+"/*"))
	add([]string{"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"}, glueLogsArn(st))
	reasons := []string{"/^Resource::(<.*\\.Arn>|arn:.*):s3:::.*\\/\\*$/", "/^Resource::<.*\\.Arn>\\/\\*$/",
		"/^Resource::arn:(<AWS::Partition>|aws[-a-z]*):glue:(<AWS::Region>|[^:]+):(<AWS::AccountId>|[^:]+):table\\/" + regexp.QuoteMeta(database) + "\\/\\*$/",
		"/^Resource::arn:(<AWS::Partition>|aws[-a-z]*):logs:(<AWS::Region>|[^:]+):(<AWS::AccountId>|[^:]+):log-group:\\/aws-glue\\/\\*$/"}
	if lakeFormation {
		// lakeformation:GetDataAccess has no resource-level permission.
		add([]string{"lakeformation:GetDataAccess"}, "*")
		reasons = append(reasons, "Resource::*")
	}
	nag.Suppress(role, "AwsSolutions-IAM5",
		"A crawler reads every object of its own zone, creates and updates the tables of its own database only, and writes the /aws-glue/ log groups whose names Glue derives from the role and security configuration; lakeformation:GetDataAccess has no resource-level permission.",
		reasons...)
}

func (d *DataLake) newQuery(q Query) {
	expiry := q.ResultsExpiryDays
	d.ResultsBucket = securebucket.New(d.Construct, "QueryResults", securebucket.Props{
		EncryptionKey:    d.Key,
		AccessLogs:       d.AccessLogs,
		AccessLogsPrefix: "query-results/",
		LifecycleRules: []*awss3.LifecycleRule{{
			Id:                          jsii.String("expire-query-results"),
			Expiration:                  awscdk.Duration_Days(jsii.Number(float64(expiry))),
			NoncurrentVersionExpiration: awscdk.Duration_Days(jsii.Number(1)),
		}},
	})
	denyUnencryptedUploads(d.ResultsBucket, d.Key)
	cutoff := q.BytesScannedCutoffPerQuery
	d.WorkGroup = awsathena.NewCfnWorkGroup(d.Construct, jsii.String("WorkGroup"), &awsathena.CfnWorkGroupProps{
		Name:                  jsii.String(naming.Unique(d.Construct, "", 120) + "-athena"),
		Description:           jsii.String("gureum data lake queries: enforced settings, encrypted results, per-query scan limit"),
		State:                 jsii.String("ENABLED"),
		RecursiveDeleteOption: jsii.Bool(false),
		WorkGroupConfiguration: &awsathena.CfnWorkGroup_WorkGroupConfigurationProperty{
			EnforceWorkGroupConfiguration:   jsii.Bool(true),
			PublishCloudWatchMetricsEnabled: jsii.Bool(true),
			BytesScannedCutoffPerQuery:      jsii.Number(float64(cutoff)),
			RequesterPaysEnabled:            jsii.Bool(false),
			EngineVersion:                   &awsathena.CfnWorkGroup_EngineVersionProperty{SelectedEngineVersion: jsii.String("AUTO")},
			ResultConfiguration: &awsathena.CfnWorkGroup_ResultConfigurationProperty{
				OutputLocation:      jsii.String("s3://" + *d.ResultsBucket.BucketName() + "/athena/"),
				ExpectedBucketOwner: d.stack().Account(),
				EncryptionConfiguration: &awsathena.CfnWorkGroup_EncryptionConfigurationProperty{
					EncryptionOption: jsii.String("SSE_KMS"),
					KmsKey:           d.Key.KeyArn(),
				},
			},
		},
	})
}

func (d *DataLake) newIngestion(p *config) {
	in := p.Ingestion
	zone, prefix, interval, size, retention := in.Zone, in.Prefix, in.BufferInterval, in.BufferSizeMiB, in.LogRetention
	d.DeliveryLogs = loggroup.New(d.Construct, "DeliveryLogs", loggroup.Props{Retention: retention, EncryptionKey: p.LogEncryptionKey})
	s3props := &awskinesisfirehose.S3BucketProps{
		DataOutputPrefix:  jsii.String(prefix + partitionLayout),
		ErrorOutputPrefix: jsii.String(errorPrefix),
		Compression:       awskinesisfirehose.Compression_GZIP(),
		BufferingInterval: awscdk.Duration_Seconds(jsii.Number(interval.Seconds())),
		BufferingSize:     awscdk.Size_Mebibytes(jsii.Number(float64(size))),
		EncryptionKey:     d.Key,
		LoggingConfig:     awskinesisfirehose.NewEnableLogging(d.DeliveryLogs),
	}
	if raw := rawTable(p, in.Table); raw != nil && raw.Format == "PARQUET" {
		// Record format conversion: Firehose reads the JSON records against
		// the raw table's schema and writes Snappy Parquet (which compresses
		// itself: the object-level GZIP is off).
		var parsers []awskinesisfirehose.TimestampParser
		for _, f := range raw.TimestampFormats {
			if f == "millis" {
				parsers = append(parsers, awskinesisfirehose.TimestampParser_EPOCH_MILLIS())
			} else {
				parsers = append(parsers, awskinesisfirehose.TimestampParser_FromFormatString(jsii.String(f)))
			}
		}
		s3props.Compression = nil
		s3props.DataFormatConversion = &awskinesisfirehose.DataFormatConversionProps{
			InputFormat: awskinesisfirehose.NewHiveJsonInputFormat(&awskinesisfirehose.HiveJsonInputFormatProps{TimestampParsers: &parsers}),
			OutputFormat: awskinesisfirehose.NewParquetOutputFormat(&awskinesisfirehose.ParquetOutputFormatProps{
				Compression: awskinesisfirehose.ParquetCompression_SNAPPY(),
			}),
			SchemaConfiguration: awskinesisfirehose.SchemaConfiguration_FromCfnTable(d.RawTables[raw.Name], nil),
		}
		// Parquet needs at least 64 MiB buffers.
		s3props.BufferingSize = awscdk.Size_Mebibytes(jsii.Number(float64(max(size, 64))))
	}
	dest := awskinesisfirehose.NewS3Bucket(d.Buckets[zone], s3props)
	props := &awskinesisfirehose.DeliveryStreamProps{Destination: dest}
	if in.SourceStream != nil {
		props.Source = awskinesisfirehose.NewKinesisStreamSource(in.SourceStream)
	} else {
		props.Encryption = awskinesisfirehose.StreamEncryption_CustomerManagedKey(d.Key)
	}
	d.DeliveryStream = awskinesisfirehose.NewDeliveryStream(d.Construct, jsii.String("Ingestion"), props)
	// In a region-agnostic stack the Firehose L2 adds a mapping of Firehose's
	// CIDR blocks per region, used only if a caller reads the stream's
	// network connections (for destinations in a VPC): keep it, and say why.
	// The validator reports the mapping against its stack, so the
	// acknowledgment goes there, and only when the region is unknown (the
	// mapping's condition; it is added later, during synthesis).
	stack := awscdk.Stack_Of(d.Construct)
	if *awscdk.Token_IsUnresolved(stack.Region()) {
		awscdk.Validations_Of(stack).Acknowledge(&awscdk.Acknowledgment{
			Id:     jsii.String("CloudFormation-Validate::W7001"),
			Reason: jsii.String("The Firehose construct's CIDR-block mapping is referenced only when the stream's connections are used."),
		})
	}
	if s3props.DataFormatConversion != nil {
		nag.Suppress(d.DeliveryStream, "AwsSolutions-IAM5",
			"Record format conversion: the Firehose L2 grants glue:GetSchemaVersion, which has no resource-level permission, beside glue:GetTable* on the raw table itself.",
			"Resource::*")
	}
	if in.SourceStream != nil {
		nag.Suppress(d.DeliveryStream, "AwsSolutions-KDF1",
			"The delivery stream reads a Kinesis data stream: Firehose server-side encryption applies to Direct PUT only, the source stream is encrypted at rest and the objects are written with SSE-KMS.")
	}
	nag.Suppress(d.DeliveryStream, "AwsSolutions-IAM5",
		"The Firehose L2 S3 destination grants the read/write action groups Firehose documents for S3 delivery (multipart uploads, listing, error output) on the objects of its own zone, and the KMS data-key actions on the lake key.",
		"Action::s3:GetObject*", "Action::s3:GetBucket*", "Action::s3:List*", "Action::s3:DeleteObject*", "Action::s3:Abort*",
		"Action::kms:GenerateDataKey*", "Action::kms:ReEncrypt*", "/^Resource::<.*\\.Arn>\\/\\*$/")
}

func (d *DataLake) newLakeFormation(lf LakeFormation) {
	st := d.stack()
	if lf.Register {
		d.LakeFormationRole = awsiam.NewRole(d.Construct, jsii.String("LakeFormationRole"), &awsiam.RoleProps{
			AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lakeformation.amazonaws.com"), nil),
			Description: jsii.String("Lake Formation data access to the zones of " + *d.Node().Path()),
		})
		for _, zone := range d.Zones {
			b := d.Buckets[zone]
			d.LakeFormationRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions: jsii.Strings("s3:ListBucket"), Resources: jsii.Strings(*b.BucketArn()),
			}))
			d.LakeFormationRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
				Actions:   jsii.Strings("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
				Resources: jsii.Strings(*b.ArnForObjects(jsii.String("*"))),
			}))
			res := awslakeformation.NewCfnResource(d.Construct, jsii.String(pascal(zone)+"LakeLocation"), &awslakeformation.CfnResourceProps{
				ResourceArn:          b.BucketArn(),
				UseServiceLinkedRole: jsii.Bool(false),
				RoleArn:              d.LakeFormationRole.RoleArn(),
			})
			res.Node().AddDependency(d.LakeFormationRole)
			d.LakeFormationResources[zone] = res
		}
		d.LakeFormationRole.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Actions: jsii.Strings("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"), Resources: jsii.Strings(*d.Key.KeyArn()),
		}))
		nag.Suppress(d.LakeFormationRole, "AwsSolutions-IAM5",
			"Lake Formation vends credentials for any object of the registered zone buckets; object-level actions have no narrower resource.",
			"/^Resource::<.*\\.Arn>\\/\\*$/")
	}
	for i, g := range lf.Grants {
		dbPerms, tablePerms := g.DatabasePermissions, g.TablePermissions
		principal := &awslakeformation.CfnPermissions_DataLakePrincipalProperty{DataLakePrincipalIdentifier: jsii.String(g.Principal)}
		db := d.Databases[g.Zone]
		dbGrant := awslakeformation.NewCfnPermissions(d.Construct, jsii.String(fmt.Sprintf("Grant%dDatabase", i)), &awslakeformation.CfnPermissionsProps{
			DataLakePrincipal: principal,
			Resource: &awslakeformation.CfnPermissions_ResourceProperty{DatabaseResource: &awslakeformation.CfnPermissions_DatabaseResourceProperty{
				CatalogId: st.Account(), Name: db.Ref(),
			}},
			Permissions: jsii.Strings(dbPerms...),
		})
		tables := &awslakeformation.CfnPermissions_TableResourceProperty{CatalogId: st.Account(), DatabaseName: db.Ref(), TableWildcard: map[string]any{}}
		if g.Table != "" {
			tables = &awslakeformation.CfnPermissions_TableResourceProperty{CatalogId: st.Account(), DatabaseName: db.Ref(), Name: jsii.String(g.Table)}
		}
		tableGrant := awslakeformation.NewCfnPermissions(d.Construct, jsii.String(fmt.Sprintf("Grant%dTables", i)), &awslakeformation.CfnPermissionsProps{
			DataLakePrincipal: principal,
			Resource:          &awslakeformation.CfnPermissions_ResourceProperty{TableResource: tables},
			Permissions:       jsii.Strings(tablePerms...),
		})
		if g.Table != "" {
			tableGrant.Node().AddDependency(d.table(g.Table))
		}
		d.LakeFormationPermissions = append(d.LakeFormationPermissions, dbGrant, tableGrant)
	}
}

func (d *DataLake) bucket(zone string) awss3.Bucket {
	b, ok := d.Buckets[zone]
	if !ok {
		panic(fmt.Sprintf("datalake %q: no zone %q (zones: %s)", *d.Node().Path(), zone, strings.Join(d.Zones, ", ")))
	}
	return b
}

// GrantRead lets grantee list and read the objects of zone, and decrypt them
// with the lake key. In Lake Formation mode (LakeFormation.Register) it
// grants, as Lake Formation expects, DESCRIBE on the zone's database and
// SELECT and DESCRIBE on every table of it, with the catalog reads and
// lakeformation:GetDataAccess in IAM, and no S3 or KMS access: Lake
// Formation vends the credentials. It panics if the lake has no such zone.
func (d *DataLake) GrantRead(zone string, grantee awsiam.IGrantable) awsiam.Grant {
	b := d.bucket(zone)
	if d.lakeFormationMode {
		return d.grantLakeFormation(zone, "", grantee, []string{"SELECT", "DESCRIBE"})
	}
	g := awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"),
		ResourceArns: jsii.Strings(*b.BucketArn(), *b.ArnForObjects(jsii.String("*"))),
	})
	return g.Combine(awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee: grantee, Actions: jsii.Strings("kms:Decrypt", "kms:DescribeKey"), ResourceArns: jsii.Strings(*d.Key.KeyArn()),
	}))
}

// GrantWrite lets grantee land objects in zone the way functions/lakeloader
// does (PutObject, multipart uploads and their clean-up) with SSE-KMS under
// the lake key. Objects landed in S3 are not mediated by Lake Formation, so
// in Lake Formation mode these grants stay, and Lake Formation's
// DATA_LOCATION_ACCESS on the zone is added (the writer may then create
// tables and partitions over what it lands). It panics if the lake has no
// such zone.
func (d *DataLake) GrantWrite(zone string, grantee awsiam.IGrantable) awsiam.Grant {
	b := d.bucket(zone)
	g := awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee:      grantee,
		Actions:      jsii.Strings("s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:ListBucketMultipartUploads"),
		ResourceArns: jsii.Strings(*b.BucketArn(), *b.ArnForObjects(jsii.String("*"))),
	})
	g = g.Combine(awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
		Grantee: grantee, Actions: jsii.Strings("kms:GenerateDataKey", "kms:Decrypt"), ResourceArns: jsii.Strings(*d.Key.KeyArn()),
	}))
	if d.lakeFormationMode {
		d.lfLocationGrant(grantee, zone)
	}
	return g
}

// GrantQuery lets grantee run queries in the lake's Athena workgroup: start,
// follow and stop queries, read the catalog of every zone, and write and read
// the encrypted results. Reading a zone's data takes GrantRead as well.
func (d *DataLake) GrantQuery(grantee awsiam.IGrantable) awsiam.Grant {
	st := d.stack()
	wg := fmt.Sprintf("arn:%s:athena:%s:%s:workgroup/%s", *st.Partition(), *st.Region(), *st.Account(), *d.WorkGroup.Ref())
	glueArn := func(resource string) string {
		return fmt.Sprintf("arn:%s:glue:%s:%s:%s", *st.Partition(), *st.Region(), *st.Account(), resource)
	}
	catalog := []string{glueArn("catalog")}
	for _, zone := range d.Zones {
		name := d.DatabaseNames[zone]
		catalog = append(catalog, glueArn("database/"+name), glueArn("table/"+name+"/*"))
	}
	grant := func(actions []string, resources ...string) awsiam.Grant {
		return awsiam.Grant_AddToPrincipal(&awsiam.GrantOnPrincipalOptions{
			Grantee: grantee, Actions: jsii.Strings(actions...), ResourceArns: jsii.Strings(resources...),
		})
	}
	g := grant([]string{"athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults",
		"athena:GetQueryResultsStream", "athena:StopQueryExecution", "athena:GetWorkGroup"}, wg)
	g = g.Combine(grant([]string{"glue:GetDatabase", "glue:GetDatabases", "glue:GetTable", "glue:GetTables",
		"glue:GetPartition", "glue:GetPartitions", "glue:BatchGetPartition"}, catalog...))
	r := d.ResultsBucket
	g = g.Combine(grant([]string{"s3:GetObject", "s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation",
		"s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"}, *r.BucketArn(), *r.ArnForObjects(jsii.String("*"))))
	return g.Combine(grant([]string{"kms:Decrypt", "kms:GenerateDataKey"}, *d.Key.KeyArn()))
}
