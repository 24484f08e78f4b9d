package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

const (
	readyTimeout = 20 * time.Second
	stopGrace    = 10 * time.Second
	maxBackoff   = 30 * time.Second
)

// embedded is a containerd that Shoal runs itself, k3s-style: its root,
// state, config and log live under DataDir/containerd. The child dies with
// the agent (Pdeathsig) but the shims it started do not, so containers
// keep running and a restarted agent starts containerd again on the same
// root and state and finds them.
type embedded struct {
	dir     string // DataDir/containerd
	address string
	logger  *slog.Logger

	// restarted is called after supervise started a new containerd.
	restarted func()

	mu      sync.Mutex
	pid     int
	done    <-chan struct{} // closed when the process is gone
	started time.Time
}

// embed returns nil when containerd already answers at address and was
// not started by an earlier Shoal on this data dir; an embedded
// containerd that was (an agent that died without taking containerd
// along) is adopted; otherwise it starts one.
func embed(ctx context.Context, dataDir, address string, logger *slog.Logger) (*embedded, error) {
	e := &embedded{dir: filepath.Join(dataDir, "containerd"), address: address, logger: logger}
	pid := e.ownPid()
	if answers(address) {
		if pid == 0 {
			return nil, nil
		}
		logger.Info("adopting running embedded containerd", "pid", pid, "address", address)
		e.adopt(pid)
		return e, nil
	}
	if pid != 0 {
		// Ours but not answering: a hung or half-dead leftover.
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	if err := e.start(ctx); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *embedded) configPath() string { return filepath.Join(e.dir, "containerd.toml") }
func (e *embedded) logPath() string    { return filepath.Join(e.dir, "containerd.log") }
func (e *embedded) pidPath() string    { return filepath.Join(e.dir, "containerd.pid") }

// answers reports whether something accepts connections on the socket.
func answers(address string) bool {
	conn, err := net.DialTimeout("unix", address, time.Second)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// ownPid is the pid in our pid file if that process is a containerd
// running our config, else 0.
func (e *embedded) ownPid() int {
	b, err := os.ReadFile(e.pidPath())
	if err != nil {
		return 0
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 0 {
		return 0
	}
	if !e.isOurs(pid) {
		return 0
	}
	return pid
}

// isOurs reports whether pid runs containerd with our config file.
func (e *embedded) isOurs(pid int) bool {
	cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00")
	for i, a := range args {
		if a == "--config" && i+1 < len(args) && args[i+1] == e.configPath() {
			return true
		}
	}
	return false
}

// start writes the config, starts containerd and waits until it answers.
func (e *embedded) start(ctx context.Context) error {
	bin, err := exec.LookPath("containerd")
	if err != nil {
		return fmt.Errorf("no containerd answers at %s and none can be started: install containerd: %w", e.address, err)
	}
	if err := e.writeConfig(); err != nil {
		return err
	}
	logf, err := os.OpenFile(e.logPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return fmt.Errorf("containerd log: %w", err)
	}
	defer func() { _ = logf.Close() }() // the child holds its own copy
	cmd := exec.Command(bin, "--config", e.configPath())
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = e.dir
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // no terminal signals from the agent's group
		Pdeathsig: syscall.SIGKILL, // dies with the agent; shims are reparented and live on
	}
	done, err := startLocked(cmd)
	if err != nil {
		return fmt.Errorf("start containerd: %w", err)
	}
	e.mu.Lock()
	e.pid, e.done, e.started = cmd.Process.Pid, done, time.Now()
	e.mu.Unlock()
	if err := os.WriteFile(e.pidPath(), []byte(strconv.Itoa(cmd.Process.Pid)+"\n"), 0o644); err != nil {
		e.stop()
		return fmt.Errorf("containerd pid file: %w", err)
	}
	e.logger.Info("started embedded containerd", "pid", cmd.Process.Pid, "address", e.address, "log", e.logPath())
	return e.waitReady(ctx, done)
}

// startLocked starts cmd from a goroutine locked to its OS thread for the
// child's whole life. Pdeathsig fires when the thread that forked the
// child exits, not the process, and Go ends threads whose goroutine exits
// locked (as network-namespace code does): an unlocked fork thread could
// be reused and ended, killing containerd with a live agent. The returned
// channel is closed once the child has exited.
func startLocked(cmd *exec.Cmd) (<-chan struct{}, error) {
	started := make(chan error, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		goruntime.LockOSThread() // never unlocked: the thread ends with the child
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		_ = cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return done, nil
}

// adopt follows a containerd we did not start in this process.
func (e *embedded) adopt(pid int) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for e.isOurs(pid) {
			time.Sleep(250 * time.Millisecond)
		}
	}()
	e.mu.Lock()
	e.pid, e.done, e.started = pid, done, time.Now()
	e.mu.Unlock()
}

func (e *embedded) waitReady(ctx context.Context, done <-chan struct{}) error {
	deadline := time.NewTimer(readyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !answers(e.address) {
		select {
		case <-done:
			return fmt.Errorf("embedded containerd exited during startup; see %s%s", e.logPath(), e.logTail())
		case <-deadline.C:
			e.stop()
			return fmt.Errorf("embedded containerd did not answer at %s within %s; see %s%s", e.address, readyTimeout, e.logPath(), e.logTail())
		case <-ctx.Done():
			e.stop()
			return fmt.Errorf("wait for embedded containerd: %w", ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

// logTail is the end of containerd's log, for error messages.
func (e *embedded) logTail() string {
	b, err := os.ReadFile(e.logPath())
	if err != nil || len(b) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return ":\n" + strings.Join(lines, "\n")
}

// exited is closed when the current process is gone.
func (e *embedded) exited() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.done == nil {
		c := make(chan struct{})
		close(c)
		return c
	}
	return e.done
}

// stop sends SIGTERM, then SIGKILL after stopGrace, and waits.
func (e *embedded) stop() {
	e.mu.Lock()
	pid, done := e.pid, e.done
	e.mu.Unlock()
	if done == nil {
		return
	}
	select {
	case <-done:
		return
	default:
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(stopGrace):
		e.logger.Warn("embedded containerd ignored SIGTERM; killing it", "pid", pid)
		_ = syscall.Kill(pid, syscall.SIGKILL)
		<-done
	}
	_ = os.Remove(e.pidPath())
}

// supervise restarts containerd when it dies, with backoff, until ctx
// ends; then it stops containerd.
func (e *embedded) supervise(ctx context.Context) {
	backoff := time.Second
	for {
		select {
		case <-ctx.Done():
			e.stop()
			return
		case <-e.exited():
		}
		e.mu.Lock()
		ran := time.Since(e.started)
		e.mu.Unlock()
		if ran > time.Minute {
			backoff = time.Second
		}
		e.logger.Warn("embedded containerd exited; restarting", "in_seconds", backoff.Seconds(), "log", e.logPath())
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
		if err := e.start(ctx); err != nil {
			if ctx.Err() != nil {
				return
			}
			e.logger.Error("restart embedded containerd", "err", err)
			continue
		}
		if e.restarted != nil {
			e.restarted()
		}
	}
}

// writeConfig writes containerd's config: everything under e.dir, the
// socket at e.address, no CRI, no debug or metrics listeners, so several
// embedded containerds on one host never share a path or port.
func (e *embedded) writeConfig() error {
	for _, d := range []string{e.dir, filepath.Dir(e.address)} {
		if err := os.MkdirAll(d, 0o711); err != nil {
			return fmt.Errorf("containerd dir: %w", err)
		}
	}
	var b strings.Builder
	q := func(s string) string { return strconv.Quote(s) }
	fmt.Fprintf(&b, "# Written by shoal on every start; edits are lost.\nversion = 2\n")
	fmt.Fprintf(&b, "root = %s\nstate = %s\n", q(filepath.Join(e.dir, "root")), q(filepath.Join(e.dir, "state")))
	fmt.Fprintf(&b, "disabled_plugins = [%s]\n\n", strings.Join([]string{
		q("io.containerd.grpc.v1.cri"),
		q("io.containerd.snapshotter.v1.aufs"),
		q("io.containerd.snapshotter.v1.btrfs"),
		q("io.containerd.snapshotter.v1.devmapper"),
		q("io.containerd.snapshotter.v1.zfs"),
	}, ", "))
	fmt.Fprintf(&b, "[grpc]\n  address = %s\n\n", q(e.address))
	fmt.Fprintf(&b, "[ttrpc]\n  address = %s\n\n", q(e.address+".ttrpc"))
	fmt.Fprintf(&b, "[debug]\n  address = \"\"\n\n[metrics]\n  address = \"\"\n\n")
	fmt.Fprintf(&b, "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = %s\n", q(filepath.Join(e.dir, "opt")))
	for _, p := range []string{e.dir, e.address} {
		if strings.ContainsAny(p, "\"\\\n") {
			return fmt.Errorf("containerd path %q: quotes, backslashes and newlines are not supported", p)
		}
	}
	if err := os.WriteFile(e.configPath(), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("containerd config: %w", err)
	}
	return nil
}
