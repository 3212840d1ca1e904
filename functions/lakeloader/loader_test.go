package lakeloader_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go/middleware"
	"github.com/gureum-cdk/gureum/functions/lakeloader"
	"github.com/gureum-cdk/gureum/internal/testsvc"
)

var srv *testsvc.S3

func TestMain(m *testing.M) {
	var err error
	srv, err = testsvc.StartS3()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	srv.Stop()
	os.Exit(code)
}

// newBucket creates an empty bucket named after the test.
func newBucket(t testing.TB) string {
	t.Helper()
	name := strings.ToLower(regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(t.Name(), "-"))
	if len(name) > 50 {
		name = name[:50]
	}
	name = strings.Trim(name, "-") + "-" + fmt.Sprint(time.Now().UnixNano()%100000)
	if err := srv.CreateBucket(name); err != nil {
		t.Fatal(err)
	}
	return name
}

func listKeys(t *testing.T, bucket string) []string {
	t.Helper()
	var keys []string
	p := s3.NewListObjectsV2Paginator(srv.Client(), &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("ListObjectsV2 %s: %v", bucket, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys
}

func pendingUploads(t *testing.T, bucket string) []string {
	t.Helper()
	out, err := srv.Client().ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
	if err != nil {
		t.Fatalf("ListMultipartUploads %s: %v", bucket, err)
	}
	var keys []string
	for _, u := range out.Uploads {
		keys = append(keys, aws.ToString(u.Key)+" "+aws.ToString(u.UploadId))
	}
	return keys
}

// readLines downloads a gzip object and returns its lines.
func readLines(t *testing.T, bucket, key string) []string {
	t.Helper()
	out, err := srv.Client().GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("GetObject %s: %v", key, err)
	}
	defer out.Body.Close()
	zr, err := gzip.NewReader(out.Body)
	if err != nil {
		t.Fatalf("%s is not gzip: %v", key, err)
	}
	var lines []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 2<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("read %s: %v", key, err)
	}
	return lines
}

