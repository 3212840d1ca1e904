// Command compare times gureum's Go synthesis against the same stacks in
// plain JavaScript CDK (bench/app.js: the same aws-cdk-lib, cdk-nag and
// handler binaries), side by side:
//
//	go run ./bench/compare                  # GureumVoting, and N = 1, 10, 50 ServerlessAPIs
//	go run ./bench/compare -rounds 9 -n 1,20
//
// It builds bench/goapp once, and the voting handlers once for the
// JavaScript app (the Go app takes them from golambda's build cache, warmed
// by a first run). Every case runs once unmeasured, which also checks that
// both sides synthesize the same resource types and counts; then the rounds
// run every case of both sides, interleaved (the side that goes first
// alternates), so a machine that is busier for a while slows both. It prints
// the median wall time and CPU time (user+system of the process and every
// process it started, the jsii kernel's node included) of each side, their
// ratio, and each side's marginal cost of one more ServerlessAPI.
//
// Run it from the repository root after make setup (bench/node_modules).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	rounds := flag.Int("rounds", 5, "measured runs of every case and side")
	ns := flag.String("n", "1,10,50", "numbers of ServerlessAPIs in one stack (empty: none)")
	voting := flag.Bool("voting", true, "time the GureumVoting stack")
	validation := flag.Bool("validation", true, "aws-cdk-lib's built-in CloudFormation validation (CDK_VALIDATION)")
	flag.Parse()
	if err := run(*rounds, *ns, *voting, *validation); err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		os.Exit(1)
	}
}

// a case is one stack, synthesized by each side.
type benchCase struct {
	name string
	n    int // ServerlessAPIs; 0 for GureumVoting
	args []string
}

type sample struct{ wall, cpu time.Duration }

