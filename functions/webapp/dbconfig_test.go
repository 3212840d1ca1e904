package webapp

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// TestLoadDBConfig covers the DB_* contract the ScaledWebTier construct
// writes into the server's environment file.
func TestLoadDBConfig(t *testing.T) {
	const arn = "arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:web/database-AbCdEf"
	tests := []struct {
		name    string
		env     map[string]string
		want    func(DBConfig) string
		wantErr []string
	}{
		{
			name: "no database: memory",
			want: func(d DBConfig) string {
				if d.Engine != EngineMemory || d.EngineName != "memory" || d.HealthGrace != DefaultDBHealthGrace || d.TLS != TLSVerifyFull {
					return fmt.Sprintf("%+v", d)
				}
				return ""
			},
		},
		{
			name: "what the construct passes today (stage 3, Aurora PostgreSQL)",
			env:  map[string]string{"DB_ENGINE": "aurora-postgresql", "DB_SECRET_ARN": arn, "DB_READER_HOST": "web-database.cluster-ro-x.ap-northeast-2.rds.amazonaws.com"},
			want: func(d DBConfig) string {
				if d.Engine != EnginePostgres || d.SecretARN != arn || d.Host != "" || !d.Migrate || d.TLS != TLSVerifyFull ||
					d.MaxOpenConns != 10 || d.MaxIdleConns != 5 || d.ConnMaxLifetime != 5*time.Minute {
					return fmt.Sprintf("%+v", d)
				}
				return ""
			},
		},
		{
			name: "stage 5 secondary: DB_WRITER_HOST and forwarding",
			env:  map[string]string{"DB_ENGINE": "aurora-mysql", "DB_SECRET_ARN": arn, "DB_WRITER_HOST": "w.example", "DB_WRITE_FORWARDING": "Session"},
			want: func(d DBConfig) string {
				if d.Engine != EngineMySQL || d.Host != "w.example" || d.WriteForwarding != "session" || d.Migrate {
					return fmt.Sprintf("%+v", d)
				}
				return ""
			},
		},
		{
			name: "RDS Proxy with IAM authentication",
			env: map[string]string{"DB_ENGINE": "postgres", "DB_HOST": "p.proxy-x.rds.amazonaws.com", "DB_PORT": "5432", "DB_USER": "gureum", "DB_NAME": "app",
				"DB_IAM_AUTH": "true", "DB_MIGRATE": "false", "DB_MAX_OPEN_CONNS": "4", "DB_HEALTH_GRACE": "off", "DB_CONNECT_TIMEOUT": "2s"},
			want: func(d DBConfig) string {
				if !d.IAMAuth || d.Port != 5432 || d.Name != "app" || d.Migrate || d.MaxOpenConns != 4 || d.MaxIdleConns != 4 || d.HealthGrace >= 0 || d.ConnectTimeout != 2*time.Second {
					return fmt.Sprintf("%+v", d)
				}
				return ""
			},
		},
		{
			name: "dynamodb",
			env:  map[string]string{"DB_ENGINE": "dynamodb", "DATA_TABLE": "web-data"},
			want: func(d DBConfig) string {
				if d.Engine != EngineDynamoDB || d.Table != "web-data" {
					return fmt.Sprintf("%+v", d)
				}
				return ""
			},
		},
		{
			name:    "every bad variable is named",
			env:     map[string]string{"DB_ENGINE": "oracle", "DB_PORT": "99999", "DB_TLS": "maybe", "DB_WRITE_FORWARDING": "strong", "DB_IAM_AUTH": "yes please", "DB_MAX_OPEN_CONNS": "0", "DB_HEALTH_GRACE": "soon", "DB_TLS_CA_FILE": "/nonexistent/ca.pem"},
			wantErr: []string{"DB_ENGINE: \"oracle\"", "DB_PORT", "DB_TLS: \"maybe\"", "DB_WRITE_FORWARDING", "DB_IAM_AUTH", "DB_MAX_OPEN_CONNS", "DB_HEALTH_GRACE", "DB_TLS_CA_FILE"},
		},
		{
			name:    "SQL without a secret or a login",
			env:     map[string]string{"DB_ENGINE": "aurora-mysql", "DB_HOST": "h"},
			wantErr: []string{"DB_SECRET_ARN: required unless DB_HOST and DB_USER are set"},
		},
		{
			name:    "IAM without TLS, with a password",
			env:     map[string]string{"DB_ENGINE": "postgresql", "DB_HOST": "h", "DB_USER": "u", "DB_PASSWORD": "p", "DB_IAM_AUTH": "true", "DB_TLS": "disable"},
			wantErr: []string{"DB_IAM_AUTH: IAM authentication needs TLS", "DB_PASSWORD: must be empty"},
		},
		{
			name:    "two different writer hosts",
			env:     map[string]string{"DB_ENGINE": "postgresql", "DB_SECRET_ARN": arn, "DB_HOST": "a", "DB_WRITER_HOST": "b"},
			wantErr: []string{"DB_WRITER_HOST: \"b\" differs from DB_HOST \"a\""},
		},
		{
			name:    "dynamodb without a table",
			env:     map[string]string{"DB_ENGINE": "dynamodb"},
			wantErr: []string{"DATA_TABLE: required when DB_ENGINE=dynamodb"},
		},
		{
			name:    "database name that would need quoting",
			env:     map[string]string{"DB_ENGINE": "mysql", "DB_SECRET_ARN": arn, "DB_NAME": "a`; DROP"},
			wantErr: []string{"DB_NAME"},
		},
		{
			name:    "idle above open",
			env:     map[string]string{"DB_ENGINE": "mysql", "DB_SECRET_ARN": arn, "DB_MAX_OPEN_CONNS": "2", "DB_MAX_IDLE_CONNS": "3"},
			wantErr: []string{"DB_MAX_IDLE_CONNS: 3 exceeds DB_MAX_OPEN_CONNS 2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadConfig(envOf(tt.env))
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatal(err)
				}
				if msg := tt.want(c.DB); msg != "" {
					t.Error(msg)
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
		})
	}
}

