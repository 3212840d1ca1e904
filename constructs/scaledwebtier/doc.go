// Package scaledwebtier provides ScaledWebTier: one web tier that grows from
// one user to ten million by changing one prop, Stage. It runs the real Go
// web server (functions/webapp/server), compiled at synth time for
// linux/arm64 and installed by user data as a hardened systemd service on
// Graviton instances with IMDSv2 only, encrypted gp3 volumes and SSM Session
// Manager instead of SSH.
//
//	Stage 1 SingleServer     one instance, Elastic IP, HTTP on port 80, sessions in memory
//	Stage 2 SplitDatabase    + Aurora Serverless v2 (or DynamoDB) in isolated subnets, generated and rotated secret
//	                           encrypted with the tier's KMS key, Performance Insights, enhanced monitoring
//	Stage 3 HighlyAvailable  + HTTPS ALB across 2+ AZs with a WAF web ACL and deletion protection, Auto Scaling
//	                           group (min 2), NAT per AZ, Aurora reader in another AZ
//	Stage 4 Elastic          + target tracking on CPU and requests, static files on S3 behind CloudFront,
//	                           sessions in DynamoDB (or ElastiCache for Valkey), RDS Proxy, Aurora replica
//	                           auto scaling; optionally CloudFront in front of the whole tier (CDN.Dynamic)
//	Stage 5 Global           + a stack per region, Route 53 latency (or failover) routing with health checks,
//	                           DynamoDB global tables, Aurora Global Database with write forwarding
//
// ExampleNew is the use an app copies: the tier at stage 3, with gureum's
// web server named by its import path (Entry), which builds from any app
// whose module requires gureum. Growing is changing Stage; from stage 3 a
// Domain is required, for the HTTPS certificate.
//
// Growth never replaces data: the database cluster, its secret, the tables
// and the buckets keep the same construct paths (and so the same logical
// IDs and types) from one stage to the next. Tables are TableV2
// (AWS::DynamoDB::GlobalTable) from the start so that stage 5 only adds
// replicas; names that every region must find (the tables, the database
// secret and identifier, the global cluster) derive from Props.Name, which
// must stay the same for the life of the tier. Name defaults, at stages 1-4,
// to a name made from the stack's name and the construct's path (unique per
// account and region, valid for any construct id); stage 5 requires it, and
// its error names that default so a tier can keep its data. Stateful
// resources are retained on stack deletion and deletion-protected.
//
// At stage 5 the construct is created once per region, in a stack with a
// concrete region listed in Props.Regions. The stack in PrimaryRegion makes
// the global cluster, the tables and their replicas, and replicates the
// database secret; it must be deployed before the others, whose Aurora
// cluster joins the global cluster as a secondary.
//
// Writes do not all wait on one region in the same way. DynamoDB global
// tables are multi-active: every region's replica takes writes locally and
// replicates them to the others (last writer wins). Aurora has one writer,
// in PrimaryRegion; each secondary cluster has global write forwarding on
// (Database.DisableWriteForwarding turns it off), so the servers of a
// secondary region write through their own region's cluster
// (DB_WRITER_HOST, its reader endpoint), which forwards each write to the
// primary's writer. A write from a secondary region pays the cross-region
// round trip, but needs no change in the app: no second connection to
// another region's endpoint (which its VPC could not reach), and a session
// reads its own writes. Forwarding carries DML only: run DDL (migrations)
// against the primary. Aurora PostgreSQL needs 14.9+, 15.4+ or 16 and later
// for it (validated against Database.EngineVersion); every Aurora MySQL 3
// forwards, with aurora_replica_read_consistency set by the construct.
//
// Route 53 routes by latency (Routing LatencyRouting, the default: every
// region serves) or by failover (FailoverRouting: PrimaryRegion's record
// PRIMARY and the other region's SECONDARY, each with its region's health
// check, for exactly two regions). Failover moves web traffic only: the
// Aurora writer stays in PrimaryRegion until a global database switchover
// or failover moves it.
//
// Two steps are not data-preserving by nature and are left to the operator:
// sessions in Valkey (stage 4 option) do not move to stage 5, whose
// sessions live in a DynamoDB global table; and stage 5 turns the domain's
// simple A record into latency (or failover) records, which Route 53 cannot
// hold side by side, so delete the old record set in the same change window
// (the same holds when Routing changes).
//
// A deployment pipeline (webpipeline) finds what it needs in
// AutoScalingGroup, TargetGroup, Alarms and AppAsset; the servers' paths
// are those of its bundle. The alarms, and from stage 3 the group's scaling
// events, go to Alarms.Topic, or to the stack's shared alarm topic
// (alarmtopic.Shared) when none is given (ScaledWebTier.AlarmTopic); when
// that topic is encrypted with a customer-managed key (an alarmtopic's), the
// key's policy is extended so that Auto Scaling can publish
// (alarmtopic.AllowAutoScaling).
//
// From stage 4 the files of StaticDir (by default the "static" directory
// beside Entry's package, found through its import path) are copied into
// the static bucket by the CDK's bucket deployment handler, on a handler of
// the tiers' own (StaticDeploymentHandlerID, selected by its memory size),
// so the cdk-nag suppressions it needs never cover a bucket deployment of
// the app's. The memory size also names the deployment's custom resource:
// a stack built before that handler creates the new custom resource (which
// copies the same files) and drops the old one, whose files are retained.
//
// The web app's guestbook uses the database from stage 2; the construct
// writes its DB_* environment (functions/webapp's contract, held to it by a
// test that feeds every stage's environment to the app's LoadConfig).
// Stages 2-3 connect to the cluster directly over TLS, verified against the
// RDS CA bundle the user data downloads (RDSCABundleFile); from stage 4
// the servers reach RDS Proxy only (DB_HOST), which reads the secret, with
// IAM tokens when Database.IAMAuth is set. A stage-5 secondary uses its
// proxy's read-only endpoint (the cluster has no writer; its readers
// forward writes) and does not migrate; on Aurora MySQL its forwarded
// writes are read with GLOBAL consistency (ProxyWriteForwardingConsistency),
// as RDS Proxy does not support SESSION with write forwarding.
//
// The tier's Key (or ExistingKey) encrypts the database secret,
// Performance Insights and the static bucket; the log buckets stay SSE-S3,
// which S3 and load balancer log delivery require. The key's policy allows
// kms:CreateGrant only for AWS resources, and CloudFront may decrypt the
// static files for the tier's distribution only (the bucket names the key
// through StaticKeyAlias, which breaks the cycle between the key, the
// distribution and the bucket). Changing a secret's key updates it in
// place; Secrets Manager re-encrypts its versions.
//
// From stage 3 a REGIONAL web ACL guards the load balancer, built by the
// rule set gureum's distributions share (NewCDNWebACL builds the
// CLOUDFRONT-scope one in us-east-1). Capacity adds Spot (a mixed instances
// policy over an on-demand base), a warm pool (with a launch hook its
// servers complete on every boot, and instance refreshes in place of
// CloudFormation's rolling update, which would skip the pool), scheduled
// actions and instance refresh on launch template changes. The AWS API
// calls made at deploy time (the CloudFront prefix list, a stage-5
// secondary's replicated secret ARN, starting an instance refresh) run on
// the CDK's AwsCustomResource handler, each with a policy of its own.
//
// Defaults live in defaults.go; a field set in Props always wins over the
// default. Network.ExistingVpc replaces the VPC the construct would create,
// and setting it with the VPC's props is an error; it must have the subnet
// groups the stage uses (validated), and the construct adds the Secrets
// Manager endpoint that Aurora's secret rotation needs, unless
// Network.ExistingSecretsEndpoint names the VPC's own. Every resource made
// is an exported field of ScaledWebTier.
package scaledwebtier
