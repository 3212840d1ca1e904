package golambda

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
)

// spec is one build: a package, a target architecture, and the go build
// arguments and environment that make it reproducible.
type spec struct {
	pkg    pkg
	goarch string
	// target is the package, relative to the module root ("./functions/x").
	target string
	// flags are go build's (and go list's) flags, without -o.
	flags []string
	// env is set on top of the process environment.
	env []string
}

func newSpec(p pkg, goarch string) (spec, error) {
	rel, err := filepath.Rel(p.Module, p.Dir)
	if err != nil {
		return spec{}, err
	}
	s := spec{
		pkg:    p,
		goarch: goarch,
		target: "./" + filepath.ToSlash(rel),
		env:    []string{"GOOS=linux", "GOARCH=" + goarch, "CGO_ENABLED=0"},
	}
	if p.ImportPath {
		// The package's own module decides, whatever the app's workspace or
		// GOFLAGS say: it may sit read-only in the module cache.
		s.flags = append(s.flags, "-mod=readonly")
		s.env = append(s.env, "GOWORK=off")
	}
	s.flags = append(s.flags, "-tags", "lambda.norpc")
	return s, nil
}

// buildArgs are go build's arguments writing the binary to out. The flags
// make the output byte-identical for the same source and toolchain: CGO off,
// -trimpath, no VCS stamp, no build id, stripped symbols.
func (s spec) buildArgs(out string) []string {
	args := append([]string{"build"}, s.flags...)
	return append(args, "-trimpath", "-buildvcs=false", "-ldflags", "-s -w -buildid=", "-o", out, s.target)
}

func (s spec) command(args ...string) *exec.Cmd {
	cmd := exec.Command("go", args...)
	cmd.Dir = s.pkg.Module
	cmd.Env = append(os.Environ(), s.env...)
	return cmd
}

// toolchain is what go env says in a build's module and environment.
type toolchain struct {
	// portable identifies the toolchain and every setting that changes a
	// build's output, without local paths.
	portable string
	// local adds GOROOT and the workspace file's path.
	local string
}

// goEnvVars are the go env settings that can change what go build makes
// for a given target. GOWORK is replaced by the workspace files' content.
var goEnvVars = []string{"GOVERSION", "GOFLAGS", "GOEXPERIMENT", "GOARM64", "GOAMD64", "GOFIPS140", "GOROOT", "GOWORK"}

