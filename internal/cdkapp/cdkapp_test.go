package cdkapp

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestContext(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{"app":"go run .","context":{"@aws-cdk/core:target-partitions":["aws","aws-cn"],"@aws-cdk/aws-s3:keepNotificationInImportedBucket":false,"@aws-cdk/core:defaultCrossStackReferences":"weak"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, err := Context(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ctx) != 3 || ctx["@aws-cdk/aws-s3:keepNotificationInImportedBucket"] != false || ctx["@aws-cdk/core:defaultCrossStackReferences"] != "weak" {
		t.Errorf("context = %v", ctx)
	}
	if p, _ := ctx["@aws-cdk/core:target-partitions"].([]any); len(p) != 2 || p[1] != "aws-cn" {
		t.Errorf("target-partitions = %v", ctx["@aws-cdk/core:target-partitions"])
	}
}

func TestContextErrors(t *testing.T) {
	if _, err := Context(t.TempDir()); err == nil || !strings.Contains(err.Error(), "cdk.json") {
		t.Errorf("no cdk.json: err = %v, want one naming cdk.json", err)
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "cdk.json"), []byte(`{"context": [}`), 0o644)
	if _, err := Context(dir); err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "cdk.json")) {
		t.Errorf("bad cdk.json: err = %v, want one naming the file", err)
	}
}

// TestProjectContext reads the project's own cdk.json.
func TestProjectContext(t *testing.T) {
	ctx, err := Context("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(ctx) == 0 {
		t.Error("the project's cdk.json has no context: the app would synthesize without feature flags")
	}
}

// initEOL is what the package's initialization saw, as the jsii runtime
// does: the CDK's Go packages start it while they initialize.
var initEOL = os.Getenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION")

// TestMain runs QuietJSII and reports what initialization saw when the test
// binary is the helper of TestQuietJSII.
func TestMain(m *testing.M) {
	if os.Getenv("GUREUM_CDKAPP_HELPER") == "1" {
		QuietJSII()
		fmt.Printf("init=%s now=%s deprecated=%s cache=%s\n", initEOL, os.Getenv("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION"),
			os.Getenv("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION"), os.Getenv("JSII_RUNTIME_PACKAGE_CACHE"))
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestQuietJSII(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH")
	}
	out, err := exec.Command(node, "-p", "process.versions.node.split('.')[0]").Output()
	if err != nil {
		t.Fatal(err)
	}
	major := strings.TrimSpace(string(out))
	run := func(env ...string) string {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "JSII_") && !strings.HasPrefix(kv, "GUREUM_") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, append(env, "GUREUM_CDKAPP_HELPER=1")...)
		b, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, b)
		}
		return strings.TrimSpace(string(b))
	}
	// Unset: set, and seen from initialization on, after the program runs again.
	if got, want := run(), "init="+major+" now="+major+" deprecated=1 cache=enabled"; got != want {
		t.Errorf("without the variables: %q, want %q", got, want)
	}
	// Set by the user: kept.
	if got, want := run("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=18", "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=", "JSII_RUNTIME_PACKAGE_CACHE=disabled"),
		"init=18 now=18 deprecated= cache=disabled"; got != want {
		t.Errorf("with the user's values: %q, want %q", got, want)
	}
}
