package testsvc

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// lockedBuffer collects a server's output written from its process's pipes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// runAs is the account a database server runs under. PostgreSQL refuses to
// run as root and MariaDB needs to be told to, so when the tests run as root
// (as CI does) the servers run as "nobody"; otherwise as the current user.
type runAs struct {
	cred *syscall.Credential // nil: the current user
}

func serverAccount() (runAs, error) {
	if os.Geteuid() != 0 {
		return runAs{}, nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return runAs{}, fmt.Errorf("testsvc: running as root, and no unprivileged account \"nobody\" to run the server as: %w", err)
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return runAs{}, fmt.Errorf("testsvc: account nobody has uid %q gid %q", u.Uid, u.Gid)
	}
	return runAs{cred: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}}, nil
}

// mkdir makes a fresh private directory the account owns.
func (a runAs) mkdir(pattern string) (string, error) {
	dir, err := os.MkdirTemp("", pattern)
	if err != nil {
		return "", err
	}
	if a.cred != nil {
		if err := os.Chown(dir, int(a.cred.Uid), int(a.cred.Gid)); err != nil {
			os.RemoveAll(dir)
			return "", err
		}
	}
	return dir, nil
}

// writeFile writes a file the account can read and no one else.
func (a runAs) writeFile(name, content string) error {
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		return err
	}
	if a.cred != nil {
		return os.Chown(name, int(a.cred.Uid), int(a.cred.Gid))
	}
	return nil
}

// command returns cmd set to run as the account, with its output in log
// and killed if the test process dies first.
func (a runAs) command(log *lockedBuffer, name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: a.cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	return cmd
}

// process is a started server process.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when the process has exited
	err    error         // its exit status, once exited is closed
	once   sync.Once
}

func startProcess(cmd *exec.Cmd) (*process, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	return p, nil
}

// alive reports an error when the process has exited.
func (p *process) alive() error {
	select {
	case <-p.exited:
		return fmt.Errorf("server exited: %v", p.err)
	default:
		return nil
	}
}

// stop sends sig to the server's process group, waits up to 10 s for it to
// exit, then kills the group. It is safe to call more than once.
func (p *process) stop(sig syscall.Signal) {
	if p == nil {
		return
	}
	p.once.Do(func() {
		pgid := p.cmd.Process.Pid
		_ = syscall.Kill(-pgid, sig)
		select {
		case <-p.exited:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
			<-p.exited
		}
		// Children the server left (none normally) go with the group.
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	})
}
