package crawl

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/internal/testsvc"
)

const (
	table  = "crawl-status"
	bucket = "crawled-pages"
)

var (
	db       *dynamodb.Client
	s3client *s3.Client
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	var ddb *testsvc.DynamoDB
	var s3srv *testsvc.S3
	var ddbErr, s3Err error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); ddb, ddbErr = testsvc.StartDynamoDB() }()
	go func() { defer wg.Done(); s3srv, s3Err = testsvc.StartS3() }()
	wg.Wait()
	defer ddb.Stop()
	defer s3srv.Stop()
	if ddbErr != nil || s3Err != nil {
		fmt.Fprintln(os.Stderr, ddbErr, s3Err)
		return 1
	}
	db, s3client = ddb.Client(), s3srv.Client()
	_, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
	})
	if err == nil {
		err = s3srv.CreateBucket(bucket)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return m.Run()
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// site is a test web site counting the requests to each path.
type site struct {
	*httptest.Server
	mu   sync.Mutex
	hits map[string]int
}

func (s *site) hit(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hits[path]++
	return s.hits[path]
}

func (s *site) count(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

const robotsTxt = `# Everyone else stays out; gureum may crawl all but /private.
User-agent: *
Disallow: /

User-agent: gureum-crawler
Disallow: /private
Allow: /private/ok
`

const hugeSize = 3 << 20

func newSite(t *testing.T, robotsStatus int, robotsBody string, wrap ...func(http.Handler) http.Handler) *site {
	s := &site{hits: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		s.hit(r.URL.Path)
		w.WriteHeader(robotsStatus)
		io.WriteString(w, robotsBody)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		n := s.hit(r.URL.Path)
		if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "gureum-crawler/") {
			http.Error(w, "unexpected user agent "+ua, http.StatusForbidden)
			return
		}
		switch r.URL.Path {
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		case "/huge":
			w.Header().Set("Content-Type", "text/html")
			chunk := bytes.Repeat([]byte("<p>gureum</p>\n"), 1024)
			for written := 0; written < hugeSize; written += len(chunk) {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
			return
		case "/flaky":
			if n == 1 {
				http.Error(w, "temporarily broken", http.StatusInternalServerError)
				return
			}
		case "/always-503":
			w.Header().Set("Retry-After", "0")
			http.Error(w, "overloaded", http.StatusServiceUnavailable)
			return
		case "/redirect":
			http.Redirect(w, r, "/page?from=redirect", http.StatusFound)
			return
		case "/redirect-private":
			http.Redirect(w, r, "/private/x", http.StatusMovedPermanently)
			return
		case "/missing":
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><body>%s</body></html>", r.URL.RequestURI())
	})
	var h http.Handler = mux
	for _, w := range wrap {
		h = w(h)
	}
	s.Server = httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s
}

func newCrawler(t *testing.T, cfg Config) *Crawler {
	t.Helper()
	if cfg.Bucket == "" {
		cfg.Bucket = bucket
	}
	if cfg.Table == "" {
		cfg.Table = table
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 300 * time.Millisecond
	}
	if cfg.Backoff == 0 {
		cfg.Backoff, cfg.MaxBackoff = 10*time.Millisecond, 50*time.Millisecond
	}
	cfg.UserAgent = "gureum-crawler/1.0 (+https://gureum.example/bot)"
	c, err := New(cfg, s3client, db)
	if err != nil {
		t.Fatal(err)
	}
	c.Logger = quiet
	return c
}

type want struct {
	outcome    Outcome
	status     int
	attempts   int
	bytes      int // -1: the length of the page the test site serves
	truncated  bool
	errPart    string
	finalURL   string // suffix
	neverFetch string // a path the site must never have served
}

// TestRunTimesOut: a page that never answers fails after MaxAttempts
// attempts of Timeout each, and says so.
func TestRunTimesOut(t *testing.T) {
	a := newSite(t, http.StatusOK, robotsTxt)
	cr := newCrawler(t, Config{MaxAttempts: 3, Timeout: 200 * time.Millisecond})
	sum, err := cr.Run(context.Background(), []string{a.URL + "/slow"})
	if err == nil {
		t.Fatal("Run succeeded although the page never answered")
	}
	if len(sum.Results) != 1 {
		t.Fatalf("%d results, want 1", len(sum.Results))
	}
	r := sum.Results[0]
	if r.Outcome != OutcomeFailed || r.Attempts != 3 || !strings.Contains(r.Error, "no response within 200ms") {
		t.Errorf("result %+v, want failed after 3 attempts with \"no response within 200ms\"", r)
	}
	if n := a.count("/slow"); n != 3 {
		t.Errorf("the site served /slow %d times, want 3", n)
	}
}

func TestRunMixedSites(t *testing.T) {
	a := newSite(t, http.StatusOK, robotsTxt)
	b := newSite(t, http.StatusInternalServerError, "oops")
	c := newSite(t, http.StatusNotFound, "no robots here")
	d := newSite(t, http.StatusTooManyRequests, "slow down")

	cases := map[string]want{
		a.URL + "/page":             {outcome: OutcomeStored, status: 200, attempts: 1, bytes: -1},
		a.URL + "/private/ok":       {outcome: OutcomeStored, status: 200, attempts: 1, bytes: -1},
		a.URL + "/private/secret":   {outcome: OutcomeDisallowed, neverFetch: "/private/secret"},
		a.URL + "/huge":             {outcome: OutcomeStored, status: 200, attempts: 1, bytes: 1 << 20, truncated: true},
		a.URL + "/flaky":            {outcome: OutcomeStored, status: 200, attempts: 2, bytes: -1},
		a.URL + "/redirect":         {outcome: OutcomeStored, status: 200, attempts: 1, bytes: len("<html><body>/page?from=redirect</body></html>"), finalURL: "/page?from=redirect"},
		a.URL + "/redirect-private": {outcome: OutcomeDisallowed, attempts: 1, errPart: "redirect: disallowed by robots.txt", neverFetch: "/private/x"},
		a.URL + "/missing":          {outcome: OutcomeFailed, status: 404, attempts: 1, errPart: "HTTP 404"},
		a.URL + "/always-503":       {outcome: OutcomeFailed, status: 503, attempts: 3, errPart: "HTTP 503"},
		b.URL + "/page":             {outcome: OutcomeFailed, errPart: "robots.txt unavailable (HTTP 500)", neverFetch: "/page"},
		c.URL + "/page":             {outcome: OutcomeStored, status: 200, attempts: 1, bytes: -1},
		// 429 for robots.txt is "unreachable", like 5xx: the host is skipped.
		d.URL + "/page":          {outcome: OutcomeFailed, errPart: "robots.txt unavailable (HTTP 429, rate limited), host skipped", neverFetch: "/page"},
		"ftp://example.com/file": {outcome: OutcomeFailed, errPart: "want an absolute http or https URL"},
	}
	var urls []string
	for u := range cases {
		urls = append(urls, u)
	}
	urls = append(urls, a.URL+"/page") // duplicates are crawled once

	// A generous timeout: these pages answer, and a loaded machine must not
	// turn the 1 MiB page into a timeout (TestRunTimesOut covers those).
	cr := newCrawler(t, Config{MaxBodyBytes: 1 << 20, MaxAttempts: 3, Concurrency: 4, Timeout: 30 * time.Second})
	started := time.Now().UTC().Add(-time.Second)
	sum, err := cr.Run(context.Background(), urls)

	wantFailed := 0
	for _, w := range cases {
		if w.outcome == OutcomeFailed {
			wantFailed++
		}
	}
	if sum.Total != len(cases) || sum.Failed != wantFailed {
		t.Errorf("summary total %d failed %d, want %d and %d", sum.Total, sum.Failed, len(cases), wantFailed)
	}
	if err == nil {
		t.Fatal("Run succeeded although some URLs failed")
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("%d of %d URLs failed", wantFailed, len(cases))) {
		t.Errorf("error %q does not summarise the failures", err)
	}

	byURL := map[string]Result{}
	for _, r := range sum.Results {
		byURL[r.URL] = r
	}
	keyPattern := regexp.MustCompile(`^pages/127\.0\.0\.1/[0-9a-f]{64}\.html$`)
	for u, w := range cases {
		t.Run(strings.TrimPrefix(strings.TrimPrefix(u, a.URL), "http://"), func(t *testing.T) {
			r, ok := byURL[u]
			if !ok {
				t.Fatalf("no result for %s", u)
			}
			if w.outcome == OutcomeFailed && !strings.Contains(err.Error(), u) {
				t.Errorf("run error does not name %s", u)
			}
			if r.Outcome != w.outcome || r.StatusCode != w.status || r.Attempts != w.attempts || r.Truncated != w.truncated {
				t.Errorf("result %+v\nwant outcome %s status %d attempts %d truncated %v", r, w.outcome, w.status, w.attempts, w.truncated)
			}
			if w.errPart != "" && !strings.Contains(r.Error, w.errPart) {
				t.Errorf("error %q, want it to contain %q", r.Error, w.errPart)
			}
			if w.errPart == "" && r.Error != "" {
				t.Errorf("unexpected error %q", r.Error)
			}
			if w.finalURL != "" && !strings.HasSuffix(r.FinalURL, w.finalURL) {
				t.Errorf("final URL %q, want it to end in %q", r.FinalURL, w.finalURL)
			}
			if w.neverFetch != "" {
				for _, s := range []*site{a, b, c, d} {
					if strings.HasPrefix(u, s.URL) && s.count(w.neverFetch) != 0 {
						t.Errorf("%s was fetched %d times despite robots.txt", w.neverFetch, s.count(w.neverFetch))
					}
				}
			}
			checkStatusItem(t, r, started)
			if w.outcome != OutcomeStored {
				if r.S3Key != "" {
					t.Errorf("s3Key %q for a page not stored", r.S3Key)
				}
				return
			}
			if !keyPattern.MatchString(r.S3Key) {
				t.Errorf("s3 key %q does not match %s", r.S3Key, keyPattern)
			}
			pu, _ := url.Parse(u)
			if r.S3Key != ObjectKey(pu) {
				t.Errorf("s3 key %q, want %q", r.S3Key, ObjectKey(pu))
			}
			checkStoredPage(t, r, w, pu)
		})
	}

	for name, s := range map[string]*site{"a": a, "b": b, "c": c, "d": d} {
		if n := s.count("/robots.txt"); n != 1 {
			t.Errorf("site %s: robots.txt fetched %d times, want once", name, n)
		}
	}
	if n := a.count("/page"); n != 2 {
		// Once for /page (listed twice) and once through /redirect.
		t.Errorf("/page fetched %d times, want 2", n)
	}
}

func checkStatusItem(t *testing.T, r Result, started time.Time) {
	t.Helper()
	out, err := db.GetItem(context.Background(), &dynamodb.GetItemInput{
		TableName: aws.String(table), Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: r.URL}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		t.Fatalf("no status item for %s", r.URL)
	}
	s := func(name string) string {
		if v, ok := out.Item[name].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	n := func(name string) int {
		v, ok := out.Item[name].(*types.AttributeValueMemberN)
		if !ok {
			t.Errorf("attribute %s is %T, want a number", name, out.Item[name])
			return -1
		}
		i, _ := strconv.Atoi(v.Value)
		return i
	}
	if s("outcome") != string(r.Outcome) || n("statusCode") != r.StatusCode || n("attempts") != r.Attempts || n("bytes") != r.Bytes || s("error") != r.Error {
		t.Errorf("status item %v does not match result %+v", out.Item, r)
	}
	if tr, ok := out.Item["truncated"].(*types.AttributeValueMemberBOOL); !ok || tr.Value != r.Truncated {
		t.Errorf("truncated attribute %v, want %v", out.Item["truncated"], r.Truncated)
	}
	at, err := time.Parse(time.RFC3339Nano, s("fetchedAt"))
	if err != nil || at.Before(started) || at.After(time.Now().Add(time.Second)) {
		t.Errorf("fetchedAt %q (%v) is not the time of this run", s("fetchedAt"), err)
	}
}

func checkStoredPage(t *testing.T, r Result, w want, u *url.URL) {
	t.Helper()
	obj, err := s3client.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(r.S3Key)})
	if err != nil {
		t.Fatalf("get stored page: %v", err)
	}
	body, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	wantBytes := w.bytes
	if wantBytes == -1 {
		wantBytes = len(fmt.Sprintf("<html><body>%s</body></html>", u.RequestURI()))
		if string(body) != fmt.Sprintf("<html><body>%s</body></html>", u.RequestURI()) {
			t.Errorf("stored body %q", body)
		}
	}
	if len(body) != wantBytes || r.Bytes != wantBytes {
		t.Errorf("stored %d bytes (result says %d), want %d", len(body), r.Bytes, wantBytes)
	}
	if w.truncated && !bytes.HasPrefix(body, []byte("<p>gureum</p>\n<p>gureum</p>\n")) {
		t.Errorf("truncated body does not start with the page's beginning: %q", body[:40])
	}
	md := obj.Metadata
	if md["url"] != r.URL || md["truncated"] != strconv.FormatBool(w.truncated) || md["status-code"] != "200" || md["fetched-at"] == "" {
		t.Errorf("metadata %v", md)
	}
	if w.finalURL != "" && !strings.HasSuffix(md["final-url"], w.finalURL) {
		t.Errorf("final-url metadata %q", md["final-url"])
	}
	if !strings.HasPrefix(aws.ToString(obj.ContentType), "text/html") {
		t.Errorf("content type %q", aws.ToString(obj.ContentType))
	}
}

func TestRunSucceedsWhenEveryURLDoes(t *testing.T) {
	s := newSite(t, http.StatusOK, robotsTxt)
	cr := newCrawler(t, Config{})
	sum, err := cr.Run(context.Background(), []string{s.URL + "/page", s.URL + "/flaky", s.URL + "/private/nope"})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sum.Stored != 2 || sum.Disallowed != 1 || sum.Failed != 0 {
		t.Errorf("summary %+v, want 2 stored, 1 disallowed", sum)
	}
}

func TestRunRecordsFailureToRecord(t *testing.T) {
	s := newSite(t, http.StatusOK, robotsTxt)
	cr := newCrawler(t, Config{Table: "no-such-table"})
	sum, err := cr.Run(context.Background(), []string{s.URL + "/page"})
	if err == nil || !strings.Contains(err.Error(), "record status in no-such-table") {
		t.Fatalf("err = %v, want a status-recording failure", err)
	}
	if sum.Failed != 1 {
		t.Errorf("summary %+v, want 1 failed", sum)
	}
}

func TestRunBoundsConcurrencyAndIsolatesSlowURLs(t *testing.T) {
	var inFlight, peak atomic.Int32
	s := newSite(t, http.StatusOK, robotsTxt, func(inner http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != "/robots.txt" {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				time.Sleep(20 * time.Millisecond)
			}
			inner.ServeHTTP(w, r)
		})
	})
	var urls []string
	for i := 0; i < 12; i++ {
		urls = append(urls, fmt.Sprintf("%s/page?n=%d", s.URL, i))
	}
	urls = append(urls, s.URL+"/slow")
	cr := newCrawler(t, Config{Concurrency: 3, MaxAttempts: 1})
	sum, err := cr.Run(context.Background(), urls)
	if err == nil || sum.Failed != 1 || sum.Stored != 12 {
		t.Fatalf("summary %+v err %v, want 12 stored and the slow URL failed", sum, err)
	}
	if p := peak.Load(); p > 3 {
		t.Errorf("%d requests in flight at once, want at most 3", p)
	}
}

