// Package montecarlo is gureum's reference batch workload for an HPCCluster:
// a Monte Carlo price of a European option under geometric Brownian motion
// (GBM), run as an AWS Batch array job whose children each simulate one
// disjoint shard of the sample paths, followed by a reduce step that combines
// the shards into one estimate with its standard error.
//
// The Black-Scholes formula gives the exact price of the same option, so every
// run can be checked: the estimate converges to BlackScholes at the rate
// 1/sqrt(samples), and the reduce result reports how many standard errors it
// lies from the analytic value and a self-check verdict. The check fails, and
// the reduce exits non-zero after writing result.json, when the estimate is
// more than MaxZScore (5) standard errors away, or when the standard error is
// 0 (every payoff equal, e.g. volatility 100 makes every simulated price
// underflow to 0) and the estimate differs from the analytic price; the
// z-score is then null, not 0. Option parameters whose simulation or closed
// form would overflow to Inf or NaN, or whose largest payoff passes
// MaxPayoff, are refused by Validate before any sample is drawn.
//
// The closed form is checked against published prices (Hull's S0 = 42,
// K = 40, r = 10%, sigma = 20%, T = 0.5: call 4.76, put 0.81; Hull's 20-week
// S0 = 49, K = 50 call: 2.40; Haug's S = 60, X = 65, T = 0.25, r = 8%,
// v = 30% call: 2.1334), and the whole workload (three shards and the
// reduce, 2,000,000 samples) is run on each set, call and put, with the
// closed form inside the 95% confidence interval it reports.
//
// # Reproducibility
//
// Sample i of a run (numbered 0..SAMPLES-1 across the whole array) is a pure
// function of the base seed and i: its normal variate comes from a
// counter-based SplitMix64 stream keyed by the seed, so no generator state is
// carried between samples. A shard (one array child) simulates a contiguous
// range of sample numbers, split into fixed, globally aligned chunks that
// worker goroutines take in any order; the chunk statistics are then merged in
// chunk order. Hence:
//
//   - re-running a child (after a Spot interruption, say) reproduces its part
//     file byte for byte, whatever the number of cores of the node;
//   - different children simulate different sample numbers, so shards are
//     disjoint by construction;
//   - the same SAMPLES and SEED give the same set of sample paths whatever
//     ARRAY_SIZE is; only the order of the floating-point merges differs, so
//     estimates agree to about 1e-12 relative.
//
// Results are bit-identical for the same binary on the same architecture. An
// arm64 and an amd64 build may differ in the last bits, because the Go
// compiler fuses multiply-adds into FMA instructions on arm64.
//
// # Files
//
// Child i writes SHARED_DIR/<run id>/part-<i>.json atomically (a temporary
// file renamed into place), where <run id> is RUN_ID or, by default, the
// parent array job's ID taken from AWS_BATCH_JOB_ID. When DATA_BUCKET is set
// it also uploads the part to s3://DATA_BUCKET/RESULT_PREFIX/<run id>/. The
// reduce step (-reduce) reads every part of the run, checks they belong
// together, and writes result.json beside them (and to S3 likewise).
//
// The command is in the run subdirectory; ParseConfig documents its flags and
// environment variables.
package montecarlo
