package golambda

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/jsii-runtime-go"
)

func TestMain(m *testing.M) {
	// The package's tests never touch the user's build cache; the jsii
	// kernel, started later, inherits the settings.
	dir, err := os.MkdirTemp("", "golambda-test-cache-")
	if err != nil {
		panic(err)
	}
	os.Setenv(CacheEnv, dir)
	os.Setenv("CDK_VALIDATION", "false")
	if os.Getenv("JSII_RUNTIME_PACKAGE_CACHE") == "" {
		os.Setenv("JSII_RUNTIME_PACKAGE_CACHE", "enabled")
	}
	code := m.Run()
	jsii.Close()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testCache is a cache in a fresh directory, bounded to maxMB (0: the
// default).
func testCache(t *testing.T, maxMB int64) *diskCache {
	t.Helper()
	if maxMB == 0 {
		maxMB = DefaultCacheMaxMB
	}
	return &diskCache{dir: t.TempDir(), max: maxMB << 20}
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// handlerModule writes a module with three handlers: a and b import the
// package shared, c imports nothing of the module.
func handlerModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"go.mod":          "module example.com/h\n\ngo 1.22\n",
		"shared/msg.go":   "package shared\n\nconst Msg = \"v1\"\n",
		"a/main.go":       "package main\n\nimport \"example.com/h/shared\"\n\nfunc main() { println(\"a\", shared.Msg) }\n",
		"b/main.go":       "package main\n\nimport \"example.com/h/shared\"\n\nfunc main() { println(\"b\", shared.Msg) }\n",
		"c/main.go":       "package main\n\nfunc main() { println(\"c\") }\n",
		"c/README":        "not Go\n",
		"shared/notes.md": "not Go either\n",
	})
	return dir
}

// counts is what one synthesis (a fresh builder) ran.
type counts struct{ builds, lists int64 }