func run(rounds int, ns string, voting, validation bool) error {
	if _, err := os.Stat("bench/app.js"); err != nil {
		return fmt.Errorf("run from the repository root: %v", err)
	}
	if _, err := os.Stat("bench/node_modules/aws-cdk-lib"); err != nil {
		return fmt.Errorf("bench/node_modules is not installed (make setup): %v", err)
	}
	work, err := os.MkdirTemp("", "gureum-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	env := append(os.Environ(),
		"JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1", "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=20",
		"JSII_RUNTIME_PACKAGE_CACHE=enabled")
	if !validation {
		env = append(env, "CDK_VALIDATION=false")
	}
	goApp := filepath.Join(work, "goapp")
	fmt.Fprintln(os.Stderr, "building bench/goapp and the voting handlers...")
	if out, err := exec.Command("go", "build", "-o", goApp, "./bench/goapp").CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./bench/goapp: %v\n%s", err, out)
	}
	handlers := filepath.Join(work, "handlers")
	for _, h := range []string{"createpoll", "castvote", "getpoll"} {
		// golambda's flags: the same binaries the Go app bundles.
		cmd := exec.Command("go", "build", "-tags", "lambda.norpc", "-trimpath", "-buildvcs=false",
			"-ldflags", "-s -w -buildid=", "-o", filepath.Join(handlers, h, "bootstrap"), "./functions/voting/"+h)
		cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", h, err, out)
		}
	}

	var cases []benchCase
	if voting {
		cases = append(cases, benchCase{name: "GureumVoting", args: []string{"voting"}})
	}
	var counts []int
	for _, f := range strings.Split(ns, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 {
			return fmt.Errorf("-n: %q is not a positive number", f)
		}
		counts = append(counts, n)
		cases = append(cases, benchCase{name: fmt.Sprintf("%d ServerlessAPIs", n), n: n, args: []string{"apis", f}})
	}
	sides := []string{"Go", "JS"}
	command := func(side string, c benchCase, out string) *exec.Cmd {
		var cmd *exec.Cmd
		if side == "Go" {
			cmd = exec.Command(goApp, append(append([]string{}, c.args...), out)...)
		} else {
			cmd = exec.Command("node", append(append([]string{"bench/app.js"}, c.args...), out, handlers)...)
		}
		cmd.Env = env
		return cmd
	}

	// Warm up (golambda's cache, node's and jsii's caches) and check that
	// both sides build the same resources.
	for _, c := range cases {
		var types [2]map[string]int
		for i, side := range sides {
			out := filepath.Join(work, "warm-"+side)
			if _, err := measure(command(side, c, out), out); err != nil {
				return fmt.Errorf("%s %s: %v", side, c.name, err)
			}
			if types[i], err = resourceTypes(out); err != nil {
				return fmt.Errorf("%s %s: %v", side, c.name, err)
			}
		}
		if a, b := fmt.Sprint(types[0]), fmt.Sprint(types[1]); a != b {
			return fmt.Errorf("%s: the Go and JavaScript stacks differ:\nGo %s\nJS %s", c.name, a, b)
		}
		total := 0
		for _, n := range types[0] {
			total += n
		}
		fmt.Fprintf(os.Stderr, "%s: %d resources on both sides\n", c.name, total)
	}

	samples := map[string][]sample{} // side + case
	for r := 0; r < rounds; r++ {
		for _, c := range cases {
			order := sides
			if r%2 == 1 {
				order = []string{"JS", "Go"}
			}
			for _, side := range order {
				out := filepath.Join(work, "out-"+side)
				s, err := measure(command(side, c, out), out)
				if err != nil {
					return fmt.Errorf("%s %s: %v", side, c.name, err)
				}
				samples[side+c.name] = append(samples[side+c.name], s)
				fmt.Fprintf(os.Stderr, "round %d/%d %-18s %s: %5.1fs wall %5.1fs CPU\n", r+1, rounds, c.name, side, s.wall.Seconds(), s.cpu.Seconds())
			}
		}
	}

	fmt.Printf("median of %d interleaved runs; validation %v; %s\n\n", rounds, validation, machine())
	fmt.Printf("%-18s %9s %9s %6s   %9s %9s %6s\n", "stack", "Go wall", "JS wall", "Go/JS", "Go CPU", "JS CPU", "Go/JS")
	med := map[string]sample{}
	for _, c := range cases {
		g, j := median(samples["Go"+c.name]), median(samples["JS"+c.name])
		med["Go"+c.name], med["JS"+c.name] = g, j
		fmt.Printf("%-18s %8.2fs %8.2fs %5.2fx   %8.2fs %8.2fs %5.2fx\n", c.name,
			g.wall.Seconds(), j.wall.Seconds(), ratio(g.wall, j.wall), g.cpu.Seconds(), j.cpu.Seconds(), ratio(g.cpu, j.cpu))
	}
	if len(counts) >= 2 {
		sort.Ints(counts)
		lo, hi := counts[0], counts[len(counts)-1]
		per := func(side string, pick func(sample) time.Duration) time.Duration {
			a := pick(med[fmt.Sprintf("%s%d ServerlessAPIs", side, lo)])
			b := pick(med[fmt.Sprintf("%s%d ServerlessAPIs", side, hi)])
			return (b - a) / time.Duration(hi-lo)
		}
		wall := func(s sample) time.Duration { return s.wall }
		cpu := func(s sample) time.Duration { return s.cpu }
		fmt.Printf("\none more ServerlessAPI (N %d→%d): Go %dms wall %dms CPU, JS %dms wall %dms CPU: Go/JS %.2fx wall, %.2fx CPU\n",
			lo, hi, per("Go", wall).Milliseconds(), per("Go", cpu).Milliseconds(), per("JS", wall).Milliseconds(), per("JS", cpu).Milliseconds(),
			ratio(per("Go", wall), per("JS", wall)), ratio(per("Go", cpu), per("JS", cpu)))
	}
	return nil
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func median(s []sample) sample {
	walls := make([]time.Duration, len(s))
	cpus := make([]time.Duration, len(s))
	for i := range s {
		walls[i], cpus[i] = s[i].wall, s[i].cpu
	}
	mid := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		if len(d)%2 == 1 {
			return d[len(d)/2]
		}
		return (d[len(d)/2-1] + d[len(d)/2]) / 2
	}
	return sample{mid(walls), mid(cpus)}
}

// resourceTypes counts the resources of each type in the one stack template
// of an assembly.
func resourceTypes(dir string) (map[string]int, error) {
	tpls, _ := filepath.Glob(filepath.Join(dir, "*.template.json"))
	if len(tpls) != 1 {
		return nil, fmt.Errorf("%d templates in %s, want 1", len(tpls), dir)
	}
	b, err := os.ReadFile(tpls[0])
	if err != nil {
		return nil, err
	}
	var tpl struct {
		Resources map[string]struct{ Type string }
	}
	if err := json.Unmarshal(b, &tpl); err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, r := range tpl.Resources {
		out[r.Type]++
	}
	return out, nil
}

// measure runs cmd to completion and returns its wall time and the CPU time
// of it and every process it started (see cpuTime).
func measure(cmd *exec.Cmd, assembly string) (sample, error) {
	os.RemoveAll(assembly)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	before := childrenCPU()
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return sample{}, fmt.Errorf("%v\n%s", err, out.String())
	}
	reapOrphans()
	return sample{wall: time.Since(start), cpu: childrenCPU() - before}, nil
}

func machine() string {
	out, _ := exec.Command("go", "version").Output()
	node, _ := exec.Command("node", "--version").Output()
	return fmt.Sprintf("%s, node %s", strings.TrimSpace(string(out)), strings.TrimSpace(string(node)))
}
