// Command lakeload lands newline-delimited JSON records in a zone of gureum's
// data lake, in the partition layout of the zone's Firehose stream:
//
//	lakeload -bucket BUCKET -prefix events/ [-time-field ts] [-kms-key-id KEY] [FILE ...]
//
// It reads the named files, or standard input when there are none, prints
// one JSON line per object written, and ends with a summary line on standard
// error: records read, distinct partitions and objects written. AWS credentials, region and endpoint come
// from the usual AWS configuration (environment, shared files, instance role).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/gureum-cdk/gureum/functions/lakeloader"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	switch {
	case errors.Is(err, flag.ErrHelp):
		os.Exit(0)
	case err != nil:
		fmt.Fprintln(os.Stderr, "lakeload:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lakeload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts lakeloader.Options
	fs.StringVar(&opts.Bucket, "bucket", "", "zone bucket (required)")
	fs.StringVar(&opts.Prefix, "prefix", "", `zone prefix every key starts with, e.g. "events/" (required)`)
	fs.StringVar(&opts.TimeField, "time-field", "", "dotted path of each record's timestamp field; default: partition by load time")
	fs.StringVar(&opts.KMSKeyID, "kms-key-id", "", "KMS key for SSE-KMS; default: the bucket's default key")
	fs.BoolVar(&opts.DisableSSE, "no-sse", false, "do not request SSE-KMS (only for S3-compatible servers without KMS)")
	fs.StringVar(&opts.Name, "name", lakeloader.DefaultName, "stem of generated file names")
	fs.Int64Var(&opts.MaxObjectBytes, "max-object-bytes", lakeloader.DefaultMaxObjectBytes, "maximum uncompressed bytes of records per object")
	fs.IntVar(&opts.MaxOpenPartitions, "max-open-partitions", lakeloader.DefaultMaxOpenPartitions, "partitions spooled at once; records of further partitions are sorted first")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: lakeload -bucket BUCKET -prefix PREFIX [flags] [FILE ...]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if opts.Bucket == "" || opts.Prefix == "" {
		fs.Usage()
		return errors.New("-bucket and -prefix are required")
	}

	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("load AWS configuration: %w", err)
	}
	loader, err := lakeloader.New(s3.NewFromConfig(cfg), opts)
	if err != nil {
		return err
	}

	var inputs []lakeloader.Input
	if fs.NArg() == 0 {
		inputs = append(inputs, lakeloader.Input{Name: "stdin", Reader: stdin})
	}
	for _, name := range fs.Args() {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		inputs = append(inputs, lakeloader.Input{Name: name, Reader: f})
	}

	res, err := loader.Load(ctx, inputs...)
	if res != nil {
		enc := json.NewEncoder(stdout)
		for _, o := range res.Objects {
			if werr := enc.Encode(o); werr != nil && err == nil {
				err = werr
			}
		}
		fmt.Fprintf(stderr, "lakeload: %d records in %d partitions, %d objects written\n", res.Records, res.Partitions, len(res.Objects))
	}
	return err
}
