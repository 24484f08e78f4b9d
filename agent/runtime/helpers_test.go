package runtime

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testimage"
)

const testNamespace = "shoaltest"

func TestMain(m *testing.M) {
	code := m.Run()
	if imagesDir != "" {
		_ = os.RemoveAll(imagesDir)
	}
	os.Exit(code)
}

// requireContainerd skips without root and fails without containerd.
func requireContainerd(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the tests run a real containerd and real containers")
	}
	if _, err := exec.LookPath("containerd"); err != nil {
		t.Fatalf("containerd not on PATH: install containerd (apt-get install containerd): %v", err)
	}
}

// testEnv is an embedded containerd in a temporary directory.
type testEnv struct {
	dir string
	cfg Config
	log *testLog
}

// newTestEnv makes a data dir short enough for unix socket paths and
// registers cleanup that leaves no containers, mounts or cgroups behind.
func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	requireContainerd(t)
	dir, err := os.MkdirTemp("/tmp", "shoalrt")
	if err != nil {
		t.Fatal(err)
	}
	lg := &testLog{t: t}
	e := &testEnv{dir: dir, log: lg, cfg: Config{
		Address:   filepath.Join(dir, "c.sock"),
		Namespace: testNamespace,
		DataDir:   dir,
		Logger:    slog.New(slog.NewTextHandler(lg, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}}
	t.Cleanup(func() {
		e.cleanup(t)
		lg.stop()
	})
	return e
}

// open opens a Runtime on the env; with run it is supervised by Run
// until cleanup.
func (e *testEnv) open(t testing.TB, run bool) *Runtime {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := Open(ctx, e.cfg)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	if !run {
		return r
	}
	rctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(rctx) }()
	t.Cleanup(func() {
		removeAll(t, r)
		stop()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return r
}

// cleanup removes whatever containerd and containers remain, then checks
// no mount under the env's dir is left.
func (e *testEnv) cleanup(t testing.TB) {
	t.Helper()
	if answers(e.cfg.Address) {
		// A runtime the test abandoned: take it over to clean up.
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if r, err := Open(ctx, e.cfg); err == nil {
			removeAll(t, r)
			_ = r.Close()
		}
	}
	emb := &embedded{dir: filepath.Join(e.dir, "containerd")}
	if pid := emb.ownPid(); pid != 0 {
		emb.adopt(pid)
		emb.logger = slog.New(slog.DiscardHandler)
		emb.stop()
	}
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err == nil && bytes.Contains(data, []byte(e.dir)) {
		t.Errorf("mounts left under %s:\n%s", e.dir, grepLines(string(data), e.dir))
	}
	cgroups, _ := filepath.Glob("/sys/fs/cgroup/*/shoal-" + testNamespace)
	for _, cg := range append(cgroups, "/sys/fs/cgroup/shoal-"+testNamespace) {
		_ = os.Remove(cg) // only when empty; parents of removed containers
	}
	if err := os.RemoveAll(e.dir); err != nil {
		t.Errorf("remove %s: %v", e.dir, err)
	}
}

// removeAll removes every container in the runtime's namespace.
func removeAll(t testing.TB, r *Runtime) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := r.ListContainers(ctx)
	if err != nil {
		t.Errorf("list containers for cleanup: %v", err)
		return
	}
	for _, c := range cs {
		if err := r.RemoveContainer(ctx, c.ID); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// testLog routes slog output to t.Log until the test ends.
type testLog struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (l *testLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (l *testLog) stop() {
	l.mu.Lock()
	l.done = true
	l.mu.Unlock()
}

var (
	imagesOnce sync.Once
	imagesDir  string
	imagesErr  error
	busyboxTar string
	serverTar  string
)

// buildImages writes the test images once per test binary.
func buildImages(t testing.TB) (busybox, server string) {
	t.Helper()
	imagesOnce.Do(func() {
		imagesDir, imagesErr = os.MkdirTemp("", "shoalrt-images")
		if imagesErr != nil {
			return
		}
		if busyboxTar, _, imagesErr = testimage.Busybox(imagesDir); imagesErr != nil {
			return
		}
		serverTar, _, imagesErr = testimage.TestServer(imagesDir)
	})
	if imagesErr != nil {
		t.Fatalf("build test images: %v", imagesErr)
	}
	return busyboxTar, serverTar
}

// importImages imports busybox and the test server into r.
func importImages(t testing.TB, r *Runtime) {
	t.Helper()
	bb, srv := buildImages(t)
	for _, p := range []string{bb, srv} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.ImportImages(context.Background(), f)
		_ = f.Close()
		if err != nil {
			t.Fatalf("import %s: %v", p, err)
		}
	}
}

// waitState polls ContainerStatus until the state is want.
func waitState(t testing.TB, r *Runtime, id string, want ContainerState) ContainerInfo {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		info, err := r.ContainerStatus(context.Background(), id)
		if err != nil {
			t.Fatalf("status %s: %v", id, err)
		}
		if info.State == want {
			return info
		}
		if time.Now().After(deadline) {
			t.Fatalf("container %s: state %s, want %s", id, info.State, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitExit waits for id on r.Exits.
func waitExit(t testing.TB, r *Runtime, id string) {
	t.Helper()
	timeout := time.After(20 * time.Second)
	for {
		select {
		case got := <-r.Exits():
			if got == id {
				return
			}
		case <-timeout:
			t.Fatalf("no exit for %s on Exits()", id)
		}
	}
}

// waitLog polls path until it contains want.
func waitLog(t testing.TB, path, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		data, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(data), want) {
			return string(data)
		}
		if time.Now().After(deadline) {
			t.Fatalf("log %s: got %q (err %v), want it to contain %q", path, data, err, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// run creates and starts a busybox container running script.
func run(t testing.TB, r *Runtime, id, script string, mod func(*ContainerConfig)) (logPath string) {
	t.Helper()
	cfg := ContainerConfig{ID: id, Image: testimage.BusyboxRef, Command: []string{"sh", "-c", script}}
	if mod != nil {
		mod(&cfg)
	}
	ctx := context.Background()
	if err := r.CreateContainer(ctx, cfg); err != nil {
		t.Fatalf("create %s: %v", id, err)
	}
	logPath = filepath.Join(r.cfg.DataDir, "logs", id+".log")
	if _, err := r.StartContainer(ctx, id, logPath); err != nil {
		t.Fatalf("start %s: %v", id, err)
	}
	return logPath
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }
