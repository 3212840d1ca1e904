package webapp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/rds/auth"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// SecretsAPI is the part of the Secrets Manager client the database
// credentials need.
type SecretsAPI interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, optFns ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// AuthTokenFunc makes an RDS IAM authentication token for user at endpoint
// (host:port). The default is auth.BuildAuthToken with the AWS
// configuration's region and credentials.
type AuthTokenFunc func(ctx context.Context, endpoint, user string) (string, error)

// IAMAuthToken returns an AuthTokenFunc that signs with cfg's credentials in
// cfg's region (feature/rds/auth); tokens live 15 minutes and are needed
// only to open a connection.
func IAMAuthToken(cfg aws.Config) AuthTokenFunc {
	return func(ctx context.Context, endpoint, user string) (string, error) {
		return auth.BuildAuthToken(ctx, endpoint, cfg.Region, user, cfg.Credentials)
	}
}

// rdsSecret is the JSON that RDS writes into a generated secret.
type rdsSecret struct {
	Username string          `json:"username"`
	Password string          `json:"password"`
	Host     string          `json:"host"`
	Port     json.RawMessage `json:"port"` // a number; a string is accepted
	DBName   string          `json:"dbname"`
	Engine   string          `json:"engine"`
}

// login is where and as whom one connection logs in.
type login struct {
	Host     string
	Port     int
	Database string
	User     string
	Password string
}

// Secret refresh: a cached secret is read again after secretMaxAge, and
// after a failed connection once it is older than secretRetryAfter (the
// password may have been rotated).
const (
	secretMaxAge     = 15 * time.Minute
	secretRetryAfter = 5 * time.Second
)

// credentials resolves each new connection's login from the configuration,
// the Secrets Manager secret (cached) and IAM tokens.
type credentials struct {
	cfg     DBConfig
	secrets SecretsAPI
	token   AuthTokenFunc
	now     func() time.Time

	mu      sync.Mutex
	secret  *rdsSecret
	fetched time.Time
	stale   bool
}

func (c *credentials) defaultPort() int {
	if c.cfg.Engine == EngineMySQL {
		return 3306
	}
	return 5432
}

// login returns the login for a new connection.
func (c *credentials) login(ctx context.Context) (login, error) {
	l := login{Host: c.cfg.Host, Port: c.cfg.Port, Database: c.cfg.Name, User: c.cfg.User, Password: c.cfg.Password}
	if c.cfg.SecretARN != "" {
		s, err := c.readSecret(ctx)
		if err != nil {
			return login{}, err
		}
		if l.Host == "" {
			l.Host = s.Host
		}
		if l.Port == 0 && len(s.Port) > 0 {
			p, err := strconv.Atoi(strings.Trim(string(s.Port), `"`))
			if err != nil {
				return login{}, fmt.Errorf("webapp: database secret: port %s is not a number", s.Port)
			}
			l.Port = p
		}
		if l.Database == "" {
			l.Database = s.DBName
		}
		if l.User == "" {
			l.User = s.Username
		}
		if l.Password == "" && !c.cfg.IAMAuth {
			l.Password = s.Password
		}
	}
	if l.Port == 0 {
		l.Port = c.defaultPort()
	}
	if l.Database == "" {
		l.Database = DefaultPostgresDatabase
		if c.cfg.Engine == EngineMySQL {
			l.Database = DefaultMySQLDatabase
		}
	}
	if l.Host == "" || l.User == "" {
		return login{}, errors.New("webapp: database login: no host or user (set DB_HOST and DB_USER, or DB_SECRET_ARN)")
	}
	if c.cfg.IAMAuth {
		if c.token == nil {
			return login{}, errors.New("webapp: database login: DB_IAM_AUTH without a token signer")
		}
		tok, err := c.token(ctx, net.JoinHostPort(l.Host, strconv.Itoa(l.Port)), l.User)
		if err != nil {
			return login{}, fmt.Errorf("webapp: database IAM token: %w", err)
		}
		l.Password = tok
	}
	return l, nil
}

func (c *credentials) readSecret(ctx context.Context) (*rdsSecret, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	age := c.now().Sub(c.fetched)
	if c.secret != nil && age < secretMaxAge && !(c.stale && age >= secretRetryAfter) {
		return c.secret, nil
	}
	if c.secrets == nil {
		return nil, errors.New("webapp: database secret: no Secrets Manager client")
	}
	out, err := c.secrets.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(c.cfg.SecretARN)})
	if err != nil {
		if c.secret != nil {
			// Keep using what we have (the database may still accept it),
			// and ask again after secretRetryAfter.
			c.fetched = c.now().Add(-secretMaxAge + secretRetryAfter)
			return c.secret, nil
		}
		return nil, fmt.Errorf("webapp: read database secret %s: %w", c.cfg.SecretARN, err)
	}
	if out.SecretString == nil {
		return nil, fmt.Errorf("webapp: database secret %s has no SecretString", c.cfg.SecretARN)
	}
	var s rdsSecret
	if err := json.Unmarshal([]byte(*out.SecretString), &s); err != nil {
		// The error would quote the secret: say only where it failed.
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, fmt.Errorf("webapp: database secret %s is not JSON (offset %d)", c.cfg.SecretARN, syn.Offset)
		}
		return nil, fmt.Errorf("webapp: database secret %s is not the JSON RDS generates", c.cfg.SecretARN)
	}
	if s.Engine != "" && !engineMatches(c.cfg.Engine, s.Engine) {
		return nil, fmt.Errorf("webapp: database secret %s is for engine %q, not %s", c.cfg.SecretARN, s.Engine, c.cfg.Engine)
	}
	c.secret, c.fetched, c.stale = &s, c.now(), false
	return c.secret, nil
}

