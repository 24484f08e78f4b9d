package controller

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// setHostReachable records a host probe verdict on node name, found at
// at.
func (h *harness) setHostReachable(name string, st api.ConditionStatus, at time.Time) {
	n := api.DeepCopy(h.node(name))
	n.Status.Conditions = append(slices.DeleteFunc(n.Status.Conditions, func(c api.NodeCondition) bool { return c.Type == NodeHostReachable }),
		api.NodeCondition{Type: NodeHostReachable, Status: st, LastTransitionTime: &at})
	h.write(n, false)
}

// TestHostGoneDecision checks which pods of a node that stopped being
// Ready are given up 1 s later (long before NodeGrace), by the evidence
// about its machine and the kind of workload: only ReplicaSet and
// DaemonSet pods without a toleration of their own, and only when the
// machine was found silent during this outage.
func TestHostGoneDecision(t *testing.T) {
	tolerant := newDeployment("patient", 6, "v1")
	tolerant.Spec.Template.Spec.Tolerations = []api.Toleration{{Key: api.TaintNodeUnreachable, Operator: api.TolerationExists, Effect: api.TaintNoExecute, TolerationSeconds: ptr(int64(300))}}
	workloads := []string{"web", "agent", "db", "batch", "solo", "patient"}
	tests := []struct {
		name      string
		evidence  api.ConditionStatus // "" for no probe verdict
		at        time.Duration       // when the verdict was found, after the node stopped being Ready
		nodeGrace time.Duration       // 0 for the default
		givenUp   []string
	}{
		{"no evidence", "", 0, 0, nil},
		{"machine answers", api.ConditionTrue, 300 * time.Millisecond, 0, nil},
		{"machine silent", api.ConditionFalse, 300 * time.Millisecond, 0, []string{"web", "agent"}},
		{"machine silent, node grace 59 s", api.ConditionFalse, 300 * time.Millisecond, 59 * time.Second, []string{"web", "agent"}},
		{"machine silent, node grace 1 min: the operator's wait holds", api.ConditionFalse, 300 * time.Millisecond, time.Minute, nil},
		{"machine silent in an earlier outage", api.ConditionFalse, -time.Minute, 0, nil},
		{"machine silent, found later than now", api.ConditionFalse, 2 * time.Second, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t).withNodes(3)
			if tt.nodeGrace != 0 {
				h.cfg.NodeGrace = tt.nodeGrace
			}
			owners := map[string]api.Object{
				"web":     h.put(newDeployment("web", 6, "v1")),
				"agent":   h.put(newDaemonSet("agent", "v1", nil)),
				"db":      h.put(newStatefulSet("db", 6, "v1", false)),
				"batch":   h.put(newJob("batch", 6, 6)),
				"solo":    h.put(newBarePod("solo")),
				"patient": h.put(tolerant),
			}
			h.settle()
			solo := h.get(api.KeyOf(owners["solo"])).(*api.Pod)
			node := solo.Spec.NodeName
			onNode := func(w string) []*api.Pod {
				if w == "solo" {
					return []*api.Pod{h.get(api.KeyOf(owners["solo"])).(*api.Pod)}
				}
				owner := owners[w]
				if w == "web" || w == "patient" {
					owner = h.deployment(w)
				}
				return h.podsOnNode(owner, node)
			}
			before := map[string][]*api.Pod{}
			for _, w := range workloads {
				before[w] = onNode(w)
				if len(before[w]) == 0 {
					t.Fatalf("no %s pod on %s to lose", w, node)
				}
			}
			failedAt := h.now
			h.failNode(node)
			if tt.evidence != "" {
				h.setHostReachable(node, tt.evidence, failedAt.Add(tt.at))
			}
			h.now = failedAt.Add(time.Second)
			h.settle()
			for _, w := range workloads {
				gaveUp := false
				for _, p := range before[w] {
					cur, ok := h.get(api.KeyOf(p)).(*api.Pod)
					if !ok || cur.UID != p.UID || !isActive(cur) {
						gaveUp = true
					}
					if ok && cur.UID == p.UID && cur.Status.Reason == ReasonNodeLost && !strings.Contains(cur.Status.Message, "machine did not answer") {
						t.Errorf("%s: message %q does not name the evidence", cur.Name, cur.Status.Message)
					}
				}
				if want := slices.Contains(tt.givenUp, w); gaveUp != want {
					t.Errorf("%s: given up after 1 s = %v, want %v", w, gaveUp, want)
				}
			}
			if slices.Contains(tt.givenUp, "web") {
				if pods := h.activePods(h.deployment("web")); len(pods) != 6 {
					t.Errorf("web: got %d active pods, want 6 (replaced)", len(pods))
				}
			}
		})
	}
}

// TestHostGoneStatefulSetWaitsForFence checks that a StatefulSet pod of a
// node whose machine is silent (dead, or only cut off and still running
// it) is not replaced before FenceAfter + FenceMargin: the harness keeps
// the cut-off node's pods running as ghosts and fails on two pods of one
// identity.
func TestHostGoneStatefulSetWaitsForFence(t *testing.T) {
	h := newHarness(t).withNodes(3)
	h.put(newStatefulSet("db", 3, "v1", false))
	h.settle()
	lost := h.podsOf(h.statefulSet("db"))[1]
	failedAt := h.now
	h.failNode(lost.Spec.NodeName)
	h.setHostReachable(lost.Spec.NodeName, api.ConditionFalse, failedAt.Add(300*time.Millisecond))
	for _, at := range []time.Duration{time.Second, 5 * time.Second, 11 * time.Second} {
		h.now = failedAt.Add(at)
		h.settle()
		if p := h.get(api.KeyOf(lost)).(*api.Pod); p.UID != lost.UID {
			t.Fatalf("after %s: %s was replaced before FenceAfter+FenceMargin", at, lost.Name)
		}
	}
	h.now = failedAt.Add(12 * time.Second)
	h.settle()
	if p, ok := h.get(api.KeyOf(lost)).(*api.Pod); !ok || p.UID == lost.UID {
		t.Errorf("after 12 s: %s not replaced", lost.Name)
	}
}

// TestNextNodeDeadlineHostGone checks that the controllers wake when a
// silent machine's evidence takes effect, as at the grace deadlines.
func TestNextNodeDeadlineHostGone(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) *time.Time { v := t0.Add(d); return &v }
	node := func(host *api.NodeCondition) *api.Node {
		n := &api.Node{}
		n.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: api.ConditionUnknown, LastTransitionTime: at(0)}}
		if host != nil {
			n.Status.Conditions = append(n.Status.Conditions, *host)
		}
		return n
	}
	tests := []struct {
		name string
		host *api.NodeCondition
		want time.Time
	}{
		{"no evidence: node grace", nil, t0.Add(DefaultNodeGrace)},
		{"silent machine: its evidence", &api.NodeCondition{Type: NodeHostReachable, Status: api.ConditionFalse, LastTransitionTime: at(time.Second)}, t0.Add(time.Second)},
		{"machine answers: node grace", &api.NodeCondition{Type: NodeHostReachable, Status: api.ConditionTrue, LastTransitionTime: at(time.Second)}, t0.Add(DefaultNodeGrace)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := NextNodeDeadline([]*api.Node{node(tt.host)}, t0.Add(500*time.Millisecond), DefaultConfig()); !got.Equal(tt.want) {
				t.Errorf("got %s, want %s", got.Sub(t0), tt.want.Sub(t0))
			}
		})
	}
}