// secretsServer answers GetSecretValue in the Secrets Manager JSON
// protocol (awsJson1_1) for one secret, so the real SDK client reads it.
type secretsServer struct {
	*httptest.Server
	mu    sync.Mutex
	value string
	calls int
}

func startSecretsServer(t *testing.T, arn, value string) *secretsServer {
	s := &secretsServer{value: value}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var in struct{ SecretId string }
		_ = json.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" || in.SecretId != arn {
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"__type":"ResourceNotFoundException","message":"no secret %s"}`, in.SecretId)
			return
		}
		s.mu.Lock()
		s.calls++
		v := s.value
		s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"ARN": arn, "Name": "web/database", "SecretString": v, "VersionId": "v1"})
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *secretsServer) set(v string) { s.mu.Lock(); s.value = v; s.mu.Unlock() }
func (s *secretsServer) count() int   { s.mu.Lock(); defer s.mu.Unlock(); return s.calls }

// TestSecretLoginAndRotation logs in with the RDS-shaped secret (host, port
// as a number, dbname from the secret), and after the password is rotated
// re-reads the secret once a new connection fails.
func TestSecretLoginAndRotation(t *testing.T) {
	admin := openSQLFor(t, pgEnv("postgres"))
	role, db := "rot_"+newPostKey()[:8], "rotdb_"+newPostKey()[:8]
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN PASSWORD 'first-password'",
		"CREATE DATABASE " + db + " OWNER " + role,
	} {
		if _, err := admin.DB().ExecContext(withTimeout(t), q); err != nil {
			t.Fatal(err)
		}
	}
	secret := func(pw string) string {
		b, _ := json.Marshal(map[string]any{"engine": "postgres", "host": pg.Host, "port": pg.Port, "username": role, "password": pw, "dbname": db, "dbClusterIdentifier": "web-database"})
		return string(b)
	}
	const arn = "arn:aws:secretsmanager:ap-northeast-2:111122223333:secret:web/database-AbCdEf"
	srv := startSecretsServer(t, arn, secret("first-password"))
	client := secretsmanager.NewFromConfig(aws.Config{
		Region:       "ap-northeast-2",
		BaseEndpoint: aws.String(srv.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}, nil
		}),
	})
	cfg := dbConfig(t, map[string]string{"DB_ENGINE": "aurora-postgresql", "DB_SECRET_ARN": arn, "DB_TLS": "disable"})
	g, err := OpenSQLGuestbook(cfg, client, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	clock := &fakeClock{t: time.Now()}
	g.creds.now = clock.Now
	if err := g.Migrate(withTimeout(t)); err != nil {
		t.Fatal(err)
	}
	mustPost(t, g, newPostKey(), "비밀", "회전 전")
	var current string
	if err := g.DB().QueryRowContext(withTimeout(t), "SELECT current_user || '@' || current_database()").Scan(&current); err != nil {
		t.Fatal(err)
	}
	if current != role+"@"+db {
		t.Errorf("logged in as %s, want %s@%s from the secret", current, role, db)
	}
	if n := srv.count(); n != 1 {
		t.Errorf("secret read %d times for the first connections, want 1 (cached)", n)
	}

	// Rotation: the database and the secret get a new password; pooled
	// connections stay logged in, new ones need the new password.
	if _, err := admin.DB().ExecContext(withTimeout(t), "ALTER ROLE "+role+" PASSWORD 'second-password'"); err != nil {
		t.Fatal(err)
	}
	srv.set(secret("second-password"))
	g.DB().SetMaxIdleConns(0) // drop the pooled connections
	if err := g.Ping(withTimeout(t)); err == nil {
		t.Fatal("a new connection with the cached, rotated-away password succeeded")
	}
	clock.Advance(secretRetryAfter)
	if err := g.Ping(withTimeout(t)); err != nil {
		t.Fatalf("after the failed login the secret was not read again: %v", err)
	}
	if n := srv.count(); n != 2 {
		t.Errorf("secret read %d times, want 2", n)
	}
	mustPost(t, g, newPostKey(), "비밀", "회전 후")

	// A secret for another engine is refused with a clear error.
	srv.set(`{"engine":"mysql","host":"h","port":3306,"username":"u","password":"p"}`)
	other, _ := OpenSQLGuestbook(cfg, client, nil)
	defer other.Close()
	if err := other.Ping(withTimeout(t)); err == nil || !strings.Contains(err.Error(), `for engine "mysql"`) {
		t.Errorf("Ping with a MySQL secret = %v", err)
	}
	srv.set(`{"password":"hunter2",`)
	bad, _ := OpenSQLGuestbook(cfg, client, nil)
	defer bad.Close()
	if err := bad.Ping(withTimeout(t)); err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "not JSON") {
		t.Errorf("Ping with a broken secret = %v; want an error that does not quote it", err)
	}
}

// TestIAMAuthToken checks the token the default signer makes for a proxy
// endpoint against the documented form of an RDS IAM token: a presigned
// rds-db:connect URL for host:port without its scheme, valid 15 minutes.
func TestIAMAuthToken(t *testing.T) {
	sign := IAMAuthToken(aws.Config{Region: "ap-northeast-2", Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, nil
	})})
	tok, err := sign(context.Background(), "web.proxy-abc.ap-northeast-2.rds.amazonaws.com:5432", "gureum")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok, "web.proxy-abc.ap-northeast-2.rds.amazonaws.com:5432?") && !strings.HasPrefix(tok, "web.proxy-abc.ap-northeast-2.rds.amazonaws.com:5432/?") {
		t.Errorf("token does not start with the endpoint and a query: %s", tok)
	}
	for _, want := range []string{"Action=connect", "DBUser=gureum", "X-Amz-Expires=900", "ap-northeast-2%2Frds-db%2Faws4_request", "X-Amz-Signature="} {
		if !strings.Contains(tok, want) {
			t.Errorf("token lacks %q: %s", want, tok)
		}
	}
	if strings.HasPrefix(tok, "http") {
		t.Errorf("token has a scheme: %s", tok)
	}
	// The login uses it as the password, for the configured endpoint.
	c := &credentials{cfg: DBConfig{Engine: EnginePostgres, Host: "web.proxy-abc.ap-northeast-2.rds.amazonaws.com", User: "gureum", IAMAuth: true}, token: sign, now: time.Now}
	l, err := c.login(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(l.Password, "web.proxy-abc.ap-northeast-2.rds.amazonaws.com:5432") || !strings.Contains(l.Password, "Action=connect") || l.Database != "postgres" {
		t.Errorf("login %+v", l)
	}
}
