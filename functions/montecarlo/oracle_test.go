package montecarlo

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// published are Black-Scholes prices printed in the standard references,
// with the number of decimals they are printed to.
var published = []struct {
	source   string
	opt      Option
	call     float64
	put      float64 // NaN: not published
	decimals int
}{
	// Hull, Options, Futures, and Other Derivatives, the worked Black-Scholes
	// example: S0 = 42, K = 40, r = 10%, sigma = 20%, T = 6 months.
	{"Hull S=42 K=40", Option{Spot: 42, Strike: 40, Rate: 0.1, Volatility: 0.2, Maturity: 0.5}, 4.76, 0.81, 2},
	// Hull's delta-hedging example: a 20-week call, S0 = 49, K = 50, r = 5%,
	// sigma = 20%, priced at $240,000 for 100,000 options.
	{"Hull S=49 K=50", Option{Spot: 49, Strike: 50, Rate: 0.05, Volatility: 0.2, Maturity: 20.0 / 52}, 2.40, math.NaN(), 2},
	// Haug, The Complete Guide to Option Pricing Formulas, first example of
	// the generalized Black-Scholes-Merton formula (b = r): S = 60, X = 65,
	// T = 0.25, r = 8%, v = 30%.
	{"Haug S=60 X=65", Option{Spot: 60, Strike: 65, Rate: 0.08, Volatility: 0.3, Maturity: 0.25}, 2.1334, math.NaN(), 4},
	// The at-the-money textbook call and put (S0 = K = 100, r = 5%,
	// sigma = 20%, T = 1 year).
	{"ATM S=K=100", DefaultOption, 10.4506, 5.5735, 4},
}

func TestBlackScholesPublishedPrices(t *testing.T) {
	for _, p := range published {
		half := 0.5 * math.Pow(10, -float64(p.decimals))
		if got := p.opt.BlackScholes(); math.Abs(got-p.call) > half {
			t.Errorf("%s: call = %.6f, published %.*f", p.source, got, p.decimals, p.call)
		}
		if math.IsNaN(p.put) {
			continue
		}
		put := p.opt
		put.Put = true
		if got := put.BlackScholes(); math.Abs(got-p.put) > half {
			t.Errorf("%s: put = %.6f, published %.*f", p.source, got, p.decimals, p.put)
		}
	}
}

// TestEstimateCoversClosedForm runs the whole workload (shards, then
// reduce) for every published parameter set, call and put, and checks that
// the Black-Scholes closed form lies within the 95% confidence interval the
// result reports, and that the self-check passes.
func TestEstimateCoversClosedForm(t *testing.T) {
	ctx := context.Background()
	const size, samples = 3, 2_000_000
	for _, p := range published {
		for _, put := range []bool{false, true} {
			opt := p.opt
			opt.Put = put
			t.Run(p.source+" "+opt.Kind(), func(t *testing.T) {
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
				r, err := RunReduce(ctx, cfg, nil)
				if err != nil {
					t.Fatal(err)
				}
				bs := opt.BlackScholes()
				t.Logf("estimate %.5f ± %.5f, CI95 [%.5f, %.5f], Black-Scholes %.5f", r.Estimate, r.StdErr, r.CI95[0], r.CI95[1], bs)
				if bs < r.CI95[0] || bs > r.CI95[1] {
					t.Errorf("Black-Scholes %.6f is outside the reported CI95 [%.6f, %.6f]", bs, r.CI95[0], r.CI95[1])
				}
				if !r.SelfCheck.Passed || r.ZScore == nil {
					t.Errorf("self-check %+v, z-score %v", r.SelfCheck, r.ZScore)
				}
			})
		}
	}
}

