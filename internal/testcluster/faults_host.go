package testcluster

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Host faults for clusters made by NewNetNS: an agent's namespace is its
// machine, so killing every process in it (and in its pods' namespaces)
// and taking its link down is that machine losing power.

// KillHost powers the agent's machine off: its link goes down first (so
// from then on its address and its pods' addresses answer nothing, as a
// dead machine's do), then the agent, its containerd, the shims and the
// containers are SIGKILLed. PowerOn and Restart bring it back.
func (a *Agent) KillHost() {
	a.c.t.Helper()
	if a.netns == "" {
		a.c.t.Fatalf("kill host %s: only agents in a network namespace (NewNetNS) have a host", a.Name)
	}
	if out, err := exec.Command("ip", "-n", a.netns, "link", "set", "eth0", "down").CombinedOutput(); err != nil {
		a.c.t.Fatalf("kill host %s: link down: %v: %s", a.Name, err, out)
	}
	a.Kill()
	inodes := map[uint64]bool{}
	addInode(inodes, "/run/netns/"+a.netns)
	files, _ := filepath.Glob(filepath.Join(a.DataDir, "netns", "*"))
	for _, f := range files {
		addInode(inodes, f)
	}
	for range 20 {
		if killInNetNS(inodes) == 0 {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	a.c.t.Fatalf("kill host %s: processes still alive in its namespaces after 2 s", a.Name)
}

// PowerOn brings a killed host's link back up; Restart then starts its
// agent on the same data dir.
func (a *Agent) PowerOn() {
	a.c.t.Helper()
	if out, err := exec.Command("ip", "-n", a.netns, "link", "set", "eth0", "up").CombinedOutput(); err != nil {
		a.c.t.Fatalf("power on %s: link up: %v: %s", a.Name, err, out)
	}
}

// ContainerdPID is the pid of the containerd the agent started (the one
// whose state is under its data dir), 0 if none runs.
func (a *Agent) ContainerdPID() int {
	want := filepath.Join(a.DataDir, "containerd")
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(string(b), "\x00")
		if filepath.Base(args[0]) == "containerd" && strings.Contains(string(b), want) {
			pid, _ := strconv.Atoi(e.Name())
			return pid
		}
	}
	return 0
}

// RestartContainerd SIGKILLs the agent's containerd and waits (up to
// timeout) until the agent has started a new one.
func (a *Agent) RestartContainerd(timeout time.Duration) {
	a.c.t.Helper()
	pid := a.ContainerdPID()
	if pid == 0 {
		a.c.t.Fatalf("restart containerd of %s: none runs", a.Name)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		a.c.t.Fatalf("restart containerd of %s: kill %d: %v", a.Name, pid, err)
	}
	Eventually(a.c.t, timeout, func() error {
		if np := a.ContainerdPID(); np == 0 || np == pid {
			return fmt.Errorf("agent %s has not started a new containerd (old pid %d)", a.Name, pid)
		}
		return nil
	})
}

// UseBinary makes agents started from now on (Start, Restart) and CLI
// calls run bin instead of the cluster's own build: for upgrades, agents
// restarted one by one onto it.
func (c *Cluster) UseBinary(bin string) { c.bin = bin }

// BuildVersion builds ./cmd/shoal with agent.Version set to version
// into dir and returns the binary's path: a "new build" to upgrade onto.
// It may run outside the test's goroutine.
func BuildVersion(dir, version string) (string, error) {
	bin := filepath.Join(dir, "shoal")
	cmd := exec.Command("go", "build", "-o", bin,
		"-ldflags", "-X github.com/shoal-dev/shoal/agent.Version="+version,
		"github.com/shoal-dev/shoal/cmd/shoal")
	cmd.Dir = moduleRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build version %s: %w\n%s", version, err, out)
	}
	return bin, nil
}

// Exe is the path of the binary the agent's process runs, "" if it does
// not run.
func (a *Agent) Exe() string {
	pid := a.PID()
	if pid == 0 {
		return ""
	}
	// The agent runs under nsenter, which execs the agent in place.
	p, _ := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	return p
}

