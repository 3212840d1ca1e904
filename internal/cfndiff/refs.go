package cfndiff

import (
	"encoding/json"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/gureum-cdk/gureum/internal/assembly"
	"github.com/gureum-cdk/gureum/internal/cfnspec"
)

// equalValue compares two template values as CloudFormation does: a number
// or a boolean equals its string form ("1209600" and 1209600, "true" and
// true), numbers compare by value, objects and lists compare deeply.
func equalValue(a, b any) bool {
	switch x := a.(type) {
	case nil:
		return b == nil
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		if xa, ok := x["Fn::GetAtt"]; ok && len(x) == 1 {
			if ya, ok := y["Fn::GetAtt"]; ok {
				// "Resource.Attribute" is the short form of ["Resource", "Attribute"].
				return equalValue(getAttList(xa), getAttList(ya))
			}
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equalValue(v, w) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case string:
		switch y := b.(type) {
		case string:
			return x == y
		case json.Number:
			return sameNumber(x, y.String())
		case bool:
			return x == strconv.FormatBool(y)
		}
		return false
	case json.Number:
		switch y := b.(type) {
		case json.Number:
			return x == y || sameNumber(x.String(), y.String())
		case string:
			return sameNumber(x.String(), y)
		}
		return false
	case bool:
		switch y := b.(type) {
		case bool:
			return x == y
		case string:
			return y == strconv.FormatBool(x)
		}
		return false
	}
	return reflect.DeepEqual(a, b)
}

func sameNumber(a, b string) bool {
	x, err1 := strconv.ParseFloat(strings.TrimSpace(a), 64)
	y, err2 := strconv.ParseFloat(strings.TrimSpace(b), 64)
	return err1 == nil && err2 == nil && x == y && strings.TrimSpace(a) != "" && !strings.ContainsAny(a+b, "xXpP_")
}

// scalarCanon is canon with numbers and booleans written as strings, so that
// values equalValue finds equal have the same key.
func scalarCanon(v any) string { return canon(scalarStrings(v)) }

func scalarStrings(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = scalarStrings(e)
		}
		return m
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = scalarStrings(e)
		}
		return l
	case json.Number:
		if f, err := strconv.ParseFloat(x.String(), 64); err == nil {
			return strconv.FormatFloat(f, 'g', -1, 64)
		}
		return x.String()
	case bool:
		return strconv.FormatBool(x)
	}
	return v
}

// subRefRE matches the ${Name} and ${Name.Attribute} of an Fn::Sub string
// (not ${!Literal}).
var subRefRE = regexp.MustCompile(`\$\{([A-Za-z0-9]+)(\.[^}]*)?\}`)

// references returns the logical IDs that v names through Ref, Fn::GetAtt
// (list or "Resource.Attribute" string) or Fn::Sub.
func references(v any) map[string]bool {
	out := map[string]bool{}
	walkRefs(v, func(id string) { out[id] = true })
	return out
}

func walkRefs(v any, f func(id string)) {
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			walkRefs(e, f)
		}
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				switch k {
				case "Ref":
					if s, ok := arg.(string); ok {
						f(s)
					}
					return
				case "Fn::GetAtt":
					if id := getAttID(arg); id != "" {
						f(id)
					}
					return
				case "Fn::Sub":
					tmpl, vars := subArgs(arg)
					for _, m := range subRefRE.FindAllStringSubmatch(tmpl, -1) {
						if _, local := vars[m[1]]; !local {
							f(m[1])
						}
					}
					for _, e := range vars {
						walkRefs(e, f)
					}
					return
				}
			}
		}
		for _, e := range x {
			walkRefs(e, f)
		}
	}
}

func getAttList(arg any) any {
	if s, ok := arg.(string); ok {
		id, attr, found := strings.Cut(s, ".")
		if found {
			return []any{id, attr}
		}
	}
	return arg
}

func getAttID(arg any) string {
	switch a := arg.(type) {
	case []any:
		if len(a) > 0 {
			s, _ := a[0].(string)
			return s
		}
	case string:
		id, _, _ := strings.Cut(a, ".")
		return id
	}
	return ""
}

func subArgs(arg any) (string, map[string]any) {
	switch a := arg.(type) {
	case string:
		return a, nil
	case []any:
		if len(a) == 2 {
			s, _ := a[0].(string)
			m, _ := a[1].(map[string]any)
			return s, m
		}
	}
	return "", nil
}

