package probe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// maxOutput is how much of an exec probe's output goes into a message.
const maxOutput = 256

type execResult struct {
	code int
	out  []byte
	err  error
}

// checkExec runs the command and succeeds when it exits 0. It returns when
// ctx ends even if the Execer does not; the Execer's goroutine then ends
// whenever the Execer returns.
func checkExec(ctx context.Context, a *api.ExecAction, t Target, timeout time.Duration) (Result, string) {
	if len(a.Command) == 0 {
		return Failure, "exec probe has no command"
	}
	if t.Exec == nil {
		return Failure, "exec probes are not supported: no runtime to exec in"
	}
	done := make(chan execResult, 1)
	go func() {
		code, out, err := t.Exec.Exec(ctx, t.ContainerID, a.Command)
		done <- execResult{code, out, err}
	}()
	var r execResult
	select {
	case r = <-done:
	case <-ctx.Done():
		r.err = ctx.Err()
	}
	switch {
	case r.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		return Failure, fmt.Sprintf("command timed out after %s", timeout)
	case r.err != nil:
		return Unknown, fmt.Sprintf("exec: %v", r.err)
	case r.code != 0:
		msg := fmt.Sprintf("command exited %d", r.code)
		if out := trimOutput(r.out); out != "" {
			msg += ": " + out
		}
		return Failure, msg
	}
	return Success, ""
}

// trimOutput is out without surrounding space, cut to maxOutput bytes.
func trimOutput(out []byte) string {
	s := strings.TrimSpace(string(out))
	if len(s) > maxOutput {
		s = strings.ToValidUTF8(s[:maxOutput], "") + "..."
	}
	return s
}
