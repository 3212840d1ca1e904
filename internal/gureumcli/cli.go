package gureumcli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/gureum-cdk/gureum/internal/assembly"
	"github.com/gureum-cdk/gureum/internal/cfndiff"
	"github.com/gureum-cdk/gureum/internal/cfnspec"
	"github.com/gureum-cdk/gureum/internal/diagram"
	"github.com/gureum-cdk/gureum/internal/stackreport"
)

// Exit statuses. 0, 1 and 2 are the diff's verdict; the others are errors.
const (
	ExitOK      = 0 // no change (diff), success (diagram, report)
	ExitChanges = 1 // diff: changes, none gating
	ExitGated   = 2 // diff: a gating finding
	ExitUsage   = 3 // unknown subcommand or flag, wrong arguments
	ExitInput   = 4 // missing or unreadable input, not a template, stacks differ
	ExitRuntime = 5 // cannot write output, Graphviz missing or failing
)

const usage = `gureum: review synthesized AWS CDK apps in CI (reads cdk.out; builds nothing).

Usage:
  gureum diff [flags] OLD NEW
      Compare two cloud assemblies (cdk.out directories) or two template files
      (JSON or YAML).
      --format text|markdown|json   output format (default text)
      --fail-on LIST                categories that exit 2 (default
                                    stateful,security,new-grants,protection); any of stateful,
                                    may-replace, security, new-grants, protection, exports, egress,
                                    orphan, replace, destroy, or all, none
      --allow-stack-changes         report a stack found in one assembly only as added or
                                    removed instead of failing with exit 4
      --color auto|always|never     ANSI colour in text output (default auto: only when stdout
                                    is a terminal and NO_COLOR is unset)

  gureum diagram [flags] ASSEMBLY [STACK...]
      Draw each stack (or the named ones): resources grouped by construct, edges for
      the request and data flow (client, WAF, integrations, event sources,
      notifications, what roles allow); alarms, roles and permissions folded
      into the resource they belong to.
      --format dot|svg|mermaid      output format (default dot; svg runs Graphviz's dot)
      --out DIR                     write one file per stack (<stack>.dot|.svg|.mmd) into DIR
                                    instead of stdout
      --all                         every resource, and an edge for every Ref/Fn::GetAtt/
                                    Fn::Sub reference, instead of the flow

  gureum report [flags] ASSEMBLY
      Per stack: resources by type and against the 500-resource quota, template size
      against 1 MB (and the 51,200-byte direct upload), outputs/parameters/mappings
      against 200, and cdk-nag findings from *-NagReport.csv.
      --format text|markdown|json   output format (default text)

  gureum version     print the version and the CloudFormation specification used
  gureum help        print this help

Diff impacts: add, update, may-replace, replace, orphan (removed, DeletionPolicy Retain),
destroy. Findings: stateful (a stateful resource replaced, destroyed or orphaned, or put under
a Condition), may-replace (a stateful resource may be replaced), security (access broadened
for an existing principal or resource: IAM or resource policy, Lambda permission, security
group ingress; public access or encryption relaxed), new-grants (access granted only to or on
what the change creates: a new role's policies, a new function's permission), protection
(deletion or termination protection, or a Retain policy, removed), exports (an output's export
removed or renamed), egress (security group egress opened), orphan (a resource that holds no
data left unmanaged), replace (also: a custom-named resource CloudFormation cannot replace).
A CI job for feature pull requests may pass --fail-on=stateful,security,protection.

Exit status:
  0  diff: no change; diagram, report: success
  1  diff: changes, none in a --fail-on category
  2  diff: a finding in a --fail-on category
  3  usage error: unknown subcommand or flag, wrong number of arguments
  4  input error: missing directory or file, not a cloud assembly or template,
     a stack in one assembly only (without --allow-stack-changes), unknown stack
  5  runtime error: cannot write output, Graphviz missing or failing
`

// Env is what Run needs from the process.
type Env struct {
	Stdout, Stderr io.Writer
	// Getenv reads an environment variable (NO_COLOR).
	Getenv func(string) string
	// StdoutIsTerminal reports whether Stdout is a terminal.
	StdoutIsTerminal bool
}

