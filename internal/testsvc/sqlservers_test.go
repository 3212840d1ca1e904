package testsvc

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
)

func TestPostgres(t *testing.T) {
	p, err := StartPostgres()
	if err != nil {
		t.Fatal(err)
	}
	defer p.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := p.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c, err := pgx.Connect(ctx, p.URL(db))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var version, enc, current string
	if err := c.QueryRow(ctx, "SELECT version(), current_setting('server_encoding'), current_database()").Scan(&version, &enc, &current); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(version, "PostgreSQL ") || enc != "UTF8" || current != db {
		t.Errorf("version %q, encoding %q, database %q; want PostgreSQL, UTF8, %q", version, enc, current, db)
	}
	// A wrong password is refused: the server authenticates.
	bad := strings.Replace(p.URL(db), p.Password, "wrong", 1)
	if c2, err := pgx.Connect(ctx, bad); err == nil {
		c2.Close(ctx)
		t.Error("login with a wrong password succeeded")
	}
	p.Stop()
	if c2, err := pgx.Connect(ctx, p.URL(db)); err == nil {
		c2.Close(ctx)
		t.Error("login after Stop succeeded")
	}
}

func TestMariaDB(t *testing.T) {
	m, err := StartMariaDB()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name, err := m.CreateDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := mysql.NewConnector(m.Config(name))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	var version, current, charset string
	if err := db.QueryRowContext(ctx, "SELECT VERSION(), DATABASE(), @@character_set_database").Scan(&version, &current, &charset); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(version, "MariaDB") || current != name || charset != "utf8mb4" {
		t.Errorf("version %q, database %q, charset %q; want MariaDB, %q, utf8mb4", version, current, charset, name)
	}
	cfg := m.Config(name)
	cfg.Passwd = "wrong"
	badConn, _ := mysql.NewConnector(cfg)
	bad := sql.OpenDB(badConn)
	defer bad.Close()
	if err := bad.PingContext(ctx); err == nil {
		t.Error("login with a wrong password succeeded")
	}
}
