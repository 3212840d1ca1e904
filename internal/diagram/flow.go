package diagram

import (
	"sort"
	"strings"

	"github.com/gureum-cdk/gureum/internal/assembly"
)

// EdgeKind says what an edge carries.
type EdgeKind int

const (
	// Flow is a request or data on its way: a client's request, an API's
	// integration, an event source, a notification, a subscription, a read
	// or a write a resource's role allows. Drawn solid, in the direction the
	// request goes.
	Flow EdgeKind = iota
	// Side is what a resource sends besides its work: its alarms to their
	// topic, its logs, its failed events to a dead-letter queue. Drawn
	// dashed, with a Label.
	Side
	// Reference says that From names To (Ref, Fn::GetAtt, Fn::Sub): the
	// edges of Options.All.
	Reference
)

// ClientID is the ID of the node Build adds for the callers on the internet,
// with an edge to each entry point (an API, a CloudFront distribution, an
// internet-facing load balancer, a DNS record, an Elastic IP, or the web
// ACL in front of one of them).
const ClientID = "@client"

// Side labels.
const (
	labelAlarms        = "alarms"
	labelLogs          = "logs"
	labelFailures      = "failures"
	labelNotifications = "notifications"
	labelTokens        = "tokens"
	labelArtifacts     = "artifacts"
	labelTraffic       = "traffic control"
	labelReplication   = "replication"
)

// folder merges resources into the resource that owns them (a union-find
// forest of logical IDs).
type folder struct {
	res    map[string]*assembly.Resource
	parent map[string]string
}

func (f *folder) find(id string) string {
	for {
		p, ok := f.parent[id]
		if !ok {
			return id
		}
		if pp, ok := f.parent[p]; ok { // path halving
			f.parent[id] = pp
		}
		id = p
	}
}

// fold merges member into owner; it reports whether they were apart.
func (f *folder) fold(member, owner string) bool {
	m, o := f.find(member), f.find(owner)
	if m == o || f.res[owner] == nil {
		return false
	}
	f.parent[m] = o
	return true
}

// apiGatewayParts fold into their REST API.
var apiGatewayParts = map[string]bool{
	"AWS::ApiGateway::Resource": true, "AWS::ApiGateway::Method": true, "AWS::ApiGateway::Deployment": true,
	"AWS::ApiGateway::Stage": true, "AWS::ApiGateway::Model": true, "AWS::ApiGateway::RequestValidator": true,
	"AWS::ApiGateway::GatewayResponse": true, "AWS::ApiGateway::Authorizer": true, "AWS::ApiGateway::UsagePlan": true,
	"AWS::ApiGateway::UsagePlanKey": true, "AWS::ApiGateway::ApiKey": true, "AWS::ApiGateway::BasePathMapping": true,
	"AWS::ApiGateway::DocumentationPart": true,
}

