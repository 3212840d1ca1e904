package diagram

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"regexp"
	"sort"
	"strings"
	"unicode"

	"github.com/gureum-cdk/gureum/internal/assembly"
)

// Options tunes Build.
type Options struct {
	// All draws every resource but the CDK's metadata, and an edge wherever
	// one names another, instead of the request and data flow.
	All bool
}

// Node is one resource in the diagram.
type Node struct {
	ID      string // logical ID, or ClientID
	Name    string // construct name, or the logical ID
	Type    string // CloudFormation type; empty for the client
	Service string // service and resource type, e.g. "Lambda Function" (see ServiceLabel)
	// Folded lists the logical IDs of the resources drawn as part of this
	// one: its alarms, role, policies, log group, permissions, ...
	Folded []string
}

// Edge goes from From to To.
type Edge struct {
	From, To string
	Kind     EdgeKind
	Label    string // what a Side edge carries: "alarms", "logs", "failures", ...
}

// Cluster is a construct holding resources and nested constructs.
type Cluster struct {
	ID       string // construct path below the stack, e.g. "Api/Handler"
	Name     string // last segment of the path
	Nodes    []*Node
	Clusters []*Cluster
}

// Graph is the diagram of one stack.
type Graph struct {
	Stack string
	Root  *Cluster
	Edges []Edge
}

// Build makes the diagram of stack s: the request and data flow between
// its resources (see the package documentation), or with Options.All every
// resource and reference.
func Build(s *assembly.Stack, opt Options) *Graph {
	if opt.All {
		return buildReferences(s)
	}
	return buildFlow(s)
}

