package crawl

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/gureum-cdk/gureum/functions/crawler/robots"
)

// PutObjectAPI is the part of the S3 client the Crawler uses; *s3.Client
// satisfies it.
type PutObjectAPI interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, optFns ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// PutItemAPI is the part of the DynamoDB client the Crawler uses;
// *dynamodb.Client satisfies it.
type PutItemAPI interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// Outcome is what became of one URL.
type Outcome string

// Outcomes. Only OutcomeFailed makes Run return an error.
const (
	OutcomeStored     Outcome = "stored"
	OutcomeDisallowed Outcome = "disallowed"
	OutcomeFailed     Outcome = "failed"
)

// Result is one URL's outcome. The status item written to DynamoDB holds
// the same fields under the same names as the JSON ones, with "pk" for URL;
// empty strings are left out.
type Result struct {
	// URL is the URL as parsed and re-serialized (fragment dropped).
	URL     string  `json:"url"`
	Outcome Outcome `json:"outcome"`
	// StatusCode is the last response's status, 0 if there was none.
	StatusCode int `json:"statusCode"`
	// FetchedAt is when the last attempt started.
	FetchedAt time.Time `json:"fetchedAt"`
	// Bytes is the size of the stored body.
	Bytes     int  `json:"bytes"`
	Truncated bool `json:"truncated"`
	// Attempts counts page fetches (0 when robots.txt or the URL itself
	// ruled the fetch out).
	Attempts    int    `json:"attempts"`
	Error       string `json:"error,omitempty"`
	FinalURL    string `json:"finalUrl,omitempty"`
	ContentType string `json:"contentType,omitempty"`
	S3Key       string `json:"s3Key,omitempty"`
}

// Summary reports a run.
type Summary struct {
	Total      int      `json:"total"`
	Stored     int      `json:"stored"`
	Disallowed int      `json:"disallowed"`
	Failed     int      `json:"failed"`
	Results    []Result `json:"results"`
}

// Crawler fetches pages and records them.
type Crawler struct {
	// Config holds the bucket, table and limits. See Config.
	Config Config
	// S3 stores pages. Required.
	S3 PutObjectAPI
	// DB stores status items. Required.
	DB PutItemAPI
	// Transport sends the HTTP requests. Default: http.DefaultTransport.
	Transport http.RoundTripper
	// Logger receives one line per URL. Default: slog.Default().
	Logger *slog.Logger

	mu     sync.Mutex
	robots map[string]*robotsEntry
}

// New checks cfg, fills in its defaults, and returns a Crawler.
func New(cfg Config, s3api PutObjectAPI, db PutItemAPI) (*Crawler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if s3api == nil || db == nil {
		return nil, errors.New("crawl: an S3 client and a DynamoDB client are required")
	}
	return &Crawler{Config: cfg, S3: s3api, DB: db}, nil
}

// Run crawls urls and returns a summary, and an error when some URL failed.
// Duplicate URLs are crawled once. One Crawler runs one Run at a time (as a
// Lambda does); robots.txt answers are kept for the length of a Run.
func (c *Crawler) Run(ctx context.Context, urls []string) (Summary, error) {
	// robots.txt is fetched once per host per run.
	c.mu.Lock()
	c.robots = map[string]*robotsEntry{}
	c.mu.Unlock()

	seen := map[string]bool{}
	var unique []string
	for _, u := range urls {
		if !seen[u] {
			seen[u] = true
			unique = append(unique, u)
		}
	}
	results := make([]Result, len(unique))
	sem := make(chan struct{}, c.Config.Concurrency)
	var wg sync.WaitGroup
	for i, u := range unique {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			results[i] = c.crawlOne(ctx, u)
		}()
	}
	wg.Wait()

	s := Summary{Total: len(results), Results: results}
	var failures []string
	for _, r := range results {
		switch r.Outcome {
		case OutcomeStored:
			s.Stored++
		case OutcomeDisallowed:
			s.Disallowed++
		default:
			s.Failed++
			failures = append(failures, fmt.Sprintf("%s (%d attempts): %s", r.URL, r.Attempts, r.Error))
		}
	}
	c.logger().InfoContext(ctx, "crawl finished", "total", s.Total, "stored", s.Stored, "disallowed", s.Disallowed, "failed", s.Failed)
	if s.Failed == 0 {
		return s, nil
	}
	const shown = 10
	if len(failures) > shown {
		failures = append(failures[:shown], fmt.Sprintf("and %d more", len(failures)-shown))
	}
	return s, fmt.Errorf("crawl: %d of %d URLs failed: %s", s.Failed, s.Total, strings.Join(failures, "; "))
}

