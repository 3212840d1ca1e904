package imageproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// S3API is the part of *s3.Client the handler uses.
type S3API interface {
	GetObject(ctx context.Context, in *s3.GetObjectInput, optFns ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, optFns ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	ListObjectsV2(ctx context.Context, in *s3.ListObjectsV2Input, optFns ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// Metadata keys added to every output object, beside the source object's own
// user metadata.
const (
	MetaSourceKey  = "source-key"
	MetaSourceETag = "source-etag"
	MetaRendition  = "rendition"
)

// RejectedMessage is the "msg" of the JSON log line (level ERROR) written for
// every rejected upload, with its bucket, key, etag, size and reason. The
// imagepipeline construct counts these lines with a CloudWatch Logs metric
// filter ({ $.msg = "image rejected" }) and alarms on the count: keep the two
// in step.
const RejectedMessage = "image rejected"

// MaxKeyBytes is S3's limit on the length of an object key.
const MaxKeyBytes = 1024

// StopMargin is how long before the invocation's deadline HandleSQS stops
// starting new messages. It covers the slowest message: a 24 MP image.
var StopMargin = 10 * time.Second

// Handler processes SQS batches of S3 object-created notifications.
type Handler struct {
	cfg Config
	s3  S3API
	log *slog.Logger

	mu         sync.Mutex
	watermarks map[string]*Watermark // by bucket, for image watermarks
}

// New returns a Handler. cfg is validated; logger nil means slog.Default().
func New(cfg Config, client S3API, logger *slog.Logger) (*Handler, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("imageproc: invalid configuration: %w", err)
	}
	if client == nil {
		return nil, errors.New("imageproc: S3 client is nil")
	}
	if logger == nil {
		logger = slog.Default()
	}
	return &Handler{cfg: cfg, s3: client, log: logger, watermarks: map[string]*Watermark{}}, nil
}

// OutputKey returns the key of rendition r of the source object key:
// <prefix><rendition>/<key>.<jpg|png>. The whole source key is kept, extension
// and case included, so that a.jpg, a.JPG, a.png and a.webp get renditions of
// their own (a.jpg.jpg, a.JPG.jpg, a.png.jpg, a.webp.jpg) instead of
// overwriting one another: the mapping is one-to-one for every rendition.
func (c *Config) OutputKey(r Rendition, key string) string {
	return c.OutputPrefix + r.Name + "/" + key + "." + r.Ext()
}

// RejectionKey returns the key of the rejection record written for a source
// object that cannot be processed: <prefix>rejected/<key>.json.
func (c *Config) RejectionKey(key string) string {
	return c.OutputPrefix + "rejected/" + key + ".json"
}

// Rejection is the JSON record stored for a permanently rejected object.
type Rejection struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	ETag   string `json:"etag,omitempty"`
	Size   int64  `json:"size"`
	Reason string `json:"reason"`
}

// transientError marks a failure worth retrying (S3 errors, timeouts).
type transientError struct{ err error }

func (e transientError) Error() string { return e.err.Error() }
func (e transientError) Unwrap() error { return e.err }

func transient(format string, args ...any) error {
	return transientError{fmt.Errorf(format, args...)}
}

// HandleSQS processes the batch message by message, in order, and reports
// only messages that hit a transient failure, so that SQS redelivers those
// alone (the event source mapping must enable ReportBatchItemFailures).
// Bad input is logged, recorded under <prefix>rejected/ and not retried.
func (h *Handler) HandleSQS(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	deadline, hasDeadline := ctx.Deadline()
	for _, msg := range ev.Records {
		// A message started too close to the invocation's deadline would be
		// cut off, and Lambda would then redeliver the whole batch, finished
		// messages included: hand the rest back to SQS instead.
		if ctx.Err() != nil || (hasDeadline && time.Until(deadline) < StopMargin) {
			h.log.Warn("deadline near: message left for redelivery", "messageId", msg.MessageId)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
			continue
		}
		if err := h.handleMessage(ctx, msg); err != nil {
			h.log.Error("message will be retried", "messageId", msg.MessageId, "error", err.Error())
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: msg.MessageId})
		}
	}
	return resp, nil
}