func newLoader(t *testing.T, client lakeloader.API, opts lakeloader.Options) *lakeloader.Loader {
	t.Helper()
	if client == nil {
		client = srv.Client()
	}
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	l, err := lakeloader.New(client, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var fileName = regexp.MustCompile(`^lakeload-2026-11-25-07-00-00-[0-9a-f]{16}-[0-9]{4}\.json\.gz$`)

func fixedNow() time.Time { return time.Date(2026, 11, 25, 7, 0, 0, 0, time.UTC) }

func TestPartitionsFollowRecordTimestampsInUTC(t *testing.T) {
	bucket := newBucket(t)
	records := []struct {
		line, partition string
	}{
		{`{"id":1,"ts":"2026-11-23T10:00:00Z"}`, "year=2026/month=11/day=23/"},
		{`{"id":2,"ts":"2026-11-24T01:30:00+09:00"}`, "year=2026/month=11/day=23/"}, // 16:30 UTC the day before
		{`{"id":3,"ts":"2026-11-24T23:59:59.999Z"}`, "year=2026/month=11/day=24/"},
		{`{"id":4,"ts":1795564800}`, "year=2026/month=11/day=25/"},    // epoch seconds, 2026-11-25T00:00:00Z
		{`{"id":5,"ts":1795564800000}`, "year=2026/month=11/day=25/"}, // epoch milliseconds
		{`{"id":6,"ts":"2026-12-31"}`, "year=2026/month=12/day=31/"},
		{`{"id":7,"ts":"2027-01-01 00:00:00"}`, "year=2027/month=01/day=01/"},
		{`{"id":8,"ts":"2026-11-23T23:00:00-02:00"}`, "year=2026/month=11/day=24/"},
	}
	var in strings.Builder
	want := map[string][]string{}
	for _, r := range records {
		in.WriteString(r.line + "\n")
		want["raw/events/"+r.partition] = append(want["raw/events/"+r.partition], r.line)
	}
	in.WriteString("\n   \n") // blank lines are skipped

	l := newLoader(t, nil, lakeloader.Options{Bucket: bucket, Prefix: "raw/events", TimeField: "ts", Now: fixedNow})
	res, err := l.Load(context.Background(), lakeloader.Input{Name: "records", Reader: strings.NewReader(in.String())})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != len(records) {
		t.Errorf("Records = %d, want %d", res.Records, len(records))
	}

	keys := listKeys(t, bucket)
	if len(keys) != len(want) {
		t.Errorf("bucket holds %d objects %q, want one per partition (%d)", len(keys), keys, len(want))
	}
	got := map[string][]string{}
	for _, key := range keys {
		dir, file := key[:strings.LastIndex(key, "/")+1], key[strings.LastIndex(key, "/")+1:]
		if !fileName.MatchString(file) {
			t.Errorf("file name %q does not match %s", file, fileName)
		}
		got[dir] = append(got[dir], readLines(t, bucket, key)...)
	}
	for dir, lines := range want {
		if !slices.Equal(got[dir], lines) {
			t.Errorf("partition %s holds %q, want %q", dir, got[dir], lines)
		}
	}
	for dir := range got {
		if _, ok := want[dir]; !ok {
			t.Errorf("unexpected partition %s", dir)
		}
	}
	var reported []string
	for _, o := range res.Objects {
		reported = append(reported, o.Key)
		if !strings.HasPrefix(o.Key, "raw/events/"+o.Partition) {
			t.Errorf("object %s reported in partition %s", o.Key, o.Partition)
		}
	}
	if !slices.Equal(reported, keys) {
		t.Errorf("Result.Objects keys = %q, bucket keys = %q", reported, keys)
	}
}

func TestRecordsWithoutTimeFieldGoToLoadTimePartition(t *testing.T) {
	bucket := newBucket(t)
	in := `{"a":1}` + "\n" + `{"a":2,"ts":"1999-01-01T00:00:00Z"}` + "\n" + `{"a":3}` // no trailing newline
	l := newLoader(t, nil, lakeloader.Options{Bucket: bucket, Prefix: "curated/", Now: func() time.Time {
		return time.Date(2026, 11, 25, 23, 30, 0, 0, time.FixedZone("KST", 9*3600)) // 14:30 UTC
	}})
	if _, err := l.Load(context.Background(), lakeloader.Input{Reader: strings.NewReader(in)}); err != nil {
		t.Fatal(err)
	}
	keys := listKeys(t, bucket)
	if len(keys) != 1 || !strings.HasPrefix(keys[0], "curated/year=2026/month=11/day=25/lakeload-2026-11-25-14-30-00-") {
		t.Fatalf("keys = %q, want one object in curated/year=2026/month=11/day=25/ named for 14:30:00 UTC", keys)
	}
	if got, want := readLines(t, bucket, keys[0]), strings.Split(in, "\n"); !slices.Equal(got, want) {
		t.Errorf("object holds %q, want %q", got, want)
	}
}

func TestMaxObjectBytesSplitsPartitionsAndInputsAreMerged(t *testing.T) {
	bucket := newBucket(t)
	var a, b strings.Builder
	var all []string
	for i := range 60 {
		day := 1 + i%2
		rec := fmt.Sprintf(`{"i":%d,"ts":"2026-01-%02dT12:00:00Z","pad":"%s"}`, i, day, strings.Repeat("x", 40))
		all = append(all, rec)
		if i < 30 {
			a.WriteString(rec + "\n")
		} else {
			b.WriteString(rec + "\n")
		}
	}
	const maxObject = 500
	l := newLoader(t, nil, lakeloader.Options{Bucket: bucket, Prefix: "raw/", TimeField: "ts", MaxObjectBytes: maxObject, MaxRecordBytes: 200, MaxOpenPartitions: 1})
	res, err := l.Load(context.Background(),
		lakeloader.Input{Name: "a.json", Reader: strings.NewReader(a.String())},
		lakeloader.Input{Name: "b.json", Reader: strings.NewReader(b.String())})
	if err != nil {
		t.Fatal(err)
	}
	keys := listKeys(t, bucket)
	if len(keys) < 2*(60*len(all[0])/maxObject/2) {
		t.Errorf("%d objects for %d bytes with max %d per object: not split", len(keys), 60*len(all[0]), maxObject)
	}
	var got []string
	for _, key := range keys {
		lines := readLines(t, bucket, key)
		size := 0
		for _, line := range lines {
			size += len(line) + 1
			day := strings.TrimPrefix(key, "raw/year=2026/month=01/day=")[:2]
			if !strings.Contains(line, `"ts":"2026-01-`+day+`T`) {
				t.Errorf("record %s is in %s", line, key)
			}
		}
		if size > maxObject {
			t.Errorf("%s holds %d bytes of records, more than %d", key, size, maxObject)
		}
		got = append(got, lines...)
	}
	slices.Sort(got)
	slices.Sort(all)
	if !slices.Equal(got, all) {
		t.Errorf("records round-tripped: got %d, want %d (%q...)", len(got), len(all), got[:min(3, len(got))])
	}
	if len(res.Objects) != len(keys) {
		t.Errorf("Result lists %d objects, bucket has %d", len(res.Objects), len(keys))
	}
}

func TestNothingIsWrittenOutsideThePrefix(t *testing.T) {
	bucket := newBucket(t)
	// Field values that look like paths must not reach the key.
	in := `{"ts":"2026-02-03T04:05:06Z","name":"../../etc/passwd"}` + "\n" +
		`{"ts":"2026-02-04T04:05:06Z","key":"/abs/../x"}` + "\n"
	l := newLoader(t, nil, lakeloader.Options{Bucket: bucket, Prefix: "analytics/zone-a/", TimeField: "ts", Name: "batch_7"})
	if _, err := l.Load(context.Background(), lakeloader.Input{Reader: strings.NewReader(in)}); err != nil {
		t.Fatal(err)
	}
	keys := listKeys(t, bucket)
	if len(keys) != 2 {
		t.Fatalf("keys = %q, want 2", keys)
	}
	safe := regexp.MustCompile(`^analytics/zone-a/year=2026/month=02/day=0[34]/batch_7-[0-9-]{19}-[0-9a-f]{16}-[0-9]{4}\.json\.gz$`)
	for _, k := range keys {
		if !safe.MatchString(k) {
			t.Errorf("key %q is not prefix + partition + generated name", k)
		}
	}
}

func TestRejectedPrefixesAndNames(t *testing.T) {
	tests := []struct {
		name, prefix, file string
		wantErr            string
	}{
		{"empty", "", "", `prefix "": must not be empty`},
		{"blank", "  ", "", `must not be empty`},
		{"absolute", "/raw/", "", `must be relative: it starts with "/"`},
		{"parent", "raw/../curated/", "", `contains a ".." segment`},
		{"leading parent", "../raw", "", `contains a ".." segment`},
		{"only parent", "..", "", `contains a ".." segment`},
		{"dot", "raw/./x", "", `contains a "." segment`},
		{"double slash", "raw//x/", "", `contains an empty segment`},
		{"newline", "raw/\nx/", "", `contains control character U+000A`},
		{"nul", "raw\x00/", "", `contains control character U+0000`},
		{"delete", "raw\x7f/", "", `contains control character U+007F`},
		{"backslash", `raw\..\x/`, "", `must not contain a backslash`},
		{"invalid utf-8", "raw/\xff/", "", `is not valid UTF-8`},
		{"too long", strings.Repeat("a", 513), "", `is 513 bytes, more than 512`},
		{"padded segment", "raw/ x/", "", `leading or trailing spaces`},
		{"name with slash", "raw/", "../x", `name "../x": character '.' at byte 0 is not allowed`},
		{"name with dot", "raw/", "a.b", `character '.' at byte 1 is not allowed`},
		{"name with newline", "raw/", "a\nb", `character '\n' at byte 1 is not allowed`},
		{"name leading dash", "raw/", "-x", `character '-' at byte 0 is not allowed`},
		{"name too long", "raw/", strings.Repeat("n", 65), `is 65 bytes, more than 64`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := lakeloader.New(srv.Client(), lakeloader.Options{Bucket: "b", Prefix: tt.prefix, Name: tt.file})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("New(prefix %q, name %q) error = %v, want one containing %q", tt.prefix, tt.file, err, tt.wantErr)
			}
		})
	}
}

