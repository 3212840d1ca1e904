package assembly

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Assembly is a set of stacks read from a cloud assembly or a template file.
type Assembly struct {
	// Dir is the root directory of a cloud assembly; empty when the input was
	// a single template file.
	Dir string
	// Stacks holds every stack, nested stage assemblies included, sorted by Name.
	Stacks []*Stack
}

// Stack is one CloudFormation stack of an assembly.
type Stack struct {
	// Name identifies the stack across assemblies: its construct path
	// ("Api", or "Prod/Api" for a stack of stage Prod). For a template file it
	// is the file name without ".template.json", ".json", ".template.yaml",
	// ".yaml", ".yml" and the like.
	Name string
	// ArtifactID is the manifest's artifact ID (empty for a template file).
	ArtifactID string
	// StackName is the CloudFormation stack name, when the manifest gives one.
	StackName string
	// TemplateFile is the path of the template.
	TemplateFile string
	// TemplateSize is the template's size in bytes as written by the synthesizer.
	TemplateSize int64
	// TerminationProtection reports the manifest's stack termination protection.
	TerminationProtection bool
	// Template is the parsed template.
	Template *Template
	// Notes are the construct metadata entries of the stack whose type
	// starts with NotePrefix (an HPCCluster's cost estimate and price
	// dates, say), sorted by path, then type.
	Notes []Note
}

// NotePrefix starts the construct metadata types gureum's constructs record
// for reports.
const NotePrefix = "gureum:"

// Note is one construct metadata entry of type NotePrefix...
type Note struct {
	// Path is the construct's path, without the leading "/".
	Path string `json:"path"`
	Type string `json:"type"`
	Data any    `json:"data"`
}

// Template is a parsed CloudFormation template. Values are decoded as
// encoding/json does with UseNumber: map[string]any, []any, string,
// json.Number, bool and nil.
type Template struct {
	// FormatVersion is AWSTemplateFormatVersion.
	FormatVersion string
	Description   string
	// Transform is the Transform section: a macro name or a list of them.
	Transform  any
	Metadata   map[string]any
	Rules      map[string]any
	Parameters map[string]any
	Mappings   map[string]any
	Conditions map[string]any
	Resources  map[string]*Resource
	Outputs    map[string]any
}

// Resource is one entry of a template's Resources section.
type Resource struct {
	Type                string
	Properties          map[string]any
	DeletionPolicy      string
	UpdateReplacePolicy string
	Metadata            map[string]any
	DependsOn           any
	Condition           string
	UpdatePolicy        any
	CreationPolicy      any
	// Path is the construct path of the resource ("Api/Table/Resource"): the
	// aws:cdk:path metadata, or when a synthesis leaves that out, the
	// assembly's aws:cdk:logicalId metadata. Empty when neither says.
	Path string
}

// CDKPath returns the resource's construct path, or "".
func (r *Resource) CDKPath() string { return r.Path }

// InputError reports input that is missing or is not what gureum reads.
type InputError struct {
	Path string
	Err  error
}

func (e *InputError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }

func inputErr(path string, format string, args ...any) error {
	return &InputError{Path: path, Err: fmt.Errorf(format, args...)}
}

// Load reads a cloud assembly directory or a template file.
func Load(path string) (*Assembly, error) {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, inputErr(path, "no such file or directory")
		}
		return nil, &InputError{Path: path, Err: err}
	}
	if !fi.IsDir() {
		s, err := loadTemplateStack(path)
		if err != nil {
			return nil, err
		}
		return &Assembly{Stacks: []*Stack{s}}, nil
	}
	a := &Assembly{Dir: path}
	if err := a.loadDir(path, map[string]bool{}); err != nil {
		return nil, err
	}
	sort.Slice(a.Stacks, func(i, j int) bool { return a.Stacks[i].Name < a.Stacks[j].Name })
	for i := 1; i < len(a.Stacks); i++ {
		if a.Stacks[i].Name == a.Stacks[i-1].Name {
			return nil, inputErr(path, "two stacks named %q", a.Stacks[i].Name)
		}
	}
	return a, nil
}

// IsTemplateFile reports whether the assembly was read from a single template file.
func (a *Assembly) IsTemplateFile() bool { return a.Dir == "" }

// Stack returns the stack named name, or nil.
func (a *Assembly) Stack(name string) *Stack {
	for _, s := range a.Stacks {
		if s.Name == name {
			return s
		}
	}
	return nil
}

type manifest struct {
	Artifacts map[string]struct {
		Type                   string                     `json:"type"`
		DisplayName            string                     `json:"displayName"`
		Metadata               map[string][]metadataEntry `json:"metadata"`
		AdditionalMetadataFile string                     `json:"additionalMetadataFile"`
		Properties             struct {
			TemplateFile          string `json:"templateFile"`
			StackName             string `json:"stackName"`
			TerminationProtection bool   `json:"terminationProtection"`
			DirectoryName         string `json:"directoryName"`
			DisplayName           string `json:"displayName"`
		} `json:"properties"`
	} `json:"artifacts"`
}

