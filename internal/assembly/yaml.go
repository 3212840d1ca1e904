package assembly

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// shortForms maps CloudFormation's YAML short-form tags to the long form's
// key: !Ref x is {"Ref": x}, !Sub s is {"Fn::Sub": s}, and so on.
var shortForms = map[string]string{
	"!Ref":              "Ref",
	"!Condition":        "Condition",
	"!Base64":           "Fn::Base64",
	"!Cidr":             "Fn::Cidr",
	"!FindInMap":        "Fn::FindInMap",
	"!GetAtt":           "Fn::GetAtt",
	"!GetAZs":           "Fn::GetAZs",
	"!ImportValue":      "Fn::ImportValue",
	"!Join":             "Fn::Join",
	"!Select":           "Fn::Select",
	"!Split":            "Fn::Split",
	"!Sub":              "Fn::Sub",
	"!Transform":        "Fn::Transform",
	"!And":              "Fn::And",
	"!Equals":           "Fn::Equals",
	"!If":               "Fn::If",
	"!Not":              "Fn::Not",
	"!Or":               "Fn::Or",
	"!Contains":         "Fn::Contains",
	"!EachMemberEquals": "Fn::EachMemberEquals",
	"!EachMemberIn":     "Fn::EachMemberIn",
	"!RefAll":           "Fn::RefAll",
	"!ValueOf":          "Fn::ValueOf",
	"!ValueOfAll":       "Fn::ValueOfAll",
	"!ToJsonString":     "Fn::ToJsonString",
	"!Length":           "Fn::Length",
	"!ForEach":          "Fn::ForEach",
	"!GetParam":         "Fn::GetParam",
}

// parseYAML decodes a YAML template into the values encoding/json gives with
// UseNumber (map[string]any, []any, string, json.Number, bool, nil), the
// short-form intrinsics written in their long form.
func parseYAML(b []byte) (map[string]any, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("not a CloudFormation template: neither JSON nor YAML: %v", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, fmt.Errorf("not a CloudFormation template: empty YAML document")
	}
	v, err := yamlValue(doc.Content[0])
	if err != nil {
		return nil, fmt.Errorf("not a CloudFormation template: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a CloudFormation template: the YAML document is not a mapping")
	}
	return m, nil
}

func yamlValue(n *yaml.Node) (any, error) {
	if key, ok := shortForms[n.Tag]; ok {
		v, err := yamlPlain(n)
		if err != nil {
			return nil, err
		}
		if key == "Fn::GetAtt" {
			// !GetAtt Resource.Attribute: split at the first dot (an
			// attribute name may hold dots, a logical ID never does).
			if s, ok := v.(string); ok {
				id, attr, found := strings.Cut(s, ".")
				if !found {
					return nil, fmt.Errorf("line %d: !GetAtt %q: want Resource.Attribute", n.Line, s)
				}
				v = []any{id, attr}
			}
		}
		return map[string]any{key: v}, nil
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, fmt.Errorf("line %d: unknown tag %s", n.Line, n.Tag)
	}
	return yamlPlain(n)
}

// yamlPlain converts n ignoring a short-form tag on n itself.
func yamlPlain(n *yaml.Node) (any, error) {
	switch n.Kind {
	case yaml.AliasNode:
		return yamlValue(n.Alias)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, vn := n.Content[i], n.Content[i+1]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key must be a string", k.Line)
			}
			if _, dup := m[k.Value]; dup {
				return nil, fmt.Errorf("line %d: duplicate key %q", k.Line, k.Value)
			}
			v, err := yamlValue(vn)
			if err != nil {
				return nil, err
			}
			m[k.Value] = v
		}
		return m, nil
	case yaml.SequenceNode:
		l := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := yamlValue(c)
			if err != nil {
				return nil, err
			}
			l = append(l, v)
		}
		return l, nil
	case yaml.ScalarNode:
		return yamlScalar(n), nil
	}
	return nil, fmt.Errorf("line %d: unexpected YAML node", n.Line)
}

func yamlScalar(n *yaml.Node) any {
	if n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		return n.Value
	}
	switch n.ShortTag() {
	case "!!null":
		return nil
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b
		}
	case "!!int":
		var i big.Int
		if _, ok := i.SetString(strings.ReplaceAll(n.Value, "_", ""), 0); ok {
			return json.Number(i.String())
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil && !strings.ContainsAny(strings.ToLower(n.Value), "in") {
			// Keep the literal ("1.10" stays "1.10"), as JSON's UseNumber
			// does, when it is a JSON number too (".5" is not).
			if json.Valid([]byte(n.Value)) {
				return json.Number(n.Value)
			}
			return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
		}
	}
	return n.Value
}
