package runtime

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	containerd "github.com/containerd/containerd/v2/client"
	"github.com/containerd/containerd/v2/pkg/cio"
	"github.com/containerd/errdefs"
)

// ExecConfig is a command to run in a running container.
type ExecConfig struct {
	Args   []string
	Tty    bool      // allocate a terminal; Stderr is then unused
	Stdin  io.Reader // nil: no stdin
	Stdout io.Writer // nil: discarded
	Stderr io.Writer // nil: discarded
	// Resize carries terminal sizes (cols, rows) for Tty sessions.
	Resize <-chan [2]uint16
}

// Exec runs cfg.Args in container id's running task, with the
// environment, working directory and user of the container's process,
// and returns its exit code. Cancelling ctx kills the process.
func (r *Runtime) Exec(ctx context.Context, id string, cfg ExecConfig) (int, error) {
	if len(cfg.Args) == 0 {
		return -1, fmt.Errorf("exec in %s: no command", id)
	}
	c, err := r.client.LoadContainer(ctx, id)
	if err != nil {
		return -1, wrapErr(err, "exec in %s", id)
	}
	task, err := c.Task(ctx, nil)
	if err != nil {
		return -1, wrapErr(err, "exec in %s: container is not running", id)
	}
	spec, err := c.Spec(ctx)
	if err != nil {
		return -1, wrapErr(err, "exec in %s: spec", id)
	}
	pspec := *spec.Process
	pspec.Args = cfg.Args
	pspec.Terminal = cfg.Tty
	pspec.ConsoleSize = nil

	fifoDir := filepath.Join(r.cfg.DataDir, "containerd", "fifo")
	if err := os.MkdirAll(fifoDir, 0o700); err != nil {
		return -1, fmt.Errorf("exec in %s: fifo dir: %w", id, err)
	}
	stdout, stderr := orDiscard(cfg.Stdout), orDiscard(cfg.Stderr)
	var stdin *stdinCloser
	var stdinR io.Reader
	if cfg.Stdin != nil {
		stdin = &stdinCloser{r: cfg.Stdin, started: make(chan struct{})}
		stdinR = stdin
	}
	opts := []cio.Opt{cio.WithStreams(stdinR, stdout, stderr), cio.WithFIFODir(fifoDir)}
	if cfg.Tty {
		opts = append(opts, cio.WithTerminal)
	}
	execID := "exec-" + randomHex(8)
	// The process lives on its own context: cancelling ctx kills it, and
	// cleanup still runs.
	bg := context.WithoutCancel(ctx)
	proc, err := task.Exec(bg, execID, &pspec, cio.NewCreator(opts...))
	if err != nil {
		return -1, wrapErr(err, "exec in %s", id)
	}
	defer func() {
		if _, err := proc.Delete(bg, containerd.WithProcessKill); err != nil && !errdefs.IsNotFound(err) {
			r.logger.Debug("delete exec process", "container", id, "exec", execID, "err", err)
		}
	}()
	statusC, err := proc.Wait(bg)
	if err != nil {
		return -1, wrapErr(err, "exec in %s: wait", id)
	}
	if err := proc.Start(bg); err != nil {
		return -1, wrapErr(err, "exec in %s: start", id)
	}
	if stdin != nil {
		stdin.proc = proc
		close(stdin.started)
	}
	done := make(chan struct{})
	defer close(done)
	if cfg.Tty && cfg.Resize != nil {
		go func() {
			for {
				select {
				case <-done:
					return
				case sz, ok := <-cfg.Resize:
					if !ok {
						return
					}
					_ = proc.Resize(bg, uint32(sz[0]), uint32(sz[1]))
				}
			}
		}()
	}
	var st containerd.ExitStatus
	select {
	case st = <-statusC:
	case <-ctx.Done():
		_ = proc.Kill(bg, syscall.SIGKILL)
		select {
		case <-statusC:
		case <-time.After(10 * time.Second):
		}
		waitIO(proc.IO(), time.Second)
		return -1, fmt.Errorf("exec in %s: %w", id, ctx.Err())
	}
	// The output may still be in the pipes when the exit arrives.
	waitIO(proc.IO(), 5*time.Second)
	code, _, err := st.Result()
	if err != nil {
		return -1, wrapErr(err, "exec in %s", id)
	}
	return int(code), nil
}

// waitIO waits for an exec's output to be copied, up to limit; a stdin
// reader that never ends would otherwise hold Wait forever.
func waitIO(io cio.IO, limit time.Duration) {
	if io == nil {
		return
	}
	done := make(chan struct{})
	go func() {
		io.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(limit):
	}
	_ = io.Close()
}

// stdinCloser tells the shim to close the process's stdin once the
// caller's reader ends; the FIFO alone does not carry EOF.
type stdinCloser struct {
	r       io.Reader
	started chan struct{} // closed once proc is set
	proc    containerd.Process
	once    sync.Once
}

func (s *stdinCloser) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if err == io.EOF {
		s.once.Do(func() {
			<-s.started
			_ = s.proc.CloseIO(context.Background(), containerd.WithStdinCloser)
		})
	}
	return n, err
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
