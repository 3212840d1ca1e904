package imagepipeline_test

import (
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awss3"
	"github.com/aws/jsii-runtime-go"

	"github.com/gureum-cdk/gureum/constructs/imagepipeline"
	"github.com/gureum-cdk/gureum/constructs/internal/cdktest"
)

func TestValidationMessages(t *testing.T) {
	with := func(mut func(*imagepipeline.Props)) *imagepipeline.Props {
		p := &imagepipeline.Props{Entry: handler}
		mut(p)
		return p
	}
	rendition := func(r imagepipeline.Rendition) *imagepipeline.Props {
		return with(func(p *imagepipeline.Props) { p.Renditions = []imagepipeline.Rendition{r} })
	}
	watermark := func(w imagepipeline.Watermark) *imagepipeline.Props {
		return with(func(p *imagepipeline.Props) { p.Watermark = &w })
	}
	// Validate needs no synthesis; buckets and keys are only compared.
	stack := cdktest.NewStack("Validate")
	bucket := awss3.Bucket_FromBucketName(stack, jsii.String("B"), jsii.String("bucket-b"))
	other := awss3.Bucket_FromBucketName(stack, jsii.String("O"), jsii.String("bucket-o"))
	key := awskms.Key_FromKeyArn(stack, jsii.String("K"), jsii.String("arn:aws:kms:ap-northeast-2:123456789012:key/x"))

	const pre = `imagepipeline "Images": `
	cases := []struct {
		name  string
		props *imagepipeline.Props
		want  string // the whole message
	}{
		{"missing entry", with(func(p *imagepipeline.Props) { p.Entry = "testdata/nope" }), ""},
		{"rendition without size", rendition(imagepipeline.Rendition{Name: "x"}),
			pre + `Renditions[0]: needs a size: set MaxWidth, MaxHeight or both`},
		{"unknown format", rendition(imagepipeline.Rendition{Name: "x", MaxWidth: 10, Format: "webp"}),
			pre + `Renditions[0].Format: "webp" is not jpeg or png`},
		{"quality too high", rendition(imagepipeline.Rendition{Name: "x", MaxWidth: 10, Quality: 101}),
			pre + `Renditions[0].Quality: 101 is outside 1..100 (0 means 85)`},
		{"negative quality", rendition(imagepipeline.Rendition{Name: "x", MaxWidth: 10, Quality: -1}),
			pre + `Renditions[0].Quality: -1 is outside 1..100 (0 means 85)`},
		{"duplicate names", with(func(p *imagepipeline.Props) {
			p.Renditions = []imagepipeline.Rendition{{Name: "thumb", MaxWidth: 1}, {Name: "thumb", MaxHeight: 2}}
		}), pre + `Renditions[1].Name: "thumb" duplicates Renditions[0]`},
		{"no name", rendition(imagepipeline.Rendition{MaxWidth: 10}), pre + `Renditions[0].Name: is required`},
		{"bad name", rendition(imagepipeline.Rendition{Name: "a/b", MaxWidth: 10}),
			pre + `Renditions[0].Name: "a/b" may contain only letters, digits, '-' and '_'`},
		{"reserved name", rendition(imagepipeline.Rendition{Name: "rejected", MaxWidth: 10}),
			pre + `Renditions[0].Name: "rejected" is reserved for the records of rejected uploads`},
		{"too wide", rendition(imagepipeline.Rendition{Name: "x", MaxWidth: 20000}),
			pre + `Renditions[0].MaxWidth: 20000 is outside 0..16384 pixels`},
		{"negative height", rendition(imagepipeline.Rendition{Name: "x", MaxWidth: 1, MaxHeight: -1}),
			pre + `Renditions[0].MaxHeight: -1 is outside 0..16384 pixels`},
		{"opacity above 1", watermark(imagepipeline.Watermark{Text: "x", Opacity: 1.5}),
			pre + `Watermark.Opacity: 1.5 is outside (0, 1] (0 means 0.5)`},
		{"negative opacity", watermark(imagepipeline.Watermark{Text: "x", Opacity: -0.1}),
			pre + `Watermark.Opacity: -0.1 is outside (0, 1] (0 means 0.5)`},
		{"watermark without content", watermark(imagepipeline.Watermark{}),
			pre + `Watermark: set exactly one of Text and ImageKey`},
		{"watermark with both", watermark(imagepipeline.Watermark{Text: "x", ImageKey: "y.png"}),
			pre + `Watermark: set exactly one of Text and ImageKey`},
		{"watermark position", watermark(imagepipeline.Watermark{Text: "x", Position: "middle"}),
			pre + `Watermark.Position: "middle" is not one of bottom-right, bottom-left, top-right, top-left, center`},
		{"watermark bucket with text", watermark(imagepipeline.Watermark{Text: "x", Bucket: bucket}),
			pre + `Watermark.Bucket: applies to an ImageKey watermark only`},
		{"empty suffix list", with(func(p *imagepipeline.Props) { p.Suffixes = []string{} }),
			pre + `Suffixes: is empty: leave it nil for the default image suffixes, or list at least one`},
		{"empty suffix", with(func(p *imagepipeline.Props) { p.Suffixes = []string{".png", ""} }),
			pre + `Suffixes[1]: is empty: it would match every key`},
		{"overlapping suffixes", with(func(p *imagepipeline.Props) { p.Suffixes = []string{".jpg", "g"} }),
			pre + `Suffixes[1]: "g" overlaps Suffixes[0] ".jpg": S3 rejects overlapping notifications`},
		{"prefix with slash", with(func(p *imagepipeline.Props) { p.Prefix = "/uploads/" }),
			pre + `Prefix: "/uploads/" must not start with "/": S3 keys have no leading slash`},
		{"output prefix with slash", with(func(p *imagepipeline.Props) { p.OutputPrefix = "/out/" }),
			pre + `OutputPrefix: "/out/" must not start with "/": S3 keys have no leading slash`},
		{"batch above 10 without window", with(func(p *imagepipeline.Props) { p.BatchSize = 11 }),
			pre + `BatchSize: 11 needs a MaxBatchingWindow: SQS allows 1..10 without one`},
		{"batch above 10000", with(func(p *imagepipeline.Props) { p.BatchSize = 10_001; p.MaxBatchingWindow = time.Minute }),
			pre + `BatchSize: 10001 is outside SQS's range 1..10000`},
		{"negative batch", with(func(p *imagepipeline.Props) { p.BatchSize = -1 }),
			pre + `BatchSize: must not be negative, got -1`},
		{"window too long", with(func(p *imagepipeline.Props) { p.MaxBatchingWindow = 6 * time.Minute }),
			pre + `MaxBatchingWindow: 6m0s is outside Lambda's range 0..5m`},
		{"window fraction", with(func(p *imagepipeline.Props) { p.MaxBatchingWindow = 1500 * time.Millisecond }),
			pre + `MaxBatchingWindow: 1.5s is not a whole number of seconds`},
		{"concurrency 1", with(func(p *imagepipeline.Props) { p.MaxConcurrency = 1 }),
			pre + `MaxConcurrency: 1 is outside Lambda's range 2..1000`},
		{"receive count", with(func(p *imagepipeline.Props) { p.MaxReceiveCount = 1001 }),
			pre + `MaxReceiveCount: 1001 is outside SQS's range 1..1000`},
		{"memory", with(func(p *imagepipeline.Props) { p.MemoryMB = 64 }),
			pre + `MemoryMB: 64 is outside Lambda's range 128..10240`},
		{"timeout", with(func(p *imagepipeline.Props) { p.Timeout = 16 * time.Minute }),
			pre + `Timeout: 16m0s is outside Lambda's range (0, 15m]`},
		{"sub-second timeout", with(func(p *imagepipeline.Props) { p.Timeout = 500 * time.Millisecond }),
			pre + `Timeout: 500ms is below Lambda's 1s granularity`},
		{"log level", with(func(p *imagepipeline.Props) { p.LogLevel = "LOUD" }),
			pre + `LogLevel: "LOUD" is not one of TRACE, DEBUG, INFO, WARN, ERROR`},
		{"log level fatal", with(func(p *imagepipeline.Props) { p.LogLevel = "fatal" }),
			pre + `LogLevel: FATAL would drop the handler's ERROR lines, among them the rejected uploads the RejectedUploads metric counts: use ERROR or lower`},
		{"negative rejection threshold", with(func(p *imagepipeline.Props) { p.Alarms.RejectionThreshold = -1 }),
			pre + `Alarms.RejectionThreshold: must not be negative, got -1 (0 means 1)`},
		{"upper-case suffix overlapping", with(func(p *imagepipeline.Props) { p.Suffixes = []string{".JPG", ".jpg", "G"} }),
			pre + `Suffixes[2]: "G" overlaps Suffixes[0] ".JPG": S3 rejects overlapping notifications`},
		{"negative max pixels", with(func(p *imagepipeline.Props) { p.MaxPixels = -1 }),
			pre + `MaxPixels: must not be negative, got -1`},
		{"negative max bytes", with(func(p *imagepipeline.Props) { p.MaxObjectBytes = -1 }),
			pre + `MaxObjectBytes: must not be negative, got -1`},
		{"key and no key", with(func(p *imagepipeline.Props) { p.ExistingKey = key; p.DisableCustomerManagedKey = true }),
			pre + `ExistingKey: is set together with DisableCustomerManagedKey: use one or the other`},
		{"key without new buckets", with(func(p *imagepipeline.Props) {
			p.ExistingKey, p.ExistingUploadBucket, p.ExistingOutputBucket = key, bucket, other
		}), pre + `ExistingKey: encrypts new buckets only, and both ExistingUploadBucket and ExistingOutputBucket are set`},
		{"same bucket", with(func(p *imagepipeline.Props) { p.ExistingUploadBucket, p.ExistingOutputBucket = bucket, bucket }),
			pre + `ExistingOutputBucket: is the upload bucket: renditions written there would be processed again`},
		{"alarm age", with(func(p *imagepipeline.Props) { p.Alarms.MaxMessageAge = 30 * time.Second }),
			pre + `Alarms.MaxMessageAge: 30s is below 1m`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := imagepipeline.Validate(nil, "Images", c.props)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			if c.want == "" {
				if !strings.HasPrefix(err.Error(), pre+`Entry: "testdata/nope" (`) || !strings.Contains(err.Error(), ") does not exist: ") {
					t.Errorf("error %q does not name the missing entry", err)
				}
				return
			}
			if err.Error() != c.want {
				t.Errorf("error\n  %s\nwant\n  %s", err, c.want)
			}
		})
	}
	for name, p := range map[string]*imagepipeline.Props{
		"only entry":                        {Entry: handler},
		"default entry (import path)":       {},
		"batch of 10,000 with a window":     {Entry: handler, BatchSize: 10_000, MaxBatchingWindow: 5 * time.Minute},
		"image watermark in its own bucket": {Entry: handler, Watermark: &imagepipeline.Watermark{ImageKey: "logo.png", Bucket: bucket, Opacity: 1}},
		"existing buckets":                  {Entry: handler, ExistingUploadBucket: bucket, ExistingOutputBucket: other, Suffixes: []string{".JPG"}},
		"default suffixes spelled out":      {Entry: handler, Suffixes: imagepipeline.DefaultSuffixes()},
		"log level error, 20 rejections":    {Entry: handler, LogLevel: "error", Alarms: imagepipeline.Alarms{RejectionThreshold: 20}},
	} {
		if err := imagepipeline.Validate(nil, "Images", p); err != nil {
			t.Errorf("%s: valid props rejected: %v", name, err)
		}
	}
}