// handleMessage returns an error only when the message should be retried.
func (h *Handler) handleMessage(ctx context.Context, msg events.SQSMessage) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = h.panicked(h.log.With("messageId", msg.MessageId), r, debug.Stack())
		}
	}()
	var probe struct {
		Event string `json:"Event"`
	}
	if json.Unmarshal([]byte(msg.Body), &probe) == nil && probe.Event == "s3:TestEvent" {
		h.log.Info("ignoring S3 test event", "messageId", msg.MessageId)
		return nil
	}
	var s3ev events.S3Event
	if err := json.Unmarshal([]byte(msg.Body), &s3ev); err != nil {
		h.log.Error("message dropped: body is not an S3 event notification", "messageId", msg.MessageId, "reason", err.Error())
		return nil
	}
	if len(s3ev.Records) == 0 {
		h.log.Warn("message dropped: S3 event has no records", "messageId", msg.MessageId)
		return nil
	}
	var errs []error
	for _, rec := range s3ev.Records {
		if err := h.handleRecord(ctx, rec); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// handleRecord processes one S3 object; it returns an error only when the
// record should be retried.
func (h *Handler) handleRecord(ctx context.Context, rec events.S3EventRecord) (err error) {
	bucket := rec.S3.Bucket.Name
	key := rec.S3.Object.URLDecodedKey
	if key == "" {
		key = rec.S3.Object.Key
	}
	log := h.log.With("bucket", bucket, "key", key)
	defer func() {
		if r := recover(); r != nil {
			err = h.panicked(log, r, debug.Stack())
		}
	}()
	switch {
	case !strings.HasPrefix(rec.EventName, "ObjectCreated:"):
		log.Info("ignoring event", "event", rec.EventName)
		return nil
	case bucket == "" || key == "":
		log.Error("record dropped: no bucket or key", "reason", "malformed S3 event record")
		return nil
	case bucket == h.cfg.OutputBucket:
		// Processing our own outputs would loop; the trigger is misconfigured.
		log.Error("record dropped: object is in the output bucket", "reason", "the upload bucket must differ from OUTPUT_BUCKET")
		return nil
	case strings.HasSuffix(key, "/") && rec.S3.Object.Size == 0:
		log.Info("ignoring folder marker")
		return nil
	}
	start := time.Now()

	head, err := h.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		if h.sourceGone(ctx, bucket, key, err) {
			log.Info("object no longer exists; nothing to do", "status", httpStatus(err))
			return nil
		}
		return transient("head s3://%s/%s: %w", bucket, key, err)
	}
	etag, size := aws.ToString(head.ETag), aws.ToInt64(head.ContentLength)
	if size > h.cfg.MaxObjectBytes {
		return h.reject(ctx, log, bucket, key, etag, size,
			fmt.Sprintf("object is %d bytes, limit is %d", size, h.cfg.MaxObjectBytes))
	}
	for _, r := range h.cfg.Renditions {
		if n := len(h.cfg.OutputKey(r, key)); n > MaxKeyBytes {
			return h.reject(ctx, log, bucket, key, etag, size,
				fmt.Sprintf("key too long: rendition %q would be a %d-byte key, S3 allows %d", r.Name, n, MaxKeyBytes))
		}
	}

	todo, err := h.pending(ctx, key, etag)
	if err != nil {
		return err
	}
	if len(todo) == 0 {
		log.Info("renditions already up to date", "etag", etag)
		return nil
	}

	get, err := h.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key, IfMatch: head.ETag})
	if err != nil {
		if h.sourceGone(ctx, bucket, key, err) {
			log.Info("object replaced or deleted since the event; its own event, if any, will process it", "status", httpStatus(err))
			return nil
		}
		return transient("get s3://%s/%s: %w", bucket, key, err)
	}
	data, tooBig, err := readLimited(get.Body, size, h.cfg.MaxObjectBytes)
	get.Body.Close()
	if err != nil {
		return transient("read s3://%s/%s: %w", bucket, key, err)
	}
	if tooBig {
		return h.reject(ctx, log, bucket, key, etag, size,
			fmt.Sprintf("object body exceeds the limit of %d bytes", h.cfg.MaxObjectBytes))
	}

	wm, err := h.watermark(ctx, bucket)
	if err != nil {
		return err
	}
	proc := Processor{Renditions: todo, Watermark: wm, MaxPixels: h.cfg.MaxPixels, MaxImageMemory: h.cfg.MaxImageMemory}
	outs, info, err := proc.Process(data)
	data = nil // let the source be collected before the uploads
	var ie *InputError
	var pe *PanicError
	switch {
	case errors.As(err, &ie):
		return h.reject(ctx, log, bucket, key, etag, size, ie.Reason)
	case errors.As(err, &pe):
		return h.panicked(log.With("etag", etag, "size", size), pe.Value, pe.Stack)
	case err != nil:
		// Not the input's fault (an encoder failed): retry, then dead-letter.
		return fmt.Errorf("process s3://%s/%s: %w", bucket, key, err)
	}

	meta := outputMetadata(head.Metadata, key, etag)
	for _, o := range outs {
		outKey := h.cfg.OutputKey(o.Rendition, key)
		m := cloneMeta(meta)
		m[MetaRendition] = o.Rendition.Name
		_, err := h.s3.PutObject(ctx, &s3.PutObjectInput{
			Bucket:        &h.cfg.OutputBucket,
			Key:           &outKey,
			Body:          bytes.NewReader(o.Data),
			ContentLength: aws.Int64(int64(len(o.Data))),
			ContentType:   aws.String(o.Rendition.ContentType()),
			Metadata:      m,
		})
		if err != nil {
			return transient("put s3://%s/%s: %w", h.cfg.OutputBucket, outKey, err)
		}
	}
	names := make([]string, len(outs))
	for i, o := range outs {
		names[i] = fmt.Sprintf("%s:%dx%d", o.Rendition.Name, o.Width, o.Height)
	}
	log.Info("image processed", "etag", etag, "format", info.Format,
		"width", info.Width, "height", info.Height, "orientation", info.Orientation,
		"renditions", names, "ms", time.Since(start).Milliseconds())
	return nil
}

