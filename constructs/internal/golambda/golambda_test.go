package golambda

import (
	"crypto/sha256"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const (
	// handlerImport is the import path of the smallest handler, a main
	// package that imports a module from outside the repository
	// (aws-lambda-go).
	handlerImport = "github.com/gureum-cdk/gureum/constructs/serverlessapi/testdata/handler"
	// repoModule is this repository's module path.
	repoModule = "github.com/gureum-cdk/gureum"
)

var (
	handler  = abs("../../serverlessapi/testdata/handler")
	repoRoot = abs("../../..")
)

func abs(rel string) string {
	a, err := filepath.Abs(rel)
	if err != nil {
		panic(err)
	}
	return a
}

func sum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func mustResolve(t *testing.T, entry string) pkg {
	t.Helper()
	p, err := resolve(entry)
	if err != nil {
		t.Fatalf("resolve(%q): %v", entry, err)
	}
	return p
}

// uncached builds p for goarch without the cache and returns the binary's
// SHA-256.
func uncached(t *testing.T, p pkg, goarch string) [32]byte {
	t.Helper()
	e, err := newBuilder(nil).artifact(p, goarch)
	if err != nil {
		t.Fatal(err)
	}
	return sum(t, e.Path)
}

// The asset hash is the binary's, so a rebuild of unchanged source must give
// the same bytes, or every synthesis would redeploy every function.
func TestBuildIsReproducible(t *testing.T) {
	t.Parallel()
	p := mustResolve(t, handler)
	a := uncached(t, p, "arm64")
	if uncached(t, p, "arm64") != a {
		t.Error("two builds of the same source differ")
	}
	if uncached(t, p, "amd64") == a {
		t.Error("arm64 and amd64 builds are identical")
	}
	if cached, err := Build(handler, "arm64"); err != nil || sum(t, cached) != a {
		t.Errorf("Build = %s, %v; want the same binary", cached, err)
	}
	// The same package named by its import path is the same binary, so
	// switching a default entry to an import path changes no asset hash.
	if uncached(t, mustResolve(t, handlerImport), "arm64") != a {
		t.Error("the build by import path differs from the build by directory")
	}
}

func TestBuildReportsCompilerErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := resolve(dir); err == nil || !strings.Contains(err.Error(), "is not in a Go module: no go.mod above") {
		t.Errorf("resolve outside a module: %v, want an error naming go.mod", err)
	}
	for _, c := range []struct{ name, main, want string }{
		// go list accepts it; go build does not.
		{"type error", "package main\n\nfunc main() { undefined() }\n", "undefined: undefined"},
		// go list fails too: go build still gives the message.
		{"syntax error", "package main\n\nfunc main() {\n", "expected }"},
		{"missing import", "package main\n\nimport _ \"example.com/absent\"\n\nfunc main() {}\n", "example.com/absent"},
	} {
		writeFiles(t, dir, map[string]string{"go.mod": "module broken\n\ngo 1.22\n", "main.go": c.main})
		for _, cache := range []*diskCache{nil, testCache(t, 0)} {
			_, err := newBuilder(cache).artifact(mustResolve(t, dir), "arm64")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "linux/arm64") {
				t.Errorf("%s (cache %v): %v, want the compiler's message and the target", c.name, cache != nil, err)
			}
		}
	}
}

func TestResolve(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		entry      string
		importPath bool
	}{
		{handler, false},
		{"../../serverlessapi/testdata/handler", false},
		{handlerImport, true},
	} {
		p := mustResolve(t, c.entry)
		if p.Dir != handler || p.Module != repoRoot || p.ImportPath != c.importPath || p.Entry != c.entry {
			t.Errorf("resolve(%q) = %+v, want Dir %s in module %s, ImportPath %v", c.entry, p, handler, repoRoot, c.importPath)
		}
	}
}