// Main runs the command with the process's standard streams and environment.
func Main(args []string) int {
	term := false
	if fi, err := os.Stdout.Stat(); err == nil {
		term = fi.Mode()&os.ModeCharDevice != 0
	}
	return Run(context.Background(), args, Env{Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv, StdoutIsTerminal: term})
}

type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

func usageErr(format string, args ...any) error {
	return &exitError{ExitUsage, fmt.Errorf(format, args...)}
}

// Run runs the command with arguments args (without the program name) and
// returns its exit status.
func Run(ctx context.Context, args []string, env Env) int {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, usage)
		return ExitUsage
	}
	cmd, rest := args[0], args[1:]
	var (
		code int
		err  error
	)
	switch cmd {
	case "help", "-h", "-help", "--help":
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	case "version", "--version":
		fmt.Fprintf(env.Stdout, "gureum %s (CloudFormation spec: %s %s, %s)\n", version(), cfnspec.SourcePackage, cfnspec.SourceVersion, cfnspec.SourceDate)
		return ExitOK
	case "diff":
		code, err = runDiff(rest, env)
	case "diagram":
		code, err = runDiagram(ctx, rest, env)
	case "report":
		code, err = runReport(rest, env)
	default:
		err = usageErr("unknown subcommand %q", cmd)
		cmd = ""
	}
	if err == nil {
		return code
	}
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, usage)
		return ExitOK
	}
	prefix := "gureum"
	if cmd != "" {
		prefix += " " + cmd
	}
	fmt.Fprintf(env.Stderr, "%s: %v\n", prefix, err)
	var ee *exitError
	var ie *assembly.InputError
	var mis *cfndiff.StackMismatchError
	switch {
	case errors.As(err, &ee):
		if ee.code == ExitUsage {
			fmt.Fprintln(env.Stderr, "run 'gureum help' for usage")
		}
		return ee.code
	case errors.As(err, &ie), errors.As(err, &mis):
		return ExitInput
	}
	return ExitRuntime
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

// parse parses flags placed anywhere among the positional arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageErr("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func oneOf(name, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return usageErr("--%s %q: want one of %s", name, v, strings.Join(allowed, ", "))
}

func runDiff(args []string, env Env) (int, error) {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	format := fs.String("format", "text", "")
	failOn := fs.String("fail-on", strings.Join(cfndiff.DefaultFailOn, ","), "")
	allow := fs.Bool("allow-stack-changes", false, "")
	color := fs.String("color", "auto", "")
	pos, err := parse(fs, args)
	if err != nil {
		return 0, err
	}
	if err := oneOf("format", *format, "text", "markdown", "json"); err != nil {
		return 0, err
	}
	if err := oneOf("color", *color, "auto", "always", "never"); err != nil {
		return 0, err
	}
	gates, err := cfndiff.ParseFailOn(*failOn)
	if err != nil {
		return 0, usageErr("--fail-on: %v", err)
	}
	if len(pos) != 2 {
		return 0, usageErr("want OLD and NEW, got %d argument(s)", len(pos))
	}
	old, err := assembly.Load(pos[0])
	if err != nil {
		return 0, err
	}
	new, err := assembly.Load(pos[1])
	if err != nil {
		return 0, err
	}
	if old.IsTemplateFile() != new.IsTemplateFile() && (len(old.Stacks) != 1 || len(new.Stacks) != 1) {
		return 0, &assembly.InputError{Path: pos[0] + ", " + pos[1], Err: errors.New("a template file can be compared with a template file, or with an assembly of one stack")}
	}
	res, err := cfndiff.Compare(old, new, cfndiff.Options{AllowStackChanges: *allow})
	if err != nil {
		return 0, err
	}
	code := res.Gate(gates)
	var buf bytes.Buffer
	switch *format {
	case "markdown":
		err = cfndiff.WriteMarkdown(&buf, res)
	case "json":
		err = cfndiff.WriteJSON(&buf, res)
	default:
		useColor := *color == "always" || (*color == "auto" && env.StdoutIsTerminal && env.Getenv("NO_COLOR") == "")
		err = cfndiff.WriteText(&buf, res, useColor)
	}
	if err == nil {
		_, err = env.Stdout.Write(buf.Bytes())
	}
	if err != nil {
		return 0, &exitError{ExitRuntime, fmt.Errorf("writing output: %w", err)}
	}
	return code, nil
}

