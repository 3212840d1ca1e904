package montecarlo

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBlackScholes(t *testing.T) {
	// Reference prices of the textbook example (Hull): S0 = K = 100, r = 5%,
	// sigma = 20%, T = 1 year.
	tests := []struct {
		name string
		opt  Option
		want float64
	}{
		{"atm call", DefaultOption, 10.450583572185565},
		{"atm put", Option{Spot: 100, Strike: 100, Rate: 0.05, Volatility: 0.2, Maturity: 1, Put: true}, 5.573526022256971},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.opt.BlackScholes(); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("BlackScholes = %.12f, want %.12f", got, tt.want)
			}
		})
	}
	// Put-call parity: C - P = S0 - K exp(-rT), for any strike.
	for _, k := range []float64{60, 95, 100, 140} {
		c := Option{Spot: 100, Strike: k, Rate: 0.03, Volatility: 0.35, Maturity: 2}
		p := c
		p.Put = true
		if d := c.BlackScholes() - p.BlackScholes() - (100 - k*math.Exp(-0.03*2)); math.Abs(d) > 1e-9 {
			t.Errorf("strike %v: put-call parity off by %g", k, d)
		}
	}
}

func TestShardRange(t *testing.T) {
	tests := []struct {
		total int64
		size  int
	}{{10, 1}, {10, 3}, {10, 10}, {1_000_003, 7}, {1 << 40, 10000}}
	for _, tt := range tests {
		var next int64
		minN, maxN := int64(math.MaxInt64), int64(0)
		for i := range tt.size {
			first, n := ShardRange(tt.total, tt.size, i)
			if first != next {
				t.Fatalf("ShardRange(%d, %d, %d) first = %d, want %d (contiguous)", tt.total, tt.size, i, first, next)
			}
			next += n
			minN, maxN = min(minN, n), max(maxN, n)
		}
		if next != tt.total {
			t.Errorf("ShardRange(%d, %d, *) covers %d samples, want %d", tt.total, tt.size, next, tt.total)
		}
		if maxN-minN > 1 {
			t.Errorf("ShardRange(%d, %d, *) sizes range %d..%d, want a spread of at most 1", tt.total, tt.size, minN, maxN)
		}
	}
}

func TestNormalsAreStandard(t *testing.T) {
	key := streamKey(42)
	const n = 1_000_000
	var st Stats
	buf := make([]float64, 0, n)
	for i := range int64(n) {
		buf = append(buf, normal(key, i))
	}
	st = blockStats(buf)
	// The mean of n standard normals has standard deviation 1/sqrt(n) = 0.001.
	if math.Abs(st.Mean) > 0.004 {
		t.Errorf("mean of %d normals = %g, want 0 within 0.004", n, st.Mean)
	}
	if v := st.Variance(); math.Abs(v-1) > 0.006 {
		t.Errorf("variance of %d normals = %g, want 1 within 0.006", n, v)
	}
	var below int
	for _, z := range buf {
		if z < -1.959963984540054 {
			below++
		}
	}
	// P(Z < -1.96) = 0.025; the count has standard deviation sqrt(n*0.025*0.975) = 156.
	if d := float64(below) - 0.025*n; math.Abs(d) > 4*156 {
		t.Errorf("%d of %d normals below -1.96, want %d within %d", below, n, int(0.025*n), 4*156)
	}
}

func TestSimulateIndependentOfWorkers(t *testing.T) {
	ctx := context.Background()
	// A range that starts and ends inside a chunk and inside a pair.
	const first, n = 3*chunkSize/2 + 1, 5*chunkSize + 12345
	want, err := Simulate(ctx, DefaultOption, 7, first, n, 1)
	if err != nil {
		t.Fatal(err)
	}
	if want.N != n {
		t.Fatalf("Simulate N = %d, want %d", want.N, n)
	}
	for _, w := range []int{2, 3, 8, 64} {
		got, err := Simulate(ctx, DefaultOption, 7, first, n, w)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("workers=%d: %+v, want %+v (bit-identical to workers=1)", w, got, want)
		}
	}
}

func TestSimulateMatchesDirectComputation(t *testing.T) {
	// The chunked, blocked, pairwise simulation must equal a plain loop over
	// the same samples up to rounding.
	const seed, first, n = 11, 99_999, 300_001
	key, p := streamKey(seed), newPricer(DefaultOption)
	xs := make([]float64, 0, n)
	for i := int64(first); i < first+n; i++ {
		xs = append(xs, p.payoff(normal(key, i)))
	}
	want := blockStats(xs)
	got, err := Simulate(context.Background(), DefaultOption, seed, first, n, 4)
	if err != nil {
		t.Fatal(err)
	}
	if got.N != want.N || !near(got.Mean, want.Mean, 1e-12) || !near(got.M2, want.M2, 1e-10) {
		t.Errorf("Simulate = %+v, direct loop = %+v", got, want)
	}
}

func TestSimulateCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Simulate(ctx, DefaultOption, 1, 0, 10*chunkSize, 2); err == nil {
		t.Error("Simulate with a cancelled context succeeded, want an error")
	}
}

func near(a, b, rel float64) bool {
	return math.Abs(a-b) <= rel*math.Max(math.Abs(a), math.Abs(b))
}

func testConfig(t *testing.T, dir string, arraySize, index int, samples int64) Config {
	t.Helper()
	return Config{
		Index: index, ArraySize: arraySize, Samples: samples, Seed: 2026, Workers: 2,
		SharedDir: dir, RunID: "run-1", Prefix: DefaultResultPrefix, Option: DefaultOption,
	}
}

func TestShardDeterministicBytes(t *testing.T) {
	ctx := context.Background()
	var files [][]byte
	for i, workers := range []int{1, 2, 5} {
		dir := t.TempDir()
		cfg := testConfig(t, dir, 8, 3, 2_000_000)
		cfg.Workers = workers
		if _, err := RunShard(ctx, cfg, nil); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		b, err := os.ReadFile(filepath.Join(dir, "run-1", "part-3.json"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	for i := 1; i < len(files); i++ {
		if !bytes.Equal(files[0], files[i]) {
			t.Errorf("re-run %d wrote different bytes:\n%s\nwant\n%s", i, files[i], files[0])
		}
	}
}

func TestShardsAreDisjoint(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	const size, samples = 4, 400_000
	seen := map[float64]int{}
	means := map[float64]int{}
	key := streamKey(2026)
	for i := range size {
		p, err := RunShard(ctx, testConfig(t, dir, size, i, samples), nil)
		if err != nil {
			t.Fatal(err)
		}
		if prev, dup := means[p.Mean]; dup {
			t.Errorf("shards %d and %d have the same mean %v", prev, i, p.Mean)
		}
		means[p.Mean] = i
		// The normal variates behind the shard's samples appear in no other shard.
		for s := p.FirstSample; s < p.FirstSample+p.N; s++ {
			z := normal(key, s)
			if prev, dup := seen[z]; dup && prev != i {
				t.Fatalf("sample %d of shard %d repeats a variate of shard %d", s, i, prev)
			}
			seen[z] = i
		}
	}
	if len(seen) < samples*999/1000 {
		t.Errorf("%d distinct variates among %d samples", len(seen), samples)
	}
	// A different base seed gives a different shard.
	a, _ := Simulate(ctx, DefaultOption, 1, 0, 10_000, 1)
	b, _ := Simulate(ctx, DefaultOption, 2, 0, 10_000, 1)
	if a == b {
		t.Errorf("seeds 1 and 2 gave the same statistics %+v", a)
	}
}

func TestReduceMatchesSingleRunAndAnalytic(t *testing.T) {
	ctx := context.Background()
	put := DefaultOption
	put.Put = true
	put.Strike = 110
	for _, opt := range []Option{DefaultOption, put} {
		t.Run(opt.Kind(), func(t *testing.T) {
			const size, samples = 6, 3_000_001
			dir := t.TempDir()
			for i := range size {
				cfg := testConfig(t, dir, size, i, samples)
				cfg.Option = opt
				if _, err := RunShard(ctx, cfg, nil); err != nil {
					t.Fatal(err)
				}
			}
			cfg := testConfig(t, dir, size, 0, samples)
			cfg.Option, cfg.Reduce = opt, true
			got, err := RunReduce(ctx, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, "run-1", ResultName)); err != nil {
				t.Errorf("result file: %v", err)
			}

			single := testConfig(t, t.TempDir(), 1, 0, samples)
			single.Option = opt
			one, err := RunShard(ctx, single, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got.N != samples || one.N != samples {
				t.Fatalf("reduce N = %d, single N = %d, want %d", got.N, one.N, samples)
			}
			// Same sample paths, different merge order: equal up to rounding,
			// far inside the statistical tolerance.
			if !near(got.Estimate, one.Mean, 1e-12) || !near(got.StdErr, one.StdErr, 1e-9) {
				t.Errorf("reduce of %d parts = %v ± %v, single run = %v ± %v", size, got.Estimate, got.StdErr, one.Mean, one.StdErr)
			}
			if d := math.Abs(got.Estimate - one.Mean); d > got.StdErr {
				t.Errorf("reduce and single run differ by %g, more than one standard error %g", d, got.StdErr)
			}
			want := opt.BlackScholes()
			if got.Analytic != want {
				t.Errorf("Analytic = %v, want %v", got.Analytic, want)
			}
			if got.ZScore == nil || math.Abs(*got.ZScore) > 4 || !got.SelfCheck.Passed {
				t.Errorf("estimate %v ± %v: z-score %v, self-check %+v against the Black-Scholes price %v", got.Estimate, got.StdErr, got.ZScore, got.SelfCheck, want)
			}
			if got.CI95[0] >= got.Estimate || got.CI95[1] <= got.Estimate {
				t.Errorf("CI95 %v does not surround %v", got.CI95, got.Estimate)
			}
		})
	}
}

func TestStdErrShrinksWithSamples(t *testing.T) {
	ctx := context.Background()
	small, err := Simulate(ctx, DefaultOption, 5, 0, 250_000, 0)
	if err != nil {
		t.Fatal(err)
	}
	large, err := Simulate(ctx, DefaultOption, 5, 0, 4_000_000, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 16 times the samples: a quarter of the standard error.
	if r := large.StdErr() / small.StdErr(); math.Abs(r-0.25) > 0.025 {
		t.Errorf("standard error ratio = %.4f, want 0.25 ± 0.025", r)
	}
	if z := math.Abs(large.Mean-DefaultOption.BlackScholes()) / large.StdErr(); z > 4 {
		t.Errorf("4M-sample estimate %v is %.2f standard errors from %v", large.Mean, z, DefaultOption.BlackScholes())
	}
}

func TestReduceRejectsIncompleteOrMixedRuns(t *testing.T) {
	ctx := context.Background()
	const size, samples = 3, 30_000
	write := func(t *testing.T, dir string, seed uint64, indices ...int) {
		for _, i := range indices {
			cfg := testConfig(t, dir, size, i, samples)
			cfg.Seed = seed
			if _, err := RunShard(ctx, cfg, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	reduce := func(dir string, arraySize int) error {
		cfg := testConfig(t, dir, arraySize, 0, samples)
		cfg.Reduce = true
		_, err := RunReduce(ctx, cfg, nil)
		return err
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		size    int
		want    string
	}{
		{"missing part", func(t *testing.T, dir string) { write(t, dir, 1, 0, 2) }, size, "missing indices: 1"},
		{"mixed seeds", func(t *testing.T, dir string) { write(t, dir, 1, 0, 1); write(t, dir, 2, 2) }, size, "part 2: seed 2 differs from part 0's 1"},
		{"wrong array size", func(t *testing.T, dir string) { write(t, dir, 1, 0, 1, 2) }, 2, "beyond array size 2: part-2.json"},
		{"corrupt part", func(t *testing.T, dir string) {
			write(t, dir, 1, 0, 1, 2)
			os.WriteFile(filepath.Join(dir, "run-1", "part-1.json"), []byte("{"), 0o644)
		}, size, "decode"},
		{"no run directory", func(t *testing.T, dir string) {}, size, "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.prepare(t, dir)
			err := reduce(dir, tt.size)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("reduce error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "nested", "part-0.json")
	if err := WriteFileAtomic(path, []byte("first"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("second"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || string(b) != "second" {
		t.Fatalf("content = %q, %v; want %q", b, err, "second")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only part-0.json (no temporary files left)", names)
	}

	// A rename that cannot happen (the target is a non-empty directory) fails,
	// leaves the target as it was and removes the temporary file.
	blocked := filepath.Join(dir, "blocked")
	if err := os.MkdirAll(filepath.Join(blocked, "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(blocked, []byte("x"), 0o644); err == nil {
		t.Error("WriteFileAtomic over a non-empty directory succeeded, want an error")
	}
	entries, _ = os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	if fi, err := os.Stat(blocked); err != nil || !fi.IsDir() {
		t.Errorf("target changed: %v, %v", fi, err)
	}

	// Readers racing a writer see a complete old or new file, never a prefix.
	old, new := bytes.Repeat([]byte("a"), 1<<20), bytes.Repeat([]byte("b"), 1<<20)
	racy := filepath.Join(dir, "racy.json")
	if err := WriteFileAtomic(racy, old, 0o644); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range 20 {
			data := old
			if i%2 == 0 {
				data = new
			}
			if err := WriteFileAtomic(racy, data, 0o644); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for reads := 0; ; reads++ {
		select {
		case <-done:
			return
		default:
		}
		b, err := os.ReadFile(racy)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(b, old) && !bytes.Equal(b, new) {
			t.Fatalf("read %d: a reader saw %d bytes that are neither the old nor the new file", reads, len(b))
		}
	}
}

func BenchmarkSimulate(b *testing.B) {
	ctx := context.Background()
	const n = 1 << 20
	for b.Loop() {
		if _, err := Simulate(ctx, DefaultOption, 1, 0, n, 1); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/sample")
}
