package webapp

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Session store kinds accepted in SESSION_STORE.
const (
	StoreMemory   = "memory"
	StoreDynamoDB = "dynamodb"
	StoreRedis    = "redis"
)

// Defaults applied by LoadConfig when a variable is unset.
const (
	DefaultListenAddr = ":8080"
	DefaultSessionTTL = 24 * time.Hour
)

// Config is the server's configuration, read from the environment by
// LoadConfig.
type Config struct {
	// ListenAddr is the TCP address to listen on (LISTEN_ADDR).
	// Default: ":8080".
	ListenAddr string
	// Store is the session store kind (SESSION_STORE): "memory", "dynamodb"
	// or "redis". Default: "memory".
	Store string
	// SessionTTL is how long a session lives after its last write
	// (SESSION_TTL, a Go duration such as "24h" or "30m"). Default: 24h.
	SessionTTL time.Duration
	// NewSessionTTL is how long a session created by a request without a
	// session cookie lives until a request brings the cookie back
	// (NEW_SESSION_TTL, a Go duration; at most SessionTTL). Default: 10m.
	NewSessionTTL time.Duration
	// SessionTable is the DynamoDB table (SESSION_TABLE). Required when Store
	// is "dynamodb".
	SessionTable string
	// RedisAddr is the Redis host:port (REDIS_ADDR). Required when Store is
	// "redis".
	RedisAddr string
	// RedisTLS turns on TLS to Redis (REDIS_TLS=true), as ElastiCache
	// in-transit encryption requires. Default: false.
	RedisTLS bool
	// RedisUsername and RedisPassword authenticate to Redis (REDIS_USERNAME,
	// REDIS_PASSWORD). Default: no authentication.
	RedisUsername string
	RedisPassword string
	// CookieSecure marks the session cookie Secure (COOKIE_SECURE). Turn it
	// off only for a plain-HTTP server. Default: true.
	CookieSecure bool
	// StaticDir serves /static/ from a directory instead of the embedded
	// assets (STATIC_DIR). Default: embedded assets.
	StaticDir string
	// StaticBaseURL makes the page load its assets from another origin — a
	// CloudFront distribution in front of S3 — as <StaticBaseURL>/static/...
	// (STATIC_BASE_URL, an absolute https URL without a trailing slash).
	// Default: empty (the page loads /static/ from this server).
	StaticBaseURL string
	// InstanceID names this server in responses and logs (INSTANCE_ID).
	// Default: the host name.
	InstanceID string
	// Stage is a free-form label for the deployment stage (APP_STAGE), logged
	// with every request. Default: empty.
	Stage string
	// DB is the guestbook's database (DB_* and DATA_TABLE). Default: in
	// memory.
	DB DBConfig
}

