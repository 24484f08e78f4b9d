package runtime

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testimage"
)

func TestContainerRunsAndExits(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	ctx := context.Background()
	// The short sleep keeps this test about capture, not about a race in
	// containerd 1.6's shim that can drop the last stderr bytes of a
	// process exiting at once under load (seen once in CI; see
	// docs/runtime.md).
	logPath := run(t, r, "exits", `echo hello; echo oops >&2; sleep 0.2; exit 3`, func(c *ContainerConfig) {
		c.Labels = map[string]string{"app": "x"}
	})
	waitExit(t, r, "exits")
	info := waitState(t, r, "exits", StateExited)
	if info.ExitCode != 3 {
		t.Errorf("exit code %d, want 3", info.ExitCode)
	}
	if info.StartedAt.IsZero() || info.FinishedAt.Before(info.StartedAt) {
		t.Errorf("started %v, finished %v: want both, in order", info.StartedAt, info.FinishedAt)
	}
	if info.Labels["app"] != "x" || len(info.Labels) != 1 {
		t.Errorf("labels %v, want only app=x", info.Labels)
	}
	if info.Image != testimage.BusyboxRef || info.OOMKilled {
		t.Errorf("info %+v", info)
	}
	waitLog(t, logPath, "hello\n")
	waitLog(t, logPath, "oops\n")

	// A restart reuses the container with a new task and log.
	second := logPath + ".2"
	pid, err := r.StartContainer(ctx, "exits", second)
	if err != nil || pid == 0 {
		t.Fatalf("restart: pid %d, %v", pid, err)
	}
	waitExit(t, r, "exits")
	waitState(t, r, "exits", StateExited)
	waitLog(t, second, "hello\n")
}

func TestContainerConfigApplies(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	data := filepath.Join(r.cfg.DataDir, "data.txt")
	if err := os.WriteFile(data, []byte("from-host"), 0o644); err != nil {
		t.Fatal(err)
	}
	uid, gid := uint32(1000), uint32(1001)
	script := `echo "env=$FOO host=$(hostname) cwd=$(pwd) args=$0,$1"
id -u; id -g
cat /data.txt; echo
touch /rootfile 2>/dev/null && echo rootfs=rw || echo rootfs=ro
grep CapEff /proc/self/status
grep memory /proc/self/cgroup`
	logPath := run(t, r, "config", script, func(c *ContainerConfig) {
		c.Command = []string{"sh", "-c", script, "zero"}
		c.Args = []string{"one"}
		c.Env = []string{"FOO=bar", "PATH=/bin"}
		c.Hostname = "pod-host"
		c.WorkingDir = "/tmp"
		c.UID, c.GID = &uid, &gid
		c.ReadOnlyRootfs = true
		c.CapDrop = []string{"ALL"}
		c.Mounts = []Mount{{Source: data, Destination: "/data.txt", ReadOnly: true}}
		c.MemoryLimit = 64 << 20
		c.CPUQuota, c.CPUPeriod = 50000, 100000
	})
	waitState(t, r, "config", StateExited)
	out := waitLog(t, logPath, "memory")
	for _, want := range []string{
		"env=bar host=pod-host cwd=/tmp args=zero,one\n",
		"1000\n1001\n",
		"from-host\n",
		"rootfs=ro\n",
		"CapEff:\t0000000000000000\n",
		cgroupsPath(testNamespace, "config") + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The cgroup of an exited task stays until the task is deleted.
	cg := cgroupsPath(testNamespace, "config")
	for file, want := range map[string]string{
		"/sys/fs/cgroup/memory" + cg + "/memory.limit_in_bytes": "67108864\n",
		"/sys/fs/cgroup/cpu" + cg + "/cpu.cfs_quota_us":         "50000\n",
	} {
		if got, err := os.ReadFile(file); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", file, got, err, want)
		}
	}
}