// buildReferences draws every resource but the CDK's metadata, with an edge
// from each to each resource it refers to.
func buildReferences(s *assembly.Stack) *Graph {
	res := s.Template.Resources
	ids := make([]string, 0, len(res))
	for id := range res {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	kept := map[string]bool{}
	for _, id := range ids {
		if res[id].Type != "AWS::CDK::Metadata" {
			kept[id] = true
		}
	}
	g := &Graph{Stack: s.Name, Root: &Cluster{}}
	for _, id := range ids {
		if !kept[id] {
			continue
		}
		for _, to := range references(res[id].Properties, res) {
			if kept[to] && to != id {
				g.Edges = append(g.Edges, Edge{From: id, To: to, Kind: Reference})
			}
		}
	}
	sortEdges(g.Edges)
	for _, id := range ids {
		if !kept[id] {
			continue
		}
		r := res[id]
		clusterPath, name := placement(s.Name, r.CDKPath())
		if name == "" {
			name = id
		}
		g.Root.add(clusterPath, &Node{ID: id, Name: name, Type: r.Type, Service: ServiceLabel(r.Type)})
	}
	g.Root.collapse()
	return g
}

// placement returns the construct path of the cluster a resource belongs to
// and its display name. "Stack/Api/Handler/Resource" is the Handler construct's
// own resource: it sits in cluster Api/Handler, named Handler.
// "Stack/Api/Handler/ServiceRole/Resource" sits in Api/Handler/ServiceRole.
// stack is the stack's construct path ("Stack", or "Prod/Stack" in a stage).
func placement(stack, cdkPath string) ([]string, string) {
	rest, ok := strings.CutPrefix(cdkPath, stack+"/")
	if !ok { // not under the stack's path: drop the first segment
		_, rest, ok = strings.Cut(cdkPath, "/")
	}
	if !ok || rest == "" {
		return nil, ""
	}
	parts := strings.Split(rest, "/")
	last := parts[len(parts)-1]
	if (last == "Resource" || last == "Default") && len(parts) > 1 {
		parts = parts[:len(parts)-1]
		return parts, parts[len(parts)-1]
	}
	return parts[:len(parts)-1], last
}

func (c *Cluster) add(path []string, n *Node) {
	if len(path) == 0 {
		c.Nodes = append(c.Nodes, n)
		return
	}
	for _, sub := range c.Clusters {
		if sub.Name == path[0] {
			sub.add(path[1:], n)
			return
		}
	}
	id := path[0]
	if c.ID != "" {
		id = c.ID + "/" + path[0]
	}
	sub := &Cluster{ID: id, Name: path[0]}
	c.Clusters = append(c.Clusters, sub)
	sub.add(path[1:], n)
}

// collapse lifts the node of a cluster that holds just one node and nothing
// else into its parent, so that a construct with a single resource is a node,
// not a box around a node.
func (c *Cluster) collapse() {
	var keep []*Cluster
	for _, sub := range c.Clusters {
		sub.collapse()
		switch {
		case len(sub.Clusters) == 0 && len(sub.Nodes) == 1:
			n := sub.Nodes[0]
			if n.Label() == n.Service {
				// "Function" in GetPollsId: the construct's name says more.
				n.Name = sub.Name
			}
			c.Nodes = append(c.Nodes, n)
		case len(sub.Clusters) == 0 && len(sub.Nodes) == 0:
		default:
			keep = append(keep, sub)
		}
	}
	c.Clusters = keep
	sort.Slice(c.Nodes, func(i, j int) bool { return c.Nodes[i].ID < c.Nodes[j].ID })
	sort.Slice(c.Clusters, func(i, j int) bool { return c.Clusters[i].ID < c.Clusters[j].ID })
}

var subRefRE = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// references returns the resources v refers to through Ref, Fn::GetAtt and
// Fn::Sub, sorted and without repeats. Parameters and pseudo parameters are
// not resources and are left out.
func references(v any, res map[string]*assembly.Resource) []string {
	set := map[string]bool{}
	var walk func(v any, subVars map[string]bool)
	walk = func(v any, subVars map[string]bool) {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				walk(e, subVars)
			}
		case map[string]any:
			if len(x) == 1 {
				for k, arg := range x {
					switch k {
					case "Ref":
						if s, ok := arg.(string); ok && res[s] != nil {
							set[s] = true
						}
						return
					case "Fn::GetAtt":
						var target string
						switch a := arg.(type) {
						case []any:
							if len(a) > 0 {
								target, _ = a[0].(string)
							}
						case string:
							target, _, _ = strings.Cut(a, ".")
						}
						if res[target] != nil {
							set[target] = true
						}
						return
					case "Fn::Sub":
						var tmpl string
						vars := map[string]bool{}
						switch a := arg.(type) {
						case string:
							tmpl = a
						case []any:
							if len(a) > 0 {
								tmpl, _ = a[0].(string)
							}
							if len(a) > 1 {
								if m, ok := a[1].(map[string]any); ok {
									for name, val := range m {
										vars[name] = true
										walk(val, nil)
									}
								}
							}
						}
						for _, m := range subRefRE.FindAllStringSubmatch(tmpl, -1) {
							name, _, _ := strings.Cut(m[1], ".")
							if !vars[name] && res[name] != nil {
								set[name] = true
							}
						}
						return
					}
				}
			}
			for _, e := range x {
				walk(e, subVars)
			}
		}
	}
	walk(v, nil)
	out := make([]string, 0, len(set))
	for id := range set {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// serviceNames renames the service segment of a type where the AWS name
// differs from the CloudFormation namespace.
var serviceNames = map[string]string{
	"ApiGateway":             "API Gateway",
	"ApiGatewayV2":           "API Gateway v2",
	"Logs":                   "CloudWatch Logs",
	"Events":                 "EventBridge",
	"Scheduler":              "EventBridge Scheduler",
	"Pipes":                  "EventBridge Pipes",
	"StepFunctions":          "Step Functions",
	"ElasticLoadBalancingV2": "ELB",
	"ElasticLoadBalancing":   "Classic ELB",
	"CertificateManager":     "ACM",
	"SecretsManager":         "Secrets Manager",
	"OpenSearchService":      "OpenSearch",
	"ApplicationAutoScaling": "Application Auto Scaling",
	"AutoScaling":            "Auto Scaling",
	"CloudFront":             "CloudFront",
	"WAFv2":                  "WAF",
	"Route53":                "Route 53",
	"KinesisFirehose":        "Firehose",
	"LakeFormation":          "Lake Formation",
	"Serverless":             "SAM",
}

// typeWords spells the words of a resource type's name the way AWS writes
// them, where splitting the CamelCase name gets them wrong.
var typeWords = map[string]string{
	"Api":  "API",
	"Rest": "REST",
	"Nat":  "NAT",
	"Acl":  "ACL",
}

// ServiceLabel turns a CloudFormation type into a readable label: the
// service, then the resource type's words. "AWS::Lambda::Function" is
// "Lambda Function", "AWS::RDS::DBCluster" is "RDS DB Cluster",
// "Custom::Seed" is "Custom resource Seed". Words the type's name repeats
// from the end of the service's are said once: "AWS::AutoScaling::
// AutoScalingGroup" is "Auto Scaling Group", not "Auto Scaling Auto Scaling
// Group", and "AWS::Logs::LogGroup" is "CloudWatch Log Group".
func ServiceLabel(typ string) string {
	parts := strings.Split(typ, "::")
	switch {
	case len(parts) == 2 && parts[0] == "Custom":
		return "Custom resource " + parts[1]
	case typ == "AWS::CloudFormation::CustomResource":
		return "Custom resource"
	case len(parts) != 3:
		return typ
	}
	svc := parts[1]
	if n, ok := serviceNames[svc]; ok {
		svc = n
	}
	kind := strings.Fields(splitCamel(parts[2]))
	for i, w := range kind {
		if fixed, ok := typeWords[w]; ok {
			kind[i] = fixed
		}
	}
	return strings.Join(overlap(strings.Fields(svc), kind), " ")
}

// overlap joins the service's words and the type's, saying once the longest
// run that ends the first and starts the second, in the service's spelling
// ("CloudFront" and "Cloud Front"). Where the service says it in the plural
// ("CloudWatch Logs" and "Log Group"), the type's singular is kept.
func overlap(svc, kind []string) []string {
	for k := min(len(svc), len(kind)); k > 0; k-- {
		tail := strings.ToLower(strings.Join(svc[len(svc)-k:], ""))
		for j := 1; j <= len(kind); j++ {
			head := strings.ToLower(strings.Join(kind[:j], ""))
			switch tail {
			case head:
				return concat(svc, kind[j:])
			case head + "s":
				return concat(svc[:len(svc)-k], kind)
			}
		}
	}
	return concat(svc, kind)
}

func concat(a, b []string) []string { return append(append([]string(nil), a...), b...) }

// sameWords reports whether a and b are the same words, ignoring case and a
// plural "s" on a's.
func sameWords(a, b []string) bool {
	for i := range a {
		if !strings.EqualFold(a[i], b[i]) && !strings.EqualFold(strings.TrimSuffix(a[i], "s"), b[i]) {
			return false
		}
	}
	return true
}

// Label is the text of the node: its name over its service label, or the
// label alone when the name only repeats the label's last words (a
// construct named "Function" that holds a "Lambda Function").
func (n *Node) Label() string {
	if n.ID == ClientID {
		return n.Name
	}
	name := strings.Fields(splitCamel(n.Name))
	label := strings.Fields(n.Service)
	if len(name) > 0 && len(name) <= len(label) && sameWords(name, label[len(label)-len(name):]) {
		return n.Service
	}
	return n.Name + "\n" + n.Service
}

// splitCamel puts spaces between words: "DBCluster" -> "DB Cluster",
// "SecurityGroup" -> "Security Group", "EventSourceMapping" -> "Event Source Mapping".
func splitCamel(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) {
			prevLower := unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1])
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if prevLower || (unicode.IsUpper(r[i-1]) && nextLower) {
				b.WriteByte(' ')
			}
		}
		b.WriteRune(c)
	}
	return b.String()
}

