package webapp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gureum-cdk/gureum/internal/testsvc"
)

// TestRunTwoServersShareTheGuestbook starts two servers with Run, as two
// instances of the Auto Scaling group, on a MySQL database that does not
// exist yet: both migrate at once on start, and an entry signed through one
// is read through the other.
func TestRunTwoServersShareTheGuestbook(t *testing.T) {
	env := mariaEnv("t_run_" + newPostKey()[:12])
	env["COOKIE_SECURE"] = "false"
	type server struct {
		base string
		logs *lockedBuffer
		done chan error
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var servers []server
	for i := range 2 {
		port, err := testsvc.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		e := map[string]string{"LISTEN_ADDR": "127.0.0.1:" + strconv.Itoa(port), "INSTANCE_ID": "i-" + strconv.Itoa(i)}
		for k, v := range env {
			e[k] = v
		}
		cfg, err := LoadConfig(envOf(e))
		if err != nil {
			t.Fatal(err)
		}
		s := server{base: "http://" + cfg.ListenAddr, logs: &lockedBuffer{}, done: make(chan error, 1)}
		go func() { s.done <- Run(ctx, cfg, slog.New(slog.NewJSONHandler(s.logs, nil))) }()
		servers = append(servers, s)
	}

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(base, path string) (int, string) {
		res, err := c.Get(base + path)
		if err != nil {
			return 0, err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	// Each server answers 503 until its migration is done.
	var page string
	for _, s := range servers {
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, body := get(s.base, "/guestbook")
			if code == 200 {
				page = body
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s/guestbook = %d after 30s:\n%s\n%s", s.base, code, body, s.logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		// The guestbook is ready as Migrate returns; migrateUntilDone logs
		// just after, so the line may trail the first 200 by a moment.
		logged := time.Now().Add(5 * time.Second)
		for !strings.Contains(s.logs.String(), "database schema is up to date") && time.Now().Before(logged) {
			time.Sleep(20 * time.Millisecond)
		}
		if !strings.Contains(s.logs.String(), "database schema is up to date") {
			t.Errorf("%s: no migration logged within 5s of the first 200:\n%s", s.base, s.logs.String())
		}
	}
	if !strings.Contains(page, "stored in <code>aurora-mysql</code>") {
		t.Errorf("page does not name the engine:\n%s", page)
	}
	m := csrfRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF field")
	}
	res, err := c.PostForm(servers[1].base+"/guestbook", url.Values{"csrf": {m[1]}, "key": {newPostKey()}, "name": {"두 서버"}, "message": {"한 데이터베이스"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST through server 1 = %d", res.StatusCode)
	}
	if code, body := get(servers[0].base, "/guestbook"); code != 200 || !strings.Contains(body, "한 데이터베이스") || !strings.Contains(body, "served by <code>i-0</code>") {
		t.Errorf("server 0 does not show the entry signed through server 1: %d\n%s", code, body)
	}

	cancel()
	for _, s := range servers {
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
	}
}
