package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
	"github.com/shoal-dev/shoal/pki"
)

// fakeDrainAPI is the part of the API drain uses, over a list of pods:
// an eviction is refused with 429 while refusals[pod] > 0 (counting
// down), else the pod is removed; a delete removes it at once.
type fakeDrainAPI struct {
	mu        sync.Mutex
	pods      []*api.Pod
	refusals  map[string]int
	evictions []string
	deletes   []string
	// cancel, if set, is called at the cancelAfter-th eviction (the
	// user's --timeout passing, without a clock).
	cancel      func()
	cancelAfter int
}

func (f *fakeDrainAPI) remove(name string) {
	for i, p := range f.pods {
		if p.Name == name {
			f.pods = append(f.pods[:i], f.pods[i+1:]...)
			return
		}
	}
}

func (f *fakeDrainAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	written := func(kind, name, action string) {
		_ = json.NewEncoder(w).Encode(map[string]any{"items": []api.AppliedObject{{Kind: kind, Name: name, Action: action}}})
	}
	switch {
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/cordon"):
		written("Node", "n1", "cordoned")
	case r.Method == http.MethodGet && r.URL.Path == "/v1/pods":
		_ = json.NewEncoder(w).Encode(map[string]any{"items": f.pods})
	case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/eviction"):
		name := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/pods/"), "/eviction")
		f.evictions = append(f.evictions, name)
		if f.cancel != nil && len(f.evictions) == f.cancelAfter {
			f.cancel()
		}
		if f.refusals[name] > 0 {
			f.refusals[name]--
			w.WriteHeader(http.StatusTooManyRequests)
			_ = json.NewEncoder(w).Encode(map[string]string{"error": "cannot evict pod default/" + name + " as it would violate the pod's disruption budget default/pdb"})
			return
		}
		f.remove(name)
		written("Pod", name, "evicted")
	case r.Method == http.MethodDelete:
		name := strings.TrimPrefix(r.URL.Path, "/v1/pods/")
		f.deletes = append(f.deletes, name)
		f.remove(name)
		written("Pod", name, "deleted")
	default:
		w.WriteHeader(http.StatusNotFound)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": "no route " + r.Method + " " + r.URL.Path})
	}
}

// drainClient serves api over TLS under a fresh CA and returns a client
// that trusts it.
func drainClient(t *testing.T, h http.Handler) *client.Client {
	t.Helper()
	ca, err := pki.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := pki.NewToken(ca)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, csrPEM, err := pki.NewKeyAndCSR("n1")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := ca.Sign(csrPEM, "n1", []net.IP{net.ParseIP("127.0.0.1")}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	nt, err := pki.NewNodeTLS(ca, certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = nt.ServerConfig()
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL, tok.String())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func drainPod(name, node string, ownerKind string) *api.Pod {
	p := &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Name: name, Namespace: "default", UID: "uid-" + name},
		Spec:       api.PodSpec{NodeName: node, Containers: []api.Container{{Name: "c", Image: "busybox"}}},
	}
	if ownerKind != "" {
		yes := true
		p.OwnerReferences = []api.OwnerReference{{APIVersion: "apps/v1", Kind: ownerKind, Name: "o", UID: "o", Controller: &yes}}
	}
	return p
}

func TestDrain(t *testing.T) {
	tests := []struct {
		name      string
		pods      []*api.Pod
		refusals  map[string]int
		opts      drainOptions
		cancelAt  int // cancel the drain at this eviction
		wantErr   string
		wantOut   []string
		evictions []string
		deletes   []string
	}{
		{name: "evicts every pod but DaemonSet ones",
			pods:      []*api.Pod{drainPod("a", "n1", "ReplicaSet"), drainPod("ds", "n1", "DaemonSet"), drainPod("b", "n2", "ReplicaSet")},
			wantOut:   []string{"node/n1 cordoned", "evicting pod default/a", "node/n1 drained"},
			evictions: []string{"a"}},
		{name: "retries while the budget refuses",
			pods: []*api.Pod{drainPod("a", "n1", "ReplicaSet")}, refusals: map[string]int{"a": 2},
			wantOut: []string{"error when evicting pod default/a (will retry after 1ms): cannot evict pod default/a as it would violate the pod's disruption budget default/pdb",
				"evicting pod default/a", "node/n1 drained"},
			evictions: []string{"a", "a", "a"}},
		{name: "gives up naming the refused pods",
			pods: []*api.Pod{drainPod("a", "n1", "ReplicaSet")}, refusals: map[string]int{"a": 1 << 30}, cancelAt: 3,
			wantErr: "drain n1: 1 pods still on the node, their disruption budgets refuse to evict default/a: context canceled"},
		{name: "disable-eviction deletes",
			pods: []*api.Pod{drainPod("a", "n1", "ReplicaSet")}, refusals: map[string]int{"a": 1 << 30}, opts: drainOptions{disableEviction: true},
			wantOut: []string{"deleting pod default/a", "node/n1 drained"}, deletes: []string{"a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			f := &fakeDrainAPI{pods: tt.pods, refusals: tt.refusals}
			if tt.cancelAt > 0 {
				f.cancel, f.cancelAfter = cancel, tt.cancelAt
			}
			c := drainClient(t, f)
			opts := tt.opts
			opts.retry, opts.poll = time.Millisecond, time.Millisecond
			var out bytes.Buffer
			err := drain(ctx, c, "n1", opts, &out)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("got error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none\n%s", err, out.String())
			}
			for _, want := range tt.wantOut {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q:\n%s", want, out.String())
				}
			}
			f.mu.Lock()
			defer f.mu.Unlock()
			if strings.Join(f.evictions, ",") != strings.Join(tt.evictions, ",") {
				t.Errorf("got evictions %v, want %v", f.evictions, tt.evictions)
			}
			if strings.Join(f.deletes, ",") != strings.Join(tt.deletes, ",") {
				t.Errorf("got deletes %v, want %v", f.deletes, tt.deletes)
			}
		})
	}
}