// buildAll builds the named handlers of module with a fresh builder on
// cache, as one synthesis would, and returns each binary's SHA-256 and what
// the builder ran.
func buildAll(t *testing.T, cache *diskCache, module string, names ...string) (map[string][32]byte, counts) {
	t.Helper()
	b := newBuilder(cache)
	out := map[string][32]byte{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, err := b.artifact(mustResolve(t, filepath.Join(module, n)), "arm64")
			if err != nil {
				t.Error(err)
				return
			}
			payload, err := e.readAll()
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			out[n] = sha256.Sum256(payload)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out, counts{b.goBuilds.Load(), b.goLists.Load()}
}

// A cached binary is byte for byte the binary an uncached build makes, for a
// handler with dependencies outside the module; an unchanged handler is
// neither built nor listed again.
func TestCachedBuildIsByteIdentical(t *testing.T) {
	t.Parallel()
	cache := testCache(t, 0)
	p := mustResolve(t, handler)
	want := uncached(t, p, "arm64")
	for i, wantRan := range []counts{{1, 1}, {0, 0}} {
		b := newBuilder(cache)
		e, err := b.artifact(p, "arm64")
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(t.TempDir(), "bootstrap")
		if err := e.copyTo(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		if sum(t, dst) != want {
			t.Errorf("synthesis %d: the cached binary differs from an uncached build", i+1)
		}
		if st, err := os.Stat(dst); err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("synthesis %d: copied binary %v, %v: want mode 0755", i+1, st.Mode(), err)
		}
		if ran := (counts{b.goBuilds.Load(), b.goLists.Load()}); ran != wantRan {
			t.Errorf("synthesis %d ran %d go build and %d go list, want %+v", i+1, ran.builds, ran.lists, wantRan)
		}
	}
}

// Editing one handler rebuilds that handler only; editing a package they
// share rebuilds the handlers that import it; a file that cannot change the
// binary (a test, a README, another OS's file) costs a go list but no build;
// undoing an edit finds the earlier binary again.
func TestOnlyChangedHandlersRebuild(t *testing.T) {
	t.Parallel()
	mod := handlerModule(t)
	cache := testCache(t, 0)
	all := []string{"a", "b", "c"}
	first, ran := buildAll(t, cache, mod, all...)
	if ran != (counts{3, 3}) {
		t.Fatalf("first synthesis ran %+v, want 3 builds and 3 lists", ran)
	}
	steps := []struct {
		name    string
		files   map[string]string
		rebuilt []string // handlers whose binary must change
		builds  int64
		lists   int64
		// anyBytes: the key changes, the bytes may not (go 1.23 compiles
		// this code as go 1.22 did).
		anyBytes bool
	}{
		{"nothing changed", nil, nil, 0, 0, false},
		{"handler a edited", map[string]string{"a/main.go": "package main\n\nimport \"example.com/h/shared\"\n\nfunc main() { println(\"A\", shared.Msg) }\n"}, []string{"a"}, 1, 1, false},
		{"shared package edited", map[string]string{"shared/msg.go": "package shared\n\nconst Msg = \"v2\"\n"}, []string{"a", "b"}, 2, 2, false},
		{"test file added to shared", map[string]string{"shared/msg_test.go": "package shared\n"}, nil, 0, 2, false},
		{"windows-only file added to c", map[string]string{"c/extra_windows.go": "package main\n\nfunc init() { println(\"windows\") }\n"}, nil, 0, 1, false},
		{"file added to c", map[string]string{"c/extra.go": "package main\n\nfunc init() { println(\"linux too\") }\n"}, []string{"c"}, 1, 1, false},
		{"README of c edited", map[string]string{"c/README": "still not Go\n"}, nil, 0, 0, false},
		{"go.mod edited", map[string]string{"go.mod": "module example.com/h\n\ngo 1.23\n"}, nil, 3, 3, true},
	}
	prev := first
	for _, s := range steps {
		writeFiles(t, mod, s.files)
		got, ran := buildAll(t, cache, mod, all...)
		for _, n := range all {
			if s.anyBytes {
				break
			}
			changed := got[n] != prev[n]
			want := false
			for _, r := range s.rebuilt {
				want = want || r == n
			}
			if changed != want {
				t.Errorf("%s: handler %s changed = %v, want %v", s.name, n, changed, want)
			}
		}
		if ran != (counts{s.builds, s.lists}) {
			t.Errorf("%s: ran %d go build and %d go list, want %d and %d", s.name, ran.builds, ran.lists, s.builds, s.lists)
		}
		prev = got
	}
	// Back to the first sources: every binary is in the cache already.
	for _, f := range []string{"shared/msg_test.go", "c/extra_windows.go", "c/extra.go"} {
		os.Remove(filepath.Join(mod, f))
	}
	writeFiles(t, mod, map[string]string{
		"go.mod":        "module example.com/h\n\ngo 1.22\n",
		"shared/msg.go": "package shared\n\nconst Msg = \"v1\"\n",
		"a/main.go":     "package main\n\nimport \"example.com/h/shared\"\n\nfunc main() { println(\"a\", shared.Msg) }\n",
	})
	got, ran := buildAll(t, cache, mod, all...)
	if ran.builds != 0 {
		t.Errorf("undoing every edit ran %d go builds, want 0", ran.builds)
	}
	for _, n := range all {
		if got[n] != first[n] {
			t.Errorf("undoing every edit: handler %s differs from its first build", n)
		}
	}
}

// The binary's key holds no local path: the same module in another
// directory (another checkout) finds the binary built in the first. The
// key does hold the target and the go command's settings.
func TestKeyIsContent(t *testing.T) {
	mod := handlerModule(t)
	cache := testCache(t, 0)
	first, _ := buildAll(t, cache, mod, "a")

	other := t.TempDir()
	if err := os.CopyFS(other, os.DirFS(mod)); err != nil {
		t.Fatal(err)
	}
	got, ran := buildAll(t, cache, other, "a")
	if ran != (counts{0, 1}) || got["a"] != first["a"] {
		t.Errorf("a copy of the module ran %+v (want one go list, no build) and built the same binary: %v", ran, got["a"] == first["a"])
	}

	keyOfA := func() string {
		t.Helper()
		b := newBuilder(cache)
		s, err := newSpec(mustResolve(t, filepath.Join(mod, "a")), "arm64")
		if err != nil {
			t.Fatal(err)
		}
		k, err := b.outputKey(s)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	base := keyOfA()
	goflags := os.Getenv("GOFLAGS")
	t.Setenv("GOFLAGS", strings.TrimSpace(goflags+" -gcflags=-N"))
	if keyOfA() == base {
		t.Error("GOFLAGS=-gcflags=-N left the key unchanged")
	}
	t.Setenv("GOFLAGS", goflags)
	writeFiles(t, mod, map[string]string{"go.sum": "example.com/x v1.0.0 h1:AAAA=\n"})
	if keyOfA() == base {
		t.Error("a new go.sum left the key unchanged")
	}
	os.Remove(filepath.Join(mod, "go.sum"))
	if keyOfA() != base {
		t.Error("the key changed back and forth with the same sources")
	}
	s, _ := newSpec(mustResolve(t, filepath.Join(mod, "a")), "arm64")
	s86, _ := newSpec(mustResolve(t, filepath.Join(mod, "a")), "amd64")
	b := newBuilder(cache)
	k1, err1 := b.outputKey(s)
	k2, err2 := b.outputKey(s86)
	if err1 != nil || err2 != nil || k1 == k2 {
		t.Errorf("arm64 and amd64 keys: %s, %s (%v, %v): want two keys", k1, k2, err1, err2)
	}
}

// An entry that does not check out (cut short, a flipped byte in the binary
// or in its recorded hash, empty, not an entry at all) is rebuilt, never
// used, and replaced by a whole entry.
func TestDamagedEntriesAreRebuilt(t *testing.T) {
	t.Parallel()
	mod := handlerModule(t)
	want := uncached(t, mustResolve(t, filepath.Join(mod, "c")), "arm64")
	seed := testCache(t, 0)
	buildAll(t, seed, mod, "c")
	damage := map[string]func([]byte) []byte{
		"cut short":      func(b []byte) []byte { return b[:len(b)/2] },
		"only the frame": func(b []byte) []byte { return b[:frameSize] },
		"binary flipped": func(b []byte) []byte { b[len(b)-100] ^= 1; return b },
		"hash flipped":   func(b []byte) []byte { b[len(frameMagic)+3] ^= 1; return b },
		"length wrong":   func(b []byte) []byte { b[frameSize-1] ^= 1; return b },
		"empty":          func([]byte) []byte { return nil },
		"not an entry":   func([]byte) []byte { return []byte("hello") },
		"bytes appended": func(b []byte) []byte { return append(b, 0) },
	}
	for _, kind := range []string{kindOutput, kindManifest} {
		for name, f := range damage {
			t.Run(kind+"/"+name, func(t *testing.T) {
				cache := testCache(t, 0)
				if err := os.CopyFS(cache.dir, os.DirFS(seed.dir)); err != nil {
					t.Fatal(err)
				}
				entries, _ := filepath.Glob(filepath.Join(cache.dir, kind, "*"))
				if len(entries) != 1 {
					t.Fatalf("%d %s entries, want 1", len(entries), kind)
				}
				b, err := os.ReadFile(entries[0])
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(entries[0], f(b), 0o644); err != nil {
					t.Fatal(err)
				}
				got, ran := buildAll(t, cache, mod, "c")
				if got["c"] != want {
					t.Error("the binary differs from an uncached build")
				}
				wantRan := counts{1, 0} // the manifest still names the binary
				if kind == kindManifest {
					wantRan = counts{0, 1} // go list names it again: the binary is intact
				}
				if ran != wantRan {
					t.Errorf("ran %+v, want %+v", ran, wantRan)
				}
				if _, err := verifyEntry(entries[0]); err != nil {
					t.Errorf("the entry was not replaced by a whole one: %v", err)
				}
			})
		}
	}
}

// The cache stays within its limit: after each write the least recently
// used entries go, never the one just written.
func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	cache := testCache(t, 1)                                                        // 1 MiB
	payload := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 300<<10) } // 300 KiB
	size := func() (n int64) {
		for _, kind := range []string{kindOutput, kindManifest} {
			des, _ := os.ReadDir(filepath.Join(cache.dir, kind))
			for _, de := range des {
				info, _ := de.Info()
				n += info.Size()
			}
		}
		return n
	}
	old := time.Now().Add(-time.Hour)
	for i := range 3 {
		if _, err := cache.putBytes(kindOutput, fmt.Sprint("k", i), payload(i)); err != nil {
			t.Fatal(err)
		}
		// Written a while ago, k0 first.
		os.Chtimes(cache.path(kindOutput, fmt.Sprint("k", i)), old.Add(time.Duration(i)*time.Minute), old.Add(time.Duration(i)*time.Minute))
	}
	if _, ok := cache.get(kindOutput, "k0"); !ok { // k0 is now the most recently used
		t.Fatal("k0 missing before the cache was full")
	}
	if _, err := cache.putBytes(kindOutput, "k3", payload(3)); err != nil {
		t.Fatal(err)
	}
	var have []string
	for i := range 4 {
		if e, ok := cache.get(kindOutput, fmt.Sprint("k", i)); ok {
			if b, err := e.readAll(); err != nil || !bytes.Equal(b, payload(i)) {
				t.Errorf("k%d: wrong payload (%v)", i, err)
			}
			have = append(have, fmt.Sprint("k", i))
		}
	}
	if got := strings.Join(have, ","); got != "k0,k2,k3" {
		t.Errorf("entries left: %s, want k0,k2,k3 (k1 was the least recently used)", got)
	}
	if n := size(); n > cache.max {
		t.Errorf("cache holds %d bytes, limit %d", n, cache.max)
	}
	// An entry larger than the whole limit is still written, alone.
	if _, err := cache.putBytes(kindOutput, "big", bytes.Repeat([]byte{9}, 2<<20)); err != nil {
		t.Fatal(err)
	}
	des, _ := os.ReadDir(filepath.Join(cache.dir, kindOutput))
	if len(des) != 1 || des[0].Name() != "big" {
		t.Errorf("after a write larger than the limit: %d entries, want only it", len(des))
	}
	// A temporary file an interrupted synthesis left behind goes once stale.
	stale := filepath.Join(cache.dir, kindOutput, "k9.tmp-1")
	fresh := filepath.Join(cache.dir, kindOutput, "k8.tmp-2")
	for _, p := range []string{stale, fresh} {
		os.WriteFile(p, []byte("partial"), 0o644)
	}
	os.Chtimes(stale, old.Add(-staleTemp), old.Add(-staleTemp))
	cache.putBytes(kindManifest, "m", []byte("{}"))
	if _, err := os.Stat(stale); err == nil {
		t.Error("a stale temporary file survived a write")
	}
	if _, err := os.Stat(fresh); err != nil {
		t.Error("a temporary file being written was deleted")
	}
}

