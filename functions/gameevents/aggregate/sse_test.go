package aggregate

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

const (
	lakeKey  = "arn:aws:kms:ap-northeast-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	otherKey = "arn:aws:kms:ap-northeast-2:123456789012:key/99999999-12ab-34cd-56ef-1234567890ab"
)

// lakePolicy stands in front of the real S3 server (versitygw, which accepts
// the SSE headers but has no KMS and no bucket policies) and enforces on
// PutObject what constructs/datalake's zone bucket policy does: deny unless
// x-amz-server-side-encryption is aws:kms, and deny when a key is named that
// is not the lake key. What it allows it forwards unchanged (the Host header
// included, so the SigV4 signature still verifies). It records the SSE
// headers of every PutObject it sees.
type lakePolicy struct {
	key  string
	mu   sync.Mutex
	puts []http.Header
}

var sseHeaders = []string{
	"X-Amz-Server-Side-Encryption",
	"X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id",
	"X-Amz-Server-Side-Encryption-Bucket-Key-Enabled",
}

func (lp *lakePolicy) ServeHTTP(w http.ResponseWriter, r *http.Request, next http.Handler) {
	// PUT /bucket/key without a copy source or part number is PutObject.
	parts := strings.SplitN(strings.TrimPrefix(r.URL.Path, "/"), "/", 2)
	isPut := r.Method == http.MethodPut && len(parts) == 2 && parts[1] != "" &&
		r.Header.Get("X-Amz-Copy-Source") == "" && r.URL.Query().Get("partNumber") == ""
	if isPut {
		h := http.Header{}
		for _, k := range sseHeaders {
			if v := r.Header.Values(k); len(v) > 0 {
				h[k] = v
			}
		}
		lp.mu.Lock()
		lp.puts = append(lp.puts, h)
		lp.mu.Unlock()
		sse := r.Header.Get("X-Amz-Server-Side-Encryption")
		keyID, named := r.Header.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"), len(r.Header.Values("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id")) > 0
		if sse != "aws:kms" || (named && keyID != lp.key) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied by the lake's bucket policy</Message></Error>`))
			return
		}
	}
	next.ServeHTTP(w, r)
}

func (lp *lakePolicy) recorded() []http.Header {
	lp.mu.Lock()
	defer lp.mu.Unlock()
	return append([]http.Header(nil), lp.puts...)
}

// startLakePolicy starts the policy front end and returns it with an S3
// client that reaches versitygw through it.
func startLakePolicy(t *testing.T) (*lakePolicy, *s3.Client) {
	t.Helper()
	target, err := url.Parse(s3srv.Endpoint)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	lp := &lakePolicy{key: lakeKey}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { lp.ServeHTTP(w, r, proxy) }))
	t.Cleanup(srv.Close)
	cfg := s3srv.Config()
	cfg.BaseEndpoint = aws.String(srv.URL)
	cfg.RetryMaxAttempts = 1
	return lp, s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
}

func TestLakePolicyFrontEndDeniesLikeTheBucketPolicy(t *testing.T) {
	// The front end itself: a plain PutObject is refused with the S3 error a
	// bucket policy gives, so a processor that sends no SSE headers fails.
	bucket := newBucket(t)
	_, viaPolicy := startLakePolicy(t)
	_, err := viaPolicy.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String("x.json"), Body: strings.NewReader("{}"),
	})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "AccessDenied" {
		t.Fatalf("PutObject without SSE = %v, want AccessDenied", err)
	}
	if _, err := viaPolicy.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("a signed request forwarded to versitygw failed: %v", err)
	}
}

func TestHandleRequestsSSEKMSWithTheConfiguredKey(t *testing.T) {
	cases := []struct {
		name      string
		key       string
		wantSSE   string
		wantKey   string
		wantWrite bool
	}{
		// Before the lake: no SSE headers, so the lake's policy denies the
		// write and Kinesis is asked to retry the batch.
		{"no key configured", "", "", "", false},
		{"the lake key", lakeKey, "aws:kms", lakeKey, true},
		// A key the lake does not use is denied too.
		{"another key", otherKey, "aws:kms", otherKey, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bucket := newBucket(t)
			lp, viaPolicy := startLakePolicy(t)
			p := &Processor{S3: viaPolicy, Bucket: bucket, KMSKeyID: tc.key, Logger: quiet}
			ev := sampleBatch()
			resp, err := p.Handle(context.Background(), ev)
			if err != nil {
				t.Fatal(err)
			}

			puts := lp.recorded()
			if len(puts) != 1 {
				t.Fatalf("%d PutObject requests reached the bucket, want 1", len(puts))
			}
			h := puts[0]
			if got := h.Get("X-Amz-Server-Side-Encryption"); got != tc.wantSSE {
				t.Errorf("x-amz-server-side-encryption = %q, want %q", got, tc.wantSSE)
			}
			if got := h.Get("X-Amz-Server-Side-Encryption-Aws-Kms-Key-Id"); got != tc.wantKey {
				t.Errorf("x-amz-server-side-encryption-aws-kms-key-id = %q, want %q", got, tc.wantKey)
			}
			wantBucketKey := ""
			if tc.key != "" {
				wantBucketKey = "true"
			}
			if got := h.Get("X-Amz-Server-Side-Encryption-Bucket-Key-Enabled"); got != wantBucketKey {
				t.Errorf("x-amz-server-side-encryption-bucket-key-enabled = %q, want %q", got, wantBucketKey)
			}

			list, err := client.ListObjectsV2(context.Background(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
			if err != nil {
				t.Fatal(err)
			}
			if tc.wantWrite {
				if len(resp.BatchItemFailures) != 0 {
					t.Errorf("batch item failures %v, want none", resp.BatchItemFailures)
				}
				if len(list.Contents) != 1 || !strings.HasPrefix(aws.ToString(list.Contents[0].Key), "events/year=2026/") {
					t.Errorf("objects in the real S3 bucket: %d, want the one aggregate", len(list.Contents))
				}
				return
			}
			if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != ev.Records[0].Kinesis.SequenceNumber {
				t.Errorf("batch item failures %v, want the first sequence number (a denied write is retried)", resp.BatchItemFailures)
			}
			if len(list.Contents) != 0 {
				t.Errorf("%d objects written although the policy denied the write", len(list.Contents))
			}
		})
	}
}