// crawlOne fetches, stores and records one URL. It never panics the run and
// always returns a Result.
func (c *Crawler) crawlOne(ctx context.Context, raw string) Result {
	res := Result{URL: raw}
	u, err := parseURL(raw)
	if err != nil {
		res.Outcome, res.Error, res.FetchedAt = OutcomeFailed, err.Error(), time.Now().UTC()
		c.record(ctx, &res)
		return res
	}
	res.URL = u.String()

	if err := c.checkRobots(ctx, u); err != nil {
		res.FetchedAt = time.Now().UTC()
		if errors.Is(err, errDisallowed) {
			res.Outcome = OutcomeDisallowed
		} else {
			res.Outcome, res.Error = OutcomeFailed, err.Error()
		}
		c.record(ctx, &res)
		return res
	}

	var page *page
	for attempt := 1; ; attempt++ {
		res.Attempts = attempt
		res.FetchedAt = time.Now().UTC()
		page, err = c.fetch(ctx, u)
		if err == nil {
			break
		}
		var re *retryableError
		if !errors.As(err, &re) || attempt >= c.Config.MaxAttempts || ctx.Err() != nil {
			break
		}
		wait := c.backoff(attempt, re.retryAfter)
		c.logger().WarnContext(ctx, "fetch failed; retrying", "url", res.URL, "attempt", attempt, "wait", wait.String(), "error", err.Error())
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	if page != nil {
		res.StatusCode, res.FinalURL, res.ContentType = page.status, page.finalURL, page.contentType
		res.Bytes, res.Truncated = len(page.body), page.truncated
		if res.FinalURL == res.URL {
			res.FinalURL = ""
		}
	}
	switch {
	case errors.Is(err, errDisallowed):
		res.Outcome, res.Error = OutcomeDisallowed, err.Error()
	case err != nil:
		res.Outcome, res.Error = OutcomeFailed, err.Error()
	default:
		key := ObjectKey(u)
		if err := c.store(ctx, key, &res, page.body); err != nil {
			res.Outcome, res.Error = OutcomeFailed, err.Error()
		} else {
			res.Outcome, res.S3Key = OutcomeStored, key
		}
	}
	c.record(ctx, &res)
	return res
}

// parseURL accepts absolute http(s) URLs with a host.
func parseURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("invalid URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid URL %q: want an absolute http or https URL", raw)
	}
	if len(raw) > MaxURLBytes {
		return nil, fmt.Errorf("invalid URL: %d bytes, more than %d (the status table's key limit)", len(raw), MaxURLBytes)
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

// ObjectKey is the S3 key of u's page: pages/<host>/<sha256 of URL, hex>.html.
func ObjectKey(u *url.URL) string {
	sum := sha256.Sum256([]byte(u.String()))
	return "pages/" + strings.ToLower(u.Hostname()) + "/" + hex.EncodeToString(sum[:]) + ".html"
}

// MaxURLBytes is the longest URL crawled: DynamoDB partition keys hold at most
// 2,048 bytes.
const MaxURLBytes = 2048

// maxMetaURLBytes bounds each URL in S3 object metadata, which S3 limits to
// 2 KB in all; the status item holds the URLs whole.
const maxMetaURLBytes = 900

var errDisallowed = errors.New("disallowed by robots.txt")

type robotsEntry struct {
	once  sync.Once
	group robots.Group
	err   error // robots.txt could not be fetched
}

func hostKey(u *url.URL) string { return u.Scheme + "://" + strings.ToLower(u.Host) }

// checkRobots returns errDisallowed if robots.txt disallows u, another error
// if robots.txt could not be fetched, and nil if u may be fetched.
func (c *Crawler) checkRobots(ctx context.Context, u *url.URL) error {
	c.mu.Lock()
	e, ok := c.robots[hostKey(u)]
	if !ok {
		e = &robotsEntry{}
		c.robots[hostKey(u)] = e
	}
	c.mu.Unlock()
	e.once.Do(func() { e.group, e.err = c.fetchRobots(ctx, u) })
	if e.err != nil {
		return e.err
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !e.group.Allowed(path) {
		return fmt.Errorf("%w: %s", errDisallowed, u.String())
	}
	return nil
}

// fetchRobots fetches and parses a host's robots.txt (RFC 9309 section 2.3).
func (c *Crawler) fetchRobots(ctx context.Context, u *url.URL) (robots.Group, error) {
	robotsURL := hostKey(u) + "/robots.txt"
	ctx, cancel := context.WithTimeout(ctx, c.Config.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, robotsURL, nil)
	if err != nil {
		return robots.Group{}, fmt.Errorf("robots.txt: %w", err)
	}
	req.Header.Set("User-Agent", c.Config.UserAgent)
	client := &http.Client{Transport: c.transport(), CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > c.Config.MaxRedirects {
			return fmt.Errorf("more than %d redirects", c.Config.MaxRedirects)
		}
		return nil
	}}
	resp, err := client.Do(req)
	if err != nil {
		return robots.Group{}, fmt.Errorf("robots.txt unavailable, host skipped: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		body, err := io.ReadAll(io.LimitReader(resp.Body, robots.MaxSize))
		if err != nil {
			return robots.Group{}, fmt.Errorf("robots.txt unavailable, host skipped: %w", err)
		}
		return robots.Parse(body).ForAgent(c.Config.UserAgent), nil
	case resp.StatusCode == http.StatusTooManyRequests:
		// 429 says the server is overloaded, not that there is no robots.txt:
		// treated as unreachable (complete disallow), as Google's crawlers do.
		return robots.Group{}, fmt.Errorf("robots.txt unavailable (HTTP 429, rate limited), host skipped")
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		// No robots.txt: no restrictions (RFC 9309 2.3.1.3).
		return robots.AllowAll(), nil
	default:
		// Unreachable: complete disallow (RFC 9309 2.3.1.4).
		return robots.Group{}, fmt.Errorf("robots.txt unavailable (HTTP %d), host skipped", resp.StatusCode)
	}
}

type page struct {
	status      int
	finalURL    string
	contentType string
	body        []byte
	truncated   bool
}

// retryableError marks a fetch failure worth another attempt.
type retryableError struct {
	err        error
	retryAfter time.Duration
}

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// fetch makes one attempt at u. A non-2xx response is returned as an error
// alongside the page (status, final URL) for the record.
func (c *Crawler) fetch(ctx context.Context, u *url.URL) (*page, error) {
	ctx, cancel := context.WithTimeout(ctx, c.Config.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", c.Config.UserAgent)
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8")
	client := &http.Client{Transport: c.transport(), CheckRedirect: func(next *http.Request, via []*http.Request) error {
		if len(via) > c.Config.MaxRedirects {
			return fmt.Errorf("more than %d redirects", c.Config.MaxRedirects)
		}
		if next.URL.Scheme != "http" && next.URL.Scheme != "https" {
			return fmt.Errorf("redirect to %q: not http(s)", next.URL.String())
		}
		if err := c.checkRobots(ctx, next.URL); err != nil {
			return &redirectError{err}
		}
		return nil
	}}
	resp, err := client.Do(req)
	if err != nil {
		var rerr *redirectError
		if errors.As(err, &rerr) {
			// Not retried: robots.txt answers are fixed for the run.
			return nil, fmt.Errorf("redirect: %w", rerr.err)
		}
		if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return nil, &retryableError{err: fmt.Errorf("no response within %s", c.Config.Timeout)}
		}
		return nil, &retryableError{err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	p := &page{status: resp.StatusCode, finalURL: resp.Request.URL.String(), contentType: resp.Header.Get("Content-Type")}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		err := fmt.Errorf("HTTP %d", resp.StatusCode)
		switch resp.StatusCode {
		case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
			return p, &retryableError{err: err, retryAfter: retryAfter(resp.Header.Get("Retry-After"))}
		}
		if resp.StatusCode >= 500 {
			return p, &retryableError{err: err, retryAfter: retryAfter(resp.Header.Get("Retry-After"))}
		}
		return p, err
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.Config.MaxBodyBytes+1))
	if err != nil {
		if ctx.Err() != nil {
			return p, &retryableError{err: fmt.Errorf("body not received within %s", c.Config.Timeout)}
		}
		return p, &retryableError{err: fmt.Errorf("read body: %w", err)}
	}
	if int64(len(body)) > c.Config.MaxBodyBytes {
		body, p.truncated = body[:c.Config.MaxBodyBytes], true
	}
	p.body = body
	return p, nil
}

// redirectError is a redirect refused by robots.txt.
type redirectError struct{ err error }

func (e *redirectError) Error() string { return e.err.Error() }
func (e *redirectError) Unwrap() error { return e.err }

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// retryAfter parses a Retry-After header given in seconds.
func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return 0
}

func (c *Crawler) backoff(attempt int, hint time.Duration) time.Duration {
	d := c.Config.Backoff << (attempt - 1)
	if hint > d {
		d = hint
	}
	if d > c.Config.MaxBackoff || d <= 0 {
		d = c.Config.MaxBackoff
	}
	return d
}

// store writes a page to S3 with its provenance in the object metadata.
func (c *Crawler) store(ctx context.Context, key string, res *Result, body []byte) error {
	ct := res.ContentType
	if ct == "" {
		ct = "text/html"
	}
	meta := map[string]string{
		"url":         metaValue(res.URL),
		"status-code": strconv.Itoa(res.StatusCode),
		"fetched-at":  res.FetchedAt.Format(time.RFC3339),
		"truncated":   strconv.FormatBool(res.Truncated),
	}
	if res.FinalURL != "" {
		meta["final-url"] = metaValue(res.FinalURL)
	}
	_, err := c.S3.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(c.Config.Bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String(ct),
		Metadata:      meta,
	})
	if err != nil {
		return fmt.Errorf("store page in s3://%s/%s: %w", c.Config.Bucket, key, err)
	}
	return nil
}

