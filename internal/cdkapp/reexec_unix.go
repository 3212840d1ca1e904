//go:build unix

package cdkapp

import (
	"os"
	"syscall"
)

// reexec replaces the process with a new run of the same program, with the
// same arguments and the current environment. It returns only if that fails.
func reexec() {
	exe, err := os.Executable()
	if err != nil {
		return
	}
	syscall.Exec(exe, os.Args, os.Environ())
}
