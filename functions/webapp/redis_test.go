package webapp

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/gureum-cdk/gureum/internal/testsvc"
	"github.com/redis/go-redis/v9"
)

// redisServer is a real redis-server process (Debian package redis-server)
// listening on a free loopback port, without persistence.
type redisServer struct {
	Addr   string
	cmd    *exec.Cmd
	exited chan error
	log    *syncBuffer
	once   sync.Once
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// redisOptions configures a test redis-server.
type redisOptions struct {
	// Password turns on AUTH (requirepass).
	Password string
	// CertFile and KeyFile, when set, make the server accept only TLS
	// connections, as ElastiCache with in-transit encryption does.
	CertFile, KeyFile string
}

// startRedis starts a plain redis-server without authentication and waits
// until it answers PING.
func startRedis() (*redisServer, error) { return startRedisWith(redisOptions{}) }

// startRedisWith starts redis-server with o and waits until it accepts
// connections (and, without TLS or a password, answers PING).
func startRedisWith(o redisOptions) (*redisServer, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server not found: install the Debian package redis-server (scripts/setup): %w", err)
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := testsvc.FreePort()
		if err != nil {
			return nil, err
		}
		s := &redisServer{Addr: "127.0.0.1:" + strconv.Itoa(port), exited: make(chan error, 1), log: &syncBuffer{}}
		args := []string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"}
		if o.CertFile != "" {
			args = append(args, "--port", "0", "--tls-port", strconv.Itoa(port),
				"--tls-cert-file", o.CertFile, "--tls-key-file", o.KeyFile, "--tls-auth-clients", "no")
		} else {
			args = append(args, "--port", strconv.Itoa(port))
		}
		if o.Password != "" {
			args = append(args, "--requirepass", o.Password)
		}
		s.cmd = exec.Command(bin, args...)
		s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
		if err := s.cmd.Start(); err != nil {
			return nil, fmt.Errorf("start redis-server: %w", err)
		}
		go func() { s.exited <- s.cmd.Wait() }()
		if err := s.ready(10*time.Second, o.CertFile == "" && o.Password == ""); err != nil {
			s.Stop()
			lastErr = fmt.Errorf("redis-server on %s: %w\n%s", s.Addr, err, s.log.String())
			continue
		}
		return s, nil
	}
	return nil, lastErr
}

func (s *redisServer) ready(timeout time.Duration, ping bool) error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, DialTimeout: 200 * time.Millisecond})
	defer c.Close()
	deadline := time.Now().Add(timeout)
	for {
		select {
		case err := <-s.exited:
			return fmt.Errorf("exited before answering: %v", err)
		default:
		}
		var err error
		if ping {
			ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
			err = c.Ping(ctx).Err()
			cancel()
		} else {
			var conn net.Conn
			if conn, err = net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
				conn.Close()
			}
		}
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return errors.Join(errors.New("no answer to PING"), err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Client returns a client for this server configured as the app configures
// its own.
func (s *redisServer) Client() *redis.Client {
	return NewRedisClient(Config{RedisAddr: s.Addr})
}

// Stop kills the server and waits for it to exit. It is safe to call twice.
func (s *redisServer) Stop() {
	if s == nil || s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.once.Do(func() {
		_ = s.cmd.Process.Kill()
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
		}
	})
}

// writeTestCert writes a self-signed certificate for 127.0.0.1 and its key
// as PEM files and returns their paths and a pool that trusts it.
func writeTestCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "redis test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// TestRedisTLSAndPassword runs the store against a redis-server that, like
// ElastiCache with in-transit encryption and AUTH, accepts only TLS
// connections with a password.
func TestRedisTLSAndPassword(t *testing.T) {
	certFile, keyFile, pool := writeTestCert(t)
	srv, err := startRedisWith(redisOptions{Password: "s3cret-token", CertFile: certFile, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()

	tests := []struct {
		name    string
		tls     bool
		pass    string
		wantErr bool
	}{
		{"TLS and password", true, "s3cret-token", false},
		{"TLS, wrong password", true, "nope", true},
		{"no TLS", false, "s3cret-token", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(func(k string) string {
				return map[string]string{
					"SESSION_STORE":  "redis",
					"REDIS_ADDR":     srv.Addr,
					"REDIS_TLS":      strconv.FormatBool(tt.tls),
					"REDIS_PASSWORD": tt.pass,
				}[k]
			})
			if err != nil {
				t.Fatal(err)
			}
			client := NewRedisClient(cfg)
			if tls := client.Options().TLSConfig; tls != nil {
				if tls.ServerName != "127.0.0.1" || tls.MinVersion < 0x0303 {
					t.Errorf("TLS config: ServerName %q, MinVersion %#x; want 127.0.0.1 and TLS 1.2+", tls.ServerName, tls.MinVersion)
				}
				tls.RootCAs = pool // the test certificate; ElastiCache's is publicly trusted
			} else if tt.tls {
				t.Fatal("REDIS_TLS=true but the client has no TLS configuration")
			}
			store, err := NewRedisStore(client, testTTL)
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			ctx := withTimeout(t)
			n, err := store.Create(ctx, newSessionID(), "r1", time.Minute)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Increment succeeded (%d); want an error", n)
				}
				if store.Ping(ctx) == nil {
					t.Error("Ping succeeded; want an error")
				}
				return
			}
			if err != nil || n != 1 {
				t.Fatalf("Increment = %d, %v; want 1", n, err)
			}
			if err := store.Ping(ctx); err != nil {
				t.Errorf("Ping: %v", err)
			}
		})
	}
}
