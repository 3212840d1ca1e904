package cfndiff

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/gureum-cdk/gureum/internal/assembly"
	"github.com/gureum-cdk/gureum/internal/cfnspec"
)

// SchemaVersion is the version of the JSON output's schema. It changes only
// when a field is removed or changes meaning.
const SchemaVersion = 1

// Impact is what a deployment does to a resource, or what one property change does.
type Impact string

// Impacts, from mildest to most severe.
const (
	Add        Impact = "add"
	Update     Impact = "update"
	MayReplace Impact = "may-replace"
	Replace    Impact = "replace"
	Orphan     Impact = "orphan"
	Destroy    Impact = "destroy"
)

func (i Impact) rank() int {
	switch i {
	case Update:
		return 1
	case MayReplace:
		return 2
	case Replace:
		return 3
	}
	return 0
}

// Change kinds of a resource or stack.
const (
	Added     = "added"
	Removed   = "removed"
	Modified  = "modified"
	Unchanged = "unchanged"
)

// PropertyChange is one changed value of a resource. Path is JSON-path-like,
// from the resource: "Properties.KeySchema[0].AttributeName", "DeletionPolicy",
// "Type". Old or New is absent (nil) when the value was added or removed.
type PropertyChange struct {
	Path      string `json:"path"`
	Old       any    `json:"old,omitempty"`
	New       any    `json:"new,omitempty"`
	Impact    Impact `json:"impact"`
	AssetOnly bool   `json:"assetOnly,omitempty"`
	// Via lists the replaced resources whose new physical ID or attributes
	// change this value although its text is the same (Old equals New):
	// a Ref or Fn::GetAtt of a resource that is replaced.
	Via []string `json:"via,omitempty"`
}

// ResourceChange is an added, removed or modified resource.
type ResourceChange struct {
	LogicalID string `json:"logicalId"`
	Type      string `json:"type"`
	// OldType is set when the resource's type changed (a replacement).
	OldType string `json:"oldType,omitempty"`
	// Change is "added", "removed" or "modified".
	Change string `json:"change"`
	// Impact is the most severe impact of the change.
	Impact   Impact `json:"impact"`
	Stateful bool   `json:"stateful"`
	// CDKPath is the construct path from the aws:cdk:path metadata.
	CDKPath string `json:"cdkPath,omitempty"`
	// DeletionPolicy of a removed resource.
	DeletionPolicy string           `json:"deletionPolicy,omitempty"`
	Changes        []PropertyChange `json:"changes,omitempty"`
}

// Finding categories, used by Gate.
const (
	// CatStateful: a stateful resource is replaced, destroyed, or removed
	// from the stack with DeletionPolicy Retain (orphaned with its data).
	CatStateful = "stateful"
	// CatMayReplace: a stateful resource may be replaced (a conditional property changed).
	CatMayReplace = "may-replace"
	// CatSecurity: IAM, network or public access broadened for something that
	// exists already, or encryption removed.
	CatSecurity = "security"
	// CatNewGrants: access granted only to or on what the change creates: a
	// new role's trust policy and policies, a policy attached only to new
	// roles, a new function's invoke permission, a new security group's
	// rules, the policy of a new bucket or queue. A wildcard action, a *
	// principal, an Allow with NotAction/NotResource/NotPrincipal, an
	// administrator managed policy or a rule open to the internet stays
	// CatSecurity.
	CatNewGrants = "new-grants"
	// CatEgress: security group egress opened (a new or wider rule,
	// 0.0.0.0/0).
	CatEgress = "egress"
	// CatProtection: deletion protection, termination protection or a Retain policy removed.
	CatProtection = "protection"
	// CatExports: a stack output's export is removed or renamed.
	CatExports = "exports"
	// CatOrphan: a resource that holds no data leaves the stack but is
	// retained (DeletionPolicy Retain), e.g. an IAM role or a Lambda layer
	// version; a retained stateful resource is CatStateful instead.
	CatOrphan = "orphan"
)

// Finding is something a reviewer must see.
type Finding struct {
	Category  string `json:"category"`
	Kind      string `json:"kind"`
	Stack     string `json:"stack"`
	LogicalID string `json:"logicalId,omitempty"`
	Type      string `json:"type,omitempty"`
	Message   string `json:"message"`
	// Gating is set by Result.Gate when the finding's category fails the run.
	Gating bool `json:"gating"`
}

