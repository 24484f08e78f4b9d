package pods

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/agent/runtime/cni"
)

// fakeRuntime is an in-memory containerd: containers run until the test
// makes them exit.
type fakeRuntime struct {
	mu     sync.Mutex
	ctrs   map[string]*runtime.ContainerInfo
	starts map[string]int
	exits  chan string
	pid    uint32
	// stopGate, when set, holds StopContainer until it is closed.
	stopGate chan struct{}
	// graces records the grace of every StopContainer call, by container.
	graces map[string][]time.Duration
	// configs records the config each container was created with.
	configs map[string]runtime.ContainerConfig
	// pullHosts records, by image, the registries of the credentials of
	// its last PullImageWith.
	pullHosts map[string][]string
	// execFn, when set, answers Exec calls (their exit code); otherwise
	// they exit 0.
	execFn func(ctx context.Context, id string, args []string) int
	// calls logs Exec ("exec ID ARGS") and StopContainer ("stop ID")
	// calls in order.
	calls []string
	// removes counts RemoveContainer calls, by container.
	removes map[string]int
	// prepared holds the log path of each task PrepareTask made and no
	// start or removal has used; preparedHosts its /etc/hosts, held open
	// as runc's bind mount holds the inode; reused counts starts that
	// used a prepared task.
	prepared      map[string]string
	preparedHosts map[string]*os.File
	reused        map[string]int
}

func newFakeRuntime() *fakeRuntime {
	return &fakeRuntime{ctrs: map[string]*runtime.ContainerInfo{}, starts: map[string]int{}, exits: make(chan string, 64), graces: map[string][]time.Duration{}, configs: map[string]runtime.ContainerConfig{},
		prepared: map[string]string{}, preparedHosts: map[string]*os.File{}, reused: map[string]int{}}
}

func (f *fakeRuntime) GetImage(_ context.Context, ref string) (runtime.ImageInfo, error) {
	return runtime.ImageInfo{Ref: ref, Digest: "sha256:fake"}, nil
}

func (f *fakeRuntime) PullImage(_ context.Context, ref string, _ func(int64, int64)) (runtime.ImageInfo, error) {
	return runtime.ImageInfo{Ref: ref, Digest: "sha256:fake"}, nil
}

func (f *fakeRuntime) PullImageWith(ctx context.Context, ref string, creds runtime.PullCredentials, progress func(int64, int64)) (runtime.ImageInfo, error) {
	f.mu.Lock()
	if f.pullHosts == nil {
		f.pullHosts = map[string][]string{}
	}
	f.pullHosts[ref] = creds.Hosts()
	f.mu.Unlock()
	return f.PullImage(ctx, ref, progress)
}

func (f *fakeRuntime) CreateContainer(_ context.Context, cfg runtime.ContainerConfig) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ctrs[cfg.ID]; ok {
		return runtime.ErrExists
	}
	f.ctrs[cfg.ID] = &runtime.ContainerInfo{ID: cfg.ID, Labels: cfg.Labels, Image: cfg.Image, State: runtime.StateCreated}
	f.configs[cfg.ID] = cfg
	return nil
}

func (f *fakeRuntime) StartContainer(_ context.Context, id, logPath string) (uint32, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.ctrs[id]
	if !ok {
		return 0, runtime.ErrNotFound
	}
	if p, ok := f.prepared[id]; ok && p == logPath {
		f.reused[id]++
	}
	delete(f.prepared, id)
	f.pid++
	c.State, c.Pid, c.StartedAt, c.ExitCode, c.OOMKilled = runtime.StateRunning, f.pid, time.Now(), 0, false
	f.starts[id]++
	return c.Pid, nil
}

// exit makes container id exit with code.
func (f *fakeRuntime) exit(id string, code int32, oom bool) {
	f.mu.Lock()
	if c, ok := f.ctrs[id]; ok && c.State == runtime.StateRunning {
		c.State, c.ExitCode, c.FinishedAt, c.OOMKilled = runtime.StateExited, code, time.Now(), oom
	}
	f.mu.Unlock()
	f.exits <- id
}

