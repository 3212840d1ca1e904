package webapp

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"time"

	"github.com/go-sql-driver/mysql"
)

// GuestbookTable is the table of guestbook entries; SchemaTable records the
// schema versions applied.
const (
	GuestbookTable = "guestbook_entries"
	SchemaTable    = "gureum_schema_migrations"
)

// migrateLockID is the PostgreSQL advisory lock key held while migrating
// ("gureum" and 1 in its bytes).
const migrateLockID int64 = 0x67757265756d0001

// migrateLockWait bounds the wait for another instance's migration (MySQL
// GET_LOCK's timeout; PostgreSQL waits under the caller's context).
const migrateLockWait = 60 * time.Second

// dialect holds one engine's SQL.
type dialect struct {
	engine     string
	migrations []string // schema version i+1 is migrations[i]; each is idempotent
	schemaDDL  string
	insert     string
	byKey      string
	byID       string
	list       string
}

var postgresDialect = dialect{
	engine: EnginePostgres,
	schemaDDL: `CREATE TABLE IF NOT EXISTS ` + SchemaTable + ` (
	version integer PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now())`,
	migrations: []string{
		`CREATE TABLE IF NOT EXISTS ` + GuestbookTable + ` (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name varchar(64) NOT NULL,
	message varchar(1000) NOT NULL,
	post_key char(32) NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT guestbook_entries_post_key UNIQUE (post_key))`,
	},
	insert: `INSERT INTO ` + GuestbookTable + ` (name, message, post_key) VALUES ($1, $2, $3)
	ON CONFLICT (post_key) DO NOTHING RETURNING id, name, message, created_at`,
	byKey: `SELECT id, name, message, created_at FROM ` + GuestbookTable + ` WHERE post_key = $1`,
	list:  `SELECT id, name, message, created_at FROM ` + GuestbookTable + ` WHERE id < $1 ORDER BY id DESC LIMIT $2`,
}

