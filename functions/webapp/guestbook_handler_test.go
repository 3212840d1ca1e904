package webapp

import (
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browser is an HTTPS client with a cookie jar that does not follow
// redirects, against a test server for a handler.
type browser struct {
	srv *httptest.Server
	c   *http.Client
}

type result struct {
	status int
	body   string
	header http.Header
}

func newBrowser(t *testing.T, h http.Handler) *browser {
	t.Helper()
	srv := httptest.NewTLSServer(h)
	t.Cleanup(srv.Close)
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{srv: srv, c: c}
}

func (b *browser) do(t *testing.T, req *http.Request) result {
	t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return result{res.StatusCode, string(body), res.Header}
}

func (b *browser) get(t *testing.T, path string) result {
	t.Helper()
	req, _ := http.NewRequest("GET", b.srv.URL+path, nil)
	return b.do(t, req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([0-9a-f]*)"`)

// csrf reads the form's CSRF token from the guestbook page, as a browser
// would submit it.
func (b *browser) csrf(t *testing.T) string {
	t.Helper()
	m := csrfRE.FindStringSubmatch(b.get(t, "/guestbook").body)
	if m == nil {
		t.Fatal("the guestbook page has no CSRF field")
	}
	return m[1]
}

func (b *browser) send(t *testing.T, form url.Values, header http.Header) result {
	t.Helper()
	req, _ := http.NewRequest("POST", b.srv.URL+"/guestbook", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	return b.do(t, req)
}

func (b *browser) postForm(t *testing.T, name, message, key string) result {
	t.Helper()
	return b.send(t, url.Values{"csrf": {b.csrf(t)}, "key": {key}, "name": {name}, "message": {message}}, nil)
}

// post signs the guestbook and expects the redirect to the list.
func (b *browser) post(t *testing.T, name, message string) {
	t.Helper()
	res := b.postForm(t, name, message, newPostKey())
	if res.status != http.StatusSeeOther || res.header.Get("Location") != "/guestbook?posted=1" {
		t.Fatalf("POST /guestbook = %d (Location %q), want 303 to /guestbook?posted=1:\n%s", res.status, res.header.Get("Location"), res.body)
	}
}

// startStallProxyAt is startStallProxy listening on addr (a proxy's old
// address: the database is back where it was).
func startStallProxyAt(t *testing.T, addr, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{Addr: ln.Addr().String(), ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	return p
}

func TestGuestbookPage(t *testing.T) {
	g := newPGGuestbook(t)
	h := newMemoryHandler(t, Options{Guestbook: g, DatabaseLabel: "aurora-postgresql", GuestbookPageSize: 3, InstanceID: "i-0abc"})
	b := newBrowser(t, h)

	res := b.get(t, "/guestbook")
	if res.status != 200 || res.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET /guestbook = %d %q", res.status, res.header.Get("Content-Type"))
	}
	for _, want := range []string{"<title>Guestbook", "stored in <code>aurora-postgresql</code>", "served by <code>i-0abc</code>", "No entries yet.", `href="/static/style.css"`} {
		if !strings.Contains(res.body, want) {
			t.Errorf("empty page lacks %q:\n%s", want, res.body)
		}
	}
	if cc := res.header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	if csp := res.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") {
		t.Errorf("CSP %q", csp)
	}

	// Markup in an entry is shown as text.
	b.post(t, `<script>alert("이름")</script>`, "<img src=x onerror=alert(1)> & '따옴표'\n둘째 줄")
	res = b.get(t, "/guestbook?posted=1")
	for _, want := range []string{
		"&lt;script&gt;alert(&#34;이름&#34;)&lt;/script&gt;",
		"&lt;img src=x onerror=alert(1)&gt; &amp; &#39;따옴표&#39;\n둘째 줄",
		"Thank you: your entry is saved.",
	} {
		if !strings.Contains(res.body, want) {
			t.Errorf("page lacks %q:\n%s", want, res.body)
		}
	}
	if strings.Contains(res.body, "<script>") || strings.Contains(res.body, "<img") {
		t.Errorf("page carries unescaped markup:\n%s", res.body)
	}

	// Pages of three, newest first, linked by cursors.
	for i := 2; i <= 7; i++ {
		b.post(t, "손님", "글 "+string(rune('0'+i)))
	}
	order := regexp.MustCompile(`글 (\d)|둘째 줄`)
	var seen []string
	path := "/guestbook"
	for range 5 {
		res := b.get(t, path)
		if res.status != 200 {
			t.Fatalf("GET %s = %d", path, res.status)
		}
		for _, m := range order.FindAllStringSubmatch(res.body, -1) {
			seen = append(seen, m[0])
		}
		m := regexp.MustCompile(`href="(/guestbook\?before=\d+)" rel="next"`).FindStringSubmatch(res.body)
		if m == nil {
			break
		}
		path = m[1]
	}
	if got := strings.Join(seen, ","); got != "글 7,글 6,글 5,글 4,글 3,글 2,둘째 줄" {
		t.Errorf("entries across pages: %s", got)
	}
	if res := b.get(t, "/guestbook?before=abc"); res.status != 400 || !strings.Contains(res.body, "does not exist") {
		t.Errorf("bad cursor = %d", res.status)
	}
}

func TestGuestbookPostRejections(t *testing.T) {
	g := newMariaGuestbook(t)
	h := newMemoryHandler(t, Options{Guestbook: g, MaxBodyBytes: 16 << 10})
	b := newBrowser(t, h)
	token := b.csrf(t)
	form := func(name, message string) url.Values {
		return url.Values{"csrf": {token}, "key": {newPostKey()}, "name": {name}, "message": {message}}
	}
	tests := []struct {
		name   string
		form   url.Values
		header http.Header
		status int
		want   string
	}{
		{"blank name", form("  ", "m"), nil, 400, "Name must not be empty."},
		{"invisible message", form("n", "\u200b\u3164"), nil, 400, "Message must contain a visible character"},
		{"long message", form("n", strings.Repeat("가", MaxMessageLen+1)), nil, 400, "Message must be at most 1000 characters, got 1001."},
		{"control character", form("n", "a\x07b"), nil, 400, "must not contain control characters"},
		{"invalid UTF-8", url.Values{"csrf": {token}, "key": {newPostKey()}, "name": {"n\xff"}, "message": {"m"}}, nil, 400, "Name must be valid UTF-8."},
		{"input echoed escaped", form("<b>굵게</b>", ""), nil, 400, `value="&lt;b&gt;굵게&lt;/b&gt;"`},
		{"no CSRF field", url.Values{"key": {newPostKey()}, "name": {"n"}, "message": {"m"}}, nil, 403, "This form has expired."},
		{"wrong CSRF field", url.Values{"csrf": {strings.Repeat("0", 64)}, "key": {newPostKey()}, "name": {"n"}, "message": {"m"}}, nil, 403, "This form has expired."},
		{"cross-site", form("n", "m"), http.Header{"Sec-Fetch-Site": {"cross-site"}}, 403, ""},
		{"cross-origin Origin", form("n", "m"), http.Header{"Origin": {"https://evil.example"}}, 403, ""},
		{"no post key", url.Values{"csrf": {token}, "name": {"n"}, "message": {"m"}}, nil, 400, "This form is incomplete."},
		{"too large", form("n", strings.Repeat("가", 3000)), nil, 413, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.send(t, tt.form, tt.header)
			if res.status != tt.status || !strings.Contains(res.body, tt.want) {
				t.Errorf("POST = %d, want %d with %q:\n%s", res.status, tt.status, tt.want, res.body)
			}
		})
	}
	p, err := g.List(withTimeout(t), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Entries) != 0 {
		t.Errorf("refused posts stored %d entries", len(p.Entries))
	}

	// A form posted from a browser without the CSRF cookie is refused,
	// and the answer's form carries a fresh token that works.
	fresh := newBrowser(t, h)
	res := fresh.send(t, url.Values{"csrf": {token}, "key": {newPostKey()}, "name": {"n"}, "message": {"m"}}, nil)
	if res.status != 403 {
		t.Fatalf("POST without the cookie = %d, want 403", res.status)
	}
	m := csrfRE.FindStringSubmatch(res.body)
	if m == nil || m[1] == token {
		t.Fatalf("403 page's CSRF token %v, want a fresh one", m)
	}
	res = fresh.send(t, url.Values{"csrf": {m[1]}, "key": {newPostKey()}, "name": {"n"}, "message": {"m"}}, nil)
	if res.status != 303 {
		t.Errorf("POST with the fresh token = %d, want 303", res.status)
	}
}

func TestGuestbookCSRFCookie(t *testing.T) {
	for _, insecure := range []bool{false, true} {
		h := newMemoryHandler(t, Options{InsecureCookie: insecure})
		res := do(t, h, "GET", "/guestbook", nil, nil)
		var c *http.Cookie
		for _, k := range res.Cookies() {
			if strings.HasSuffix(k.Name, "gureum_csrf") {
				c = k
			}
		}
		if c == nil {
			t.Fatal("GET /guestbook set no CSRF cookie")
		}
		wantName := "__Host-gureum_csrf"
		if insecure {
			wantName = "gureum_csrf"
		}
		if c.Name != wantName || c.Secure == insecure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" || !validSessionID(c.Value) {
			t.Errorf("insecure=%v: cookie %+v", insecure, c)
		}
		// A cookie the server did not make is replaced.
		res = do(t, h, "GET", "/guestbook", nil, http.Header{"Cookie": {wantName + "=attacker-chosen"}})
		if len(res.Cookies()) != 1 || res.Cookies()[0].Value == "attacker-chosen" {
			t.Errorf("malformed cookie kept: %v", res.Cookies())
		}
	}
}

// TestGuestbookRepeatedForm: the same form sent twice (a reload after a
// lost answer) stores one entry.
func TestGuestbookRepeatedForm(t *testing.T) {
	g := newPGGuestbook(t)
	b := newBrowser(t, newMemoryHandler(t, Options{Guestbook: g}))
	key := newPostKey()
	for range 2 {
		if res := b.postForm(t, "구름", "한 번만", key); res.status != 303 {
			t.Fatalf("POST = %d", res.status)
		}
	}
	p, err := g.List(withTimeout(t), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Entries) != 1 {
		t.Errorf("%d entries, want 1", len(p.Entries))
	}
}
