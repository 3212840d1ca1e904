package imageproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"log/slog"
	"net/url"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/imageproc/internal/testimage"
	"github.com/gureum-cdk/gureum/internal/testsvc"
)

var s3srv *testsvc.S3

func TestMain(m *testing.M) {
	var err error
	s3srv, err = testsvc.StartS3()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	s3srv.Stop()
	os.Exit(code)
}

var bucketSeq struct {
	sync.Mutex
	n int
}

// newBuckets creates a fresh upload and output bucket for one test.
func newBuckets(t *testing.T) (upload, output string) {
	t.Helper()
	bucketSeq.Lock()
	bucketSeq.n++
	n := bucketSeq.n
	bucketSeq.Unlock()
	upload, output = fmt.Sprintf("uploads-%d", n), fmt.Sprintf("renditions-%d", n)
	for _, b := range []string{upload, output} {
		if err := s3srv.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	return upload, output
}

func put(t *testing.T, c *s3.Client, bucket, key string, data []byte, meta map[string]string) string {
	t.Helper()
	out, err := c.PutObject(context.Background(), &s3.PutObjectInput{
		Bucket: &bucket, Key: &key, Body: bytes.NewReader(data), Metadata: meta,
	})
	if err != nil {
		t.Fatalf("put %s/%s: %v", bucket, key, err)
	}
	return aws.ToString(out.ETag)
}

type object struct {
	data []byte
	meta map[string]string
	etag string
	ct   string
}

func get(t *testing.T, c *s3.Client, bucket, key string) (object, bool) {
	t.Helper()
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: &bucket, Key: &key})
	if isGone(err) {
		return object{}, false
	}
	if err != nil {
		t.Fatalf("get %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	data, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return object{data, out.Metadata, aws.ToString(out.ETag), aws.ToString(out.ContentType)}, true
}

// notification is the body S3 sends to SQS for one created object.
func notification(bucket, key string, size int) string {
	return fmt.Sprintf(`{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3","awsRegion":"us-east-1",
"eventTime":"2026-11-25T06:00:00.000Z","eventName":"ObjectCreated:Put",
"s3":{"s3SchemaVersion":"1.0","configurationId":"images","bucket":{"name":%q,"arn":"arn:aws:s3:::%s"},
"object":{"key":%q,"size":%d,"sequencer":"0065"}}}]}`, bucket, bucket, url.QueryEscape(key), size)
}

func sqsEvent(bodies ...string) events.SQSEvent {
	var ev events.SQSEvent
	for i, b := range bodies {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: fmt.Sprintf("m%d", i), Body: b, EventSource: "aws:sqs"})
	}
	return ev
}

// failOnce fails the first GetObject of one key, as an S3 timeout would.
type failOnce struct {
	S3API
	key    string
	mu     sync.Mutex
	failed bool
}

func (f *failOnce) GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	f.mu.Lock()
	fail := !f.failed && aws.ToString(in.Key) == f.key
	f.failed = f.failed || fail
	f.mu.Unlock()
	if fail {
		return nil, errors.New("simulated S3 timeout: context deadline exceeded")
	}
	return f.S3API.GetObject(ctx, in, opts...)
}

func testLogger(t *testing.T) (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewJSONHandler(&buf, nil)), &buf
}