var mysqlDialect = dialect{
	engine: EngineMySQL,
	schemaDDL: `CREATE TABLE IF NOT EXISTS ` + SchemaTable + ` (
	version INT NOT NULL PRIMARY KEY,
	applied_at DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) ENGINE=InnoDB`,
	migrations: []string{
		`CREATE TABLE IF NOT EXISTS ` + GuestbookTable + ` (
	id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
	name VARCHAR(64) NOT NULL,
	message VARCHAR(1000) NOT NULL,
	post_key CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
	created_at DATETIME(6) NOT NULL,
	UNIQUE KEY guestbook_entries_post_key (post_key)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
	},
	// A repeated key makes LAST_INSERT_ID() the existing row's id.
	insert: `INSERT INTO ` + GuestbookTable + ` (name, message, post_key, created_at) VALUES (?, ?, ?, UTC_TIMESTAMP(6))
	ON DUPLICATE KEY UPDATE id = LAST_INSERT_ID(id)`,
	byID: `SELECT id, name, message, created_at FROM ` + GuestbookTable + ` WHERE id = ?`,
	list: `SELECT id, name, message, created_at FROM ` + GuestbookTable + ` WHERE id < ? ORDER BY id DESC LIMIT ?`,
}

// SQLGuestbook keeps entries in PostgreSQL (Aurora PostgreSQL) or MySQL
// (Aurora MySQL, MariaDB), one row per entry in GuestbookTable.
type SQLGuestbook struct {
	db    *sql.DB
	d     dialect
	cfg   DBConfig
	creds *credentials
}

// OpenSQLGuestbook returns the guestbook on cfg's PostgreSQL or MySQL
// database. It connects lazily: an unreachable database does not fail it.
// secrets reads DB_SECRET_ARN and token signs IAM tokens; either may be nil
// when cfg does not need it.
func OpenSQLGuestbook(cfg DBConfig, secrets SecretsAPI, token AuthTokenFunc) (*SQLGuestbook, error) {
	g := &SQLGuestbook{cfg: cfg, creds: &credentials{cfg: cfg, secrets: secrets, token: token, now: time.Now}}
	switch cfg.Engine {
	case EnginePostgres:
		g.d = postgresDialect
	case EngineMySQL:
		g.d = mysqlDialect
	default:
		return nil, fmt.Errorf("webapp: engine %q is not a SQL database", cfg.Engine)
	}
	db, err := openSQL(cfg, g.creds, false)
	if err != nil {
		return nil, err
	}
	g.db = db
	return g, nil
}

// DB returns the connection pool.
func (g *SQLGuestbook) DB() *sql.DB { return g.db }

// Migrate brings the schema to the newest version. Several instances may
// call it at once: each takes a lock first (pg_advisory_xact_lock around one
// transaction on PostgreSQL, whose DDL is transactional; GET_LOCK on MySQL,
// whose DDL commits at once, so every step is idempotent) and applies only
// the versions not yet recorded in SchemaTable. On MySQL a missing database
// (DB_NAME, default "gureum") is created first.
func (g *SQLGuestbook) Migrate(ctx context.Context) error {
	if g.d.engine == EngineMySQL {
		if err := g.db.PingContext(ctx); err != nil {
			var me *mysql.MySQLError
			if !errors.As(err, &me) || me.Number != 1049 { // ER_BAD_DB_ERROR
				return fmt.Errorf("webapp: migrate: %w", err)
			}
			if err := g.createMySQLDatabase(ctx); err != nil {
				return err
			}
		}
	}
	conn, err := g.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("webapp: migrate: %w", err)
	}
	// The lock pins an RDS Proxy connection to its database connection
	// until the client connection closes: close it rather than pool it.
	defer func() {
		_ = conn.Raw(func(any) error { return driver.ErrBadConn })
		_ = conn.Close()
	}()
	if g.d.engine == EnginePostgres {
		return g.migratePostgres(ctx, conn)
	}
	return g.migrateMySQL(ctx, conn)
}

func (g *SQLGuestbook) migratePostgres(ctx context.Context, conn *sql.Conn) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("webapp: migrate: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLockID); err != nil {
		return fmt.Errorf("webapp: migrate: lock: %w", err)
	}
	if err := g.applyMigrations(ctx, tx, "INSERT INTO "+SchemaTable+" (version) VALUES ($1)"); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("webapp: migrate: commit: %w", err)
	}
	return nil
}

func (g *SQLGuestbook) migrateMySQL(ctx context.Context, conn *sql.Conn) error {
	var dbName string
	if err := conn.QueryRowContext(ctx, `SELECT DATABASE()`).Scan(&dbName); err != nil {
		return fmt.Errorf("webapp: migrate: %w", err)
	}
	lock := "gureum.migrate." + dbName
	if len(lock) > 64 {
		lock = lock[:64]
	}
	var got sql.NullInt64
	if err := conn.QueryRowContext(ctx, `SELECT GET_LOCK(?, ?)`, lock, int(migrateLockWait/time.Second)).Scan(&got); err != nil {
		return fmt.Errorf("webapp: migrate: lock: %w", err)
	}
	if !got.Valid || got.Int64 != 1 {
		return fmt.Errorf("webapp: migrate: another instance held the lock %q for over %s", lock, migrateLockWait)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT RELEASE_LOCK(?)`, lock)
	return g.applyMigrations(ctx, conn, "INSERT INTO "+SchemaTable+" (version) VALUES (?)")
}

type execQuerier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (g *SQLGuestbook) applyMigrations(ctx context.Context, q execQuerier, record string) error {
	if _, err := q.ExecContext(ctx, g.d.schemaDDL); err != nil {
		return fmt.Errorf("webapp: migrate: create %s: %w", SchemaTable, err)
	}
	var current int
	if err := q.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM "+SchemaTable).Scan(&current); err != nil {
		return fmt.Errorf("webapp: migrate: read version: %w", err)
	}
	for v := current + 1; v <= len(g.d.migrations); v++ {
		if _, err := q.ExecContext(ctx, g.d.migrations[v-1]); err != nil {
			return fmt.Errorf("webapp: migrate to version %d: %w", v, err)
		}
		if _, err := q.ExecContext(ctx, record, v); err != nil {
			return fmt.Errorf("webapp: migrate: record version %d: %w", v, err)
		}
	}
	return nil
}