// renameRefs returns v with every Ref, Fn::GetAtt and Fn::Sub reference to a
// key of to renamed to its value.
func renameRefs(v any, to map[string]string) any {
	switch x := v.(type) {
	case []any:
		l := make([]any, len(x))
		for i, e := range x {
			l[i] = renameRefs(e, to)
		}
		return l
	case map[string]any:
		if len(x) == 1 {
			for k, arg := range x {
				switch k {
				case "Ref":
					if s, ok := arg.(string); ok && to[s] != "" {
						return map[string]any{k: to[s]}
					}
					return x
				case "Fn::GetAtt":
					switch a := arg.(type) {
					case []any:
						if len(a) > 0 {
							if s, ok := a[0].(string); ok && to[s] != "" {
								return map[string]any{k: append([]any{to[s]}, a[1:]...)}
							}
						}
					case string:
						id, attr, _ := strings.Cut(a, ".")
						if to[id] != "" {
							return map[string]any{k: to[id] + "." + attr}
						}
					}
					return x
				case "Fn::Sub":
					tmpl, vars := subArgs(arg)
					tmpl = subRefRE.ReplaceAllStringFunc(tmpl, func(m string) string {
						sm := subRefRE.FindStringSubmatch(m)
						if _, local := vars[sm[1]]; local || to[sm[1]] == "" {
							return m
						}
						return "${" + to[sm[1]] + sm[2] + "}"
					})
					if vars == nil {
						if _, ok := arg.(string); ok {
							return map[string]any{k: tmpl}
						}
						return x
					}
					return map[string]any{k: []any{tmpl, renameRefs(vars, to)}}
				}
			}
		}
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = renameRefs(e, to)
		}
		return m
	}
	return v
}

// propagateReplacements marks what a replacement does to the resources that
// name the replaced one: the replacement has a new physical ID and new
// attributes, so a property that takes them through Ref, Fn::GetAtt or
// Fn::Sub changes although its text does not. That change replaces the
// resource when the property is immutable (a BucketPolicy's Bucket, an
// EventInvokeConfig's FunctionName), may replace it when conditional, and
// updates it otherwise. It repeats until no new replacement appears.
func propagateReplacements(changes map[string]*ResourceChange, oldRes, newRes map[string]*assembly.Resource) {
	ids := make([]string, 0, len(newRes))
	for id, n := range newRes {
		if oldRes[id] != nil && n.Type != metadataType {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for {
		replaced := map[string]bool{}
		for id, rc := range changes {
			if rc.Change == Modified && rc.Impact == Replace {
				replaced[id] = true
			}
		}
		grew := false
		for _, id := range ids {
			n := newRes[id]
			rc := changes[id]
			if rc != nil && rc.OldType != "" {
				continue
			}
			spec := cfnspec.Lookup(n.Type)
			for _, prop := range sortedKeys(n.Properties) {
				var via []string
				for ref := range references(n.Properties[prop]) {
					if replaced[ref] && ref != id {
						via = append(via, ref)
					}
				}
				if len(via) == 0 || (rc != nil && hasProperty(rc, prop)) {
					continue
				}
				sort.Strings(via)
				imp := Update
				switch spec.Replacement(prop) {
				case cfnspec.Immutable:
					imp = Replace
				case cfnspec.Conditional:
					imp = MayReplace
				}
				if rc == nil {
					o := oldRes[id]
					rc = &ResourceChange{LogicalID: id, Type: n.Type, Change: Modified, Impact: Update, CDKPath: n.CDKPath(),
						Stateful: spec.Stateful || cfnspec.Lookup(o.Type).Stateful}
					changes[id] = rc
				}
				path := childPath("Properties", prop)
				rc.Changes = append(rc.Changes, PropertyChange{Path: path, Old: n.Properties[prop], New: n.Properties[prop], Impact: imp, Via: via})
				if imp.rank() > rc.Impact.rank() {
					rc.Impact = imp
					grew = grew || imp == Replace
				}
			}
		}
		if !grew {
			return
		}
	}
}

func hasProperty(rc *ResourceChange, prop string) bool {
	for _, c := range rc.Changes {
		if topProperty(c.Path) == prop {
			return true
		}
	}
	return false
}

// findRenames pairs removed resources with added ones that seem to be the
// same resource under a new logical ID: the same type and the same
// properties, once references to resources already paired are renamed too
// (a table's alarm names the table by Ref; both are renamed together).
// A removed resource is paired only when exactly one added resource matches.
func findRenames(oldRes, newRes map[string]*assembly.Resource) map[string]string {
	var removed, added []string
	for id, o := range oldRes {
		if newRes[id] == nil && o.Type != metadataType {
			removed = append(removed, id)
		}
	}
	for id, n := range newRes {
		if oldRes[id] == nil && n.Type != metadataType {
			added = append(added, id)
		}
	}
	sort.Strings(removed)
	sort.Strings(added)
	renames := map[string]string{}
	taken := map[string]bool{}
	for {
		grew := false
		for _, r := range removed {
			if renames[r] != "" {
				continue
			}
			o := oldRes[r]
			props := renameRefs(orEmpty(o.Properties), renames)
			match := ""
			n := 0
			for _, a := range added {
				if taken[a] || newRes[a].Type != o.Type {
					continue
				}
				if equalValue(props, orEmpty(newRes[a].Properties)) {
					match = a
					n++
				}
			}
			if n == 1 {
				renames[r] = match
				taken[match] = true
				grew = true
			}
		}
		if !grew {
			return renames
		}
	}
}
