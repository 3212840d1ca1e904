package gureumcli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const cases = "../cfndiff/testdata/cases"

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, env map[string]string, term bool, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), args, Env{
		Stdout: &out, Stderr: &errOut, StdoutIsTerminal: term,
		Getenv: func(k string) string { return env[k] },
	})
	return result{code, out.String(), errOut.String()}
}

func c(name, side string) string { return filepath.Join(cases, name, side) }

func TestExitStatus(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		want   int
		stdout string // substring of stdout
		stderr string // substring of stderr
	}{
		{"identical", []string{"diff", c("identical", "old"), c("identical", "new")}, 0, "no changes", ""},
		{"update only", []string{"diff", c("lambda-memory", "old"), c("lambda-memory", "new")}, 1, "MemorySize: 128 -> 256", ""},
		{"table renamed", []string{"diff", c("table-rename", "old"), c("table-rename", "new")}, 2, "would be deleted", ""},
		{"iam wildcard", []string{"diff", c("iam-wildcard", "old"), c("iam-wildcard", "new")}, 2, "wildcard action", ""},
		{"iam wildcard not gating", []string{"diff", "--fail-on=stateful", c("iam-wildcard", "old"), c("iam-wildcard", "new")}, 1, "wildcard action", ""},
		{"flags after arguments", []string{"diff", c("bucket-rename", "old"), c("bucket-rename", "new"), "--fail-on", "none"}, 1, "BucketName", ""},
		{"template files", []string{"diff", c("table-keyschema", "old") + "/App.template.json", c("table-keyschema", "new") + "/App.template.json"}, 2, "KeySchema", ""},
		{"template vs assembly", []string{"diff", c("lambda-memory", "old") + "/App.template.json", c("lambda-memory", "new")}, 1, "MemorySize", ""},
		{"YAML template vs the same in JSON", []string{"diff", "../assembly/testdata/yaml/short.template.yaml", "../assembly/testdata/yaml/short.template.json"}, 0, "no changes", ""},
		{"JSON with a byte order mark", []string{"diff", "../assembly/testdata/bom.template.json", "../assembly/testdata/queue.yaml"}, 0, "no changes", ""},
		{"stack only on one side", []string{"diff", c("identical", "old"), c("stage-update", "new")}, 4, "", "only in NEW: Prod/App"},
		{"stack changes allowed", []string{"diff", "--allow-stack-changes", c("identical", "old"), c("stage-update", "new")}, 2, "stack added", ""},
		{"missing directory", []string{"diff", c("identical", "old"), "testdata/nope"}, 4, "", "testdata/nope: no such file or directory"},
		{"not a template", []string{"diff", c("identical", "old") + "/manifest.json", c("identical", "new") + "/manifest.json"}, 4, "", "no Resources section"},
		{"not an assembly", []string{"report", "."}, 4, "", "not a cloud assembly"},
		{"unknown subcommand", []string{"frob"}, 3, "", `unknown subcommand "frob"`},
		{"unknown flag", []string{"diff", "--frob", "a", "b"}, 3, "", "-frob"},
		{"bad format", []string{"diff", "--format", "yaml", "a", "b"}, 3, "", `--format "yaml"`},
		{"bad fail-on", []string{"diff", "--fail-on", "stateful,nope", "a", "b"}, 3, "", `"nope"`},
		{"one argument", []string{"diff", "a"}, 3, "", "want OLD and NEW"},
		{"no arguments", nil, 3, "", "Usage:"},
		{"help", []string{"help"}, 0, "Exit status:", ""},
		{"subcommand help", []string{"diff", "-h"}, 0, "Exit status:", ""},
		{"version", []string{"version"}, 0, "@aws-cdk/aws-service-spec", ""},
		{"report", []string{"report", filepath.Join("..", "stackreport", "testdata", "app")}, 0, "cdk-nag", ""},
		{"diagram dot", []string{"diagram", filepath.Join("..", "diagram", "testdata", "app")}, 0, "digraph", ""},
		{"diagram mermaid one stack", []string{"diagram", "--format", "mermaid", c("stage-update", "new"), "Prod/App"}, 0, "flowchart LR", ""},
		{"diagram unknown stack", []string{"diagram", c("stage-update", "new"), "Nope"}, 4, "", `no stack "Nope" (stacks: Prod/App)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, nil, false, tt.args...)
			if r.code != tt.want {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.want, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.stdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.stdout, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.stderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderr, r.stderr)
			}
			if tt.want >= ExitUsage && r.stderr == "" {
				t.Error("error with an empty stderr")
			}
		})
	}
}

func TestColor(t *testing.T) {
	args := []string{"diff", c("lambda-memory", "old"), c("lambda-memory", "new")}
	tests := []struct {
		name  string
		env   map[string]string
		term  bool
		extra []string
		want  bool
	}{
		{"terminal", nil, true, nil, true},
		{"pipe", nil, false, nil, false},
		{"NO_COLOR", map[string]string{"NO_COLOR": "1"}, true, nil, false},
		{"always", nil, false, []string{"--color=always"}, true},
		{"never", nil, true, []string{"--color=never"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.env, tt.term, append(append([]string{}, args...), tt.extra...)...)
			if got := strings.Contains(r.stdout, "\x1b["); got != tt.want {
				t.Errorf("ANSI colour = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestJSONAndMarkdown(t *testing.T) {
	r := run(t, nil, false, "diff", "--format", "json", c("table-keyschema", "old"), c("table-keyschema", "new"))
	var out struct {
		SchemaVersion int `json:"schemaVersion"`
		ExitCode      int `json:"exitCode"`
		Stacks        []struct {
			Resources []struct {
				LogicalID string `json:"logicalId"`
				Impact    string `json:"impact"`
			} `json:"resources"`
		} `json:"stacks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("JSON output: %v\n%s", err, r.stdout)
	}
	if out.SchemaVersion != 1 || out.ExitCode != r.code || r.code != 2 {
		t.Errorf("schemaVersion %d exitCode %d (process exit %d)", out.SchemaVersion, out.ExitCode, r.code)
	}
	impacts := map[string]string{}
	if len(out.Stacks) == 1 {
		for _, rc := range out.Stacks[0].Resources {
			impacts[rc.LogicalID] = rc.Impact
		}
	}
	// The handler and its policy name the table: the replacement updates them.
	if len(out.Stacks) != 1 || len(impacts) != 3 || impacts["Table"] != "replace" || impacts["Handler"] != "update" || impacts["HandlerServiceRoleDefaultPolicy"] != "update" {
		t.Errorf("want the table replaced and its handler and policy updated, got %+v", out.Stacks)
	}
	md := run(t, nil, true, "diff", "--format", "markdown", c("table-keyschema", "old"), c("table-keyschema", "new"))
	if !strings.HasPrefix(md.stdout, "<!-- gureum-diff -->") || !strings.Contains(md.stdout, "<details>") || strings.Contains(md.stdout, "\x1b[") {
		t.Errorf("Markdown output lacks the marker or details, or has colour:\n%s", md.stdout)
	}
}

