package cfndiff

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gureum-cdk/gureum/internal/assembly"
)

// stackContext is what the security checks need beyond one resource: which
// resources the change creates.
type stackContext struct {
	old, new map[string]*assembly.Resource
	changes  map[string]*ResourceChange
}

// created reports a resource that the change adds.
func (c *stackContext) created(id string) bool { return c.new[id] != nil && c.old[id] == nil }

// allCreated reports that v references at least one resource and that every
// resource it references is created by the change.
func (c *stackContext) allCreated(vs ...any) bool {
	n := 0
	for _, v := range vs {
		for id := range references(v) {
			if strings.HasPrefix(id, "AWS::") {
				continue
			}
			if !c.created(id) {
				return false
			}
			n++
		}
	}
	return n > 0
}

// onlyReferencesCreated reports that every value of v that names a principal
// or resource is a reference to a resource the change creates: a literal
// name or ARN points at something that exists already.
func (c *stackContext) onlyReferencesCreated(vs ...any) bool {
	n := 0
	for _, v := range vs {
		for _, e := range asList(v) {
			if e == nil {
				continue
			}
			if !c.allCreated(e) {
				return false
			}
			n++
		}
	}
	return n > 0
}

// newGrant reports that what the policies of resource id grant goes only to,
// or only on, what the change creates: a new role's trust policy and
// policies, a policy attached only to new roles, users or groups, the policy
// of a new bucket, queue, topic or key.
func (c *stackContext) newGrant(id string, r *assembly.Resource) bool {
	if r == nil {
		return false
	}
	p := r.Properties
	switch r.Type {
	case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
		return c.created(id)
	case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
		if p["Roles"] == nil && p["Users"] == nil && p["Groups"] == nil {
			return c.created(id)
		}
		return c.onlyReferencesCreated(p["Roles"], p["Users"], p["Groups"])
	case "AWS::IAM::RolePolicy":
		return c.onlyReferencesCreated(p["RoleName"])
	case "AWS::IAM::UserPolicy":
		return c.onlyReferencesCreated(p["UserName"])
	case "AWS::IAM::GroupPolicy":
		return c.onlyReferencesCreated(p["GroupName"])
	}
	if _, ok := inlinePolicyProperties[r.Type]; ok {
		return c.created(id)
	}
	// A policy resource (AWS::S3::BucketPolicy, AWS::SQS::QueuePolicy, ...):
	// new when what it applies to is.
	var targets []any
	for k, v := range p {
		if !strings.Contains(k, "Policy") {
			targets = append(targets, v)
		}
	}
	return c.created(id) && c.allCreated(targets...)
}

