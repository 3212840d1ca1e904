package golambda

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// Build compiles the Go main package that entry names (a directory, or an
// import path: see Props.Entry) for linux/goarch into a reproducible binary
// named bootstrap, and returns the binary's path. Each handler is compiled
// at most once per process, and not at all when the build cache (see
// CacheEnv) holds the binary its sources and toolchain make.
//
// The build runs in the root of the module that holds the package, so that
// module's go.mod and go.sum pick the dependencies: this repository's for a
// handler in it, the gureum module's (in the module cache) for an app that
// requires gureum.
func Build(entry, goarch string) (string, error) {
	p, err := lookup(entry)
	if err != nil {
		return "", err
	}
	art, err := defaultBuilder().start(p, goarch).wait()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(goarch + "|" + p.Dir))
	out := filepath.Join(os.TempDir(), "gureum-golambda", hex.EncodeToString(sum[:8]), "bootstrap")
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return "", err
	}
	// Write beside the final name and rename, so that another process
	// writing the same handler never exposes a half-written binary.
	tmp := fmt.Sprintf("%s.%d.tmp", out, os.Getpid())
	if err := art.copyTo(tmp, 0o755); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return out, nil
}

// builder builds handlers through the cache (nil: no cache), running at most
// one go command per CPU at a time.
type builder struct {
	cache *diskCache
	sums  fileHasher
	sem   chan struct{}

	mu    sync.Mutex
	jobs  map[string]*job
	tools map[string]*toolJob

	// goBuilds counts go build runs, goLists go list runs.
	goBuilds, goLists atomic.Int64
}

func newBuilder(c *diskCache) *builder {
	return &builder{
		cache: c,
		sem:   make(chan struct{}, runtime.NumCPU()),
		jobs:  map[string]*job{},
		tools: map[string]*toolJob{},
	}
}

var defaultBuilder = sync.OnceValue(func() *builder { return newBuilder(openCache()) })

// job is one handler's build, running or done.
type job struct {
	done chan struct{}
	art  entry
	err  error
}

func (j *job) wait() (entry, error) {
	<-j.done
	return j.art, j.err
}

// start begins building p for goarch in the background, once per process.
func (b *builder) start(p pkg, goarch string) *job {
	key := goarch + "|" + p.Module + "|" + p.Dir
	b.mu.Lock()
	j, ok := b.jobs[key]
	if !ok {
		j = &job{done: make(chan struct{})}
		b.jobs[key] = j
	}
	b.mu.Unlock()
	if !ok {
		go func() {
			defer close(j.done)
			j.art, j.err = b.artifact(p, goarch)
		}()
	}
	return j
}

// Prestart begins building the handler entry names for goarch now, in the
// background, when scope's stack will be bundled (the CDK CLI bundles only
// the stacks it was asked for with --exclusively, through the
// aws:cdk:bundling-stacks context). The bundling step then only copies the
// binary. Errors surface at bundling.
func prestart(scope constructs.Construct, p pkg, goarch string) {
	if bundlingRequired(scope) {
		defaultBuilder().start(p, goarch)
	}
}

func bundlingRequired(scope constructs.Construct) (required bool) {
	defer func() {
		if recover() != nil { // not in a stack: the CDK will say so
			required = false
		}
	}()
	return *awscdk.Stack_Of(scope).BundlingRequired()
}

func (b *builder) acquire() func() {
	b.sem <- struct{}{}
	return func() { <-b.sem }
}

type toolJob struct {
	once sync.Once
	tc   toolchain
	err  error
}

// toolchain asks go env once per module directory and environment.
func (b *builder) toolchain(s spec) (toolchain, error) {
	key := s.pkg.Module + "\x00" + strings.Join(s.env, "\x00")
	b.mu.Lock()
	t, ok := b.tools[key]
	if !ok {
		t = &toolJob{}
		b.tools[key] = t
	}
	b.mu.Unlock()
	t.once.Do(func() { t.tc, t.err = goEnv(s) })
	return t.tc, t.err
}

