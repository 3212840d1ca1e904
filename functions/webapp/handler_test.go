package webapp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// lockedBuffer collects log output written by concurrent requests.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func newMemoryHandler(t *testing.T, o Options) *Handler {
	t.Helper()
	if o.Store == nil {
		s := NewMemoryStore(time.Hour)
		t.Cleanup(func() { s.Close() })
		o.Store = s
	}
	if o.Logger == nil {
		o.Logger = discardLogger()
	}
	if o.InstanceID == "" {
		o.InstanceID = "i-test"
	}
	h, err := NewHandler(o)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func do(t *testing.T, h http.Handler, method, target string, body io.Reader, header http.Header) *http.Response {
	t.Helper()
	r := httptest.NewRequest(method, target, body)
	for k, v := range header {
		r.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func readBody(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sessionCookieOf(res *http.Response) *http.Cookie {
	for _, c := range res.Cookies() {
		if c.Name == SessionCookie {
			return c
		}
	}
	return nil
}

func decodeCounter(t *testing.T, res *http.Response) counterResponse {
	t.Helper()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", res.StatusCode, readBody(t, res))
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	var c counterResponse
	if err := json.NewDecoder(res.Body).Decode(&c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoutes(t *testing.T) {
	h := newMemoryHandler(t, Options{})
	tests := []struct {
		method, path string
		wantStatus   int
		wantType     string
		wantBody     string
	}{
		{"GET", "/", 200, "text/html; charset=utf-8", "<title>gureum web tier</title>"},
		{"HEAD", "/", 200, "text/html; charset=utf-8", ""},
		{"GET", "/healthz", 200, "text/plain; charset=utf-8", "ok\n"},
		{"GET", "/static/app.js", 200, "text/javascript; charset=utf-8", `fetch("/counter"`},
		{"GET", "/static/style.css", 200, "text/css; charset=utf-8", "font-family"},
		{"GET", "/", 200, "text/html; charset=utf-8", `href="/guestbook"`},
		{"GET", "/guestbook", 200, "text/html; charset=utf-8", "<title>Guestbook"},
		{"PUT", "/guestbook", 405, "", ""},
		{"GET", "/static/", 404, "", ""},
		{"GET", "/static/missing.js", 404, "", ""},
		{"GET", "/nope", 404, "", ""},
		{"POST", "/", 405, "", ""},
		{"PUT", "/counter", 405, "", ""},
		{"DELETE", "/healthz", 405, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			res := do(t, h, tt.method, tt.path, nil, nil)
			body := readBody(t, res)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %q)", res.StatusCode, tt.wantStatus, body)
			}
			if tt.wantType != "" && res.Header.Get("Content-Type") != tt.wantType {
				t.Errorf("Content-Type %q, want %q", res.Header.Get("Content-Type"), tt.wantType)
			}
			if !strings.Contains(body, tt.wantBody) {
				t.Errorf("body %q does not contain %q", body, tt.wantBody)
			}
			if res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("security headers missing: %v", res.Header)
			}
			const csp = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
			if got := res.Header.Get("Content-Security-Policy"); got != csp {
				t.Errorf("Content-Security-Policy %q, want %q", got, csp)
			}
		})
	}
}

func TestStaticDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "app.js"), []byte("// from STATIC_DIR"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(secret, []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(dir, "link.txt")); err != nil {
		t.Fatal(err)
	}
	h := newMemoryHandler(t, Options{StaticDir: dir})
	tests := []struct {
		path       string
		wantStatus int
		wantBody   string
	}{
		{"/static/app.js", 200, "// from STATIC_DIR"},
		{"/static/style.css", 404, ""}, // the directory replaces the embedded assets
		{"/static/sub/", 404, ""},      // no directory listing
		{"/static/sub", 404, ""},
		{"/static/link.txt", 404, ""}, // symlinks out of the directory are refused
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			res := do(t, h, "GET", tt.path, nil, nil)
			body := readBody(t, res)
			if res.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d (body %q)", res.StatusCode, tt.wantStatus, body)
			}
			if tt.wantStatus == 200 && body != tt.wantBody {
				t.Errorf("body %q, want %q", body, tt.wantBody)
			}
		})
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	tests := []struct {
		name       string
		insecure   bool
		wantSecure bool
	}{
		{"secure by default", false, true},
		{"plain HTTP stage", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newMemoryHandler(t, Options{InsecureCookie: tt.insecure, SessionTTL: 90 * time.Minute})
			res := do(t, h, "POST", "/counter", nil, nil)
			if got := decodeCounter(t, res); got.Count != 1 || got.ServedBy != "i-test" {
				t.Errorf("POST /counter = %+v, want count 1 served by i-test", got)
			}
			c := sessionCookieOf(res)
			if c == nil {
				t.Fatalf("no %s cookie in %v", SessionCookie, res.Header["Set-Cookie"])
			}
			if !validSessionID(c.Value) || !c.HttpOnly || c.Secure != tt.wantSecure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge != 5400 {
				t.Errorf("cookie %q: want 64-hex value, HttpOnly, Secure=%v, SameSite=Lax, Path=/, Max-Age=5400", res.Header.Get("Set-Cookie"), tt.wantSecure)
			}
			if cc := res.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", cc)
			}
		})
	}
}

