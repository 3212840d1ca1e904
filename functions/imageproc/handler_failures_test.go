package imageproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"os"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/imageproc/internal/testimage"
)

// logLines returns the JSON log lines whose msg starts with msg.
func logLines(t *testing.T, logs *bytes.Buffer, msg string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(logs.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && strings.HasPrefix(fmt.Sprint(rec["msg"]), msg) {
			out = append(out, rec)
		}
	}
	return out
}

// Sources whose keys differ only by extension or case each get renditions of
// their own, end to end, and a redelivery finds every one of them up to date
// (before, a.jpg and a.png overwrote the same rendition, and each redelivery
// flipped it back and forth between their ETags).
func TestSourcesDifferingByExtensionKeepTheirRenditions(t *testing.T) {
	ctx := context.Background()
	c := s3srv.Client()
	upload, output := newBuckets(t)

	var pngBuf, gifBuf bytes.Buffer
	if err := encodePNG(&pngBuf, testimage.Solid(500, 500, color.RGBA{0, 0, 255, 255})); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&gifBuf, testimage.Solid(300, 200, color.RGBA{255, 255, 0, 255}), nil); err != nil {
		t.Fatal(err)
	}
	webp, err := os.ReadFile("testdata/halves.webp") // 64x48, red | blue
	if err != nil {
		t.Fatal(err)
	}
	sources := []struct {
		key    string
		data   []byte
		w, h   int    // source size
		colour [3]int // at the centre of the left half
	}{
		{"pics/a.jpg", testimage.JPEG(testimage.Solid(600, 400, color.RGBA{255, 0, 0, 255}), 95), 600, 400, [3]int{255, 0, 0}},
		{"pics/a.JPG", testimage.JPEG(testimage.Solid(400, 600, color.RGBA{0, 160, 0, 255}), 95), 400, 600, [3]int{0, 160, 0}},
		{"pics/a.png", pngBuf.Bytes(), 500, 500, [3]int{0, 0, 255}},
		{"pics/a.gif", gifBuf.Bytes(), 300, 200, [3]int{255, 255, 0}},
		{"pics/a.webp", webp, 64, 48, [3]int{255, 0, 0}},
		{"pics/a", testimage.JPEG(testimage.Solid(200, 100, color.RGBA{128, 128, 128, 255}), 95), 200, 100, [3]int{128, 128, 128}},
	}
	var bodies []string
	etags := map[string]string{}
	for _, s := range sources {
		etags[s.key] = put(t, c, upload, s.key, s.data, nil)
		bodies = append(bodies, notification(upload, s.key, len(s.data)))
	}
	cfg, err := LoadConfig(env(map[string]string{
		"OUTPUT_BUCKET": output,
		"RENDITIONS":    `[{"name":"thumb","maxWidth":256,"maxHeight":256},{"name":"icon","maxWidth":32,"format":"png"}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	logger, logs := testLogger(t)
	h, err := New(cfg, c, logger)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := h.HandleSQS(ctx, sqsEvent(bodies...)); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v, err %v\nlogs:\n%s", resp.BatchItemFailures, err, logs)
	}

	keys := map[string]string{}
	for _, s := range sources {
		for _, r := range cfg.Renditions {
			k := cfg.OutputKey(r, s.key)
			if prev, dup := keys[k]; dup {
				t.Fatalf("%s and %s share rendition key %s", prev, s.key, k)
			}
			keys[k] = s.key
			o, ok := get(t, c, output, k)
			if !ok {
				t.Errorf("%s: rendition %s missing at %s", s.key, r.Name, k)
				continue
			}
			if o.meta[MetaSourceKey] != s.key || o.meta[MetaSourceETag] != etags[s.key] {
				t.Errorf("%s: rendition %s made from %s (etag %s), want etag %s", s.key, r.Name, o.meta[MetaSourceKey], o.meta[MetaSourceETag], etags[s.key])
			}
			img, format, err := image.Decode(bytes.NewReader(o.data))
			if err != nil {
				t.Errorf("%s/%s: %v", s.key, r.Name, err)
				continue
			}
			b := img.Bounds()
			if w, h := FitSize(s.w, s.h, r.MaxWidth, r.MaxHeight); format != r.Format || b.Dx() != w || b.Dy() != h {
				t.Errorf("%s/%s: %s %dx%d, want %s %dx%d (the source's own aspect)", s.key, r.Name, format, b.Dx(), b.Dy(), r.Format, w, h)
			}
			if got := rgbAt(img, b.Dx()/4, b.Dy()/2); !near(got, s.colour, 40) {
				t.Errorf("%s/%s: colour %v, want the source's %v", s.key, r.Name, got, s.colour)
			}
		}
	}

	// A redelivery of the whole batch finds every rendition up to date.
	logs.Reset()
	if resp, err := h.HandleSQS(ctx, sqsEvent(bodies...)); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("redelivery: failures %v, err %v", resp.BatchItemFailures, err)
	}
	if n := len(logLines(t, logs, "renditions already up to date")); n != len(sources) {
		t.Errorf("redelivery: %d of %d sources up to date\nlogs:\n%s", n, len(sources), logs)
	}
	if n := len(logLines(t, logs, "image processed")); n != 0 {
		t.Errorf("redelivery reprocessed %d sources", n)
	}
}

// The JSON line the construct's metric filter { $.msg = "image rejected" }
// counts: one per rejected upload, at level ERROR (so Lambda's log-level
// filtering keeps it at every level but FATAL), naming the object and why.
func TestRejectionLogLineForTheMetricFilter(t *testing.T) {
	if RejectedMessage != "image rejected" {
		t.Fatalf("RejectedMessage = %q: the construct's metric filter matches \"image rejected\"", RejectedMessage)
	}
	ctx := context.Background()
	c := s3srv.Client()
	upload, output := newBuckets(t)
	data := []byte("GIF89a but not really")
	etag := put(t, c, upload, "in/junk.gif", data, nil)
	good := testimage.JPEG(testimage.Photo(300, 200), 85)
	put(t, c, upload, "in/good.jpg", good, nil)
	cfg, err := LoadConfig(env(map[string]string{"OUTPUT_BUCKET": output}))
	if err != nil {
		t.Fatal(err)
	}
	logger, logs := testLogger(t)
	h, err := New(cfg, c, logger)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.HandleSQS(ctx, sqsEvent(notification(upload, "in/junk.gif", len(data)), notification(upload, "in/good.jpg", len(good))))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v, err %v", resp.BatchItemFailures, err)
	}
	lines := logLines(t, logs, RejectedMessage)
	if len(lines) != 1 {
		t.Fatalf("%d rejection lines, want 1\nlogs:\n%s", len(lines), logs)
	}
	l := lines[0]
	want := map[string]any{"level": "ERROR", "msg": "image rejected", "bucket": upload, "key": "in/junk.gif", "etag": etag, "size": float64(len(data))}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("rejection line %s = %#v, want %#v (line %v)", k, l[k], v, l)
		}
	}
	if r := fmt.Sprint(l["reason"]); !strings.Contains(r, "gif") {
		t.Errorf("rejection reason %q does not say what is wrong", r)
	}
}

// panicGet panics on GetObject of one key, as a bug in the handler would.
type panicGet struct {
	S3API
	key string
}

func (p panicGet) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	if aws.ToString(in.Key) == p.key {
		panic("simulated bug: nil map write")
	}
	return p.S3API.GetObject(ctx, in, opts...)
}

// panicImage is a watermark whose pixels cannot be read: drawing it panics
// inside Processor.Process.
type panicImage struct{}

func (panicImage) ColorModel() color.Model { return color.RGBAModel }
func (panicImage) Bounds() image.Rectangle { return image.Rect(0, 0, 40, 20) }
func (panicImage) At(x, y int) color.Color { panic("simulated bug: pixel out of range") }

// A panic is a bug, not bad input: the message is handed back for a retry
// (and, after maxReceiveCount, the dead-letter queue and its alarm), no
// rejection record is written, the rest of the batch is processed, and the
// log line carries the stack.
func TestPanicIsRetriedNotRejected(t *testing.T) {
	ctx := context.Background()
	c := s3srv.Client()
	upload, output := newBuckets(t)
	photo := testimage.JPEG(testimage.Photo(400, 300), 85)
	for _, k := range []string{"p/bug.jpg", "p/ok.jpg", "p/wm.jpg"} {
		put(t, c, upload, k, photo, nil)
	}
	check := func(t *testing.T, h *Handler, logs *bytes.Buffer, cfg Config, bad, good string, where string) {
		t.Helper()
		bodies := []string{notification(upload, bad, len(photo))}
		if good != "" {
			bodies = append(bodies, notification(upload, good, len(photo)))
		}
		resp, err := h.HandleSQS(ctx, sqsEvent(bodies...))
		if err != nil {
			t.Fatal(err)
		}
		if want := []events.SQSBatchItemFailure{{ItemIdentifier: "m0"}}; fmt.Sprint(resp.BatchItemFailures) != fmt.Sprint(want) {
			t.Fatalf("BatchItemFailures = %v, want %v (the panicking message only)\nlogs:\n%s", resp.BatchItemFailures, want, logs)
		}
		if _, rejected := get(t, c, output, cfg.RejectionKey(bad)); rejected {
			t.Error("a panic was recorded as a rejection of the upload")
		}
		if n := len(logLines(t, logs, RejectedMessage)); n != 0 {
			t.Errorf("%d rejection log lines for a panic", n)
		}
		if good != "" {
			if _, ok := get(t, c, output, cfg.OutputKey(cfg.Renditions[0], good)); !ok {
				t.Errorf("%s: the message after the panic was not processed", good)
			}
		}
		lines := logLines(t, logs, "handler panicked")
		if len(lines) != 1 {
			t.Fatalf("%d panic log lines, want 1\nlogs:\n%s", len(lines), logs)
		}
		if l := lines[0]; l["level"] != "ERROR" || !strings.Contains(fmt.Sprint(l["panic"]), "simulated bug") ||
			!strings.Contains(fmt.Sprint(l["stack"]), where) || l["key"] != bad {
			t.Errorf("panic log line %v, want level ERROR, the panic value, the key and a stack through %s", l, where)
		}
	}

	t.Run("in the handler", func(t *testing.T) {
		cfg, err := LoadConfig(env(map[string]string{"OUTPUT_BUCKET": output}))
		if err != nil {
			t.Fatal(err)
		}
		logger, logs := testLogger(t)
		h, err := New(cfg, panicGet{S3API: c, key: "p/bug.jpg"}, logger)
		if err != nil {
			t.Fatal(err)
		}
		check(t, h, logs, cfg, "p/bug.jpg", "p/ok.jpg", "panicGet.GetObject")
	})
	t.Run("in Process", func(t *testing.T) {
		cfg, err := LoadConfig(env(map[string]string{"OUTPUT_BUCKET": output, "OUTPUT_PREFIX": "wm/",
			"WATERMARK": `{"imageKey":"brand/logo.png"}`}))
		if err != nil {
			t.Fatal(err)
		}
		logger, logs := testLogger(t)
		h, err := New(cfg, c, logger)
		if err != nil {
			t.Fatal(err)
		}
		// The watermark cache holds an image whose drawing panics.
		h.watermarks[upload] = &Watermark{Image: panicImage{}, Position: BottomRight, Opacity: 1}
		check(t, h, logs, cfg, "p/wm.jpg", "", "panicImage.At")
	})
}

func TestProcessReturnsPanicError(t *testing.T) {
	p := &Processor{Renditions: DefaultRenditions(), Watermark: &Watermark{Image: panicImage{}, Opacity: 1}}
	_, _, err := p.Process(testimage.JPEG(testimage.Photo(300, 200), 85))
	var pe *PanicError
	if !errors.As(err, &pe) || IsInputError(err) {
		t.Fatalf("Process error = %v, want a *PanicError and not an *InputError", err)
	}
	if !strings.Contains(fmt.Sprint(pe.Value), "simulated bug") || !bytes.Contains(pe.Stack, []byte("panicImage.At")) {
		t.Errorf("PanicError value %v, stack:\n%s", pe.Value, pe.Stack)
	}
}

// deleteAfterHead deletes the source right after the handler's HeadObject
// of it, as a user deleting an upload mid-flight would.
type deleteAfterHead struct {
	S3API
	c      *s3.Client
	bucket string
}

func (d deleteAfterHead) HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	out, err := d.S3API.HeadObject(ctx, in, opts...)
	if err == nil && aws.ToString(in.Bucket) == d.bucket {
		if _, derr := d.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: in.Bucket, Key: in.Key}); derr != nil {
			return nil, derr
		}
	}
	return out, err
}

// deniedHead sends HeadObject of the source bucket with credentials the
// server refuses, so the handler gets S3's real 403 answer, as AWS gives it
// for a missing key to a caller without s3:ListBucket.
type deniedHead struct {
	S3API
	denied *s3.Client
	bucket string
}

func (d deniedHead) HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	if aws.ToString(in.Bucket) == d.bucket {
		return d.denied.HeadObject(ctx, in, opts...)
	}
	return d.S3API.HeadObject(ctx, in, opts...)
}

// A source deleted before its message is handled is "gone, nothing to do":
// not retried into the dead-letter queue, not rejected. A 403 is confirmed
// with a listing: missing means gone, present means a real permission
// problem, which is retried.
func TestSourceDeletedBeforeProcessing(t *testing.T) {
	ctx := context.Background()
	c := s3srv.Client()
	upload, output := newBuckets(t)
	photo := testimage.JPEG(testimage.Photo(400, 300), 85)
	cfg, err := LoadConfig(env(map[string]string{"OUTPUT_BUCKET": output}))
	if err != nil {
		t.Fatal(err)
	}
	badCfg := s3srv.Config()
	badCfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "gureum-test", SecretAccessKey: "not-the-secret", Source: "test"}, nil
	})
	denied := s3.NewFromConfig(badCfg, func(o *s3.Options) { o.UsePathStyle = true })
	if _, err := denied.HeadObject(ctx, &s3.HeadObjectInput{Bucket: &upload, Key: aws.String("any")}); httpStatus(err) != 403 {
		t.Fatalf("the refused client gets %v (status %d), want a 403", err, httpStatus(err))
	}

	tests := []struct {
		name    string
		key     string
		client  func() S3API
		before  func(key string) // after the upload, before the message
		retried bool
		log     string
	}{
		{name: "deleted before the message (404)", key: "gone/before.jpg", client: func() S3API { return c },
			before: func(key string) {
				if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &upload, Key: &key}); err != nil {
					t.Fatal(err)
				}
			},
			log: "object no longer exists"},
		{name: "deleted between head and get", key: "gone/midway.jpg",
			client: func() S3API { return deleteAfterHead{S3API: c, c: c, bucket: upload} },
			log:    "object replaced or deleted since the event"},
		{name: "403 for a missing key", key: "gone/denied.jpg",
			client: func() S3API { return deniedHead{S3API: c, denied: denied, bucket: upload} },
			before: func(key string) {
				if _, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &upload, Key: &key}); err != nil {
					t.Fatal(err)
				}
			},
			log: "object no longer exists"},
		{name: "403 for a key that exists", key: "gone/still-here.jpg",
			client:  func() S3API { return deniedHead{S3API: c, denied: denied, bucket: upload} },
			retried: true, log: "message will be retried"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			put(t, c, upload, tt.key, photo, nil)
			// A neighbour sharing the key as a prefix must not count as the key.
			put(t, c, upload, tt.key+".bak", photo, nil)
			if tt.before != nil {
				tt.before(tt.key)
			}
			logger, logs := testLogger(t)
			h, err := New(cfg, tt.client(), logger)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := h.HandleSQS(ctx, sqsEvent(notification(upload, tt.key, len(photo))))
			if err != nil {
				t.Fatal(err)
			}
			if got := len(resp.BatchItemFailures) == 1; got != tt.retried {
				t.Fatalf("retried = %v, want %v\nlogs:\n%s", got, tt.retried, logs)
			}
			if len(logLines(t, logs, tt.log)) != 1 {
				t.Errorf("no %q log line\nlogs:\n%s", tt.log, logs)
			}
			if _, ok := get(t, c, output, cfg.RejectionKey(tt.key)); ok {
				t.Error("a missing or unreadable source was recorded as a rejected image")
			}
			if _, ok := get(t, c, output, cfg.OutputKey(cfg.Renditions[0], tt.key)); ok {
				t.Error("a rendition was written")
			}
		})
	}
}

// Renditions keep the whole source key, so a source key near S3's 1024-byte
// limit can give rendition keys past it: that upload is rejected with the
// reason (and, its record's key being too long as well, only logged) instead
// of failing every PutObject until it is dead-lettered.
func TestSourceKeyTooLongForRenditions(t *testing.T) {
	ctx := context.Background()
	c := s3srv.Client()
	upload, output := newBuckets(t)
	key := strings.Repeat(strings.Repeat("d", 200)+"/", 5) + "x.jpg" // 1010 bytes
	photo := testimage.JPEG(testimage.Photo(300, 200), 85)
	put(t, c, upload, key, photo, nil)
	cfg, err := LoadConfig(env(map[string]string{"OUTPUT_BUCKET": output}))
	if err != nil {
		t.Fatal(err)
	}
	logger, logs := testLogger(t)
	h, err := New(cfg, c, logger)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.HandleSQS(ctx, sqsEvent(notification(upload, key, len(photo))))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v, err %v\nlogs:\n%s", resp.BatchItemFailures, err, logs)
	}
	lines := logLines(t, logs, RejectedMessage)
	if len(lines) != 1 || !strings.Contains(fmt.Sprint(lines[0]["reason"]), "key too long: rendition \"thumb\" would be a 1031-byte key, S3 allows 1024") {
		t.Fatalf("rejection lines %v, want one naming the key length\nlogs:\n%s", lines, logs)
	}
	if len(logLines(t, logs, "no rejection record: its key would be too long")) != 1 {
		t.Errorf("the skipped rejection record is not logged\nlogs:\n%s", logs)
	}
}

// A decompression bomb by decoded size: a 7000x7000 progressive CMYK JPEG
// of under 2 MB needs 24 bytes per pixel to decode. In a 2048 MB function
// (AWS_LAMBDA_FUNCTION_MEMORY_SIZE, which Lambda sets) it is rejected for
// good with the usual log line and rejection record; a normal photo in the
// same batch is processed.
func TestImageBeyondMemoryBudgetIsRejected(t *testing.T) {
	ctx := context.Background()
	c := s3srv.Client()
	upload, output := newBuckets(t)
	bomb := testimage.BlockJPEG(7000, 7000, testimage.JPEGKind{Components: 4, Progressive: true})
	put(t, c, upload, "in/cmyk.jpg", bomb, nil)
	good := testimage.JPEG(testimage.Photo(300, 200), 85)
	put(t, c, upload, "in/good.jpg", good, nil)
	cfg, err := LoadConfig(env(map[string]string{"OUTPUT_BUCKET": output, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "2048"}))
	if err != nil {
		t.Fatal(err)
	}
	logger, logs := testLogger(t)
	h, err := New(cfg, c, logger)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := h.HandleSQS(ctx, sqsEvent(notification(upload, "in/cmyk.jpg", len(bomb)), notification(upload, "in/good.jpg", len(good))))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v, err %v", resp.BatchItemFailures, err)
	}
	lines := logLines(t, logs, RejectedMessage)
	if len(lines) != 1 || lines[0]["key"] != "in/cmyk.jpg" {
		t.Fatalf("rejection lines %v, want one for in/cmyk.jpg\nlogs:\n%s", lines, logs)
	}
	rec, ok := get(t, c, output, cfg.RejectionKey("in/cmyk.jpg"))
	if !ok {
		t.Fatal("no rejection record")
	}
	var rej Rejection
	if err := json.Unmarshal(rec.data, &rej); err != nil {
		t.Fatal(err)
	}
	if want := "progressive JPEG 7000x7000 needs an estimated"; !strings.Contains(rej.Reason, want) || !strings.Contains(rej.Reason, "image memory budget of 922 MiB") {
		t.Errorf("rejection reason %q", rej.Reason)
	}
	for _, r := range cfg.Renditions {
		if _, ok := get(t, c, output, cfg.OutputKey(r, "in/good.jpg")); !ok {
			t.Errorf("rendition %s of the good photo missing", r.Name)
		}
	}
}
