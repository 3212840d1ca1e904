package assembly

import (
	"errors"
	"path/filepath"
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
		{"testdata/queue.yaml", "YAML templates are not supported"},
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
