package consensus

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/view"
)

func keys(objs []api.Object) []string {
	out := make([]string, len(objs))
	for i, o := range objs {
		out[i] = api.KeyOf(o).String()
	}
	return out
}

func TestList(t *testing.T) {
	h := newHarness(t)
	h.mustPut(ModeApply,
		cm("prod", "web", map[string]string{"app": "web", "tier": "front"}, nil),
		cm("default", "web", map[string]string{"app": "web", "tier": "front"}, nil),
		cm("default", "db", map[string]string{"app": "db", "tier": "back"}, nil),
		cm("default", "api", map[string]string{"app": "api", "tier": "front"}, nil),
		cm("prod", "db", map[string]string{"app": "db"}, nil),
		cm("default", "plain", nil, nil),
	)
	tests := []struct {
		name      string
		kind      string
		namespace string
		selector  map[string]string
		want      []string
	}{
		{"all namespaces sorted", "ConfigMap", "", nil, []string{
			"ConfigMap/default/api", "ConfigMap/default/db", "ConfigMap/default/plain", "ConfigMap/default/web",
			"ConfigMap/prod/db", "ConfigMap/prod/web"}},
		{"one namespace", "ConfigMap", "prod", nil, []string{"ConfigMap/prod/db", "ConfigMap/prod/web"}},
		{"empty selector selects all", "ConfigMap", "prod", map[string]string{}, []string{"ConfigMap/prod/db", "ConfigMap/prod/web"}},
		{"unknown namespace", "ConfigMap", "nope", nil, []string{}},
		{"unknown kind", "Gadget", "", nil, []string{}},
		{"one label", "ConfigMap", "", map[string]string{"tier": "front"}, []string{
			"ConfigMap/default/api", "ConfigMap/default/web", "ConfigMap/prod/web"}},
		{"two labels", "ConfigMap", "", map[string]string{"tier": "front", "app": "web"}, []string{
			"ConfigMap/default/web", "ConfigMap/prod/web"}},
		{"labels and namespace", "ConfigMap", "default", map[string]string{"app": "db"}, []string{"ConfigMap/default/db"}},
		{"labels in a namespace smaller than the label's list", "ConfigMap", "prod", map[string]string{"tier": "front"}, []string{"ConfigMap/prod/web"}},
		{"value mismatch", "ConfigMap", "", map[string]string{"app": "cache"}, []string{}},
		{"one label of two missing", "ConfigMap", "", map[string]string{"app": "db", "tier": "front"}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := h.store.List(tt.kind, tt.namespace, tt.selector)
			if got == nil {
				t.Errorf("got a nil slice, want an empty one")
			}
			if diff := cmp.Diff(tt.want, keys(got)); diff != "" {
				t.Errorf("List (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLabelIndexFollowsWrites(t *testing.T) {
	h := newHarness(t)
	h.mustPut(ModeApply, cm("default", "a", map[string]string{"app": "web"}, nil), cm("default", "b", map[string]string{"app": "web"}, nil))
	h.mustPut(ModeApply, cm("default", "a", map[string]string{"app": "api"}, nil)) // relabel
	h.del(Delete{Keys: []api.Key{cmKey("default", "b")}})

	tests := []struct {
		selector map[string]string
		want     []string
	}{
		{map[string]string{"app": "web"}, []string{}},
		{map[string]string{"app": "api"}, []string{"ConfigMap/default/a"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.selector), func(t *testing.T) {
			if diff := cmp.Diff(tt.want, keys(h.store.List("ConfigMap", "", tt.selector))); diff != "" {
				t.Errorf("List (-want +got):\n%s", diff)
			}
		})
	}
	// Emptied postings and namespaces are removed, not left to grow.
	kt := h.store.tables["ConfigMap"]
	if diff := cmp.Diff(map[label]map[nsName]struct{}{{"app", "api"}: {{"default", "a"}: {}}}, kt.labels); diff != "" {
		t.Errorf("label index (-want +got):\n%s", diff)
	}
	h.del(Delete{Keys: []api.Key{cmKey("default", "a")}})
	if len(kt.byNS) != 0 || len(kt.labels) != 0 || kt.n != 0 {
		t.Errorf("got %d namespaces, %d labels, n=%d after deleting everything, want 0", len(kt.byNS), len(kt.labels), kt.n)
	}
}

func TestGetNamespaces(t *testing.T) {
	h := newHarness(t)
	h.mustPut(ModeApply, cm("a", "x", nil, map[string]string{"ns": "a"}), cm("b", "x", nil, map[string]string{"ns": "b"}))
	tests := []struct {
		namespace string
		want      string
		wantOK    bool
	}{
		{"a", "a", true},
		{"b", "b", true},
		{"c", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run("namespace "+tt.namespace, func(t *testing.T) {
			obj, ok := h.store.Get("ConfigMap", tt.namespace, "x")
			if ok != tt.wantOK {
				t.Fatalf("got ok %v, want %v", ok, tt.wantOK)
			}
			if ok && obj.(*api.ConfigMap).Data["ns"] != tt.want {
				t.Errorf("got data %v, want ns=%s", obj.(*api.ConfigMap).Data, tt.want)
			}
		})
	}
}

func TestWatchOrder(t *testing.T) {
	h := newHarness(t)
	all := h.store.Watch(t.Context())
	onlyOther := h.store.Watch(t.Context(), "Gadget")

	h.mustPut(ModeApply, cm("default", "a", nil, nil), cm("default", "b", nil, nil)) // 1
	h.mustPut(ModeApply, cm("default", "a", nil, map[string]string{"k": "v"}))       // 2
	h.mustPut(ModeApply, cm("default", "a", nil, map[string]string{"k": "v"}))       // 3: no-op
	h.put(ModeApply, withRV(cm("default", "b", nil, nil), "9"))                      // 4: fails
	h.del(Delete{Keys: []api.Key{cmKey("default", "b"), cmKey("default", "a")}})     // 5

	type ev struct {
		Type  view.EventType
		Key   string
		Index uint64
		RV    string
	}
	want := []ev{
		{view.Added, "ConfigMap/default/a", 1, "1"},
		{view.Added, "ConfigMap/default/b", 1, "1"},
		{view.Modified, "ConfigMap/default/a", 2, "2"},
		{view.Deleted, "ConfigMap/default/b", 5, "1"},
		{view.Deleted, "ConfigMap/default/a", 5, "2"},
	}
	var got []ev
	for len(got) < len(want) {
		e := <-all
		got = append(got, ev{e.Type, api.KeyOf(e.Object).String(), e.Index, e.Object.GetObjectMeta().ResourceVersion})
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
	select {
	case e := <-all:
		t.Errorf("got extra event %+v", e)
	case e := <-onlyOther:
		t.Errorf("watcher of another kind got %+v", e)
	default:
	}
}

func TestWatchClosesWhenContextEnds(t *testing.T) {
	t.Run("cancelled later", func(t *testing.T) {
		s := NewStore()
		ctx, cancel := context.WithCancel(t.Context())
		ch := s.Watch(ctx)
		cancel()
		for range ch { // ends when closed
		}
		s.mu.RLock()
		defer s.mu.RUnlock()
		if len(s.watchers) != 0 {
			t.Errorf("got %d watchers registered, want 0", len(s.watchers))
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, ok := <-NewStore().Watch(ctx); ok {
			t.Errorf("got an event, want a closed channel")
		}
	})
}

func TestSlowWatcherIsDropped(t *testing.T) {
	h := newHarness(t)
	slow := h.store.Watch(t.Context(), "ConfigMap")
	other := h.store.Watch(t.Context(), "Gadget")
	// If Apply waited for the slow watcher this would never return.
	for i := range WatchBuffer + 10 {
		h.mustPut(ModeApply, cm("default", fmt.Sprintf("cm-%d", i), nil, nil))
	}
	n := 0
	for e := range slow {
		if want := uint64(n + 1); e.Index != want {
			t.Fatalf("event %d: got index %d, want %d", n, e.Index, want)
		}
		n++
	}
	if n != WatchBuffer {
		t.Errorf("got %d events before close, want %d", n, WatchBuffer)
	}
	select {
	case _, ok := <-other:
		t.Errorf("idle watcher of another kind: got receive (open=%v), want it untouched", ok)
	default:
	}
	h.store.mu.RLock()
	defer h.store.mu.RUnlock()
	if len(h.store.watchers) != 1 {
		t.Errorf("got %d watchers, want only the idle one left", len(h.store.watchers))
	}
}