func TestCounterSession(t *testing.T) {
	h := newMemoryHandler(t, Options{})

	// A GET without a cookie reads 0 and creates no session: no cookie.
	res := do(t, h, "GET", "/counter", nil, nil)
	if got := decodeCounter(t, res); got.Count != 0 {
		t.Fatalf("GET /counter without a session = %d, want 0", got.Count)
	}
	if c := sessionCookieOf(res); c != nil {
		t.Fatalf("GET /counter without a session set cookie %q", res.Header.Get("Set-Cookie"))
	}
	// The first POST creates the session.
	res = do(t, h, "POST", "/counter", nil, nil)
	if got := decodeCounter(t, res); got.Count != 1 {
		t.Fatalf("first POST /counter = %d, want 1", got.Count)
	}
	c := sessionCookieOf(res)
	if c == nil {
		t.Fatal("POST /counter without a session set no cookie")
	}
	cookie := http.Header{"Cookie": {SessionCookie + "=" + c.Value}}
	for want := int64(2); want <= 3; want++ {
		res := do(t, h, "POST", "/counter", nil, cookie)
		if got := decodeCounter(t, res); got.Count != want {
			t.Fatalf("POST /counter #%d = %d", want, got.Count)
		}
		if nc := sessionCookieOf(res); nc == nil || nc.Value != c.Value {
			t.Fatalf("POST /counter with a live session changed its cookie: %v", res.Header["Set-Cookie"])
		}
	}
	res = do(t, h, "GET", "/counter", nil, cookie)
	if got := decodeCounter(t, res); got.Count != 3 {
		t.Errorf("GET /counter = %d, want 3", got.Count)
	}
	if sessionCookieOf(res) != nil {
		t.Errorf("GET /counter with a valid session set a cookie: %v", res.Header["Set-Cookie"])
	}
}

func TestCrossOriginPostRejected(t *testing.T) {
	h := newMemoryHandler(t, Options{})
	res := do(t, h, "POST", "/counter", nil, http.Header{"Sec-Fetch-Site": {"cross-site"}})
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST /counter: status %d, want 403", res.StatusCode)
	}
	res = do(t, h, "POST", "/counter", nil, http.Header{"Sec-Fetch-Site": {"same-origin"}})
	if res.StatusCode != http.StatusOK {
		t.Errorf("same-origin POST /counter: status %d, want 200", res.StatusCode)
	}
}

func TestRequestBodyLimit(t *testing.T) {
	h := newMemoryHandler(t, Options{MaxBodyBytes: 100})
	res := do(t, h, "POST", "/counter", strings.NewReader(strings.Repeat("x", 101)), nil)
	if res.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("POST /counter with 101 bytes: status %d, want 413", res.StatusCode)
	}
	res = do(t, h, "POST", "/counter", strings.NewReader(strings.Repeat("x", 100)), nil)
	if res.StatusCode != http.StatusOK {
		t.Errorf("POST /counter with 100 bytes: status %d, want 200", res.StatusCode)
	}
}

func TestAccessLog(t *testing.T) {
	var buf lockedBuffer
	h := newMemoryHandler(t, Options{Logger: slog.New(slog.NewJSONHandler(&buf, nil)), Stage: "stage2"})
	do(t, h, "GET", "/healthz", nil, nil) // successful health checks are not logged
	do(t, h, "POST", "/counter", nil, http.Header{"X-Forwarded-For": {"203.0.113.9"}, "User-Agent": {"test-agent"}})

	sc := bufio.NewScanner(strings.NewReader(buf.String()))
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 1 {
		t.Fatalf("got %d log lines, want 1:\n%s", len(lines), buf.String())
	}
	l := lines[0]
	want := map[string]any{"msg": "request", "method": "POST", "path": "/counter", "status": float64(200), "instance": "i-test", "stage": "stage2", "forwardedFor": "203.0.113.9", "userAgent": "test-agent"}
	for k, v := range want {
		if l[k] != v {
			t.Errorf("log %s = %v, want %v", k, l[k], v)
		}
	}
	if _, ok := l["durationMs"].(float64); !ok {
		t.Errorf("log has no durationMs: %v", l)
	}
	if strings.Contains(buf.String(), "gureum_session") {
		t.Errorf("log leaks the session cookie: %s", buf.String())
	}
}