// LoadConfig reads the configuration through getenv (usually os.Getenv) and
// validates it. The error lists every invalid variable, not just the first.
func LoadConfig(getenv func(string) string) (Config, error) {
	c := Config{
		ListenAddr:    strings.TrimSpace(getenv("LISTEN_ADDR")),
		Store:         strings.ToLower(strings.TrimSpace(getenv("SESSION_STORE"))),
		SessionTable:  strings.TrimSpace(getenv("SESSION_TABLE")),
		RedisAddr:     strings.TrimSpace(getenv("REDIS_ADDR")),
		RedisUsername: getenv("REDIS_USERNAME"),
		RedisPassword: getenv("REDIS_PASSWORD"),
		StaticDir:     strings.TrimSpace(getenv("STATIC_DIR")),
		StaticBaseURL: strings.TrimSpace(getenv("STATIC_BASE_URL")),
		InstanceID:    strings.TrimSpace(getenv("INSTANCE_ID")),
		Stage:         strings.TrimSpace(getenv("APP_STAGE")),
		SessionTTL:    DefaultSessionTTL,
		NewSessionTTL: DefaultNewSessionTTL,
		CookieSecure:  true,
	}
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("webapp: %s: %s", name, fmt.Sprintf(format, args...)))
	}

	if c.ListenAddr == "" {
		c.ListenAddr = DefaultListenAddr
	} else if err := checkHostPort(c.ListenAddr, true); err != nil {
		bad("LISTEN_ADDR", "%q: %v", c.ListenAddr, err)
	}

	if v := strings.TrimSpace(getenv("SESSION_TTL")); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			bad("SESSION_TTL", "%q is not a duration such as \"24h\" or \"30m\"", v)
		case d < time.Second:
			bad("SESSION_TTL", "%q must be at least 1s", v)
		default:
			c.SessionTTL = d
		}
	}

	if v := strings.TrimSpace(getenv("NEW_SESSION_TTL")); v != "" {
		d, err := time.ParseDuration(v)
		switch {
		case err != nil:
			bad("NEW_SESSION_TTL", "%q is not a duration such as \"10m\"", v)
		case d < time.Second:
			bad("NEW_SESSION_TTL", "%q must be at least 1s", v)
		default:
			c.NewSessionTTL = d
		}
	}
	c.NewSessionTTL = min(c.NewSessionTTL, c.SessionTTL)

	if v := strings.TrimSpace(getenv("COOKIE_SECURE")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			bad("COOKIE_SECURE", "%q is not a boolean (true or false)", v)
		}
		c.CookieSecure = b
	}

	switch c.Store {
	case "":
		c.Store = StoreMemory
	case StoreMemory:
	case StoreDynamoDB:
		if c.SessionTable == "" {
			bad("SESSION_TABLE", "required when SESSION_STORE=dynamodb")
		}
	case StoreRedis:
		if c.RedisAddr == "" {
			bad("REDIS_ADDR", "required when SESSION_STORE=redis")
		} else if err := checkHostPort(c.RedisAddr, false); err != nil {
			bad("REDIS_ADDR", "%q: %v", c.RedisAddr, err)
		}
		if v := strings.TrimSpace(getenv("REDIS_TLS")); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				bad("REDIS_TLS", "%q is not a boolean (true or false)", v)
			}
			c.RedisTLS = b
		}
		if getenv("REDIS_AUTH_SECRET_ARN") != "" && c.RedisPassword == "" {
			bad("REDIS_AUTH_SECRET_ARN", "reading the password from Secrets Manager is not supported; pass it in REDIS_PASSWORD")
		}
	default:
		bad("SESSION_STORE", "%q is not one of %q, %q, %q", c.Store, StoreMemory, StoreDynamoDB, StoreRedis)
	}

	if c.StaticDir != "" {
		fi, err := os.Stat(c.StaticDir)
		switch {
		case err != nil:
			bad("STATIC_DIR", "%v", err)
		case !fi.IsDir():
			bad("STATIC_DIR", "%q is not a directory", c.StaticDir)
		}
	}

	if c.StaticBaseURL != "" {
		if err := CheckStaticBaseURL(c.StaticBaseURL); err != nil {
			bad("STATIC_BASE_URL", "%v", err)
		}
	}

	c.DB = loadDBConfig(getenv, bad)

	if c.InstanceID == "" {
		if h, err := os.Hostname(); err == nil {
			c.InstanceID = h
		}
	}
	if err := checkLabel(c.InstanceID); err != nil {
		bad("INSTANCE_ID", "%q: %v", c.InstanceID, err)
	}
	if err := checkLabel(c.Stage); err != nil {
		bad("APP_STAGE", "%q: %v", c.Stage, err)
	}
	return c, errors.Join(errs...)
}

// checkHostPort accepts host:port with a numeric port; the host may be empty
// only when emptyHost is true (listen on every interface).
func checkHostPort(addr string, emptyHost bool) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("want host:port")
	}
	if host == "" && !emptyHost {
		return errors.New("host is empty")
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 || (n == 0 && !emptyHost) {
		return fmt.Errorf("port %q is not a valid port number", port)
	}
	return nil
}

// checkLabel accepts short printable ASCII labels without spaces.
func checkLabel(s string) error {
	if len(s) > 128 {
		return errors.New("longer than 128 characters")
	}
	for _, r := range s {
		if r <= ' ' || r > '~' {
			return errors.New("only printable ASCII without spaces is allowed")
		}
	}
	return nil
}

// CheckStaticBaseURL reports why u cannot be the origin of the page's assets.
func CheckStaticBaseURL(u string) error {
	parsed, err := url.Parse(u)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL: %v", u, err)
	case parsed.Scheme != "https" || parsed.Host == "":
		return fmt.Errorf("%q must be an absolute https URL", u)
	case parsed.RawQuery != "" || parsed.Fragment != "" || parsed.User != nil:
		return fmt.Errorf("%q must not carry a query, fragment or user information", u)
	case strings.HasSuffix(u, "/"):
		return fmt.Errorf("%q must not end with \"/\"", u)
	case !hostRE.MatchString(parsed.Host):
		// The origin goes into the Content-Security-Policy header: only a
		// plain host name (and port) may, nothing that ends a directive.
		return fmt.Errorf("%q: host %q is not a DNS name with an optional port", u, parsed.Host)
	}
	return nil
}

// hostRE matches a DNS host name with an optional port.
var hostRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:[0-9]{1,5})?$`)
