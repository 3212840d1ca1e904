package tests

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/gureum-cdk/gureum/internal/assembly"
	"github.com/gureum-cdk/gureum/internal/diagram"
)

const diagramsDir = "../docs/diagrams"

// TestDiagramsAreCurrent keeps the architecture diagrams the README shows in
// step with the stacks: docs/diagrams/<stack>.mmd is the Mermaid diagram
// gureum draws from this synthesis. -update rewrites it and the SVG beside
// it (make diagrams does the same), and fails without Graphviz's dot rather
// than leave SVGs that no longer match their .mmd.
func TestDiagramsAreCurrent(t *testing.T) {
	if *update {
		if _, err := exec.LookPath("dot"); err != nil {
			t.Fatalf("-update redraws docs/diagrams/*.svg with Graphviz, but dot is not on PATH (%v): "+
				"run scripts/setup (it installs Debian's graphviz package) or install Graphviz, then rerun; nothing was written", err)
		}
	}
	asm, err := assembly.Load(*cloudAssembly.Directory())
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range asm.Stacks {
		t.Run(st.Name, func(t *testing.T) {
			g := diagram.Build(st, diagram.Options{})
			var mmd bytes.Buffer
			if err := diagram.WriteMermaid(&mmd, g); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(diagramsDir, st.Name+".mmd")
			if *update {
				writeDiagrams(t, g, path, mmd.Bytes())
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("no diagram for %s (run go test ./tests -update): %v", st.Name, err)
			}
			if !bytes.Equal(want, mmd.Bytes()) {
				t.Errorf("%s is out of date; run go test ./tests -update:\n%s", path, firstDiff(string(want), mmd.String()))
			}
			if _, err := os.Stat(filepath.Join(diagramsDir, st.Name+".svg")); err != nil {
				t.Errorf("no SVG for %s: run make diagrams (needs Graphviz)", st.Name)
			}
		})
	}
}

// writeDiagrams renders the SVG first, so that a failure leaves the .mmd and
// the .svg of a stack as they were, in step.
func writeDiagrams(t *testing.T, g *diagram.Graph, path string, mmd []byte) {
	t.Helper()
	var dot bytes.Buffer
	if err := diagram.WriteDOT(&dot, g); err != nil {
		t.Fatal(err)
	}
	svg, err := diagram.RenderSVG(context.Background(), dot.Bytes())
	if errors.Is(err, diagram.ErrNoGraphviz) {
		t.Fatalf("%v: %s not redrawn; run scripts/setup, then rerun", err, g.Stack)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, mmd, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(filepath.Dir(path), g.Stack+".svg"), svg, 0o644); err != nil {
		t.Fatal(err)
	}
}