// dbNameRE is what createMySQLDatabase will put in a statement.
var dbNameRE = regexp.MustCompile(`^[A-Za-z0-9_]{1,64}$`)

func (g *SQLGuestbook) createMySQLDatabase(ctx context.Context) error {
	l, err := g.creds.login(ctx)
	if err != nil {
		return err
	}
	if !dbNameRE.MatchString(l.Database) {
		return fmt.Errorf("webapp: migrate: database name %q: only letters, digits and _ are created", l.Database)
	}
	db, err := openSQL(g.cfg, g.creds, true)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+l.Database+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci")
	if err != nil {
		return fmt.Errorf("webapp: migrate: create database %s: %w", l.Database, err)
	}
	return nil
}

func scanEntry(row interface{ Scan(...any) error }) (Entry, error) {
	var (
		id int64
		e  Entry
	)
	if err := row.Scan(&id, &e.Name, &e.Message, &e.CreatedAt); err != nil {
		return Entry{}, err
	}
	e.ID = strconv.FormatInt(id, 10)
	e.CreatedAt = e.CreatedAt.UTC()
	return e, nil
}

// List implements Guestbook; cursors are decimal entry ids. Reads go to the
// same endpoint as writes, so a poster sees their entry at once.
func (g *SQLGuestbook) List(ctx context.Context, before string, limit int) (Page, error) {
	upper := int64(math.MaxInt64)
	if before != "" {
		n, err := parseIDCursor(before)
		if err != nil {
			return Page{}, err
		}
		upper = n
	}
	rows, err := g.db.QueryContext(ctx, g.d.list, upper, limit+1)
	if err != nil {
		return Page{}, fmt.Errorf("webapp: list guestbook: %w", err)
	}
	defer rows.Close()
	var p Page
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return Page{}, fmt.Errorf("webapp: list guestbook: %w", err)
		}
		p.Entries = append(p.Entries, e)
	}
	if err := rows.Err(); err != nil {
		return Page{}, fmt.Errorf("webapp: list guestbook: %w", err)
	}
	if len(p.Entries) > limit {
		p.Entries = p.Entries[:limit]
		p.Next = p.Entries[limit-1].ID
	}
	return p, nil
}

// Post implements Guestbook with one INSERT that does nothing for a repeated
// post key, then, on the same connection (which on an Aurora
// write-forwarding secondary reads its own forwarded writes), a SELECT of
// the stored row when the INSERT did not return it.
func (g *SQLGuestbook) Post(ctx context.Context, postKey, name, message string) (Entry, error) {
	conn, err := g.db.Conn(ctx)
	if err != nil {
		return Entry{}, fmt.Errorf("webapp: post to guestbook: %w", err)
	}
	defer conn.Close()
	var e Entry
	if g.d.engine == EnginePostgres {
		e, err = scanEntry(conn.QueryRowContext(ctx, g.d.insert, name, message, postKey))
		if errors.Is(err, sql.ErrNoRows) {
			e, err = scanEntry(conn.QueryRowContext(ctx, g.d.byKey, postKey))
		}
	} else {
		var res sql.Result
		if res, err = conn.ExecContext(ctx, g.d.insert, name, message, postKey); err == nil {
			var id int64
			if id, err = res.LastInsertId(); err == nil {
				e, err = scanEntry(conn.QueryRowContext(ctx, g.d.byID, id))
			}
		}
	}
	if err != nil {
		return Entry{}, fmt.Errorf("webapp: post to guestbook: %w", err)
	}
	return e, nil
}

// Ping implements Guestbook: one round trip on a pooled connection (a new
// one when none is idle, so it also checks the login).
func (g *SQLGuestbook) Ping(ctx context.Context) error {
	if err := g.db.PingContext(ctx); err != nil {
		return fmt.Errorf("webapp: database ping: %w", err)
	}
	return nil
}

// Close implements Guestbook.
func (g *SQLGuestbook) Close() error { return g.db.Close() }
