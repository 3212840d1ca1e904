package cfndiff

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// The voting-* cases are the repository's own GureumVoting stack, synthesized
// before and after a deliberate code change (see each case's README.md and
// change.patch). These tests pin what gureum says about them beyond the
// goldens: the exit status, every resource it reports and its impact, and
// the findings a reviewer must see.

const (
	votingTable     = "VotesTable153BC665"
	votingTableNew  = "VotesVotesTable8F0DB835"
	votingGetFn     = "VotesGetPollsIdFunctionEB5BD636"
	votingGetPolicy = "VotesGetPollsIdRoleDefaultPolicy0DECF066"
)

// votingChanges flattens a result into logical ID -> impact, and kind -> count.
func votingChanges(res *Result) (map[string]Impact, map[string]int) {
	impacts, kinds := map[string]Impact{}, map[string]int{}
	for _, st := range res.Stacks {
		for _, rc := range st.Resources {
			impacts[rc.LogicalID] = rc.Impact
		}
		for _, f := range st.Findings {
			kinds[f.Kind]++
		}
	}
	return impacts, kinds
}

func TestVotingCases(t *testing.T) {
	tests := []struct {
		name    string
		exit    int
		impacts map[string]Impact // exactly the resources reported
		kinds   map[string]int    // exactly the findings, by kind
	}{
		{
			name:    "voting-lambda-memory",
			exit:    ExitChanges,
			impacts: map[string]Impact{votingGetFn: Update},
			kinds:   map[string]int{},
		},
		{
			name:    "voting-iam-wildcard",
			exit:    ExitGated,
			impacts: map[string]Impact{votingGetPolicy: Update},
			kinds:   map[string]int{"iam-wildcard": 1},
		},
		{
			name: "voting-rename-table",
			exit: ExitGated,
			impacts: map[string]Impact{
				votingTable:    Orphan, // DeletionPolicy Retain: the data stays, unmanaged
				votingTableNew: Add,
				// Everything that names the table follows the new logical ID.
				votingGetFn:                                      Update,
				"VotesPostPollsFunction56788193":                 Update,
				"VotesPostPollsIdVotesFunction252C6D91":          Update,
				votingGetPolicy:                                  Update,
				"VotesPostPollsRoleDefaultPolicyE43D9CEE":        Update,
				"VotesPostPollsIdVotesRoleDefaultPolicyA333A30E": Update,
				"VotesTableThrottlesAlarmB1D7EFFF":               Update,
			},
			// The three roles' grants (two statements each) now name another
			// resource: new statements, as cdk diff's IAM table shows too.
			kinds: map[string]int{"stateful-orphan": 1, "iam-statement-added": 6},
		},
		{
			name: "voting-table-keyschema",
			exit: ExitGated,
			impacts: map[string]Impact{
				votingTable: Replace,
				// The replacement has a new name and ARN: what names the
				// table through Ref or Fn::GetAtt is updated with them.
				votingGetFn:                                      Update,
				"VotesPostPollsFunction56788193":                 Update,
				"VotesPostPollsIdVotesFunction252C6D91":          Update,
				votingGetPolicy:                                  Update,
				"VotesPostPollsRoleDefaultPolicyE43D9CEE":        Update,
				"VotesPostPollsIdVotesRoleDefaultPolicyA333A30E": Update,
				"VotesTableThrottlesAlarmB1D7EFFF":               Update,
			},
			kinds: map[string]int{"stateful-replace": 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := loadCase(t, filepath.Join("testdata/cases", tt.name))
			if res.ExitCode != tt.exit {
				t.Errorf("exit = %d, want %d", res.ExitCode, tt.exit)
			}
			if len(res.Stacks) != 1 || res.Stacks[0].Name != "GureumVoting" || res.Stacks[0].Status != Modified {
				t.Fatalf("stacks = %+v, want GureumVoting modified", res.Stacks)
			}
			impacts, kinds := votingChanges(res)
			if fmt.Sprint(impacts) != fmt.Sprint(tt.impacts) {
				t.Errorf("resources reported:\n got  %v\n want %v", impacts, tt.impacts)
			}
			if fmt.Sprint(kinds) != fmt.Sprint(tt.kinds) {
				t.Errorf("findings by kind = %v, want %v", kinds, tt.kinds)
			}
			for _, f := range res.Stacks[0].Findings {
				if !f.Gating {
					t.Errorf("finding %s on %s does not gate under the default --fail-on", f.Kind, f.LogicalID)
				}
			}
			// The synthesis leaves out aws:cdk:path metadata: construct paths
			// come from the assembly's metadata file.
			for _, rc := range res.Stacks[0].Resources {
				if !strings.HasPrefix(rc.CDKPath, "GureumVoting/Votes/") {
					t.Errorf("%s: cdkPath %q, want one under GureumVoting/Votes/", rc.LogicalID, rc.CDKPath)
				}
			}
		})
	}
}

