package serverlessapi

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"os"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/gureum-cdk/gureum/constructs/internal/validate"
)

// openAPIMethods are the operations of a path item a route can serve, in
// the order they are reported. OPTIONS is CORS's; TRACE is not served.
var openAPIMethods = []string{"get", "put", "post", "delete", "head", "patch"}

// loadedOperation is one operation of the document.
type loadedOperation struct {
	method, path, pointer string
	op                    *openapi3.Operation
	item                  *openapi3.PathItem
}

// docName names the document in errors: `OpenAPI.File "api.yaml"` or
// OpenAPI.Document.
func docName(o *OpenAPI) string {
	if o.File != "" {
		return fmt.Sprintf("OpenAPI.File %q", o.File)
	}
	return "OpenAPI.Document"
}

// pointerTo is the JSON pointer (RFC 6901) of the reference tokens.
func pointerTo(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}

// at names a place in the document as a prop: the document and the JSON
// pointer, as a URI fragment ("OpenAPI.File "api.yaml" #/paths/~1polls/post").
func at(doc, pointer string) string { return doc + " #" + pointer }

// bindOpenAPI reads and validates p.OpenAPI and binds its operations to the
// Routes by operationId, filling c.Routes' Method and Path and c.spec. It
// reports every problem to v, each naming the document and the JSON pointer
// of what is wrong, and returns false when the routes could not be bound.
func bindOpenAPI(v *validate.Problems, p *Props, c *config) bool {
	o := p.OpenAPI
	if (o.File == "") == (len(o.Document) == 0) {
		v.Addf("OpenAPI", "set exactly one of File and Document")
		return false
	}
	name := docName(o)
	data := o.Document
	location := &url.URL{Path: "openapi.json"}
	if o.File != "" {
		var err error
		if data, err = os.ReadFile(o.File); err != nil {
			v.Addf("OpenAPI.File", "%v", err)
			return false
		}
		location = &url.URL{Path: o.File}
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromDataWithPath(data, location)
	if err != nil {
		v.Addf(at(name, ""), "is not an OpenAPI document: %v", err)
		return false
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.0.") {
		v.Addf(at(name, "/openapi"), "%q: only OpenAPI 3.0 documents are supported (API Gateway's own import takes 3.0; 3.1 schemas are not JSON Schema draft 4)", doc.OpenAPI)
		return false
	}
	ctx := context.Background()
	ok := true
	if doc.Info == nil {
		ok = v.Check(false, at(name, "/info"), "is required")
	} else if err := doc.Info.Validate(ctx); err != nil {
		ok = v.Check(false, at(name, "/info"), "%v", err)
	}
	if doc.Components != nil {
		if err := doc.Components.Validate(ctx); err != nil {
			ok = v.Check(false, at(name, "/components"), "%v", err)
		}
	}
	if doc.Paths == nil || doc.Paths.Len() == 0 {
		v.Addf(at(name, "/paths"), "declares no path: at least one operation is required")
		return false
	}
	ops, byID := []loadedOperation{}, map[string]loadedOperation{}
	paths := doc.Paths.Keys()
	sort.Strings(paths)
	for _, path := range paths {
		item := doc.Paths.Value(path)
		for _, m := range []string{"options", "trace"} {
			if item.GetOperation(strings.ToUpper(m)) != nil {
				ok = v.Check(false, at(name, pointerTo("paths", path, m)), "%s is not served: OPTIONS is answered by CORS, TRACE never", strings.ToUpper(m))
			}
		}
		if len(item.AdditionalOperations) > 0 {
			ok = v.Check(false, at(name, pointerTo("paths", path)), "has operations of other methods, which API Gateway does not route")
		}
		for _, m := range openAPIMethods {
			op := item.GetOperation(strings.ToUpper(m))
			if op == nil {
				continue
			}
			lo := loadedOperation{method: strings.ToUpper(m), path: path, pointer: pointerTo("paths", path, m), op: op, item: item}
			if err := op.Validate(ctx); err != nil {
				ok = v.Check(false, at(name, lo.pointer), "%v", err)
				continue
			}
			if op.OperationID == "" {
				ok = v.Check(false, at(name, lo.pointer), "has no operationId: a Route binds its handler by operationId")
				continue
			}
			if other, dup := byID[op.OperationID]; dup {
				ok = v.Check(false, at(name, lo.pointer+"/operationId"), "%q is also the operationId of #%s", op.OperationID, other.pointer)
				continue
			}
			byID[op.OperationID] = lo
			ops = append(ops, lo)
		}
	}
	if ok {
		// What the parts above do not see: path templates against the
		// operations' path parameters, and references across the document.
		if err := doc.Paths.Validate(ctx); err != nil {
			ok = v.Check(false, at(name, "/paths"), "%v", err)
		} else if err := doc.Validate(ctx); err != nil {
			ok = v.Check(false, at(name, ""), "%v", err)
		}
	}
	if !ok {
		return false
	}

	bound := map[string]int{}
	for i, r := range p.Routes {
		prop := fmt.Sprintf("Routes[%d]", i)
		v.Check(r.Method == "" && r.Path == "", prop, "Method and Path are set: with OpenAPI the document declares them (bind the route by OperationID)")
		v.Check(r.RequestSchema == nil, prop+".RequestSchema", "is set: with OpenAPI the document's schema validates the body")
		if r.OperationID == "" {
			ok = v.Check(false, prop+".OperationID", "is required with OpenAPI")
			continue
		}
		lo, found := byID[r.OperationID]
		if !found {
			ok = v.Check(false, prop+".OperationID", "%q is not an operationId of %s; it has %s", r.OperationID, name, strings.Join(sortedKeys(byID), ", "))
			continue
		}
		if j, dup := bound[r.OperationID]; dup {
			ok = v.Check(false, prop+".OperationID", "%q is bound by Routes[%d] too", r.OperationID, j)
			continue
		}
		bound[r.OperationID] = i
		c.Routes[i].Method, c.Routes[i].Path = lo.method, lo.path
		spec, good := operationSpec(v, name, lo)
		spec.ref = at(name, lo.pointer)
		c.spec[i] = spec
		ok = ok && good
	}
	for _, lo := range ops {
		if _, b := bound[lo.op.OperationID]; !b {
			ok = v.Check(false, at(name, lo.pointer), "operationId %q has no Route: add one with OperationID %q and its handler's Entry", lo.op.OperationID, lo.op.OperationID)
		}
	}
	return ok
}

// operationSpec turns an operation's request body schema and parameters
// into what the REST API validates.
func operationSpec(v *validate.Problems, name string, lo loadedOperation) (routeSpec, bool) {
	spec := routeSpec{params: map[string]bool{}}
	ok := true
	params := map[string]*openapi3.Parameter{}
	for _, list := range []openapi3.Parameters{lo.item.Parameters, lo.op.Parameters} {
		for _, pr := range list {
			if pr == nil || pr.Value == nil {
				continue
			}
			params[pr.Value.In+" "+pr.Value.Name] = pr.Value // the operation's win
		}
	}
	for _, pr := range params {
		switch pr.In {
		case openapi3.ParameterInQuery:
			spec.params["method.request.querystring."+pr.Name] = pr.Required
		case openapi3.ParameterInHeader:
			spec.params["method.request.header."+pr.Name] = pr.Required
		}
	}
	body := lo.op.RequestBody
	if body == nil || body.Value == nil {
		return spec, ok
	}
	types := make([]string, 0, len(body.Value.Content))
	for ct := range body.Value.Content {
		types = append(types, ct)
	}
	sort.Strings(types)
	for _, ct := range types {
		mt := body.Value.Content[ct]
		pointer := lo.pointer + pointerTo("requestBody", "content", ct, "schema")
		if mt == nil || mt.Schema == nil {
			continue
		}
		base, _, err := mime.ParseMediaType(ct)
		if err != nil || base != "application/json" {
			ok = v.Check(false, at(name, pointer), "API Gateway validates application/json bodies only: the schema of %q would not be enforced", ct)
			continue
		}
		model, err := draft4(mt.Schema, map[*openapi3.Schema]bool{})
		if err != nil {
			ok = v.Check(false, at(name, pointer), "%v", err)
			continue
		}
		spec.model = model
	}
	return spec, ok
}

var errRecursive = errors.New("refers to itself: an API Gateway model cannot be recursive")

// draft4 writes an OpenAPI 3.0 schema as the JSON Schema draft 4 API
// Gateway's models take: references inlined, nullable as a "null" type,
// and the keywords draft 4 does not know (example, readOnly, writeOnly,
// xml, discriminator, deprecated, externalDocs) left out.
func draft4(ref *openapi3.SchemaRef, visiting map[*openapi3.Schema]bool) (map[string]any, error) {
	s := ref.Value
	if s == nil {
		return nil, fmt.Errorf("unresolved reference %q", ref.Ref)
	}
	if visiting[s] {
		return nil, fmt.Errorf("%s (%s)", errRecursive, ref.Ref)
	}
	visiting[s] = true
	defer delete(visiting, s)

	out := map[string]any{}
	if s.Type != nil && !s.Type.IsEmpty() {
		types := s.Type.Slice()
		if s.Nullable && !s.Type.IncludesNull() {
			types = append(types, "null")
		}
		if len(types) == 1 {
			out["type"] = types[0]
		} else {
			out["type"] = types
		}
	}
	set := func(k string, v any, present bool) {
		if present {
			out[k] = v
		}
	}
	set("title", s.Title, s.Title != "")
	set("description", s.Description, s.Description != "")
	set("format", s.Format, s.Format != "")
	set("enum", s.Enum, len(s.Enum) > 0)
	set("default", s.Default, s.Default != nil)
	if s.Min != nil {
		out["minimum"] = *s.Min
	}
	if s.Max != nil {
		out["maximum"] = *s.Max
	}
	set("exclusiveMinimum", true, s.ExclusiveMin.IsTrue())
	set("exclusiveMaximum", true, s.ExclusiveMax.IsTrue())
	if s.MultipleOf != nil {
		out["multipleOf"] = *s.MultipleOf
	}
	set("minLength", s.MinLength, s.MinLength > 0)
	if s.MaxLength != nil {
		out["maxLength"] = *s.MaxLength
	}
	set("pattern", s.Pattern, s.Pattern != "")
	set("minItems", s.MinItems, s.MinItems > 0)
	if s.MaxItems != nil {
		out["maxItems"] = *s.MaxItems
	}
	set("uniqueItems", true, s.UniqueItems)
	set("required", s.Required, len(s.Required) > 0)
	set("minProperties", s.MinProps, s.MinProps > 0)
	if s.MaxProps != nil {
		out["maxProperties"] = *s.MaxProps
	}
	if s.Items != nil {
		items, err := draft4(s.Items, visiting)
		if err != nil {
			return nil, err
		}
		out["items"] = items
	}
	if len(s.Properties) > 0 {
		props := map[string]any{}
		for k, p := range s.Properties {
			ps, err := draft4(p, visiting)
			if err != nil {
				return nil, err
			}
			props[k] = ps
		}
		out["properties"] = props
	}
	switch ap := s.AdditionalProperties; {
	case ap.Has != nil:
		out["additionalProperties"] = *ap.Has
	case ap.Schema != nil:
		as, err := draft4(ap.Schema, visiting)
		if err != nil {
			return nil, err
		}
		out["additionalProperties"] = as
	}
	for k, list := range map[string]openapi3.SchemaRefs{"allOf": s.AllOf, "anyOf": s.AnyOf, "oneOf": s.OneOf} {
		if len(list) == 0 {
			continue
		}
		all := make([]any, 0, len(list))
		for _, x := range list {
			xs, err := draft4(x, visiting)
			if err != nil {
				return nil, err
			}
			all = append(all, xs)
		}
		out[k] = all
	}
	if s.Not != nil {
		ns, err := draft4(s.Not, visiting)
		if err != nil {
			return nil, err
		}
		out["not"] = ns
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