// securityFindings compares one resource's security-relevant settings. old or
// new is nil for an added or removed resource.
func (c *stackContext) securityFindings(id string, old, new *assembly.Resource) []Finding {
	var fs []Finding
	typ := ""
	if new != nil {
		typ = new.Type
	} else {
		typ = old.Type
	}
	add := func(cat, kind, msg string) {
		fs = append(fs, Finding{Category: cat, Kind: kind, LogicalID: id, Type: typ, Message: msg})
	}
	var op, np map[string]any
	if old != nil {
		op = old.Properties
	}
	if new != nil {
		np = new.Properties
	}
	// IAM and resource policies.
	grantCat := CatSecurity
	if c.newGrant(id, new) {
		grantCat = CatNewGrants
	}
	odocs, ndocs := policyDocs(old), policyDocs(new)
	for _, label := range sortedKeys(ndocs, odocs) {
		for _, f := range comparePolicies(odocs[label], ndocs[label]) {
			cat := grantCat
			if f.risky {
				cat = CatSecurity
			}
			add(cat, f.kind, fmt.Sprintf("%s %s %s: %s", typ, id, label, f.msg))
		}
	}
	switch typ {
	case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
		for _, arn := range addedElems(op["ManagedPolicyArns"], np["ManagedPolicyArns"]) {
			cat := grantCat
			if adminPolicy(arn) {
				cat = CatSecurity
			}
			add(cat, "iam-managed-policy-attached", fmt.Sprintf("%s %s: managed policy %s attached", typ, id, arn))
		}
	case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
		if old != nil {
			for _, k := range []string{"Roles", "Users", "Groups"} {
				for _, p := range addedElems(op[k], np[k]) {
					cat := CatSecurity
					var ref any
					_ = json.Unmarshal([]byte(p), &ref)
					if c.allCreated(ref) && !anyRisky(ndocs) {
						cat = CatNewGrants
					}
					add(cat, "iam-policy-attached", fmt.Sprintf("%s %s: policy attached to %s %s", typ, id, strings.ToLower(strings.TrimSuffix(k, "s")), p))
				}
			}
		}
	case "AWS::Lambda::Permission":
		if f, ok := c.lambdaPermission(op, np); ok {
			add(f.cat, f.kind, fmt.Sprintf("%s %s: %s", typ, id, f.msg))
		}
	case "AWS::EC2::SecurityGroup":
		cat := CatSecurity
		if c.created(id) {
			cat = CatNewGrants
		}
		for _, f := range compareRules(parseRules(op["SecurityGroupIngress"], ingressPeers, nil), parseRules(np["SecurityGroupIngress"], ingressPeers, nil), "ingress") {
			add(ruleCategory(cat, f), f.kind, fmt.Sprintf("%s %s: %s", typ, id, f.msg))
		}
		for _, f := range compareRules(parseRules(op["SecurityGroupEgress"], egressPeers, nil), parseRules(np["SecurityGroupEgress"], egressPeers, nil), "egress") {
			add(CatEgress, f.kind, fmt.Sprintf("%s %s: %s", typ, id, f.msg))
		}
	case "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress":
		dir, peers, cat := "ingress", ingressPeers, CatSecurity
		if typ == "AWS::EC2::SecurityGroupEgress" {
			dir, peers, cat = "egress", egressPeers, CatEgress
		} else if c.created(id) && c.allCreated(np["GroupId"]) {
			cat = CatNewGrants
		}
		var o, n []any
		if op != nil {
			o = []any{op}
		}
		if np != nil {
			n = []any{np}
		}
		for _, f := range compareRules(parseRules(o, peers, []string{"GroupId", "GroupName"}), parseRules(n, peers, []string{"GroupId", "GroupName"}), dir) {
			add(ruleCategory(cat, f), f.kind, fmt.Sprintf("%s %s: %s", typ, id, f.msg))
		}
	}
	if old == nil || new == nil {
		return fs
	}
	for _, f := range ebsEncryption(typ, op, np) {
		add(CatSecurity, "encryption-disabled", fmt.Sprintf("%s %s: %s", typ, id, f))
	}
	if typ == "AWS::S3::Bucket" {
		opab, _ := op["PublicAccessBlockConfiguration"].(map[string]any)
		npab, _ := np["PublicAccessBlockConfiguration"].(map[string]any)
		for _, k := range []string{"BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"} {
			if isTrue(opab[k]) && !isTrue(npab[k]) {
				add(CatSecurity, "s3-public-access-relaxed", fmt.Sprintf("%s %s: PublicAccessBlockConfiguration.%s no longer true", typ, id, k))
			}
		}
		if acl, _ := np["AccessControl"].(string); publicACL[acl] && op["AccessControl"] != np["AccessControl"] {
			add(CatSecurity, "s3-public-acl", fmt.Sprintf("%s %s: AccessControl set to %s", typ, id, acl))
		}
		if strings.Contains(canon(op["BucketEncryption"]), "aws:kms") && np["BucketEncryption"] != nil && !strings.Contains(canon(np["BucketEncryption"]), "aws:kms") {
			add(CatSecurity, "encryption-downgraded", fmt.Sprintf("%s %s: BucketEncryption no longer uses a KMS key", typ, id))
		}
	}
	for _, k := range encryptionPresence {
		if op[k] != nil && np[k] == nil {
			add(CatSecurity, "encryption-removed", fmt.Sprintf("%s %s: %s removed", typ, id, k))
		}
	}
	for _, path := range encryptionFlags {
		ov, nv := lookup(op, path), lookup(np, path)
		if !isTrue(ov) || isTrue(nv) {
			continue
		}
		if len(path) > 1 && np[path[0]] == nil {
			continue // reported as removed above
		}
		if path[0] == "SqsManagedSseEnabled" && np["KmsMasterKeyId"] != nil {
			continue // switched to a KMS key
		}
		add(CatSecurity, "encryption-disabled", fmt.Sprintf("%s %s: %s turned off", typ, id, strings.Join(path, ".")))
	}
	for _, k := range protectionFlags {
		if isOn(op[k]) && !isOn(np[k]) {
			add(CatProtection, "deletion-protection-removed", fmt.Sprintf("%s %s: %s turned off", typ, id, k))
		}
	}
	for _, p := range []struct{ name, old, new string }{
		{"DeletionPolicy", old.DeletionPolicy, new.DeletionPolicy},
		{"UpdateReplacePolicy", old.UpdateReplacePolicy, new.UpdateReplacePolicy},
	} {
		if (retains(p.old) || p.old == "Snapshot") && !retains(p.new) && p.new != "Snapshot" {
			nv := p.new
			if nv == "" {
				nv = "Delete (default)"
			}
			add(CatProtection, "retention-removed", fmt.Sprintf("%s %s: %s %s -> %s", typ, id, p.name, p.old, nv))
		}
	}
	return fs
}

