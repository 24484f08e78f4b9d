package netsvc

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/view"
)

// waitTimeout bounds how long a test waits for the proxy to catch up; it
// is a failure deadline, not a speed assertion.
const waitTimeout = 20 * time.Second

// storeWriter writes to a real consensus.Store through its FSM, as Raft
// would after a commit.
type storeWriter struct {
	t     testing.TB
	store *consensus.Store
	fsm   *consensus.FSM
	index uint64
	now   time.Time
}

func newStoreWriter(t testing.TB) *storeWriter {
	s := consensus.NewStore()
	return &storeWriter{t: t, store: s, fsm: consensus.NewFSM(s, testLogger(t)), now: time.Now()}
}

func (w *storeWriter) apply(data []byte) {
	w.t.Helper()
	w.index++
	res, ok := w.fsm.Apply(&raft.Log{Index: w.index, Term: 1, Type: raft.LogCommand, Data: data}).(consensus.ApplyResult)
	if !ok || res.Err != nil {
		w.t.Fatalf("apply entry %d: %v", w.index, res.Err)
	}
}

// put stores objs as given (status and deletionTimestamp included); the
// store keeps the uid of an object it has and stamps one on a new one.
func (w *storeWriter) put(objs ...api.Object) {
	w.t.Helper()
	for _, o := range objs {
		k, m := api.KeyOf(o), o.GetObjectMeta()
		m.UID, m.ResourceVersion = "", ""
		if cur, ok := w.store.Get(k.Kind, k.Namespace, k.Name); ok {
			m.UID = cur.GetObjectMeta().UID
		}
	}
	w.now = w.now.Add(time.Second)
	data, err := consensus.EncodePut(consensus.Put{Objects: objs, Mode: consensus.ModeReplace, Time: w.now})
	if err != nil {
		w.t.Fatalf("encode put: %v", err)
	}
	w.apply(data)
}

func (w *storeWriter) del(objs ...api.Object) {
	w.t.Helper()
	var keys []api.Key
	for _, o := range objs {
		keys = append(keys, api.KeyOf(o))
	}
	data, err := consensus.EncodeDelete(consensus.Delete{Keys: keys})
	if err != nil {
		w.t.Fatalf("encode delete: %v", err)
	}
	w.apply(data)
}

// fakeProgrammer records every model it is given; it fails the first
// failures Syncs and, while gate is non-nil, blocks until gate closes.
type fakeProgrammer struct {
	mu       sync.Mutex
	failures int
	gate     chan struct{}
	models   chan []Service
}

func newFakeProgrammer() *fakeProgrammer { return &fakeProgrammer{models: make(chan []Service, 1000)} }

