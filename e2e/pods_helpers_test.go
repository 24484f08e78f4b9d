package e2e

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/shoal-dev/shoal/internal/testcluster"
)

// exitCodeOf is the exit status of a command's error, 0 for nil, -1 when
// it did not run.
func exitCodeOf(err error) int {
	if err == nil {
		return 0
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	return -1
}

func killPID(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }

// hostRun runs a command on the test host and returns its combined
// output.
func hostRun(ctx context.Context, name string, args ...string) (string, error) {
	b, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(b), err
}

func containsLine(out, sub string) bool {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, sub) {
			return true
		}
	}
	return false
}

// httpGet is a shell command that GETs path from ip:8080 with busybox nc
// (Debian's static busybox wget crashes resolving any address).
func httpGet(ip, path string) string {
	return fmt.Sprintf(`printf 'GET %s HTTP/1.0\r\nHost: test\r\n\r\n' | nc -w 5 %s 8080`, path, ip)
}

// containerdPID is the pid of the containerd agent a started, 0 if none.
func containerdPID(t *testing.T, a *testcluster.Agent) int {
	t.Helper()
	want := filepath.Join(a.DataDir, "containerd")
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		args := strings.Split(string(cmd), "\x00")
		if err == nil && filepath.Base(args[0]) == "containerd" && strings.Contains(string(cmd), want) {
			return pid
		}
	}
	return 0
}
