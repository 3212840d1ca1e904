package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestCDKCLISynthesizesTheSameApp runs the project's AWS CDK CLI
// (node_modules/.bin/cdk, installed by scripts/setup) through cdk.json, as
// `npx aws-cdk synth GureumVoting > t.yaml` does, and checks:
//
//   - standard output is the GureumVoting template and nothing else: YAML
//     that decodes to the template the CLI wrote into the assembly, but for
//     the bootstrap version check the CLI never prints (the app writes its
//     summary table to standard error);
//   - the summary table on standard error counts, per stack, the cdk-nag and
//     the CDK's own warnings and errors the assembly's metadata holds;
//   - no jsii Node.js version banner, although the environment given to the
//     CLI has none of the JSII_SILENCE_* variables (the app sets them for its
//     jsii runtime), and no "feature flags are not configured" (cdk.json
//     has them);
//   - every reference stack has the same resources as the in-process
//     synthesis of this package. The templates themselves differ: the CLI
//     always passes a default region (CDK_DEFAULT_REGION, us-east-1 when the
//     machine has none), which app.go honours, while this package
//     synthesizes environment-agnostic stacks.
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
	// --no-validation (CDK_VALIDATION=false for the app): this package's own
	// synthesis runs aws-cdk-lib's template validation on the same stacks;
	// a second run of it here would only cost time.
	cmd := exec.Command(cdk, "synth", "GureumVoting", "--no-notices", "--no-version-reporting", "--no-path-metadata", "--no-asset-metadata", "--no-validation", "--output", out)
	cmd.Dir = root
	// Nothing from the machine's AWS configuration: no credentials are looked up.
	cmd.Env = []string{"CDK_DISABLE_CLI_TELEMETRY=true", "AWS_EC2_METADATA_DISABLED=true"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "AWS_") && !strings.HasPrefix(kv, "CDK_") && !strings.HasPrefix(kv, "JSII_SILENCE_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("cdk synth GureumVoting: %v\n%s", err, stderr.Bytes())
	}

	// Standard output: the template, as YAML.
	var fromYAML any
	if err := yaml.Unmarshal(stdout.Bytes(), &fromYAML); err != nil {
		t.Errorf("standard output of cdk synth GureumVoting is not YAML: %v\n%.600s", err, stdout.Bytes())
	}
	b, err := json.Marshal(fromYAML)
	if err != nil {
		t.Fatalf("standard output of cdk synth GureumVoting: %v\n%.600s", err, stdout.Bytes())
	}
	var printed, written map[string]any
	json.Unmarshal(b, &printed)
	readJSON(t, filepath.Join(out, "GureumVoting.template.json"), &written)
	// The CLI prints the template without the bootstrap version check.
	if rules, ok := written["Rules"].(map[string]any); ok {
		delete(rules, "CheckBootstrapVersion")
		if len(rules) == 0 {
			delete(written, "Rules")
		}
	}
	if !reflect.DeepEqual(printed, written) {
		t.Errorf("standard output of cdk synth GureumVoting is not the template it wrote; it begins:\n%.600s", stdout.Bytes())
	}

	// Standard error: the app's table, and no banner.
	for _, banner := range []string{"end-of-life", "JSII_SILENCE_WARNING", "feature flags are not configured"} {
		if strings.Contains(stderr.String(), banner) {
			t.Errorf("standard error says %q:\n%s", banner, stderr.Bytes())
		}
	}
	table := summaryTable(stderr.String())
	for name, want := range annotationCounts(t, out) {
		if got, ok := table[name]; !ok {
			t.Errorf("the app's summary table on standard error has no line for %s:\n%s", name, stderr.Bytes())
		} else if got != want {
			t.Errorf("%s: the summary table counts %v, the assembly's metadata holds %v", name, got, want)
		}
		// The CDK's own warnings are fixed, not left in every synthesis's
		// output (the README's table shows none).
		if want.CDKErrors+want.CDKWarnings > 0 {
			t.Errorf("%s: %d CDK errors and %d CDK warnings (annotations): fix them", name, want.CDKErrors, want.CDKWarnings)
		}
	}

	for name, want := range templates(t) {
		var got map[string]any
		if !readJSON(t, filepath.Join(out, name+".template.json"), &got) {
			continue
		}
		if g, w := resourceTypes(got), resourceTypes(want); g != w {
			t.Errorf("%s: the CDK CLI's resources differ from the in-process synthesis:\n%s", name, firstDiff(w, g))
		}
	}
}

func readJSON(t *testing.T, path string, v any) bool {
	t.Helper()
	b, err := os.ReadFile(path)
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		t.Error(err)
		return false
	}
	return true
}

// stackCounts are a stack's unsuppressed cdk-nag errors and warnings and the
// CDK's own errors and warnings.
type stackCounts struct{ NagErrors, NagWarnings, CDKErrors, CDKWarnings int }

var summaryLine = regexp.MustCompile(`(?m)^(\S+)\s+\d+\s+(\d+) errors?, (\d+) warnings?\s+(\d+) errors?, (\d+) warnings?$`)

// summaryTable parses the lines of the app's summary table.
func summaryTable(s string) map[string]stackCounts {
	out := map[string]stackCounts{}
	for _, m := range summaryLine.FindAllStringSubmatch(s, -1) {
		n := make([]int, 4)
		for i := range n {
			n[i], _ = strconv.Atoi(m[i+2])
		}
		out[m[1]] = stackCounts{n[0], n[1], n[2], n[3]}
	}
	return out
}

// annotationCounts counts the warnings and errors of each stack of the
// assembly in dir from its metadata (the manifest's and the stack's
// additional metadata file), as the CDK CLI reads them.
func annotationCounts(t *testing.T, dir string) map[string]stackCounts {
	t.Helper()
	type entry struct {
		Type string `json:"type"`
		Data any    `json:"data"`
	}
	var manifest struct {
		Artifacts map[string]struct {
			Type                   string             `json:"type"`
			Metadata               map[string][]entry `json:"metadata"`
			AdditionalMetadataFile string             `json:"additionalMetadataFile"`
			DisplayName            string             `json:"displayName"`
		} `json:"artifacts"`
	}
	readJSON(t, filepath.Join(dir, "manifest.json"), &manifest)
	out := map[string]stackCounts{}
	for id, a := range manifest.Artifacts {
		if a.Type != "aws:cloudformation:stack" {
			continue
		}
		md := a.Metadata
		if a.AdditionalMetadataFile != "" {
			more := map[string][]entry{}
			readJSON(t, filepath.Join(dir, a.AdditionalMetadataFile), &more)
			md = more
			for k, v := range a.Metadata {
				md[k] = append(md[k], v...)
			}
		}
		var c stackCounts
		for _, entries := range md {
			for _, e := range entries {
				nag := strings.Contains(fmt.Sprint(e.Data), "AwsSolutions-")
				switch {
				case e.Type == "aws:cdk:error" && nag:
					c.NagErrors++
				case e.Type == "aws:cdk:warning" && nag:
					c.NagWarnings++
				case e.Type == "aws:cdk:error":
					c.CDKErrors++
				case e.Type == "aws:cdk:warning":
					c.CDKWarnings++
				}
			}
		}
		out[id] = c
	}
	if len(out) == 0 {
		t.Errorf("no stack in %s/manifest.json", dir)
	}
	return out
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