func TestDiagramOut(t *testing.T) {
	dir := t.TempDir()
	asm := filepath.Join("..", "stackreport", "testdata", "app")
	r := run(t, nil, false, "diagram", "--format", "mermaid", "--out", dir, asm)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, f := range []string{"App.mmd", "Prod-App.mmd"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("subgraph")) {
			t.Errorf("%s has no subgraph:\n%s", f, b)
		}
	}
	if r := run(t, nil, false, "diagram", "--format", "svg", asm); r.code != ExitUsage {
		t.Errorf("svg of two stacks to stdout: exit %d, want %d", r.code, ExitUsage)
	}
}

func TestDiagramSVG(t *testing.T) {
	asm := filepath.Join("..", "diagram", "testdata", "app")
	t.Run("without graphviz", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		r := run(t, nil, false, "diagram", "--format", "svg", asm)
		if r.code != ExitRuntime || !strings.Contains(r.stderr, "Graphviz") {
			t.Errorf("exit %d, stderr %q; want %d and a message naming Graphviz", r.code, r.stderr, ExitRuntime)
		}
	})
	t.Run("with graphviz", func(t *testing.T) {
		if _, err := exec.LookPath("dot"); err != nil {
			t.Skip("Graphviz is not installed (apt-get install graphviz)")
		}
		dir := t.TempDir()
		r := run(t, nil, false, "diagram", "--format", "svg", "--out", dir, asm)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		b, err := os.ReadFile(filepath.Join(dir, "App.svg"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("<svg")) || !bytes.Contains(b, []byte("Lambda Function")) {
			t.Errorf("App.svg is not the stack's SVG:\n%.300s", b)
		}
	})
}
