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

// TestVotingDiagramShowsTheRequestPath checks that the voting diagram draws
// what a vote goes through, client → WAF web ACL → REST API → each route's
// function → table, and folds the alarms into what they watch.
func TestVotingDiagramShowsTheRequestPath(t *testing.T) {
	asm, err := assembly.Load(*cloudAssembly.Directory())
	if err != nil {
		t.Fatal(err)
	}
	st := asm.Stack("GureumVoting")
	if st == nil {
		t.Fatal("no GureumVoting stack")
	}
	g := diagram.Build(st, diagram.Options{})
	byType := map[string][]string{}
	folded := map[string]bool{}
	var walk func(c *diagram.Cluster)
	walk = func(c *diagram.Cluster) {
		for _, n := range c.Nodes {
			byType[n.Type] = append(byType[n.Type], n.ID)
			for _, f := range n.Folded {
				folded[f] = true
			}
		}
		for _, s := range c.Clusters {
			walk(s)
		}
	}
	walk(g.Root)
	flow := map[[2]string]bool{}
	for _, e := range g.Edges {
		if e.Kind == diagram.Flow {
			flow[[2]string{e.From, e.To}] = true
		}
	}
	one := func(typ string) string {
		t.Helper()
		if len(byType[typ]) != 1 {
			t.Fatalf("want one %s in the voting diagram, got %v", typ, byType[typ])
		}
		return byType[typ][0]
	}
	waf, api, table := one("AWS::WAFv2::WebACL"), one("AWS::ApiGateway::RestApi"), one("AWS::DynamoDB::GlobalTable")
	fns := byType["AWS::Lambda::Function"]
	if len(fns) != 3 {
		t.Fatalf("want the three route functions, got %v", fns)
	}
	path := [][2]string{{diagram.ClientID, waf}, {waf, api}}
	for _, fn := range fns {
		path = append(path, [2]string{api, fn}, [2]string{fn, table})
	}
	for _, e := range path {
		if !flow[e] {
			t.Errorf("no flow edge %s → %s in the voting diagram; edges: %v", e[0], e[1], g.Edges)
		}
	}
	if flow[[2]string{diagram.ClientID, api}] {
		t.Errorf("the client reaches the API around its web ACL")
	}
	if alarms := byType["AWS::CloudWatch::Alarm"]; len(alarms) > 0 {
		t.Errorf("alarms drawn as nodes: %v", alarms)
	}
	for id, r := range st.Template.Resources {
		if (r.Type == "AWS::CloudWatch::Alarm" || r.Type == "AWS::Lambda::Permission") && !folded[id] {
			t.Errorf("%s %s is not folded into its owner", r.Type, id)
		}
	}
}
