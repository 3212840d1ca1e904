// Package bench holds the side-by-side synthesis benchmark (see
// bench/compare): bench/app.js builds gureum's GureumVoting stack in plain
// JavaScript CDK, bench/goapp the same with gureum's Go constructs. These
// tests check that the comparison compares like with like.
package bench

import (
	"bytes"
	"crypto/sha512"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// template is the part of a CloudFormation template compared here.
type template struct {
	Resources map[string]struct{ Type string }
	Outputs   map[string]any
}

func readTemplate(t *testing.T, path string) template {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var tpl template
	if err := json.Unmarshal(b, &tpl); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tpl
}

// deploymentHash is the suffix the CDK appends to an API Gateway
// deployment's logical ID: a hash of the API, which covers the functions'
// code (here, placeholder binaries).
var deploymentHash = regexp.MustCompile(`^(.*Deployment[0-9A-F]{8})[0-9a-f]{32}$`)

// The JavaScript app synthesizes the resources of the Go app's GureumVoting
// stack (the golden template tests/ checks against the Go app): the same
// types, the same count of each, under the same logical IDs, with the same
// outputs.
func TestJavaScriptVotingStackMatchesGo(t *testing.T) {
	if _, err := os.Stat(filepath.Join("node_modules", "aws-cdk-lib")); err != nil {
		t.Fatalf("bench/node_modules is not installed: run make setup (scripts/setup): %v", err)
	}
	handlers := t.TempDir()
	for _, h := range []string{"createpoll", "castvote", "getpoll"} {
		// The resources do not depend on the binaries' content.
		if err := os.MkdirAll(filepath.Join(handlers, h), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(handlers, h, "bootstrap"), []byte("placeholder "+h), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	cmd := exec.Command("node", "app.js", "voting", out, handlers)
	// Validation adds no resource; the golden tests keep it on.
	cmd.Env = append(os.Environ(), "CDK_VALIDATION=false", "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node app.js voting: %v\n%s", err, b)
	}
	js := readTemplate(t, filepath.Join(out, "GureumVoting.template.json"))
	golden := readTemplate(t, filepath.Join("..", "tests", "testdata", "GureumVoting.template.json"))

	count := func(tpl template) map[string]int {
		c := map[string]int{}
		for _, r := range tpl.Resources {
			c[r.Type]++
		}
		return c
	}
	want, got := count(golden), count(js)
	if len(golden.Resources) < 50 {
		t.Fatalf("the golden GureumVoting template has %d resources: not the stack this test knows", len(golden.Resources))
	}
	types := map[string]bool{}
	for k := range want {
		types[k] = true
	}
	for k := range got {
		types[k] = true
	}
	for _, typ := range sortedKeys(types) {
		if want[typ] != got[typ] {
			t.Errorf("%s: %d in JavaScript, %d in Go", typ, got[typ], want[typ])
		}
	}

	ids := func(tpl template) map[string]string {
		m := map[string]string{}
		for id, r := range tpl.Resources {
			m[deploymentHash.ReplaceAllString(id, "$1")] = r.Type
		}
		return m
	}
	wantIDs, gotIDs := ids(golden), ids(js)
	for id, typ := range wantIDs {
		if gotIDs[id] != typ {
			t.Errorf("logical ID %s (%s) of the Go stack: %q in JavaScript", id, typ, gotIDs[id])
		}
	}
	for id, typ := range gotIDs {
		if _, ok := wantIDs[id]; !ok {
			t.Errorf("logical ID %s (%s) is not in the Go stack", id, typ)
		}
	}
	if a, b := strings.Join(sortedKeys(golden.Outputs), " "), strings.Join(sortedKeys(js.Outputs), " "); a != b {
		t.Errorf("outputs: %s in JavaScript, %s in Go", b, a)
	}
}

// The npm packages bench/package-lock.json installs are, byte for byte, the
// jsii packages inside the Go modules go.mod requires: the same aws-cdk-lib,
// cdk-nag, constructs and aws-cdk-lib's own dependencies.
func TestPackagesAreTheGoModules(t *testing.T) {
	modules := map[string]string{ // npm package: Go module
		"aws-cdk-lib":                        "github.com/aws/aws-cdk-go/awscdk/v2",
		"cdk-nag":                            "github.com/cdklabs/cdk-nag-go/cdknag/v2",
		"constructs":                         "github.com/aws/constructs-go/constructs/v10",
		"@aws-cdk/cloud-assembly-schema":     "github.com/cdklabs/cloud-assembly-schema-go/awscdkcloudassemblyschema/v55",
		"@aws-cdk/asset-awscli-v1":           "github.com/cdklabs/awscdk-asset-awscli-go/awscliv1/v2",
		"@aws-cdk/asset-node-proxy-agent-v6": "github.com/cdklabs/awscdk-asset-node-proxy-agent-go/nodeproxyagentv6/v2",
	}
	b, err := os.ReadFile("package-lock.json")
	if err != nil {
		t.Fatal(err)
	}
	var lock struct {
		Packages map[string]struct {
			Version, Integrity string
		}
	}
	if err := json.Unmarshal(b, &lock); err != nil {
		t.Fatal(err)
	}
	registry := 0
	for key, p := range lock.Packages {
		if p.Integrity != "" {
			registry++
			if _, ok := modules[strings.TrimPrefix(key, "node_modules/")]; !ok {
				t.Errorf("package-lock.json installs %s from the registry, which no Go module of go.mod holds", key)
			}
		}
	}
	if registry != len(modules) {
		t.Errorf("package-lock.json installs %d packages from the registry, want %d", registry, len(modules))
	}
	for npm, mod := range modules {
		p, ok := lock.Packages["node_modules/"+npm]
		if !ok {
			t.Errorf("package-lock.json does not install %s", npm)
			continue
		}
		cmd := exec.Command("go", "list", "-m", "-f", "{{.Version}} {{.Dir}}", mod)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		line, err := cmd.Output()
		if err != nil {
			t.Errorf("go list -m %s: %v: %s", mod, err, stderr.String())
			continue
		}
		version, dir, _ := strings.Cut(strings.TrimSpace(string(line)), " ")
		if "v"+p.Version != version {
			t.Errorf("%s %s, but go.mod has %s %s", npm, p.Version, mod, version)
		}
		tarballs, _ := filepath.Glob(filepath.Join(dir, "jsii", "*.tgz"))
		if len(tarballs) != 1 {
			t.Errorf("%s: %d jsii tarballs, want 1", mod, len(tarballs))
			continue
		}
		tgz, err := os.ReadFile(tarballs[0])
		if err != nil {
			t.Fatal(err)
		}
		sum := sha512.Sum512(tgz)
		if got := "sha512-" + base64.StdEncoding.EncodeToString(sum[:]); got != p.Integrity {
			t.Errorf("%s %s: npm's tarball is %s, the Go module's %s is %s", npm, p.Version, p.Integrity, filepath.Base(tarballs[0]), got)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
