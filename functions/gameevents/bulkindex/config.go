package bulkindex

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults for the Config fields left at zero.
const (
	DefaultIndex       = "game-events"
	DefaultService     = "es"
	DefaultMaxDocs     = 500
	DefaultMaxBytes    = 5 << 20
	DefaultMaxAttempts = 5
	DefaultBackoff     = 200 * time.Millisecond
	DefaultMaxBackoff  = 5 * time.Second
)

// Config configures an Indexer. The zero value of each optional field selects
// its default.
type Config struct {
	// Endpoint is the OpenSearch domain's base URL, e.g.
	// "https://search-game-abc123.ap-northeast-2.es.amazonaws.com". A bare host
	// gets "https://". Required. Env: OPENSEARCH_ENDPOINT.
	Endpoint string
	// Index receives the documents. Default: "game-events". Env: INDEX.
	Index string
	// Region signs the requests. Required (Lambda sets AWS_REGION).
	Region string
	// Service is the SigV4 signing name. Default: "es" (OpenSearch Service).
	// Env: OPENSEARCH_SERVICE.
	Service string
	// MaxDocs bounds the documents in one _bulk request. Default: 500.
	// Env: BULK_MAX_DOCS.
	MaxDocs int
	// MaxBytes bounds the body of one _bulk request. A single document larger
	// than MaxBytes is sent alone. Default: 5 MiB. Env: BULK_MAX_BYTES.
	MaxBytes int
	// MaxAttempts bounds the sends of one document, counting the first.
	// Default: 5. Env: BULK_MAX_ATTEMPTS.
	MaxAttempts int
	// Backoff is the wait before the first retry; it doubles for each later
	// one, up to MaxBackoff, with jitter. Default: 200ms and 5s.
	Backoff, MaxBackoff time.Duration
}

// ConfigFromEnv reads a Config from environment variables through getenv
// (os.Getenv in the Lambda).
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		Endpoint: getenv("OPENSEARCH_ENDPOINT"),
		Index:    getenv("INDEX"),
		Region:   getenv("AWS_REGION"),
		Service:  getenv("OPENSEARCH_SERVICE"),
	}
	var errs []error
	for _, f := range []struct {
		env string
		dst *int
	}{{"BULK_MAX_DOCS", &c.MaxDocs}, {"BULK_MAX_BYTES", &c.MaxBytes}, {"BULK_MAX_ATTEMPTS", &c.MaxAttempts}} {
		v := getenv(f.env)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			errs = append(errs, fmt.Errorf("bulkindex: %s=%q must be a positive integer", f.env, v))
			continue
		}
		*f.dst = n
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, err
	}
	return c.withDefaults()
}

// withDefaults validates c and fills in defaults.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	if c.Endpoint == "" {
		errs = append(errs, errors.New("bulkindex: no OpenSearch endpoint (set OPENSEARCH_ENDPOINT)"))
	} else {
		if !strings.Contains(c.Endpoint, "://") {
			c.Endpoint = "https://" + c.Endpoint
		}
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			errs = append(errs, fmt.Errorf("bulkindex: OpenSearch endpoint %q is not an http(s) URL", c.Endpoint))
		}
		c.Endpoint = strings.TrimRight(c.Endpoint, "/")
	}
	if c.Region == "" {
		errs = append(errs, errors.New("bulkindex: no AWS region to sign requests for (set AWS_REGION)"))
	}
	if c.Index == "" {
		c.Index = DefaultIndex
	}
	if strings.ContainsAny(c.Index, `/\*?"<>| ,#:`) || strings.HasPrefix(c.Index, "_") || c.Index != strings.ToLower(c.Index) {
		errs = append(errs, fmt.Errorf("bulkindex: %q is not a valid OpenSearch index name", c.Index))
	}
	if c.Service == "" {
		c.Service = DefaultService
	}
	if c.MaxDocs <= 0 {
		c.MaxDocs = DefaultMaxDocs
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
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
	return c, errors.Join(errs...)
}