// pending returns the renditions whose output does not already carry
// source-etag == etag. A missing or unreadable output counts as pending.
func (h *Handler) pending(ctx context.Context, key, etag string) ([]Rendition, error) {
	var todo []Rendition
	for _, r := range h.cfg.Renditions {
		outKey := h.cfg.OutputKey(r, key)
		out, err := h.s3.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &h.cfg.OutputBucket, Key: &outKey})
		switch {
		case err == nil && etag != "" && out.Metadata[MetaSourceETag] == etag:
			continue
		case err == nil, isGone(err), httpStatus(err) == 403:
			// 403 is what S3 answers for a missing key without s3:ListBucket.
			todo = append(todo, r)
		default:
			return nil, transient("head s3://%s/%s: %w", h.cfg.OutputBucket, outKey, err)
		}
	}
	return todo, nil
}

// reject logs a permanent failure (one JSON line at level ERROR whose msg is
// RejectedMessage) and stores its rejection record. It returns an error only
// if the record could not be written.
func (h *Handler) reject(ctx context.Context, log *slog.Logger, bucket, key, etag string, size int64, reason string) error {
	log.Error(RejectedMessage, "etag", etag, "size", size, "reason", reason)
	rk := h.cfg.RejectionKey(key)
	if len(rk) > MaxKeyBytes {
		log.Warn("no rejection record: its key would be too long", "bytes", len(rk))
		return nil
	}
	body, _ := json.Marshal(Rejection{Bucket: bucket, Key: key, ETag: etag, Size: size, Reason: reason})
	_, err := h.s3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        &h.cfg.OutputBucket,
		Key:           &rk,
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String("application/json"),
		Metadata:      map[string]string{MetaSourceKey: metaValue(key), MetaSourceETag: etag},
	})
	if err != nil {
		return transient("put rejection record s3://%s/%s: %w", h.cfg.OutputBucket, rk, err)
	}
	return nil
}

// panicked logs a recovered panic with its stack and returns the error that
// makes SQS redeliver the message. A panic is a bug in the handler or in a
// decoder, not a verdict on the upload: it is retried, and after
// MaxReceiveCount attempts the notification lands in the dead-letter queue,
// whose alarm makes the bug visible; a redrive after the fix processes it.
func (h *Handler) panicked(log *slog.Logger, value any, stack []byte) error {
	log.Error("handler panicked; the message will be retried, then dead-lettered",
		"panic", fmt.Sprint(value), "stack", string(stack))
	return fmt.Errorf("panic: %v", value)
}

