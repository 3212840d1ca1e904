package webapp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLoadConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file.txt")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()

	tests := []struct {
		name    string
		env     map[string]string
		want    func(Config) string // returns "" when cfg is as expected
		wantErr []string            // substrings the error must contain
	}{
		{
			name: "defaults",
			env:  nil,
			want: func(c Config) string {
				if c.ListenAddr != ":8080" || c.Store != StoreMemory || c.SessionTTL != 24*time.Hour || !c.CookieSecure || c.InstanceID != host || c.StaticDir != "" {
					return "defaults not applied"
				}
				return ""
			},
		},
		{
			name: "dynamodb",
			env:  map[string]string{"SESSION_STORE": "DynamoDB", "SESSION_TABLE": "t1", "SESSION_TTL": "90m", "INSTANCE_ID": "i-0abc", "APP_STAGE": "stage4", "COOKIE_SECURE": "false", "LISTEN_ADDR": "127.0.0.1:9000", "STATIC_DIR": dir},
			want: func(c Config) string {
				if c.Store != StoreDynamoDB || c.SessionTable != "t1" || c.SessionTTL != 90*time.Minute || c.InstanceID != "i-0abc" || c.Stage != "stage4" || c.CookieSecure || c.ListenAddr != "127.0.0.1:9000" || c.StaticDir != dir {
					return "values not read"
				}
				return ""
			},
		},
		{
			name: "redis with TLS and password",
			env:  map[string]string{"SESSION_STORE": "redis", "REDIS_ADDR": "master.x.cache.amazonaws.com:6379", "REDIS_TLS": "true", "REDIS_PASSWORD": "p", "REDIS_AUTH_SECRET_ARN": "arn:aws:secretsmanager:eu-west-1:1:secret:x"},
			want: func(c Config) string {
				if c.Store != StoreRedis || c.RedisAddr != "master.x.cache.amazonaws.com:6379" || !c.RedisTLS || c.RedisPassword != "p" {
					return "redis values not read"
				}
				return ""
			},
		},
		{name: "unknown store", env: map[string]string{"SESSION_STORE": "memcached"}, wantErr: []string{`SESSION_STORE: "memcached" is not one of`}},
		{name: "dynamodb without table", env: map[string]string{"SESSION_STORE": "dynamodb"}, wantErr: []string{"SESSION_TABLE: required when SESSION_STORE=dynamodb"}},
		{name: "redis without address", env: map[string]string{"SESSION_STORE": "redis"}, wantErr: []string{"REDIS_ADDR: required when SESSION_STORE=redis"}},
		{name: "redis address without port", env: map[string]string{"SESSION_STORE": "redis", "REDIS_ADDR": "cache.local"}, wantErr: []string{`REDIS_ADDR: "cache.local": want host:port`}},
		{name: "redis address without host", env: map[string]string{"SESSION_STORE": "redis", "REDIS_ADDR": ":6379"}, wantErr: []string{"REDIS_ADDR", "host is empty"}},
		{name: "redis bad TLS flag", env: map[string]string{"SESSION_STORE": "redis", "REDIS_ADDR": "h:6379", "REDIS_TLS": "yes please"}, wantErr: []string{`REDIS_TLS: "yes please" is not a boolean`}},
		{name: "redis secret ARN only", env: map[string]string{"SESSION_STORE": "redis", "REDIS_ADDR": "h:6379", "REDIS_AUTH_SECRET_ARN": "arn:x"}, wantErr: []string{"REDIS_AUTH_SECRET_ARN", "pass it in REDIS_PASSWORD"}},
		{name: "bad TTL", env: map[string]string{"SESSION_TTL": "1 day"}, wantErr: []string{`SESSION_TTL: "1 day" is not a duration`}},
		{name: "TTL too short", env: map[string]string{"SESSION_TTL": "500ms"}, wantErr: []string{"at least 1s"}},
		{name: "bad cookie flag", env: map[string]string{"COOKIE_SECURE": "nope"}, wantErr: []string{"COOKIE_SECURE"}},
		{name: "bad listen address", env: map[string]string{"LISTEN_ADDR": "8080"}, wantErr: []string{"LISTEN_ADDR"}},
		{name: "static dir missing", env: map[string]string{"STATIC_DIR": filepath.Join(dir, "nope")}, wantErr: []string{"STATIC_DIR", "no such file"}},
		{name: "static dir is a file", env: map[string]string{"STATIC_DIR": file}, wantErr: []string{"STATIC_DIR", "is not a directory"}},
		{name: "instance id with space", env: map[string]string{"INSTANCE_ID": "i 1"}, wantErr: []string{"INSTANCE_ID"}},
		{
			name:    "every error reported",
			env:     map[string]string{"SESSION_STORE": "dynamodb", "SESSION_TTL": "x", "COOKIE_SECURE": "x"},
			wantErr: []string{"SESSION_TABLE", "SESSION_TTL", "COOKIE_SECURE"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := LoadConfig(func(k string) string { return tt.env[k] })
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("LoadConfig(%v) succeeded; want an error containing %q", tt.env, tt.wantErr)
				}
				for _, s := range tt.wantErr {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q does not contain %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadConfig(%v): %v", tt.env, err)
			}
			if msg := tt.want(cfg); msg != "" {
				t.Errorf("%s: got %+v", msg, cfg)
			}
		})
	}
}