func engineMatches(family, secretEngine string) bool {
	e := strings.ToLower(secretEngine)
	switch family {
	case EnginePostgres:
		return strings.Contains(e, "postgres")
	case EngineMySQL:
		return strings.Contains(e, "mysql") || strings.Contains(e, "mariadb")
	}
	return false
}

// connectFailed marks the cached secret stale: the password may have been
// rotated since it was read.
func (c *credentials) connectFailed() {
	c.mu.Lock()
	c.stale = true
	c.mu.Unlock()
}

// tlsConfig is the TLS configuration for host, nil for TLSDisable.
func tlsConfig(cfg DBConfig, host string) (*tls.Config, error) {
	switch cfg.TLS {
	case TLSDisable:
		return nil, nil
	case TLSRequire:
		return &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: true, ServerName: host}, nil //nolint:gosec // DB_TLS=require asks for encryption without verification.
	}
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
	}
	if cfg.TLSCAFile != "" {
		pem, err := os.ReadFile(cfg.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("webapp: DB_TLS_CA_FILE: %w", err)
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("webapp: DB_TLS_CA_FILE %s holds no PEM certificate", cfg.TLSCAFile)
		}
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots, ServerName: host}, nil
}

// forwardingConsistency is the value of the session variable for cfg's
// write forwarding.
func forwardingConsistency(cfg DBConfig) string { return strings.ToUpper(cfg.WriteForwarding) }

// reportingConnector tells the credentials when a connection fails.
type reportingConnector struct {
	driver.Connector
	creds *credentials
}

func (r reportingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	c, err := r.Connector.Connect(ctx)
	if err != nil {
		r.creds.connectFailed()
	}
	return c, err
}

// openSQL returns a connection pool for cfg's PostgreSQL or MySQL database
// (the server's own default database when noDatabase is set). It opens no
// connection: each new connection resolves its login when it is made.
func openSQL(cfg DBConfig, creds *credentials, noDatabase bool) (*sql.DB, error) {
	var conn driver.Connector
	switch cfg.Engine {
	case EnginePostgres:
		pc, err := pgx.ParseConfig("host=localhost sslmode=disable")
		if err != nil {
			return nil, err
		}
		pc.ConnectTimeout = cfg.ConnectTimeout
		// The extended protocol with unnamed statements: no server-side
		// prepared statements to pin an RDS Proxy connection or to go
		// missing behind a pooler.
		pc.DefaultQueryExecMode = pgx.QueryExecModeExec
		pc.RuntimeParams = map[string]string{"application_name": "gureum-webapp"}
		if cfg.WriteForwarding != "" {
			pc.RuntimeParams["apg_write_forward.consistency_mode"] = forwardingConsistency(cfg)
		}
		conn = stdlib.GetConnector(*pc, stdlib.OptionBeforeConnect(func(ctx context.Context, c *pgx.ConnConfig) error {
			l, err := creds.login(ctx)
			if err != nil {
				return err
			}
			c.Host, c.Port, c.User, c.Password = l.Host, uint16(l.Port), l.User, l.Password
			c.Database = l.Database
			if noDatabase {
				c.Database = DefaultPostgresDatabase
			}
			c.Fallbacks = nil
			c.TLSConfig, err = tlsConfig(cfg, l.Host)
			return err
		}))
	case EngineMySQL:
		mc := mysql.NewConfig()
		mc.Net, mc.Addr = "tcp", "localhost:3306"
		mc.Timeout = cfg.ConnectTimeout
		// A safety net under the request contexts' deadlines.
		mc.ReadTimeout, mc.WriteTimeout = 30*time.Second, 30*time.Second
		mc.ParseTime, mc.Loc = true, time.UTC
		mc.AllowCleartextPasswords = cfg.IAMAuth // IAM tokens travel as cleartext, over TLS only
		if cfg.WriteForwarding != "" {
			mc.Params = map[string]string{"aurora_replica_read_consistency": "'" + forwardingConsistency(cfg) + "'"}
		}
		err := mc.Apply(mysql.BeforeConnect(func(ctx context.Context, c *mysql.Config) error {
			l, err := creds.login(ctx)
			if err != nil {
				return err
			}
			c.Addr = net.JoinHostPort(l.Host, strconv.Itoa(l.Port))
			c.User, c.Passwd, c.DBName = l.User, l.Password, l.Database
			if noDatabase {
				c.DBName = ""
			}
			c.TLS, err = tlsConfig(cfg, l.Host)
			return err
		}))
		if err != nil {
			return nil, err
		}
		if conn, err = mysql.NewConnector(mc); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("webapp: engine %q is not a SQL database", cfg.Engine)
	}
	db := sql.OpenDB(reportingConnector{Connector: conn, creds: creds})
	db.SetMaxOpenConns(cfg.MaxOpenConns)
	db.SetMaxIdleConns(cfg.MaxIdleConns)
	db.SetConnMaxLifetime(cfg.ConnMaxLifetime)
	db.SetConnMaxIdleTime(cfg.ConnMaxIdleTime)
	return db, nil
}
