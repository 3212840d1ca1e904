package boot

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestCheckEnv(t *testing.T) {
	env := map[string]string{"TABLE_NAME": "polls", "EMPTY": ""}
	getenv := func(k string) string { return env[k] }
	if err := checkEnv(getenv, []string{"TABLE_NAME"}); err != nil {
		t.Errorf("set variable reported: %v", err)
	}
	err := checkEnv(getenv, []string{"TABLE_NAME", "EMPTY", "BUCKET"})
	if err == nil || err.Error() != "environment variables not set: EMPTY, BUCKET" {
		t.Errorf("checkEnv = %v, want both missing variables named", err)
	}
}

func TestMemoryLimit(t *testing.T) {
	tests := []struct {
		env     map[string]string
		want    int64
		wantErr bool
	}{
		{map[string]string{}, 0, false},
		// 10% headroom: 2048 MB -> 1843.2 MiB.
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "2048"}, 2048<<20 - 2048<<20/10, false},
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "10240"}, 10240<<20 - 10240<<20/10, false},
		// At least 64 MiB of headroom: 128 MB -> 64 MiB.
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128"}, 64 << 20, false},
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "64"}, 0, false},
		// GOMEMLIMIT wins: the runtime has applied it already.
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "2048", "GOMEMLIMIT": "900MiB"}, 0, false},
		{map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "lots"}, 0, true},
	}
	for _, tt := range tests {
		got, err := MemoryLimit(func(k string) string { return tt.env[k] })
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("MemoryLimit(%v) = %d, %v; want %d, error %v", tt.env, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestApplyMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(old) })
	env := map[string]string{"AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "1024"}
	got, err := applyMemoryLimit(func(k string) string { return env[k] })
	if want := int64(1024<<20 - 1024<<20/10); err != nil || got != want || debug.SetMemoryLimit(-1) != want {
		t.Errorf("applyMemoryLimit = %d, %v; runtime limit %d; want %d", got, err, debug.SetMemoryLimit(-1), want)
	}
	debug.SetMemoryLimit(math.MaxInt64)
	env["GOMEMLIMIT"] = "512MiB" // as if the runtime had read it: nothing is changed
	if got, _ := applyMemoryLimit(func(k string) string { return env[k] }); got != math.MaxInt64 {
		t.Errorf("applyMemoryLimit with GOMEMLIMIT set changed the limit to %d", got)
	}
}
