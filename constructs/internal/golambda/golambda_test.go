package golambda

import (
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var handler = func() string {
	abs, err := filepath.Abs("../../serverlessapi/testdata/handler")
	if err != nil {
		panic(err)
	}
	return abs
}()

func sum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// The asset hash is the binary's, so a rebuild of unchanged source must give
// the same bytes, or every synthesis would redeploy every function.
func TestBuildIsReproducible(t *testing.T) {
	first, err := build(handler, "arm64")
	if err != nil {
		t.Fatal(err)
	}
	a := sum(t, first)
	if err := os.Remove(first); err != nil {
		t.Fatal(err)
	}
	second, err := build(handler, "arm64")
	if err != nil {
		t.Fatal(err)
	}
	if sum(t, second) != a {
		t.Error("two builds of the same source differ")
	}
	amd, err := build(handler, "amd64")
	if err != nil {
		t.Fatal(err)
	}
	if sum(t, amd) == a {
		t.Error("arm64 and amd64 builds are identical")
	}
	if cached, err := Build(handler, "arm64"); err != nil || sum(t, cached) != a {
		t.Errorf("Build = %s, %v; want the same binary", cached, err)
	}
}

func TestBuildReportsCompilerErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := build(dir, "arm64"); err == nil || !strings.Contains(err.Error(), "no go.mod above") {
		t.Errorf("build outside a module: %v, want an error naming go.mod", err)
	}
	files := map[string]string{"go.mod": "module broken\n\ngo 1.22\n", "main.go": "package main\n\nfunc main() { undefined() }\n"}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err := build(dir, "arm64")
	if err == nil || !strings.Contains(err.Error(), "undefined: undefined") || !strings.Contains(err.Error(), "linux/arm64") {
		t.Errorf("build of broken code: %v, want the compiler's message and the target", err)
	}
}

func TestCheckEntry(t *testing.T) {
	cases := map[string]string{
		"":                    "is empty",
		"testdata-missing":    "does not exist",
		"golambda_test.go":    "is not a directory",
		"../../serverlessapi": "",
	}
	for dir, want := range cases {
		err := CheckEntry(dir)
		switch {
		case want == "" && err == nil:
		case want == "" && err != nil:
			// serverlessapi holds .go files: it is a (non-main) package, which
			// CheckEntry cannot tell apart from a main one; go build will.
			t.Errorf("CheckEntry(%q) = %v", dir, err)
		case err == nil || !strings.Contains(err.Error(), want):
			t.Errorf("CheckEntry(%q) = %v, want %q", dir, err, want)
		}
	}
}