func (f *fakeRuntime) StopContainer(_ context.Context, id string, grace time.Duration) error {
	f.mu.Lock()
	f.graces[id] = append(f.graces[id], grace)
	f.calls = append(f.calls, "stop "+id)
	gate := f.stopGate
	f.mu.Unlock()
	if gate != nil {
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.ctrs[id]; ok && c.State == runtime.StateRunning {
		c.State, c.ExitCode, c.FinishedAt = runtime.StateExited, 137, time.Now()
	}
	return nil
}

func (f *fakeRuntime) KillContainer(ctx context.Context, id string, _ syscall.Signal) error {
	return f.StopContainer(ctx, id, 0)
}

func (f *fakeRuntime) RemoveContainer(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ctrs[id]; ok {
		if f.removes == nil {
			f.removes = map[string]int{}
		}
		f.removes[id]++
	}
	delete(f.ctrs, id)
	delete(f.prepared, id)
	if h := f.preparedHosts[id]; h != nil {
		_ = h.Close()
		delete(f.preparedHosts, id)
	}
	return nil
}

func (f *fakeRuntime) ContainerStatus(_ context.Context, id string) (runtime.ContainerInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.ctrs[id]
	if !ok {
		return runtime.ContainerInfo{}, runtime.ErrNotFound
	}
	return *c, nil
}

func (f *fakeRuntime) ListContainers(context.Context) ([]runtime.ContainerInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []runtime.ContainerInfo
	for _, c := range f.ctrs {
		out = append(out, *c)
	}
	return out, nil
}

func (f *fakeRuntime) Exits() <-chan string { return f.exits }

func (f *fakeRuntime) Exec(ctx context.Context, id string, cfg runtime.ExecConfig) (int, error) {
	f.mu.Lock()
	f.calls = append(f.calls, "exec "+id+" "+strings.Join(cfg.Args, " "))
	fn := f.execFn
	f.mu.Unlock()
	if fn == nil {
		return 0, nil
	}
	return fn(ctx, id, cfg.Args), nil
}

// callLog returns the Exec and StopContainer calls so far.
func (f *fakeRuntime) callLog() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// running lists the IDs of running containers.
func (f *fakeRuntime) running() map[string]uint32 {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]uint32{}
	for id, c := range f.ctrs {
		if c.State == runtime.StateRunning {
			out[id] = c.Pid
		}
	}
	return out
}

// fakeNetwork hands out IPs from 10.42.0.0/24. Like the real one, it
// names a pod's network namespace before Setup (NetNSPather).
type fakeNetwork struct {
	mu   sync.Mutex
	next int
	sbs  map[string]cni.Sandbox
	// setupHook, when set, runs at the start of every Setup (outside
	// mu); an error it returns fails that Setup.
	setupHook func(uid string) error
	// prepareErr, when set, fails every PrepareNetNS.
	prepareErr error
	// preparedNS counts PrepareNetNS calls, by uid.
	preparedNS map[string]int
}

func newFakeNetwork() *fakeNetwork { return &fakeNetwork{sbs: map[string]cni.Sandbox{}} }

func (n *fakeNetwork) NetNSPath(uid string) string { return "/fake/" + uid }

func (n *fakeNetwork) PrepareNetNS(uid string) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.prepareErr != nil {
		return "", n.prepareErr
	}
	if n.preparedNS == nil {
		n.preparedNS = map[string]int{}
	}
	n.preparedNS[uid]++
	return n.NetNSPath(uid), nil
}

func (n *fakeNetwork) Setup(_ context.Context, pod cni.PodRef, _ []cni.PortMapping) (cni.Sandbox, error) {
	n.mu.Lock()
	hook := n.setupHook
	n.mu.Unlock()
	if hook != nil {
		if err := hook(pod.UID); err != nil {
			return cni.Sandbox{}, err
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if sb, ok := n.sbs[pod.UID]; ok {
		return sb, nil
	}
	n.next++
	sb := cni.Sandbox{NetNSPath: n.NetNSPath(pod.UID), IP: netip.MustParseAddr(fmt.Sprintf("10.42.0.%d", n.next+1))}
	n.sbs[pod.UID] = sb
	return sb, nil
}

func (n *fakeNetwork) Teardown(_ context.Context, uid string) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.sbs, uid)
	return nil
}

func (n *fakeNetwork) Lookup(uid string) (cni.Sandbox, bool) {
	n.mu.Lock()
	defer n.mu.Unlock()
	sb, ok := n.sbs[uid]
	return sb, ok
}

func (n *fakeNetwork) List() ([]string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for uid := range n.sbs {
		out = append(out, uid)
	}
	return out, nil
}

func fakeConfig(id, uid string) runtime.ContainerConfig {
	return runtime.ContainerConfig{ID: id, Image: "x", Labels: map[string]string{LabelPodUID: uid}}
}

func (f *fakeRuntime) PrepareTask(_ context.Context, id, logPath string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.ctrs[id]; !ok {
		return runtime.ErrNotFound
	}
	f.prepared[id] = logPath
	for _, m := range f.configs[id].Mounts {
		if m.Destination == "/etc/hosts" {
			hosts, err := os.Open(m.Source)
			if err != nil {
				return err
			}
			if old := f.preparedHosts[id]; old != nil {
				_ = old.Close()
			}
			f.preparedHosts[id] = hosts
		}
	}
	return nil
}