func TestTooManyRenditionsForLambdaEnvironment(t *testing.T) {
	var rs []imagepipeline.Rendition
	for i := 0; i < 60; i++ {
		rs = append(rs, imagepipeline.Rendition{Name: strings.Repeat("r", 8) + string(rune('a'+i%26)) + string(rune('a'+i/26)), MaxWidth: 100 + i})
	}
	err := imagepipeline.Validate(nil, "Images", &imagepipeline.Props{Entry: handler, Renditions: rs})
	if err == nil || !strings.Contains(err.Error(), "bytes of environment variables; Lambda allows 4096 in all") {
		t.Errorf("got %v, want the environment size problem", err)
	}
}

func TestNewPanicsWithEveryProblemAndThePath(t *testing.T) {
	stack := cdktest.NewStack("Bad")
	defer func() {
		r := recover()
		err, ok := r.(error)
		if !ok {
			t.Fatalf("recovered %v, want an error", r)
		}
		want := `imagepipeline "Bad/Images": 2 invalid props:` + "\n" +
			`  - Renditions[0]: needs a size: set MaxWidth, MaxHeight or both` + "\n" +
			`  - BatchSize: 20 needs a MaxBatchingWindow: SQS allows 1..10 without one`
		if err.Error() != want {
			t.Errorf("panic message\n%s\nwant\n%s", err, want)
		}
		if stack.Node().TryFindChild(jsii.String("Images")) != nil {
			t.Error("the construct was created despite invalid props")
		}
	}()
	imagepipeline.New(stack, "Images", &imagepipeline.Props{
		Entry:      handler,
		Renditions: []imagepipeline.Rendition{{Name: "x"}},
		BatchSize:  20,
	})
}

