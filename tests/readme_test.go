package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// stackRow is one line of the README's table of what `make synth` prints:
// stack name, resource count, then the cdk-nag and annotation columns.
var stackRow = regexp.MustCompile(`^(Gureum\S+)(\s+)(\d+)(\s+.*)$`)

// TestReadmeStackTable keeps the README's copy of the synthesis summary
// true: the same stacks, each with the resource count of its template.
// -update rewrites the counts.
func TestReadmeStackTable(t *testing.T) {
	path := filepath.Join("..", "README.md")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tpls := templates(t)
	lines := strings.Split(string(data), "\n")
	seen := map[string]bool{}
	in := false
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "STACK "):
			in = true
			continue
		case strings.HasPrefix(line, "cloud assembly:"):
			in = false
		}
		if !in {
			continue
		}
		m := stackRow.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("README.md:%d: not a stack row: %q", i+1, line)
			continue
		}
		name := m[1]
		tpl, ok := tpls[name]
		if !ok {
			t.Errorf("README.md:%d: %s is not a stack of the app", i+1, name)
			continue
		}
		seen[name] = true
		n, _ := strconv.Atoi(m[3])
		got := len(resources(tpl))
		if n == got {
			continue
		}
		if *update {
			width := len(m[2]) + len(m[3])
			lines[i] = name + fmt.Sprintf("%*d", width, got) + m[4]
			continue
		}
		t.Errorf("README.md:%d: %s has %d resources, the table says %d (go test ./tests -update rewrites it)", i+1, name, got, n)
	}
	for name := range tpls {
		if !seen[name] {
			t.Errorf("README.md's stack table lacks %s", name)
		}
	}
	if *update {
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
