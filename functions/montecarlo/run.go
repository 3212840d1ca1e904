package montecarlo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// ObjectPutter is the one S3 call the command makes; *s3.Client implements it.
type ObjectPutter interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// RunDir is the directory of the run's files on the shared file system.
func (c Config) RunDir() string { return filepath.Join(c.SharedDir, c.RunID) }

// ObjectKey is the S3 key of a file of the run: RESULT_PREFIX/<run id>/name.
func (c Config) ObjectKey(name string) string { return path.Join(c.Prefix, c.RunID, name) }

// RunShard simulates this child's shard, writes its part to the run
// directory atomically, and uploads it when cfg.Bucket is set (put may be nil
// otherwise).
func RunShard(ctx context.Context, cfg Config, put ObjectPutter) (Part, error) {
	if cfg.Reduce {
		return Part{}, errors.New("RunShard called with Reduce set")
	}
	if err := cfg.Validate(); err != nil {
		return Part{}, err
	}
	first, n := ShardRange(cfg.Samples, cfg.ArraySize, cfg.Index)
	st, err := Simulate(ctx, cfg.Option, cfg.Seed, first, n, cfg.Workers)
	if err != nil {
		return Part{}, fmt.Errorf("simulate shard %d: %w", cfg.Index, err)
	}
	p := Part{
		FormatVersion: formatVersion,
		Model:         Model,
		Option:        cfg.Option,
		Seed:          cfg.Seed,
		ArraySize:     cfg.ArraySize,
		Index:         cfg.Index,
		TotalSamples:  cfg.Samples,
		FirstSample:   first,
		Stats:         st,
		StdErr:        st.StdErr(),
	}
	if err := store(ctx, cfg, put, PartName(cfg.Index), p); err != nil {
		return Part{}, err
	}
	return p, nil
}

// RunReduce combines the parts of the run into its result, writes
// result.json to the run directory atomically, and uploads it when
// cfg.Bucket is set. When the self-check fails it returns the result with an
// error wrapping ErrSelfCheck, so the reduce job fails.
func RunReduce(ctx context.Context, cfg Config, put ObjectPutter) (Result, error) {
	if !cfg.Reduce {
		return Result{}, errors.New("RunReduce called without Reduce set")
	}
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	parts, err := ReadParts(cfg.RunDir(), cfg.ArraySize)
	if err != nil {
		return Result{}, err
	}
	r, err := Combine(parts)
	if err != nil {
		return Result{}, err
	}
	if err := store(ctx, cfg, put, ResultName, r); err != nil {
		return Result{}, err
	}
	if !r.SelfCheck.Passed {
		return r, fmt.Errorf("%w: %s", ErrSelfCheck, r.SelfCheck.Reason)
	}
	return r, nil
}

// ErrSelfCheck is returned by RunReduce, after result.json is written, when
// the estimate disagrees with the Black-Scholes price (Result.SelfCheck).
var ErrSelfCheck = errors.New("self-check failed")

// store writes v as JSON to the run directory and, with a bucket, to S3.
func store(ctx context.Context, cfg Config, put ObjectPutter, name string, v any) error {
	data, err := encodeJSON(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", name, err)
	}
	if err := WriteFileAtomic(filepath.Join(cfg.RunDir(), name), data, 0o644); err != nil {
		return err
	}
	if cfg.Bucket == "" {
		return nil
	}
	if put == nil {
		return fmt.Errorf("upload %s: no S3 client for bucket %q", name, cfg.Bucket)
	}
	key := cfg.ObjectKey(name)
	if _, err := put.PutObject(ctx, &s3.PutObjectInput{
		Bucket:      aws.String(cfg.Bucket),
		Key:         aws.String(key),
		Body:        bytes.NewReader(data),
		ContentType: aws.String("application/json"),
	}); err != nil {
		return fmt.Errorf("upload s3://%s/%s: %w", cfg.Bucket, key, err)
	}
	return nil
}