// S3 refuses two notifications for the same event whose prefixes overlap
// and whose suffixes overlap (one ends with the other). Every default
// notification has the same prefix, so no default suffix may end with
// another; lower and upper case are different suffixes to S3.
func TestDefaultSuffixesCoverUpperCaseWithoutOverlapping(t *testing.T) {
	suffixes := imagepipeline.DefaultSuffixes()
	have := map[string]bool{}
	for i, a := range suffixes {
		have[a] = true
		for j, b := range suffixes {
			if i != j && strings.HasSuffix(a, b) {
				t.Errorf("default suffix %q ends with %q: S3 would refuse the notifications", a, b)
			}
		}
	}
	for _, s := range []string{".jpg", ".jpeg", ".png", ".gif", ".webp"} {
		if !have[s] || !have[strings.ToUpper(s)] {
			t.Errorf("default suffixes %v lack %q or %q", suffixes, s, strings.ToUpper(s))
		}
	}
	// Exactly one notification matches each upload, whatever its case.
	for _, key := range []string{"uploads/IMG_0001.JPG", "uploads/a.jpg", "uploads/b.JPEG", "uploads/shot.PNG", "uploads/c.gif", "uploads/d.WEBP"} {
		n := 0
		for _, s := range suffixes {
			if strings.HasSuffix(key, s) {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%s matches %d default suffixes, want 1", key, n)
		}
	}
}
