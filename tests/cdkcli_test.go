package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestCDKCLISynthesizesTheSameApp runs the project's AWS CDK CLI
// (node_modules/.bin/cdk, installed by scripts/setup) through cdk.json, as
// `npx aws-cdk synth` does, and checks that it writes every reference stack
// with the same resources as the in-process synthesis of this package. The
// templates themselves differ: the CLI always passes a default region
// (CDK_DEFAULT_REGION, us-east-1 when the machine has none), which app.go
// honours, while this package synthesizes environment-agnostic stacks.
func TestCDKCLISynthesizesTheSameApp(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cdk := filepath.Join(root, "node_modules", ".bin", "cdk")
	if _, err := os.Stat(cdk); err != nil {
		t.Fatalf("the AWS CDK CLI is not installed (%v): run scripts/setup, or make test", err)
	}
	out := t.TempDir()
	cmd := exec.Command(cdk, "synth", "--quiet", "--no-notices", "--no-version-reporting", "--no-path-metadata", "--no-asset-metadata", "--output", out)
	cmd.Dir = root
	// Nothing from the machine's AWS configuration: no credentials are looked up.
	cmd.Env = []string{"CDK_DISABLE_CLI_TELEMETRY=true", "AWS_EC2_METADATA_DISABLED=true"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "CDK_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cdk synth: %v\n%s", err, b)
	}
	for name, want := range templates(t) {
		b, err := os.ReadFile(filepath.Join(out, name+".template.json"))
		if err != nil {
			t.Errorf("cdk synth wrote no template for %s: %v", name, err)
			continue
		}
		var got map[string]any
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if g, w := resourceTypes(got), resourceTypes(want); g != w {
			t.Errorf("%s: the CDK CLI's resources differ from the in-process synthesis:\n%s", name, firstDiff(w, g))
		}
	}
}

// contentHash is the suffix some logical IDs carry after the construct
// path's hash: a hash of the resource's content (an API Gateway deployment,
// an instance whose user data causes replacement), which the region changes.
var contentHash = regexp.MustCompile(`([0-9A-F]{8})[0-9a-f]{16,}$`)

// resourceTypes lists a template's resources as "LogicalId Type" lines,
// sorted, without content hashes.
func resourceTypes(tpl map[string]any) string {
	var lines []string
	for id, r := range resources(tpl) {
		if r["Type"] != "AWS::CDK::Metadata" {
			lines = append(lines, fmt.Sprintf("%s %v", contentHash.ReplaceAllString(id, "$1"), r["Type"]))
		}
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}
