package webapp

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

//go:embed static
var embedded embed.FS

// Assets returns the page and its assets embedded in the binary: index.html
// and the files it loads from /static/. A deployment that serves /static/
// from S3 uploads these files (they are also in the static directory beside
// this package's source).
func Assets() fs.FS {
	sub, err := fs.Sub(embedded, "static")
	if err != nil {
		panic(err) // the embed directive guarantees the directory
	}
	return sub
}

// Defaults of Options.
const (
	DefaultHealthTimeout  = time.Second
	DefaultHealthCacheFor = 2 * time.Second
	DefaultStoreTimeout   = 3 * time.Second
	DefaultMaxBodyBytes   = 16 << 10
	// DefaultNewSessionTTL is how long a session created by a request
	// without a session cookie lives until a request returns its cookie.
	DefaultNewSessionTTL = 10 * time.Minute
)

// Options configures the HTTP handler made by NewHandler.
type Options struct {
	// Store keeps the session counters. Required.
	Store Store
	// InstanceID is returned as "servedBy" and logged. Default: the host name.
	InstanceID string
	// Stage is a label logged with every request. Default: empty.
	Stage string
	// SessionTTL is the session cookie's Max-Age; it should equal the
	// store's TTL. Default: 24h.
	SessionTTL time.Duration
	// NewSessionTTL is how long the store keeps a session created by a
	// POST without a session cookie: it lives SessionTTL only once a later
	// POST brings its cookie back, so clients that never return cookies
	// (scripts, scanners) cannot fill the store with day-long sessions.
	// Default: 10 minutes (at most SessionTTL).
	NewSessionTTL time.Duration
	// InsecureCookie drops the Secure attribute from the session cookie, for
	// a server reached over plain HTTP. Default: false (Secure).
	InsecureCookie bool
	// StaticDir serves /static/ from this directory instead of the embedded
	// assets. Directory listings are never served. Default: embedded assets.
	StaticDir string
	// StaticBaseURL makes the page load /static/ assets from this origin
	// (e.g. https://d111111abcdef8.cloudfront.net); see CheckStaticBaseURL.
	// The Content-Security-Policy then admits scripts and styles from that
	// origin too (see ContentSecurityPolicy). Default: empty (this server
	// serves them).
	StaticBaseURL string
	// Logger receives the JSON access log and errors. Default: slog.Default().
	Logger *slog.Logger
	// HealthTimeout bounds the store ping made by /healthz. Default: 1s.
	HealthTimeout time.Duration
	// HealthCacheFor is how long /healthz reuses the last ping's result, so
	// frequent load balancer checks cost at most one ping per period.
	// Default: 2s.
	HealthCacheFor time.Duration
	// StoreTimeout bounds each store call made by /counter. Default: 3s.
	StoreTimeout time.Duration
	// MaxBodyBytes limits request bodies; larger bodies get 413.
	// Default: 16 KiB.
	MaxBodyBytes int64
	// Guestbook stores the guestbook's entries. Default: a new
	// MemoryGuestbook.
	Guestbook Guestbook
	// DatabaseLabel names the guestbook's database on its page (the
	// DB_ENGINE value). Default: "memory".
	DatabaseLabel string
	// GuestbookPageSize is how many entries a page lists (at most
	// MaxPageSize). Default: DefaultPageSize.
	GuestbookPageSize int
	// DBHealthGrace is how long the guestbook's database may fail the
	// health check's ping (bounded by HealthTimeout, at most one per
	// HealthCacheFor) before /healthz answers 503; a negative value never
	// fails /healthz for the database. Default: DefaultDBHealthGrace (60s).
	DBHealthGrace time.Duration
}

// Handler serves the web app's endpoints. Make one with NewHandler.
type Handler struct {
	opts     Options
	log      *slog.Logger
	mux      *http.ServeMux
	page     []byte
	csp      string
	health   healthCheck
	dbHealth *dbHealth
	handler  http.Handler
}