func TestValidatePrefixCanonicalForm(t *testing.T) {
	tests := []struct{ in, want string }{
		{"raw", "raw/"},
		{"raw/", "raw/"},
		{"raw/events/v1", "raw/events/v1/"},
		{"zone=raw/table-a.b_c/", "zone=raw/table-a.b_c/"},
		{"...x/", "...x/"},
	}
	for _, tt := range tests {
		got, err := lakeloader.ValidatePrefix(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ValidatePrefix(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestPartition(t *testing.T) {
	got := lakeloader.Partition(time.Date(2027, 3, 1, 2, 0, 0, 0, time.FixedZone("", 5*3600)))
	if want := "year=2027/month=02/day=28/"; got != want {
		t.Errorf("Partition = %q, want %q", got, want)
	}
}

// failingReader returns data, then an error.
type failingReader struct {
	r   io.Reader
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, f.err
	}
	return n, err
}

func TestInvalidInputWritesNothing(t *testing.T) {
	good := strings.Repeat(`{"ts":"2026-05-01T00:00:00Z","v":"`+strings.Repeat("y", 100)+`"}`+"\n", 200)
	errDisk := errors.New("disk read error")
	tests := []struct {
		name    string
		input   io.Reader
		opts    lakeloader.Options
		wantErr string
	}{
		{"reader fails midway", &failingReader{strings.NewReader(good), errDisk}, lakeloader.Options{}, "read part-0001 after line 200: disk read error"},
		{"malformed record", strings.NewReader(good + `{"ts":"2026-05-01T00:00:00Z",` + "\n"), lakeloader.Options{}, "part-0001:201: record is not valid JSON"},
		{"not an object", strings.NewReader(good + `[1,2]` + "\n"), lakeloader.Options{}, "part-0001:201: record is not a JSON object"},
		// encoding/json's Valid accepts both of these; the lake would hold U+FFFD or bytes its readers reject.
		{"invalid UTF-8", strings.NewReader(good + "{\"ts\":\"2026-05-01T00:00:00Z\",\"name\":\"caf\xe9\"}\n"), lakeloader.Options{}, "part-0001:201: record is not Unicode text: not valid UTF-8 at byte 40"},
		{"lone surrogate escape", strings.NewReader(good + `{"ts":"2026-05-01T00:00:00Z","name":"\ud83d"}` + "\n"), lakeloader.Options{}, `part-0001:201: record is not Unicode text: unpaired UTF-16 surrogate escape \ud83d at byte 37`},
		{"missing time field", strings.NewReader(good + `{"t":1}` + "\n"), lakeloader.Options{}, `part-0001:201: time field "ts" is missing`},
		{"bad timestamp", strings.NewReader(good + `{"ts":"yesterday"}` + "\n"), lakeloader.Options{}, `"yesterday" is not an RFC 3339 timestamp`},
		{"record one byte too large", strings.NewReader(good + `{"ts":1,"v":"` + strings.Repeat("z", 186) + `"}` + "\n"), lakeloader.Options{MaxRecordBytes: 200, MaxObjectBytes: 1000}, "part-0001:201: record is 201 bytes, more than 200"},
		{"line longer than the read buffer", strings.NewReader(good + `{"ts":1,"v":"` + strings.Repeat("z", 5000) + `"}` + "\n"), lakeloader.Options{MaxRecordBytes: 200, MaxObjectBytes: 1000}, "part-0001:201: record is more than 200 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket := newBucket(t)
			opts := tt.opts
			opts.Bucket, opts.Prefix, opts.TimeField = bucket, "raw/", "ts"
			if opts.MaxObjectBytes == 0 {
				// Many objects would be complete before the failure.
				opts.MaxRecordBytes, opts.MaxObjectBytes = 1024, 4096
			}
			l := newLoader(t, nil, opts)
			res, err := l.Load(context.Background(), lakeloader.Input{Name: "part-0001", Reader: tt.input})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Load error = %v, want one containing %q", err, tt.wantErr)
			}
			if res != nil {
				t.Errorf("Result = %+v after an input error, want nil", res)
			}
			if keys := listKeys(t, bucket); len(keys) != 0 {
				t.Errorf("bucket holds %q after an input error, want nothing", keys)
			}
			if p := pendingUploads(t, bucket); len(p) != 0 {
				t.Errorf("pending multipart uploads %q, want none", p)
			}
		})
	}
}

// incompressible returns NDJSON records of random base64, n bytes in all, all
// in the partition of 2026-06-01.
func incompressible(t *testing.T, n int) string {
	t.Helper()
	var sb strings.Builder
	raw := make([]byte, 48<<10)
	for sb.Len() < n {
		if _, err := rand.Read(raw); err != nil {
			t.Fatal(err)
		}
		sb.WriteString(`{"ts":"2026-06-01T12:00:00Z","blob":"` + base64.StdEncoding.EncodeToString(raw) + `"}` + "\n")
	}
	return sb.String()
}

// countingClient returns an S3 client that counts the operations it completes
// and calls after(operation) once each one returns successfully.
func countingClient(counts map[string]*atomic.Int32, after func(op string)) *s3.Client {
	return s3.NewFromConfig(srv.Config(), func(o *s3.Options) {
		o.UsePathStyle = true
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Initialize.Add(middleware.InitializeMiddlewareFunc("count", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				op := fmt.Sprintf("%T", in.Parameters)
				op = strings.TrimSuffix(strings.TrimPrefix(op, "*s3."), "Input")
				if c, ok := counts[op]; ok && err == nil {
					c.Add(1)
					if after != nil {
						after(op)
					}
				}
				return out, md, err
			}), middleware.After)
		})
	})
}

