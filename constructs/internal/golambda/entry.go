package golambda

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// pkg is a resolved entry: where the handler's main package is, and the
// module whose go.mod and go.sum build it.
type pkg struct {
	// Entry is the entry as given.
	Entry string
	// Dir is the absolute directory of the package.
	Dir string
	// Module is the root directory of the module that holds the package.
	Module string
	// ImportPath is true when Entry was a Go import path resolved by
	// go list, false when it was a directory.
	ImportPath bool
}

// errEmpty is the message of an empty entry (other packages' tests quote it).
var errEmpty = errors.New("is empty: want the directory of the handler's main package")

// resolve finds the package an entry names:
//
//   - a directory, absolute or relative to the working directory, when one
//     exists at that path (today's entries, such as "functions/crawler" run
//     from this repository);
//   - otherwise a Go import path, such as
//     "github.com/gureum-cdk/gureum/functions/crawler", that go list finds
//     from the working directory: in the app's own module, or in a module it
//     requires (the module cache, or the directory of a replace directive).
//
// An entry that starts with "/", "./" or "../" is only ever a directory.
func resolve(entry string) (pkg, error) {
	if entry == "" {
		return pkg{}, errEmpty
	}
	if st, err := os.Stat(entry); err == nil {
		if !st.IsDir() {
			return pkg{}, fmt.Errorf("%q is not a directory", entry)
		}
		if m, _ := filepath.Glob(filepath.Join(entry, "*.go")); len(m) == 0 {
			return pkg{}, fmt.Errorf("%q holds no .go files", entry)
		}
		dir, err := filepath.Abs(entry)
		if err != nil {
			return pkg{}, err
		}
		root, err := moduleRoot(dir)
		if err != nil {
			return pkg{}, fmt.Errorf("%q is not in a Go module: %v", entry, err)
		}
		return pkg{Entry: entry, Dir: dir, Module: root}, nil
	}
	abs, _ := filepath.Abs(entry)
	notFound := fmt.Errorf("%q (%s) does not exist: a directory entry is relative to the app's working directory; "+
		"name the handler by its Go import path (such as %q) to build it from any directory of any app that requires its module",
		entry, abs, "github.com/gureum-cdk/gureum/functions/crawler")
	if !mayBeImportPath(entry) {
		return pkg{}, notFound
	}
	l, err := goList(entry)
	if err != nil {
		if !hasDomain(entry) {
			// "functions/nope" is a mistyped directory far more often than
			// a package of a module whose path has no dot.
			return pkg{}, notFound
		}
		return pkg{}, fmt.Errorf("%q is not a directory, and go list cannot find the package: %v", entry, err)
	}
	switch {
	case l.Standard: // "net/http" is not a handler: say the directory is missing
		return pkg{}, notFound
	case l.Name != "main":
		return pkg{}, fmt.Errorf("%q is package %s, not a main package", entry, l.Name)
	}
	if l.Module == "" {
		// Vendored (-mod=vendor) and GOPATH packages have no module of their
		// own to build in.
		return pkg{}, fmt.Errorf("%q resolves to %s, which is in no module's own directory (vendored?): give the directory instead", entry, l.Dir)
	}
	return pkg{Entry: entry, Dir: l.Dir, Module: l.Module, ImportPath: true}, nil
}

// mayBeImportPath reports whether entry is written like an import path:
// relative, not "./x" or "../x", forward slashes only.
func mayBeImportPath(entry string) bool {
	return !filepath.IsAbs(entry) && !strings.HasPrefix(entry, ".") && !strings.HasPrefix(entry, "/") &&
		!strings.HasPrefix(entry, "-") && !strings.ContainsAny(entry, `\ `)
}

// hasDomain reports whether the first element of an import path contains a
// dot, as the path of every module outside the standard library does
// ("github.com/...", "example.com/...").
func hasDomain(importPath string) bool {
	first, _, _ := strings.Cut(importPath, "/")
	return strings.Contains(first, ".")
}

// listed is what go list says of a package.
type listed struct {
	Dir, Module, Name string
	Standard          bool
}

// goList looks an import path up with go list from the working directory,
// for linux with cgo off, the way the function is built. The error is go
// list's message, on one line.
func goList(importPath string) (listed, error) {
	cmd := exec.Command("go", "list", "-find",
		"-f", "{{.Dir}}\n{{with .Module}}{{.Dir}}{{end}}\n{{.Name}}\n{{.Standard}}",
		"--", importPath)
	cmd.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.Join(strings.Fields(stderr.String()), " ")
		if msg == "" {
			msg = err.Error()
		}
		return listed{}, errors.New(msg)
	}
	lines := strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	if len(lines) != 4 || lines[0] == "" {
		return listed{}, fmt.Errorf("unexpected go list output %q", out)
	}
	return listed{Dir: lines[0], Module: lines[1], Name: lines[2], Standard: lines[3] == "true"}, nil
}

// lookup is resolve with the go list answers remembered per working
// directory, since validation and construction each resolve every entry.
// Failures are not remembered.
func lookup(entry string) (pkg, error) {
	wd, _ := os.Getwd()
	key := wd + "\x00" + entry
	if p, ok := resolved.Load(key); ok {
		return p.(pkg), nil
	}
	p, err := resolve(entry)
	if err != nil {
		return pkg{}, err
	}
	if p.ImportPath {
		resolved.Store(key, p)
	}
	return p, nil
}

var resolved sync.Map // working directory + "\x00" + entry -> pkg

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
