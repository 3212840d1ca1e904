package bulkindex

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/gameevents/aggregate"
)

// GetObjectAPI is the part of the S3 client the Indexer uses; *s3.Client
// satisfies it.
type GetObjectAPI interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// maxObjectBytes bounds the aggregate object read into memory.
const maxObjectBytes = 64 << 20

// Indexer indexes aggregate objects into OpenSearch.
type Indexer struct {
	// Config holds the endpoint, index and limits. See Config.
	Config Config
	// S3 reads the aggregate objects. Required.
	S3 GetObjectAPI
	// Credentials sign the requests. Required.
	Credentials aws.CredentialsProvider
	// HTTPClient sends the requests. Default: a client with a 30s timeout.
	HTTPClient *http.Client
	// Logger receives one line per object. Default: slog.Default().
	Logger *slog.Logger

	signer *v4.Signer
}

// New checks cfg, fills in its defaults, and returns an Indexer.
func New(cfg Config, s3api GetObjectAPI, creds aws.CredentialsProvider) (*Indexer, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if s3api == nil || creds == nil {
		return nil, errors.New("bulkindex: an S3 client and credentials are required")
	}
	return &Indexer{Config: cfg, S3: s3api, Credentials: creds}, nil
}

// Handle indexes every object named by an S3 event. Objects are independent:
// a failure on one does not stop the others, and the returned error joins
// every object's failure.
func (ix *Indexer) Handle(ctx context.Context, ev events.S3Event) error {
	var errs []error
	for _, r := range ev.Records {
		bucket, key := r.S3.Bucket.Name, r.S3.Object.URLDecodedKey
		if key == "" {
			k, err := url.QueryUnescape(r.S3.Object.Key)
			if err != nil {
				errs = append(errs, fmt.Errorf("bulkindex: object key %q: %w", r.S3.Object.Key, err))
				continue
			}
			key = k
		}
		n, err := ix.IndexObject(ctx, bucket, key)
		if err != nil {
			ix.logger().ErrorContext(ctx, "indexing failed", "bucket", bucket, "key", key, "error", err.Error())
			errs = append(errs, err)
			continue
		}
		ix.logger().InfoContext(ctx, "object indexed", "bucket", bucket, "key", key, "documents", n, "index", ix.Config.Index)
	}
	return errors.Join(errs...)
}

// IndexObject reads one aggregate object and indexes its windows, returning
// the number of documents indexed.
func (ix *Indexer) IndexObject(ctx context.Context, bucket, key string) (int, error) {
	out, err := ix.S3.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return 0, fmt.Errorf("bulkindex: get s3://%s/%s: %w", bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(io.LimitReader(out.Body, maxObjectBytes+1))
	if err != nil {
		return 0, fmt.Errorf("bulkindex: read s3://%s/%s: %w", bucket, key, err)
	}
	if len(data) > maxObjectBytes {
		return 0, fmt.Errorf("bulkindex: s3://%s/%s is larger than %d bytes", bucket, key, maxObjectBytes)
	}
	var b aggregate.Batch
	if err := json.Unmarshal(data, &b); err != nil {
		return 0, fmt.Errorf("bulkindex: s3://%s/%s is not an aggregate batch: %w", bucket, key, err)
	}
	docs, err := Documents(bucket, key, b)
	if err != nil {
		return 0, fmt.Errorf("bulkindex: s3://%s/%s: %w", bucket, key, err)
	}
	if err := ix.Index(ctx, docs); err != nil {
		return 0, fmt.Errorf("bulkindex: s3://%s/%s: %w", bucket, key, err)
	}
	return len(docs), nil
}

// ItemError is one document the bulk API did not index.
type ItemError struct {
	ID     string
	Status int
	Type   string
	Reason string
}

func (e ItemError) String() string {
	return fmt.Sprintf("%s: %d %s: %s", e.ID, e.Status, e.Type, e.Reason)
}

// Index sends docs to the _bulk API in bounded requests, retrying throttled
// and server-failed items.
func (ix *Indexer) Index(ctx context.Context, docs []Document) error {
	var failed []ItemError
	for _, chunk := range Chunks(ix.Config.Index, docs, ix.Config.MaxDocs, ix.Config.MaxBytes) {
		f, err := ix.indexChunk(ctx, chunk)
		if err != nil {
			return err
		}
		failed = append(failed, f...)
	}
	if len(failed) == 0 {
		return nil
	}
	const shown = 5
	parts := make([]string, 0, shown)
	for i, f := range failed {
		if i == shown {
			parts = append(parts, fmt.Sprintf("and %d more", len(failed)-shown))
			break
		}
		parts = append(parts, f.String())
	}
	return fmt.Errorf("%d of %d documents not indexed: %s", len(failed), len(docs), strings.Join(parts, "; "))
}

// indexChunk sends one chunk, resending its retryable items, and returns the
// items that still failed.
func (ix *Indexer) indexChunk(ctx context.Context, docs []Document) ([]ItemError, error) {
	pending := docs
	var permanent []ItemError
	var lastRetryable []ItemError
	for attempt := 1; ; attempt++ {
		items, status, err := ix.send(ctx, pending)
		switch {
		case err != nil && !retryableRequest(err):
			return nil, err
		case err != nil:
			lastRetryable = lastRetryable[:0]
			for _, d := range pending {
				lastRetryable = append(lastRetryable, ItemError{ID: d.ID, Status: status, Type: "request_failed", Reason: err.Error()})
			}
		default:
			var retry []Document
			lastRetryable = lastRetryable[:0]
			for i, it := range items {
				switch {
				case it.Status >= 200 && it.Status < 300:
				case retryableStatus(it.Status):
					retry = append(retry, pending[i])
					lastRetryable = append(lastRetryable, it.itemError(pending[i].ID))
				default:
					permanent = append(permanent, it.itemError(pending[i].ID))
				}
			}
			pending = retry
		}
		if len(lastRetryable) == 0 || attempt >= ix.Config.MaxAttempts {
			return append(permanent, lastRetryable...), nil
		}
		wait := ix.backoff(attempt)
		ix.logger().WarnContext(ctx, "retrying bulk items", "items", len(pending), "attempt", attempt+1, "wait", wait.String())
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("bulk retry abandoned: %w", ctx.Err())
		case <-time.After(wait):
		}
	}
}

