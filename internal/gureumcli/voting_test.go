package gureumcli

import (
	"encoding/json"
	"strings"
	"testing"
)

// The voting-* cases are this repository's GureumVoting stack synthesized
// before and after a deliberate change (see their README.md and change.patch
// under internal/cfndiff/testdata/cases).

func TestVotingExitStatus(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		want   int
		stdout []string // substrings of stdout
	}{
		{"memory: update only", []string{"diff", c("voting-lambda-memory", "old"), c("voting-lambda-memory", "new")}, 1,
			[]string{"~ AWS::Lambda::Function VotesGetPollsIdFunctionEB5BD636 [update]", "Properties.MemorySize: 256 -> 512", "0 findings, 0 gating"}},
		{"memory: template file against assembly", []string{"diff", c("voting-lambda-memory", "old") + "/GureumVoting.template.json", c("voting-lambda-memory", "new")}, 1,
			[]string{"Properties.MemorySize: 256 -> 512"}},
		{"memory: fail on all", []string{"diff", "--fail-on=all", c("voting-lambda-memory", "old"), c("voting-lambda-memory", "new")}, 1, nil},
		{"iam wildcard", []string{"diff", c("voting-iam-wildcard", "old"), c("voting-iam-wildcard", "new")}, 2,
			[]string{"x [security] GureumVoting: AWS::IAM::Policy VotesGetPollsIdRoleDefaultPolicy0DECF066", "Action [dynamodb:*]", "(wildcard action)"}},
		{"iam wildcard: stateful only", []string{"diff", "--fail-on=stateful", c("voting-iam-wildcard", "old"), c("voting-iam-wildcard", "new")}, 1,
			[]string{"(wildcard action)", "1 finding, 0 gating"}},
		{"table renamed", []string{"diff", c("voting-rename-table", "old"), c("voting-rename-table", "new")}, 2,
			[]string{
				"- AWS::DynamoDB::GlobalTable VotesTable153BC665 [orphan, stateful]",
				"+ AWS::DynamoDB::GlobalTable VotesVotesTable8F0DB835 [add, stateful]",
				"x [stateful] GureumVoting: stateful AWS::DynamoDB::GlobalTable VotesTable153BC665 leaves the stack but is kept with its data",
				"its logical ID seems to have changed to VotesVotesTable8F0DB835",
				"1 added, 1 removed, 7 modified (0 replaced)",
			}},
		{"table renamed: stateful only", []string{"diff", "--fail-on=stateful", c("voting-rename-table", "old"), c("voting-rename-table", "new")}, 2, []string{"1 gating"}},
		{"table renamed: none", []string{"diff", "--fail-on=none", c("voting-rename-table", "old"), c("voting-rename-table", "new")}, 1, []string{"0 gating"}},
		{"key schema", []string{"diff", c("voting-table-keyschema", "old"), c("voting-table-keyschema", "new")}, 2,
			[]string{"~ AWS::DynamoDB::GlobalTable VotesTable153BC665 [replace, stateful]", "Properties.KeySchema[0].AttributeName: \"pk\" -> \"pollId\" (replace)", "would be replaced (KeySchema)"}},
		{"same assembly", []string{"diff", c("voting-rename-table", "old"), c("voting-table-keyschema", "old")}, 0, []string{"no changes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, false, tt.args...)
			if r.code != tt.want {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.want, r.stdout, r.stderr)
			}
			for _, s := range tt.stdout {
				if !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			if r.stderr != "" {
				t.Errorf("stderr: %s", r.stderr)
			}
		})
	}
}

func TestVotingJSON(t *testing.T) {
	type resource struct {
		LogicalID string `json:"logicalId"`
		Impact    string `json:"impact"`
		CDKPath   string `json:"cdkPath"`
	}
	type finding struct {
		Kind      string `json:"kind"`
		LogicalID string `json:"logicalId"`
		Gating    bool   `json:"gating"`
	}
	tests := []struct {
		name      string
		exit      int
		impacts   map[string]string // logical ID -> impact, for the resources named
		resources int               // how many resources are reported
		kinds     map[string]int
	}{
		{"voting-lambda-memory", 1, map[string]string{"VotesGetPollsIdFunctionEB5BD636": "update"}, 1, map[string]int{}},
		{"voting-iam-wildcard", 2, map[string]string{"VotesGetPollsIdRoleDefaultPolicy0DECF066": "update"}, 1, map[string]int{"iam-wildcard": 1}},
		{"voting-rename-table", 2, map[string]string{"VotesTable153BC665": "orphan", "VotesVotesTable8F0DB835": "add"}, 9, map[string]int{"stateful-orphan": 1, "iam-statement-added": 6}},
		{"voting-table-keyschema", 2, map[string]string{"VotesTable153BC665": "replace", "VotesGetPollsIdFunctionEB5BD636": "update"}, 8, map[string]int{"stateful-replace": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, false, "diff", "--format", "json", c(tt.name, "old"), c(tt.name, "new"))
			var out struct {
				ExitCode int `json:"exitCode"`
				Stacks   []struct {
					Name      string     `json:"name"`
					Resources []resource `json:"resources"`
					Findings  []finding  `json:"findings"`
				} `json:"stacks"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("JSON output: %v\n%s", err, r.stdout)
			}
			if r.code != tt.exit || out.ExitCode != r.code {
				t.Errorf("exit %d, exitCode %d; want %d", r.code, out.ExitCode, tt.exit)
			}
			if len(out.Stacks) != 1 || out.Stacks[0].Name != "GureumVoting" {
				t.Fatalf("stacks = %+v, want GureumVoting only", out.Stacks)
			}
			st := out.Stacks[0]
			if len(st.Resources) != tt.resources {
				t.Errorf("%d resources reported, want %d: %+v", len(st.Resources), tt.resources, st.Resources)
			}
			got := map[string]string{}
			for _, rc := range st.Resources {
				got[rc.LogicalID] = rc.Impact
				if !strings.HasPrefix(rc.CDKPath, "GureumVoting/Votes/") {
					t.Errorf("%s: cdkPath %q", rc.LogicalID, rc.CDKPath)
				}
			}
			for id, want := range tt.impacts {
				if got[id] != want {
					t.Errorf("%s: impact %q, want %q", id, got[id], want)
				}
			}
			kinds := map[string]int{}
			for _, f := range st.Findings {
				kinds[f.Kind]++
				if !f.Gating {
					t.Errorf("%s on %s not gating", f.Kind, f.LogicalID)
				}
			}
			if len(kinds) != len(tt.kinds) {
				t.Errorf("findings by kind %v, want %v", kinds, tt.kinds)
			}
			for k, n := range tt.kinds {
				if kinds[k] != n {
					t.Errorf("findings by kind %v, want %v", kinds, tt.kinds)
					break
				}
			}
		})
	}
}
