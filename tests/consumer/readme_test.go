package consumer

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestReadmeQuickstart builds the app of the README's "Using a construct in
// your own app" as a new user does: its main.go in a module of its own
// (gureum replaced by this checkout), then the README's cdk.json commands
// run as written, the CDK CLI (the project's, for npx aws-cdk@2) included.
// The synthesis must succeed with cdk-nag's AwsSolutions checks on, and
// cdk.json must carry the feature flags of gureum's own cdk.json.
func TestReadmeQuickstart(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	block := func(marker, lang string) string {
		m := regexp.MustCompile("(?s)<!-- quickstart:" + regexp.QuoteMeta(marker) + " -->\n```" + lang + "\n(.*?)```").FindSubmatch(readme)
		if m == nil {
			t.Fatalf("README.md has no ```%s block after <!-- quickstart:%s -->", lang, marker)
		}
		return string(m[1])
	}
	mainGo, commands := block("main.go", "go"), block("cdk.json", "sh")

	dir := t.TempDir()
	// The module the README's `go mod init` and `go get` make, with gureum
	// replaced by this checkout and the versions this module already
	// resolved (so the test needs no network for them).
	mod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	gomod := regexp.MustCompile(`(?m)^module .*$`).ReplaceAllString(string(mod), "module example.com/polls")
	gomod = strings.ReplaceAll(gomod, "=> ../..", "=> "+root)
	sum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": []byte(mainGo)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		t.Fatalf("the CDK CLI is not installed in the project (run ./scripts/setup): %v", err)
	}
	script := strings.ReplaceAll(commands, "npx aws-cdk@2 ", cdk+" ")
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CDK_DISABLE_VERSION_CHECK=1", "CDK_DISABLE_CLI_TELEMETRY=true")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the README's cdk.json commands failed: %v\n%s", err, out)
	}

	var got, ours struct {
		App     string         `json:"app"`
		Context map[string]any `json:"context"`
	}
	readJSON(t, filepath.Join(dir, "cdk.json"), &got)
	readJSON(t, filepath.Join(root, "cdk.json"), &ours)
	if got.App != "go run ." {
		t.Errorf("cdk.json app = %q, want go run .", got.App)
	}
	if len(got.Context) == 0 || len(got.Context) != len(ours.Context) {
		t.Errorf("cdk.json has %d context entries, gureum's cdk.json %d", len(got.Context), len(ours.Context))
	}
	for k, v := range ours.Context {
		if g, ok := got.Context[k]; !ok || jsonText(g) != jsonText(v) {
			t.Errorf("cdk.json context %s = %v, gureum's is %v", k, g, v)
		}
	}

	var tmpl struct {
		Resources map[string]struct {
			Type string `json:"Type"`
		} `json:"Resources"`
	}
	readJSON(t, filepath.Join(dir, "cdk.out", "Polls.template.json"), &tmpl)
	types := map[string]int{}
	for _, r := range tmpl.Resources {
		types[r.Type]++
	}
	for typ, want := range map[string]int{"AWS::ApiGateway::RestApi": 1, "AWS::DynamoDB::GlobalTable": 1, "AWS::WAFv2::WebACL": 1} {
		if types[typ] != want {
			t.Errorf("Polls has %d %s, want %d", types[typ], typ, want)
		}
	}
	if types["AWS::Lambda::Function"] < 2 {
		t.Errorf("Polls has %d Lambda functions, want the two routes' at least", types["AWS::Lambda::Function"])
	}

	reports, _ := filepath.Glob(filepath.Join(dir, "cdk.out", "AwsSolutions-*Polls-NagReport.csv"))
	if len(reports) != 1 {
		t.Fatalf("cdk-nag wrote %d AwsSolutions reports for Polls, want 1", len(reports))
	}
	f, err := os.Open(reports[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	compliant := 0
	for _, r := range rows[1:] {
		switch r[2] {
		case "Non-Compliant":
			t.Errorf("cdk-nag: %s on %s is not suppressed", r[0], r[1])
		case "Compliant":
			compliant++
		}
	}
	if compliant == 0 {
		t.Error("cdk-nag's report has no compliant row: did the checks run?")
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
