package main

import (
	"syscall"
	"time"
)

// The jsii runtime may exit before it has waited for its node process; as a
// child subreaper this process inherits such orphans, waits for them, and so
// counts their CPU time.
func init() {
	const prSetChildSubreaper = 36
	syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0)
}

// childrenCPU is the user and system time of every process this one has
// waited for.
func childrenCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reapOrphans waits for every remaining descendant.
func reapOrphans() {
	for {
		var ws syscall.WaitStatus
		if _, err := syscall.Wait4(-1, &ws, 0, nil); err == syscall.ECHILD {
			return
		} else if err != nil && err != syscall.EINTR {
			return
		}
	}
}