func newCounts() map[string]*atomic.Int32 {
	m := map[string]*atomic.Int32{}
	for _, op := range []string{"PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "AbortMultipartUpload"} {
		m[op] = &atomic.Int32{}
	}
	return m
}

func TestLargeBatchUsesMultipartAndRoundTrips(t *testing.T) {
	bucket := newBucket(t)
	in := incompressible(t, 12<<20)
	counts := newCounts()
	l := newLoader(t, countingClient(counts, nil), lakeloader.Options{Bucket: bucket, Prefix: "raw/", TimeField: "ts", PartSize: 5 << 20})
	res, err := l.Load(context.Background(), lakeloader.Input{Reader: strings.NewReader(in)})
	if err != nil {
		t.Fatal(err)
	}
	if counts["CreateMultipartUpload"].Load() != 1 || counts["UploadPart"].Load() < 2 || counts["CompleteMultipartUpload"].Load() != 1 {
		t.Errorf("Create/UploadPart/Complete calls = %d/%d/%d, want a multipart upload of 2+ parts",
			counts["CreateMultipartUpload"].Load(), counts["UploadPart"].Load(), counts["CompleteMultipartUpload"].Load())
	}
	keys := listKeys(t, bucket)
	if len(keys) != 1 || len(res.Objects) != 1 || keys[0] != res.Objects[0].Key {
		t.Fatalf("keys = %q, Result = %+v; want the one object", keys, res.Objects)
	}
	got := strings.Join(readLines(t, bucket, keys[0]), "\n") + "\n"
	if got != in {
		t.Errorf("object content differs from input (%d vs %d bytes)", len(got), len(in))
	}
	head, err := srv.Client().HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(keys[0])})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(head.ContentLength) != res.Objects[0].CompressedBytes || res.Objects[0].Bytes != int64(len(in)) {
		t.Errorf("object is %d bytes (%d reported compressed, %d uncompressed); input %d bytes",
			aws.ToInt64(head.ContentLength), res.Objects[0].CompressedBytes, res.Objects[0].Bytes, len(in))
	}
}