func TestParseURLs(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		env     string
		want    []string
		wantErr string
	}{
		{"list payload", `["https://a.example/", " https://b.example/x "]`, "", []string{"https://a.example/", "https://b.example/x"}, ""},
		{"object payload", `{"urls":["https://a.example/"]}`, `["https://env.example/"]`, []string{"https://a.example/"}, ""},
		{"scheduler's empty object falls back to env", `{}`, `["https://env.example/"]`, []string{"https://env.example/"}, ""},
		{"null payload falls back to env", `null`, `["https://env.example/"]`, []string{"https://env.example/"}, ""},
		{"empty payload falls back to env", ``, `["https://env.example/"]`, []string{"https://env.example/"}, ""},
		{"nothing anywhere", `[]`, ``, nil, "no URLs"},
		{"bad payload", `"https://a.example/"`, ``, nil, "payload must be a JSON list"},
		{"unknown key", `{"url":["https://a.example/"]}`, ``, nil, "unknown field"},
		{"bad env", ``, `https://a.example/`, nil, "URLS must be a JSON list"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseURLs([]byte(tc.payload), tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{"BUCKET": "b", "TABLE_NAME": "t"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	c, err := ConfigFromEnv(env())
	if err != nil {
		t.Fatal(err)
	}
	if c.UserAgent != DefaultUserAgent || c.MaxBodyBytes != 5<<20 || c.Timeout != 10*time.Second || c.Concurrency != DefaultConcurrency || c.MaxAttempts != DefaultMaxAttempts {
		t.Errorf("defaults %+v", c)
	}
	for _, tc := range []struct {
		name    string
		env     func(string) string
		check   func(Config) bool
		wantErr string
	}{
		{"seconds", env("TIMEOUT", "3"), func(c Config) bool { return c.Timeout == 3*time.Second }, ""},
		{"duration", env("TIMEOUT", "1500ms", "MAX_BODY_BYTES", "1024", "CONCURRENCY", "8", "USER_AGENT", "x/2"), func(c Config) bool {
			return c.Timeout == 1500*time.Millisecond && c.MaxBodyBytes == 1024 && c.Concurrency == 8 && c.UserAgent == "x/2"
		}, ""},
		{"bad timeout", env("TIMEOUT", "soon"), nil, "TIMEOUT"},
		{"zero timeout", env("TIMEOUT", "0"), nil, "TIMEOUT"},
		{"bad size", env("MAX_BODY_BYTES", "5MiB"), nil, "MAX_BODY_BYTES"},
		{"bad attempts", env("MAX_ATTEMPTS", "-1"), nil, "MAX_ATTEMPTS"},
		{"no bucket or table", env("BUCKET", "", "TABLE_NAME", ""), nil, "set BUCKET"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ConfigFromEnv(tc.env)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !tc.check(c) {
				t.Fatalf("config %+v err %v", c, err)
			}
		})
	}
}

func TestRunRefusesOverlongURLAndKeepsMetadataSmall(t *testing.T) {
	s := newSite(t, http.StatusOK, robotsTxt)
	long := s.URL + "/page?q=" + strings.Repeat("a", 1500) // stored; too long for metadata as is
	tooLong := s.URL + "/page?q=" + strings.Repeat("b", MaxURLBytes)
	cr := newCrawler(t, Config{})
	sum, err := cr.Run(context.Background(), []string{long, tooLong})
	if err == nil || sum.Stored != 1 || sum.Failed != 1 {
		t.Fatalf("summary %+v err %v, want the long URL stored and the overlong one failed", sum, err)
	}
	for _, r := range sum.Results {
		switch r.URL {
		case long:
			obj, err := s3client.HeadObject(context.Background(), &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(r.S3Key)})
			if err != nil {
				t.Fatal(err)
			}
			if got := obj.Metadata["url"]; len(got) != maxMetaURLBytes || !strings.HasPrefix(long, got) {
				t.Errorf("url metadata has %d bytes, want the URL's first %d", len(got), maxMetaURLBytes)
			}
		case tooLong:
			if !strings.Contains(r.Error, "the status table's key limit") || r.Attempts != 0 {
				t.Errorf("overlong URL result %+v", r)
			}
		default:
			t.Errorf("unexpected result for %s", r.URL)
		}
	}
	if n := s.count("/page"); n != 1 {
		t.Errorf("/page fetched %d times, want once (the overlong URL is never fetched)", n)
	}
}
