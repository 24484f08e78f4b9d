package dnssvc

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/view"
)

// fakeView is a view.View over a mutable set of objects; put and del send
// watch events to the current watchers.
type fakeView struct {
	mu       sync.Mutex
	objs     map[string]api.Object
	index    uint64
	watchers []chan view.Event
}

func newFakeView(objs ...api.Object) *fakeView {
	v := &fakeView{objs: map[string]api.Object{}}
	for _, o := range objs {
		v.objs[key(o)] = o
	}
	return v
}

func key(o api.Object) string { k := api.KeyOf(o); return k.Kind + "/" + k.Namespace + "/" + k.Name }

func (v *fakeView) Get(kind, ns, name string) (api.Object, bool) {
	v.mu.Lock()
	defer v.mu.Unlock()
	o, ok := v.objs[kind+"/"+ns+"/"+name]
	return o, ok
}

func (v *fakeView) List(kind, ns string, _ map[string]string) []api.Object {
	v.mu.Lock()
	defer v.mu.Unlock()
	var out []api.Object
	for _, o := range v.objs {
		if k := api.KeyOf(o); k.Kind == kind && (ns == "" || k.Namespace == ns) {
			out = append(out, o)
		}
	}
	return out
}

func (v *fakeView) Watch(ctx context.Context, _ ...string) <-chan view.Event {
	v.mu.Lock()
	defer v.mu.Unlock()
	ch := make(chan view.Event, 16)
	v.watchers = append(v.watchers, ch)
	return ch
}

func (v *fakeView) Index() uint64 {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.index
}

func (v *fakeView) write(t view.EventType, o api.Object) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.index++
	if t == view.Deleted {
		delete(v.objs, key(o))
	} else {
		v.objs[key(o)] = o
	}
	for _, w := range v.watchers {
		w <- view.Event{Type: t, Object: o, Index: v.index}
	}
}

// closeWatches closes every watch, as a view does to a watcher that fell
// behind.
func (v *fakeView) closeWatches() {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, w := range v.watchers {
		close(w)
	}
	v.watchers = nil
}

// waitFor polls n until name's A lookup has rcode (a change is applied
// asynchronously); it fails after 10 s.
func waitFor(t *testing.T, n *Names, name string, want error) {
	t.Helper()
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if _, err = n.Lookup(dns.Question{Name: name, Qtype: dns.TypeA, Qclass: dns.ClassINET}); err == want {
			return
		}
	}
	t.Fatalf("lookup %s: got %v, want %v", name, err, want)
}

func TestNamesFollowsView(t *testing.T) {
	svcs, pods := fixture()
	var objs []api.Object
	for _, s := range svcs {
		objs = append(objs, s)
	}
	for _, p := range pods {
		objs = append(objs, p)
	}
	v := newFakeView(objs...)
	n, err := NewNames(testCfg, v, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	}()

	waitFor(t, n, "web.default.svc.cluster.local.", nil)
	// A new service appears.
	v.write(view.Added, service("default", "api", "10.96.0.20", nil, sport("http", 80, api.ProtocolTCP)))
	waitFor(t, n, "api.default.svc.cluster.local.", nil)
	// The headless service's pods stop being ready one by one: the name
	// goes when the last one does.
	for _, p := range pods[:2] {
		np := api.DeepCopy(p)
		np.Status.Conditions[0].Status = api.ConditionFalse
		v.write(view.Modified, np)
	}
	waitFor(t, n, "db.default.svc.cluster.local.", ErrNXDomain)
	// A watch that closes is watched again.
	v.closeWatches()
	waitFor(t, n, "db.default.svc.cluster.local.", ErrNXDomain)
	v.write(view.Modified, pods[0])
	waitFor(t, n, "db.default.svc.cluster.local.", nil)
	v.write(view.Deleted, svcs[0])
	waitFor(t, n, "web.default.svc.cluster.local.", ErrNXDomain)
	if got := n.Zone().serial; got != uint32(v.Index()) {
		t.Errorf("serial: got %d, want %d (the view's index)", got, v.Index())
	}
}