func TestCancelledMultipartUploadLeavesNothing(t *testing.T) {
	bucket := newBucket(t)
	in := incompressible(t, 16<<20)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	counts := newCounts()
	// Cancel the load as soon as the server has stored the first part.
	client := countingClient(counts, func(op string) {
		if op == "UploadPart" {
			cancel()
		}
	})
	l := newLoader(t, client, lakeloader.Options{Bucket: bucket, Prefix: "raw/", TimeField: "ts", PartSize: 5 << 20, Concurrency: 1})
	res, err := l.Load(ctx, lakeloader.Input{Reader: strings.NewReader(in)})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Load error = %v, want context.Canceled", err)
	}
	if counts["CreateMultipartUpload"].Load() != 1 || counts["UploadPart"].Load() < 1 {
		t.Fatalf("CreateMultipartUpload/UploadPart calls = %d/%d: the upload was not interrupted midway",
			counts["CreateMultipartUpload"].Load(), counts["UploadPart"].Load())
	}
	if counts["CompleteMultipartUpload"].Load() != 0 {
		t.Errorf("CompleteMultipartUpload succeeded %d times after cancellation", counts["CompleteMultipartUpload"].Load())
	}
	if counts["AbortMultipartUpload"].Load() == 0 {
		t.Error("no AbortMultipartUpload succeeded")
	}
	if res == nil || len(res.Objects) != 0 {
		t.Errorf("Result = %+v, want no objects written", res)
	}
	if keys := listKeys(t, bucket); len(keys) != 0 {
		t.Errorf("bucket holds %q after a cancelled upload, want nothing", keys)
	}
	if p := pendingUploads(t, bucket); len(p) != 0 {
		t.Errorf("pending multipart uploads %q after a cancelled upload, want none", p)
	}
}