func runDiagram(ctx context.Context, args []string, env Env) (int, error) {
	fs := flag.NewFlagSet("diagram", flag.ContinueOnError)
	format := fs.String("format", "dot", "")
	out := fs.String("out", "", "")
	all := fs.Bool("all", false, "")
	pos, err := parse(fs, args)
	if err != nil {
		return 0, err
	}
	if err := oneOf("format", *format, "dot", "svg", "mermaid"); err != nil {
		return 0, err
	}
	if len(pos) < 1 {
		return 0, usageErr("want ASSEMBLY [STACK...]")
	}
	a, err := assembly.Load(pos[0])
	if err != nil {
		return 0, err
	}
	stacks := a.Stacks
	if len(pos) > 1 {
		stacks = nil
		for _, name := range pos[1:] {
			s := a.Stack(name)
			if s == nil {
				var names []string
				for _, s := range a.Stacks {
					names = append(names, s.Name)
				}
				return 0, &assembly.InputError{Path: pos[0], Err: fmt.Errorf("no stack %q (stacks: %s)", name, strings.Join(names, ", "))}
			}
			stacks = append(stacks, s)
		}
	}
	if *format == "svg" && *out == "" && len(stacks) > 1 {
		return 0, usageErr("--format svg with %d stacks needs --out DIR (or name one stack)", len(stacks))
	}
	if *out != "" {
		if err := os.MkdirAll(*out, 0o755); err != nil {
			return 0, &exitError{ExitRuntime, err}
		}
	}
	ext := map[string]string{"dot": ".dot", "svg": ".svg", "mermaid": ".mmd"}[*format]
	for i, s := range stacks {
		g := diagram.Build(s, diagram.Options{All: *all})
		var buf bytes.Buffer
		if *format == "mermaid" {
			err = diagram.WriteMermaid(&buf, g)
		} else {
			err = diagram.WriteDOT(&buf, g)
		}
		if err == nil && *format == "svg" {
			var svg []byte
			svg, err = diagram.RenderSVG(ctx, buf.Bytes())
			buf.Reset()
			buf.Write(svg)
		}
		if err != nil {
			return 0, &exitError{ExitRuntime, fmt.Errorf("stack %s: %w", s.Name, err)}
		}
		if *out != "" {
			name := filepath.Join(*out, strings.ReplaceAll(s.Name, "/", "-")+ext)
			if err := os.WriteFile(name, buf.Bytes(), 0o644); err != nil {
				return 0, &exitError{ExitRuntime, err}
			}
			fmt.Fprintln(env.Stderr, "wrote", name)
			continue
		}
		if i > 0 && *format == "mermaid" {
			fmt.Fprintln(env.Stdout)
		}
		if _, err := env.Stdout.Write(buf.Bytes()); err != nil {
			return 0, &exitError{ExitRuntime, fmt.Errorf("writing output: %w", err)}
		}
	}
	return ExitOK, nil
}

func runReport(args []string, env Env) (int, error) {
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	format := fs.String("format", "text", "")
	pos, err := parse(fs, args)
	if err != nil {
		return 0, err
	}
	if err := oneOf("format", *format, "text", "markdown", "json"); err != nil {
		return 0, err
	}
	if len(pos) != 1 {
		return 0, usageErr("want ASSEMBLY, got %d argument(s)", len(pos))
	}
	a, err := assembly.Load(pos[0])
	if err != nil {
		return 0, err
	}
	r, err := stackreport.Build(a)
	if err != nil {
		return 0, err
	}
	var buf bytes.Buffer
	switch *format {
	case "markdown":
		err = stackreport.WriteMarkdown(&buf, r)
	case "json":
		err = stackreport.WriteJSON(&buf, r)
	default:
		err = stackreport.WriteText(&buf, r)
	}
	if err == nil {
		_, err = env.Stdout.Write(buf.Bytes())
	}
	if err != nil {
		return 0, &exitError{ExitRuntime, fmt.Errorf("writing output: %w", err)}
	}
	return ExitOK, nil
}