// forwardOwner names the properties whose first resource reference is the
// owner a resource folds into: an alarm into what it watches, a policy into
// what it protects, an API's methods into the API, a subnet into its VPC.
var forwardOwner = map[string][]string{
	"AWS::CloudWatch::Alarm":                           {"Dimensions", "Metrics"},
	"AWS::ApiGatewayV2::Route":                         {"ApiId"},
	"AWS::ApiGatewayV2::Integration":                   {"ApiId"},
	"AWS::ApiGatewayV2::Stage":                         {"ApiId"},
	"AWS::ApiGatewayV2::Authorizer":                    {"ApiId"},
	"AWS::ApiGatewayV2::Deployment":                    {"ApiId"},
	"AWS::RDS::DBInstance":                             {"DBClusterIdentifier"},
	"AWS::EFS::MountTarget":                            {"FileSystemId"},
	"AWS::EFS::AccessPoint":                            {"FileSystemId"},
	"AWS::FSx::DataRepositoryAssociation":              {"FileSystemId"},
	"AWS::EC2::Subnet":                                 {"VpcId"},
	"AWS::EC2::RouteTable":                             {"VpcId"},
	"AWS::EC2::VPCEndpoint":                            {"VpcId"},
	"AWS::EC2::SecurityGroup":                          {"VpcId"},
	"AWS::EC2::VPCGatewayAttachment":                   {"VpcId"},
	"AWS::EC2::EgressOnlyInternetGateway":              {"VpcId"},
	"AWS::EC2::NetworkAcl":                             {"VpcId"},
	"AWS::EC2::VPCCidrBlock":                           {"VpcId"},
	"AWS::EC2::Route":                                  {"RouteTableId"},
	"AWS::EC2::SubnetRouteTableAssociation":            {"SubnetId"},
	"AWS::EC2::SubnetNetworkAclAssociation":            {"SubnetId"},
	"AWS::EC2::NatGateway":                             {"SubnetId"},
	"AWS::EC2::FlowLog":                                {"ResourceId"},
	"AWS::RDS::DBSubnetGroup":                          {"SubnetIds"},
	"AWS::ElastiCache::SubnetGroup":                    {"SubnetIds"},
	"AWS::IAM::Policy":                                 {"Roles"},
	"AWS::IAM::ManagedPolicy":                          {"Roles"},
	"AWS::SNS::TopicPolicy":                            {"Topics"},
	"AWS::SQS::QueuePolicy":                            {"Queues"},
	"AWS::S3::BucketPolicy":                            {"Bucket"},
	"AWS::SecretsManager::ResourcePolicy":              {"SecretId"},
	"AWS::SecretsManager::SecretTargetAttachment":      {"SecretId"},
	"AWS::SecretsManager::RotationSchedule":            {"SecretId"},
	"AWS::KMS::Alias":                                  {"TargetKeyId"},
	"AWS::SNS::Subscription":                           {"TopicArn"},
	"AWS::Lambda::Permission":                          {"FunctionName"},
	"AWS::Lambda::EventSourceMapping":                  {"FunctionName"},
	"AWS::Lambda::EventInvokeConfig":                   {"FunctionName"},
	"AWS::Lambda::Alias":                               {"FunctionName"},
	"AWS::Lambda::Version":                             {"FunctionName"},
	"AWS::Lambda::Url":                                 {"TargetFunctionArn"},
	"AWS::WAFv2::WebACLAssociation":                    {"WebACLArn"},
	"AWS::WAFv2::LoggingConfiguration":                 {"ResourceArn"},
	"AWS::ElasticLoadBalancingV2::Listener":            {"LoadBalancerArn"},
	"AWS::ElasticLoadBalancingV2::ListenerRule":        {"ListenerArn"},
	"AWS::ElasticLoadBalancingV2::ListenerCertificate": {"ListenerArn"},
	"AWS::AutoScaling::ScalingPolicy":                  {"AutoScalingGroupName"},
	"AWS::AutoScaling::ScheduledAction":                {"AutoScalingGroupName"},
	"AWS::AutoScaling::LifecycleHook":                  {"AutoScalingGroupName"},
	"AWS::AutoScaling::WarmPool":                       {"AutoScalingGroupName"},
	"AWS::ApplicationAutoScaling::ScalingPolicy":       {"ScalingTargetId"},
	"AWS::ApplicationAutoScaling::ScalableTarget":      {"ResourceId"},
	"AWS::Cognito::UserPoolClient":                     {"UserPoolId"},
	"AWS::Cognito::UserPoolDomain":                     {"UserPoolId"},
	"AWS::Cognito::UserPoolGroup":                      {"UserPoolId"},
	"AWS::Cognito::UserPoolResourceServer":             {"UserPoolId"},
	"AWS::Logs::MetricFilter":                          {"LogGroupName"},
	"AWS::Logs::LogStream":                             {"LogGroupName"},
	"AWS::Logs::SubscriptionFilter":                    {"LogGroupName"},
	"Custom::S3BucketNotifications":                    {"BucketName"},
	"AWS::Scheduler::Schedule":                         {"GroupName"},
	"AWS::Glue::Table":                                 {"DatabaseName"},
	"AWS::Glue::Partition":                             {"DatabaseName"},
}

