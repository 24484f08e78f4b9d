package pods

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/agent/probe"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// miniCluster is a replica with no Raft: commands go straight to the FSM.
type miniCluster struct {
	mu    sync.Mutex
	store *consensus.Store
	fsm   *consensus.FSM
	index uint64
}

func newMiniCluster() *miniCluster {
	s := consensus.NewStore()
	return &miniCluster{store: s, fsm: consensus.NewFSM(s, slog.New(slog.NewTextHandler(io.Discard, nil)))}
}

func (c *miniCluster) apply(t testing.TB, cmd []byte, err error) error {
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.index++
	res := c.fsm.Apply(&raft.Log{Index: c.index, Data: cmd}).(consensus.ApplyResult)
	return res.Err
}

func (c *miniCluster) put(t testing.TB, mode consensus.PutMode, objs ...api.Object) error {
	cmd, err := consensus.EncodePut(consensus.Put{Objects: objs, Mode: mode, Time: time.Now()})
	return c.apply(t, cmd, err)
}

func (c *miniCluster) del(t testing.TB, keys ...api.Key) {
	cmd, err := consensus.EncodeDelete(consensus.Delete{Keys: keys})
	if err := c.apply(t, cmd, err); err != nil {
		t.Fatal(err)
	}
}

func (c *miniCluster) pod(name string) *api.Pod {
	o, ok := c.store.Get("Pod", "default", name)
	if !ok {
		return nil
	}
	return o.(*api.Pod)
}

type harness struct {
	t      *testing.T
	c      *miniCluster
	rt     *fakeRuntime
	net    *fakeNetwork
	fenced atomic.Bool
	stop   func()
	// view and caughtUp, when set, replace the cluster store as the
	// manager's view and the always-caught-up replica.
	view     View
	caughtUp func(context.Context) bool
	// dataDir, when set, is the manager's data dir (kept across
	// restarts); m is the running manager.
	dataDir string
	m       *Manager
	// events, when set, receives the manager's events.
	events EventSink

	// removed records the pods the node removed from the cluster, and
	// early the ones it removed while their sandbox or a container of
	// theirs was still there.
	mu      sync.Mutex
	removed []string
	early   []string
}

func newHarness(t *testing.T) *harness { return newHarnessIn(t, "") }

// newHarnessIn is newHarness with the manager's data dir in dataDir ("":
// a fresh one per start).
func newHarnessIn(t *testing.T, dataDir string) *harness {
	h := &harness{t: t, c: newMiniCluster(), rt: newFakeRuntime(), net: newFakeNetwork(), dataDir: dataDir}
	ns, _ := api.New("Namespace")
	ns.GetObjectMeta().Name = "default"
	if err := h.c.put(t, consensus.ModeApply, ns); err != nil {
		t.Fatal(err)
	}
	h.start()
	t.Cleanup(func() { h.stop() })
	return h
}