func TestSSEKMSIsRequestedByDefault(t *testing.T) {
	tests := []struct {
		name    string
		opts    lakeloader.Options
		wantSSE string
		wantKey string
	}{
		{"default", lakeloader.Options{}, "aws:kms", ""},
		{"key id", lakeloader.Options{KMSKeyID: "alias/lake"}, "aws:kms", "alias/lake"},
		{"disabled", lakeloader.Options{DisableSSE: true}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket := newBucket(t)
			var sse, key atomic.Value
			sse.Store("")
			key.Store("")
			client := s3.NewFromConfig(srv.Config(), func(o *s3.Options) {
				o.UsePathStyle = true
				o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
					return st.Initialize.Add(middleware.InitializeMiddlewareFunc("sse", func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
						if p, ok := in.Parameters.(*s3.PutObjectInput); ok {
							sse.Store(string(p.ServerSideEncryption))
							key.Store(aws.ToString(p.SSEKMSKeyId))
						}
						return next.HandleInitialize(ctx, in)
					}), middleware.Before)
				})
			})
			opts := tt.opts
			opts.Bucket, opts.Prefix = bucket, "raw/"
			l := newLoader(t, client, opts)
			if _, err := l.Load(context.Background(), lakeloader.Input{Reader: strings.NewReader(`{"a":1}` + "\n")}); err != nil {
				t.Fatal(err)
			}
			if sse.Load() != tt.wantSSE || key.Load() != tt.wantKey {
				t.Errorf("PutObject sent SSE %q key %q, want %q %q", sse.Load(), key.Load(), tt.wantSSE, tt.wantKey)
			}
			if keys := listKeys(t, bucket); len(keys) != 1 {
				t.Errorf("keys = %q, want 1", keys)
			}
		})
	}
	if _, err := lakeloader.New(srv.Client(), lakeloader.Options{Bucket: "b", Prefix: "p", DisableSSE: true, KMSKeyID: "k"}); err == nil {
		t.Error("New accepted a KMS key id with SSE disabled")
	}
}

func TestSpoolFilesAreRemoved(t *testing.T) {
	bucket := newBucket(t)
	dir := t.TempDir()
	l := newLoader(t, nil, lakeloader.Options{Bucket: bucket, Prefix: "raw/", TempDir: dir})
	if _, err := l.Load(context.Background(), lakeloader.Input{Reader: bytes.NewReader([]byte(`{"a":1}`))}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Load(context.Background(), lakeloader.Input{Reader: strings.NewReader("{bad\n")}); err == nil {
		t.Fatal("Load accepted a malformed record")
	}
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("spool directory holds %d files after two loads, want 0", len(left))
	}
}