func (ix *Indexer) backoff(attempt int) time.Duration {
	d := ix.Config.Backoff << (attempt - 1)
	if d > ix.Config.MaxBackoff || d <= 0 {
		d = ix.Config.MaxBackoff
	}
	// Full jitter over the upper half keeps concurrent invocations apart.
	return d/2 + rand.N(d/2+1)
}

func retryableStatus(s int) bool {
	return s == http.StatusTooManyRequests || s >= 500
}

func retryableRequest(err error) bool {
	var se *statusError
	if errors.As(err, &se) {
		return retryableStatus(se.status)
	}
	// Network errors and timeouts of one request are worth another attempt;
	// errors building or signing it are not.
	var ne *netError
	return errors.As(err, &ne)
}

type statusError struct {
	status int
	body   string
}

func (e *statusError) Error() string {
	return fmt.Sprintf("_bulk answered HTTP %d: %s", e.status, e.body)
}

type netError struct{ err error }

func (e *netError) Error() string { return "_bulk request failed: " + e.err.Error() }
func (e *netError) Unwrap() error { return e.err }

// bulkItem is one entry of a _bulk response's "items".
type bulkItem struct {
	ID     string `json:"_id"`
	Status int    `json:"status"`
	Error  *struct {
		Type   string `json:"type"`
		Reason string `json:"reason"`
	} `json:"error"`
}

func (it bulkItem) itemError(id string) ItemError {
	e := ItemError{ID: id, Status: it.Status}
	if it.Error != nil {
		e.Type, e.Reason = it.Error.Type, it.Error.Reason
	}
	return e
}

type bulkResponse struct {
	Errors bool                  `json:"errors"`
	Items  []map[string]bulkItem `json:"items"`
}

// send makes one signed _bulk request and returns its items in request order.
func (ix *Indexer) send(ctx context.Context, docs []Document) ([]bulkItem, int, error) {
	body := Body(ix.Config.Index, docs)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ix.Config.Endpoint+"/_bulk", bytes.NewReader(body))
	if err != nil {
		return nil, 0, fmt.Errorf("build _bulk request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-ndjson")
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	creds, err := ix.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("retrieve credentials to sign _bulk request: %w", err)
	}
	if ix.signer == nil {
		ix.signer = v4.NewSigner()
	}
	if err := ix.signer.SignHTTP(ctx, creds, req, payloadHash, ix.Config.Service, ix.Config.Region, time.Now().UTC()); err != nil {
		return nil, 0, fmt.Errorf("sign _bulk request: %w", err)
	}
	client := ix.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, 0, &netError{err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, resp.StatusCode, &netError{fmt.Errorf("read _bulk response: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		return nil, resp.StatusCode, &statusError{status: resp.StatusCode, body: snippet(data)}
	}
	var br bulkResponse
	if err := json.Unmarshal(data, &br); err != nil {
		return nil, resp.StatusCode, fmt.Errorf("decode _bulk response: %w: %s", err, snippet(data))
	}
	if len(br.Items) != len(docs) {
		return nil, resp.StatusCode, fmt.Errorf("_bulk response has %d items for %d documents", len(br.Items), len(docs))
	}
	items := make([]bulkItem, len(docs))
	for i, m := range br.Items {
		it, ok := m["index"]
		if !ok {
			return nil, resp.StatusCode, fmt.Errorf("_bulk response item %d is not an index result", i)
		}
		if it.ID != "" && it.ID != docs[i].ID {
			return nil, resp.StatusCode, fmt.Errorf("_bulk response item %d is for %q, want %q", i, it.ID, docs[i].ID)
		}
		items[i] = it
	}
	if !br.Errors {
		// With "errors": false every item succeeded, whatever the statuses say.
		for i := range items {
			if items[i].Status < 200 || items[i].Status >= 300 {
				items[i].Status = http.StatusOK
			}
		}
	}
	return items, resp.StatusCode, nil
}

func snippet(b []byte) string {
	const max = 300
	s := strings.TrimSpace(string(b))
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

func (ix *Indexer) logger() *slog.Logger {
	if ix.Logger != nil {
		return ix.Logger
	}
	return slog.Default()
}