// StackDiff is the comparison of one stack.
type StackDiff struct {
	Name string `json:"name"`
	// Status is "added", "removed", "modified" or "unchanged".
	Status    string           `json:"status"`
	Resources []ResourceChange `json:"resources"`
	// Template lists changes outside Resources: "Outputs.X...",
	// "Parameters.X...", "Conditions.X...", "Mappings.X..." (impact update).
	Template []PropertyChange `json:"template,omitempty"`
	Findings []Finding        `json:"findings"`
}

// Summary counts the changes of a Result.
type Summary struct {
	Stacks   int `json:"stacks"`
	Added    int `json:"added"`
	Removed  int `json:"removed"`
	Modified int `json:"modified"`
	Replaced int `json:"replaced"`
	Findings int `json:"findings"`
	Gating   int `json:"gating"`
}

// Result is the comparison of two assemblies.
type Result struct {
	SchemaVersion int         `json:"schemaVersion"`
	ExitCode      int         `json:"exitCode"`
	FailOn        []string    `json:"failOn"`
	Summary       Summary     `json:"summary"`
	Stacks        []StackDiff `json:"stacks"`
}

// Options tunes Compare.
type Options struct {
	// AllowStackChanges treats a stack present on one side only as entirely
	// added or removed. Default: false, such a stack is a *StackMismatchError.
	AllowStackChanges bool
}

// StackMismatchError reports stacks found in one assembly only.
type StackMismatchError struct {
	OnlyOld, OnlyNew []string
}

func (e *StackMismatchError) Error() string {
	var parts []string
	if len(e.OnlyOld) > 0 {
		parts = append(parts, fmt.Sprintf("only in OLD: %s", strings.Join(e.OnlyOld, ", ")))
	}
	if len(e.OnlyNew) > 0 {
		parts = append(parts, fmt.Sprintf("only in NEW: %s", strings.Join(e.OnlyNew, ", ")))
	}
	return "stacks differ between the assemblies (" + strings.Join(parts, "; ") + "); pass --allow-stack-changes to report them as added or removed"
}

// Compare compares the stacks of old and new. Stacks are matched by name; when
// both sides are single template files they are compared whatever their names.
func Compare(old, new *assembly.Assembly, opt Options) (*Result, error) {
	type pair struct{ old, new *assembly.Stack }
	var pairs []pair
	if len(old.Stacks) == 1 && len(new.Stacks) == 1 && (old.IsTemplateFile() || new.IsTemplateFile()) {
		pairs = append(pairs, pair{old.Stacks[0], new.Stacks[0]})
	} else {
		var mis StackMismatchError
		names := map[string]bool{}
		for _, s := range old.Stacks {
			names[s.Name] = true
			if new.Stack(s.Name) == nil {
				mis.OnlyOld = append(mis.OnlyOld, s.Name)
			}
		}
		for _, s := range new.Stacks {
			names[s.Name] = true
			if old.Stack(s.Name) == nil {
				mis.OnlyNew = append(mis.OnlyNew, s.Name)
			}
		}
		if (len(mis.OnlyOld) > 0 || len(mis.OnlyNew) > 0) && !opt.AllowStackChanges {
			return nil, &mis
		}
		sorted := make([]string, 0, len(names))
		for n := range names {
			sorted = append(sorted, n)
		}
		sort.Strings(sorted)
		for _, n := range sorted {
			pairs = append(pairs, pair{old.Stack(n), new.Stack(n)})
		}
	}
	res := &Result{SchemaVersion: SchemaVersion}
	// A template file says nothing about termination protection: compare
	// it only between two assemblies.
	protection := !old.IsTemplateFile() && !new.IsTemplateFile()
	for _, p := range pairs {
		res.Stacks = append(res.Stacks, compareStack(p.old, p.new, protection))
	}
	res.count()
	return res, nil
}

func (r *Result) count() {
	s := Summary{Stacks: len(r.Stacks)}
	for _, st := range r.Stacks {
		for _, rc := range st.Resources {
			switch rc.Change {
			case Added:
				s.Added++
			case Removed:
				s.Removed++
			case Modified:
				s.Modified++
				if rc.Impact == Replace {
					s.Replaced++
				}
			}
		}
		s.Findings += len(st.Findings)
	}
	r.Summary = s
}