var publicACL = map[string]bool{"PublicRead": true, "PublicReadWrite": true, "AuthenticatedRead": true}

// encryptionPresence lists top-level properties whose removal removes
// encryption or its customer-managed key.
var encryptionPresence = []string{
	"BucketEncryption", "SSESpecification", "StreamEncryption", "EncryptionAtRestOptions",
	"KmsKeyId", "KMSKeyId", "KmsKeyArn", "KMSKeyArn", "KmsMasterKeyId", "EncryptionConfiguration",
	"EncryptionSpecification", "EncryptionKey", "SSEKMSKeyId",
}

// encryptionFlags lists booleans whose change from true turns encryption off.
var encryptionFlags = [][]string{
	{"StorageEncrypted"}, {"Encrypted"}, {"SSESpecification", "SSEEnabled"},
	{"EncryptionAtRestOptions", "Enabled"}, {"NodeToNodeEncryptionOptions", "Enabled"},
	{"AtRestEncryptionEnabled"}, {"TransitEncryptionEnabled"}, {"SqsManagedSseEnabled"},
}

// protectionFlags lists properties that guard a resource against deletion.
var protectionFlags = []string{"DeletionProtection", "DeletionProtectionEnabled", "TerminationProtection", "DisableApiTermination", "EnableTerminationProtection"}

func lookup(m map[string]any, path []string) any {
	var v any = m
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func isTrue(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return strings.EqualFold(x, "true")
	}
	return false
}

// isOn accepts booleans and the ACTIVE/ENABLED strings some types use.
func isOn(v any) bool {
	if s, ok := v.(string); ok && (strings.EqualFold(s, "ACTIVE") || strings.EqualFold(s, "ENABLED")) {
		return true
	}
	return isTrue(v)
}

