package stackreport

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gureum-cdk/gureum/internal/assembly"
)

var update = flag.Bool("update", false, "rewrite golden files")

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
		t.Errorf("%s differs (run go test -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func build(t *testing.T, dir string) *Report {
	t.Helper()
	a, err := assembly.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Build(a)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGolden(t *testing.T) {
	r := build(t, "testdata/app")
	for _, f := range []struct {
		name  string
		write func(*bytes.Buffer) error
	}{
		{"report.txt", func(b *bytes.Buffer) error { return WriteText(b, r) }},
		{"report.md", func(b *bytes.Buffer) error { return WriteMarkdown(b, r) }},
		{"report.json", func(b *bytes.Buffer) error { return WriteJSON(b, r) }},
	} {
		t.Run(f.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := f.write(&b); err != nil {
				t.Fatal(err)
			}
			checkGolden(t, filepath.Join("testdata", f.name), b.Bytes())
		})
	}
}

func TestNagCounts(t *testing.T) {
	r := build(t, "testdata/app")
	got := map[string]string{}
	for _, st := range r.Stacks {
		var parts []string
		for _, c := range st.Nag {
			parts = append(parts, fmt.Sprintf("%s:%d/%d/%d", c.Level, c.NonCompliant, c.Suppressed, c.Unknown))
		}
		got[st.Name] = strings.Join(parts, " ")
	}
	want := map[string]string{
		"App":      "Error:2/1/0 Warning:0/0/1",
		"Prod/App": "Error:1/1/0 Warning:0/1/0",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: nag counts %q, want %q", name, got[name], w)
		}
	}
}

// writeTemplate writes a template of n queues, padded to at least size bytes.
func writeTemplate(t *testing.T, n, size int) string {
	t.Helper()
	res := map[string]any{}
	for i := 0; i < n; i++ {
		res[fmt.Sprintf("Queue%d", i)] = map[string]any{"Type": "AWS::SQS::Queue"}
	}
	tmpl := map[string]any{"Resources": res}
	b, _ := json.Marshal(tmpl)
	if len(b) < size {
		tmpl["Description"] = strings.Repeat("x", size-len(b))
		b, _ = json.Marshal(tmpl)
	}
	p := filepath.Join(t.TempDir(), "Big.template.json")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name      string
		n, size   int
		resources string
		bytes     string
		direct    string
		exceeded  bool
	}{
		{"small", 3, 0, "ok", "ok", "info", false},
		{"near", 420, 0, "warn", "ok", "info", false},
		{"over", 501, 0, "over", "ok", "info", true},
		{"huge", 1, 1_100_000, "ok", "over", "info: over", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := build(t, writeTemplate(t, tt.n, tt.size))
			m := r.Stacks[0].Measures
			if m[0].Status != tt.resources || m[1].Status != tt.bytes || m[2].Status != tt.direct {
				t.Errorf("statuses resources=%q bytes=%q direct=%q, want %q %q %q", m[0].Status, m[1].Status, m[2].Status, tt.resources, tt.bytes, tt.direct)
			}
			if m[0].Value != int64(tt.n) {
				t.Errorf("resources = %d, want %d", m[0].Value, tt.n)
			}
			if r.Exceeded() != tt.exceeded {
				t.Errorf("Exceeded() = %v, want %v", r.Exceeded(), tt.exceeded)
			}
		})
	}
}

func TestBadNagReport(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"manifest.json", "App.template.json"} {
		b, err := os.ReadFile(filepath.Join("testdata/app", f))
		if err != nil {
			t.Fatal(err)
		}
		if f == "manifest.json" {
			b = []byte(`{"version":"48.0.0","artifacts":{"App":{"type":"aws:cloudformation:stack","properties":{"templateFile":"App.template.json"},"displayName":"App"}}}`)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "AwsSolutions--App-NagReport.csv"), []byte("a,b\n1,2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := assembly.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(a); err == nil || !strings.Contains(err.Error(), "not a cdk-nag CSV report") {
		t.Errorf("Build error = %v, want one saying the CSV is not a cdk-nag report", err)
	}
}

// TestRealNagReport reads the assembly of a real synthesis (GureumCrawler,
// cdk-nag AwsSolutions with Verbose and Reports on): its CSV has 19
// Compliant and 3 Suppressed rows, all of rule level Error, and the report
// counts each row under its own compliance.
func TestRealNagReport(t *testing.T) {
	r := build(t, "testdata/crawler")
	if len(r.Stacks) != 1 || r.Stacks[0].Name != "GureumCrawler" {
		t.Fatalf("stacks = %+v, want GureumCrawler", r.Stacks)
	}
	want := []NagCount{{Level: "Error", Compliant: 19, NonCompliant: 0, Suppressed: 3, Unknown: 0}}
	if got := r.Stacks[0].Nag; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("nag counts %+v, want %+v", got, want)
	}
	var b bytes.Buffer
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	if line := "Error    19 compliant, 0 non-compliant, 3 suppressed, 0 unknown"; !strings.Contains(b.String(), line) {
		t.Errorf("text report lacks %q:\n%s", line, b.String())
	}
	var js struct {
		Stacks []struct {
			Nag []map[string]any `json:"nag"`
		} `json:"stacks"`
	}
	b.Reset()
	if err := WriteJSON(&b, r); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b.Bytes(), &js); err != nil {
		t.Fatal(err)
	}
	if c := js.Stacks[0].Nag[0]; c["compliant"] != 19.0 || c["unknown"] != 0.0 {
		t.Errorf("JSON nag counts %v, want compliant 19 and unknown 0", c)
	}
}

func TestNotesFromConstructMetadata(t *testing.T) {
	dir := t.TempDir()
	manifest := `{"version":"36.0.0","artifacts":{"S":{"type":"aws:cloudformation:stack","properties":{"templateFile":"S.template.json"},
"metadata":{"/S/Cluster":[{"type":"gureum:cost","data":{"summary":"up to 3.20 USD/hour","dates":"On-Demand prices: 2025-01"}},{"type":"aws:cdk:warning","data":"not a note"}],
"/S/Cluster/Thing":[{"type":"aws:cdk:logicalId","data":"Thing"}]}}}}`
	for name, body := range map[string]string{"manifest.json": manifest, "S.template.json": `{"Resources":{"Thing":{"Type":"AWS::SNS::Topic"}}}`} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := build(t, dir)
	var text, md bytes.Buffer
	if err := WriteText(&text, r); err != nil {
		t.Fatal(err)
	}
	if err := WriteMarkdown(&md, r); err != nil {
		t.Fatal(err)
	}
	want := "S/Cluster gureum:cost: dates: On-Demand prices: 2025-01; summary: up to 3.20 USD/hour"
	if !strings.Contains(text.String(), "  notes:\n    "+want+"\n") || !strings.Contains(md.String(), "| S/Cluster | gureum:cost: dates: On-Demand prices: 2025-01; summary: up to 3.20 USD/hour |") {
		t.Errorf("text:\n%s\nmarkdown:\n%s", text.String(), md.String())
	}
	if strings.Contains(text.String(), "not a note") || len(r.Stacks[0].Notes) != 1 {
		t.Errorf("notes = %+v: want only gureum: entries", r.Stacks[0].Notes)
	}
}
