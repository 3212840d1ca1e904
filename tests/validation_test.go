package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// aws-cdk-lib validates every template against the CloudFormation resource
// specification after synthesis (its built-in "CloudFormation Validate"
// plugin). It ran on the app, and found nothing that is not acknowledged
// with a reason.
func TestCloudFormationValidation(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(*cloudAssembly.Directory(), "validation-report.json"))
	if err != nil {
		t.Fatalf("no validation report in the assembly (was validation turned off?): %v", err)
	}
	var report struct {
		PluginReports []struct {
			PluginName string
			Conclusion string
			Violations []struct {
				RuleName, Description string
			}
		}
	}
	if err := json.Unmarshal(b, &report); err != nil {
		t.Fatal(err)
	}
	ran := false
	for _, r := range report.PluginReports {
		if r.PluginName != "CloudFormation Validate" {
			continue
		}
		ran = true
		for _, v := range r.Violations {
			t.Errorf("%s: %s", v.RuleName, v.Description)
		}
		if r.Conclusion != "success" {
			t.Errorf("validation concluded %q", r.Conclusion)
		}
	}
	if !ran {
		t.Error("aws-cdk-lib's CloudFormation validation did not run")
	}
}
