package cfndiff

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// cdkCLI finds the AWS CDK CLI: the one npm installs into the repository's
// node_modules (npm ci at the root), else a cdk on PATH.
func cdkCLI() (string, error) {
	local, err := filepath.Abs(filepath.Join("..", "..", "node_modules", ".bin", "cdk"))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(local); err == nil {
		return local, nil
	}
	if p, err := exec.LookPath("cdk"); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("no %s and no cdk on PATH", local)
}

// cdkResourceLine is a resource header of cdk diff's Resources section:
//
//	[-] AWS::DynamoDB::GlobalTable VotesTable153BC665 orphan
//	[+] AWS::DynamoDB::GlobalTable Votes/VotesTable VotesVotesTable8F0DB835
//	[~] AWS::DynamoDB::GlobalTable Votes/Table VotesTable153BC665 replace
//
// that is: prefix, type, the construct path when known, the logical ID, and
// the impact ("replace", "may be replaced", "destroy", "orphan", "import";
// nothing for a creation or an update in place).
var cdkResourceLine = regexp.MustCompile(`^\[([-+~←])\] (\S+::\S+) (.+)$`)

// parseCDKDiff reads `cdk diff` output into logical ID -> impact, in gureum's
// impact names.
func parseCDKDiff(out string) (map[string]Impact, error) {
	got := map[string]Impact{}
	for _, line := range strings.Split(out, "\n") {
		m := cdkResourceLine.FindStringSubmatch(strings.TrimRight(line, " \r"))
		if m == nil {
			continue
		}
		rest := m[3]
		if i := strings.Index(rest, " (OR "); i >= 0 { // "(OR move ... via refactoring)"
			rest = rest[:i]
		}
		var impact Impact
		switch {
		case strings.HasSuffix(rest, " may be replaced"):
			impact, rest = MayReplace, strings.TrimSuffix(rest, " may be replaced")
		case strings.HasSuffix(rest, " replace"):
			impact, rest = Replace, strings.TrimSuffix(rest, " replace")
		case strings.HasSuffix(rest, " destroy"):
			impact, rest = Destroy, strings.TrimSuffix(rest, " destroy")
		case strings.HasSuffix(rest, " orphan"):
			impact, rest = Orphan, strings.TrimSuffix(rest, " orphan")
		case m[1] == "+":
			impact = Add
		case m[1] == "~":
			impact = Update
		default:
			return nil, fmt.Errorf("cdk diff line without a known impact: %q", line)
		}
		fields := strings.Fields(rest)
		id := fields[len(fields)-1]
		if _, dup := got[id]; dup {
			return nil, fmt.Errorf("cdk diff lists %s twice", id)
		}
		got[id] = impact
	}
	return got, nil
}

// withImpact returns the logical IDs of m whose impact is one of impacts, sorted.
func withImpact(m map[string]Impact, impacts ...Impact) string {
	var ids []string
	for id, got := range m {
		for _, i := range impacts {
			if got == i {
				ids = append(ids, id)
			}
		}
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

// TestAgainstCDKDiff runs the AWS CDK's own `cdk diff` on the voting-* cases
// and checks that gureum gives every resource the impact cdk diff gives it:
// above all, the same resources replaced, and the same removed (destroyed or
// orphaned). The CLI compares the template given with --template (old) with
// the stack of the cloud assembly given with --app (new); it needs neither
// AWS credentials nor the network.
func TestAgainstCDKDiff(t *testing.T) {
	cdk, err := cdkCLI()
	if err != nil {
		t.Skipf("the AWS CDK CLI is not installed (%v): run npm ci at the repository root to compare with cdk diff", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skipf("the AWS CDK CLI %s needs Node.js, and node is not on PATH", cdk)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
	defer cancel()
	for _, name := range []string{"voting-rename-table", "voting-table-keyschema", "voting-lambda-memory", "voting-iam-wildcard"} {
		t.Run(name, func(t *testing.T) {
			dir, err := filepath.Abs(filepath.Join("testdata", "cases", name))
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.CommandContext(ctx, cdk, "diff",
				"--app", filepath.Join(dir, "new"),
				"--template", filepath.Join(dir, "old", "GureumVoting.template.json"),
				"--no-notices", "--no-color", "GureumVoting")
			cmd.Dir = t.TempDir() // away from the repository's cdk.json
			// HOME: the CLI's caches go to a scratch directory, not the user's ~/.cdk.
			cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "CDK_DISABLE_CLI_TELEMETRY=true", "CDK_DISABLE_VERSION_CHECK=1", "FORCE_COLOR=0", "NO_COLOR=1")
			b, err := cmd.CombinedOutput()
			out := string(b)
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				t.Fatalf("cdk diff took too long:\n%s", out)
			}
			if err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
			}
			if !strings.Contains(out, "Stack GureumVoting") {
				t.Fatalf("cdk diff did not diff GureumVoting:\n%s", out)
			}
			cdkImpacts, err := parseCDKDiff(out)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			if len(cdkImpacts) == 0 {
				t.Fatalf("no resource change read from cdk diff:\n%s", out)
			}
			ours, _ := votingChanges(loadCase(t, dir))

			for _, set := range []struct {
				what    string
				impacts []Impact
			}{
				{"replaced", []Impact{Replace}},
				{"removed (destroyed or orphaned)", []Impact{Destroy, Orphan}},
				{"orphaned", []Impact{Orphan}},
				{"possibly replaced", []Impact{MayReplace}},
				{"added", []Impact{Add}},
			} {
				if g, c := withImpact(ours, set.impacts...), withImpact(cdkImpacts, set.impacts...); g != c {
					t.Errorf("%s: gureum [%s], cdk diff [%s]", set.what, g, c)
				}
			}
			if fmt.Sprint(ours) != fmt.Sprint(cdkImpacts) {
				t.Errorf("impact per resource:\n gureum   %v\n cdk diff %v\ncdk diff output:\n%s", ours, cdkImpacts, out)
			}
			t.Logf("replaced [%s], removed [%s], %d resources in all, as cdk diff says", withImpact(ours, Replace), withImpact(ours, Destroy, Orphan), len(ours))
		})
	}
}

func TestParseCDKDiff(t *testing.T) {
	out := `Stack App
Resources
[-] AWS::DynamoDB::GlobalTable VotesTable153BC665 orphan
[-] AWS::SQS::Queue Q destroy
[+] AWS::DynamoDB::GlobalTable Votes/VotesTable VotesVotesTable8F0DB835
[~] AWS::DynamoDB::GlobalTable Votes/Table VotesTable153BC666 replace
 └─ [~] KeySchema (requires replacement)
        [-]     "AttributeName": "pk",
[~] AWS::RDS::DBInstance Db may be replaced
[~] AWS::Lambda::Function Fn
`
	got, err := parseCDKDiff(out)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Impact{"VotesTable153BC665": Orphan, "Q": Destroy, "VotesVotesTable8F0DB835": Add, "VotesTable153BC666": Replace, "Db": MayReplace, "Fn": Update}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parseCDKDiff = %v, want %v", got, want)
	}
}