// interleaved returns n records of equal length spread round-robin over days
// consecutive days from 2026-01-01, so that consecutive records never share a
// partition, and the records of each partition in input order.
func interleaved(n, days int) (string, map[string][]string) {
	var sb strings.Builder
	want := map[string][]string{}
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	for i := range n {
		day := start.AddDate(0, 0, i%days)
		rec := fmt.Sprintf(`{"i":"%07d","ts":%q}`, i, day.Format(time.RFC3339))
		sb.WriteString(rec + "\n")
		p := lakeloader.Partition(day)
		want[p] = append(want[p], rec)
	}
	return sb.String(), want
}

// TestPartitionsBeyondMaxOpenAreNotFragmented loads 3,000 records over 100
// interleaved days with MaxOpenPartitions=4 (which used to write 3,000
// one-record objects): every partition must land in exactly the objects
// MaxObjectBytes calls for, with its records in input order, whether the
// staged records are sorted in memory, in runs, or in more runs than one
// merge reads.
func TestPartitionsBeyondMaxOpenAreNotFragmented(t *testing.T) {
	const n, days = 3000, 100
	in, want := interleaved(n, days)
	recLen := int64(strings.Index(in, "\n")) + 1
	tests := []struct {
		name           string
		maxObject      int64
		sortBuffer     int
		objectsPerPart int
	}{
		{"sorted in memory", 0, 0, 1},
		{"sorted runs", 0, 2048, 1},             // ~90 runs: merged in two levels
		{"one record per run", 0, 1, 1},         // 2,996 runs
		{"split by size", 10 * recLen, 4096, 3}, // 30 records per partition, 10 per object
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bucket := newBucket(t)
			l := newLoader(t, nil, lakeloader.Options{Bucket: bucket, Prefix: "raw/", TimeField: "ts", DisableSSE: true,
				MaxOpenPartitions: 4, SortBufferBytes: tt.sortBuffer, MaxObjectBytes: tt.maxObject, MaxRecordBytes: 100})
			res, err := l.Load(context.Background(), lakeloader.Input{Name: "days.json", Reader: strings.NewReader(in)})
			if err != nil {
				t.Fatal(err)
			}
			if res.Records != n || res.Partitions != days {
				t.Errorf("Result records/partitions = %d/%d, want %d/%d", res.Records, res.Partitions, n, days)
			}
			if got := len(res.Objects); got != days*tt.objectsPerPart {
				t.Errorf("%d objects for %d partitions, want %d", got, days, days*tt.objectsPerPart)
			}
			keys := listKeys(t, bucket)
			if len(keys) != len(res.Objects) {
				t.Fatalf("bucket holds %d objects, Result lists %d", len(keys), len(res.Objects))
			}
			got := map[string][]string{}
			perPart := map[string]int{}
			for i, o := range res.Objects {
				if o.Key != keys[i] {
					t.Fatalf("Result object %d is %s, bucket has %s", i, o.Key, keys[i])
				}
				lines := readLines(t, bucket, o.Key)
				if len(lines) != o.Records || o.Records != n/days/tt.objectsPerPart {
					t.Errorf("%s: %d lines, Result says %d records, want %d", o.Key, len(lines), o.Records, n/days/tt.objectsPerPart)
				}
				got[o.Partition] = append(got[o.Partition], lines...)
				perPart[o.Partition]++
			}
			for p, recs := range want {
				if !slices.Equal(got[p], recs) {
					t.Errorf("partition %s holds %d records %.60q..., want %d in input order %.60q...", p, len(got[p]), got[p], len(recs), recs)
				}
				if perPart[p] != tt.objectsPerPart {
					t.Errorf("partition %s is in %d objects, want %d", p, perPart[p], tt.objectsPerPart)
				}
			}
		})
	}
}