func TestImageEntrypointAndArgs(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	ctx := context.Background()
	// The test server image has ENTRYPOINT /testserver and no CMD.
	if err := r.CreateContainer(ctx, ContainerConfig{ID: "srv", Image: testimage.TestServerRef, Env: []string{"PORT=9090"}}); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(r.cfg.DataDir, "srv.log")
	if _, err := r.StartContainer(ctx, "srv", logPath); err != nil {
		t.Fatal(err)
	}
	waitLog(t, logPath, "listening on :9090")
	if err := r.StopContainer(ctx, "srv", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if info := waitState(t, r, "srv", StateExited); info.ExitCode != 0 {
		t.Errorf("test server exit code %d after SIGTERM, want 0", info.ExitCode)
	}
}

func TestStopContainer(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	ctx := context.Background()
	t.Run("graceful", func(t *testing.T) {
		logPath := run(t, r, "graceful", `trap 'echo got TERM; exit 0' TERM; echo up; while true; do sleep 0.1; done`, nil)
		waitLog(t, logPath, "up")
		if err := r.StopContainer(ctx, "graceful", 20*time.Second); err != nil {
			t.Fatal(err)
		}
		info := waitState(t, r, "graceful", StateExited)
		if info.ExitCode != 0 {
			t.Errorf("exit code %d, want 0", info.ExitCode)
		}
		waitLog(t, logPath, "got TERM")
	})
	t.Run("killed after grace", func(t *testing.T) {
		logPath := run(t, r, "stubborn", `trap '' TERM; echo up; while true; do sleep 0.1; done`, nil)
		waitLog(t, logPath, "up")
		start := time.Now()
		if err := r.StopContainer(ctx, "stubborn", 500*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < 500*time.Millisecond {
			t.Errorf("stopped after %s, before the grace period", d)
		}
		if info := waitState(t, r, "stubborn", StateExited); info.ExitCode != 137 {
			t.Errorf("exit code %d, want 137 (SIGKILL)", info.ExitCode)
		}
	})
	t.Run("not running or missing", func(t *testing.T) {
		if err := r.StopContainer(ctx, "stubborn", time.Second); err != nil {
			t.Errorf("stop stopped container: %v", err)
		}
		if err := r.StopContainer(ctx, "nosuch", time.Second); err != nil {
			t.Errorf("stop missing container: %v", err)
		}
	})
	t.Run("kill", func(t *testing.T) {
		logPath := run(t, r, "killme", `echo up; while true; do sleep 0.1; done`, nil)
		waitLog(t, logPath, "up")
		if err := r.KillContainer(ctx, "killme", syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if info := waitState(t, r, "killme", StateExited); info.ExitCode != 137 {
			t.Errorf("exit code %d, want 137", info.ExitCode)
		}
		if err := r.KillContainer(ctx, "nosuch", syscall.SIGKILL); !errors.Is(err, ErrNotFound) {
			t.Errorf("kill missing: got %v, want ErrNotFound", err)
		}
	})
}

func TestOOMKilled(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	run(t, r, "oom", `x=$(head -c 200m /dev/zero | tr '\0' a); echo survived`, func(c *ContainerConfig) {
		c.MemoryLimit = 32 << 20
	})
	waitExit(t, r, "oom")
	info := waitState(t, r, "oom", StateExited)
	if !info.OOMKilled || info.ExitCode != 137 {
		t.Fatalf("oom: OOMKilled %v exit %d, want true 137", info.OOMKilled, info.ExitCode)
	}
	// The mark is a label, so a fresh Runtime (a restarted agent) sees it.
	r2, err := Open(context.Background(), r.cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = r2.client.Close() }()
	if info, err := r2.ContainerStatus(context.Background(), "oom"); err != nil || !info.OOMKilled {
		t.Errorf("after reopen: OOMKilled %v, %v; want true", info.OOMKilled, err)
	}
}

func TestContainerErrors(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	ctx := context.Background()
	run(t, r, "busy", `sleep 1000`, nil)
	waitState(t, r, "busy", StateRunning)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"create existing", r.CreateContainer(ctx, ContainerConfig{ID: "busy", Image: testimage.BusyboxRef}), ErrExists},
		{"create without image", r.CreateContainer(ctx, ContainerConfig{ID: "noimg", Image: "shoal.local/none:1"}), ErrNotFound},
		{"start running", startErr(r, "busy"), ErrExists},
		{"start missing", startErr(r, "nosuch"), ErrNotFound},
		{"status missing", statusErr(r, "nosuch"), ErrNotFound},
		{"exec missing", execErr(r, "nosuch"), ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.want) {
				t.Errorf("got %v, want %v", tt.err, tt.want)
			}
		})
	}
	if err := r.CreateContainer(ctx, ContainerConfig{ID: "x"}); err == nil {
		t.Error("create without image succeeded")
	}
	if _, err := r.client.SnapshotService(Snapshotter).Stat(ctx, "noimg"); !isNotFound(wrapErr(err, "")) {
		t.Errorf("failed create left a snapshot: %v", err)
	}
}

func startErr(r *Runtime, id string) error {
	_, err := r.StartContainer(context.Background(), id, filepath.Join(r.cfg.DataDir, id+".log"))
	return err
}

func statusErr(r *Runtime, id string) error {
	_, err := r.ContainerStatus(context.Background(), id)
	return err
}

func execErr(r *Runtime, id string) error {
	_, err := r.Exec(context.Background(), id, ExecConfig{Args: []string{"true"}})
	return err
}

func TestRemoveContainer(t *testing.T) {
	r := newTestEnv(t).open(t, true)
	importImages(t, r)
	ctx := context.Background()
	run(t, r, "doomed", `sleep 1000`, nil)
	info := waitState(t, r, "doomed", StateRunning)
	if err := r.RemoveContainer(ctx, "doomed"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.ContainerStatus(ctx, "doomed"); !errors.Is(err, ErrNotFound) {
		t.Errorf("status after remove: got %v, want ErrNotFound", err)
	}
	if _, err := r.client.SnapshotService(Snapshotter).Stat(ctx, "doomed"); !isNotFound(wrapErr(err, "")) {
		t.Errorf("snapshot after remove: got %v, want not found", err)
	}
	if err := syscall.Kill(int(info.Pid), 0); err == nil {
		t.Errorf("process %d still alive after remove", info.Pid)
	}
	mounts, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(mounts), "/doomed/") {
		t.Errorf("mount of the removed container left:\n%s", grepLines(string(mounts), "doomed"))
	}
	cs, err := r.ListContainers(ctx)
	if err != nil || len(cs) != 0 {
		t.Errorf("list after remove: %v, %v; want none", cs, err)
	}
	if err := r.RemoveContainer(ctx, "doomed"); err != nil {
		t.Errorf("second remove: %v", err)
	}
}
