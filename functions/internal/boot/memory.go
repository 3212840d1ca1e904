package boot

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// Memory headroom left outside the Go runtime's soft memory limit: 10% of the
// function's memory, at least minHeadroom, for what the limit does not
// count (the executable's text, the Lambda runtime API client, fragmentation
// of returned pages).
const (
	headroomPercent = 10
	minHeadroom     = 64 << 20
)

// LambdaMemoryLimit returns the soft memory limit (bytes) for a Go function
// given memoryMB MB of memory (AWS_LAMBDA_FUNCTION_MEMORY_SIZE): the memory
// less 10%, and less at least 64 MiB. It returns 0 when memoryMB leaves no
// room for a limit.
func LambdaMemoryLimit(memoryMB int64) int64 {
	if memoryMB <= 0 || memoryMB > math.MaxInt64>>20 {
		return 0
	}
	mem := memoryMB << 20
	limit := mem - max(mem*headroomPercent/100, minHeadroom)
	return max(limit, 0)
}

// MemoryLimit returns the soft memory limit a Lambda function's Go runtime
// should run under, read through getenv: 0 when GOMEMLIMIT is set (the
// runtime has applied it: that setting wins) or when
// AWS_LAMBDA_FUNCTION_MEMORY_SIZE, which Lambda sets, is absent; else
// LambdaMemoryLimit of it.
func MemoryLimit(getenv func(string) string) (int64, error) {
	if getenv("GOMEMLIMIT") != "" {
		return 0, nil
	}
	v := strings.TrimSpace(getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"))
	if v == "" {
		return 0, nil
	}
	mb, err := strconv.ParseInt(v, 10, 64)
	if err != nil || mb <= 0 {
		return 0, fmt.Errorf("AWS_LAMBDA_FUNCTION_MEMORY_SIZE %q is not a positive number of MB", v)
	}
	return LambdaMemoryLimit(mb), nil
}

// applyMemoryLimit sets MemoryLimit(getenv) with debug.SetMemoryLimit when it
// is non-zero and returns the limit in force afterwards (math.MaxInt64: none).
func applyMemoryLimit(getenv func(string) string) (int64, error) {
	limit, err := MemoryLimit(getenv)
	if err != nil {
		return debug.SetMemoryLimit(-1), err
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	return debug.SetMemoryLimit(-1), nil
}
