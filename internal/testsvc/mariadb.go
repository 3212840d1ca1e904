package testsvc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

// MariaDB is a running MariaDB server (Debian package mariadb-server), the
// MySQL-compatible server the tests use for Aurora MySQL, with its data in a
// fresh temporary directory and listening on a free loopback port. User (with
// Password, from 127.0.0.1) has every privilege; durability settings are
// relaxed, so it is for tests only.
type MariaDB struct {
	Host     string // "127.0.0.1"
	Port     int
	User     string
	Password string
	dir      string
	proc     *process
	log      *lockedBuffer
}

func mariadbBin(names ...string) (string, error) {
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
		for _, d := range []string{"/usr/sbin", "/usr/bin"} {
			if p := filepath.Join(d, n); fileExists(p) {
				return p, nil
			}
		}
	}
	return "", fmt.Errorf("testsvc: MariaDB's %s not found: install the Debian package mariadb-server (scripts/setup)", names[0])
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

// StartMariaDB creates a data directory with mariadb-install-db, starts
// mariadbd on a free loopback port with an init file that creates User, and
// waits until User can log in. When the process runs as root the server runs
// as "nobody".
func StartMariaDB() (*MariaDB, error) {
	install, err := mariadbBin("mariadb-install-db", "mysql_install_db")
	if err != nil {
		return nil, err
	}
	server, err := mariadbBin("mariadbd", "mysqld")
	if err != nil {
		return nil, err
	}
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	dir, err := acct.mkdir("gureum-mariadb-")
	if err != nil {
		return nil, err
	}
	m := &MariaDB{Host: "127.0.0.1", User: "gureum", Password: randomHex(16), dir: dir, log: &lockedBuffer{}}
	data := filepath.Join(dir, "data")
	cmd := acct.command(m.log, install, "--no-defaults", "--datadir="+data,
		"--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve")
	if err := cmd.Run(); err != nil {
		m.Stop()
		return nil, fmt.Errorf("testsvc: mariadb-install-db: %w\n%s", err, m.log.String())
	}
	initFile := filepath.Join(dir, "init.sql")
	if err := acct.writeFile(initFile, fmt.Sprintf(
		"CREATE USER IF NOT EXISTS '%[1]s'@'127.0.0.1' IDENTIFIED BY '%[2]s';\n"+
			"GRANT ALL PRIVILEGES ON *.* TO '%[1]s'@'127.0.0.1' WITH GRANT OPTION;\n", m.User, m.Password)); err != nil {
		m.Stop()
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		if m.Port, err = FreePort(); err != nil {
			m.Stop()
			return nil, err
		}
		cmd := acct.command(m.log, server, "--no-defaults",
			"--datadir="+data, "--bind-address=127.0.0.1", "--port="+strconv.Itoa(m.Port),
			"--socket="+filepath.Join(dir, "mysqld.sock"), "--pid-file="+filepath.Join(dir, "mysqld.pid"),
			"--skip-name-resolve", "--init-file="+initFile, "--skip-log-bin",
			"--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
			"--innodb-buffer-pool-size=64M", "--innodb-flush-log-at-trx-commit=0", "--innodb-doublewrite=0",
			"--max-connections=300", "--performance-schema=OFF")
		if m.proc, err = startProcess(cmd); err != nil {
			m.Stop()
			return nil, fmt.Errorf("testsvc: start mariadbd: %w", err)
		}
		if err := m.ready(60 * time.Second); err != nil {
			m.proc.stop(syscall.SIGTERM)
			lastErr = fmt.Errorf("testsvc: mariadbd on port %d: %w\n%s", m.Port, err, m.log.String())
			continue
		}
		return m, nil
	}
	m.Stop()
	return nil, lastErr
}

// Config returns a driver configuration for database ("" for none) that
// logs in as User over TCP.
func (m *MariaDB) Config(database string) *mysql.Config {
	c := mysql.NewConfig()
	c.User, c.Passwd = m.User, m.Password
	c.Net, c.Addr = "tcp", m.Addr()
	c.DBName = database
	c.Timeout = 2 * time.Second
	return c
}

// Addr is host:port.
func (m *MariaDB) Addr() string { return m.Host + ":" + strconv.Itoa(m.Port) }

func (m *MariaDB) ready(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if err := m.proc.alive(); err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := m.exec(ctx, "SELECT 1")
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

func (m *MariaDB) exec(ctx context.Context, query string) error {
	conn, err := mysql.NewConnector(m.Config(""))
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	_, err = db.ExecContext(ctx, query)
	return err
}

// CreateDatabase creates an empty utf8mb4 database with a fresh name and
// returns the name, so each test can have its own.
func (m *MariaDB) CreateDatabase(ctx context.Context) (string, error) {
	name := "t_" + randomHex(8)
	if err := m.exec(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"); err != nil {
		return "", fmt.Errorf("testsvc: create database: %w", err)
	}
	return name, nil
}

// Log returns what the server has written so far.
func (m *MariaDB) Log() string { return m.log.String() }

// Stop shuts the server down and removes its directory. It is safe to call
// more than once.
func (m *MariaDB) Stop() {
	if m == nil {
		return
	}
	if m.proc != nil {
		m.proc.stop(syscall.SIGTERM)
	}
	if m.dir != "" && strings.HasPrefix(filepath.Base(m.dir), "gureum-mariadb-") {
		if err := os.RemoveAll(m.dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			fmt.Fprintln(os.Stderr, "testsvc:", err)
		}
	}
}