func compareStack(olds, news *assembly.Stack, protection bool) StackDiff {
	sd := StackDiff{Resources: []ResourceChange{}, Findings: []Finding{}}
	var oldRes, newRes map[string]*assembly.Resource
	switch {
	case olds == nil:
		sd.Name, sd.Status = news.Name, Added
	case news == nil:
		sd.Name, sd.Status = olds.Name, Removed
	default:
		sd.Name = news.Name
	}
	if olds != nil {
		oldRes = olds.Template.Resources
	}
	if news != nil {
		newRes = news.Template.Resources
	}
	ids := map[string]bool{}
	for id := range oldRes {
		ids[id] = true
	}
	for id := range newRes {
		ids[id] = true
	}
	sorted := make([]string, 0, len(ids))
	for id := range ids {
		sorted = append(sorted, id)
	}
	sort.Strings(sorted)
	changes := map[string]*ResourceChange{}
	for _, id := range sorted {
		o, n := oldRes[id], newRes[id]
		if (o != nil && o.Type == metadataType) || (n != nil && n.Type == metadataType) {
			continue
		}
		if rc, ok := compareResource(id, o, n); ok {
			changes[id] = &rc
		}
	}
	propagateReplacements(changes, oldRes, newRes)
	renames := findRenames(oldRes, newRes)
	ctx := &stackContext{old: oldRes, new: newRes, changes: changes}
	for _, id := range sorted {
		rc := changes[id]
		if rc == nil {
			continue
		}
		o, n := oldRes[id], newRes[id]
		sd.Resources = append(sd.Resources, *rc)
		sd.Findings = append(sd.Findings, impactFindings(*rc, o, n, renames)...)
		sd.Findings = append(sd.Findings, ctx.securityFindings(id, o, n)...)
	}
	if olds != nil && news != nil {
		ot, nt := olds.Template, news.Template
		var changes []PropertyChange
		diffValue("AWSTemplateFormatVersion", str(ot.FormatVersion), str(nt.FormatVersion), &changes)
		diffValue("Description", str(ot.Description), str(nt.Description), &changes)
		diffValue("Transform", ot.Transform, nt.Transform, &changes)
		for _, sec := range []struct {
			name     string
			old, new map[string]any
		}{
			{"Metadata", ot.Metadata, nt.Metadata},
			{"Rules", ot.Rules, nt.Rules},
			{"Parameters", ot.Parameters, nt.Parameters},
			{"Mappings", ot.Mappings, nt.Mappings},
			{"Conditions", ot.Conditions, nt.Conditions},
			{"Outputs", ot.Outputs, nt.Outputs},
		} {
			for _, name := range sortedKeys(sec.old, sec.new) {
				diffValue(childPath(sec.name, name), sec.old[name], sec.new[name], &changes)
			}
		}
		for _, c := range changes {
			c.Impact = Update
			sd.Template = append(sd.Template, c)
			if strings.HasPrefix(c.Path, "Outputs") && removesExport(c) {
				sd.Findings = append(sd.Findings, Finding{Category: CatExports, Kind: "export-removed",
					Message: fmt.Sprintf("%s: an export is removed or renamed; the update fails while another stack imports it", c.Path)})
			}
		}
	}
	if protection && olds != nil && news != nil && olds.TerminationProtection && !news.TerminationProtection {
		sd.Findings = append(sd.Findings, Finding{Category: CatProtection, Kind: "termination-protection-removed",
			Message: "stack termination protection turned off"})
	}
	sd.Findings = dedupeFindings(sd.Findings)
	for i := range sd.Findings {
		sd.Findings[i].Stack = sd.Name
	}
	if sd.Status == "" {
		sd.Status = Unchanged
		if len(sd.Resources) > 0 || len(sd.Template) > 0 || len(sd.Findings) > 0 {
			sd.Status = Modified
		}
	}
	return sd
}

// dedupeFindings drops a finding identical to an earlier one (two equal
// statements in one policy give one finding).
func dedupeFindings(fs []Finding) []Finding {
	seen := map[Finding]bool{}
	out := fs[:0]
	for _, f := range fs {
		if seen[f] {
			continue
		}
		seen[f] = true
		out = append(out, f)
	}
	return out
}

const metadataType = "AWS::CDK::Metadata"

