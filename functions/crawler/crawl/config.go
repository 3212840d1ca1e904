package crawl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Defaults for the Config fields left at zero.
const (
	DefaultUserAgent    = "gureum-crawler/1.0"
	DefaultMaxBodyBytes = 5 << 20
	DefaultTimeout      = 10 * time.Second
	DefaultConcurrency  = 4
	DefaultMaxAttempts  = 3
	DefaultBackoff      = time.Second
	DefaultMaxBackoff   = 10 * time.Second
	DefaultMaxRedirects = 5
)

// Config configures a Crawler. The zero value of each optional field selects
// its default.
type Config struct {
	// Bucket receives the pages. Required. Env: BUCKET.
	Bucket string
	// Table receives one status item per URL. Required. Env: TABLE_NAME.
	Table string
	// UserAgent is sent with every request and chooses the robots.txt group.
	// Default: "gureum-crawler/1.0". Env: USER_AGENT.
	UserAgent string
	// MaxBodyBytes caps a stored page; longer bodies are truncated and
	// marked. Default: 5 MiB. Env: MAX_BODY_BYTES.
	MaxBodyBytes int64
	// Timeout bounds one fetch attempt, body included. Default: 10s.
	// Env: TIMEOUT ("10s", or a number of seconds).
	Timeout time.Duration
	// Concurrency bounds the URLs fetched at once. Default: 4. Env: CONCURRENCY.
	Concurrency int
	// MaxAttempts bounds the fetches of one URL, counting the first.
	// Default: 3. Env: MAX_ATTEMPTS.
	MaxAttempts int
	// Backoff is the wait before the first retry; it doubles for each later
	// one, up to MaxBackoff. Default: 1s and 10s.
	Backoff, MaxBackoff time.Duration
	// MaxRedirects bounds the redirects followed for one fetch. Default: 5.
	MaxRedirects int
}

// ConfigFromEnv reads a Config from environment variables through getenv
// (os.Getenv in the Lambda) and reports every problem at once.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{Bucket: getenv("BUCKET"), Table: getenv("TABLE_NAME"), UserAgent: getenv("USER_AGENT")}
	var errs []error
	if v := getenv("MAX_BODY_BYTES"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("crawl: MAX_BODY_BYTES=%q must be a positive number of bytes", v))
		}
		c.MaxBodyBytes = n
	}
	if v := getenv("TIMEOUT"); v != "" {
		d, err := parseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("crawl: TIMEOUT=%q: %w", v, err))
		}
		c.Timeout = d
	}
	for _, f := range []struct {
		env string
		dst *int
	}{{"CONCURRENCY", &c.Concurrency}, {"MAX_ATTEMPTS", &c.MaxAttempts}} {
		if v := getenv(f.env); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 {
				errs = append(errs, fmt.Errorf("crawl: %s=%q must be a positive integer", f.env, v))
			}
			*f.dst = n
		}
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c.withDefaults()
}

// parseDuration accepts a Go duration ("10s", "1m30s") or whole seconds ("10").
func parseDuration(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil {
		if n <= 0 {
			return 0, errors.New("must be positive")
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, errors.New(`must be a positive duration such as "10s" or a number of seconds`)
	}
	return d, nil
}

func (c Config) withDefaults() (Config, error) {
	var errs []error
	if c.Bucket == "" {
		errs = append(errs, errors.New("crawl: no bucket (set BUCKET)"))
	}
	if c.Table == "" {
		errs = append(errs, errors.New("crawl: no status table (set TABLE_NAME)"))
	}
	if c.UserAgent == "" {
		c.UserAgent = DefaultUserAgent
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Concurrency <= 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Backoff <= 0 {
		c.Backoff = DefaultBackoff
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.MaxRedirects <= 0 {
		c.MaxRedirects = DefaultMaxRedirects
	}
	return c, errors.Join(errs...)
}

// ParseURLs returns the URLs to crawl: those in the payload, a JSON list of
// strings or an object {"urls": [...]}; or, when the payload is empty, null,
// or lists none, those in envURLs (the URLS variable, a JSON list).
func ParseURLs(payload []byte, envURLs string) ([]string, error) {
	urls, err := decodeURLs(payload, "payload")
	if err != nil {
		return nil, err
	}
	if len(urls) == 0 {
		if urls, err = decodeURLs([]byte(envURLs), "URLS"); err != nil {
			return nil, err
		}
	}
	if len(urls) == 0 {
		return nil, errors.New("crawl: no URLs in the payload or in URLS")
	}
	return urls, nil
}

func decodeURLs(data []byte, from string) ([]string, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	var list []string
	if data[0] == '{' {
		var obj struct {
			URLs []string `json:"urls"`
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&obj); err != nil {
			return nil, fmt.Errorf(`crawl: %s must be a JSON list of URLs or {"urls": [...]}: %w`, from, err)
		}
		list = obj.URLs
	} else if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("crawl: %s must be a JSON list of URLs: %w", from, err)
	}
	out := make([]string, 0, len(list))
	for _, u := range list {
		if u = strings.TrimSpace(u); u != "" {
			out = append(out, u)
		}
	}
	return out, nil
}
