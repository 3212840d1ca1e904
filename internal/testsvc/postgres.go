package testsvc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres is a running PostgreSQL server (Debian package postgresql) with
// its data in a fresh temporary directory, listening on a free loopback
// port, without a Unix socket. Its superuser is User with Password
// (SCRAM-SHA-256); fsync is off, so it is for tests only.
type Postgres struct {
	Host     string // "127.0.0.1"
	Port     int
	User     string
	Password string
	dir      string
	proc     *process
	log      *lockedBuffer
}

// postgresBin finds a PostgreSQL server program: on PATH, else in the
// newest /usr/lib/postgresql/<major>/bin (Debian keeps them off PATH).
func postgresBin(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		a, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		b, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return a > b
	})
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("testsvc: PostgreSQL's %s not found: install the Debian package postgresql (scripts/setup)", name)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// StartPostgres initialises a cluster with initdb in a temporary directory,
// starts postgres on a free loopback port and waits until it accepts a
// login. When the process runs as root the server runs as "nobody", since
// PostgreSQL refuses to run as root.
func StartPostgres() (*Postgres, error) {
	initdb, err := postgresBin("initdb")
	if err != nil {
		return nil, err
	}
	server, err := postgresBin("postgres")
	if err != nil {
		return nil, err
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	dir, err := acct.mkdir("gureum-postgres-")
	if err != nil {
		return nil, err
	}
	p := &Postgres{Host: "127.0.0.1", User: "gureum", Password: randomHex(16), dir: dir, log: &lockedBuffer{}}
	pwfile := filepath.Join(dir, "pwfile")
	if err := acct.writeFile(pwfile, p.Password+"\n"); err != nil {
		p.Stop()
		return nil, err
	}
	data := filepath.Join(dir, "data")
	cmd := acct.command(p.log, initdb, "-D", data, "-U", p.User, "--pwfile", pwfile,
		"--auth=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync", "--no-instructions")
	if err := cmd.Run(); err != nil {
		p.Stop()
		return nil, fmt.Errorf("testsvc: initdb: %w\n%s", err, p.log.String())
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if p.Port, err = FreePort(); err != nil {
			p.Stop()
			return nil, err
		}
		cmd := acct.command(p.log, server, "-D", data, "-p", strconv.Itoa(p.Port),
			"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
			"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
			"-c", "max_connections=300", "-c", "shared_buffers=32MB")
		if p.proc, err = startProcess(cmd); err != nil {
			p.Stop()
			return nil, fmt.Errorf("testsvc: start postgres: %w", err)
		}
		if err := p.ready(30 * time.Second); err != nil {
			p.proc.stop(syscall.SIGQUIT)
			lastErr = fmt.Errorf("testsvc: postgres on port %d: %w\n%s", p.Port, err, p.log.String())
			continue
		}
		return p, nil
	}
	p.Stop()
	return nil, lastErr
}

func (p *Postgres) ready(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if err := p.proc.alive(); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := p.exec(ctx, "postgres", "SELECT 1")
		cancel()
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no login within %s: %w", timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// URL returns a connection URL for database (sslmode=disable: the test
// server has no certificate).
func (p *Postgres) URL(database string) string {
	return fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", p.User, p.Password, p.Host, p.Port, database)
}

// Addr is host:port.
func (p *Postgres) Addr() string { return p.Host + ":" + strconv.Itoa(p.Port) }

func (p *Postgres) exec(ctx context.Context, database, sql string) error {
	c, err := pgx.Connect(ctx, p.URL(database))
	if err != nil {
		return err
	}
	defer c.Close(context.Background())
	_, err = c.Exec(ctx, sql)
	return err
}

// CreateDatabase creates an empty database with a fresh name and returns
// the name, so each test can have its own.
func (p *Postgres) CreateDatabase(ctx context.Context) (string, error) {
	name := "t_" + randomHex(8)
	if err := p.exec(ctx, "postgres", "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("testsvc: create database: %w", err)
	}
	return name, nil
}

// Log returns what the server has written so far.
func (p *Postgres) Log() string { return p.log.String() }

// Stop shuts the server down (immediate shutdown) and removes its
// directory. It is safe to call more than once.
func (p *Postgres) Stop() {
	if p == nil {
		return
	}
	if p.proc != nil {
		p.proc.stop(syscall.SIGQUIT)
	}
	if p.dir != "" && strings.HasPrefix(filepath.Base(p.dir), "gureum-postgres-") {
		if err := os.RemoveAll(p.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(os.Stderr, "testsvc:", err)
		}
	}
}
