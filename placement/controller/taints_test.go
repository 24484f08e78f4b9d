package controller

import (
	"slices"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// taintNode adds a taint to a node, stamped with the harness clock as the
// API stamps NoExecute taints.
func (h *harness) taintNode(name string, t api.Taint) {
	n := api.DeepCopy(h.node(name))
	at := h.now
	t.TimeAdded = &at
	n.Spec.Taints = append(n.Spec.Taints, t)
	h.write(n, true)
}

// noExecuteTainted reports whether any node has a NoExecute taint.
func (h *harness) noExecuteTainted() bool {
	for _, k := range h.keys() {
		if n, ok := h.objs[k].(*api.Node); ok {
			for _, t := range n.Spec.Taints {
				if t.Effect == api.TaintNoExecute {
					return true
				}
			}
		}
	}
	return false
}

// nodeGraceOf is the harness's reading of how long pod waits on a lost
// node: the tolerationSeconds of a NoExecute toleration of the
// unreachable or not-ready taint, else NodeGrace.
func (h *harness) nodeGraceOf(pod *api.Pod) time.Duration {
	for _, t := range pod.Spec.Tolerations {
		if (t.Key == api.TaintNodeUnreachable || t.Key == api.TaintNodeNotReady) && t.TolerationSeconds != nil {
			return time.Duration(*t.TolerationSeconds) * time.Second
		}
	}
	return h.cfg.NodeGrace
}

func withTolerations[T api.Object](obj T, tols ...api.Toleration) T {
	switch o := any(obj).(type) {
	case *api.Deployment:
		o.Spec.Template.Spec.Tolerations = tols
	case *api.DaemonSet:
		o.Spec.Template.Spec.Tolerations = tols
	}
	return obj
}

func TestNoExecuteDue(t *testing.T) {
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	noExec := func(key string) api.Taint {
		return api.Taint{Key: key, Effect: api.TaintNoExecute, TimeAdded: &t0}
	}
	tol := func(key string, secs *int64) api.Toleration {
		return api.Toleration{Key: key, Operator: api.TolerationExists, Effect: api.TaintNoExecute, TolerationSeconds: secs}
	}
	tests := []struct {
		name   string
		taints []api.Taint
		tols   []api.Toleration
		want   time.Time
		wantOK bool
	}{
		{"no taints", nil, nil, time.Time{}, false},
		{"NoSchedule does not evict", []api.Taint{{Key: "a", Effect: api.TaintNoSchedule}}, nil, time.Time{}, false},
		{"untolerated: at once", []api.Taint{noExec("a")}, nil, time.Time{}, true},
		{"tolerated for good", []api.Taint{noExec("a")}, []api.Toleration{tol("a", nil)}, time.Time{}, false},
		{"tolerated for 30s", []api.Taint{noExec("a")}, []api.Toleration{tol("a", ptr(int64(30)))}, t0.Add(30 * time.Second), true},
		{"earliest of two", []api.Taint{noExec("a"), noExec("b")}, []api.Toleration{tol("a", ptr(int64(30))), tol("b", ptr(int64(10)))}, t0.Add(10 * time.Second), true},
		{"one untolerated wins", []api.Taint{noExec("a"), noExec("b")}, []api.Toleration{tol("a", ptr(int64(30)))}, time.Time{}, true},
		{"no timeAdded: seconds never run out", []api.Taint{{Key: "a", Effect: api.TaintNoExecute}}, []api.Toleration{tol("a", ptr(int64(1)))}, time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := NoExecuteDue(tt.taints, tt.tols)
			if !got.Equal(tt.want) || ok != tt.wantOK {
				t.Errorf("got %v %v, want %v %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestNoExecuteEvictsAndReplaces(t *testing.T) {
	h := newHarness(t).withNodes(3)
	h.put(newDeployment("web", 6, "v1"))
	h.settle()
	if got := len(h.podsOnNode(h.deployment("web"), "n1")); got != 2 {
		t.Fatalf("got %d pods on n1, want 2", got)
	}
	h.taintNode("n1", api.Taint{Key: "maintenance", Effect: api.TaintNoExecute})
	ch := h.step()
	if len(ch.Deletes) != 2 {
		t.Errorf("got %d deletes, want the 2 pods of n1", len(ch.Deletes))
	}
	for _, d := range ch.Deletes {
		if d.Force {
			t.Errorf("%s deleted with Force, want a graceful delete (n1 is Ready)", d.Key)
		}
	}
	h.settle()
	pods := h.activePods(h.deployment("web"))
	if len(pods) != 6 {
		t.Errorf("got %d active pods, want 6", len(pods))
	}
	for _, p := range pods {
		if p.Spec.NodeName == "n1" {
			t.Errorf("%s still on tainted n1", p.Name)
		}
	}
}

func TestNoExecuteTolerationSeconds(t *testing.T) {
	h := newHarness(t).withNodes(2)
	h.put(withTolerations(newDeployment("web", 2, "v1"),
		api.Toleration{Key: "maintenance", Operator: api.TolerationExists, Effect: api.TaintNoExecute, TolerationSeconds: ptr(int64(30))}))
	h.settle()
	before := names(h.podsOnNode(h.deployment("web"), "n1"))
	if len(before) != 1 {
		t.Fatalf("got pods %v on n1, want 1", before)
	}
	h.taintNode("n1", api.Taint{Key: "maintenance", Effect: api.TaintNoExecute})
	h.settleFor(29*time.Second, time.Second)
	if got := names(h.podsOnNode(h.deployment("web"), "n1")); !slices.Equal(got, before) {
		t.Fatalf("after 29s: got pods %v on n1, want %v (tolerated for 30s)", got, before)
	}
	h.settleFor(2*time.Second, time.Second)
	if got := h.podsOnNode(h.deployment("web"), "n1"); len(got) != 0 {
		t.Errorf("after 31s: got pods %v on n1, want none", names(got))
	}
	if got := len(h.activePods(h.deployment("web"))); got != 2 {
		t.Errorf("got %d active pods, want 2", got)
	}
}

func TestUnreachableTolerationReplacesNodeGrace(t *testing.T) {
	tests := []struct {
		name      string
		seconds   *int64
		wantAfter time.Duration // 0: never given up
	}{
		{"shorter than the grace", ptr(int64(2)), 2 * time.Second},
		{"longer than the grace", ptr(int64(20)), 20 * time.Second},
		{"without seconds: kept for good", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(2)
			h.put(withTolerations(newDeployment("web", 2, "v1"),
				api.Toleration{Key: api.TaintNodeUnreachable, Operator: api.TolerationExists, Effect: api.TaintNoExecute, TolerationSeconds: tt.seconds}))
			h.settle()
			lost := names(h.podsOnNode(h.deployment("web"), "n1"))
			failedAt := h.now
			h.failNode("n1")
			failedBy := func(at time.Duration) bool {
				h.now = failedAt.Add(at)
				for _, o := range h.step().Statuses {
					if p, ok := o.(*api.Pod); ok && slices.Contains(lost, p.Name) && p.Status.Reason == ReasonNodeLost {
						return true
					}
				}
				return false
			}
			if tt.wantAfter == 0 {
				if failedBy(time.Hour) {
					t.Errorf("pod given up after 1h, want it kept (toleration without seconds)")
				}
				return
			}
			if failedBy(tt.wantAfter - time.Millisecond) {
				t.Errorf("pod given up before %s", tt.wantAfter)
			}
			if !failedBy(tt.wantAfter) {
				t.Errorf("pod not given up at %s", tt.wantAfter)
			}
		})
	}
}

func TestDaemonSetSkipsTaintedNodes(t *testing.T) {
	h := newHarness(t).withNodes(3)
	h.taintNode("n2", api.Taint{Key: "dedicated", Value: "gpu", Effect: api.TaintNoSchedule})
	h.put(newDaemonSet("agent", "v1", nil))
	h.put(withTolerations(newDaemonSet("gpu-agent", "v1", nil),
		api.Toleration{Key: "dedicated", Value: "gpu", Effect: api.TaintNoSchedule}))
	h.settle()
	if got, want := h.podNodes(h.daemonSet("agent")), []string{"n1", "n3"}; !slices.Equal(got, want) {
		t.Errorf("agent: got pods on %v, want %v", got, want)
	}
	if got, want := h.podNodes(h.daemonSet("gpu-agent")), []string{"n1", "n2", "n3"}; !slices.Equal(got, want) {
		t.Errorf("gpu-agent: got pods on %v, want %v", got, want)
	}
}
