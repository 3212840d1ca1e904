package webapp

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// stallProxy forwards TCP connections to a server. While stalled it still
// forwards requests but holds back the server's replies, as when Redis (or
// the network) stalls after executing a command: the client times out on a
// write that was applied.
type stallProxy struct {
	Addr   string
	ln     net.Listener
	target string

	mu      sync.Mutex
	resumed chan struct{} // nil while replies flow; closed to resume them
	conns   []net.Conn
	wg      sync.WaitGroup
}

func startStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{Addr: ln.Addr().String(), ln: ln, target: target}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *stallProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { // requests always flow
			defer p.wg.Done()
			io.Copy(s, c)
			s.Close()
		}()
		go func() { // replies wait while stalled
			defer p.wg.Done()
			defer c.Close()
			buf := make([]byte, 32<<10)
			for {
				n, err := s.Read(buf)
				if n > 0 {
					p.wait()
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

func (p *stallProxy) wait() {
	p.mu.Lock()
	ch := p.resumed
	p.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

// Stall holds back replies until Resume.
func (p *stallProxy) Stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resumed == nil {
		p.resumed = make(chan struct{})
	}
}

// Resume lets the held replies go (to connections their clients have
// usually given up on) and new ones flow.
func (p *stallProxy) Resume() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resumed != nil {
		close(p.resumed)
		p.resumed = nil
	}
}

func (p *stallProxy) close() {
	p.Resume()
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func postCounter(t *testing.T, c *http.Client, url, key string) (int, string, counterResponse) {
	t.Helper()
	req, err := http.NewRequest("POST", url+"/counter", nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set(IdempotencyKeyHeader, key)
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return res.StatusCode, readBody(t, res), counterResponse{}
	}
	return res.StatusCode, "", decodeCounter(t, res)
}

// TestStalledIncrementIsCountedOnce: Redis executes an increment but its
// reply stalls, so the app answers 503. The answer must say the increment
// may have been applied, and repeating the request with the same
// Idempotency-Key must not count it again; go-redis's own resend of the
// command during the stall must not count twice either.
func TestStalledIncrementIsCountedOnce(t *testing.T) {
	proxy := startStallProxy(t, rds.Addr)
	store, err := NewRedisStore(NewRedisClient(Config{RedisAddr: proxy.Addr}), testTTL)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h, err := NewHandler(Options{Store: store, SessionTTL: testTTL, Logger: discardLogger(), StoreTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(h)
	defer srv.Close()
	in := &instances{a: srv}
	client := in.newClient(t)
	direct := rds.Client()
	defer direct.Close()
	stored := func(id string) int64 {
		n, err := direct.Get(withTimeout(t), RedisKeyPrefix+id).Int64()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// Two POSTs: the first creates the session, the second increments it
	// (and loads the increment script, so that a stalled request's EVALSHA
	// runs instead of failing with NOSCRIPT).
	for i, key := range []string{"k-a", "k-b"} {
		if code, _, got := postCounter(t, client, srv.URL, key); code != 200 || got.Count != int64(i+1) {
			t.Fatalf("POST %d = %d %+v, want 200 count %d", i+1, code, got, i+1)
		}
	}
	id := sessionCookieOfJar(t, client, srv.URL)

	steps := []struct {
		key       string
		stall     bool
		wantCode  int
		wantCount int64 // in the response (200) or in Redis (503)
		wantBody  string
	}{
		{"k-1", true, 503, 3, "repeat the request with the same Idempotency-Key to apply it once"},
		{"k-1", false, 200, 3, ""}, // the retry finds k-1 applied
		{"k-1", false, 200, 3, ""}, // and again
		{"", true, 503, 4, "send an Idempotency-Key header"},
		{"k-2", false, 200, 5, ""},
		{`"k-3"`, false, 200, 6, ""}, // a structured-field string
		{"k-3", false, 200, 6, ""},   // is the same key
	}
	for i, s := range steps {
		if s.stall {
			proxy.Stall()
		}
		start := time.Now()
		code, body, got := postCounter(t, client, srv.URL, s.key)
		took := time.Since(start)
		proxy.Resume()
		if code != s.wantCode {
			t.Fatalf("step %d (key %q, stalled %v): status %d %s, want %d", i, s.key, s.stall, code, body, s.wantCode)
		}
		switch code {
		case 200:
			if got.Count != s.wantCount {
				t.Errorf("step %d (key %q): count %d, want %d", i, s.key, got.Count, s.wantCount)
			}
		case 503:
			if !strings.Contains(body, s.wantBody) || !strings.Contains(body, "may or may not have been applied") {
				t.Errorf("step %d: 503 body %q does not say the increment may have been applied and %q", i, body, s.wantBody)
			}
			if took > 4*time.Second {
				t.Errorf("step %d: the 503 took %s", i, took)
			}
			// The stalled write was applied once, despite go-redis resending it.
			if n := stored(id); n != s.wantCount {
				t.Errorf("step %d: Redis holds %d after the stalled increment, want %d", i, n, s.wantCount)
			}
		}
	}
	if got, _ := call(t, client, "GET", srv.URL); got.Count != 6 {
		t.Errorf("GET /counter = %d, want 6", got.Count)
	}
}

func sessionCookieOfJar(t *testing.T, c *http.Client, rawURL string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", rawURL, nil)
	for _, ck := range c.Jar.Cookies(req.URL) {
		if ck.Name == SessionCookie {
			return ck.Value
		}
	}
	t.Fatal("no session cookie in the jar")
	return ""
}

// TestIdempotencyKeyValidation: a malformed key is refused before any write.
func TestIdempotencyKeyValidation(t *testing.T) {
	h := newMemoryHandler(t, Options{})
	for _, key := range []string{`""`, strings.Repeat("a", 129), "a b", "é", "a\"b"} {
		res := do(t, h, "POST", "/counter", nil, http.Header{IdempotencyKeyHeader: {key}})
		if body := readBody(t, res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, IdempotencyKeyHeader) {
			t.Errorf("key %q: %d %s, want 400 naming %s", key, res.StatusCode, body, IdempotencyKeyHeader)
		}
		if sessionCookieOf(res) != nil {
			t.Errorf("key %q: a session was created", key)
		}
	}
}

// allStores are every store, the in-process one included.
func allStores() []struct {
	name string
	open func(t *testing.T) Store
} {
	return append([]struct {
		name string
		open func(t *testing.T) Store
	}{{"memory", func(t *testing.T) Store { s := NewMemoryStore(testTTL); t.Cleanup(func() { s.Close() }); return s }}}, sharedStores...)
}

// TestStoreIncrementIsIdempotent checks the Store contract on every store:
// a repeated request id adds nothing, an unknown session is not created.
func TestStoreIncrementIsIdempotent(t *testing.T) {
	for _, st := range allStores() {
		t.Run(st.name, func(t *testing.T) {
			s := st.open(t)
			ctx := withTimeout(t)
			id := newSessionID()
			if n, ok, err := s.Increment(ctx, id, "r0"); err != nil || ok || n != 0 {
				t.Fatalf("Increment of an unknown session = %d, %v, %v; want no session", n, ok, err)
			}
			if n, err := s.Count(ctx, id); err != nil || n != 0 {
				t.Fatalf("Increment created the unknown session: Count = %d, %v", n, err)
			}
			if n, err := s.Create(ctx, id, "r1", time.Minute); err != nil || n != 1 {
				t.Fatalf("Create = %d, %v", n, err)
			}
			if _, err := s.Create(ctx, id, "r9", time.Minute); err == nil {
				t.Error("Create of a live session id succeeded")
			}
			for _, step := range []struct {
				rid  string
				want int64
			}{{"r1", 1}, {"r2", 2}, {"r2", 2}, {"r3", 3}, {"r3", 3}, {"r2", 4}} {
				if n, ok, err := s.Increment(ctx, id, step.rid); err != nil || !ok || n != step.want {
					t.Fatalf("Increment(%s) = %d, %v, %v; want %d", step.rid, n, ok, err, step.want)
				}
			}
		})
	}
}

// TestClientChosenSessionIDIsNotAdopted: a cookie holding a well-formed id
// the server never issued (session fixation: an attacker plants an id, then
// reads the session the victim builds under it) gets a fresh server id, and
// nothing is stored under the planted one. A GET with it reads 0 and drops
// the cookie.
func TestClientChosenSessionIDIsNotAdopted(t *testing.T) {
	planted := strings.Repeat("5eed", 16)
	for _, st := range allStores() {
		t.Run(st.name, func(t *testing.T) {
			store := st.open(t)
			h := newMemoryHandler(t, Options{Store: store})
			cookie := http.Header{"Cookie": {SessionCookie + "=" + planted}}
			res := do(t, h, "POST", "/counter", nil, cookie)
			if got := decodeCounter(t, res); got.Count != 1 {
				t.Errorf("POST with a planted id = %d, want 1", got.Count)
			}
			c := sessionCookieOf(res)
			if c == nil || c.Value == planted || !validSessionID(c.Value) {
				t.Fatalf("Set-Cookie %q, want a fresh server id", res.Header.Get("Set-Cookie"))
			}
			if n, err := store.Count(withTimeout(t), planted); err != nil || n != 0 {
				t.Errorf("the planted id holds a session (count %d, %v)", n, err)
			}
			if n, err := store.Count(withTimeout(t), c.Value); err != nil || n != 1 {
				t.Errorf("the issued id's count = %d, %v; want 1", n, err)
			}
			res = do(t, h, "GET", "/counter", nil, cookie)
			if got := decodeCounter(t, res); got.Count != 0 {
				t.Errorf("GET with the planted id = %d, want 0", got.Count)
			}
			if d := sessionCookieOf(res); d == nil || d.MaxAge >= 0 {
				t.Errorf("GET with the planted id: Set-Cookie %q, want the cookie deleted", res.Header.Get("Set-Cookie"))
			}
		})
	}
}
