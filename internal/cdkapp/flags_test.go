package cdkapp

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// keptOff are the recommended feature flags gureum's app turns off, and why.
// Each would change the identity of a resource that protects data of a
// stack already deployed; a new app that has never deployed these
// constructs can leave them on.
var keptOff = map[string]string{
	// Renames GureumHPC's EFS mount targets (a logical ID per subnet instead
	// of per position). EFS allows one mount target per file system and
	// Availability Zone, and CloudFormation creates the renamed ones before
	// it deletes the old: the update of a deployed stack fails. The CDK's
	// own guidance: "Set this flag to false for existing mount targets".
	"@aws-cdk/aws-efs:mountTargetOrderInsensitiveLogicalId": "renames EFS mount targets",
	// Moves the web stacks' database secret policy (deny
	// secretsmanager:DeleteSecret) from the secret target attachment to the
	// secret, under a new logical ID. A secret has one resource policy:
	// CloudFormation puts the new one, then deleting the old one deletes the
	// secret's policy, leaving the database secret deletable. The CDK says
	// such stacks need a manual two-step migration.
	"@aws-cdk/aws-secretsmanager:useAttachedSecretResourcePolicyForSecretTargetAttachments": "renames the database secret's resource policy",
}

// TestCDKJSONHasTheRecommendedFlags compares cdk.json's context with the
// feature flags aws-cdk-lib recommends for a new app (what `cdk init`
// writes): recommended-feature-flags.json in the aws-cdk-lib package of the
// version go.mod requires, read from the Go module cache.
func TestCDKJSONHasTheRecommendedFlags(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}} {{.Version}}", "github.com/aws/aws-cdk-go/awscdk/v2").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/aws/aws-cdk-go/awscdk/v2: %v", err)
	}
	dir, version, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	tgz := filepath.Join(dir, "jsii", "aws-cdk-lib-"+strings.TrimPrefix(version, "v")+".tgz")
	recommended := recommendedFlags(t, tgz)
	if len(recommended) < 50 {
		t.Fatalf("%s lists %d recommended flags: not the file expected", tgz, len(recommended))
	}
	ctx, err := Context("../..")
	if err != nil {
		t.Fatal(err)
	}
	for flag, want := range recommended {
		got, ok := ctx[flag]
		switch {
		case !ok:
			t.Errorf("cdk.json does not set %s (recommended: %v)", flag, want)
		case keptOff[flag] != "":
			if got != false {
				t.Errorf("cdk.json sets %s to %v; gureum keeps it false (%s)", flag, got, keptOff[flag])
			}
		case !reflect.DeepEqual(got, want):
			t.Errorf("cdk.json sets %s to %v, recommended %v", flag, got, want)
		}
	}
	for flag := range keptOff {
		if _, ok := recommended[flag]; !ok {
			t.Errorf("%s is no longer a recommended flag of aws-cdk-lib %s: drop it from keptOff", flag, version)
		}
	}
}

func recommendedFlags(t *testing.T, tgz string) map[string]any {
	t.Helper()
	f, err := os.Open(tgz)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatalf("%s has no package/recommended-feature-flags.json", tgz)
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Name != "package/recommended-feature-flags.json" {
			continue
		}
		var flags map[string]any
		if err := json.NewDecoder(tr).Decode(&flags); err != nil {
			t.Fatalf("%s: %s: %v", tgz, h.Name, err)
		}
		return flags
	}
}
