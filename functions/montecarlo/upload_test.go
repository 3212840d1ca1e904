package montecarlo

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestUploadsPartsAndResultToS3(t *testing.T) {
	ctx := context.Background()
	const bucket = "montecarlo-data"
	if err := s3srv.CreateBucket(bucket); err != nil {
		t.Fatal(err)
	}
	client := s3srv.Client()
	dir := t.TempDir()
	const size, samples = 3, 300_000
	for i := range size {
		cfg := testConfig(t, dir, size, i, samples)
		cfg.Bucket, cfg.Prefix = bucket, "results/mc"
		if _, err := RunShard(ctx, cfg, client); err != nil {
			t.Fatal(err)
		}
	}
	cfg := testConfig(t, dir, size, 0, samples)
	cfg.Bucket, cfg.Prefix, cfg.Reduce = bucket, "results/mc", true
	res, err := RunReduce(ctx, cfg, client)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"part-0.json", "part-1.json", "part-2.json", ResultName} {
		key := "results/mc/run-1/" + name
		out, err := client.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
		if err != nil {
			t.Fatalf("GetObject %s: %v", key, err)
		}
		body, err := io.ReadAll(out.Body)
		out.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if ct := aws.ToString(out.ContentType); ct != "application/json" {
			t.Errorf("%s: Content-Type %q, want application/json", key, ct)
		}
		local, err := os.ReadFile(filepath.Join(dir, "run-1", name))
		if err != nil {
			t.Fatal(err)
		}
		if string(body) != string(local) {
			t.Errorf("%s: S3 object differs from the shared-file-system copy", key)
		}
		if name == ResultName {
			var r Result
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatal(err)
			}
			if r.Estimate != res.Estimate || r.N != samples {
				t.Errorf("uploaded result %v over %d samples, want %v over %d", r.Estimate, r.N, res.Estimate, samples)
			}
		}
	}
}

func TestUploadErrorNamesTheObject(t *testing.T) {
	cfg := testConfig(t, t.TempDir(), 1, 0, 1000)
	cfg.Bucket = "no-such-bucket"
	_, err := RunShard(context.Background(), cfg, s3srv.Client())
	if err == nil || !strings.Contains(err.Error(), "s3://no-such-bucket/montecarlo/run-1/part-0.json") {
		t.Errorf("error = %v, want one naming s3://no-such-bucket/montecarlo/run-1/part-0.json", err)
	}
	cfg.Bucket = "data"
	if _, err := RunShard(context.Background(), cfg, nil); err == nil || !strings.Contains(err.Error(), "no S3 client") {
		t.Errorf("error = %v, want one saying there is no S3 client", err)
	}
}