func (f *fakeProgrammer) Sync(ctx context.Context, services []Service) error {
	f.mu.Lock()
	gate := f.gate
	fail := f.failures > 0
	if fail {
		f.failures--
	}
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if fail {
		return errors.New("nftables busy")
	}
	select {
	case f.models <- slices.Clone(services):
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// waitModel waits until the programmed model, summarised by summary,
// equals want.
func (f *fakeProgrammer) waitModel(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(waitTimeout)
	last := "(no Sync yet)"
	for {
		select {
		case m := <-f.models:
			last = summary(m)
			if last == want {
				return
			}
		case <-deadline:
			t.Fatalf("programmed model is %s, want %s", last, want)
		}
	}
}

// summary writes a model as "ns/name VIP port:[ip:port*,...]; ...", *
// marking local endpoints.
func summary(services []Service) string {
	var parts []string
	for _, s := range services {
		var ports []string
		for _, p := range s.Ports {
			var eps []string
			for _, e := range p.Endpoints {
				l := ""
				if e.Local {
					l = "*"
				}
				eps = append(eps, netip.AddrPortFrom(e.Addr, e.Port).String()+l)
			}
			ports = append(ports, fmt.Sprintf("%d:[%s]", p.Port, strings.Join(eps, ",")))
		}
		parts = append(parts, fmt.Sprintf("%s/%s %s %s", s.Namespace, s.Name, s.ClusterIP, strings.Join(ports, " ")))
	}
	return strings.Join(parts, "; ")
}

func startProxy(t *testing.T, w *storeWriter, prog Programmer, reg prometheus.Registerer) *Proxy {
	t.Helper()
	p, err := NewProxy(ProxyConfig{Node: "n1", View: w.store, Programmer: prog, Logger: testLogger(t), Registerer: reg})
	if err != nil {
		t.Fatalf("NewProxy: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
	})
	return p
}

// readyAt marks a pod Ready since t.
func readyAt(t time.Time) func(*api.Pod) {
	return func(p *api.Pod) { p.Status.Conditions[0].LastTransitionTime = &t }
}

func TestProxyFollowsTheStore(t *testing.T) {
	w := newStoreWriter(t)
	web := bsvc("default", "web", "10.43.0.10")
	a := bpod("default", "a", "web", "n1", "10.42.1.5")
	b := bpod("default", "b", "web", "n2", "10.42.2.7")
	w.put(web, a, b)
	prog := newFakeProgrammer()
	reg := prometheus.NewRegistry()
	p := startProxy(t, w, prog, reg)
	prog.waitModel(t, "default/web 10.43.0.10 80:[10.42.1.5:8080*,10.42.2.7:8080]")

	c := bpod("default", "c", "web", "n3", "10.42.3.9", podNotReady)
	w.put(c)
	w.put(bpod("default", "c", "web", "n3", "10.42.3.9", readyAt(time.Now())))
	prog.waitModel(t, "default/web 10.43.0.10 80:[10.42.1.5:8080*,10.42.2.7:8080,10.42.3.9:8080]")

	w.put(bpod("default", "b", "web", "n2", "10.42.2.7", podTerminating))
	prog.waitModel(t, "default/web 10.43.0.10 80:[10.42.1.5:8080*,10.42.3.9:8080]")

	// Scale down, and another service comes.
	w.del(b, c)
	w.put(bsvc("default", "api", "10.43.0.2"), bpod("default", "api-0", "api", "n2", "10.42.2.3"))
	prog.waitModel(t, "default/api 10.43.0.2 80:[10.42.2.3:8080]; default/web 10.43.0.10 80:[10.42.1.5:8080*]")

	// A pod relabelled away from a service leaves it.
	moved := bpod("default", "a", "other", "n1", "10.42.1.5")
	w.put(moved)
	prog.waitModel(t, "default/api 10.43.0.2 80:[10.42.2.3:8080]; default/web 10.43.0.10 80:[]")

	w.del(web)
	prog.waitModel(t, "default/api 10.43.0.2 80:[10.42.2.3:8080]")

	// The fake sees the model before Sync returns and the proxy records it.
	st := waitStats(p, func(st ProxyStats) bool { return st.Services == 1 })
	if st.Syncs < 6 || st.Failures != 0 || st.Services != 1 || st.Endpoints != 1 {
		t.Errorf("stats: got %d syncs, %d failures, %d services, %d endpoints; want ≥ 6, 0, 1, 1", st.Syncs, st.Failures, st.Services, st.Endpoints)
	}
	counts := histogramCounts(t, reg)
	// c (Ready with a transition time) and api-0 (no transition time: not
	// observed) became endpoints after the first Sync.
	if got := counts["shoal_service_endpoint_programmed_seconds"]; got != 1 {
		t.Errorf("shoal_service_endpoint_programmed_seconds count: got %d, want 1", got)
	}
	if got := counts["shoal_service_sync_seconds"]; got < 5 {
		t.Errorf("shoal_service_sync_seconds count: got %d, want ≥ 5 (one per event-driven Sync)", got)
	}
}

// waitStats returns the proxy's stats once ok accepts them, or the last
// ones after waitTimeout.
func waitStats(p *Proxy, ok func(ProxyStats) bool) ProxyStats {
	deadline := time.Now().Add(waitTimeout)
	for {
		st := p.Stats()
		if ok(st) || time.Now().After(deadline) {
			return st
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func histogramCounts(t *testing.T, reg *prometheus.Registry) map[string]uint64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	out := map[string]uint64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			if h := m.GetHistogram(); h != nil {
				out[mf.GetName()] += h.GetSampleCount()
			}
		}
	}
	return out
}

func TestProxyRetriesFailedSync(t *testing.T) {
	w := newStoreWriter(t)
	w.put(bsvc("default", "web", "10.43.0.10"), bpod("default", "a", "web", "n2", "10.42.2.5"))
	prog := newFakeProgrammer()
	prog.failures = 2
	p := startProxy(t, w, prog, nil)
	prog.waitModel(t, "default/web 10.43.0.10 80:[10.42.2.5:8080]")
	if st := waitStats(p, func(st ProxyStats) bool { return st.Syncs > 0 }); st.Failures != 2 || st.LastError != nil {
		t.Errorf("stats: got %d failures, last error %v; want 2, nil", st.Failures, st.LastError)
	}
}

func TestProxyWatchesAgainAfterFallingBehind(t *testing.T) {
	w := newStoreWriter(t)
	w.put(bsvc("default", "web", "10.43.0.10"))
	prog := newFakeProgrammer()
	prog.gate = make(chan struct{})
	startProxy(t, w, prog, nil)
	// While the first Sync hangs, write more events than a watcher may
	// fall behind: the store drops the proxy's watch.
	pod := bpod("default", "a", "web", "n1", "10.42.1.5", podNotReady)
	for i := range consensus.WatchBuffer + 10 {
		pod = api.DeepCopy(pod)
		pod.Annotations = map[string]string{"n": fmt.Sprint(i)}
		w.put(pod)
	}
	w.put(bpod("default", "b", "web", "n2", "10.42.2.7"))
	prog.mu.Lock()
	close(prog.gate)
	prog.gate = nil
	prog.mu.Unlock()
	prog.waitModel(t, "default/web 10.43.0.10 80:[10.42.2.7:8080]")
}

func TestNewProxyChecksConfig(t *testing.T) {
	w := newStoreWriter(t)
	tests := []struct {
		name string
		cfg  ProxyConfig
		want string
	}{
		{"no node", ProxyConfig{View: w.store, Programmer: newFakeProgrammer()}, "node name is empty"},
		{"no view", ProxyConfig{Node: "n1", Programmer: newFakeProgrammer()}, "view is nil"},
		{"no programmer", ProxyConfig{Node: "n1", View: w.store}, "programmer is nil"},
		{"negative debounce", ProxyConfig{Node: "n1", View: w.store, Programmer: newFakeProgrammer(), Debounce: -1}, "debounce -1ns is negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewProxy(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// BenchmarkProxyOneEndpointChange measures what the proxy does for one pod
// turning Ready with 10,000 services × 5 pods present: take the event,
// rebuild the services it touches, and produce the full sorted model for
// Sync (the Sync itself is the Table's cost, measured there).
func BenchmarkProxyOneEndpointChange(b *testing.B) {
	w := newStoreWriter(b)
	services, pods := bigCluster(10000)
	var objs []api.Object
	for _, s := range services {
		objs = append(objs, s)
	}
	for _, p := range pods {
		objs = append(objs, p)
	}
	for chunk := range slices.Chunk(objs, 5000) {
		w.put(chunk...)
	}
	m := newModel("n1", w.store)
	m.flush(map[string]time.Time{})
	if got := len(m.list()); got != 10000 {
		b.Fatalf("got %d services, want 10000", got)
	}
	stored, _ := w.store.Get("Pod", "default", "svc-04242-3")
	notReady := api.DeepCopy(stored.(*api.Pod))
	podNotReady(notReady)
	ready := stored.(*api.Pod)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p := ready
		if i%2 == 0 {
			p = notReady
		}
		i++
		m.apply(viewEvent(p))
		// The model reads pods from the view, so the store must hold the
		// new state; writing it is not part of the measurement.
		b.StopTimer()
		w.put(api.DeepCopy(p))
		b.StartTimer()
		if !m.flush(map[string]time.Time{}) {
			b.Fatal("flush saw no change")
		}
		if got := len(m.list()); got != 10000 {
			b.Fatalf("got %d services, want 10000", got)
		}
	}
}

func viewEvent(obj api.Object) view.Event { return view.Event{Type: view.Modified, Object: obj} }
