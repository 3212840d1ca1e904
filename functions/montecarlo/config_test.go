package montecarlo

import (
	"errors"
	"flag"
	"io"
	"strings"
	"testing"
)

func env(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestParseConfig(t *testing.T) {
	base := map[string]string{"SHARED_DIR": "/fsx/results", "AWS_BATCH_JOB_ID": "9f0c1d2e-aaaa-bbbb-cccc-0123456789ab:7"}
	with := func(extra map[string]string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		check func(t *testing.T, c Config)
	}{
		{"single job defaults", base, nil, func(t *testing.T, c Config) {
			if c.Index != 0 || c.ArraySize != 1 || c.Samples != DefaultSamples || c.Seed != DefaultSeed || c.Option != DefaultOption || c.Reduce {
				t.Errorf("defaults = %+v", c)
			}
			if c.RunID != "9f0c1d2e-aaaa-bbbb-cccc-0123456789ab" {
				t.Errorf("RunID = %q, want the array job ID without the index", c.RunID)
			}
			if got, want := c.ObjectKey("part-0.json"), "montecarlo/9f0c1d2e-aaaa-bbbb-cccc-0123456789ab/part-0.json"; got != want {
				t.Errorf("ObjectKey = %q, want %q", got, want)
			}
		}},
		{"array child from env", with(map[string]string{"AWS_BATCH_JOB_ARRAY_INDEX": "7", "ARRAY_SIZE": "16", "SAMPLES": "1600", "SEED": "18446744073709551615", "DATA_BUCKET": "data", "RESULT_PREFIX": "mc/runs", "RUN_ID": "explicit"}), nil, func(t *testing.T, c Config) {
			if c.Index != 7 || c.ArraySize != 16 || c.Samples != 1600 || c.Seed != 1<<64-1 || c.Bucket != "data" || c.Prefix != "mc/runs" || c.RunID != "explicit" {
				t.Errorf("config = %+v", c)
			}
		}},
		{"flags override env", with(map[string]string{"ARRAY_SIZE": "16", "SAMPLES": "1600"}), []string{"-array-size", "2", "-samples", "10", "-put", "-strike", "90", "-reduce", "-run-id", "r1"}, func(t *testing.T, c Config) {
			if c.ArraySize != 2 || c.Samples != 10 || !c.Option.Put || c.Option.Strike != 90 || !c.Reduce || c.RunID != "r1" {
				t.Errorf("config = %+v", c)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig(tt.args, env(tt.env), io.Discard)
			if err != nil {
				t.Fatalf("ParseConfig: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestParseConfigErrors(t *testing.T) {
	base := map[string]string{"SHARED_DIR": "/fsx/results", "RUN_ID": "run"}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"array size not a number", map[string]string{"ARRAY_SIZE": "four"}, nil, `ARRAY_SIZE="four" is not an integer`},
		{"array size zero", map[string]string{"ARRAY_SIZE": "0"}, nil, "array size 0 is out of range 1..10000"},
		{"array size too large", map[string]string{"ARRAY_SIZE": "10001"}, nil, "array size 10001 is out of range"},
		{"index not a number", map[string]string{"AWS_BATCH_JOB_ARRAY_INDEX": "x"}, nil, `AWS_BATCH_JOB_ARRAY_INDEX="x" is not an integer`},
		{"index out of range", map[string]string{"AWS_BATCH_JOB_ARRAY_INDEX": "4", "ARRAY_SIZE": "4"}, nil, "array index 4 is out of range 0..3 for array size 4"},
		{"negative samples", map[string]string{"SAMPLES": "-5"}, nil, "samples -5 is out of range"},
		{"samples not a number", map[string]string{"SAMPLES": "1e6"}, nil, `SAMPLES="1e6" is not an integer`},
		{"fewer samples than children", map[string]string{"SAMPLES": "3", "ARRAY_SIZE": "4"}, nil, "samples 3 is fewer than the array size 4"},
		{"negative seed", map[string]string{"SEED": "-1"}, nil, `SEED="-1" is not an unsigned 64-bit integer`},
		{"no shared dir", map[string]string{"SHARED_DIR": "-"}, []string{"-shared-dir", ""}, "SHARED_DIR"},
		{"run id with a slash", map[string]string{"RUN_ID": "../etc"}, nil, `run ID "../etc" must be`},
		{"reduce without run id", map[string]string{"RUN_ID": "-"}, []string{"-reduce", "-run-id", ""}, "-reduce needs RUN_ID"},
		{"zero volatility", nil, []string{"-volatility", "0"}, "option volatility must be a positive number"},
		{"bad flag value", nil, []string{"-samples", "many"}, `invalid value "many" for flag -samples`},
		{"stray argument", nil, []string{"extra"}, `unexpected arguments: ["extra"]`},
		{"several errors at once", map[string]string{"ARRAY_SIZE": "x", "SEED": "y"}, nil, `SEED="y"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range base {
				m[k] = v
			}
			for k, v := range tt.env {
				m[k] = v
			}
			_, err := ParseConfig(tt.args, env(m), io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseConfig error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	if _, err := ParseConfig([]string{"-h"}, env(base), io.Discard); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: error = %v, want flag.ErrHelp", err)
	}
}