func canon(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedKeys(ms ...map[string]any) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range ms {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// addedElems returns the canonical form of elements of list new not in list old.
func addedElems(old, new any) []string {
	have := map[string]bool{}
	for _, e := range asList(old) {
		have[canon(e)] = true
	}
	var out []string
	for _, e := range asList(new) {
		if c := canon(e); !have[c] {
			if s, ok := e.(string); ok {
				c = s
			}
			out = append(out, c)
		}
	}
	return out
}

func asList(v any) []any {
	switch x := v.(type) {
	case nil:
		return nil
	case []any:
		return x
	}
	return []any{v}
}

// inlinePolicyProperties lists, by type, the properties that hold a
// resource policy (the service specification's InlineResourcePolicy
// properties, as the CDK's diff engine scrutinizes them), besides the
// AssumeRolePolicyDocument and Policies of roles, users and groups and the
// PolicyDocument of any type.
var inlinePolicyProperties = map[string][]string{
	"AWS::ApiGateway::RestApi":                   {"Policy"},
	"AWS::ApiGateway::DomainNameV2":              {"Policy"},
	"AWS::Backup::BackupVault":                   {"AccessPolicy"},
	"AWS::Backup::LogicallyAirGappedBackupVault": {"AccessPolicy"},
	"AWS::CodeArtifact::Domain":                  {"PermissionsPolicyDocument"},
	"AWS::CodeArtifact::Repository":              {"PermissionsPolicyDocument"},
	"AWS::DynamoDB::Table":                       {"ResourcePolicy.PolicyDocument"},
	"AWS::DynamoDB::GlobalTable":                 {"Replicas[].ResourcePolicy.PolicyDocument"},
	"AWS::ECR::PublicRepository":                 {"RepositoryPolicyText"},
	"AWS::ECR::Repository":                       {"RepositoryPolicyText"},
	"AWS::EFS::FileSystem":                       {"FileSystemPolicy"},
	"AWS::Events::EventBus":                      {"Policy"},
	"AWS::KMS::Key":                              {"KeyPolicy"},
	"AWS::KMS::ReplicaKey":                       {"KeyPolicy"},
	"AWS::Logs::LogGroup":                        {"ResourcePolicyDocument"},
	"AWS::Oam::Sink":                             {"Policy"},
	"AWS::Redshift::Cluster":                     {"NamespaceResourcePolicy"},
	"AWS::RedshiftServerless::Namespace":         {"NamespaceResourcePolicy"},
	"AWS::S3::AccessPoint":                       {"Policy"},
	"AWS::S3Express::AccessPoint":                {"Policy"},
	"AWS::S3Outposts::AccessPoint":               {"Policy"},
	"AWS::SageMaker::ModelPackageGroup":          {"ModelPackageGroupPolicy"},
	"AWS::SecretsManager::ResourcePolicy":        {"ResourcePolicy"},
	"AWS::SSO::PermissionSet":                    {"InlinePolicy"},
	"AWS::Serverless::Function":                  {"AssumeRolePolicyDocument"},
	"AWS::OpenSearchService::Domain":             {"AccessPolicies"},
	"AWS::Elasticsearch::Domain":                 {"AccessPolicies"},
	"AWS::Glue::ResourcePolicy":                  {"PolicyInJson"},
	"AWS::IoT::Policy":                           {"PolicyDocument"},
	"AWS::Lambda::ResourcePolicy":                {"PolicyDocument"},
	"AWS::CloudTrail::ResourcePolicy":            {"ResourcePolicy"},
	"AWS::ECR::RegistryPolicy":                   {"PolicyText"},
	"AWS::EventSchemas::RegistryPolicy":          {"Policy"},
	"AWS::Kinesis::ResourcePolicy":               {"ResourcePolicy"},
	"AWS::MSK::ClusterPolicy":                    {"Policy"},
	"AWS::SSM::ResourcePolicy":                   {"Policy"},
	"AWS::VpcLattice::AuthPolicy":                {"Policy"},
	"AWS::VpcLattice::ResourcePolicy":            {"Policy"},
	"AWS::S3::MultiRegionAccessPointPolicy":      {"Policy"},
	"AWS::S3ObjectLambda::AccessPointPolicy":     {"PolicyDocument"},
	"AWS::MediaPackageV2::ChannelPolicy":         {"Policy"},
	"AWS::MediaPackageV2::OriginEndpointPolicy":  {"Policy"},
	"AWS::MediaTailor::ChannelPolicy":            {"Policy"},
	"AWS::Lex::ResourcePolicy":                   {"Policy"},
	"AWS::Bedrock::ResourcePolicy":               {"PolicyDocument"},
	"AWS::Bedrock::KnowledgeBasePolicy":          {"PolicyDocument"},
	"AWS::S3Tables::TableBucketPolicy":           {"ResourcePolicy"},
	"AWS::S3Tables::TablePolicy":                 {"ResourcePolicy"},
	"AWS::S3Vectors::VectorBucketPolicy":         {"Policy"},
	"AWS::EventsV2::ResourcePolicy":              {"PolicyDocument"},
	"AWS::SMSVOICE::ResourcePolicy":              {"PolicyDocument"},
	"AWS::S3Files::FileSystemPolicy":             {"Policy"},
}

// policyDocs returns the policy documents a resource carries, by label.
// A policy written as a JSON string (AWS::Logs::ResourcePolicy, an ECR
// repository policy, an Fn::Sub or Fn::Join that builds one) is decoded.
func policyDocs(r *assembly.Resource) map[string]any {
	out := map[string]any{}
	if r == nil {
		return out
	}
	p := r.Properties
	put := func(label string, d any) {
		if d != nil {
			out[label] = decodePolicy(d)
		}
	}
	switch r.Type {
	case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
		put("AssumeRolePolicyDocument", p["AssumeRolePolicyDocument"])
		for i, pol := range asList(p["Policies"]) {
			m, _ := pol.(map[string]any)
			name, ok := m["PolicyName"].(string)
			if !ok {
				name = strconv.Itoa(i)
			}
			put(fmt.Sprintf("Policies[%s].PolicyDocument", name), m["PolicyDocument"])
		}
		return out
	}
	if props, ok := inlinePolicyProperties[r.Type]; ok {
		for _, path := range props {
			if head, rest, ok := strings.Cut(path, "[]."); ok {
				for i, e := range asList(p[head]) {
					m, _ := e.(map[string]any)
					put(fmt.Sprintf("%s[%d].%s", head, i, rest), lookup(m, strings.Split(rest, ".")))
				}
				continue
			}
			put(path, lookup(p, strings.Split(path, ".")))
		}
		return out
	}
	put("PolicyDocument", p["PolicyDocument"])
	return out
}

// decodePolicy returns a policy document as an object: a JSON string is
// parsed, and so is the string an Fn::Sub or Fn::Join builds (its
// references stay as ${...} text); anything else is returned as is.
func decodePolicy(d any) any {
	var text string
	switch x := d.(type) {
	case string:
		text = x
	case map[string]any:
		if len(x) != 1 {
			return d
		}
		if sub, ok := x["Fn::Sub"]; ok {
			text, _ = subArgs(sub)
		} else if join, ok := x["Fn::Join"].([]any); ok && len(join) == 2 {
			sep, _ := join[0].(string)
			var parts []string
			for _, e := range asList(join[1]) {
				if s, ok := e.(string); ok {
					parts = append(parts, s)
				} else {
					parts = append(parts, "${"+strings.ReplaceAll(strings.Trim(canon(e), "{}"), `"`, "'")+"}")
				}
			}
			text = strings.Join(parts, sep)
		} else {
			return d
		}
	default:
		return d
	}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		return d
	}
	return doc
}

type secFinding struct {
	kind, msg string
	// risky: a wildcard action, a * principal or an Allow with a Not
	// element, which stays a security finding even on a new role.
	risky bool
}

// statement is an IAM policy statement reduced to comparable parts.
type statement struct {
	effect, principal, notPrincipal, condition   string
	actions, notActions, resources, notResources map[string]bool
	raw                                          map[string]any
}

func parseStatements(doc any) []statement {
	d, _ := doc.(map[string]any)
	var out []statement
	for _, s := range asList(d["Statement"]) {
		m, ok := s.(map[string]any)
		if !ok {
			continue
		}
		st := statement{raw: m, principal: canon(m["Principal"]), notPrincipal: canon(m["NotPrincipal"]), condition: canon(m["Condition"])}
		st.effect, _ = m["Effect"].(string)
		st.actions, st.notActions = set(m["Action"]), set(m["NotAction"])
		st.resources, st.notResources = set(m["Resource"]), set(m["NotResource"])
		out = append(out, st)
	}
	return out
}

func set(v any) map[string]bool {
	out := map[string]bool{}
	for _, e := range asList(v) {
		if s, ok := e.(string); ok {
			out[s] = true
		} else {
			out[canon(e)] = true
		}
	}
	return out
}

func superset(a, b map[string]bool) bool {
	for k := range b {
		if !a[k] {
			return false
		}
	}
	return true
}

func sameSet(a, b map[string]bool) bool { return superset(a, b) && superset(b, a) }

// covers reports that old grants (or denies) at least what s does.
func (old statement) covers(s statement) bool {
	return old.effect == s.effect && old.principal == s.principal && old.notPrincipal == s.notPrincipal &&
		old.condition == s.condition && sameSet(old.notActions, s.notActions) && sameSet(old.notResources, s.notResources) &&
		superset(old.actions, s.actions) && superset(old.resources, s.resources)
}

// comparePolicies reports Allow statements that grant more than before and
// Deny statements that no longer apply.
func comparePolicies(old, new any) []secFinding {
	os, ns := parseStatements(old), parseStatements(new)
	var out []secFinding
	for _, s := range ns {
		if s.effect != "Allow" || coveredBy(os, s) {
			continue
		}
		var notes []string
		kind, risky := "iam-statement-added", false
		if len(s.actions) > 0 && anyWildcard(s.actions) {
			notes, kind, risky = append(notes, "wildcard action"), "iam-wildcard", true
		}
		if s.resources["*"] {
			notes, kind = append(notes, "wildcard resource"), "iam-wildcard"
		}
		if len(s.notActions)+len(s.notResources) > 0 || s.notPrincipal != "null" {
			notes, kind, risky = append(notes, "Allow with NotAction/NotResource/NotPrincipal"), "iam-not-element", true
		}
		if isWildcardPrincipal(s.raw["Principal"]) {
			notes, kind, risky = append(notes, "principal *"), "iam-principal-wildcard", true
		}
		msg := "new Allow statement " + describe(s)
		if len(notes) > 0 {
			msg += " (" + strings.Join(notes, ", ") + ")"
		}
		out = append(out, secFinding{kind, msg, risky})
	}
	for _, s := range os {
		if s.effect == "Deny" && !coveredBy(ns, s) {
			out = append(out, secFinding{"iam-deny-removed", "Deny statement removed or narrowed " + describe(s), true})
		}
	}
	return out
}

func coveredBy(list []statement, s statement) bool {
	for _, o := range list {
		if o.covers(s) {
			return true
		}
	}
	return false
}

// anyWildcard reports an action that grants a whole service or everything:
// "*" or "service:*". Patterns such as "s3:Get*", which the CDK's grants use,
// are not wildcards in this sense; the statement is still reported as new.
func anyWildcard(set map[string]bool) bool {
	for k := range set {
		if k == "*" || strings.HasSuffix(k, ":*") {
			return true
		}
	}
	return false
}

func describe(s statement) string {
	var parts []string
	if s.principal != "null" {
		parts = append(parts, "Principal "+s.principal)
	}
	add := func(name string, m map[string]bool) {
		if len(m) == 0 {
			return
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts = append(parts, name+" ["+strings.Join(keys, ", ")+"]")
	}
	add("Action", s.actions)
	add("NotAction", s.notActions)
	add("Resource", s.resources)
	add("NotResource", s.notResources)
	return strings.Join(parts, " ")
}

func isWildcardPrincipal(p any) bool {
	switch x := p.(type) {
	case string:
		return x == "*"
	case map[string]any:
		for _, v := range x {
			for _, e := range asList(v) {
				if e == "*" {
					return true
				}
			}
		}
	}
	return false
}

// rule is a security group rule reduced to comparable parts.
type rule struct {
	protocol, peer string
	from, to       int
	known          bool // ports are literal numbers
	open           bool // 0.0.0.0/0 or ::/0
	key            string
}

// The properties that name a rule's peer: where ingress comes from, where
// egress goes to.
var (
	ingressPeers = []string{"CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourceSecurityGroupName", "SourceSecurityGroupOwnerId", "SourcePrefixListId"}
	egressPeers  = []string{"CidrIp", "CidrIpv6", "DestinationSecurityGroupId", "DestinationPrefixListId"}
)

func parseRules(v any, peerKeys, extraKeys []string) []rule {
	var out []rule
	for _, e := range asList(v) {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		peer := map[string]any{}
		for _, k := range append(append([]string{}, peerKeys...), extraKeys...) {
			if m[k] != nil {
				peer[k] = m[k]
			}
		}
		r := rule{protocol: fmt.Sprint(m["IpProtocol"]), peer: canon(peer)}
		if len(peer) == 1 {
			for _, v := range peer {
				if s, ok := v.(string); ok {
					r.peer = s
				} else {
					r.peer = canon(v)
				}
			}
		}
		r.open = m["CidrIp"] == "0.0.0.0/0" || m["CidrIpv6"] == "::/0"
		from, ok1 := port(m["FromPort"])
		to, ok2 := port(m["ToPort"])
		switch {
		case r.protocol == "-1" || r.protocol == "all":
			r.from, r.to, r.known = 0, 65535, true
		case ok1 && ok2:
			r.from, r.to, r.known = from, to, true
			if from == -1 { // all ICMP types
				r.from, r.to = 0, 65535
			}
		}
		r.key = r.protocol + "|" + r.peer + "|" + scalarCanon(m["FromPort"]) + "|" + scalarCanon(m["ToPort"])
		out = append(out, r)
	}
	return out
}

func port(v any) (int, bool) {
	switch x := v.(type) {
	case json.Number:
		n, err := strconv.Atoi(x.String())
		return n, err == nil
	case string:
		n, err := strconv.Atoi(x)
		return n, err == nil
	case float64:
		return int(x), true
	}
	return 0, false
}

func (r rule) ports() string {
	switch {
	case r.protocol == "-1" || r.protocol == "all":
		return "all traffic"
	case !r.known:
		return "protocol " + r.protocol + " (ports from intrinsics)"
	case r.from == r.to:
		return fmt.Sprintf("%s port %d", r.protocol, r.from)
	}
	return fmt.Sprintf("%s ports %d-%d", r.protocol, r.from, r.to)
}

// compareRules reports rules that admit more traffic than before, in
// direction dir ("ingress" or "egress"). Descriptions are ignored.
func compareRules(old, new []rule, dir string) []secFinding {
	have := map[string]bool{}
	for _, r := range old {
		have[r.key] = true
	}
	var out []secFinding
	for _, r := range new {
		if have[r.key] {
			continue
		}
		kind, what := "sg-"+dir+"-added", dir+" rule added"
		var widened *rule
		for i, o := range old {
			if o.protocol != r.protocol && !(o.protocol == "-1" || o.protocol == "all") || o.peer != r.peer {
				continue
			}
			if o.known && r.known && o.from <= r.from && r.to <= o.to {
				kind = "" // narrower or equal: not a broadening
				break
			}
			widened = &old[i]
		}
		if kind == "" {
			continue
		}
		if widened != nil {
			kind, what = "sg-"+dir+"-widened", dir+" widened from "+widened.ports()
		}
		dirWord := "from"
		if dir == "egress" {
			dirWord = "to"
		}
		msg := fmt.Sprintf("%s: %s %s %s", what, r.ports(), dirWord, r.peer)
		if r.open {
			kind = "sg-" + dir + "-open"
			if dir == "egress" {
				msg += " (anywhere on the internet)"
			} else {
				msg += " (open to the internet)"
			}
		}
		out = append(out, secFinding{kind: kind, msg: msg, risky: r.open})
	}
	return out
}

// ruleCategory keeps a rule open to the internet a security finding even on
// a new security group.
func ruleCategory(cat string, f secFinding) string {
	if f.risky {
		return CatSecurity
	}
	return cat
}

// adminPolicy reports an AWS managed policy that grants administrator or
// IAM-wide access.
func adminPolicy(arn string) bool {
	for _, p := range []string{"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"} {
		if strings.Contains(arn, "policy/"+p) {
			return true
		}
	}
	return false
}

// anyRisky reports a risky statement among the documents.
func anyRisky(docs map[string]any) bool {
	for _, d := range docs {
		for _, f := range comparePolicies(nil, d) {
			if f.risky {
				return true
			}
		}
	}
	return false
}

// permissionKeys are the AWS::Lambda::Permission properties that say who may
// invoke what.
var permissionKeys = []string{"Action", "FunctionName", "Principal", "SourceArn", "SourceAccount", "EventSourceToken", "PrincipalOrgID", "FunctionUrlAuthType"}

type permFinding struct{ cat, kind, msg string }

// lambdaPermission reports a Lambda permission that lets someone new invoke
// the function: anyone (Principal *), a service principal with no
// SourceArn or SourceAccount (any resource of that service, in any account:
// the confused deputy), or any other new or changed grant.
func (c *stackContext) lambdaPermission(op, np map[string]any) (permFinding, bool) {
	if np == nil {
		return permFinding{}, false
	}
	if op != nil {
		same := true
		for _, k := range permissionKeys {
			same = same && equalValue(op[k], np[k])
		}
		if same {
			return permFinding{}, false
		}
	}
	who := formatValue(np["Principal"])
	scope := ""
	for _, k := range []string{"SourceArn", "SourceAccount", "PrincipalOrgID"} {
		if np[k] != nil {
			scope += fmt.Sprintf(", %s %s", k, formatValue(np[k]))
		}
	}
	if isWildcardPrincipal(np["Principal"]) && (op == nil || !isWildcardPrincipal(op["Principal"]) || scope == "") {
		return permFinding{CatSecurity, "lambda-permission-public", fmt.Sprintf("anyone (Principal *) may invoke the function%s", scope)}, true
	}
	if svc, ok := np["Principal"].(string); ok && strings.Contains(svc, ".") && np["SourceArn"] == nil && np["SourceAccount"] == nil {
		var lost []string
		for _, k := range []string{"SourceArn", "SourceAccount"} {
			if op[k] != nil {
				lost = append(lost, k)
			}
		}
		if op == nil || len(lost) > 0 || !equalValue(op["Principal"], np["Principal"]) {
			msg := fmt.Sprintf("%s may invoke the function with no SourceArn or SourceAccount: any %s resource, in any account, can invoke it", svc, svc)
			if len(lost) > 0 {
				msg = strings.Join(lost, " and ") + " removed: " + msg
			}
			return permFinding{CatSecurity, "lambda-permission-unscoped", msg}, true
		}
	}
	if op != nil {
		var lost []string
		for _, k := range []string{"SourceArn", "SourceAccount", "PrincipalOrgID"} {
			if op[k] != nil && np[k] == nil {
				lost = append(lost, k)
			}
		}
		if len(lost) > 0 {
			return permFinding{CatSecurity, "lambda-permission-unscoped", fmt.Sprintf("%s removed: %s may invoke the function from more sources", strings.Join(lost, " and "), who)}, true
		}
	}
	cat := CatSecurity
	if c.allCreated(np["FunctionName"]) {
		cat = CatNewGrants
	}
	verb := "may now invoke"
	if op != nil {
		verb = "permission changed:"
	}
	return permFinding{cat, "lambda-permission-added", fmt.Sprintf("%s %s %s%s", who, verb, formatValue(np["FunctionName"]), scope)}, true
}

// ebsEncryption reports block device mappings whose EBS encryption was on
// and no longer is, matched by device name: an EC2 instance's, a launch
// template's, an Auto Scaling launch configuration's.
func ebsEncryption(typ string, op, np map[string]any) []string {
	var path []string
	switch typ {
	case "AWS::EC2::Instance", "AWS::AutoScaling::LaunchConfiguration":
		path = []string{"BlockDeviceMappings"}
	case "AWS::EC2::LaunchTemplate":
		path = []string{"LaunchTemplateData", "BlockDeviceMappings"}
	default:
		return nil
	}
	byDevice := func(m map[string]any) map[string]map[string]any {
		out := map[string]map[string]any{}
		for i, e := range asList(lookup(m, path)) {
			bm, _ := e.(map[string]any)
			name, ok := bm["DeviceName"].(string)
			if !ok {
				name = fmt.Sprintf("[%d]", i)
			}
			out[name] = bm
		}
		return out
	}
	olds, news := byDevice(op), byDevice(np)
	var out []string
	for _, dev := range sortedKeys(anyMap(olds)) {
		nb, ok := news[dev]
		if !ok || !isTrue(lookup(olds[dev], []string{"Ebs", "Encrypted"})) || isTrue(lookup(nb, []string{"Ebs", "Encrypted"})) {
			continue
		}
		if lookup(nb, []string{"Ebs"}) == nil {
			continue // no longer an EBS volume
		}
		out = append(out, fmt.Sprintf("%s[%s].Ebs.Encrypted turned off", strings.Join(path, "."), dev))
	}
	return out
}

func anyMap[V any](m map[string]V) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