func TestCheckEntry(t *testing.T) {
	t.Parallel()
	cases := []struct{ entry, want string }{
		{"", "is empty: want the directory of the handler's main package"},
		{"testdata-missing", `"testdata-missing" (` + abs("testdata-missing") + ") does not exist"},
		{"./testdata-missing", "does not exist"},
		{"golambda_test.go", `"golambda_test.go" is not a directory`},
		{"../../../functions", `"../../../functions" holds no .go files`},
		// A directory of Go files: CheckEntry leaves its package clause to
		// go build.
		{"../../serverlessapi", ""},
		{handler, ""},
		{handlerImport, ""},
		{repoModule + "/functions/crawler", ""},
		{repoModule + "/constructs/serverlessapi", `"` + repoModule + `/constructs/serverlessapi" is package serverlessapi, not a main package`},
		{repoModule + "/functions/nope", `"` + repoModule + `/functions/nope" is not a directory, and go list cannot find the package: ` +
			`no required module provides package ` + repoModule + `/functions/nope`},
		{"example.com/not/required", `go list cannot find the package: no required module provides package example.com/not/required`},
		{"net/http", `"net/http" (` + abs("net/http") + ") does not exist"},
	}
	for _, c := range cases {
		err := CheckEntry(c.entry)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("CheckEntry(%q) = %v, want nil", c.entry, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("CheckEntry(%q) = %v, want %q", c.entry, err, c.want)
		}
	}
}

// A platform team's CDK app is its own module that requires gureum: there the
// repository's relative directories do not exist, and the module has no
// go.sum entries for the handlers' dependencies (its code imports the
// constructs, not the handlers). An import path must resolve from that
// module's directory and build inside gureum's module, into the same binary.
func TestImportPathFromAnotherModule(t *testing.T) {
	app := t.TempDir()
	goMod := "module example.com/platform\n\ngo 1.22\n\nrequire " + repoModule + " v0.0.0\n\nreplace " + repoModule + " => " + repoRoot + "\n"
	if err := os.WriteFile(filepath.Join(app, "go.mod"), []byte(goMod), 0o644); err != nil {
		t.Fatal(err)
	}
	offline := append(os.Environ(), "GOPROXY=off", "GOSUMDB=off", "GOWORK=off", "GOFLAGS=-mod=mod")
	// What `go get github.com/gureum-cdk/gureum` writes: the requirements
	// gureum brings (from the module cache, offline).
	goGet := exec.Command("go", "get", repoModule+"@v0.0.0")
	goGet.Dir, goGet.Env = app, offline
	if out, err := goGet.CombinedOutput(); err != nil {
		t.Fatalf("go get in the app module: %v\n%s", err, out)
	}
	if err := os.Remove(filepath.Join(app, "go.sum")); err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	// The app's module cannot build the handler itself: no go.sum entry for
	// aws-lambda-go. (If it could, this test would prove nothing.)
	direct := exec.Command("go", "build", "-o", os.DevNull, handlerImport)
	direct.Dir = app
	direct.Env = append(os.Environ(), "GOPROXY=off", "GOWORK=off", "GOFLAGS=-mod=readonly", "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0")
	if out, err := direct.CombinedOutput(); err == nil || !strings.Contains(string(out), "missing go.sum entry") {
		t.Fatalf("go build in the app module: %v\n%s\nwant a missing go.sum entry", err, out)
	}

	want := uncached(t, mustResolve(t, handler), "arm64")

	t.Chdir(app)
	if err := CheckEntry("functions/crawler"); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf(`CheckEntry("functions/crawler") in the app = %v, want "does not exist": relative entries only work from the repository`, err)
	}
	for _, entry := range []string{handlerImport, repoModule + "/functions/crawler"} {
		if err := CheckEntry(entry); err != nil {
			t.Errorf("CheckEntry(%q) in the app: %v", entry, err)
		}
	}
	if err := CheckEntry(repoModule + "/functions/nope"); err == nil || !strings.Contains(err.Error(), "go list cannot find the package") {
		t.Errorf("CheckEntry of a missing package in the app = %v, want go list's message", err)
	}
	p := mustResolve(t, handlerImport)
	if p.Dir != handler || p.Module != repoRoot || !p.ImportPath {
		t.Fatalf("resolve in the app = %+v, want %s in module %s", p, handler, repoRoot)
	}
	if uncached(t, p, "arm64") != want {
		t.Error("the handler built by import path from the app differs from the one built in the repository")
	}
}