// Two syntheses at once, in two processes, building the same handlers into
// one empty cache: both succeed with the uncached binaries and leave whole
// entries and no temporary files.
func TestConcurrentSyntheses(t *testing.T) {
	mod := handlerModule(t)
	cache := testCache(t, 0)
	all := []string{"a", "b", "c"}
	want := map[string][32]byte{}
	for _, n := range all {
		want[n] = uncached(t, mustResolve(t, filepath.Join(mod, n)), "arm64")
	}
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for range 2 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSynthesis$", "-test.v")
		cmd.Env = append(os.Environ(), "GOLAMBDA_HELPER_MODULE="+mod, "GOLAMBDA_HELPER_CACHE="+cache.dir)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("synthesis %d: %v\n%s", i+1, err, outs[i])
		}
		for _, n := range all {
			if !strings.Contains(outs[i].String(), fmt.Sprintf("binary %s %x", n, want[n])) {
				t.Errorf("synthesis %d: handler %s is not the uncached binary:\n%s", i+1, n, outs[i])
			}
		}
	}
	var names []string
	for _, kind := range []string{kindOutput, kindManifest} {
		des, _ := os.ReadDir(filepath.Join(cache.dir, kind))
		for _, de := range des {
			names = append(names, kind+"/"+de.Name())
			if _, err := verifyEntry(filepath.Join(cache.dir, kind, de.Name())); err != nil {
				t.Errorf("%s/%s: %v", kind, de.Name(), err)
			}
		}
	}
	sort.Strings(names)
	if len(names) != 6 {
		t.Errorf("cache holds %q, want 3 binaries and 3 manifests and nothing else", names)
	}
	// And a third synthesis uses them.
	if _, ran := buildAll(t, cache, mod, all...); ran != (counts{}) {
		t.Errorf("a later synthesis ran %+v, want nothing", ran)
	}
}

