package webapp

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestMigrateRace starts the migration from several instances (each its
// own pool) at once on a fresh database, as an Auto Scaling group does.
// Without the lock, PostgreSQL's concurrent CREATE TABLE IF NOT EXISTS
// fails with a unique violation on pg_type, and versions are recorded twice.
func TestMigrateRace(t *testing.T) {
	for _, engine := range []string{"postgresql", "mariadb"} {
		t.Run(engine, func(t *testing.T) {
			var env map[string]string
			if engine == "postgresql" {
				name, err := pg.CreateDatabase(withTimeout(t))
				if err != nil {
					t.Fatal(err)
				}
				env = pgEnv(name)
			} else {
				// No database yet: the migration creates it.
				env = mariaEnv("t_new_" + newPostKey()[:12])
			}
			const instances = 8
			gbs := make([]*SQLGuestbook, instances)
			for i := range gbs {
				gbs[i] = openSQLFor(t, env)
			}
			start := make(chan struct{})
			errs := make([]error, instances)
			var wg sync.WaitGroup
			for i, g := range gbs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[i] = g.Migrate(withTimeout(t))
				}()
			}
			close(start)
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("instance %d: %v", i, err)
				}
			}
			db := gbs[0].DB()
			var versions, count int
			if err := db.QueryRowContext(withTimeout(t), "SELECT COUNT(*), COALESCE(MAX(version), 0) FROM "+SchemaTable).Scan(&count, &versions); err != nil {
				t.Fatal(err)
			}
			if want := len(gbs[0].d.migrations); count != want || versions != want {
				t.Errorf("%s holds %d rows up to version %d, want %d rows up to %d", SchemaTable, count, versions, want, want)
			}
			// Migrating again changes nothing, and the table works.
			if err := gbs[1].Migrate(withTimeout(t)); err != nil {
				t.Fatal(err)
			}
			mustPost(t, gbs[2], newPostKey(), "마이그레이션", "끝")
		})
	}
}

// TestMySQLTableIsUTF8MB4 checks what the migration created on MySQL: a
// utf8mb4 table, so 4-byte characters are stored, not refused or mangled.
func TestMySQLTableIsUTF8MB4(t *testing.T) {
	g := newMariaGuestbook(t)
	var collation string
	err := g.DB().QueryRowContext(withTimeout(t),
		"SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", GuestbookTable).Scan(&collation)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(collation, "utf8mb4_") {
		t.Errorf("table collation %q, want utf8mb4", collation)
	}
}

// TestWriteForwardingConsistency checks that DB_WRITE_FORWARDING reaches
// every connection: Aurora PostgreSQL's apg_write_forward.consistency_mode
// (stock PostgreSQL accepts any dotted name as a custom setting, so SHOW
// reads it back) and Aurora MySQL's aurora_replica_read_consistency (which
// MariaDB does not have: its refusal names the variable the driver set).
func TestWriteForwardingConsistency(t *testing.T) {
	t.Run("postgresql", func(t *testing.T) {
		env := pgEnv("postgres")
		env["DB_WRITE_FORWARDING"] = "session"
		cfg := dbConfig(t, env)
		if cfg.Migrate {
			t.Error("DB_MIGRATE defaults to true with write forwarding; DDL is not forwarded")
		}
		g := openSQLFor(t, env)
		var mode string
		if err := g.DB().QueryRowContext(withTimeout(t), "SHOW apg_write_forward.consistency_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		if mode != "SESSION" {
			t.Errorf("apg_write_forward.consistency_mode = %q, want SESSION", mode)
		}
		plain := openSQLFor(t, pgEnv("postgres"))
		err := plain.DB().QueryRowContext(withTimeout(t), "SHOW apg_write_forward.consistency_mode").Scan(&mode)
		if err == nil {
			t.Errorf("without DB_WRITE_FORWARDING the setting exists (%q)", mode)
		}
	})
	t.Run("mysql", func(t *testing.T) {
		env := mariaEnv("mysql")
		env["DB_WRITE_FORWARDING"] = "global"
		g := openSQLFor(t, env)
		err := g.Ping(withTimeout(t))
		if err == nil || !strings.Contains(err.Error(), "aurora_replica_read_consistency") {
			t.Errorf("Ping on MariaDB = %v, want its refusal of aurora_replica_read_consistency", err)
		}
		if err := openSQLFor(t, mariaEnv("mysql")).Ping(withTimeout(t)); err != nil {
			t.Errorf("without DB_WRITE_FORWARDING: %v", err)
		}
	})
}

// startDBProxy puts a TCP proxy in front of addr, so a test can cut the
// database off and bring it back.
func startDBProxy(t *testing.T, addr string) *stallProxy {
	return startStallProxy(t, addr)
}

