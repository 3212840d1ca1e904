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

// Build compiles the Go main package that entry names (a directory, or an
// import path: see Props.Entry) for linux/goarch into a reproducible binary
// named bootstrap, and returns the binary's path. Builds are cached per
// process, so every synthesis compiles each handler once.
//
// The flags make the output byte-identical for the same source and toolchain:
// CGO off, -trimpath, no VCS stamp, no build id, stripped symbols, and the
// lambda.norpc tag that provided.al2023 handlers want. The build runs in the
// root of the module that holds the package, so that module's go.mod and
// go.sum pick the dependencies: this repository's for a handler in it, the
// gureum module's (in the module cache) for an app that requires gureum.
func Build(entry, goarch string) (string, error) {
	p, err := lookup(entry)
	if err != nil {
		return "", err
	}
	return buildOnce(p, goarch)
}

func buildOnce(p pkg, goarch string) (string, error) {
	key := goarch + "|" + p.Module + "|" + p.Dir
	buildMu.Lock()
	e, ok := builds[key]
	if !ok {
		e = &buildEntry{}
		builds[key] = e
	}
	buildMu.Unlock()
	e.once.Do(func() { e.path, e.err = build(p, goarch) })
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

func build(p pkg, goarch string) (string, error) {
	rel, err := filepath.Rel(p.Module, p.Dir)
	if err != nil {
		return "", err
	}
	target := "./" + filepath.ToSlash(rel)
	sum := sha256.Sum256([]byte(goarch + "|" + p.Dir))
	out := filepath.Join(os.TempDir(), "gureum-golambda", hex.EncodeToString(sum[:8]), "bootstrap")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	// Build beside the final name and rename, so that another process
	// building the same handler never reads a half-written binary.
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	args := []string{"build"}
	env := append(os.Environ(), "GOOS=linux", "GOARCH="+goarch, "CGO_ENABLED=0")
	if p.ImportPath {
		// The package's own module decides, whatever the app's workspace or
		// GOFLAGS say: it may sit read-only in the module cache.
		args = append(args, "-mod=readonly")
		env = append(env, "GOWORK=off")
	}
	args = append(args,
		"-tags", "lambda.norpc",
		"-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w -buildid=",
		"-o", tmp, target)
	cmd := exec.Command("go", args...)
	cmd.Dir = p.Module
	cmd.Env = env
	if b, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("go build %s (in %s) for linux/%s: %v\n%s", target, p.Module, goarch, err, strings.TrimSpace(string(b)))
	}
	if err := os.Rename(tmp, out); err != nil {
		return "", err
	}
	return out, nil
}

// localBundling implements awscdk.ILocalBundling with the Go toolchain, so
// synthesis never needs Docker. It must be passed as a pointer: jsii cannot
// manage a value receiver.
type localBundling struct {
	pkg    pkg
	goarch string
}

// TryBundle builds the handler and copies the binary into outputDir.
func (l *localBundling) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	bin, err := buildOnce(l.pkg, l.goarch)
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