// reverseOwner lists the types that fold into the one resource that names
// them (a role into its function, a launch template into its Auto Scaling
// group, a key into the topic it encrypts). Named by several, they stay.
var reverseOwner = map[string]bool{
	"AWS::IAM::Role": true, "AWS::IAM::InstanceProfile": true, "AWS::EC2::LaunchTemplate": true,
	"AWS::KMS::Key": true, "AWS::Logs::LogGroup": true, "AWS::Lambda::LayerVersion": true,
	"AWS::CertificateManager::Certificate": true, "AWS::CloudFront::OriginAccessControl": true,
	"AWS::CloudFront::CloudFrontOriginAccessIdentity": true, "AWS::Route53::HealthCheck": true,
	"AWS::Glue::SecurityConfiguration": true, "AWS::Serverless::Application": true,
	"AWS::EC2::PlacementGroup": true, "AWS::CodeDeploy::Application": true,
	"AWS::EC2::InternetGateway": true, "AWS::CodeDeploy::DeploymentConfig": true, "AWS::CloudFront::Function": true,
}

// policyProps hold policy documents: what they name is access granted, not
// ownership.
var policyProps = map[string]bool{
	"PolicyDocument": true, "Policies": true, "AssumeRolePolicyDocument": true, "KeyPolicy": true,
	"ResourcePolicy": true, "AccessPolicies": true,
}

// noReferrer lists types whose references say nothing about ownership: the
// resources they name do not fold into them.
func noReferrer(typ string) bool {
	return strings.HasSuffix(typ, "Policy") || typ == "AWS::CloudWatch::Alarm" || typ == "AWS::CloudWatch::Dashboard" ||
		typ == "AWS::CloudWatch::CompositeAlarm" || typ == "AWS::Lambda::Permission" || typ == "AWS::CDK::Metadata" ||
		typ == "AWS::Logs::ResourcePolicy"
}

// grantSkip lists types that a role's grants do not draw an edge to: its
// own keys and log groups, roles it may pass, the network.
var grantSkip = map[string]bool{
	"AWS::KMS::Key": true, "AWS::IAM::Role": true, "AWS::Logs::LogGroup": true, "AWS::Logs::LogStream": true,
	"AWS::EC2::VPC": true, "AWS::EC2::Subnet": true, "AWS::EC2::SecurityGroup": true,
}

// entryTypes are reached from the internet.
var entryTypes = map[string]bool{
	"AWS::ApiGateway::RestApi": true, "AWS::ApiGatewayV2::Api": true, "AWS::CloudFront::Distribution": true,
	"AWS::ElasticLoadBalancingV2::LoadBalancer": true, "AWS::Route53::RecordSet": true, "AWS::EC2::EIP": true,
	"AWS::WAFv2::WebACL": true, "AWS::Lambda::Url": true,
}

// frontDoor types receive requests from the internet only.
var frontDoor = map[string]bool{
	"AWS::CloudFront::Distribution": true, "AWS::ApiGateway::RestApi": true, "AWS::ApiGatewayV2::Api": true,
}