// metaValue keeps an S3 metadata URL to printable ASCII and at most
// maxMetaURLBytes bytes.
func metaValue(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			s = url.QueryEscape(s)
			break
		}
	}
	if len(s) > maxMetaURLBytes {
		s = s[:maxMetaURLBytes]
	}
	return s
}

// record writes res as the URL's status item; a failed write makes the URL
// failed.
func (c *Crawler) record(ctx context.Context, res *Result) {
	item := map[string]types.AttributeValue{
		"pk":         &types.AttributeValueMemberS{Value: res.URL},
		"outcome":    &types.AttributeValueMemberS{Value: string(res.Outcome)},
		"statusCode": &types.AttributeValueMemberN{Value: strconv.Itoa(res.StatusCode)},
		"fetchedAt":  &types.AttributeValueMemberS{Value: res.FetchedAt.Format(time.RFC3339Nano)},
		"bytes":      &types.AttributeValueMemberN{Value: strconv.Itoa(res.Bytes)},
		"truncated":  &types.AttributeValueMemberBOOL{Value: res.Truncated},
		"attempts":   &types.AttributeValueMemberN{Value: strconv.Itoa(res.Attempts)},
	}
	for name, v := range map[string]string{"error": res.Error, "finalUrl": res.FinalURL, "contentType": res.ContentType, "s3Key": res.S3Key} {
		if v != "" {
			item[name] = &types.AttributeValueMemberS{Value: v}
		}
	}
	_, err := c.DB.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(c.Config.Table), Item: item})
	log := c.logger().With("url", res.URL, "outcome", res.Outcome, "statusCode", res.StatusCode, "bytes", res.Bytes, "attempts", res.Attempts)
	if err != nil {
		res.Outcome = OutcomeFailed
		msg := fmt.Sprintf("record status in %s: %v", c.Config.Table, err)
		if res.Error != "" {
			msg = res.Error + "; " + msg
		}
		res.Error = msg
		log.ErrorContext(ctx, "crawl status not recorded", "error", msg)
		return
	}
	if res.Outcome == OutcomeFailed {
		log.WarnContext(ctx, "url failed", "error", res.Error)
		return
	}
	log.InfoContext(ctx, "url crawled", "truncated", res.Truncated, "s3Key", res.S3Key)
}

func (c *Crawler) transport() http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

func (c *Crawler) logger() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.Default()
}
