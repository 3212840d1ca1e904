package cfndiff

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/gureum-cdk/gureum/internal/assembly"
)

// securityFindings compares one resource's security-relevant settings. old or
// new is nil for an added or removed resource.
func securityFindings(id string, old, new *assembly.Resource) []Finding {
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
	odocs, ndocs := policyDocs(old), policyDocs(new)
	for _, label := range sortedKeys(ndocs, odocs) {
		for _, f := range comparePolicies(odocs[label], ndocs[label]) {
			add(CatSecurity, f.kind, fmt.Sprintf("%s %s %s: %s", typ, id, label, f.msg))
		}
	}
	switch typ {
	case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
		for _, arn := range addedElems(op["ManagedPolicyArns"], np["ManagedPolicyArns"]) {
			add(CatSecurity, "iam-managed-policy-attached", fmt.Sprintf("%s %s: managed policy %s attached", typ, id, arn))
		}
	case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
		if old != nil {
			for _, k := range []string{"Roles", "Users", "Groups"} {
				for _, p := range addedElems(op[k], np[k]) {
					add(CatSecurity, "iam-policy-attached", fmt.Sprintf("%s %s: policy attached to %s %s", typ, id, strings.ToLower(strings.TrimSuffix(k, "s")), p))
				}
			}
		}
	case "AWS::Lambda::Permission":
		if new != nil && isWildcardPrincipal(np["Principal"]) && (old == nil || !isWildcardPrincipal(op["Principal"])) {
			add(CatSecurity, "lambda-permission-public", fmt.Sprintf("%s %s: anyone (Principal *) may invoke the function", typ, id))
		}
	case "AWS::EC2::SecurityGroup":
		for _, f := range compareIngress(ingressRules(op["SecurityGroupIngress"], nil), ingressRules(np["SecurityGroupIngress"], nil)) {
			add(CatSecurity, f.kind, fmt.Sprintf("%s %s: %s", typ, id, f.msg))
		}
	case "AWS::EC2::SecurityGroupIngress":
		var o, n []any
		if op != nil {
			o = []any{op}
		}
		if np != nil {
			n = []any{np}
		}
		for _, f := range compareIngress(ingressRules(o, []string{"GroupId", "GroupName"}), ingressRules(n, []string{"GroupId", "GroupName"})) {
			add(CatSecurity, f.kind, fmt.Sprintf("%s %s: %s", typ, id, f.msg))
		}
	}
	if old == nil || new == nil {
		return fs
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

// policyDocs returns the policy documents a resource carries, by label.
func policyDocs(r *assembly.Resource) map[string]any {
	out := map[string]any{}
	if r == nil {
		return out
	}
	p := r.Properties
	switch r.Type {
	case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group":
		if d := p["AssumeRolePolicyDocument"]; d != nil {
			out["AssumeRolePolicyDocument"] = d
		}
		for i, pol := range asList(p["Policies"]) {
			m, _ := pol.(map[string]any)
			name, ok := m["PolicyName"].(string)
			if !ok {
				name = strconv.Itoa(i)
			}
			out[fmt.Sprintf("Policies[%s].PolicyDocument", name)] = m["PolicyDocument"]
		}
	case "AWS::KMS::Key":
		out["KeyPolicy"] = p["KeyPolicy"]
	case "AWS::SecretsManager::ResourcePolicy":
		out["ResourcePolicy"] = p["ResourcePolicy"]
	case "AWS::DynamoDB::Table":
		if rp, ok := p["ResourcePolicy"].(map[string]any); ok {
			out["ResourcePolicy.PolicyDocument"] = rp["PolicyDocument"]
		}
	default:
		if d := p["PolicyDocument"]; d != nil {
			out["PolicyDocument"] = d
		}
	}
	return out
}

type secFinding struct{ kind, msg string }

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
		kind := "iam-statement-added"
		if len(s.actions) > 0 && anyWildcard(s.actions) {
			notes, kind = append(notes, "wildcard action"), "iam-wildcard"
		}
		if s.resources["*"] {
			notes, kind = append(notes, "wildcard resource"), "iam-wildcard"
		}
		if len(s.notActions)+len(s.notResources) > 0 || s.notPrincipal != "null" {
			notes, kind = append(notes, "Allow with NotAction/NotResource/NotPrincipal"), "iam-not-element"
		}
		if isWildcardPrincipal(s.raw["Principal"]) {
			notes, kind = append(notes, "principal *"), "iam-principal-wildcard"
		}
		msg := "new Allow statement " + describe(s)
		if len(notes) > 0 {
			msg += " (" + strings.Join(notes, ", ") + ")"
		}
		out = append(out, secFinding{kind, msg})
	}
	for _, s := range os {
		if s.effect == "Deny" && !coveredBy(ns, s) {
			out = append(out, secFinding{"iam-deny-removed", "Deny statement removed or narrowed " + describe(s)})
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

// ingressRule is a security group ingress rule reduced to comparable parts.
type ingressRule struct {
	protocol, source string
	from, to         int
	known            bool // ports are literal numbers
	open             bool // 0.0.0.0/0 or ::/0
	key              string
}

func ingressRules(v any, extraKeys []string) []ingressRule {
	var out []ingressRule
	for _, e := range asList(v) {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		src := map[string]any{}
		for _, k := range append([]string{"CidrIp", "CidrIpv6", "SourceSecurityGroupId", "SourceSecurityGroupName", "SourceSecurityGroupOwnerId", "SourcePrefixListId"}, extraKeys...) {
			if m[k] != nil {
				src[k] = m[k]
			}
		}
		r := ingressRule{protocol: fmt.Sprint(m["IpProtocol"]), source: canon(src)}
		if len(src) == 1 {
			for _, v := range src {
				if s, ok := v.(string); ok {
					r.source = s
				} else {
					r.source = canon(v)
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
		r.key = r.protocol + "|" + r.source + "|" + canon(m["FromPort"]) + "|" + canon(m["ToPort"])
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

func (r ingressRule) ports() string {
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

// compareIngress reports rules that admit more traffic than before.
func compareIngress(old, new []ingressRule) []secFinding {
	have := map[string]bool{}
	for _, r := range old {
		have[r.key] = true
	}
	var out []secFinding
	for _, r := range new {
		if have[r.key] {
			continue
		}
		kind, what := "sg-ingress-added", "ingress rule added"
		var widened *ingressRule
		for i, o := range old {
			if o.protocol != r.protocol && !(o.protocol == "-1" || o.protocol == "all") || o.source != r.source {
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
			kind, what = "sg-ingress-widened", "ingress widened from "+widened.ports()
		}
		msg := fmt.Sprintf("%s: %s from %s", what, r.ports(), r.source)
		if r.open {
			kind = "sg-ingress-open"
			msg += " (open to the internet)"
		}
		out = append(out, secFinding{kind, msg})
	}
	return out
}
