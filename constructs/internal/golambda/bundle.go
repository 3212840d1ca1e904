package golambda

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
)

// Build compiles the Go main package in dir for linux/goarch into a
// reproducible binary named bootstrap, and returns the binary's path. Builds
// are cached per process, so every synthesis compiles each handler once.
//
// The flags make the output byte-identical for the same source and toolchain:
// CGO off, -trimpath, no VCS stamp, no build id, stripped symbols, and the
// lambda.norpc tag that provided.al2023 handlers want.
func Build(dir, goarch string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	key := goarch + "|" + abs
	buildMu.Lock()
	e, ok := builds[key]
	if !ok {
		e = &buildEntry{}
		builds[key] = e
	}
	buildMu.Unlock()
	e.once.Do(func() { e.path, e.err = build(abs, goarch) })
	return e.path, e.err
}

type buildEntry struct {
	once sync.Once
	path string
	err  error
}

var (
	buildMu sync.Mutex
	builds  = map[string]*buildEntry{}
)

func build(dir, goarch string) (string, error) {
	root, err := moduleRoot(dir)
	if err != nil {
		return "", err
	}
	rel, err := filepath.Rel(root, dir)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(goarch + "|" + dir))
	out := filepath.Join(os.TempDir(), "gureum-golambda", hex.EncodeToString(sum[:8]), "bootstrap")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	cmd := exec.Command("go", "build",
		"-tags", "lambda.norpc",
		"-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -buildid=",
		"-o", out, "./"+filepath.ToSlash(rel))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./%s for linux/%s: %v\n%s", filepath.ToSlash(rel), goarch, err, strings.TrimSpace(string(b)))
	}
	return out, nil
}

// moduleRoot finds the directory of the go.mod that contains dir.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
		d = parent
	}
}

// localBundling implements awscdk.ILocalBundling with the Go toolchain, so
// synthesis never needs Docker. It must be passed as a pointer: jsii cannot
// manage a value receiver.
type localBundling struct {
	dir, goarch string
}

// TryBundle builds the handler and copies the binary into outputDir.
func (l *localBundling) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	bin, err := Build(l.dir, l.goarch)
	if err != nil {
		// A false return would make the CDK fall back to Docker, which hides
		// the compiler's message behind a Docker error: fail loudly instead.
		panic(fmt.Errorf("golambda: %w", err))
	}
	if err := copyFile(bin, filepath.Join(*outputDir, "bootstrap"), 0o755); err != nil {
		panic(fmt.Errorf("golambda: %w", err))
	}
	return jsii.Bool(true)
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	return errors.Join(err, out.Close())
}
