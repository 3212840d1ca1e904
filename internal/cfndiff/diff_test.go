package cfndiff

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gureum-cdk/gureum/internal/assembly"
)

var update = flag.Bool("update", false, "rewrite golden files")

// loadCase reads testdata/cases/<name>/old and new and compares them with the
// default gates.
func loadCase(t *testing.T, dir string) *Result {
	t.Helper()
	old, err := assembly.Load(filepath.Join(dir, "old"))
	if err != nil {
		t.Fatal(err)
	}
	new, err := assembly.Load(filepath.Join(dir, "new"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := Compare(old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	res.Gate(DefaultFailOn)
	return res
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (run go test -update to accept it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestGolden renders every case directory under testdata/cases in the three
// formats and compares with the golden files beside old/ and new/.
func TestGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/cases/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases under testdata/cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			res := loadCase(t, dir)
			var txt, md, js bytes.Buffer
			if err := WriteText(&txt, res, false); err != nil {
				t.Fatal(err)
			}
			if err := WriteMarkdown(&md, res); err != nil {
				t.Fatal(err)
			}
			if err := WriteJSON(&js, res); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join(dir, "want.txt"), txt.Bytes())
			checkGolden(t, filepath.Join(dir, "want.md"), md.Bytes())
			checkGolden(t, filepath.Join(dir, "want.json"), js.Bytes())
		})
	}
}

func TestCases(t *testing.T) {
	tests := []struct {
		name     string
		exit     int
		impacts  map[string]Impact // logical ID -> impact of its change
		kinds    []string          // finding kinds that must appear
		noKinds  []string          // finding kinds that must not appear
		noFinds  bool              // no finding at all
		noChange []string          // logical IDs that must not be reported
	}{
		{name: "identical", exit: 0, noFinds: true},
		{name: "lambda-memory", exit: 1, impacts: map[string]Impact{"Handler": Update}, noFinds: true, noChange: []string{"CDKMetadata"}},
		{name: "table-rename", exit: 2, impacts: map[string]Impact{"Table": Destroy, "TableV2": Add, "Handler": Update}, kinds: []string{"stateful-destroy"}},
		{name: "iam-wildcard", exit: 2, impacts: map[string]Impact{"HandlerServiceRoleDefaultPolicy": Update}, kinds: []string{"iam-wildcard"}},
		{name: "table-keyschema", exit: 2, impacts: map[string]Impact{"Table": Replace}, kinds: []string{"stateful-replace"}, noKinds: []string{"iam-statement-added"}},
		{name: "bucket-rename", exit: 2, impacts: map[string]Impact{"Bucket": Replace}, kinds: []string{"stateful-replace"}},
		{name: "remove-retain", exit: 2, impacts: map[string]Impact{"Bucket": Update}, kinds: []string{"retention-removed"}},
		{name: "sg-open", exit: 2, impacts: map[string]Impact{"HandlerSecurityGroup": Update}, kinds: []string{"sg-ingress-open"}},
		{name: "protections-off", exit: 2, kinds: []string{"encryption-removed", "deletion-protection-removed", "s3-public-access-relaxed"}},
		{name: "stage-update", exit: 1, impacts: map[string]Impact{"Handler": Update}, noFinds: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := loadCase(t, filepath.Join("testdata/cases", tt.name))
			if res.ExitCode != tt.exit {
				t.Errorf("exit = %d, want %d", res.ExitCode, tt.exit)
			}
			got := map[string]Impact{}
			kinds := map[string]bool{}
			var nf int
			for _, st := range res.Stacks {
				for _, rc := range st.Resources {
					got[rc.LogicalID] = rc.Impact
				}
				for _, f := range st.Findings {
					kinds[f.Kind] = true
					nf++
				}
			}
			for id, want := range tt.impacts {
				if got[id] != want {
					t.Errorf("%s: impact %q, want %q", id, got[id], want)
				}
			}
			for _, id := range tt.noChange {
				if _, ok := got[id]; ok {
					t.Errorf("%s reported as changed (%s)", id, got[id])
				}
			}
			for _, k := range tt.kinds {
				if !kinds[k] {
					t.Errorf("no %s finding; got %v", k, kinds)
				}
			}
			for _, k := range tt.noKinds {
				if kinds[k] {
					t.Errorf("unexpected %s finding", k)
				}
			}
			if tt.noFinds && nf > 0 {
				t.Errorf("%d findings, want none: %v", nf, kinds)
			}
		})
	}
}

func TestGateCategories(t *testing.T) {
	tests := []struct {
		name, failOn string
		want         int
	}{
		{"bucket-rename", "stateful", 2},
		{"bucket-rename", "security", 1},
		{"bucket-rename", "none", 1},
		{"bucket-rename", "replace", 2},
		{"iam-wildcard", "stateful,protection", 1},
		{"iam-wildcard", "all", 2},
		{"table-rename", "destroy", 2},
		{"table-rename", "security", 2}, // the role's grant moves to the new table
		{"identical", "all", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+tt.failOn, func(t *testing.T) {
			res := loadCase(t, filepath.Join("testdata/cases", tt.name))
			fo, err := ParseFailOn(tt.failOn)
			if err != nil {
				t.Fatal(err)
			}
			// Gate again from a fresh comparison: Gate adds findings.
			res = loadCase(t, filepath.Join("testdata/cases", tt.name))
			if got := res.Gate(fo); got != tt.want {
				t.Errorf("Gate(%v) = %d, want %d", fo, got, tt.want)
			}
		})
	}
	if _, err := ParseFailOn("stateful,bogus"); err == nil || !strings.Contains(err.Error(), `"bogus"`) {
		t.Errorf("ParseFailOn(bogus) error = %v, want one naming the category", err)
	}
}