func TestHandlerBatch(t *testing.T) {
	ctx := context.Background()
	c := s3srv.Client()
	upload, output := newBuckets(t)

	photo := testimage.JPEG(testimage.Photo(1600, 1200), 90)
	var pngBuf bytes.Buffer
	if err := encodePNG(&pngBuf, testimage.Photo(300, 500)); err != nil {
		t.Fatal(err)
	}
	items := []struct {
		key    string
		data   []byte
		good   bool
		reason string // for rejected objects
	}{
		{key: "photos/cat.jpg", data: photo, good: true},
		{key: "photos/my dog é.png", data: pngBuf.Bytes(), good: true},
		{key: "photos/flaky.jpg", data: photo, good: true},
		{key: "docs/readme.jpg", data: []byte("# not an image\n"), reason: "unsupported or unrecognised image format"},
		{key: "photos/cut.jpg", data: photo[:len(photo)/3], reason: "corrupt or truncated jpeg"},
		{key: "photos/bomb.png", data: testimage.PNGHeader(100000, 100000), reason: "decompression bomb"},
		{key: "photos/huge.jpg", data: append(bytes.Clone(photo), make([]byte, 3<<20)...), reason: "limit is 3145728"},
	}
	var bodies []string
	etags := map[string]string{}
	for _, it := range items {
		etags[it.key] = put(t, c, upload, it.key, it.data, map[string]string{"owner": "alice"})
		bodies = append(bodies, notification(upload, it.key, len(it.data)))
	}
	bodies = append(bodies,
		`{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-11-25T06:00:00.000Z","Bucket":"`+upload+`","RequestId":"1","HostId":"2"}`,
		`this is not JSON`,
		notification(upload, "photos/deleted.jpg", 10),
	)

	cfg, err := LoadConfig(env(map[string]string{
		"OUTPUT_BUCKET":    output,
		"MAX_OBJECT_BYTES": "3145728",
		"RENDITIONS":       `[{"name":"thumb","maxWidth":256,"maxHeight":256,"format":"jpeg","quality":82},{"name":"web","maxWidth":800,"maxHeight":800,"format":"png"}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	flaky := &failOnce{S3API: c, key: "photos/flaky.jpg"}
	logger, logs := testLogger(t)
	h, err := New(cfg, flaky, logger)
	if err != nil {
		t.Fatal(err)
	}

	resp, err := h.HandleSQS(ctx, sqsEvent(bodies...))
	if err != nil {
		t.Fatal(err)
	}
	want := []events.SQSBatchItemFailure{{ItemIdentifier: "m2"}} // photos/flaky.jpg
	if fmt.Sprint(resp.BatchItemFailures) != fmt.Sprint(want) {
		t.Fatalf("BatchItemFailures = %v, want %v\nlogs:\n%s", resp.BatchItemFailures, want, logs)
	}

	// SQS redelivers the failed message alone; now it succeeds.
	resp, err = h.HandleSQS(ctx, sqsEvent(bodies[2]))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("redelivery: failures %v, err %v\nlogs:\n%s", resp.BatchItemFailures, err, logs)
	}

	for _, it := range items {
		// The original is untouched.
		if orig, ok := get(t, c, upload, it.key); !ok || !bytes.Equal(orig.data, it.data) {
			t.Errorf("%s: original changed or missing", it.key)
		}
		rej, rejected := get(t, c, output, cfg.RejectionKey(it.key))
		for _, r := range cfg.Renditions {
			out, ok := get(t, c, output, cfg.OutputKey(r, it.key))
			if ok != it.good {
				t.Errorf("%s: rendition %s present = %v, want %v", it.key, r.Name, ok, it.good)
				continue
			}
			if !ok {
				continue
			}
			img, format, err := image.Decode(bytes.NewReader(out.data))
			if err != nil {
				t.Errorf("%s/%s: %v", it.key, r.Name, err)
				continue
			}
			b := img.Bounds()
			if format != r.Format || max(b.Dx(), b.Dy()) != min(r.MaxWidth, 1600) && it.key != "photos/my dog é.png" {
				t.Errorf("%s/%s: %s %dx%d", it.key, r.Name, format, b.Dx(), b.Dy())
			}
			if out.ct != r.ContentType() {
				t.Errorf("%s/%s: content type %q", it.key, r.Name, out.ct)
			}
			wantMeta := map[string]string{"owner": "alice", "source-etag": etags[it.key], "rendition": r.Name, "source-key": metaValue(it.key)}
			for k, v := range wantMeta {
				if out.meta[k] != v {
					t.Errorf("%s/%s: metadata %s = %q, want %q (all: %v)", it.key, r.Name, k, out.meta[k], v, out.meta)
				}
			}
		}
		if rejected != !it.good {
			t.Errorf("%s: rejection record present = %v, want %v", it.key, rejected, !it.good)
		}
		if rejected {
			var rec Rejection
			if err := json.Unmarshal(rej.data, &rec); err != nil {
				t.Fatalf("%s: rejection record: %v", it.key, err)
			}
			if rec.Key != it.key || rec.Bucket != upload || !strings.Contains(rec.Reason, it.reason) {
				t.Errorf("%s: rejection record %+v, want reason containing %q", it.key, rec, it.reason)
			}
			if !strings.Contains(logs.String(), `"msg":"image rejected"`) {
				t.Errorf("no rejection log line")
			}
		}
	}
	// Every rejection is logged as one JSON line naming the key and the reason.
	for _, it := range items {
		if it.good {
			continue
		}
		found := false
		for _, line := range strings.Split(logs.String(), "\n") {
			var rec map[string]any
			if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == RejectedMessage && rec["key"] == it.key {
				found = strings.Contains(fmt.Sprint(rec["reason"]), it.reason) && rec["level"] == "ERROR"
			}
		}
		if !found {
			t.Errorf("%s: no JSON log line at level ERROR with the rejection reason %q", it.key, it.reason)
		}
	}
}

func TestHandlerIdempotent(t *testing.T) {
	ctx := context.Background()
	c := s3srv.Client()
	upload, output := newBuckets(t)
	key := "a/b/photo.final.jpeg"
	data := testimage.JPEG(testimage.Photo(1200, 800), 88)
	put(t, c, upload, key, data, nil)
	ev := sqsEvent(notification(upload, key, len(data)))

	outputs := map[string][]object{}
	for _, prefix := range []string{"one/", "two/"} {
		cfg, err := LoadConfig(env(map[string]string{"OUTPUT_BUCKET": output, "OUTPUT_PREFIX": prefix,
			"WATERMARK": `{"text":"(c) gureum","position":"bottom-left","opacity":0.7}`}))
		if err != nil {
			t.Fatal(err)
		}
		logger, logs := testLogger(t)
		h, err := New(cfg, c, logger)
		if err != nil {
			t.Fatal(err)
		}
		for run := 0; run < 2; run++ { // the second run is a redelivery
			resp, err := h.HandleSQS(ctx, ev)
			if err != nil || len(resp.BatchItemFailures) != 0 {
				t.Fatalf("run %d: failures %v, err %v", run, resp.BatchItemFailures, err)
			}
			// The redelivery finds every output carrying the source's ETag and skips the work.
			if skipped := strings.Contains(logs.String(), `"msg":"renditions already up to date"`); skipped != (run == 1) {
				t.Errorf("run %d: skipped = %v, want %v", run, skipped, run == 1)
			}
			for _, r := range cfg.Renditions {
				k := cfg.OutputKey(r, key)
				if want := prefix + r.Name + "/a/b/photo.final.jpeg.jpg"; k != want {
					t.Fatalf("output key %q, want %q", k, want)
				}
				o, ok := get(t, c, output, k)
				if !ok {
					t.Fatalf("%s missing after run %d", k, run)
				}
				outputs[r.Name] = append(outputs[r.Name], o)
			}
		}
	}
	for name, objs := range outputs {
		for i := 1; i < len(objs); i++ {
			if !bytes.Equal(objs[0].data, objs[i].data) {
				t.Errorf("%s: output %d differs from output 0", name, i)
			}
		}
	}
}

func TestHandlerImageWatermark(t *testing.T) {
	ctx := context.Background()
	c := s3srv.Client()
	upload, output := newBuckets(t)
	var logo bytes.Buffer
	if err := encodePNG(&logo, testimage.Solid(80, 40, color.RGBA{255, 0, 255, 255})); err != nil {
		t.Fatal(err)
	}
	put(t, c, upload, "brand/logo.png", logo.Bytes(), nil)
	data := testimage.JPEG(testimage.Solid(1000, 800, color.RGBA{40, 160, 60, 255}), 95)
	put(t, c, upload, "in.jpg", data, nil)

	cfg, err := LoadConfig(env(map[string]string{
		"OUTPUT_BUCKET": output,
		"RENDITIONS":    `[{"name":"p","maxWidth":500,"maxHeight":500,"format":"png"}]`,
		"WATERMARK":     `{"imageKey":"brand/logo.png","position":"top-right","opacity":1}`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(cfg, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp, err := h.HandleSQS(ctx, sqsEvent(notification(upload, "in.jpg", len(data)))); err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %v, err %v", resp.BatchItemFailures, err)
	}
	o, ok := get(t, c, output, "renditions/p/in.jpg.png")
	if !ok {
		t.Fatal("rendition missing")
	}
	img, _, err := image.Decode(bytes.NewReader(o.data))
	if err != nil {
		t.Fatal(err)
	}
	// 500x400 output: the logo is drawn 80x40 (under a quarter of the width) near the top-right corner.
	if got := rgbAt(img, 500-10-40, 10+20); !near(got, [3]int{255, 0, 255}, 4) {
		t.Errorf("top-right pixel %v, want magenta", got)
	}
	if got := rgbAt(img, 40, 380); !near(got, [3]int{40, 160, 60}, 4) {
		t.Errorf("bottom-left pixel %v, want the green background", got)
	}
}

func TestLoadConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr []string
		check   func(t *testing.T, c Config)
	}{
		{
			name: "defaults",
			env:  map[string]string{"OUTPUT_BUCKET": "out"},
			check: func(t *testing.T, c Config) {
				if c.OutputPrefix != "renditions/" || c.MaxPixels != 50_000_000 || c.MaxObjectBytes != 50<<20 ||
					len(c.Renditions) != 2 || c.Watermark != nil || c.MaxImageMemory != ImageMemoryBudget(debug.SetMemoryLimit(-1)) {
					t.Errorf("unexpected defaults: %+v", c)
				}
			},
		},
		{
			name: "memory budget from the function's memory",
			env:  map[string]string{"OUTPUT_BUCKET": "out", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "2048"},
			check: func(t *testing.T, c Config) {
				// Half of the 2048 MB less 10% headroom.
				if want := int64(2048<<20-2048<<20/10) / 2; c.MaxImageMemory != want {
					t.Errorf("MaxImageMemory = %d, want %d", c.MaxImageMemory, want)
				}
			},
		},
		{
			name: "memory budget set",
			env:  map[string]string{"OUTPUT_BUCKET": "out", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "2048", "MAX_IMAGE_MEMORY": "300000000"},
			check: func(t *testing.T, c Config) {
				if c.MaxImageMemory != 300_000_000 {
					t.Errorf("MaxImageMemory = %d, want 300000000", c.MaxImageMemory)
				}
			},
		},
		{
			name: "full",
			env: map[string]string{
				"OUTPUT_BUCKET": "out", "OUTPUT_PREFIX": "r/", "MAX_PIXELS": "1000", "MAX_OBJECT_BYTES": "2000",
				"RENDITIONS": `[{"name":"thumb","maxWidth":256,"maxHeight":256,"format":"png"}]`,
				"WATERMARK":  `{"text":"hi"}`, "WATERMARK_BUCKET": "brand",
			},
			check: func(t *testing.T, c Config) {
				if c.OutputPrefix != "r/" || c.MaxPixels != 1000 || c.MaxObjectBytes != 2000 || c.WatermarkBucket != "brand" {
					t.Errorf("settings not read: %+v", c)
				}
				if r := c.Renditions[0]; r.Format != FormatPNG || r.Quality != 85 {
					t.Errorf("rendition %+v", r)
				}
				if w := c.Watermark; w.Position != BottomRight || *w.Opacity != 0.5 {
					t.Errorf("watermark defaults %+v", w)
				}
			},
		},
		{
			name: "everything wrong",
			env: map[string]string{
				"MAX_PIXELS": "-3", "MAX_OBJECT_BYTES": "lots", "MAX_IMAGE_MEMORY": "0", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "big",
				"RENDITIONS": `[{"name":"a b","maxWidth":0,"format":"gif","quality":101},{"name":"x","maxWidth":10},{"name":"x","maxWidth":10}]`,
				"WATERMARK":  `{"text":"a","imageKey":"b","position":"middle","opacity":2}`,
			},
			wantErr: []string{
				"OUTPUT_BUCKET is required", `MAX_PIXELS: "-3"`, `MAX_OBJECT_BYTES: "lots"`, `MAX_IMAGE_MEMORY: "0"`, `AWS_LAMBDA_FUNCTION_MEMORY_SIZE "big"`,
				"only letters, digits", "at least one of maxWidth and maxHeight", `format "gif"`, "quality 101",
				`duplicate name "x"`, "exactly one of text and imageKey", `position "middle"`, "opacity 2",
			},
		},
		{
			name:    "bad json",
			env:     map[string]string{"OUTPUT_BUCKET": "out", "RENDITIONS": `{"name":"x"}`, "WATERMARK": `{"txt":"a"}`},
			wantErr: []string{"RENDITIONS: not a JSON array", "WATERMARK: not a JSON watermark object"},
		},
		{
			name:    "reserved name",
			env:     map[string]string{"OUTPUT_BUCKET": "out", "RENDITIONS": `[{"name":"rejected","maxWidth":10}]`},
			wantErr: []string{`"rejected" is reserved`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadConfig(env(tt.env))
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				tt.check(t, c)
				return
			}
			if err == nil {
				t.Fatalf("no error, want %q", tt.wantErr)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q\ndoes not mention %q", err, w)
				}
			}
		})
	}
}

func TestOutputKey(t *testing.T) {
	c := Config{OutputPrefix: "renditions/"}
	jpg := Rendition{Name: "thumb", Format: FormatJPEG}
	png := Rendition{Name: "icon", Format: FormatPNG}
	tests := []struct {
		r        Rendition
		in, want string
	}{
		{jpg, "a.jpg", "renditions/thumb/a.jpg.jpg"},
		{jpg, "a.JPG", "renditions/thumb/a.JPG.jpg"},
		{jpg, "a.png", "renditions/thumb/a.png.jpg"},
		{jpg, "a.webp", "renditions/thumb/a.webp.jpg"},
		{jpg, "a", "renditions/thumb/a.jpg"},
		{jpg, "x/y/photo.PNG", "renditions/thumb/x/y/photo.PNG.jpg"},
		{jpg, "x.y/noext", "renditions/thumb/x.y/noext.jpg"},
		{jpg, ".hidden", "renditions/thumb/.hidden.jpg"},
		{jpg, "dir/a.b.c.webp", "renditions/thumb/dir/a.b.c.webp.jpg"},
		{png, "a.png", "renditions/icon/a.png.png"},
		{png, "uploads/a/b.jpeg", "renditions/icon/uploads/a/b.jpeg.png"},
	}
	for _, tt := range tests {
		if got := c.OutputKey(tt.r, tt.in); got != tt.want {
			t.Errorf("OutputKey(%s, %q) = %q, want %q", tt.r.Name, tt.in, got, tt.want)
		}
	}
	// One-to-one: keys that differ only by extension, case or a trailing
	// extension never share a rendition.
	seen := map[string]string{}
	for _, in := range []string{"a", "a.jpg", "a.jpg.jpg", "a.JPG", "a.jpeg", "a.png", "a.png.jpg", "A.jpg", "a.gif", "a.webp"} {
		out := c.OutputKey(jpg, in)
		if prev, dup := seen[out]; dup {
			t.Errorf("%q and %q share the rendition %q", prev, in, out)
		}
		seen[out] = in
	}
	if got := c.RejectionKey("x/y.gif"); got != "renditions/rejected/x/y.gif.json" {
		t.Errorf("RejectionKey = %q", got)
	}
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func encodePNG(w io.Writer, m image.Image) error { return png.Encode(w, m) }

func TestHandlerLeavesMessagesNearTheDeadline(t *testing.T) {
	c := s3srv.Client()
	upload, output := newBuckets(t)
	data := testimage.JPEG(testimage.Photo(400, 300), 85)
	put(t, c, upload, "late.jpg", data, nil)
	cfg, err := LoadConfig(env(map[string]string{"OUTPUT_BUCKET": output}))
	if err != nil {
		t.Fatal(err)
	}
	h, err := New(cfg, c, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := sqsEvent(notification(upload, "late.jpg", len(data)))
	ctx, cancel := context.WithTimeout(context.Background(), StopMargin/2)
	defer cancel()
	resp, err := h.HandleSQS(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.BatchItemFailures) != len(ev.Records) {
		t.Fatalf("%d of %d messages handed back near the deadline", len(resp.BatchItemFailures), len(ev.Records))
	}
	if _, err := c.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: &output, Key: aws.String(cfg.OutputKey(cfg.Renditions[0], "late.jpg"))}); err == nil {
		t.Error("a rendition was written although the message was handed back")
	}
}
