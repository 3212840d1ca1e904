package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gureum-cdk/gureum/internal/testsvc"
)

// buildServer compiles this program once for the tests.
func buildServer(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "server")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestServerProgram(t *testing.T) {
	bin := buildServer(t)

	t.Run("invalid configuration exits 2", func(t *testing.T) {
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(), "SESSION_STORE=dynamodb", "SESSION_TABLE=", "SESSION_TTL=forever")
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Fatalf("exit: %v, want code 2", err)
		}
		for _, want := range []string{"invalid configuration", "SESSION_TABLE", "SESSION_TTL"} {
			if !strings.Contains(stdout.String(), want) {
				t.Errorf("output lacks %q: %s", want, stdout.String())
			}
		}
	})

	t.Run("serves and stops on SIGTERM", func(t *testing.T) {
		port, err := testsvc.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin)
		cmd.Env = append(os.Environ(),
			"SESSION_STORE=memory", "LISTEN_ADDR=127.0.0.1:"+strconv.Itoa(port),
			"COOKIE_SECURE=false", "INSTANCE_ID=i-bin", "APP_STAGE=stage1")
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		defer func() {
			_ = cmd.Process.Kill()
			<-exited
		}()

		base := "http://127.0.0.1:" + strconv.Itoa(port)
		deadline := time.Now().Add(10 * time.Second)
		for {
			res, err := http.Get(base + "/healthz")
			if err == nil {
				res.Body.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("server did not start: %v", err)
			}
			time.Sleep(20 * time.Millisecond)
		}
		res, err := http.Post(base+"/counter", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		var body struct {
			Count    int64  `json:"count"`
			ServedBy string `json:"servedBy"`
		}
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if body.Count != 1 || body.ServedBy != "i-bin" {
			t.Errorf("POST /counter = %+v, want count 1 served by i-bin", body)
		}
		if c := res.Header.Get("Set-Cookie"); !strings.Contains(c, "gureum_session=") || strings.Contains(c, "Secure") {
			t.Errorf("Set-Cookie %q: want a session cookie without Secure (COOKIE_SECURE=false)", c)
		}

		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-exited:
			exited <- err // for the deferred cleanup
			if err != nil {
				t.Fatalf("server exited with %v after SIGTERM, want status 0\n%s", err, stdout.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("server did not exit after SIGTERM")
		}

		var msgs []string
		sc := bufio.NewScanner(&stdout)
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
			}
			msgs = append(msgs, line["msg"].(string))
		}
		want := []string{"listening", "request", "shutting down", "stopped"}
		if strings.Join(msgs, ",") != strings.Join(want, ",") {
			t.Errorf("log messages %q, want %q", msgs, want)
		}
	})
}
