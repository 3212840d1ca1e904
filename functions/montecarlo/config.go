package montecarlo

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"runtime"
	"strconv"
	"strings"
)

// MaxArraySize is AWS Batch's limit on the size of an array job.
const MaxArraySize = 10000

// Defaults of the settings that have one.
const (
	DefaultSamples      = 100_000_000
	DefaultSeed         = 1
	DefaultResultPrefix = "montecarlo"
)

// Config is the configuration of one run of the command.
type Config struct {
	// Reduce combines the parts of a run instead of simulating a shard.
	Reduce bool
	// Index is this child's array index (AWS_BATCH_JOB_ARRAY_INDEX, -index).
	// Default: 0, a single job.
	Index int
	// ArraySize is the number of children of the array job (ARRAY_SIZE,
	// -array-size). Default: 1.
	ArraySize int
	// Samples is the number of samples of the whole run, shared among the
	// children (SAMPLES, -samples). Default: DefaultSamples.
	Samples int64
	// Seed is the base seed of the run (SEED, -seed). Default: DefaultSeed.
	Seed uint64
	// Workers is the number of simulating goroutines (WORKERS, -workers).
	// Default: GOMAXPROCS, which follows the container's CPU limit.
	Workers int
	// SharedDir is the shared file system directory under which each run has
	// its own subdirectory (SHARED_DIR, -shared-dir). Required.
	SharedDir string
	// RunID names the run's subdirectory and S3 prefix (RUN_ID, -run-id).
	// Default: the array job's ID, AWS_BATCH_JOB_ID without its ":<index>"
	// suffix. Required for -reduce, which runs as a job of its own.
	RunID string
	// Bucket is the data bucket parts and results are uploaded to
	// (DATA_BUCKET, -bucket). Default: empty, no upload.
	Bucket string
	// Prefix is the key prefix in Bucket (RESULT_PREFIX, -prefix).
	// Default: DefaultResultPrefix.
	Prefix string
	// Option is the priced option (-spot, -strike, -rate, -volatility,
	// -maturity, -put). Default: DefaultOption.
	Option Option
}

var runIDRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// ParseConfig reads the configuration from the environment (through getenv)
// and the command-line arguments; a flag given on the command line overrides
// its environment variable. Usage and flag errors are written to output.
//
// Environment variables: AWS_BATCH_JOB_ARRAY_INDEX, ARRAY_SIZE, SAMPLES, SEED,
// WORKERS, SHARED_DIR, RUN_ID, AWS_BATCH_JOB_ID, DATA_BUCKET, RESULT_PREFIX.
func ParseConfig(args []string, getenv func(string) string, output io.Writer) (Config, error) {
	cfg := Config{
		ArraySize: 1,
		Samples:   DefaultSamples,
		Seed:      DefaultSeed,
		Workers:   runtime.GOMAXPROCS(0),
		Prefix:    DefaultResultPrefix,
		Option:    DefaultOption,
	}
	var errs []error
	envInt := func(name string, dst *int) {
		if v := getenv(name); v != "" {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				errs = append(errs, fmt.Errorf("%s=%q is not an integer", name, v))
				return
			}
			*dst = n
		}
	}
	envInt("AWS_BATCH_JOB_ARRAY_INDEX", &cfg.Index)
	envInt("ARRAY_SIZE", &cfg.ArraySize)
	envInt("WORKERS", &cfg.Workers)
	if v := getenv("SAMPLES"); v != "" {
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("SAMPLES=%q is not an integer", v))
		}
		cfg.Samples = n
	}
	if v := getenv("SEED"); v != "" {
		n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("SEED=%q is not an unsigned 64-bit integer", v))
		}
		cfg.Seed = n
	}
	cfg.SharedDir = getenv("SHARED_DIR")
	cfg.RunID = getenv("RUN_ID")
	if cfg.RunID == "" {
		// An array child's job ID is "<array job ID>:<index>".
		cfg.RunID, _, _ = strings.Cut(getenv("AWS_BATCH_JOB_ID"), ":")
	}
	cfg.Bucket = getenv("DATA_BUCKET")
	if v := getenv("RESULT_PREFIX"); v != "" {
		cfg.Prefix = v
	}
	if len(errs) > 0 {
		return Config{}, errors.Join(errs...)
	}

	fs := flag.NewFlagSet("montecarlo", flag.ContinueOnError)
	fs.SetOutput(output)
	fs.Usage = func() {
		fmt.Fprintf(output, "Usage: montecarlo [flags]\n\nPrices a European option by Monte Carlo as one child of an AWS Batch array job,\nor with -reduce combines the children's parts. Flags override environment variables.\n\n")
		fs.PrintDefaults()
	}
	fs.BoolVar(&cfg.Reduce, "reduce", false, "combine the parts of the run into result.json instead of simulating")
	fs.IntVar(&cfg.Index, "index", cfg.Index, "array index of this child (env AWS_BATCH_JOB_ARRAY_INDEX)")
	fs.IntVar(&cfg.ArraySize, "array-size", cfg.ArraySize, "number of children of the array job (env ARRAY_SIZE)")
	fs.Int64Var(&cfg.Samples, "samples", cfg.Samples, "samples of the whole run, shared among the children (env SAMPLES)")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "base seed of the run (env SEED)")
	fs.IntVar(&cfg.Workers, "workers", cfg.Workers, "simulating goroutines (env WORKERS; default GOMAXPROCS)")
	fs.StringVar(&cfg.SharedDir, "shared-dir", cfg.SharedDir, "shared file system directory holding one subdirectory per run (env SHARED_DIR)")
	fs.StringVar(&cfg.RunID, "run-id", cfg.RunID, "run identifier (env RUN_ID; default the array job ID from AWS_BATCH_JOB_ID)")
	fs.StringVar(&cfg.Bucket, "bucket", cfg.Bucket, "S3 bucket for parts and results; empty skips the upload (env DATA_BUCKET)")
	fs.StringVar(&cfg.Prefix, "prefix", cfg.Prefix, "S3 key prefix (env RESULT_PREFIX)")
	fs.Float64Var(&cfg.Option.Spot, "spot", cfg.Option.Spot, "stock price today")
	fs.Float64Var(&cfg.Option.Strike, "strike", cfg.Option.Strike, "strike price")
	fs.Float64Var(&cfg.Option.Rate, "rate", cfg.Option.Rate, "continuously compounded risk-free rate per year")
	fs.Float64Var(&cfg.Option.Volatility, "volatility", cfg.Option.Volatility, "annualised volatility")
	fs.Float64Var(&cfg.Option.Maturity, "maturity", cfg.Option.Maturity, "time to expiry in years")
	fs.BoolVar(&cfg.Option.Put, "put", cfg.Option.Put, "price a put instead of a call")
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Validate reports every setting out of range.
func (c Config) Validate() error {
	var errs []error
	if c.ArraySize < 1 || c.ArraySize > MaxArraySize {
		errs = append(errs, fmt.Errorf("array size %d is out of range 1..%d", c.ArraySize, MaxArraySize))
	} else if !c.Reduce && (c.Index < 0 || c.Index >= c.ArraySize) {
		errs = append(errs, fmt.Errorf("array index %d is out of range 0..%d for array size %d", c.Index, c.ArraySize-1, c.ArraySize))
	}
	if c.Samples < 1 || c.Samples > 1<<50 {
		errs = append(errs, fmt.Errorf("samples %d is out of range 1..2^50", c.Samples))
	} else if c.Samples < int64(c.ArraySize) {
		errs = append(errs, fmt.Errorf("samples %d is fewer than the array size %d: every child needs at least one sample", c.Samples, c.ArraySize))
	}
	if c.Workers < 1 {
		errs = append(errs, fmt.Errorf("workers %d must be at least 1", c.Workers))
	}
	if c.SharedDir == "" {
		errs = append(errs, errors.New("the shared directory is not set: set SHARED_DIR or -shared-dir"))
	}
	switch {
	case c.RunID == "" && c.Reduce:
		errs = append(errs, errors.New("the run ID is not set: -reduce needs RUN_ID or -run-id naming the array job whose parts it combines"))
	case c.RunID == "":
		errs = append(errs, errors.New("the run ID is not set: set RUN_ID or -run-id (AWS Batch sets AWS_BATCH_JOB_ID, which is used by default)"))
	case !runIDRE.MatchString(c.RunID):
		errs = append(errs, fmt.Errorf("run ID %q must be 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit", c.RunID))
	}
	if strings.HasPrefix(c.Prefix, "/") || strings.Contains(c.Prefix, "//") {
		errs = append(errs, fmt.Errorf("S3 prefix %q must not start with '/' or contain '//'", c.Prefix))
	}
	if err := c.Option.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