func compareResource(id string, o, n *assembly.Resource) (ResourceChange, bool) {
	switch {
	case o == nil:
		return ResourceChange{LogicalID: id, Type: n.Type, Change: Added, Impact: Add,
			Stateful: cfnspec.Lookup(n.Type).Stateful, CDKPath: n.CDKPath()}, true
	case n == nil:
		rc := ResourceChange{LogicalID: id, Type: o.Type, Change: Removed, Impact: Destroy,
			Stateful: cfnspec.Lookup(o.Type).Stateful, CDKPath: o.CDKPath(), DeletionPolicy: o.DeletionPolicy}
		if retains(o.DeletionPolicy) {
			rc.Impact = Orphan
		}
		return rc, true
	}
	rc := ResourceChange{LogicalID: id, Type: n.Type, Change: Modified, CDKPath: n.CDKPath()}
	spec := cfnspec.Lookup(n.Type)
	rc.Stateful = spec.Stateful || cfnspec.Lookup(o.Type).Stateful
	if o.Type != n.Type {
		rc.OldType = o.Type
		rc.Changes = append(rc.Changes, PropertyChange{Path: "Type", Old: o.Type, New: n.Type, Impact: Replace})
	}
	var props []PropertyChange
	diffValue("Properties", orEmpty(o.Properties), orEmpty(n.Properties), &props)
	for i := range props {
		p := &props[i]
		p.Impact = Update
		if p.AssetOnly {
			continue
		}
		switch spec.Replacement(topProperty(p.Path)) {
		case cfnspec.Immutable:
			p.Impact = Replace
		case cfnspec.Conditional:
			p.Impact = MayReplace
		}
	}
	rc.Changes = append(rc.Changes, props...)
	var attrs []PropertyChange
	diffValue("DeletionPolicy", str(o.DeletionPolicy), str(n.DeletionPolicy), &attrs)
	diffValue("UpdateReplacePolicy", str(o.UpdateReplacePolicy), str(n.UpdateReplacePolicy), &attrs)
	diffValue("Condition", str(o.Condition), str(n.Condition), &attrs)
	diffValue("DependsOn", dependsOn(o.DependsOn), dependsOn(n.DependsOn), &attrs)
	diffValue("UpdatePolicy", o.UpdatePolicy, n.UpdatePolicy, &attrs)
	diffValue("CreationPolicy", o.CreationPolicy, n.CreationPolicy, &attrs)
	diffValue("Metadata", userMetadata(o.Metadata), userMetadata(n.Metadata), &attrs)
	for i := range attrs {
		attrs[i].Impact = Update
	}
	rc.Changes = append(rc.Changes, attrs...)
	if len(rc.Changes) == 0 {
		return rc, false
	}
	rc.Impact = Update
	for _, c := range rc.Changes {
		if c.Impact.rank() > rc.Impact.rank() {
			rc.Impact = c.Impact
		}
	}
	return rc, true
}

// dependsOn returns a DependsOn value as a sorted list: its order means
// nothing, and a single name equals a list of one.
func dependsOn(v any) any {
	var out []string
	for _, e := range asList(v) {
		if s, ok := e.(string); ok {
			out = append(out, s)
		} else {
			out = append(out, canon(e))
		}
	}
	if len(out) == 0 {
		return nil
	}
	sort.Strings(out)
	l := make([]any, len(out))
	for i, s := range out {
		l[i] = s
	}
	return l
}

func retains(policy string) bool { return policy == "Retain" || policy == "RetainExceptOnCreate" }