// NewHandler returns the web app's HTTP handler with the access log, body
// limit and security headers applied.
func NewHandler(o Options) (*Handler, error) {
	if o.Store == nil {
		return nil, errors.New("webapp: Options.Store is required")
	}
	if o.InstanceID == "" {
		o.InstanceID, _ = os.Hostname()
	}
	if o.SessionTTL <= 0 {
		o.SessionTTL = DefaultSessionTTL
	}
	if o.NewSessionTTL <= 0 {
		o.NewSessionTTL = DefaultNewSessionTTL
	}
	o.NewSessionTTL = min(o.NewSessionTTL, o.SessionTTL)
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.HealthTimeout <= 0 {
		o.HealthTimeout = DefaultHealthTimeout
	}
	if o.HealthCacheFor <= 0 {
		o.HealthCacheFor = DefaultHealthCacheFor
	}
	if o.StoreTimeout <= 0 {
		o.StoreTimeout = DefaultStoreTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Guestbook == nil {
		o.Guestbook = NewMemoryGuestbook()
	}
	if o.DatabaseLabel == "" {
		o.DatabaseLabel = EngineMemory
	}
	if o.GuestbookPageSize <= 0 {
		o.GuestbookPageSize = DefaultPageSize
	}
	o.GuestbookPageSize = min(o.GuestbookPageSize, MaxPageSize)
	if o.DBHealthGrace == 0 {
		o.DBHealthGrace = DefaultDBHealthGrace
	}
	page, err := fs.ReadFile(Assets(), "index.html")
	if err != nil {
		return nil, fmt.Errorf("webapp: embedded page: %w", err)
	}
	if o.StaticBaseURL != "" {
		if err := CheckStaticBaseURL(o.StaticBaseURL); err != nil {
			return nil, fmt.Errorf("webapp: StaticBaseURL: %w", err)
		}
		base := html.EscapeString(o.StaticBaseURL)
		for _, attr := range []string{`href="`, `src="`} {
			page = bytes.ReplaceAll(page, []byte(attr+"/static/"), []byte(attr+base+"/static/"))
		}
	}
	var static fs.FS = Assets()
	if o.StaticDir != "" {
		root, err := os.OpenRoot(o.StaticDir)
		if err != nil {
			return nil, fmt.Errorf("webapp: static directory: %w", err)
		}
		static = root.FS()
	}

	h := &Handler{
		opts:   o,
		log:    o.Logger.With("instance", o.InstanceID, "stage", o.Stage),
		mux:    http.NewServeMux(),
		page:   page,
		csp:    ContentSecurityPolicy(o.StaticBaseURL),
		health: healthCheck{store: o.Store, timeout: o.HealthTimeout, cacheFor: o.HealthCacheFor},
	}
	h.dbHealth = &dbHealth{
		ping: o.Guestbook.Ping, timeout: o.HealthTimeout, cacheFor: o.HealthCacheFor, now: time.Now,
		log: func(err error) { h.log.Warn("health check: database unreachable", "err", err) },
	}
	h.mux.HandleFunc("GET /{$}", h.index)
	h.mux.HandleFunc("GET /healthz", h.healthz)
	h.mux.HandleFunc("GET /counter", h.counter)
	h.mux.Handle("POST /counter", http.NewCrossOriginProtection().Handler(http.HandlerFunc(h.counter)))
	h.mux.HandleFunc("GET /guestbook", h.guestbookPage)
	h.mux.Handle("POST /guestbook", http.NewCrossOriginProtection().Handler(http.HandlerFunc(h.guestbookPost)))
	h.mux.Handle("GET /static/", cacheFor(5*time.Minute, http.StripPrefix("/static", http.FileServerFS(filesOnly{static}))))
	h.handler = h.accessLog(h.limits(h.mux))
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.handler.ServeHTTP(w, r) }

func (h *Handler) index(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(h.page)
}

func (h *Handler) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	storeErr := h.health.check(r.Context())
	if storeErr != nil {
		h.log.Warn("health check: session store unreachable", "err", storeErr)
	}
	dbErr, failing := h.dbHealth.check(r.Context())
	status, body := h.healthAnswer(storeErr, dbErr, failing)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// counterResponse is the body of GET and POST /counter.
type counterResponse struct {
	Count    int64  `json:"count"`
	ServedBy string `json:"servedBy"`
}

// counter serves GET and POST /counter. Sessions are created by the server
// only: a POST whose cookie names no live session (none, expired, or an id
// the client made up) starts a new session under a fresh id and replaces
// the cookie, and a GET never creates one. A POST's Idempotency-Key makes it
// safe to repeat after an error: the store counts each key once.
func (h *Handler) counter(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Add("Vary", "Cookie")
	id, hasCookie := sessionFromRequest(r)
	ctx, cancel := context.WithTimeout(r.Context(), h.opts.StoreTimeout)
	defer cancel()
	secure := !h.opts.InsecureCookie

	if r.Method != http.MethodPost {
		var n int64
		if hasCookie {
			var err error
			if n, err = h.opts.Store.Count(ctx, id); err != nil {
				h.log.Error("session store", "method", r.Method, "err", err)
				writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "session store unavailable"})
				return
			}
			if n == 0 {
				// The cookie names no live session: drop it.
				http.SetCookie(w, sessionCookie("", 0, secure))
			}
		}
		writeJSON(w, http.StatusOK, counterResponse{Count: n, ServedBy: h.opts.InstanceID})
		return
	}

	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{"error": "request body too large"})
			return
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "cannot read request body"})
		return
	}
	rid, keyed, err := requestID(r)
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	var (
		n  int64
		ok bool
	)
	if hasCookie {
		n, ok, err = h.opts.Store.Increment(ctx, id, rid)
	}
	if err == nil && !ok {
		id = newSessionID()
		n, err = h.opts.Store.Create(ctx, id, rid, h.opts.NewSessionTTL)
	}
	if err != nil {
		h.log.Error("session store", "method", r.Method, "err", err)
		// The store may have applied the write before failing to answer:
		// say so, and how to repeat the request safely.
		msg := "session store unavailable: the increment may or may not have been applied; repeat the request with the same " + IdempotencyKeyHeader + " to apply it once"
		if !keyed {
			msg = "session store unavailable: the increment may or may not have been applied; send an " + IdempotencyKeyHeader + " header so that a repeated request is applied once"
		}
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": msg})
		return
	}
	// The cookie carries the session's id for the store's full TTL; the
	// store decides how long a new session really lives.
	http.SetCookie(w, sessionCookie(id, h.opts.SessionTTL, secure))
	writeJSON(w, http.StatusOK, counterResponse{Count: n, ServedBy: h.opts.InstanceID})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// limits caps request bodies and sets the security headers every response
