package cdkapp

import (
	"os"
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