// LoopDataDir gives an agent not started yet a data dir of its own: an
// ext4 filesystem of size bytes in a file, on a loop device, mounted on
// a.DataDir, with no blocks reserved for root (the agent runs as root:
// full is full). Cleanup kills the cluster's agents and what they left,
// unmounts it and detaches the loop device, even after a failed test.
func (a *Agent) LoopDataDir(size int64) {
	a.c.t.Helper()
	t := a.c.t
	if a.Running() {
		t.Fatalf("loop data dir for %s: the agent already runs", a.Name)
	}
	img := filepath.Join(a.c.dir, a.Name+".img")
	f, err := os.Create(img)
	if err != nil {
		t.Fatal(err)
	}
	err = f.Truncate(size)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("loop data dir for %s: %v", a.Name, err)
	}
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", "-m", "0", img).CombinedOutput(); err != nil {
		t.Fatalf("loop data dir for %s: mkfs.ext4: %v: %s", a.Name, err, out)
	}
	out, err := exec.Command("losetup", "--find", "--show", img).CombinedOutput()
	if err != nil {
		t.Fatalf("loop data dir for %s: losetup: %v: %s", a.Name, err, out)
	}
	dev := strings.TrimSpace(string(out))
	// Registered after the cluster's own cleanups, so it runs before
	// them: the agents and their leftovers go first, or the mount is busy.
	t.Cleanup(func() {
		for _, o := range a.c.Agents {
			o.Kill()
		}
		a.c.removeLeftovers()
		unmountUnder(a.DataDir)
		for range 50 {
			err := syscall.Unmount(a.DataDir, 0)
			if err == nil || errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOENT) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		_ = syscall.Unmount(a.DataDir, syscall.MNT_DETACH)
		if out, err := exec.Command("losetup", "-d", dev).CombinedOutput(); err != nil {
			t.Logf("detach %s: %v: %s", dev, err, out)
		}
	})
	if err := os.MkdirAll(a.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mount(dev, a.DataDir, "ext4", 0, ""); err != nil {
		t.Fatalf("loop data dir for %s: mount %s: %v", a.Name, dev, err)
	}
	if err := os.Chmod(a.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
}

// fillerName is the file FillDataDir writes.
const fillerName = "fill-by-test"

// FillDataDir fills the agent's data dir's filesystem from outside, as
// another program on the machine would: one file grows until the
// filesystem has no block left. It returns how many bytes it wrote.
func (a *Agent) FillDataDir() int64 {
	a.c.t.Helper()
	f, err := os.OpenFile(filepath.Join(a.DataDir, fillerName), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		a.c.t.Fatalf("fill %s's data dir: %v", a.Name, err)
	}
	defer func() { _ = f.Close() }()
	var st syscall.Statfs_t
	if err := syscall.Statfs(a.DataDir, &st); err == nil && st.Bavail > 64 {
		// Most of it at once; writes fill the rest to the last block.
		_ = syscall.Fallocate(int(f.Fd()), 0, 0, int64(st.Bavail-64)*st.Bsize)
	}
	buf := make([]byte, 64<<10)
	for n := 0; n < 1<<20; n++ {
		if _, err := f.Write(buf); err != nil {
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			a.c.t.Fatalf("fill %s's data dir: %v", a.Name, err)
		}
	}
	// The last partial block, byte by byte.
	for {
		if _, err := f.Write(buf[:1]); err != nil {
			break
		}
	}
	_ = f.Sync()
	fi, err := f.Stat()
	if err != nil {
		a.c.t.Fatal(err)
	}
	return fi.Size()
}

// FreeDataDir removes what FillDataDir wrote.
func (a *Agent) FreeDataDir() {
	a.c.t.Helper()
	if err := os.Remove(filepath.Join(a.DataDir, fillerName)); err != nil {
		a.c.t.Fatalf("free %s's data dir: %v", a.Name, err)
	}
}

// FreeBytes is the space left to the agent on its data dir's filesystem.
func (a *Agent) FreeBytes() (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(a.DataDir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * st.Bsize, nil
}

// IngressLoad sends GETs without pause through the ingress of a set of
// nodes (the targets, each worker going round them) and counts what
// fails.
type IngressLoad struct {
	t        testing.TB
	stop     chan struct{}
	stopOnce func()
	wg       sync.WaitGroup
	started  time.Time

	mu      sync.Mutex
	targets []*Agent
	ok      int
	byNode  map[string]int // answered requests by the node whose ingress was asked
	byPod   map[string]int // answered requests by the answering pod's hostname
	fails   []LoadFailure
}

// LoadFailure is one failed request of an IngressLoad.
type LoadFailure struct {
	At   time.Time // when it was sent
	Took time.Duration
	Node string // the ingress asked
	Err  error
}

// LoadResult is what an IngressLoad counted.
type LoadResult struct {
	OK       int
	Failures []LoadFailure
	ByNode   map[string]int
	ByPod    map[string]int
	Took     time.Duration
}

// StartIngressLoad starts workers goroutines sending GET path with Host
// host to port 80 of the targets, one request after the other, each
// worker to the next target in turn. A request fails unless a test
// server answers 200 within timeout. Stop ends it (a cleanup does too).
func StartIngressLoad(t testing.TB, targets []*Agent, host, path string, workers int, timeout time.Duration) *IngressLoad {
	t.Helper()
	l := &IngressLoad{t: t, stop: make(chan struct{}), started: time.Now(), byNode: map[string]int{}, byPod: map[string]int{}}
	l.SetTargets(targets...)
	for i := range workers {
		cl := newLoadClient(timeout)
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			defer cl.CloseIdleConnections()
			for k := i; ; k++ {
				select {
				case <-l.stop:
					return
				default:
				}
				l.mu.Lock()
				a := l.targets[k%len(l.targets)]
				l.mu.Unlock()
				start := time.Now()
				pod, err := cl.get(a.IP, host, path)
				l.mu.Lock()
				if err != nil {
					l.fails = append(l.fails, LoadFailure{At: start, Took: time.Since(start), Node: a.Name, Err: err})
				} else {
					l.ok++
					l.byNode[a.Name]++
					l.byPod[pod]++
				}
				l.mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	var once sync.Once
	l.stopOnce = func() { once.Do(func() { close(l.stop) }) }
	t.Cleanup(func() { l.stopOnce(); l.wg.Wait() })
	return l
}

// SetTargets changes the nodes whose ingress the next requests ask (as
// a load balancer takes a node out before its agent restarts). Requests
// already sent finish where they went.
func (l *IngressLoad) SetTargets(targets ...*Agent) {
	l.t.Helper()
	if len(targets) == 0 {
		l.t.Fatalf("ingress load: SetTargets needs at least one agent")
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.targets = append([]*Agent(nil), targets...)
}

// Answered is how many requests have been answered so far.
func (l *IngressLoad) Answered() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ok
}

// Stop ends the load and returns its counts.
func (l *IngressLoad) Stop() LoadResult {
	l.stopOnce()
	l.wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	return LoadResult{OK: l.ok, Failures: append([]LoadFailure(nil), l.fails...), ByNode: l.byNode, ByPod: l.byPod, Took: time.Since(l.started)}
}

// Window is the failover window after a fault at: from at to the end of
// the last request sent after it that failed (0 when none failed).
func (r LoadResult) Window(at time.Time) time.Duration {
	var w time.Duration
	for _, f := range r.Failures {
		if end := f.At.Add(f.Took); end.After(at) {
			w = max(w, end.Sub(at))
		}
	}
	return w
}

// LastFailedSent is how long after at the last request that failed was
// sent: until then some requests still went the dead way (0 when none
// sent after at failed).
func (r LoadResult) LastFailedSent(at time.Time) time.Duration {
	var d time.Duration
	for _, f := range r.Failures {
		d = max(d, f.At.Sub(at))
	}
	return d
}

// String summarises the result: counts, and the first failures.
func (r LoadResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d requests in %s, %d failed; answered through %v, by %v", r.OK+len(r.Failures), r.Took.Round(time.Millisecond), len(r.Failures), r.ByNode, r.ByPod)
	for i, f := range r.Failures {
		if i == 5 {
			fmt.Fprintf(&b, "\n  … %d more", len(r.Failures)-i)
			break
		}
		fmt.Fprintf(&b, "\n  %s via %s after %s: %v", f.At.Format("15:04:05.000"), f.Node, f.Took.Round(time.Millisecond), f.Err)
	}
	return b.String()
}

// loadClient is one worker's HTTP client: keep-alive connections, no
// proxy from the environment, redirects not followed.
type loadClient struct{ *http.Client }

func newLoadClient(timeout time.Duration) loadClient {
	return loadClient{&http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 4, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// get sends GET path with Host host to ip:80 and returns the hostname
// the test server that answered reports.
func (cl loadClient) get(ip, host, path string) (string, error) {
	req, err := http.NewRequest(http.MethodGet, "http://"+ip+path, nil)
	if err != nil {
		return "", err
	}
	req.Host = host
	res, err := cl.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = res.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if err != nil {
		return "", fmt.Errorf("read the answer: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("%s: %.100s", res.Status, body)
	}
	var e struct {
		Hostname string `json:"hostname"`
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Hostname == "" {
		return "", fmt.Errorf("answer %.100q is not the test server's JSON: %v", body, err)
	}
	return e.Hostname, nil
}