func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// userMetadata drops the metadata the CDK writes for itself.
func userMetadata(m map[string]any) any {
	out := map[string]any{}
	for k, v := range m {
		if strings.HasPrefix(k, "aws:cdk:") || strings.HasPrefix(k, "aws:asset:") {
			continue
		}
		out[k] = v
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// topProperty returns the top-level property of a "Properties.X..." path.
func topProperty(path string) string {
	rest, ok := strings.CutPrefix(path, "Properties.")
	if !ok {
		if r, ok := strings.CutPrefix(path, `Properties["`); ok {
			name, _, _ := strings.Cut(r, `"]`)
			return name
		}
		return ""
	}
	if i := strings.IndexAny(rest, ".["); i >= 0 {
		return rest[:i]
	}
	return rest
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

func childPath(path, key string) string {
	if identRE.MatchString(key) {
		return path + "." + key
	}
	b, _ := json.Marshal(key)
	return path + "[" + string(b) + "]"
}

// diffValue appends the differences between old and new at path. Objects are
// compared key by key and lists of the same length element by element; any
// other difference is reported whole at its path.
func diffValue(path string, old, new any, out *[]PropertyChange) {
	if equalValue(old, new) {
		return
	}
	om, ok1 := old.(map[string]any)
	nm, ok2 := new.(map[string]any)
	if ok1 && ok2 && !isIntrinsic(om) && !isIntrinsic(nm) {
		keys := make([]string, 0, len(om)+len(nm))
		for k := range om {
			keys = append(keys, k)
		}
		for k := range nm {
			if _, ok := om[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			diffValue(childPath(path, k), om[k], nm[k], out)
		}
		return
	}
	ol, ok1 := old.([]any)
	nl, ok2 := new.([]any)
	if ok1 && ok2 && len(ol) == len(nl) {
		for i := range ol {
			diffValue(fmt.Sprintf("%s[%d]", path, i), ol[i], nl[i], out)
		}
		return
	}
	if ok1 && ok2 {
		diffList(path, ol, nl, out)
		return
	}
	if om, ok := old.(map[string]any); ok && isIntrinsic(om) {
		if nm, ok := new.(map[string]any); ok && isIntrinsic(nm) && sameKeys(om, nm) {
			for k := range om {
				diffValue(childPath(path, k), om[k], nm[k], out)
			}
			return
		}
	}
	*out = append(*out, PropertyChange{Path: path, Old: old, New: new, AssetOnly: assetOnly(old, new)})
}

func isIntrinsic(m map[string]any) bool {
	if len(m) != 1 {
		return false
	}
	for k := range m {
		return k == "Ref" || strings.HasPrefix(k, "Fn::")
	}
	return false
}

func sameKeys(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if _, ok := b[k]; !ok {
			return false
		}
	}
	return true
}

// assetHashRE matches the 64-hex-digit SHA-256 the CDK names assets by.
var assetHashRE = regexp.MustCompile(`[0-9a-f]{64}`)

// assetOnly reports two strings that differ only by asset hashes.
func assetOnly(old, new any) bool {
	os, ok1 := old.(string)
	ns, ok2 := new.(string)
	if !ok1 || !ok2 || !assetHashRE.MatchString(os) || !assetHashRE.MatchString(ns) {
		return false
	}
	return assetHashRE.ReplaceAllString(os, "#") == assetHashRE.ReplaceAllString(ns, "#")
}

// impactFindings reports a stateful resource replaced, destroyed or possibly
// replaced, a retained resource leaving the stack, a replacement that
// CloudFormation refuses because of a custom name, and a Condition newly put
// on a stateful or retained resource.
func impactFindings(rc ResourceChange, old, new *assembly.Resource, renames map[string]string) []Finding {
	f := Finding{LogicalID: rc.LogicalID, Type: rc.Type}
	what := fmt.Sprintf("%s %s", rc.Type, rc.LogicalID)
	var out []Finding
	if name, ok := customName(rc, old, new); ok {
		f.Category, f.Kind = GateReplace, "custom-name-replace"
		state := ""
		if rc.Stateful {
			f.Category, state = CatStateful, "stateful "
		}
		f.Message = fmt.Sprintf("%s%s must be replaced (%s) but keeps its custom name (%s): CloudFormation refuses the update (\"cannot update a stack when a custom-named resource requires replacing\") and rolls back; change or remove %s in the same change to let it replace the resource", state, what, strings.Join(causes(rc, Replace), ", "), name, name)
		if rc.Stateful {
			f.Message += ", whose replacement starts empty"
		}
		return append(out, f)
	}
	if cond, ok := conditionAdded(rc, old, new); ok {
		g := f
		switch {
		case rc.Stateful:
			g.Category, g.Kind = CatStateful, "condition-added"
			g.Message = fmt.Sprintf("stateful %s now has Condition %s: wherever %s is false, CloudFormation removes it from the stack", what, cond, cond)
		case retains(new.DeletionPolicy):
			g.Category, g.Kind = CatOrphan, "condition-added"
			g.Message = fmt.Sprintf("retained %s now has Condition %s: wherever %s is false, CloudFormation removes it from the stack", what, cond, cond)
		}
		if g.Kind != "" {
			if retains(new.DeletionPolicy) {
				g.Message += " and leaves it unmanaged (DeletionPolicy " + new.DeletionPolicy + ")"
			} else {
				g.Message += " and deletes it with its data"
			}
			out = append(out, g)
		}
	}
	switch {
	case rc.Impact == Orphan && rc.Stateful:
		// The data survives, but nothing manages it any more, and whatever
		// replaces it in the stack starts empty: a reviewer must see it.
		f.Category, f.Kind = CatStateful, "stateful-orphan"
		f.Message = fmt.Sprintf("stateful %s leaves the stack but is kept with its data (DeletionPolicy %s): it will exist unmanaged%s", what, rc.DeletionPolicy, renameHint(rc, renames))
	case rc.Impact == Orphan:
		f.Category, f.Kind = CatOrphan, "retained-on-removal"
		f.Message = fmt.Sprintf("%s leaves the stack but is kept (DeletionPolicy %s): it will exist unmanaged%s", what, rc.DeletionPolicy, renameHint(rc, renames))
	case rc.Impact == Destroy && rc.Stateful:
		f.Category, f.Kind = CatStateful, "stateful-destroy"
		f.Message = fmt.Sprintf("stateful %s would be deleted with its data", what)
		if rc.DeletionPolicy == "Snapshot" {
			f.Message = fmt.Sprintf("stateful %s would be deleted (DeletionPolicy Snapshot keeps a final snapshot)", what)
		}
		f.Message += renameHint(rc, renames)
	case rc.Impact == Replace && rc.Stateful:
		f.Category, f.Kind = CatStateful, "stateful-replace"
		f.Message = fmt.Sprintf("stateful %s would be replaced (%s): the new resource starts empty", what, strings.Join(causes(rc, Replace), ", "))
		if old != nil && retains(old.UpdateReplacePolicy) {
			f.Message += "; the old one is kept unmanaged (UpdateReplacePolicy " + old.UpdateReplacePolicy + ")"
		}
	case rc.Impact == MayReplace && rc.Stateful:
		f.Category, f.Kind = CatMayReplace, "stateful-may-replace"
		f.Message = fmt.Sprintf("stateful %s may be replaced (%s), depending on the change", what, strings.Join(causes(rc, MayReplace), ", "))
	default:
		return out
	}
	return append(out, f)
}

// customName reports a replacement that keeps the resource's physical name:
// the replacement would need the name while the old resource still holds it.
func customName(rc ResourceChange, old, new *assembly.Resource) (string, bool) {
	if rc.Impact != Replace || rc.Change != Modified || old == nil || new == nil || old.Type != new.Type {
		return "", false
	}
	prop := cfnspec.Lookup(new.Type).NameProperty()
	if prop == "" {
		return "", false
	}
	nv := new.Properties[prop]
	if nv == nil || !equalValue(old.Properties[prop], nv) {
		return "", false
	}
	return prop + " " + formatValue(nv), true
}

// conditionAdded reports a Condition put on a resource that had none, or
// changed to another.
func conditionAdded(rc ResourceChange, old, new *assembly.Resource) (string, bool) {
	if rc.Change != Modified || old == nil || new == nil || new.Condition == "" || new.Condition == old.Condition {
		return "", false
	}
	return new.Condition, true
}

// causes lists the paths whose impact is imp.
func causes(rc ResourceChange, imp Impact) []string {
	var out []string
	seen := map[string]bool{}
	for _, c := range rc.Changes {
		if c.Impact != imp {
			continue
		}
		p := strings.TrimPrefix(c.Path, "Properties.")
		if t := topProperty(c.Path); t != "" {
			p = t
		}
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// renameHint names the added resource that the removed one seems to have
// become (see findRenames).
func renameHint(rc ResourceChange, renames map[string]string) string {
	to, ok := renames[rc.LogicalID]
	if !ok {
		return ""
	}
	return fmt.Sprintf("; its logical ID seems to have changed to %s, which CloudFormation creates as a new resource", to)
}

// diffList reports lists of different lengths element by element: what old
// has and new lacks as removed at its old index, the reverse as added at its
// new index. Equal elements are matched by value, in order.
func diffList(path string, old, new []any, out *[]PropertyChange) {
	left := map[string]int{}
	for _, e := range new {
		left[scalarCanon(e)]++
	}
	for i, e := range old {
		c := scalarCanon(e)
		if left[c] > 0 {
			left[c]--
			continue
		}
		*out = append(*out, PropertyChange{Path: fmt.Sprintf("%s[%d]", path, i), Old: e})
	}
	have := map[string]int{}
	for _, e := range old {
		have[scalarCanon(e)]++
	}
	for i, e := range new {
		c := scalarCanon(e)
		if have[c] > 0 {
			have[c]--
			continue
		}
		*out = append(*out, PropertyChange{Path: fmt.Sprintf("%s[%d]", path, i), New: e})
	}
}

// removesExport reports a change of Outputs that removes or renames an export.
func removesExport(c PropertyChange) bool {
	if c.Old == nil {
		return false
	}
	if strings.Contains(c.Path, ".Export") {
		return true
	}
	m, ok := c.Old.(map[string]any)
	return c.New == nil && ok && m["Export"] != nil
}