// TestHelperSynthesis is one synthesis of TestConcurrentSyntheses, run in a
// process of its own.
func TestHelperSynthesis(t *testing.T) {
	mod := os.Getenv("GOLAMBDA_HELPER_MODULE")
	if mod == "" {
		t.Skip("run by TestConcurrentSyntheses")
	}
	got, _ := buildAll(t, &diskCache{dir: os.Getenv("GOLAMBDA_HELPER_CACHE"), max: DefaultCacheMaxMB << 20}, mod, "a", "b", "c")
	for n, s := range got {
		fmt.Printf("binary %s %x\n", n, s)
	}
}

// BenchmarkWarmCache is what an unchanged handler costs a synthesis: its
// manifest checked (every dependency file hashed, every package directory
// listed), its binary verified. Each iteration is a fresh builder, as in a
// new synthesis, over the three voting handlers, which share most files:
//
//	go test ./constructs/internal/golambda -run '^$' -bench WarmCache
func BenchmarkWarmCache(b *testing.B) {
	cache := &diskCache{dir: b.TempDir(), max: DefaultCacheMaxMB << 20}
	var pkgs []pkg
	for _, h := range []string{"createpoll", "castvote", "getpoll"} {
		p, err := resolve(filepath.Join(repoRoot, "functions", "voting", h))
		if err != nil {
			b.Fatal(err)
		}
		pkgs = append(pkgs, p)
		if _, err := newBuilder(cache).artifact(p, "arm64"); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for range b.N {
		bl := newBuilder(cache)
		for _, p := range pkgs {
			if _, err := bl.artifact(p, "arm64"); err != nil {
				b.Fatal(err)
			}
		}
		if n := bl.goBuilds.Load() + bl.goLists.Load(); n != 0 {
			b.Fatalf("%d go commands on a warm cache", n)
		}
	}
}