// buildFlow draws the request and data flow of s: resources folded into
// their owners, edges from the flow rules, and the internet's client.
func buildFlow(s *assembly.Stack) *Graph {
	res := s.Template.Resources
	ids := make([]string, 0, len(res))
	for id := range res {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	f := &folder{res: res, parent: map[string]string{}}
	drop := map[string]bool{}
	for _, id := range ids {
		switch res[id].Type {
		case "AWS::CDK::Metadata", "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress", "AWS::Logs::ResourcePolicy":
			drop[id] = true
		}
	}

	// Forward folds: into the resource a property names.
	var restAPIs []string
	for _, id := range ids {
		if res[id].Type == "AWS::ApiGateway::RestApi" {
			restAPIs = append(restAPIs, id)
		}
	}
	for _, id := range ids {
		r := res[id]
		switch {
		case apiGatewayParts[r.Type]:
			for _, to := range references(r.Properties, res) {
				if res[to].Type == "AWS::ApiGateway::RestApi" {
					f.fold(id, to)
					break
				}
			}
		case r.Type == "AWS::EC2::NatGateway":
			// With its address, into the VPC of its subnet.
			for _, eip := range references(r.Properties["AllocationId"], res) {
				f.fold(eip, id)
			}
			if to := references(r.Properties["SubnetId"], res); len(to) > 0 {
				f.fold(id, to[0])
			}
		case r.Type == "AWS::ApiGateway::Account" && len(restAPIs) == 1:
			f.fold(id, restAPIs[0])
		case r.Type == "AWS::CloudWatch::Alarm" && len(references([]any{r.Properties["Dimensions"], r.Properties["Metrics"]}, res)) == 0:
			// A metric a log group's filter counts.
			if mf := metricFilter(r, ids, res); mf != "" {
				f.fold(id, mf)
			}
		default:
			for _, p := range forwardOwner[r.Type] {
				if to := references(r.Properties[p], res); len(to) > 0 {
					f.fold(id, to[0])
					break
				}
			}
		}
	}
	// The CDK's EC2 pieces that name nothing: an Internet gateway is named
	// by its attachment and routes, folded into the VPC above.

	// Reverse folds: into the one resource that names it. Repeated, so that
	// a role named by an instance profile named by a launch template ends in
	// the Auto Scaling group.
	// A role's referrers are the resources that assume it or pass it (a
	// function's Role, a target's RoleArn), not those that only name it (a
	// domain's master user).
	referrers := map[string]map[string]bool{}
	for _, id := range ids {
		r := res[id]
		if noReferrer(r.Type) || drop[id] {
			continue
		}
		for p, v := range r.Properties {
			if policyProps[p] {
				continue
			}
			roleRefs := map[string]bool{}
			for _, to := range referencesUnder(p, v, res, roleKey) {
				roleRefs[to] = true
			}
			for _, to := range references(v, res) {
				if res[to].Type == "AWS::IAM::Role" && !roleRefs[to] {
					continue
				}
				if referrers[to] == nil {
					referrers[to] = map[string]bool{}
				}
				referrers[to][id] = true
			}
		}
	}
	dependents := map[string]map[string]bool{}
	for _, id := range ids {
		for _, to := range dependsOn(res[id].DependsOn) {
			if res[to] != nil && !drop[id] {
				if dependents[to] == nil {
					dependents[to] = map[string]bool{}
				}
				dependents[to][id] = true
			}
		}
	}
	for changed := true; changed; {
		changed = false
		for _, id := range ids {
			r := res[id]
			if f.find(id) != id {
				continue
			}
			if !reverseOwner[r.Type] && !(r.Type == "AWS::Lambda::Function" && onlyProvider(id, referrers[id], res)) {
				continue
			}
			owners := map[string]bool{}
			for ref := range referrers[id] {
				if o := f.find(ref); o != id {
					owners[o] = true
				}
			}
			if len(owners) == 0 && r.Type == "AWS::Logs::LogGroup" {
				// A group named after its function (/aws/lambda/${Fn}), or
				// named by a string its one user waits for (DependsOn).
				for _, to := range references(r.Properties, res) {
					owners[f.find(to)] = true
				}
				if len(owners) == 0 {
					for d := range dependents[id] {
						if o := f.find(d); o != id {
							owners[o] = true
						}
					}
				}
			}
			if len(owners) == 1 {
				for o := range owners {
					changed = f.fold(id, o) || changed
				}
			}
		}
	}

	// A role, instance profile or launch template that several resources use
	// is not drawn: what it allows or names is drawn from each of them.
	users := map[string][]string{}
	for _, id := range ids {
		t := res[id].Type
		if f.find(id) != id || (t != "AWS::IAM::Role" && t != "AWS::IAM::InstanceProfile" && t != "AWS::EC2::LaunchTemplate") {
			continue
		}
		owners := map[string]bool{}
		for ref := range referrers[id] {
			if o := f.find(ref); o != id {
				owners[o] = true
			}
		}
		if len(owners) > 1 {
			for o := range owners {
				users[id] = append(users[id], o)
			}
			sort.Strings(users[id])
			drop[id] = true
		}
	}

	g := &Graph{Stack: s.Name, Root: &Cluster{}}
	edges := map[[2]string]Edge{}
	// add draws an edge between the owners of from and to. An edge of a rule
	// replaces a Side edge by a Flow one; a grant's (weak) never replaces.
	var add func(from, to string, kind EdgeKind, label string, weak bool)
	add = func(from, to string, kind EdgeKind, label string, weak bool) {
		if res[from] == nil || res[to] == nil {
			return
		}
		from, to = f.find(from), f.find(to)
		if us, ok := users[from]; ok {
			for _, u := range us {
				add(u, to, kind, label, weak)
			}
			return
		}
		if from == to || drop[from] || drop[to] {
			return
		}
		if kind == Flow && (res[to].Type == "AWS::KMS::Key" || frontDoor[res[to].Type] && !entryTypes[res[from].Type]) {
			// A key is not where data goes; a server that names its CDN
			// (for the page's asset URLs) does not send it requests.
			return
		}
		k := [2]string{from, to}
		if old, ok := edges[k]; ok && (weak || old.Kind <= kind) {
			return
		}
		if _, back := edges[[2]string{to, from}]; back && weak {
			return
		}
		edges[k] = Edge{From: from, To: to, Kind: kind, Label: label}
	}
	names := physicalNames(ids, res)
	refs := func(v any) []string { return append(references(v, res), names.in(v)...) }
	each := func(froms, tos []string, kind EdgeKind, label string) {
		for _, a := range froms {
			for _, b := range tos {
				add(a, b, kind, label, false)
			}
		}
	}
	for _, id := range ids {
		r := res[id]
		p := r.Properties
		self := []string{id}
		switch r.Type {
		case "AWS::CloudWatch::Alarm":
			each(self, refs([]any{p["AlarmActions"], p["OKActions"], p["InsufficientDataActions"]}), Side, labelAlarms)
		case "AWS::Lambda::Function":
			each(self, refs(p["Environment"]), Flow, "")
			each(self, refs(p["DeadLetterConfig"]), Side, labelFailures)
		case "AWS::Lambda::EventSourceMapping":
			each(refs(p["EventSourceArn"]), refs(p["FunctionName"]), Flow, "")
			each(refs(p["FunctionName"]), refs(p["DestinationConfig"]), Side, labelFailures)
		case "AWS::Lambda::EventInvokeConfig":
			if dc, ok := p["DestinationConfig"].(map[string]any); ok {
				each(refs(p["FunctionName"]), refs(dc["OnSuccess"]), Flow, "")
				each(refs(p["FunctionName"]), refs(dc["OnFailure"]), Side, labelFailures)
			}
		case "AWS::Lambda::Permission":
			each(refs(p["SourceArn"]), refs(p["FunctionName"]), Flow, "")
		case "AWS::ApiGateway::Method":
			if in, ok := p["Integration"].(map[string]any); ok {
				each(self, refs(in["Uri"]), Flow, "")
				each(self, refs(in["RequestTemplates"]), Flow, "")
			}
		case "AWS::ApiGateway::Authorizer":
			each(refs(p["ProviderARNs"]), self, Side, labelTokens)
			each(self, refs(p["AuthorizerUri"]), Flow, "")
		case "AWS::ApiGateway::Stage":
			each(self, refs(p["AccessLogSetting"]), Side, labelLogs)
		case "AWS::ApiGatewayV2::Integration":
			each(self, refs(p["IntegrationUri"]), Flow, "")
		case "AWS::WAFv2::WebACLAssociation":
			each(refs(p["WebACLArn"]), refs(p["ResourceArn"]), Flow, "")
		case "AWS::WAFv2::LoggingConfiguration":
			each(refs(p["ResourceArn"]), refs(p["LogDestinationConfigs"]), Side, labelLogs)
		case "AWS::CloudFront::Distribution":
			if dc, ok := p["DistributionConfig"].(map[string]any); ok {
				each(self, refs(dc["Origins"]), Flow, "")
				each(self, refs(dc["OriginGroups"]), Flow, "")
				each(self, refs(dc["Logging"]), Side, labelLogs)
				each(refs(dc["WebACLId"]), self, Flow, "")
			}
		case "AWS::Route53::RecordSet":
			each(self, refs([]any{p["AliasTarget"], p["ResourceRecords"]}), Flow, "")
		case "AWS::EC2::EIP":
			each(self, refs(p["InstanceId"]), Flow, "")
		case "AWS::EC2::EIPAssociation":
			each(refs([]any{p["EIP"], p["AllocationId"]}), refs(p["InstanceId"]), Flow, "")
		case "AWS::ElasticLoadBalancingV2::Listener":
			each(refs(p["LoadBalancerArn"]), refs(p["DefaultActions"]), Flow, "")
		case "AWS::ElasticLoadBalancingV2::ListenerRule":
			each(refs(p["ListenerArn"]), refs(p["Actions"]), Flow, "")
		case "AWS::ElasticLoadBalancingV2::LoadBalancer":
			each(self, refs(p["LoadBalancerAttributes"]), Side, labelLogs)
		case "AWS::ElasticLoadBalancingV2::TargetGroup":
			each(self, refs(p["Targets"]), Flow, "")
		case "AWS::AutoScaling::AutoScalingGroup":
			each(refs(p["TargetGroupARNs"]), self, Flow, "")
			each(self, refs(p["NotificationConfigurations"]), Side, labelNotifications)
		case "AWS::EC2::LaunchTemplate":
			if d, ok := p["LaunchTemplateData"].(map[string]any); ok {
				each(self, refs(d["UserData"]), Flow, "")
			}
		case "AWS::EC2::Instance":
			each(self, refs(p["UserData"]), Flow, "")
		case "AWS::SNS::Subscription":
			each(refs(p["TopicArn"]), refs(p["Endpoint"]), Flow, "")
		case "AWS::SNS::Topic":
			each(self, refs(p["Subscription"]), Flow, "")
		case "AWS::S3::Bucket":
			each(self, refs(p["NotificationConfiguration"]), Flow, "")
			each(self, refs(p["ReplicationConfiguration"]), Flow, "")
			each(self, refs(p["LoggingConfiguration"]), Side, labelLogs)
		case "Custom::S3BucketNotifications":
			each(refs(p["BucketName"]), refs(p["NotificationConfiguration"]), Flow, "")
		case "Custom::CDKBucketDeployment":
			each(self, refs(p["DestinationBucketName"]), Flow, "")
		case "AWS::Events::Rule":
			each(refs(p["EventPattern"]), self, Flow, "")
			if ts, ok := p["Targets"].([]any); ok {
				for _, t := range ts {
					if t, ok := t.(map[string]any); ok {
						each(self, refs(t["Arn"]), Flow, "")
						each(self, refs(t["DeadLetterConfig"]), Side, labelFailures)
					}
				}
			}
		case "AWS::Scheduler::Schedule":
			if t, ok := p["Target"].(map[string]any); ok {
				each(self, refs([]any{t["Arn"], t["Input"]}), Flow, "")
				each(self, refs(t["DeadLetterConfig"]), Side, labelFailures)
			}
		case "AWS::KinesisFirehose::DeliveryStream":
			for k, v := range p {
				switch {
				case k == "KinesisStreamSourceConfiguration":
					if c, ok := v.(map[string]any); ok {
						each(refs(c["KinesisStreamARN"]), self, Flow, "")
					}
				case strings.HasSuffix(k, "DestinationConfiguration"):
					if c, ok := v.(map[string]any); ok {
						for ck, cv := range c {
							switch ck {
							case "RoleARN", "EncryptionConfiguration":
							case "CloudWatchLoggingOptions":
								each(self, refs(cv), Side, labelLogs)
							default:
								each(self, refs(cv), Flow, "")
							}
						}
					}
				}
			}
		case "AWS::Glue::Crawler":
			each(self, refs([]any{p["Targets"], p["DatabaseName"]}), Flow, "")
		case "AWS::Athena::WorkGroup":
			each(self, refs(p["WorkGroupConfiguration"]), Flow, "")
		case "AWS::Batch::JobQueue":
			each(self, refs(p["ComputeEnvironmentOrder"]), Flow, "")
		case "AWS::FSx::DataRepositoryAssociation":
			each(refs(p["FileSystemId"]), refs(p["DataRepositoryPath"]), Flow, "")
		case "AWS::CodePipeline::Pipeline":
			each(self, refs(p["Stages"]), Flow, "")
			each(self, refs(p["ArtifactStore"]), Side, labelArtifacts)
		case "AWS::CodeDeploy::DeploymentGroup":
			each(self, refs(p["AutoScalingGroups"]), Flow, "")
			each(self, refs(p["LoadBalancerInfo"]), Side, labelTraffic)
		case "AWS::RDS::DBCluster":
			each(self, refs(p["GlobalClusterIdentifier"]), Side, labelReplication)
		case "AWS::OpenSearchService::Domain":
			each(self, refs(p["LogPublishingOptions"]), Side, labelLogs)
		case "AWS::Logs::SubscriptionFilter":
			each(refs(p["LogGroupName"]), refs(p["DestinationArn"]), Flow, "")
		}
	}
	// A role's grants: its owner reads and writes what they name, unless the
	// flow already goes the other way (a queue that feeds the function that
	// may receive from it).
	for _, id := range ids {
		r := res[id]
		var roles []string
		var docs []any
		switch r.Type {
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			roles, docs = references(r.Properties["Roles"], res), []any{r.Properties["PolicyDocument"]}
		case "AWS::IAM::Role":
			roles, docs = []string{id}, []any{r.Properties["Policies"]}
		default:
			continue
		}
		for _, st := range statements(docs) {
			if st["Effect"] != "Allow" {
				continue
			}
			for _, to := range refs(st["Resource"]) {
				if grantSkip[res[to].Type] {
					continue
				}
				for _, role := range roles {
					add(role, to, Flow, "", true)
				}
			}
		}
	}

	// The internet's client reaches every entry point that no other entry
	// point fronts.
	fronted := map[string]bool{}
	for _, e := range edges {
		if e.Kind == Flow && entryTypes[res[e.From].Type] {
			fronted[e.To] = true
		}
	}
	hasOut := map[string]bool{}
	for _, e := range edges {
		if e.Kind == Flow {
			hasOut[e.From] = true
		}
	}
	var clients []string
	for _, id := range ids {
		t := res[id].Type
		if f.find(id) != id || drop[id] || !entryTypes[t] || fronted[id] {
			continue
		}
		switch t {
		case "AWS::WAFv2::WebACL", "AWS::EC2::EIP", "AWS::Route53::RecordSet":
			if !hasOut[id] { // a web ACL no resource uses; a NAT gateway's address
				continue
			}
		case "AWS::ElasticLoadBalancingV2::LoadBalancer":
			if res[id].Properties["Scheme"] == "internal" {
				continue
			}
		}
		clients = append(clients, id)
	}
	for _, id := range clients {
		edges[[2]string{ClientID, id}] = Edge{From: ClientID, To: id, Kind: Flow}
	}

	for _, e := range edges {
		g.Edges = append(g.Edges, e)
	}
	sortEdges(g.Edges)
	if len(clients) > 0 {
		g.Root.Nodes = append(g.Root.Nodes, &Node{ID: ClientID, Name: "client"})
	}
	folded := map[string][]string{}
	for _, id := range ids {
		if o := f.find(id); o != id && !drop[id] {
			folded[o] = append(folded[o], id)
		}
	}
	for _, id := range ids {
		if drop[id] || f.find(id) != id {
			continue
		}
		r := res[id]
		clusterPath, name := placement(s.Name, r.CDKPath())
		if name == "" {
			name = id
		}
		g.Root.add(clusterPath, &Node{ID: id, Name: name, Type: r.Type, Service: ServiceLabel(r.Type), Folded: folded[id]})
	}
	g.Root.collapse()
	return g
}

// onlyProvider reports whether a function is named only as the ServiceToken
// of custom resources: the provider behind them, folded into the one it
// serves.
func onlyProvider(id string, referrers map[string]bool, res map[string]*assembly.Resource) bool {
	if len(referrers) == 0 {
		return false
	}
	for ref := range referrers {
		r := res[ref]
		if !strings.HasPrefix(r.Type, "Custom::") && r.Type != "AWS::CloudFormation::CustomResource" {
			return false
		}
		for p, v := range r.Properties {
			if p == "ServiceToken" {
				continue
			}
			for _, to := range references(v, res) {
				if to == id {
					return false
				}
			}
		}
	}
	return true
}

// nameProps are the properties that give a resource a fixed physical name.
var nameProps = []string{"TableName", "BucketName", "QueueName", "TopicName", "FunctionName", "StreamName", "DomainName", "Name"}

// names maps the fixed physical names of a stack's resources to their
// logical IDs.
type names map[string]string

func physicalNames(ids []string, res map[string]*assembly.Resource) names {
	n := names{}
	for _, id := range ids {
		r := res[id]
		for _, p := range nameProps {
			if p == "Name" && !strings.HasPrefix(r.Type, "AWS::DynamoDB::") {
				continue
			}
			if v, ok := r.Properties[p].(string); ok && len(v) >= 4 {
				n[v] = id
			}
		}
	}
	return n
}

// in returns the resources that v names by a literal ARN or name: a
// string that is the name, or ends in ":" or "/" and the name
// ("...:table/gureum-web-4-sessions").
func (n names) in(v any) []string {
	if len(n) == 0 {
		return nil
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			for _, part := range strings.FieldsFunc(x, func(r rune) bool { return r == ' ' || r == '"' || r == '\n' }) {
				i := strings.LastIndexAny(part, ":/")
				if id, ok := n[part[i+1:]]; ok {
					out = append(out, id)
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// roleKey reports whether a property of this name passes a role to the
// resource that holds it.
func roleKey(k string) bool {
	return strings.Contains(strings.ToLower(k), "role") || k == "DeliverLogsPermissionArn"
}

// referencesUnder returns the resources v (the value of key) names beneath
// a key that match reports true for.
func referencesUnder(key string, v any, res map[string]*assembly.Resource, match func(string) bool) []string {
	if match(key) {
		return references(v, res)
	}
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			out = append(out, referencesUnder(k, c, res, match)...)
		}
	case []any:
		for _, c := range x {
			out = append(out, referencesUnder("", c, res, match)...)
		}
	}
	return out
}

// metricFilter returns the log metric filter whose metric alarm r watches,
// or "".
func metricFilter(r *assembly.Resource, ids []string, res map[string]*assembly.Resource) string {
	name, ns := r.Properties["MetricName"], r.Properties["Namespace"]
	for _, id := range ids {
		if res[id].Type != "AWS::Logs::MetricFilter" {
			continue
		}
		ts, _ := res[id].Properties["MetricTransformations"].([]any)
		for _, t := range ts {
			if t, ok := t.(map[string]any); ok && t["MetricName"] == name && t["MetricNamespace"] == ns {
				return id
			}
		}
	}
	return ""
}

// dependsOn returns the logical IDs of a DependsOn attribute.
func dependsOn(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// statements finds the policy statements below v.
func statements(v any) []map[string]any {
	var out []map[string]any
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			if k == "Statement" {
				switch s := c.(type) {
				case []any:
					for _, e := range s {
						if m, ok := e.(map[string]any); ok {
							out = append(out, m)
						}
					}
				case map[string]any:
					out = append(out, s)
				}
				continue
			}
			out = append(out, statements(c)...)
		}
	case []any:
		for _, c := range x {
			out = append(out, statements(c)...)
		}
	}
	return out
}

func sortEdges(es []Edge) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].From != es[j].From {
			return es[i].From < es[j].From
		}
		return es[i].To < es[j].To
	})
}
