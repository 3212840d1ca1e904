package webapp

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// Database engine families accepted in DB_ENGINE. The ScaledWebTier
// construct passes its DatabaseEngine ("aurora-postgresql", "aurora-mysql",
// "dynamodb"); "postgres", "mysql" and "mariadb" are accepted for servers
// outside Aurora.
const (
	EngineMemory   = "memory"
	EnginePostgres = "postgresql"
	EngineMySQL    = "mysql"
	EngineDynamoDB = "dynamodb"
)

// TLS modes accepted in DB_TLS.
const (
	// TLSVerifyFull encrypts and verifies the server's certificate chain
	// and host name against the system's roots plus DB_TLS_CA_FILE.
	TLSVerifyFull = "verify-full"
	// TLSRequire encrypts without verifying the certificate.
	TLSRequire = "require"
	// TLSDisable sends everything in clear text (local servers only).
	TLSDisable = "disable"
)

// Defaults of DBConfig.
const (
	DefaultDBMaxOpenConns    = 10
	DefaultDBMaxIdleConns    = 5
	DefaultDBConnMaxLifetime = 5 * time.Minute
	DefaultDBConnMaxIdleTime = time.Minute
	DefaultDBConnectTimeout  = 5 * time.Second
	DefaultDBHealthGrace     = 60 * time.Second
	// DefaultPostgresDatabase and DefaultMySQLDatabase are the databases
	// used when neither DB_NAME nor the secret names one. Aurora
	// PostgreSQL always has "postgres"; on MySQL the migration creates
	// DefaultMySQLDatabase when it is missing.
	DefaultPostgresDatabase = "postgres"
	DefaultMySQLDatabase    = "gureum"
)

// DBConfig is the guestbook's database, read from the DB_* variables (and
// DATA_TABLE) by LoadConfig. See the package documentation for the contract.
type DBConfig struct {
	// Engine is the family: EngineMemory (DB_ENGINE unset), EnginePostgres,
	// EngineMySQL or EngineDynamoDB.
	Engine string
	// EngineName is DB_ENGINE as given (shown on the page).
	EngineName string
	// Table is the DynamoDB table (DATA_TABLE) with String keys pk and sk.
	Table string
	// Host and Port are where to connect (DB_HOST, or DB_WRITER_HOST, and
	// DB_PORT): the RDS Proxy or cluster endpoint. Default: the secret's.
	Host string
	Port int
	// Name is the database (DB_NAME). Default: the secret's dbname, else
	// DefaultPostgresDatabase or DefaultMySQLDatabase.
	Name string
	// User and Password log in directly (DB_USER, DB_PASSWORD); User also
	// names the IAM user. Default: the secret's.
	User     string
	Password string
	// SecretARN is a Secrets Manager secret in the shape RDS generates
	// (DB_SECRET_ARN): JSON with username, password, host, port, dbname.
	SecretARN string
	// IAMAuth logs in with RDS IAM authentication tokens (DB_IAM_AUTH=true),
	// as RDS Proxy allows; it needs TLS.
	IAMAuth bool
	// TLS is TLSVerifyFull (default), TLSRequire or TLSDisable (DB_TLS).
	TLS string
	// TLSCAFile adds PEM certificates to the roots (DB_TLS_CA_FILE): the
	// RDS certificate bundle for a cluster endpoint.
	TLSCAFile string
	// WriteForwarding is the read consistency of Aurora global write
	// forwarding on a secondary cluster (DB_WRITE_FORWARDING): "eventual",
	// "session" or "global", set on every connection; empty when the
	// database is not a write-forwarding secondary.
	WriteForwarding string
	// Migrate creates or upgrades the schema on start (DB_MIGRATE).
	// Default: true, except with WriteForwarding (DDL is not forwarded).
	Migrate bool
	// Pool sizing (DB_MAX_OPEN_CONNS, DB_MAX_IDLE_CONNS,
	// DB_CONN_MAX_LIFETIME, DB_CONN_MAX_IDLE_TIME) and the time to open a
	// connection (DB_CONNECT_TIMEOUT).
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	ConnMaxIdleTime time.Duration
	ConnectTimeout  time.Duration
	// HealthGrace is how long the database may fail the health check's
	// ping before /healthz answers 503 (DB_HEALTH_GRACE, a duration, or
	// "off": never). Default: 60s.
	HealthGrace time.Duration
}

