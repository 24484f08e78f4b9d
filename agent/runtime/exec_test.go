package runtime

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestExec(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	run(t, r, "host", `sleep 1000`, func(c *ContainerConfig) {
		c.Env = []string{"FOO=from-spec"}
		c.WorkingDir = "/tmp"
	})
	waitState(t, r, "host", StateRunning)
	ctx := context.Background()
	tests := []struct {
		name             string
		cfg              ExecConfig
		code             int
		stdout, stderr   string
		stdoutHasSubstrs []string
	}{
		{name: "exit code and streams", cfg: ExecConfig{Args: []string{"sh", "-c", "echo out; echo err >&2; exit 7"}}, code: 7, stdout: "out\n", stderr: "err\n"},
		{name: "spec env and cwd", cfg: ExecConfig{Args: []string{"sh", "-c", "echo $FOO $(pwd)"}}, stdout: "from-spec /tmp\n"},
		{name: "stdin", cfg: ExecConfig{Args: []string{"cat"}, Stdin: strings.NewReader("piped in")}, stdout: "piped in"},
		{name: "tty", cfg: ExecConfig{Args: []string{"sh", "-c", "test -t 0 && test -t 1 && echo is-a-tty"}, Tty: true}, stdoutHasSubstrs: []string{"is-a-tty"}},
		{name: "no tty", cfg: ExecConfig{Args: []string{"sh", "-c", "test -t 1 || echo not-a-tty"}}, stdout: "not-a-tty\n"},
		{name: "missing binary", cfg: ExecConfig{Args: []string{"/nonexistent"}}, code: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			tt.cfg.Stdout, tt.cfg.Stderr = &stdout, &stderr
			code, err := r.Exec(ctx, "host", tt.cfg)
			if tt.code == -1 {
				if err == nil && code == 0 {
					t.Fatalf("exec of a missing binary: code 0, no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if code != tt.code {
				t.Errorf("exit code %d, want %d", code, tt.code)
			}
			if tt.stdoutHasSubstrs == nil && stdout.String() != tt.stdout {
				t.Errorf("stdout %q, want %q", stdout.String(), tt.stdout)
			}
			for _, s := range tt.stdoutHasSubstrs {
				if !strings.Contains(stdout.String(), s) {
					t.Errorf("stdout %q lacks %q", stdout.String(), s)
				}
			}
			if stderr.String() != tt.stderr {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.stderr)
			}
		})
	}
	t.Run("tty resize", func(t *testing.T) {
		resize := make(chan [2]uint16, 1)
		resize <- [2]uint16{123, 45}
		var out bytes.Buffer
		// The loop waits for the resize to land.
		code, err := r.Exec(ctx, "host", ExecConfig{
			Args: []string{"sh", "-c", `for i in $(seq 50); do s=$(stty size); [ "$s" = "45 123" ] && break; sleep 0.1; done; echo "size=$s"`},
			Tty:  true, Stdout: &out, Resize: resize,
		})
		if err != nil || code != 0 {
			t.Fatalf("exec: %d, %v\n%s", code, err, out.String())
		}
		if !strings.Contains(out.String(), "size=45 123") {
			t.Errorf("terminal size: got %q, want rows 45 cols 123", out.String())
		}
	})
	t.Run("cancel kills the process", func(t *testing.T) {
		cctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := r.Exec(cctx, "host", ExecConfig{Args: []string{"sleep", "300"}})
		if err == nil {
			t.Fatal("cancelled exec returned no error")
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("cancelled exec returned after %s", d)
		}
		var ps bytes.Buffer
		if _, err := r.Exec(ctx, "host", ExecConfig{Args: []string{"ps"}, Stdout: &ps}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(ps.String(), "sleep 300") {
			t.Errorf("the exec process outlived its context:\n%s", ps.String())
		}
	})
}
