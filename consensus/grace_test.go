package consensus

import (
	"errors"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

func gracePod(name, node string, phase api.PodPhase, grace *int64) *api.Pod {
	return &api.Pod{
		TypeMeta:   api.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: api.ObjectMeta{Namespace: "default", Name: name},
		Spec: api.PodSpec{
			NodeName:                      node,
			TerminationGracePeriodSeconds: grace,
			Containers:                    []api.Container{{Name: "c", Image: "x"}},
		},
		Status: api.PodStatus{Phase: phase},
	}
}

func podKey(name string) api.Key { return api.Key{Kind: "Pod", Namespace: "default", Name: name} }

func i64(v int64) *int64 { return &v }

func TestGracefulDelete(t *testing.T) {
	base := t0.Truncate(time.Second)
	tests := []struct {
		name      string
		pod       *api.Pod
		seconds   *int64
		wantGone  bool
		wantGrace int64 // when kept
	}{
		{"bound and running: terminating with the pod's grace", gracePod("p", "n1", api.PodRunning, i64(5)), nil, false, 5},
		{"no grace in spec: default 30", gracePod("p", "n1", api.PodRunning, nil), nil, false, 30},
		{"grace given overrides the pod's", gracePod("p", "n1", api.PodRunning, i64(5)), i64(2), false, 2},
		{"grace 0 removes at once", gracePod("p", "n1", api.PodRunning, i64(5)), i64(0), true, 0},
		{"unbound pod is removed at once", gracePod("p", "", api.PodPending, nil), nil, true, 0},
		{"succeeded pod is removed at once", gracePod("p", "n1", api.PodSucceeded, nil), nil, true, 0},
		{"failed pod is removed at once", gracePod("p", "n1", api.PodFailed, nil), nil, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			stored := h.mustPut(ModeReplace, tt.pod, cm("default", "side", nil, nil))
			when := t0.Add(time.Hour)
			res := h.del(Delete{Keys: []api.Key{podKey("p"), cmKey("default", "side")}, Grace: &Grace{Time: when, Seconds: tt.seconds}})
			if res.Err != nil {
				t.Fatalf("delete: %v", res.Err)
			}
			if _, ok := h.store.Get("ConfigMap", "default", "side"); ok {
				t.Errorf("got the config map still stored, want it removed (grace applies to pods only)")
			}
			got, ok := h.store.Get("Pod", "default", "p")
			if tt.wantGone {
				if ok {
					t.Fatalf("got pod still stored (deletionTimestamp %v), want it removed", got.GetObjectMeta().DeletionTimestamp)
				}
				return
			}
			if !ok {
				t.Fatal("got pod removed, want it Terminating")
			}
			m := got.GetObjectMeta()
			wantTS := base.Add(time.Hour).Add(time.Duration(tt.wantGrace) * time.Second)
			if m.DeletionTimestamp == nil || !m.DeletionTimestamp.Equal(wantTS) {
				t.Errorf("got deletionTimestamp %v, want %v", m.DeletionTimestamp, wantTS)
			}
			if m.DeletionGracePeriodSeconds == nil || *m.DeletionGracePeriodSeconds != tt.wantGrace {
				t.Errorf("got deletionGracePeriodSeconds %v, want %d", m.DeletionGracePeriodSeconds, tt.wantGrace)
			}
			if m.UID != stored[0].GetObjectMeta().UID {
				t.Errorf("got uid %s, want %s kept", m.UID, stored[0].GetObjectMeta().UID)
			}
			if want := "2"; m.ResourceVersion != want {
				t.Errorf("got resourceVersion %s, want %s (the delete's index)", m.ResourceVersion, want)
			}
			if got := api.KeyOf(res.Objects[0]); got != podKey("p") || res.Objects[0].GetObjectMeta().DeletionTimestamp == nil {
				t.Errorf("got result %s without deletionTimestamp, want the marked pod", got)
			}
		})
	}
}