func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// WriteDOT writes g as a Graphviz digraph.
func WriteDOT(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "digraph %s {\n", dotQuote(g.Stack))
	fmt.Fprintf(bw, "  label=%s;\n  labelloc=t;\n  rankdir=LR;\n  fontname=\"Helvetica\";\n", dotQuote(g.Stack))
	fmt.Fprintf(bw, "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#f5f5f5\", fontname=\"Helvetica\", fontsize=11];\n")
	fmt.Fprintf(bw, "  edge [color=\"#555555\"];\n")
	var cluster func(c *Cluster, indent string)
	cluster = func(c *Cluster, indent string) {
		for _, n := range c.Nodes {
			if n.ID == ClientID {
				fmt.Fprintf(bw, "%s%s [label=%s, shape=oval, style=filled, fillcolor=\"#ffffff\"];\n", indent, dotQuote(n.ID), dotQuote(n.Label()))
				continue
			}
			fmt.Fprintf(bw, "%s%s [label=%s];\n", indent, dotQuote(n.ID), dotQuote(n.Label()))
		}
		for _, sub := range c.Clusters {
			fmt.Fprintf(bw, "%ssubgraph %s {\n", indent, dotQuote("cluster_"+sub.ID))
			fmt.Fprintf(bw, "%s  label=%s;\n%s  style=\"rounded,dashed\";\n", indent, dotQuote(sub.Name), indent)
			cluster(sub, indent+"  ")
			fmt.Fprintf(bw, "%s}\n", indent)
		}
	}
	cluster(g.Root, "  ")
	for _, e := range g.Edges {
		switch e.Kind {
		case Side:
			fmt.Fprintf(bw, "  %s -> %s [style=dashed, color=\"#999999\", fontcolor=\"#777777\", fontsize=9, label=%s];\n", dotQuote(e.From), dotQuote(e.To), dotQuote(e.Label))
		default:
			fmt.Fprintf(bw, "  %s -> %s;\n", dotQuote(e.From), dotQuote(e.To))
		}
	}
	fmt.Fprintln(bw, "}")
	return bw.Flush()
}