// sourceGone reports whether err, from reading the source object, means it
// no longer exists (or no longer has the ETag the handler read): nothing is
// left to do. S3 answers 404 (or 412 for a changed ETag) when the caller may
// list the bucket, which the construct allows under the upload prefix. A 403
// is what S3 answers for a missing key to a caller without s3:ListBucket,
// and also for a real permission problem: a listing of the key tells the
// two apart. An error from the listing counts as "not gone", so the message
// is retried rather than dropped.
func (h *Handler) sourceGone(ctx context.Context, bucket, key string, err error) bool {
	if isGone(err) {
		return true
	}
	if httpStatus(err) != 403 {
		return false
	}
	out, lerr := h.s3.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &key, MaxKeys: aws.Int32(1)})
	if lerr != nil {
		h.log.Warn("cannot tell a missing source from a denied one", "bucket", bucket, "key", key, "error", lerr.Error())
		return false
	}
	// The key itself sorts first among the keys it prefixes.
	return len(out.Contents) == 0 || aws.ToString(out.Contents[0].Key) != key
}

// watermark returns the watermark to draw on images from bucket, loading an
// image watermark from S3 once per bucket.
func (h *Handler) watermark(ctx context.Context, bucket string) (*Watermark, error) {
	wc := h.cfg.Watermark
	if wc == nil {
		return nil, nil
	}
	op := DefaultOpacity
	if wc.Opacity != nil {
		op = *wc.Opacity
	}
	if wc.ImageKey == "" {
		return &Watermark{Text: wc.Text, Position: wc.Position, Opacity: op}, nil
	}
	if h.cfg.WatermarkBucket != "" {
		bucket = h.cfg.WatermarkBucket
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if wm, ok := h.watermarks[bucket]; ok {
		return wm, nil
	}
	get, err := h.s3.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &wc.ImageKey})
	if err != nil {
		return nil, transient("get watermark s3://%s/%s: %w", bucket, wc.ImageKey, err)
	}
	data, tooBig, err := readLimited(get.Body, aws.ToInt64(get.ContentLength), h.cfg.MaxObjectBytes)
	get.Body.Close()
	if err != nil {
		return nil, transient("read watermark s3://%s/%s: %w", bucket, wc.ImageKey, err)
	}
	if tooBig {
		return nil, fmt.Errorf("watermark s3://%s/%s exceeds %d bytes", bucket, wc.ImageKey, h.cfg.MaxObjectBytes)
	}
	p := Processor{MaxPixels: h.cfg.MaxPixels, MaxImageMemory: h.cfg.MaxImageMemory}
	img, _, err := p.decode(data)
	if err != nil {
		// A broken watermark is a configuration error: retry until fixed.
		return nil, fmt.Errorf("watermark s3://%s/%s: %w", bucket, wc.ImageKey, err)
	}
	wm := &Watermark{Image: img, Position: wc.Position, Opacity: op}
	h.watermarks[bucket] = wm
	return wm, nil
}

// readLimited reads at most limit bytes; tooBig reports a longer body.
func readLimited(r io.Reader, size, limit int64) (data []byte, tooBig bool, err error) {
	buf := bytes.NewBuffer(make([]byte, 0, min(max(size, 0), limit)+bytes.MinRead))
	n, err := buf.ReadFrom(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, false, err
	}
	if n > limit {
		return nil, true, nil
	}
	return buf.Bytes(), false, nil
}

func outputMetadata(src map[string]string, key, etag string) map[string]string {
	m := make(map[string]string, len(src)+3)
	for k, v := range src {
		m[strings.ToLower(k)] = v
	}
	m[MetaSourceKey] = metaValue(key)
	m[MetaSourceETag] = etag
	return m
}

func cloneMeta(m map[string]string) map[string]string {
	c := make(map[string]string, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

// metaValue returns s if it is printable ASCII (safe in an HTTP header),
// else its URL query escaping.
func metaValue(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return url.QueryEscape(s)
		}
	}
	return s
}

// isGone reports S3 answers meaning the object is not (or no longer) the one
// the event named: 404 Not Found and 412 Precondition Failed.
func isGone(err error) bool {
	if err == nil {
		return false
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch ae.ErrorCode() {
		case "NotFound", "NoSuchKey", "PreconditionFailed":
			return true
		}
	}
	s := httpStatus(err)
	return s == 404 || s == 412
}

func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}
