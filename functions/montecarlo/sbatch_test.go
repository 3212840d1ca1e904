package montecarlo

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sbatchScript is the Slurm mode's job script.
const sbatchScript = "slurm/montecarlo.sbatch"

func TestSbatchScriptParses(t *testing.T) {
	if out, err := exec.Command("bash", "-n", sbatchScript).CombinedOutput(); err != nil {
		t.Fatalf("bash -n %s: %v\n%s", sbatchScript, err, out)
	}
}

// TestSbatchScriptKeepsTheBatchContract runs the script as Slurm would run
// one array task and the reduce job, with a workload that records its
// arguments and environment, and parses what it got with this package's own
// ParseConfig: the shard index, array size, run ID and shared directory are
// those of the Slurm job, as the AWS Batch job script gives them.
func TestSbatchScriptKeepsTheBatchContract(t *testing.T) {
	dir := t.TempDir()
	record := filepath.Join(dir, "record")
	workload := filepath.Join(dir, "workload")
	if err := os.WriteFile(workload, []byte("#!/bin/bash\n{ printf '%s\\n' \"$@\"; echo --; env; } > "+record+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	profile := filepath.Join(dir, "profile")
	shared := filepath.Join(dir, "fsx", "scratch")
	if err := os.WriteFile(profile, []byte("export SHARED_DIR="+shared+"\nexport WORKLOAD="+workload+"\nexport WORKLOAD_ARGS='-samples 1000'\nexport DATA_BUCKET=b RESULT_PREFIX=montecarlo\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(env []string, args ...string) (argv []string, getenv func(string) string) {
		t.Helper()
		cmd := exec.Command("bash", append([]string{sbatchScript}, args...)...)
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "GUREUM_PROFILE=" + profile}, env...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", sbatchScript, err, out)
		}
		b, err := os.ReadFile(record)
		if err != nil {
			t.Fatal(err)
		}
		before, after, _ := strings.Cut(string(b), "--\n")
		vars := map[string]string{}
		for _, line := range strings.Split(after, "\n") {
			if k, v, ok := strings.Cut(line, "="); ok {
				vars[k] = v
			}
		}
		return strings.Fields(before), func(k string) string { return vars[k] }
	}

	argv, getenv := run([]string{"SLURM_ARRAY_TASK_ID=3", "SLURM_ARRAY_TASK_COUNT=8", "SLURM_ARRAY_JOB_ID=4242", "SLURM_JOB_ID=4245"})
	cfg, err := ParseConfig(argv, getenv, io.Discard)
	if err != nil {
		t.Fatalf("ParseConfig(%q): %v", argv, err)
	}
	if cfg.Index != 3 || cfg.ArraySize != 8 || cfg.RunID != "4242" || cfg.SharedDir != shared || cfg.Samples != 1000 || cfg.Reduce {
		t.Errorf("array task config = %+v", cfg)
	}
	if _, err := os.Stat(shared); err != nil {
		t.Errorf("SHARED_DIR was not created: %v", err)
	}

	argv, getenv = run([]string{"SLURM_JOB_ID=4250", "RUN_ID=4242", "ARRAY_SIZE=8"}, "-reduce")
	cfg, err = ParseConfig(argv, getenv, io.Discard)
	if err != nil {
		t.Fatalf("ParseConfig(%q): %v", argv, err)
	}
	if !cfg.Reduce || cfg.RunID != "4242" || cfg.ArraySize != 8 {
		t.Errorf("reduce config = %+v", cfg)
	}
}
