package cfnspec

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"
)

//go:embed table.json.gz
var tableGz []byte

// Replacement says what changing a property does to its resource.
type Replacement int

const (
	// Mutable: the resource is updated in place.
	Mutable Replacement = iota
	// Conditional: the resource may be replaced, depending on the change
	// (the specification's UpdateType "Conditional").
	Conditional
	// Immutable: the resource is replaced.
	Immutable
)

func (r Replacement) String() string {
	switch r {
	case Conditional:
		return "conditional"
	case Immutable:
		return "immutable"
	}
	return "mutable"
}

// Type is what the specification says about one resource type.
type Type struct {
	// Name is the CloudFormation type, e.g. "AWS::S3::Bucket".
	Name string
	// Known is false for types the table does not hold (custom resources,
	// types newer than the table, types without any replacing property).
	Known bool
	// Immutable lists the properties whose change replaces the resource.
	Immutable []string
	// Conditional lists the properties whose change may replace it.
	Conditional []string
	// Stateful reports that the type holds data that replacement or deletion loses.
	Stateful bool
}

// Replacement reports the effect of changing the top-level property prop.
func (t Type) Replacement(prop string) Replacement {
	if contains(t.Immutable, prop) {
		return Immutable
	}
	if contains(t.Conditional, prop) {
		return Conditional
	}
	return Mutable
}

// NameProperty returns the property that sets the resource's physical name
// when the type has one that replacement rules cover (TableName of
// AWS::DynamoDB::Table and GlobalTable, BucketName, FunctionName,
// DBClusterIdentifier, a plain Name), or "". It is the immutable or
// conditional property named after the type's last part ("Table" in
// "AWS::DynamoDB::GlobalTable") followed by "Name" or "Identifier", else
// Name. CloudFormation cannot replace a resource whose name stays the same.
func (t Type) NameProperty() string {
	last := t.Name[strings.LastIndex(t.Name, ":")+1:]
	var best string
	for _, list := range [][]string{t.Immutable, t.Conditional} {
		for _, p := range list {
			for _, suf := range []string{"Name", "Identifier"} {
				stem, ok := strings.CutSuffix(p, suf)
				if ok && stem != "" && strings.HasSuffix(last, stem) && len(p) > len(best) {
					best = p
				}
			}
		}
	}
	if best == "" && (contains(t.Immutable, "Name") || contains(t.Conditional, "Name")) {
		best = "Name"
	}
	return best
}

func contains(sorted []string, s string) bool {
	i := sort.SearchStrings(sorted, s)
	return i < len(sorted) && sorted[i] == s
}

type entry struct {
	Immutable   []string `json:"i"`
	Conditional []string `json:"c"`
	Stateful    bool     `json:"s"`
}

var (
	loadOnce sync.Once
	table    map[string]entry
)

func load() map[string]entry {
	loadOnce.Do(func() {
		zr, err := gzip.NewReader(bytes.NewReader(tableGz))
		if err != nil {
			panic(fmt.Sprintf("cfnspec: embedded table: %v", err))
		}
		if err := json.NewDecoder(zr).Decode(&table); err != nil {
			panic(fmt.Sprintf("cfnspec: embedded table: %v", err))
		}
	})
	return table
}

// Lookup returns what the table knows about the resource type typ. An unknown
// type is returned with Known false: every property change is then Mutable and
// the type is not stateful.
func Lookup(typ string) Type {
	e, ok := load()[typ]
	if !ok {
		return Type{Name: typ}
	}
	return Type{Name: typ, Known: true, Immutable: e.Immutable, Conditional: e.Conditional, Stateful: e.Stateful}
}

// StatefulTypes returns every type the table marks stateful, sorted.
func StatefulTypes() []string {
	var out []string
	for name, e := range load() {
		if e.Stateful {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