func goEnv(s spec) (toolchain, error) {
	cmd := s.command(append([]string{"env", "-json"}, goEnvVars...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return toolchain{}, fmt.Errorf("go env: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var vals map[string]string
	if err := json.Unmarshal(out, &vals); err != nil {
		return toolchain{}, fmt.Errorf("go env: %v", err)
	}
	var portable, local strings.Builder
	for _, k := range goEnvVars {
		v := vals[k]
		switch k {
		case "GOROOT":
			fmt.Fprintf(&local, "%s=%s\n", k, v)
		case "GOWORK":
			fmt.Fprintf(&local, "%s=%s\n", k, v)
			if v != "" && v != "off" {
				for _, f := range []string{v, v + ".sum"} {
					sum, _, err := hashFile(f)
					if err != nil && !errors.Is(err, fs.ErrNotExist) {
						return toolchain{}, err
					}
					fmt.Fprintf(&portable, "workspace %s %x\n", filepath.Base(f), sum)
				}
			}
		default:
			fmt.Fprintf(&portable, "%s=%s\n", k, v)
		}
	}
	return toolchain{portable: portable.String(), local: local.String()}, nil
}

// header is what both keys start with: the toolchain, the target, the flags
// and the module's go.mod, go.sum and vendor/modules.txt.
func (s spec) header(tc toolchain) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "toolchain\n%s", tc.portable)
	fmt.Fprintf(&b, "env %q\nflags %q\nbuild %q\n", s.env, s.flags, s.buildArgs("OUT"))
	for _, name := range []string{"go.mod", "go.sum", filepath.Join("vendor", "modules.txt")} {
		sum, _, err := hashFile(filepath.Join(s.pkg.Module, name))
		switch {
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(&b, "%s none\n", name)
		case err != nil:
			return "", err
		default:
			fmt.Fprintf(&b, "%s %x\n", name, sum)
		}
	}
	return b.String(), nil
}

// manifestKey names the manifest of a build: the header plus where the
// package and its module are on this machine.
func manifestKey(s spec, tc toolchain, header string) string {
	return keyOf("manifest", header, tc.local, "module "+s.pkg.Module, "package "+s.pkg.Dir)
}

func keyOf(parts ...string) string {
	h := sha256.New()
	io.WriteString(h, "gureum-golambda v1\n")
	for _, p := range parts {
		fmt.Fprintf(h, "%d\n%s\n", len(p), p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// manifest is what go list found for a build, in a form that can be checked
// again without go list.
type manifest struct {
	// Output is the key of the binary these dependencies build.
	Output string
	// Dirs are the package directories, with the names of the regular
	// files each held (a new file may add an import or a build-constrained
	// variant). Recursive directories hold embedded files: every file
	// below them is listed, by relative path.
	Dirs []dirList
	// Files are the source, assembly, syso, embedded and go.mod files the
	// build reads, with their SHA-256.
	Files []fileSum
}

type dirList struct {
	Dir       string
	Recursive bool `json:",omitempty"`
	Names     []string
}

type fileSum struct {
	Path string
	Sum  string
}

// listedPkg is what go list -deps -json reports of one package.
type listedPkg struct {
	Dir, ImportPath, Name string
	Standard              bool
	Module                *struct {
		Path, Version, GoMod string
	}
	GoFiles, CgoFiles, CFiles, CXXFiles, MFiles, HFiles, FFiles, SFiles, SwigFiles, SwigCXXFiles, SysoFiles []string
	EmbedPatterns, EmbedFiles                                                                               []string
}

// listFields are the go list fields listedPkg reads: asking for only these
// makes go list faster.
const listFields = "Dir,ImportPath,Name,Standard,Module,GoFiles,CgoFiles,CFiles,CXXFiles,MFiles,HFiles,FFiles,SFiles,SwigFiles,SwigCXXFiles,SysoFiles,EmbedPatterns,EmbedFiles"

// listDeps runs go list -deps on the build's package and returns the
// manifest of what it depends on, with the output key.
func listDeps(s spec, header string, sums *fileHasher) (manifest, error) {
	cmd := s.command(append(append([]string{"list", "-deps", "-json=" + listFields}, s.flags...), s.target)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return manifest{}, fmt.Errorf("go list: %v: %s", err, strings.TrimSpace(stderr.String()))
	}
	var pkgs []listedPkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listedPkg
		if err := dec.Decode(&p); err != nil {
			return manifest{}, fmt.Errorf("go list: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].ImportPath < pkgs[j].ImportPath })

	var m manifest
	var key strings.Builder
	key.WriteString(header)
	fmt.Fprintf(&key, "main %s\n", s.target)
	addFile := func(path string) (string, error) {
		sum, err := sums.sum(path)
		if err != nil {
			return "", err
		}
		m.Files = append(m.Files, fileSum{Path: path, Sum: sum})
		return sum, nil
	}
	goMods := map[string]bool{}
	for _, p := range pkgs {
		fmt.Fprintf(&key, "package %s %s\n", p.ImportPath, p.Name)
		if p.Module != nil {
			fmt.Fprintf(&key, "module %s %s\n", p.Module.Path, p.Module.Version)
			if p.Module.GoMod != "" && !goMods[p.Module.GoMod] {
				// The module's go version and godebug lines shape the build.
				goMods[p.Module.GoMod] = true
				sum, err := addFile(p.Module.GoMod)
				if err != nil {
					return manifest{}, err
				}
				fmt.Fprintf(&key, "go.mod %s\n", sum)
			}
		}
		names, err := listDir(p.Dir, false)
		if err != nil {
			return manifest{}, err
		}
		m.Dirs = append(m.Dirs, dirList{Dir: p.Dir, Names: names})
		if len(p.EmbedPatterns) > 0 {
			tree, err := listDir(p.Dir, true)
			if err != nil {
				return manifest{}, err
			}
			m.Dirs = append(m.Dirs, dirList{Dir: p.Dir, Recursive: true, Names: tree})
		}
		var files []string
		for _, list := range [][]string{p.GoFiles, p.CgoFiles, p.CFiles, p.CXXFiles, p.MFiles, p.HFiles, p.FFiles,
			p.SFiles, p.SwigFiles, p.SwigCXXFiles, p.SysoFiles, p.EmbedFiles} {
			files = append(files, list...)
		}
		sort.Strings(files)
		for _, f := range files {
			sum, err := addFile(filepath.Join(p.Dir, filepath.FromSlash(f)))
			if err != nil {
				return manifest{}, err
			}
			fmt.Fprintf(&key, "file %s %s\n", f, sum)
		}
	}
	m.Output = keyOf("output", key.String())
	return m, nil
}

// valid reports whether every directory still lists the same files and
// every file still has the same content, so Output still names the binary.
func (m manifest) valid(sums *fileHasher) bool {
	if m.Output == "" || len(m.Dirs) == 0 {
		return false
	}
	for _, d := range m.Dirs {
		names, err := listDir(d.Dir, d.Recursive)
		if err != nil || !equal(names, d.Names) {
			return false
		}
	}
	for _, f := range m.Files {
		sum, err := sums.sum(f.Path)
		if err != nil || sum != f.Sum {
			return false
		}
	}
	return true
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// listDir returns the sorted names of the regular files in dir, or with
// recursive the slash-separated paths of every file below it.
func listDir(dir string, recursive bool) ([]string, error) {
	if !recursive {
		des, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		names := []string{}
		for _, de := range des {
			if de.Type().IsRegular() || de.Type()&fs.ModeSymlink != 0 {
				names = append(names, de.Name())
			}
		}
		return names, nil
	}
	names := []string{}
	err := filepath.WalkDir(dir, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !de.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			names = append(names, filepath.ToSlash(rel))
		}
		return nil
	})
	return names, err
}

// fileHasher remembers file hashes within a process, by path, size and
// modification time: the handlers of an app share most of their
// dependencies (the standard library, the AWS SDK).
type fileHasher struct {
	mu   sync.Mutex
	sums map[string]hashed
}

type hashed struct {
	size, mtime int64
	sum         string
}

func (h *fileHasher) sum(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	h.mu.Lock()
	c, ok := h.sums[path]
	h.mu.Unlock()
	if ok && c.size == st.Size() && c.mtime == st.ModTime().UnixNano() {
		return c.sum, nil
	}
	sum, _, err := hashFile(path)
	if err != nil {
		return "", err
	}
	s := hex.EncodeToString(sum[:])
	h.mu.Lock()
	if h.sums == nil {
		h.sums = map[string]hashed{}
	}
	h.sums[path] = hashed{st.Size(), st.ModTime().UnixNano(), s}
	h.mu.Unlock()
	return s, nil
}
