package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestSetupInstallsTestToolsOnlyForTests runs a copy of scripts/setup in an
// empty project with go, npm, sudo and apt-get replaced by recorders:
// `scripts/setup synth` (make synth) installs the npm packages and nothing
// else; `scripts/setup test` (make test) also installs bench/'s npm packages
// and builds versitygw.
func TestSetupInstallsTestToolsOnlyForTests(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("no node on PATH")
	}
	script, err := os.ReadFile(filepath.Join("..", "scripts", "setup"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		arg  string
		want []string
	}{
		{"synth", []string{"npm ci"}},
		{"test", []string{"npm ci", "npm ci", "go install github.com/versity/versitygw/cmd/versitygw@"}},
	} {
		t.Run(tt.arg, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			log := filepath.Join(dir, "calls.log")
			for _, d := range []string{"project/scripts", "project/bench", "bin"} {
				if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(dir, "project", "scripts", "setup"), script, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "project", "package-lock.json"), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "project", "bench", "package-lock.json"), []byte("{}"), 0o644); err != nil {
				t.Fatal(err)
			}
			recorder := "#!/bin/sh\necho \"$(basename \"$0\") $*\" >> " + log + "\n"
			for _, name := range []string{"go", "npm", "sudo", "apt-get"} {
				body := recorder
				if name == "npm" {
					body += "mkdir -p node_modules\n"
				}
				if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Symlink(node, filepath.Join(bin, "node")); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(filepath.Join(dir, "project", "scripts", "setup"), tt.arg)
			cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("scripts/setup %s: %v\n%s", tt.arg, err, out)
			}
			b, _ := os.ReadFile(log)
			calls := strings.Split(strings.TrimSpace(string(b)), "\n")
			var got []string
			for _, c := range calls {
				if strings.HasPrefix(c, "go version") { // the versitygw check
					continue
				}
				got = append(got, c)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("scripts/setup %s ran %q, want %q", tt.arg, got, tt.want)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.want[i]) {
					t.Errorf("scripts/setup %s ran %q, want %q", tt.arg, got, tt.want)
				}
			}
		})
	}
}