// TestZeroStdErrWithMismatchFails: with sigma = 100% x 100 the simulated
// prices all underflow to 0, so every payoff is 0 and the standard error is
// 0, while the call is worth nearly S0. That used to be reported as z = 0; it
// must fail the self-check (and the reduce), with no z-score. A zero standard
// error where the closed form is 0 too (a call far out of the money) passes.
func TestZeroStdErrWithMismatchFails(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		opt  Option
		pass bool
	}{
		{"sigma 100", Option{Spot: 100, Strike: 100, Rate: 0.05, Volatility: 100, Maturity: 1}, false},
		{"far out of the money", Option{Spot: 1, Strike: 1000, Rate: 0.01, Volatility: 0.1, Maturity: 0.1}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := testConfig(t, dir, 1, 0, 100_000)
			cfg.Option = tt.opt
			part, err := RunShard(ctx, cfg, nil)
			if err != nil {
				t.Fatal(err)
			}
			if part.StdErr != 0 || part.Mean != 0 {
				t.Fatalf("part mean %v ± %v, want 0 ± 0", part.Mean, part.StdErr)
			}
			cfg.Reduce = true
			r, err := RunReduce(ctx, cfg, nil)
			if tt.pass {
				if err != nil || !r.SelfCheck.Passed {
					t.Errorf("RunReduce = %+v, %v; want a passed self-check", r.SelfCheck, err)
				}
				return
			}
			if !errors.Is(err, ErrSelfCheck) {
				t.Fatalf("RunReduce error = %v, want ErrSelfCheck", err)
			}
			if r.SelfCheck.Passed || r.ZScore != nil || !strings.Contains(r.SelfCheck.Reason, "standard error is 0 but the estimate 0 differs") {
				t.Errorf("self-check %+v, z-score %v", r.SelfCheck, r.ZScore)
			}
			// result.json is written all the same, with "zScore": null.
			b, err := os.ReadFile(filepath.Join(dir, "run-1", ResultName))
			if err != nil {
				t.Fatal(err)
			}
			var raw map[string]any
			if err := json.Unmarshal(b, &raw); err != nil {
				t.Fatal(err)
			}
			if z, ok := raw["zScore"]; !ok || z != nil {
				t.Errorf("result.json zScore = %v, want null", z)
			}
			if sc, _ := raw["selfCheck"].(map[string]any); sc["passed"] != false {
				t.Errorf("result.json selfCheck = %v", raw["selfCheck"])
			}
		})
	}
}

// TestSelfCheckRejectsFarEstimate: an estimate beyond MaxZScore standard
// errors fails.
func TestSelfCheckRejectsFarEstimate(t *testing.T) {
	if z, c := selfCheck(10.49, 0.01, 10.45); !c.Passed || z == nil || math.Abs(*z-4) > 1e-9 {
		t.Errorf("z = 4: %v %+v, want pass", z, c)
	}
	if z, c := selfCheck(10.6, 0.01, 10.45); c.Passed || z == nil {
		t.Errorf("z = 15: %v %+v, want fail", z, c)
	}
}

// TestOverflowingOptionsRejectedUpFront: parameters whose simulation
// overflows to Inf or NaN are refused by configuration, before any shard
// runs, naming what overflows.
func TestOverflowingOptionsRejectedUpFront(t *testing.T) {
	base := map[string]string{"SHARED_DIR": t.TempDir(), "RUN_ID": "run"}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"maturity 1e300", []string{"-maturity", "1e300"}, "option parameters overflow: the discount factor exp(-r T) = 0"},
		{"volatility 1e200", []string{"-volatility", "1e200"}, "option parameters overflow: (r - sigma^2/2) T or sigma sqrt(T) is not finite"},
		{"spot 1e300", []string{"-spot", "1e300"}, "option parameters overflow: the simulated price S_T"},
		{"spot 1e99, volatility 3", []string{"-spot", "1e99", "-volatility", "3"}, "its payoff must be finite and at most 1e+100"},
		{"discount underflows", []string{"-rate", "1", "-maturity", "1000", "-volatility", "0.01"}, "discount factor exp(-r T) = 0"},
		{"discount overflows", []string{"-rate", "-1", "-maturity", "1000", "-volatility", "0.01"}, "discount factor exp(-r T) = +Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(tt.args, env(base), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseConfig error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	// Simulate refuses them too, without simulating.
	o := DefaultOption
	o.Maturity = 1e300
	if _, err := Simulate(context.Background(), o, 1, 0, 1<<40, 1); err == nil || !strings.Contains(err.Error(), "overflow") {
		t.Errorf("Simulate error = %v, want an overflow error", err)
	}
}