// loadDBConfig reads the DB_* variables; bad reports each invalid one.
func loadDBConfig(getenv func(string) string, bad func(name, format string, args ...any)) DBConfig {
	d := DBConfig{
		EngineName:      strings.TrimSpace(getenv("DB_ENGINE")),
		Table:           strings.TrimSpace(getenv("DATA_TABLE")),
		Host:            strings.TrimSpace(getenv("DB_HOST")),
		Name:            strings.TrimSpace(getenv("DB_NAME")),
		User:            strings.TrimSpace(getenv("DB_USER")),
		Password:        getenv("DB_PASSWORD"),
		SecretARN:       strings.TrimSpace(getenv("DB_SECRET_ARN")),
		TLS:             strings.ToLower(strings.TrimSpace(getenv("DB_TLS"))),
		TLSCAFile:       strings.TrimSpace(getenv("DB_TLS_CA_FILE")),
		WriteForwarding: strings.ToLower(strings.TrimSpace(getenv("DB_WRITE_FORWARDING"))),
		MaxOpenConns:    DefaultDBMaxOpenConns,
		MaxIdleConns:    DefaultDBMaxIdleConns,
		ConnMaxLifetime: DefaultDBConnMaxLifetime,
		ConnMaxIdleTime: DefaultDBConnMaxIdleTime,
		ConnectTimeout:  DefaultDBConnectTimeout,
		HealthGrace:     DefaultDBHealthGrace,
	}
	switch strings.ToLower(d.EngineName) {
	case "", EngineMemory:
		d.Engine = EngineMemory
		if d.EngineName == "" {
			d.EngineName = EngineMemory
		}
	case "aurora-postgresql", "postgresql", "postgres":
		d.Engine = EnginePostgres
	case "aurora-mysql", "mysql", "mariadb":
		d.Engine = EngineMySQL
	case EngineDynamoDB:
		d.Engine = EngineDynamoDB
	default:
		bad("DB_ENGINE", "%q is not one of aurora-postgresql, postgresql, aurora-mysql, mysql, mariadb, dynamodb (or unset for memory)", d.EngineName)
	}
	if err := checkLabel(d.EngineName); err != nil {
		bad("DB_ENGINE", "%q: %v", d.EngineName, err)
	}

	if w := strings.TrimSpace(getenv("DB_WRITER_HOST")); w != "" {
		if d.Host != "" && d.Host != w {
			bad("DB_WRITER_HOST", "%q differs from DB_HOST %q; set one", w, d.Host)
		}
		d.Host = w
	}
	if v := strings.TrimSpace(getenv("DB_PORT")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			bad("DB_PORT", "%q is not a port number", v)
		}
		d.Port = n
	}
	boolean := func(name string, dst *bool) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				bad(name, "%q is not a boolean (true or false)", v)
			}
			*dst = b
		}
	}
	boolean("DB_IAM_AUTH", &d.IAMAuth)

	switch d.WriteForwarding {
	case "", "eventual", "session", "global":
	default:
		bad("DB_WRITE_FORWARDING", "%q is not one of eventual, session, global", d.WriteForwarding)
	}
	d.Migrate = d.WriteForwarding == ""
	boolean("DB_MIGRATE", &d.Migrate)

	switch d.TLS {
	case "":
		d.TLS = TLSVerifyFull
	case TLSVerifyFull, TLSRequire, TLSDisable:
	default:
		bad("DB_TLS", "%q is not one of %s, %s, %s", d.TLS, TLSVerifyFull, TLSRequire, TLSDisable)
	}
	if d.TLSCAFile != "" {
		if _, err := os.Stat(d.TLSCAFile); err != nil {
			bad("DB_TLS_CA_FILE", "%v", err)
		}
	}

	positive := func(name string, dst *int) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 1000 {
				bad(name, "%q is not a number from 1 to 1000", v)
				return
			}
			*dst = n
		}
	}
	positive("DB_MAX_OPEN_CONNS", &d.MaxOpenConns)
	d.MaxIdleConns = min(d.MaxIdleConns, d.MaxOpenConns)
	positive("DB_MAX_IDLE_CONNS", &d.MaxIdleConns)
	if d.MaxIdleConns > d.MaxOpenConns {
		bad("DB_MAX_IDLE_CONNS", "%d exceeds DB_MAX_OPEN_CONNS %d", d.MaxIdleConns, d.MaxOpenConns)
	}
	duration := func(name string, dst *time.Duration, least time.Duration) {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			t, err := time.ParseDuration(v)
			if err != nil || t < least {
				bad(name, "%q is not a duration of at least %s", v, least)
				return
			}
			*dst = t
		}
	}
	duration("DB_CONN_MAX_LIFETIME", &d.ConnMaxLifetime, time.Second)
	duration("DB_CONN_MAX_IDLE_TIME", &d.ConnMaxIdleTime, time.Second)
	duration("DB_CONNECT_TIMEOUT", &d.ConnectTimeout, 100*time.Millisecond)
	if v := strings.TrimSpace(getenv("DB_HEALTH_GRACE")); strings.EqualFold(v, "off") {
		d.HealthGrace = -1
	} else {
		duration("DB_HEALTH_GRACE", &d.HealthGrace, 0)
	}

	switch d.Engine {
	case EngineDynamoDB:
		if d.Table == "" {
			bad("DATA_TABLE", "required when DB_ENGINE=dynamodb")
		}
	case EnginePostgres, EngineMySQL:
		if d.Name != "" && !dbNameRE.MatchString(d.Name) {
			bad("DB_NAME", "%q: only letters, digits and _ (at most 64)", d.Name)
		}
		if d.SecretARN == "" && (d.User == "" || d.Host == "") {
			bad("DB_SECRET_ARN", "required unless DB_HOST and DB_USER are set")
		}
		if d.IAMAuth {
			if d.TLS == TLSDisable {
				bad("DB_IAM_AUTH", "IAM authentication needs TLS; DB_TLS is %q", d.TLS)
			}
			if d.Password != "" {
				bad("DB_PASSWORD", "must be empty with DB_IAM_AUTH=true")
			}
		}
	}
	return d
}
