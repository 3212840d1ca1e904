package cfndiff

import (
	"fmt"
	"sort"
	"strings"
)

// Gate categories beyond the finding categories: any replacement, any deletion.
const (
	GateReplace = "replace"
	GateDestroy = "destroy"
)

// DefaultFailOn is the set of categories that fail a run unless told otherwise:
// a stateful resource replaced or destroyed, a security broadening, access
// granted to what the change creates, a protection removed.
var DefaultFailOn = []string{CatStateful, CatSecurity, CatNewGrants, CatProtection}

// GateCategories lists every category Gate accepts, in documentation order.
var GateCategories = []string{CatStateful, CatMayReplace, CatSecurity, CatNewGrants, CatProtection, CatExports, CatEgress, CatOrphan, GateReplace, GateDestroy}

// Exit statuses of a diff.
const (
	ExitNoChange = 0
	ExitChanges  = 1
	ExitGated    = 2
)

// ParseFailOn parses a comma-separated list of categories; "all" and "none"
// stand for every category and for none.
func ParseFailOn(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		switch part {
		case "":
			continue
		case "none":
			continue
		case "all":
			for _, c := range GateCategories {
				if !seen[c] {
					seen[c] = true
					out = append(out, c)
				}
			}
			continue
		}
		valid := false
		for _, c := range GateCategories {
			valid = valid || c == part
		}
		if !valid {
			return nil, fmt.Errorf("unknown category %q (want %s, all or none)", part, strings.Join(GateCategories, ", "))
		}
		if !seen[part] {
			seen[part] = true
			out = append(out, part)
		}
	}
	sort.Strings(out)
	return out, nil
}

// Gate marks the findings whose category is in failOn as gating, adds a
// finding for each replaced or destroyed resource when failOn holds "replace"
// or "destroy", records the exit status in r.ExitCode and returns it: 0 when
// nothing changed, 1 for changes, 2 when a gating finding appears.
// Gate is idempotent only for the same failOn.
func (r *Result) Gate(failOn []string) int {
	on := map[string]bool{}
	for _, c := range failOn {
		on[c] = true
	}
	r.FailOn = append([]string{}, failOn...)
	sort.Strings(r.FailOn)
	changed := false
	for i := range r.Stacks {
		st := &r.Stacks[i]
		for _, rc := range st.Resources {
			imp := rc.Impact
			if (imp == Replace && on[GateReplace]) || ((imp == Destroy || imp == Orphan) && on[GateDestroy]) {
				cat := GateReplace
				if imp != Replace {
					cat = GateDestroy
				}
				if !hasFinding(st.Findings, cat, rc.LogicalID) {
					st.Findings = append(st.Findings, Finding{Category: cat, Kind: "resource-" + string(imp), Stack: st.Name,
						LogicalID: rc.LogicalID, Type: rc.Type, Message: fmt.Sprintf("%s %s: %s", rc.Type, rc.LogicalID, imp)})
				}
			}
		}
		for j := range st.Findings {
			st.Findings[j].Gating = on[st.Findings[j].Category]
		}
		sort.SliceStable(st.Findings, func(a, b int) bool {
			fa, fb := st.Findings[a], st.Findings[b]
			if ra, rb := categoryRank(fa.Category), categoryRank(fb.Category); ra != rb {
				return ra < rb
			}
			return fa.LogicalID < fb.LogicalID
		})
		if st.Status != Unchanged {
			changed = true
		}
	}
	r.count()
	for _, st := range r.Stacks {
		for _, f := range st.Findings {
			if f.Gating {
				r.Summary.Gating++
			}
		}
	}
	switch {
	case r.Summary.Gating > 0:
		r.ExitCode = ExitGated
	case changed:
		r.ExitCode = ExitChanges
	default:
		r.ExitCode = ExitNoChange
	}
	return r.ExitCode
}

func hasFinding(fs []Finding, cat, id string) bool {
	for _, f := range fs {
		if f.Category == cat && f.LogicalID == id {
			return true
		}
	}
	return false
}

func categoryRank(c string) int {
	for i, g := range GateCategories {
		if g == c {
			return i
		}
	}
	return len(GateCategories)
}
