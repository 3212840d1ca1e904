package scaledwebtier

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

// defaultStaticDir is StaticDir's default: the "static" directory beside
// the directory of the package Entry names, so that Entry's import path
// finds gureum's functions/webapp/static in the module that holds the
// server (the module cache, or a replace directive's directory) from any
// app, as a directory entry finds it from this repository.
func defaultStaticDir(entry string) (string, error) {
	dir, err := packageDir(entry)
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(dir), "static"), nil
}

// packageDir is the directory of the Go package entry names: entry itself
// when it is a directory, otherwise the directory go list finds for it as
// an import path from the working directory, for linux with cgo off, the
// way golambda resolves and builds Entry.
func packageDir(entry string) (string, error) {
	if st, err := os.Stat(entry); err == nil && st.IsDir() {
		return entry, nil
	}
	if entry == "" || filepath.IsAbs(entry) || strings.HasPrefix(entry, ".") {
		return "", fmt.Errorf("%q is not a directory", entry)
	}
	wd, _ := os.Getwd()
	key := wd + "\x00" + entry
	if d, ok := packageDirs.Load(key); ok {
		return d.(string), nil
	}
	cmd := exec.Command("go", "list", "-find", "-f", "{{.Dir}}", "--", entry)
	cmd.Env = append(os.Environ(), "GOOS=linux", "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		msg := strings.Join(strings.Fields(stderr.String()), " ")
		if msg == "" && err != nil {
			msg = err.Error()
		}
		return "", errors.New("go list cannot find " + entry + ": " + msg)
	}
	packageDirs.Store(key, dir)
	return dir, nil
}

var packageDirs sync.Map // working directory + "\x00" + entry -> package directory