func TestGracefulDeleteDeadlineNeverExtends(t *testing.T) {
	tests := []struct {
		name      string
		after     time.Duration // between the two deletes
		seconds   int64         // of the second delete
		wantWrite bool
		wantGrace int64
		wantTS    time.Duration // after the first delete's time
	}{
		{"same grace later: unchanged", 10 * time.Second, 30, false, 30, 30 * time.Second},
		{"longer grace: unchanged", 0, 60, false, 30, 30 * time.Second},
		{"shorter grace that ends sooner: shortened", 10 * time.Second, 5, true, 5, 15 * time.Second},
		{"shorter grace that ends later: unchanged", 28 * time.Second, 5, false, 30, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.mustPut(ModeReplace, gracePod("p", "n1", api.PodRunning, nil))
			first := t0.Add(time.Hour).Truncate(time.Second)
			if res := h.del(Delete{Keys: []api.Key{podKey("p")}, Grace: &Grace{Time: first}}); res.Err != nil {
				t.Fatal(res.Err)
			}
			before, _ := h.store.Get("Pod", "default", "p")
			res := h.del(Delete{Keys: []api.Key{podKey("p")}, Grace: &Grace{Time: first.Add(tt.after), Seconds: &tt.seconds}})
			if res.Err != nil {
				t.Fatal(res.Err)
			}
			after, _ := h.store.Get("Pod", "default", "p")
			m := after.GetObjectMeta()
			if wrote := m.ResourceVersion != before.GetObjectMeta().ResourceVersion; wrote != tt.wantWrite {
				t.Errorf("got a write %v, want %v", wrote, tt.wantWrite)
			}
			if want := first.Add(tt.wantTS); !m.DeletionTimestamp.Equal(want) {
				t.Errorf("got deletionTimestamp %v, want %v", m.DeletionTimestamp, want)
			}
			if *m.DeletionGracePeriodSeconds != tt.wantGrace {
				t.Errorf("got deletionGracePeriodSeconds %d, want %d", *m.DeletionGracePeriodSeconds, tt.wantGrace)
			}
		})
	}
}

func TestGracefulDeleteForce(t *testing.T) {
	h := newHarness(t)
	h.mustPut(ModeReplace, gracePod("lost", "n1", api.PodRunning, nil), gracePod("p", "n2", api.PodRunning, nil))
	res := h.del(Delete{Keys: []api.Key{podKey("lost"), podKey("p")}, Grace: &Grace{Time: t0, Force: []api.Key{podKey("lost")}}})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if _, ok := h.store.Get("Pod", "default", "lost"); ok {
		t.Error("got forced pod still stored, want it removed")
	}
	if p, ok := h.store.Get("Pod", "default", "p"); !ok || p.GetObjectMeta().DeletionTimestamp == nil {
		t.Error("got the other pod removed or not Terminating, want it Terminating")
	}
}

func TestTerminatingSurvivesWrites(t *testing.T) {
	h := newHarness(t)
	h.mustPut(ModeReplace, gracePod("p", "n1", api.PodRunning, nil))
	if res := h.del(Delete{Keys: []api.Key{podKey("p")}, Grace: &Grace{Time: t0}}); res.Err != nil {
		t.Fatal(res.Err)
	}
	for _, mode := range []PutMode{ModeReplace, ModeStatus} {
		in := gracePod("p", "n1", api.PodRunning, nil) // no deletionTimestamp
		in.Status.PodIP = "10.0.0.9"
		h.mustPut(mode, in)
		got, _ := h.store.Get("Pod", "default", "p")
		if got.GetObjectMeta().DeletionTimestamp == nil || got.GetObjectMeta().DeletionGracePeriodSeconds == nil {
			t.Errorf("%s: got deletionTimestamp cleared, want it kept", mode)
		}
	}
	// A plain delete (the node, done stopping it) removes it.
	if res := h.del(Delete{Keys: []api.Key{podKey("p")}}); res.Err != nil {
		t.Fatal(res.Err)
	}
	if _, ok := h.store.Get("Pod", "default", "p"); ok {
		t.Error("got pod still stored after a plain delete, want it removed")
	}
}

func TestGracefulDeleteInvalid(t *testing.T) {
	tests := []struct {
		name  string
		grace Grace
	}{
		{"no time", Grace{}},
		{"negative grace", Grace{Time: t0, Seconds: i64(-1)}},
		{"grace past a duration (would overflow to a deadline in the past)", Grace{Time: t0, Seconds: i64(10_000_000_000)}},
		{"forced key not deleted", Grace{Time: t0, Force: []api.Key{podKey("other")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.mustPut(ModeReplace, gracePod("p", "n1", api.PodRunning, nil))
			res := h.del(Delete{Keys: []api.Key{podKey("p")}, Grace: &tt.grace})
			if !errors.Is(res.Err, ErrInvalid) {
				t.Errorf("got error %v, want ErrInvalid", res.Err)
			}
		})
	}
}