// artifact returns the binary of p for goarch: from the cache when an entry
// for the same toolchain, flags and source content is there and intact,
// otherwise from go build (then stored in the cache).
func (b *builder) artifact(p pkg, goarch string) (entry, error) {
	s, err := newSpec(p, goarch)
	if err != nil {
		return entry{}, err
	}
	if b.cache == nil {
		return b.build(s)
	}
	outKey, err := b.outputKey(s)
	if err != nil {
		// go list or go env failed (a syntax error, a missing module):
		// go build gives the message.
		return b.build(s)
	}
	if e, ok := b.cache.get(kindOutput, outKey); ok {
		return e, nil
	}
	built, err := b.build(s)
	if err != nil {
		return entry{}, err
	}
	f, err := os.Open(built.Path)
	if err != nil {
		return entry{}, err
	}
	defer f.Close()
	e, err := b.cache.put(kindOutput, outKey, f, built.Size, built.Sum)
	if err != nil {
		// A full or read-only cache does not fail the synthesis.
		return built, nil
	}
	return e, nil
}

// outputKey returns the key of the binary s builds: from the manifest when
// it still holds, else from go list (and the manifest is stored).
func (b *builder) outputKey(s spec) (string, error) {
	tc, err := b.toolchain(s)
	if err != nil {
		return "", err
	}
	header, err := s.header(tc)
	if err != nil {
		return "", err
	}
	mkey := manifestKey(s, tc, header)
	if e, ok := b.cache.get(kindManifest, mkey); ok {
		var m manifest
		if raw, err := e.readAll(); err == nil && json.Unmarshal(raw, &m) == nil && m.valid(&b.sums) {
			return m.Output, nil
		}
	}
	release := b.acquire()
	b.goLists.Add(1)
	m, err := listDeps(s, header, &b.sums)
	release()
	if err != nil {
		return "", err
	}
	if raw, err := json.Marshal(m); err == nil {
		b.cache.putBytes(kindManifest, mkey, raw) // best effort
	}
	return m.Output, nil
}

// build runs go build and returns the binary as an entry (Off 0). The file
// is os.TempDir()/gureum-golambda/<handler>/<goarch>, replaced atomically by
// every build of that handler: if another process replaces it between this
// build and its use, the copy sees the hash change and fails.
func (b *builder) build(s spec) (entry, error) {
	sum := sha256.Sum256([]byte(s.goarch + "|" + s.pkg.Dir))
	dir := filepath.Join(os.TempDir(), "gureum-golambda", hex.EncodeToString(sum[:8]))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return entry{}, err
	}
	out := filepath.Join(dir, s.goarch)
	tmp := fmt.Sprintf("%s.%d-%d.tmp", out, os.Getpid(), b.goBuilds.Add(1))
	release := b.acquire()
	cmdOut, err := s.command(s.buildArgs(tmp)...).CombinedOutput()
	release()
	if err != nil {
		os.Remove(tmp)
		return entry{}, fmt.Errorf("go build %s (in %s) for linux/%s: %v\n%s", s.target, s.pkg.Module, s.goarch, err, strings.TrimSpace(string(cmdOut)))
	}
	hash, size, err := hashFile(tmp)
	if err == nil {
		err = os.Rename(tmp, out)
	}
	if err != nil {
		os.Remove(tmp)
		return entry{}, err
	}
	return entry{Path: out, Size: size, Sum: hash}, nil
}

// localBundling implements awscdk.ILocalBundling with the Go toolchain, so
// synthesis never needs Docker. It must be passed as a pointer: jsii cannot
// manage a value receiver.
type localBundling struct {
	pkg    pkg
	goarch string
}

// TryBundle waits for the handler's build (started when its construct was
// created, or now) and copies the binary into outputDir.
func (l *localBundling) TryBundle(outputDir *string, _ *awscdk.BundlingOptions) *bool {
	b := defaultBuilder()
	dst := filepath.Join(*outputDir, "bootstrap")
	art, err := b.start(l.pkg, l.goarch).wait()
	if err == nil {
		err = art.copyTo(dst, 0o755)
		if errors.Is(err, errDamaged) || errors.Is(err, os.ErrNotExist) {
			// Evicted or replaced by another synthesis since it was
			// checked: build it here.
			var s spec
			if s, err = newSpec(l.pkg, l.goarch); err == nil {
				if art, err = b.build(s); err == nil {
					err = art.copyTo(dst, 0o755)
				}
			}
		}
	}
	if err != nil {
		// A false return would make the CDK fall back to Docker, which hides
		// the compiler's message behind a Docker error: fail loudly instead.
		panic(fmt.Errorf("golambda: %w", err))
	}
	return jsii.Bool(true)
}