func (a *Assembly) loadDir(dir string, seen map[string]bool) error {
	mpath := filepath.Join(dir, "manifest.json")
	b, err := os.ReadFile(mpath)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return inputErr(dir, "not a cloud assembly (no manifest.json); pass the cdk.out directory or a template file")
		}
		return &InputError{Path: mpath, Err: err}
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return inputErr(mpath, "not a cloud assembly manifest: %v", err)
	}
	if m.Artifacts == nil {
		return inputErr(mpath, "not a cloud assembly manifest: no artifacts")
	}
	ids := make([]string, 0, len(m.Artifacts))
	for id := range m.Artifacts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		art := m.Artifacts[id]
		switch art.Type {
		case "aws:cloudformation:stack":
			if art.Properties.TemplateFile == "" {
				return inputErr(mpath, "stack artifact %q has no templateFile", id)
			}
			tf := filepath.Join(dir, art.Properties.TemplateFile)
			s, err := loadTemplateStack(tf)
			if err != nil {
				return err
			}
			s.ArtifactID = id
			s.Name = art.DisplayName
			if s.Name == "" {
				s.Name = id
			}
			s.StackName = art.Properties.StackName
			md := art.Metadata
			if art.AdditionalMetadataFile != "" {
				if md, err = readMetadataFile(filepath.Join(dir, art.AdditionalMetadataFile), md); err != nil {
					return err
				}
			}
			s.Template.setPaths(md)
			s.Notes = notes(md)
			s.TerminationProtection = art.Properties.TerminationProtection
			a.Stacks = append(a.Stacks, s)
		case "cdk:cloud-assembly":
			sub := art.Properties.DirectoryName
			if sub == "" {
				return inputErr(mpath, "nested assembly artifact %q has no directoryName", id)
			}
			subdir := filepath.Join(dir, sub)
			if seen[subdir] {
				continue
			}
			seen[subdir] = true
			if err := a.loadDir(subdir, seen); err != nil {
				return err
			}
		}
	}
	return nil
}

func loadTemplateStack(path string) (*Stack, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, inputErr(path, "no such file")
		}
		return nil, &InputError{Path: path, Err: err}
	}
	t, err := ParseTemplate(b)
	if err != nil {
		return nil, &InputError{Path: path, Err: err}
	}
	name := filepath.Base(path)
	for _, suf := range []string{".template.json", ".json", ".template.yaml", ".template.yml", ".yaml", ".yml", ".template"} {
		if strings.HasSuffix(name, suf) {
			name = strings.TrimSuffix(name, suf)
			break
		}
	}
	return &Stack{Name: name, TemplateFile: path, TemplateSize: int64(len(b)), Template: t}, nil
}

// utf8BOM is the byte order mark some editors write at the start of a file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// ParseTemplate parses a CloudFormation template in JSON or YAML (with the
// short-form intrinsics: !Ref, !GetAtt, !Sub, ...), with or without a UTF-8
// byte order mark. It fails when b is not an object with a Resources section.
func ParseTemplate(b []byte) (*Template, error) {
	b = bytes.TrimPrefix(b, utf8BOM)
	var raw map[string]any
	if trimmed := bytes.TrimSpace(b); len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("not a CloudFormation template: %v", err)
		}
	} else {
		var err error
		if raw, err = parseYAML(b); err != nil {
			return nil, err
		}
	}
	res, ok := raw["Resources"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a CloudFormation template: no Resources section")
	}
	t := &Template{
		Transform:  raw["Transform"],
		Metadata:   asMap(raw["Metadata"]),
		Rules:      asMap(raw["Rules"]),
		Parameters: asMap(raw["Parameters"]),
		Mappings:   asMap(raw["Mappings"]),
		Conditions: asMap(raw["Conditions"]),
		Outputs:    asMap(raw["Outputs"]),
		Resources:  make(map[string]*Resource, len(res)),
	}
	t.Description, _ = raw["Description"].(string)
	t.FormatVersion, _ = raw["AWSTemplateFormatVersion"].(string)
	for id, v := range res {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("resource %q: not an object", id)
		}
		r := &Resource{
			Properties:     asMap(m["Properties"]),
			Metadata:       asMap(m["Metadata"]),
			DependsOn:      m["DependsOn"],
			UpdatePolicy:   m["UpdatePolicy"],
			CreationPolicy: m["CreationPolicy"],
		}
		r.Type, _ = m["Type"].(string)
		if r.Type == "" {
			return nil, fmt.Errorf("resource %q: no Type", id)
		}
		r.DeletionPolicy, _ = m["DeletionPolicy"].(string)
		r.UpdateReplacePolicy, _ = m["UpdateReplacePolicy"].(string)
		r.Condition, _ = m["Condition"].(string)
		r.Path, _ = r.Metadata["aws:cdk:path"].(string)
		t.Resources[id] = r
	}
	return t, nil
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

type metadataEntry struct {
	Type string `json:"type"`
	Data any    `json:"data"`
}

func readMetadataFile(path string, into map[string][]metadataEntry) (map[string][]metadataEntry, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &InputError{Path: path, Err: err}
	}
	var md map[string][]metadataEntry
	if err := json.Unmarshal(b, &md); err != nil {
		return nil, inputErr(path, "not a stack metadata file: %v", err)
	}
	if into == nil {
		return md, nil
	}
	for k, v := range md {
		into[k] = append(into[k], v...)
	}
	return into, nil
}

// setPaths fills the construct path of resources that lack aws:cdk:path
// metadata from the assembly's "/path": [{"type": "aws:cdk:logicalId"}] entries.
func (t *Template) setPaths(md map[string][]metadataEntry) {
	for path, entries := range md {
		for _, e := range entries {
			id, ok := e.Data.(string)
			if e.Type != "aws:cdk:logicalId" || !ok {
				continue
			}
			if r := t.Resources[id]; r != nil && r.Path == "" {
				r.Path = strings.TrimPrefix(path, "/")
			}
		}
	}
}

// notes collects the entries of md whose type starts with NotePrefix.
func notes(md map[string][]metadataEntry) []Note {
	var out []Note
	for path, entries := range md {
		for _, e := range entries {
			if strings.HasPrefix(e.Type, NotePrefix) {
				out = append(out, Note{Path: strings.TrimPrefix(path, "/"), Type: e.Type, Data: e.Data})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		return out[i].Type < out[j].Type
	})
	return out
}
