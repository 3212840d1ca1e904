package webapp

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gureum-cdk/gureum/internal/testsvc"
)

func TestRunServesAndShutsDown(t *testing.T) {
	port, err := testsvc.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(func(k string) string {
		return map[string]string{
			"LISTEN_ADDR":   "127.0.0.1:" + strconv.Itoa(port),
			"SESSION_STORE": "redis",
			"REDIS_ADDR":    rds.Addr,
			"INSTANCE_ID":   "i-run",
			"APP_STAGE":     "stage5",
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg, slog.New(slog.NewJSONHandler(&logs, nil))) }()

	base := "http://" + cfg.ListenAddr
	deadline := time.Now().Add(10 * time.Second)
	for {
		res, err := http.Get(base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not become healthy: %v\n%s", err, logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	res, err := http.Post(base+"/counter", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeCounter(t, res); got.Count != 1 || got.ServedBy != "i-run" {
		t.Errorf("POST /counter = %+v, want count 1 served by i-run", got)
	}
	res.Body.Close()

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run returned %v after its context ended; want nil", err)
		}
	case <-time.After(ShutdownTimeout + 5*time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Error("server still answers after Run returned")
	}
	for _, want := range []string{`"msg":"listening"`, `"store":"redis"`, `"stage":"stage5"`, `"msg":"shutting down"`, `"msg":"stopped"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("log lacks %s:\n%s", want, logs.String())
		}
	}
}

func TestRunFailsOnBusyPort(t *testing.T) {
	cfg := Config{ListenAddr: "127.0.0.1:" + strconv.Itoa(portInUse(t)), Store: StoreMemory, SessionTTL: time.Hour, CookieSecure: true}
	err := Run(context.Background(), cfg, discardLogger())
	if err == nil || !strings.Contains(err.Error(), "listen on") {
		t.Errorf("Run on a busy port: err = %v, want a listen error", err)
	}
}

// portInUse returns a port held by a listener until the test ends.
func portInUse(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l.Addr().(*net.TCPAddr).Port
}