func TestNewHandlerRequiresStore(t *testing.T) {
	if _, err := NewHandler(Options{}); err == nil || !strings.Contains(err.Error(), "Store is required") {
		t.Errorf("NewHandler without a store: err = %v", err)
	}
}

func TestStaticBaseURL(t *testing.T) {
	h := newMemoryHandler(t, Options{StaticBaseURL: "https://d111111abcdef8.cloudfront.net"})
	body := readBody(t, do(t, h, "GET", "/", nil, nil))
	for _, want := range []string{
		`href="https://d111111abcdef8.cloudfront.net/static/style.css"`,
		`src="https://d111111abcdef8.cloudfront.net/static/app.js"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s:\n%s", want, body)
		}
	}
	if strings.Contains(body, `"/static/`) {
		t.Errorf("page still loads assets from this server:\n%s", body)
	}
	// The browser may load the page's scripts and styles from the
	// distribution, and from no other origin; everything else stays 'self'.
	const csp = "default-src 'self'; script-src 'self' https://d111111abcdef8.cloudfront.net; style-src 'self' https://d111111abcdef8.cloudfront.net; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	for _, path := range []string{"/", "/counter", "/static/app.js"} {
		if got := do(t, h, "GET", path, nil, nil).Header.Get("Content-Security-Policy"); got != csp {
			t.Errorf("GET %s: Content-Security-Policy\n got %q\nwant %q", path, got, csp)
		}
	}
	// The server keeps serving /static/ itself for clients of the old page.
	if res := do(t, h, "GET", "/static/app.js", nil, nil); res.StatusCode != 200 {
		t.Errorf("GET /static/app.js: %d", res.StatusCode)
	}
	for _, bad := range []string{
		"http://cdn.example.com", "https://cdn.example.com/", "https://cdn.example.com?x=1", "cdn.example.com",
		// Hosts that would end or extend the CSP directive they go into.
		"https://cdn.example.com;script-src", "https://cdn.example.com,evil.example", "https://*.example.com",
	} {
		if _, err := NewHandler(Options{Store: NewMemoryStore(time.Hour), StaticBaseURL: bad}); err == nil {
			t.Errorf("StaticBaseURL %q accepted", bad)
		}
	}
}

func TestContentSecurityPolicy(t *testing.T) {
	const fixed = "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
	tests := []struct{ base, want string }{
		{"", "default-src 'self'; " + fixed},
		// The origin only: a path prefix or port in the base URL does not
		// narrow or widen it beyond scheme, host and port.
		{"https://cdn.example.com/assets", "default-src 'self'; script-src 'self' https://cdn.example.com; style-src 'self' https://cdn.example.com; " + fixed},
		{"https://cdn.example.com:8443", "default-src 'self'; script-src 'self' https://cdn.example.com:8443; style-src 'self' https://cdn.example.com:8443; " + fixed},
		// A URL NewHandler would refuse adds nothing.
		{"http://cdn.example.com", "default-src 'self'; " + fixed},
	}
	for _, tt := range tests {
		if got := ContentSecurityPolicy(tt.base); got != tt.want {
			t.Errorf("ContentSecurityPolicy(%q)\n got %q\nwant %q", tt.base, got, tt.want)
		}
	}
	// The page served with a base URL loads only from the origin the policy
	// allows.
	h := newMemoryHandler(t, Options{StaticBaseURL: "https://cdn.example.com/assets"})
	res := do(t, h, "GET", "/", nil, nil)
	body := readBody(t, res)
	if !strings.Contains(body, `src="https://cdn.example.com/assets/static/app.js"`) ||
		!strings.Contains(res.Header.Get("Content-Security-Policy"), "script-src 'self' https://cdn.example.com;") {
		t.Errorf("page and policy disagree: %q\n%s", res.Header.Get("Content-Security-Policy"), body)
	}
}