var mermaidIDRE = regexp.MustCompile(`[^A-Za-z0-9_]`)

func mermaidID(prefix, s string) string { return prefix + mermaidIDRE.ReplaceAllString(s, "_") }

func mermaidLabel(s string) string {
	return `"` + strings.NewReplacer(`"`, "#quot;", "\n", "<br/>").Replace(s) + `"`
}

// WriteMermaid writes g as a Mermaid flowchart with one subgraph per construct.
func WriteMermaid(w io.Writer, g *Graph) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "---\ntitle: %s\n---\nflowchart LR\n", g.Stack)
	var cluster func(c *Cluster, indent string)
	cluster = func(c *Cluster, indent string) {
		for _, n := range c.Nodes {
			if n.ID == ClientID {
				fmt.Fprintf(bw, "%s%s([%s])\n", indent, mermaidID("r_", n.ID), mermaidLabel(n.Label()))
				continue
			}
			fmt.Fprintf(bw, "%s%s[%s]\n", indent, mermaidID("r_", n.ID), mermaidLabel(n.Label()))
		}
		for _, sub := range c.Clusters {
			fmt.Fprintf(bw, "%ssubgraph %s[%s]\n", indent, mermaidID("c_", sub.ID), mermaidLabel(sub.Name))
			cluster(sub, indent+"  ")
			fmt.Fprintf(bw, "%send\n", indent)
		}
	}
	cluster(g.Root, "  ")
	for _, e := range g.Edges {
		switch e.Kind {
		case Side:
			fmt.Fprintf(bw, "  %s -.->|%s| %s\n", mermaidID("r_", e.From), e.Label, mermaidID("r_", e.To))
		default:
			fmt.Fprintf(bw, "  %s --> %s\n", mermaidID("r_", e.From), mermaidID("r_", e.To))
		}
	}
	return bw.Flush()
}

// ErrNoGraphviz is returned by RenderSVG when the dot program is not on PATH.
var ErrNoGraphviz = errors.New("SVG needs Graphviz: the dot program is not on PATH (install the graphviz package, or use --format dot or mermaid)")

// RenderSVG renders DOT source to SVG with Graphviz's dot program.
func RenderSVG(ctx context.Context, dot []byte) ([]byte, error) {
	bin, err := exec.LookPath("dot")
	if err != nil {
		return nil, ErrNoGraphviz
	}
	cmd := exec.CommandContext(ctx, bin, "-Tsvg")
	cmd.Stdin = strings.NewReader(string(dot))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("dot -Tsvg: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
