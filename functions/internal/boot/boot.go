// Package boot starts gureum's Lambda handlers the same way: JSON logs on
// stdout (which Lambda ships to the function's log group), the default AWS
// configuration, required environment variables checked up front, a Go soft
// memory limit derived from the function's memory (unless GOMEMLIMIT is set),
// and a logged exit when the start fails, so a misconfigured function fails
// its first invocation with a clear reason.
package boot

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Boot is what a handler's main needs.
type Boot struct {
	Logger *slog.Logger
	AWS    aws.Config
	// MemoryLimit is the Go runtime's soft memory limit in force
	// (math.MaxInt64: none): GOMEMLIMIT when set, else the function's memory
	// (AWS_LAMBDA_FUNCTION_MEMORY_SIZE) less headroom; see LambdaMemoryLimit.
	MemoryLimit int64
}

// Start builds the logger, checks that every required variable is set,
// sets the Go soft memory limit (debug.SetMemoryLimit) from the function's
// memory unless GOMEMLIMIT is set, and loads the AWS configuration; it exits
// with status 1 on failure.
func Start(required ...string) *Boot {
	b := &Boot{Logger: slog.New(slog.NewJSONHandler(os.Stdout, nil))}
	if err := checkEnv(os.Getenv, required); err != nil {
		b.Fatal("configuration", err)
	}
	limit, err := applyMemoryLimit(os.Getenv)
	if err != nil {
		b.Fatal("configuration", err)
	}
	b.MemoryLimit = limit
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		b.Fatal("load AWS configuration", err)
	}
	b.AWS = cfg
	return b
}

// Env returns the value of an environment variable.
func (b *Boot) Env(name string) string { return os.Getenv(name) }

// Fatal logs msg with err and exits with status 1.
func (b *Boot) Fatal(msg string, err error) {
	b.Logger.Error(msg, "error", err.Error())
	os.Exit(1)
}

// checkEnv names every required variable that is unset or empty.
func checkEnv(getenv func(string) string, required []string) error {
	var missing []string
	for _, name := range required {
		if getenv(name) == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("environment variables not set: %s", strings.Join(missing, ", "))
	}
	return nil
}