// carries.
func (h *Handler) limits(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, h.opts.MaxBodyBytes)
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("Content-Security-Policy", h.csp)
		next.ServeHTTP(w, r)
	})
}

// ContentSecurityPolicy is the Content-Security-Policy header the handler
// sends. Everything comes from the page's own origin, except that with a
// staticBaseURL (an https URL accepted by CheckStaticBaseURL) the page's
// scripts and stylesheets may also come from that URL's origin, and from no
// other: the page loads them from <staticBaseURL>/static/. The assets load
// no images or fonts, so img-src and font-src stay 'self'.
func ContentSecurityPolicy(staticBaseURL string) string {
	const fixed = "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	if staticBaseURL == "" {
		return "default-src 'self'; " + fixed
	}
	u, err := url.Parse(staticBaseURL)
	if err != nil || CheckStaticBaseURL(staticBaseURL) != nil {
		// NewHandler and LoadConfig refuse such a URL first; allow nothing
		// more than the default.
		return "default-src 'self'; " + fixed
	}
	origin := u.Scheme + "://" + u.Host
	return "default-src 'self'; script-src 'self' " + origin + "; style-src 'self' " + origin + "; " + fixed
}

// accessLog writes one log line per request, at level WARN for server
// errors. Successful health checks are not logged: load balancers make them
// every few seconds.
func (h *Handler) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		if r.URL.Path == "/healthz" && rec.status == http.StatusOK {
			return
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelWarn
		}
		h.log.LogAttrs(r.Context(), level, "request",
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("durationMs", float64(time.Since(start).Microseconds())/1000),
			slog.String("remoteAddr", r.RemoteAddr),
			slog.String("forwardedFor", r.Header.Get("X-Forwarded-For")),
			slog.String("userAgent", r.UserAgent()),
		)
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wroteHeader {
		s.status, s.wroteHeader = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wroteHeader = true
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func cacheFor(d time.Duration, next http.Handler) http.Handler {
	v := fmt.Sprintf("public, max-age=%d", int(d/time.Second))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", v)
		next.ServeHTTP(w, r)
	})
}

// filesOnly hides directories, so no directory listing is ever served, and
// reports every file it cannot open (including a symlink leading out of the
// static directory) as not found.
type filesOnly struct{ fs.FS }

func (f filesOnly) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	if err != nil {
		return nil, fs.ErrNotExist
	}
	st, err := file.Stat()
	if err != nil || st.IsDir() {
		file.Close()
		return nil, fs.ErrNotExist
	}
	return file, nil
}

// healthCheck pings the store at most once per cacheFor, each ping bounded by
// timeout, and shares the result between concurrent checks.
type healthCheck struct {
	store    Store
	timeout  time.Duration
	cacheFor time.Duration

	mu      sync.Mutex
	checked time.Time
	err     error
}

func (c *healthCheck) check(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.checked.IsZero() && time.Since(c.checked) < c.cacheFor {
		return c.err
	}
	// The ping is not tied to one caller's request: its result is shared.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	c.err = c.store.Ping(pctx)
	c.checked = time.Now()
	return c.err
}