// TestGuestbookDatabaseDown: with the database cut off, the guestbook's
// page and form answer a clean 503 (not 500) within the store timeout; the
// health check stays 200 within the grace period and turns 503 after it;
// when the database is back, everything recovers.
func TestGuestbookDatabaseDown(t *testing.T) {
	for _, engine := range []string{"postgresql", "mariadb"} {
		t.Run(engine, func(t *testing.T) {
			var env map[string]string
			var target string
			if engine == "postgresql" {
				name, err := pg.CreateDatabase(withTimeout(t))
				if err != nil {
					t.Fatal(err)
				}
				env, target = pgEnv(name), pg.Addr()
			} else {
				name, err := maria.CreateDatabase(withTimeout(t))
				if err != nil {
					t.Fatal(err)
				}
				env, target = mariaEnv(name), maria.Addr()
			}
			proxy := startDBProxy(t, target)
			host, port, _ := strings.Cut(proxy.Addr, ":")
			env["DB_HOST"], env["DB_PORT"] = host, port
			env["DB_CONNECT_TIMEOUT"] = "1s"
			g := openSQLFor(t, env)
			if err := g.Migrate(withTimeout(t)); err != nil {
				t.Fatal(err)
			}
			h := newMemoryHandler(t, Options{Guestbook: g, StoreTimeout: 2 * time.Second, HealthCacheFor: time.Nanosecond, DBHealthGrace: time.Minute})
			clock := &fakeClock{t: time.Now()}
			h.dbHealth.now = clock.Now
			c := newBrowser(t, h)

			c.post(t, "구름", "데이터베이스가 살아 있을 때")
			if res := c.get(t, "/guestbook"); res.status != 200 || !strings.Contains(res.body, "데이터베이스가 살아 있을 때") {
				t.Fatalf("GET /guestbook with the database up = %d:\n%s", res.status, res.body)
			}

			proxy.close() // the database is gone: connections reset, new ones refused
			start := time.Now()
			res := c.get(t, "/guestbook")
			if res.status != 503 || !strings.Contains(res.body, "is not answering") || res.header.Get("Retry-After") == "" {
				t.Errorf("GET /guestbook with the database down = %d (Retry-After %q):\n%s", res.status, res.header.Get("Retry-After"), res.body)
			}
			res = c.postForm(t, "구름", "다운 중에", newPostKey())
			if res.status != 503 || !strings.Contains(res.body, "may or may not have been saved") || !strings.Contains(res.body, "다운 중에") {
				t.Errorf("POST /guestbook with the database down = %d:\n%s", res.status, res.body)
			}
			if took := time.Since(start); took > 10*time.Second {
				t.Errorf("answers with the database down took %s", took)
			}

			health := func() (int, string) {
				res := c.get(t, "/healthz")
				return res.status, res.body
			}
			if code, body := health(); code != 200 || !strings.Contains(body, "database unreachable for 0s") {
				t.Errorf("/healthz at the start of the outage = %d %q, want 200 (within the grace period)", code, body)
			}
			clock.Advance(59 * time.Second)
			if code, _ := health(); code != 200 {
				t.Errorf("/healthz 59s into the outage = %d, want 200", code)
			}
			clock.Advance(2 * time.Second)
			if code, body := health(); code != 503 || body != "database unreachable for 1m1s\n" {
				t.Errorf("/healthz 61s into the outage = %d %q, want 503", code, body)
			}
			if code, body := health(); strings.Contains(body, target) || strings.Contains(body, proxy.Addr) || code != 503 {
				t.Errorf("/healthz body %q names the database or recovered", body)
			}

			// The database comes back at the same address.
			back := startStallProxyAt(t, proxy.Addr, target)
			defer back.close()
			clock.Advance(time.Second) // past the cached answer
			if code, body := health(); code != 200 || body != "ok\n" {
				t.Errorf("/healthz after recovery = %d %q, want 200 ok", code, body)
			}
			if res := c.get(t, "/guestbook"); res.status != 200 || !strings.Contains(res.body, "데이터베이스가 살아 있을 때") {
				t.Errorf("GET /guestbook after recovery = %d", res.status)
			}
		})
	}
}

// TestHealthGraceOff: DB_HEALTH_GRACE=off keeps /healthz at 200 however
// long the database fails; the session store still fails it.
func TestHealthGraceOff(t *testing.T) {
	env := pgEnv("postgres")
	env["DB_HEALTH_GRACE"] = "off"
	env["DB_PORT"] = strconv.Itoa(closedPort(t))
	env["DB_CONNECT_TIMEOUT"] = "1s"
	cfg := dbConfig(t, env)
	g := openSQLFor(t, env)
	h := newMemoryHandler(t, Options{Guestbook: g, HealthCacheFor: time.Nanosecond, DBHealthGrace: cfg.HealthGrace})
	clock := &fakeClock{t: time.Now()}
	h.dbHealth.now = clock.Now
	c := newBrowser(t, h)
	for range 3 {
		if res := c.get(t, "/healthz"); res.status != 200 || !strings.HasPrefix(res.body, "ok\ndatabase unreachable") {
			t.Errorf("/healthz = %d %q, want 200 reporting the database", res.status, res.body)
		}
		clock.Advance(time.Hour)
	}
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	p := startStallProxy(t, "127.0.0.1:1")
	_, port, _ := strings.Cut(p.Addr, ":")
	p.close()
	n, _ := strconv.Atoi(port)
	return n
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// TestSQLPoolSettings checks the pool the construct's defaults give: small
// (RDS Proxy multiplexes), recycled so rotated passwords and failovers are
// picked up.
func TestSQLPoolSettings(t *testing.T) {
	g := newPGGuestbook(t)
	if _, err := g.List(withTimeout(t), "", 1); err != nil {
		t.Fatal(err)
	}
	if got := g.DB().Stats().MaxOpenConnections; got != DefaultDBMaxOpenConns {
		t.Errorf("MaxOpenConnections = %d, want %d", got, DefaultDBMaxOpenConns)
	}
	// Hold every connection: the next query waits, bounded by its context.
	var conns []*sql.Conn
	for range DefaultDBMaxOpenConns {
		c, err := g.DB().Conn(withTimeout(t))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := g.List(ctx, "", 1); err == nil {
		t.Error("a query past the pool's limit did not wait")
	}
	for _, c := range conns {
		c.Close()
	}
}