func TestStackMismatch(t *testing.T) {
	old, err := assembly.Load("testdata/cases/identical/old")
	if err != nil {
		t.Fatal(err)
	}
	stage, err := assembly.Load("testdata/cases/stage-update/new")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compare(old, stage, Options{})
	mis, ok := err.(*StackMismatchError)
	if !ok {
		t.Fatalf("Compare error = %v, want *StackMismatchError", err)
	}
	if strings.Join(mis.OnlyOld, ",") != "App" || strings.Join(mis.OnlyNew, ",") != "Prod/App" {
		t.Errorf("mismatch = %+v, want App only in old and Prod/App only in new", mis)
	}
	res, err := Compare(old, stage, Options{AllowStackChanges: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Gate(DefaultFailOn); got != ExitGated {
		t.Errorf("exit = %d, want 2 (the removed stack destroys a stateful table)", got)
	}
	status := map[string]string{}
	for _, st := range res.Stacks {
		status[st.Name] = st.Status
	}
	if status["App"] != Removed || status["Prod/App"] != Added {
		t.Errorf("stack status = %v", status)
	}
}

func TestMarkdownFitsAComment(t *testing.T) {
	big := func(resources, findings int) *Result {
		st := StackDiff{Name: "App", Status: Modified}
		for i := 0; i < resources; i++ {
			st.Resources = append(st.Resources, ResourceChange{LogicalID: fmt.Sprintf("Queue%d", i), Type: "AWS::SQS::Queue", Change: Modified, Impact: Update,
				Changes: []PropertyChange{{Path: "Properties.VisibilityTimeout", Old: 30, New: 60, Impact: Update}}})
		}
		for i := 0; i < findings; i++ {
			st.Findings = append(st.Findings, Finding{Category: CatSecurity, Kind: "iam-statement-added", Stack: "App", LogicalID: fmt.Sprintf("Policy%d", i), Message: strings.Repeat("x", 200)})
		}
		r := &Result{SchemaVersion: SchemaVersion, Stacks: []StackDiff{st}}
		r.Gate(DefaultFailOn)
		return r
	}
	tests := []struct {
		name                string
		resources, findings int
		details, allFinds   bool
	}{
		{"small", 10, 10, true, true},
		{"many resources", 2000, 10, false, true},
		{"many findings", 10, 2000, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteMarkdown(&b, big(tt.resources, tt.findings)); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if b.Len() > MaxMarkdownBytes {
				t.Errorf("%d bytes, over %d", b.Len(), MaxMarkdownBytes)
			}
			if got := strings.Contains(out, "<details>"); got != tt.details {
				t.Errorf("details present = %v, want %v", got, tt.details)
			}
			if got := !strings.Contains(out, "more findings left out"); got != tt.allFinds {
				t.Errorf("all findings listed = %v, want %v", got, tt.allFinds)
			}
		})
	}
}

func TestTemplateSections(t *testing.T) {
	const queue = `"Resources":{"Q":{"Type":"AWS::SQS::Queue"}}`
	tests := []struct {
		name, old, new string
		exit           int
		kinds          string
	}{
		{"output value", `{` + queue + `,"Outputs":{"Url":{"Value":{"Ref":"Q"}}}}`, `{` + queue + `,"Outputs":{"Url":{"Value":{"Fn::GetAtt":["Q","Arn"]}}}}`, 1, ""},
		{"export removed", `{` + queue + `,"Outputs":{"Url":{"Value":{"Ref":"Q"},"Export":{"Name":"QueueUrl"}}}}`, `{` + queue + `}`, 1, "export-removed"},
		{"export renamed", `{` + queue + `,"Outputs":{"Url":{"Value":{"Ref":"Q"},"Export":{"Name":"QueueUrl"}}}}`, `{` + queue + `,"Outputs":{"Url":{"Value":{"Ref":"Q"},"Export":{"Name":"Url"}}}}`, 1, "export-removed"},
		{"export added", `{` + queue + `}`, `{` + queue + `,"Outputs":{"Url":{"Value":{"Ref":"Q"},"Export":{"Name":"QueueUrl"}}}}`, 1, ""},
		{"parameter default", `{` + queue + `,"Parameters":{"P":{"Type":"String","Default":"a"}}}`, `{` + queue + `,"Parameters":{"P":{"Type":"String","Default":"b"}}}`, 1, ""},
		{"same", `{` + queue + `,"Parameters":{"P":{"Type":"String"}}}`, `{` + queue + `,"Parameters":{"P":{"Type":"String"}}}`, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stack := func(js string) *assembly.Assembly {
				tmpl, err := assembly.ParseTemplate([]byte(js))
				if err != nil {
					t.Fatal(err)
				}
				return &assembly.Assembly{Dir: "x", Stacks: []*assembly.Stack{{Name: "S", Template: tmpl}}}
			}
			res, err := Compare(stack(tt.old), stack(tt.new), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Gate(DefaultFailOn); got != tt.exit {
				t.Errorf("exit %d, want %d", got, tt.exit)
			}
			var kinds []string
			for _, f := range res.Stacks[0].Findings {
				kinds = append(kinds, f.Kind)
			}
			if strings.Join(kinds, ",") != tt.kinds {
				t.Errorf("findings %v, want %q", kinds, tt.kinds)
			}
			if fo, _ := ParseFailOn("exports"); tt.kinds != "" && res.Gate(fo) != ExitGated {
				t.Error("--fail-on=exports does not gate the removed export")
			}
		})
	}
}