// start runs a Manager, as an agent would.
func (h *harness) start() {
	ctx, cancel := context.WithCancel(context.Background())
	var v View = h.c.store
	if h.view != nil {
		v = h.view
	}
	dataDir := h.dataDir
	if dataDir == "" {
		dataDir = h.t.TempDir()
	}
	m := New(Config{
		NodeName: "n1", NodeIP: "10.0.0.1", DataDir: dataDir, ClusterDomain: "cluster.local", DNSIP: "10.42.0.1",
		Backoff:    probe.Backoff{Initial: 20 * time.Millisecond, Max: 100 * time.Millisecond, ResetAfter: time.Minute},
		Fenced:     h.fenced.Load,
		GCInterval: 100 * time.Millisecond,
		Remove:     h.remove,
		CaughtUp:   h.caughtUp,
		Events:     h.events,
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, h.rt, h.net, v, func(_ context.Context, ps []*api.Pod) error {
		objs := make([]api.Object, len(ps))
		for i, p := range ps {
			objs[i] = p
		}
		return h.c.put(h.t, consensus.ModeStatus, objs...)
	})
	h.m = m
	done := make(chan struct{})
	go func() { _ = m.Run(ctx); close(done) }()
	h.stop = func() { cancel(); <-done }
}

// remove is the node's removal of a pod it stopped: a Delete guarded by
// uid, as the agent commits it.
func (h *harness) remove(_ context.Context, key api.Key, uid string) error {
	h.mu.Lock()
	_, sandbox := h.net.Lookup(uid)
	var ctrs int
	if list, err := h.rt.ListContainers(context.Background()); err == nil {
		for _, c := range list {
			if c.Labels[LabelPodUID] == uid {
				ctrs++
			}
		}
	}
	if sandbox || ctrs > 0 {
		h.early = append(h.early, fmt.Sprintf("%s (sandbox %v, %d containers)", key.Name, sandbox, ctrs))
	}
	h.mu.Unlock()
	cmd, err := consensus.EncodeDelete(consensus.Delete{Keys: []api.Key{key}, Preconditions: []consensus.Precondition{{Key: key, UID: uid}}})
	err = h.c.apply(h.t, cmd, err)
	if errors.Is(err, consensus.ErrNotFound) || errors.Is(err, consensus.ErrConflict) {
		return nil
	}
	if err == nil {
		h.mu.Lock()
		h.removed = append(h.removed, key.Name+"/"+uid)
		h.mu.Unlock()
	}
	return err
}

// terminate deletes a pod gracefully, as a user or controller does.
func (h *harness) terminate(name string, seconds *int64) {
	h.t.Helper()
	key := api.Key{Kind: "Pod", Namespace: "default", Name: name}
	cmd, err := consensus.EncodeDelete(consensus.Delete{Keys: []api.Key{key}, Grace: &consensus.Grace{Time: time.Now(), Seconds: seconds}})
	if err := h.c.apply(h.t, cmd, err); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) addPod(name string, mutate func(*api.Pod)) {
	o, _ := api.New("Pod")
	p := o.(*api.Pod)
	p.Name, p.Namespace = name, "default"
	p.Spec.NodeName = "n1"
	p.Spec.Containers = []api.Container{{Name: "main", Image: "busybox:1"}}
	if mutate != nil {
		mutate(p)
	}
	api.Default(p)
	if err := h.c.put(h.t, consensus.ModeApply, p); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) eventually(what string, cond func() error) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (h *harness) waitStatus(name string, cond func(*api.Pod) error) *api.Pod {
	h.t.Helper()
	var got *api.Pod
	h.eventually("pod "+name, func() error {
		p := h.c.pod(name)
		if p == nil {
			return fmt.Errorf("pod %s missing", name)
		}
		got = p
		return cond(p)
	})
	return got
}

func running(p *api.Pod) error {
	if p.Status.Phase != api.PodRunning || p.Status.PodIP == "" || len(p.Status.ContainerStatuses) == 0 {
		return fmt.Errorf("phase %s ip %q", p.Status.Phase, p.Status.PodIP)
	}
	return nil
}

func TestManagerRunsRestartsAndRemoves(t *testing.T) {
	h := newHarness(t)
	h.addPod("web", nil)
	p := h.waitStatus("web", func(p *api.Pod) error {
		if err := running(p); err != nil {
			return err
		}
		if !isReady(p) {
			return fmt.Errorf("not ready")
		}
		return nil
	})
	id := containerID(p.UID, "main")

	h.rt.exit(id, 1, false)
	p = h.waitStatus("web", func(p *api.Pod) error {
		cs := p.Status.ContainerStatuses[0]
		if cs.RestartCount != 1 || cs.State.Running == nil || cs.LastState.Terminated == nil || cs.LastState.Terminated.Reason != "Error" {
			return fmt.Errorf("container status %+v", cs)
		}
		return nil
	})

	h.rt.exit(id, 137, true)
	h.waitStatus("web", func(p *api.Pod) error {
		cs := p.Status.ContainerStatuses[0]
		if cs.RestartCount != 2 || cs.LastState.Terminated == nil || cs.LastState.Terminated.Reason != "OOMKilled" {
			return fmt.Errorf("container status %+v", cs)
		}
		return nil
	})

	h.c.del(t, api.Key{Kind: "Pod", Namespace: "default", Name: "web"})
	h.eventually("pod removed from the node", func() error {
		if n := len(h.rt.running()); n != 0 {
			return fmt.Errorf("%d containers still run", n)
		}
		if _, ok := h.net.Lookup(p.UID); ok {
			return fmt.Errorf("sandbox still there")
		}
		return nil
	})
}

func TestManagerAdoptsAfterRestart(t *testing.T) {
	h := newHarness(t)
	h.addPod("web", nil)
	h.waitStatus("web", running)
	before := h.rt.running()
	h.stop()
	h.start()
	time.Sleep(300 * time.Millisecond)
	after := h.rt.running()
	if fmt.Sprint(before) != fmt.Sprint(after) {
		t.Fatalf("containers changed across a manager restart: %v → %v", before, after)
	}
	for id := range before {
		if n := h.rt.starts[id]; n != 1 {
			t.Fatalf("container %s started %d times", id, n)
		}
	}
}

func TestManagerGarbageCollectsUnknownContainers(t *testing.T) {
	h := newHarness(t)
	h.stop()
	_ = h.rt.CreateContainer(context.Background(), fakeConfig("stray", "gone-uid"))
	h.start()
	h.eventually("stray container removed", func() error {
		if _, err := h.rt.ContainerStatus(context.Background(), "stray"); err == nil {
			return fmt.Errorf("still there")
		}
		return nil
	})
}

func TestManagerFencedStopsStatefulSetPods(t *testing.T) {
	h := newHarness(t)
	h.addPod("db-0", func(p *api.Pod) {
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", UID: "ss"}}
	})
	h.addPod("web", nil)
	db := h.waitStatus("db-0", running)
	web := h.waitStatus("web", running)
	h.fenced.Store(true)
	h.eventually("StatefulSet pod stopped while fenced", func() error {
		r := h.rt.running()
		if _, ok := r[containerID(db.UID, "main")]; ok {
			return fmt.Errorf("db-0 still runs")
		}
		if _, ok := r[containerID(web.UID, "main")]; !ok {
			return fmt.Errorf("web stopped too")
		}
		return nil
	})
	// Killed at once, not after its grace period (30 s by default): the
	// cluster replaces it a fixed margin after the fence.
	h.rt.mu.Lock()
	graces := fmt.Sprint(h.rt.graces[containerID(db.UID, "main")])
	h.rt.mu.Unlock()
	if graces != "[0s]" {
		t.Errorf("fenced StatefulSet pod stopped with grace %s, want [0s]", graces)
	}
}

func TestManagerInitContainersAndNever(t *testing.T) {
	h := newHarness(t)
	h.addPod("job", func(p *api.Pod) {
		p.Spec.RestartPolicy = api.RestartNever
		p.Spec.InitContainers = []api.Container{{Name: "init", Image: "busybox:1"}}
	})
	p := h.waitStatus("job", func(p *api.Pod) error {
		if len(p.Status.InitContainerStatuses) != 1 || p.Status.InitContainerStatuses[0].State.Running == nil {
			return fmt.Errorf("init not running: %+v", p.Status.InitContainerStatuses)
		}
		if p.Status.Phase != api.PodPending {
			return fmt.Errorf("phase %s while initializing", p.Status.Phase)
		}
		return nil
	})
	if cs := p.Status.ContainerStatuses; len(cs) != 1 || cs[0].State.Waiting == nil || cs[0].State.Waiting.Reason != "PodInitializing" {
		t.Errorf("main container state while initializing: got %+v, want waiting PodInitializing", cs)
	}
	if _, ok := h.rt.running()[containerID(p.UID, "main")]; ok {
		t.Fatal("main started before init finished")
	}
	h.rt.exit(containerID(p.UID, "init"), 0, false)
	h.waitStatus("job", running)
	h.rt.exit(containerID(p.UID, "main"), 0, false)
	h.waitStatus("job", func(p *api.Pod) error {
		if p.Status.Phase != api.PodSucceeded {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
}

func isReady(p *api.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}

func TestManagerOneIdentityAtATime(t *testing.T) {
	h := newHarness(t)
	owner := func(p *api.Pod) {
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", UID: "ss"}}
	}
	h.addPod("db-0", owner)
	old := h.waitStatus("db-0", running)
	gate := make(chan struct{})
	h.rt.mu.Lock()
	h.rt.stopGate = gate
	h.rt.mu.Unlock()
	// The controller replaces db-0: same name, new uid.
	h.c.del(t, api.Key{Kind: "Pod", Namespace: "default", Name: "db-0"})
	h.addPod("db-0", owner)
	fresh := h.c.pod("db-0")
	if fresh.UID == old.UID {
		t.Fatal("same uid")
	}
	time.Sleep(300 * time.Millisecond)
	if _, ok := h.rt.running()[containerID(fresh.UID, "main")]; ok {
		t.Fatal("new db-0 started while the old one was still stopping")
	}
	close(gate)
	h.eventually("new db-0 runs after the old one stopped", func() error {
		r := h.rt.running()
		if _, ok := r[containerID(old.UID, "main")]; ok {
			return fmt.Errorf("old db-0 still runs")
		}
		if _, ok := r[containerID(fresh.UID, "main")]; !ok {
			return fmt.Errorf("new db-0 not running")
		}
		return nil
	})
}

func TestManagerNeverStaysDownWhenContainerRecordIsGone(t *testing.T) {
	h := newHarness(t)
	h.addPod("once", func(p *api.Pod) { p.Spec.RestartPolicy = api.RestartNever })
	p := h.waitStatus("once", running)
	id := containerID(p.UID, "main")
	h.rt.mu.Lock()
	delete(h.rt.ctrs, id) // containerd lost the record while it ran
	h.rt.mu.Unlock()
	h.waitStatus("once", func(p *api.Pod) error {
		if p.Status.Phase != api.PodFailed {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	time.Sleep(300 * time.Millisecond)
	if n := h.rt.starts[id]; n != 1 {
		t.Fatalf("restartPolicy Never container started %d times", n)
	}
}