func TestVotingKeyFindings(t *testing.T) {
	find := func(t *testing.T, res *Result, kind string) Finding {
		t.Helper()
		for _, f := range res.Stacks[0].Findings {
			if f.Kind == kind {
				return f
			}
		}
		t.Fatalf("no %s finding", kind)
		return Finding{}
	}
	one := func(t *testing.T, res *Result, id string) ResourceChange {
		t.Helper()
		for _, rc := range res.Stacks[0].Resources {
			if rc.LogicalID == id {
				return rc
			}
		}
		t.Fatalf("%s not reported", id)
		return ResourceChange{}
	}

	t.Run("voting-lambda-memory", func(t *testing.T) {
		res := loadCase(t, "testdata/cases/voting-lambda-memory")
		rc := one(t, res, votingGetFn)
		if len(rc.Changes) != 1 || rc.Changes[0].Path != "Properties.MemorySize" ||
			fmt.Sprint(rc.Changes[0].Old) != "256" || fmt.Sprint(rc.Changes[0].New) != "512" || rc.Changes[0].Impact != Update {
			t.Errorf("changes = %+v, want only Properties.MemorySize 256 -> 512 (update)", rc.Changes)
		}
		if rc.CDKPath != "GureumVoting/Votes/GetPollsId/Function/Resource" {
			t.Errorf("cdkPath = %q", rc.CDKPath)
		}
	})

	t.Run("voting-iam-wildcard", func(t *testing.T) {
		res := loadCase(t, "testdata/cases/voting-iam-wildcard")
		f := find(t, res, "iam-wildcard")
		if f.Category != CatSecurity || f.LogicalID != votingGetPolicy || !strings.Contains(f.Message, "dynamodb:*") {
			t.Errorf("finding = %+v, want a security finding on %s naming dynamodb:*", f, votingGetPolicy)
		}
		// Security alone gates it; stateful alone does not.
		if got := loadCase(t, "testdata/cases/voting-iam-wildcard").Gate([]string{CatStateful}); got != ExitChanges {
			t.Errorf("--fail-on=stateful: exit %d, want %d", got, ExitChanges)
		}
	})

	t.Run("voting-rename-table", func(t *testing.T) {
		res := loadCase(t, "testdata/cases/voting-rename-table")
		old := one(t, res, votingTable)
		if old.Change != Removed || old.DeletionPolicy != "Retain" || !old.Stateful || old.Type != "AWS::DynamoDB::GlobalTable" {
			t.Errorf("old table = %+v, want a removed stateful GlobalTable with DeletionPolicy Retain", old)
		}
		if nw := one(t, res, votingTableNew); nw.Change != Added || nw.CDKPath != "GureumVoting/Votes/VotesTable/Resource" {
			t.Errorf("new table = %+v, want added at GureumVoting/Votes/VotesTable/Resource", nw)
		}
		f := find(t, res, "stateful-orphan")
		if f.Category != CatStateful || f.LogicalID != votingTable || !strings.Contains(f.Message, votingTableNew) {
			t.Errorf("finding = %+v, want a stateful finding on %s naming the likely new ID %s", f, votingTable, votingTableNew)
		}
		// The rename gates on stateful alone, and is a destroy/orphan, not a replacement.
		if got := loadCase(t, "testdata/cases/voting-rename-table").Gate([]string{CatStateful}); got != ExitGated {
			t.Errorf("--fail-on=stateful: exit %d, want %d", got, ExitGated)
		}
		if s := res.Summary; s.Added != 1 || s.Removed != 1 || s.Modified != 7 || s.Replaced != 0 {
			t.Errorf("summary = %+v, want 1 added, 1 removed, 7 modified, 0 replaced", s)
		}
	})

	t.Run("voting-table-keyschema", func(t *testing.T) {
		res := loadCase(t, "testdata/cases/voting-table-keyschema")
		rc := one(t, res, votingTable)
		var replacing []string
		for _, c := range rc.Changes {
			if c.Impact == Replace {
				replacing = append(replacing, c.Path)
			}
		}
		if strings.Join(replacing, ",") != "Properties.KeySchema[0].AttributeName" {
			t.Errorf("replacing changes = %v, want only Properties.KeySchema[0].AttributeName", replacing)
		}
		if f := find(t, res, "stateful-replace"); f.LogicalID != votingTable || !strings.Contains(f.Message, "KeySchema") {
			t.Errorf("finding = %+v, want one on %s naming KeySchema", f, votingTable)
		}
	})
}
