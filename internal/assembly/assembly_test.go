package assembly

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestLoadAssembly(t *testing.T) {
	a, err := Load("testdata/app")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range a.Stacks {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "App,Prod/App" {
		t.Fatalf("stacks %s, want App,Prod/App (the stage's stack from assembly-Prod)", got)
	}
	prod := a.Stack("Prod/App")
	if prod.ArtifactID != "ProdApp" || prod.StackName != "Prod-App" || filepath.Base(prod.TemplateFile) != "ProdApp.template.json" {
		t.Errorf("Prod/App = %+v", prod)
	}
	tbl := prod.Template.Resources["Table"]
	if tbl == nil || tbl.Type != "AWS::DynamoDB::Table" || tbl.DeletionPolicy != "Delete" || tbl.CDKPath() != "App/Table/Resource" {
		t.Errorf("Table = %+v", tbl)
	}
	if prod.TemplateSize == 0 || a.IsTemplateFile() {
		t.Errorf("size %d, template file %v", prod.TemplateSize, a.IsTemplateFile())
	}
}

func TestLoadTemplateFile(t *testing.T) {
	a, err := Load("testdata/app/App.template.json")
	if err != nil {
		t.Fatal(err)
	}
	if !a.IsTemplateFile() || len(a.Stacks) != 1 || a.Stacks[0].Name != "App" || len(a.Stacks[0].Template.Resources) != 8 {
		t.Errorf("got %+v", a.Stacks[0])
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		path, want string
	}{
		{"testdata/missing", "no such file or directory"},
		{"testdata", "not a cloud assembly (no manifest.json)"},
		{"testdata/badtag.yaml", "unknown tag !Bogus"},
		{"testdata/noresources.json", "no Resources section"},
		{"testdata/app/manifest.json", "no Resources section"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			_, err := Load(tt.path)
			var ie *InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("Load(%q) = %v, want an *InputError naming the path and saying %q", tt.path, err, tt.want)
			}
		})
	}
}

// TestPathsFromManifestMetadata covers a synthesis without aws:cdk:path
// metadata in the template: the paths come from the manifest's and the
// additional metadata file's aws:cdk:logicalId entries.
func TestPathsFromManifestMetadata(t *testing.T) {
	a, err := Load("testdata/pathmeta")
	if err != nil {
		t.Fatal(err)
	}
	s := a.Stack("Api")
	if !s.TerminationProtection {
		t.Error("TerminationProtection = false, want true")
	}
	for id, want := range map[string]string{
		"Queue4A7E3555": "Api/Queue/Resource",        // manifest metadata
		"TableCD117FA1": "Api/Table/Resource",        // Api.metadata.json
		"Tagged":        "Api/FromTemplate/Resource", // the template's own metadata wins
	} {
		if got := s.Template.Resources[id].CDKPath(); got != want {
			t.Errorf("%s: path %q, want %q", id, got, want)
		}
	}
}

// TestYAMLTemplate reads a YAML template written with CloudFormation's
// short-form intrinsics and compares it with the same template in JSON.
func TestYAMLTemplate(t *testing.T) {
	y, err := Load("testdata/yaml/short.template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	j, err := Load("testdata/yaml/short.template.json")
	if err != nil {
		t.Fatal(err)
	}
	if y.Stacks[0].Name != "short" {
		t.Errorf("stack name %q, want short", y.Stacks[0].Name)
	}
	yt, jt := y.Stacks[0].Template, j.Stacks[0].Template
	if jt.Transform != "AWS::Serverless-2016-10-31" || jt.FormatVersion != "2010-09-09" || len(jt.Rules) != 1 {
		t.Fatalf("JSON template sections: transform %v, version %q, rules %v", jt.Transform, jt.FormatVersion, jt.Rules)
	}
	for _, sec := range []struct {
		name      string
		got, want any
	}{
		{"Transform", yt.Transform, jt.Transform},
		{"AWSTemplateFormatVersion", yt.FormatVersion, jt.FormatVersion},
		{"Description", yt.Description, jt.Description},
		{"Parameters", yt.Parameters, jt.Parameters},
		{"Conditions", yt.Conditions, jt.Conditions},
		{"Rules", yt.Rules, jt.Rules},
		{"Outputs", yt.Outputs, jt.Outputs},
	} {
		if !reflect.DeepEqual(sec.got, sec.want) {
			g, _ := json.Marshal(sec.got)
			w, _ := json.Marshal(sec.want)
			t.Errorf("%s:\n yaml %s\n json %s", sec.name, g, w)
		}
	}
	for id, jr := range jt.Resources {
		yr := yt.Resources[id]
		if !reflect.DeepEqual(yr, jr) {
			g, _ := json.Marshal(yr)
			w, _ := json.Marshal(jr)
			t.Errorf("resource %s:\n yaml %s\n json %s", id, g, w)
		}
	}
	if len(yt.Resources) != len(jt.Resources) {
		t.Errorf("%d resources from YAML, %d from JSON", len(yt.Resources), len(jt.Resources))
	}
	q, err := Load("testdata/queue.yaml")
	if err != nil || q.Stacks[0].Name != "queue" || q.Stacks[0].Template.Resources["Q"].Type != "AWS::SQS::Queue" {
		t.Errorf("queue.yaml: %v %+v", err, q)
	}
}

// TestByteOrderMark reads a JSON template that starts with a UTF-8 BOM.
func TestByteOrderMark(t *testing.T) {
	a, err := Load("testdata/bom.template.json")
	if err != nil {
		t.Fatal(err)
	}
	if a.Stacks[0].Template.Resources["Q"] == nil {
		t.Errorf("no resource Q: %+v", a.Stacks[0].Template)
	}
}
