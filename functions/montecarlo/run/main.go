// Command run is the montecarlo batch workload of an HPCCluster: as a child
// of an AWS Batch array job it prices its shard of a Monte Carlo European
// option and writes part-<index>.json; with -reduce it combines all parts
// into result.json. Run with -h for the flags.
//
// Environment: AWS_BATCH_JOB_ARRAY_INDEX and AWS_BATCH_JOB_ID (set by AWS
// Batch), ARRAY_SIZE, SAMPLES, SEED, WORKERS, SHARED_DIR (required), RUN_ID,
// DATA_BUCKET, RESULT_PREFIX, and AWS_REGION (or AWS_DEFAULT_REGION) when
// DATA_BUCKET is set. IAM: s3:PutObject on
// arn:aws:s3:::DATA_BUCKET/RESULT_PREFIX/* when DATA_BUCKET is set (plus
// kms:GenerateDataKey on the bucket's key if it is KMS-encrypted).
//
// Exit status: 0 on success, 2 for a configuration error, 1 otherwise,
// including a reduce whose self-check fails (the estimate disagrees with the
// Black-Scholes price; result.json is written all the same).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/montecarlo"
)

func main() {
	cfg, err := montecarlo.ParseConfig(os.Args[1:], os.Getenv, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "montecarlo:", err)
		os.Exit(2)
	}
	// AWS Batch stops a job (Spot reclaim, termination) with SIGTERM.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "montecarlo:", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg montecarlo.Config) error {
	var put montecarlo.ObjectPutter
	if cfg.Bucket != "" {
		awsCfg, err := awsConfig(ctx)
		if err != nil {
			return err
		}
		put = s3.NewFromConfig(awsCfg)
	}
	start := time.Now()
	var summary any
	if cfg.Reduce {
		r, err := montecarlo.RunReduce(ctx, cfg, put)
		if err != nil && !errors.Is(err, montecarlo.ErrSelfCheck) {
			return err
		}
		summary = map[string]any{"event": "reduced", "runId": cfg.RunID, "parts": cfg.ArraySize,
			"samples": r.N, "estimate": r.Estimate, "stdErr": r.StdErr, "analytic": r.Analytic,
			"zScore": r.ZScore, "selfCheck": r.SelfCheck, "seconds": time.Since(start).Seconds()}
		if err != nil { // the summary is printed, then the job fails
			if eerr := json.NewEncoder(os.Stdout).Encode(summary); eerr != nil {
				return errors.Join(err, eerr)
			}
			return err
		}
	} else {
		p, err := montecarlo.RunShard(ctx, cfg, put)
		if err != nil {
			return err
		}
		secs := time.Since(start).Seconds()
		summary = map[string]any{"event": "shard", "runId": cfg.RunID, "index": p.Index,
			"arraySize": p.ArraySize, "samples": p.N, "mean": p.Mean, "stdErr": p.StdErr,
			"workers": cfg.Workers, "seconds": secs, "samplesPerSecond": float64(p.N) / secs}
	}
	return json.NewEncoder(os.Stdout).Encode(summary)
}

// awsConfig loads the default AWS configuration and insists on a Region: the
// SDK does not look it up from the instance, and without one every S3 call
// would fail with a less helpful error after the simulation has run.
func awsConfig(ctx context.Context) (aws.Config, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("no AWS Region: set AWS_REGION (an HPCCluster job definition sets it to the stack's Region)")
	}
	return cfg, nil
}
