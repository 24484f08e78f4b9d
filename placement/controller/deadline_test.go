package controller

import (
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// TestNextNodeDeadline checks that the leader's wake-up time is the
// earliest NodeGrace or StatefulSet grace end still ahead among nodes that
// are not Ready, and that it agrees with NodeLost: not lost just before,
// lost at the deadline.
func TestNextNodeDeadline(t *testing.T) {
	now := time.Unix(10_000, 0)
	node := func(name string, status api.ConditionStatus, since time.Time) *api.Node {
		n := &api.Node{}
		n.Name = name
		at := since
		n.Status.Conditions = []api.NodeCondition{{Type: api.NodeReady, Status: status, LastTransitionTime: &at}}
		return n
	}
	cfg := Config{NodeGrace: 5 * time.Second, FenceAfter: 10 * time.Second}
	for _, tt := range []struct {
		name  string
		nodes []*api.Node
		want  time.Time // zero: none
	}{
		{"no nodes", nil, time.Time{}},
		{"all ready", []*api.Node{node("a", api.ConditionTrue, now.Add(-time.Hour))}, time.Time{}},
		{"not ready 2s", []*api.Node{node("a", api.ConditionUnknown, now.Add(-2*time.Second))}, now.Add(3 * time.Second)},
		{"past node grace: stateful grace next", []*api.Node{node("a", api.ConditionUnknown, now.Add(-6*time.Second))}, now.Add(4*time.Second + FenceMargin)},
		{"past both", []*api.Node{node("a", api.ConditionFalse, now.Add(-time.Minute))}, time.Time{}},
		{"earliest of two", []*api.Node{
			node("a", api.ConditionUnknown, now.Add(-1*time.Second)),
			node("b", api.ConditionUnknown, now.Add(-3*time.Second)),
		}, now.Add(2 * time.Second)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := NextNodeDeadline(tt.nodes, now, cfg)
			if !got.Equal(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			if got.IsZero() {
				return
			}
			for _, n := range tt.nodes {
				c := n.Condition(api.NodeReady)
				if !c.LastTransitionTime.Add(cfg.NodeGrace).Equal(got) {
					continue
				}
				if NodeLost(n, got.Add(-time.Millisecond), cfg.NodeGrace) || !NodeLost(n, got, cfg.NodeGrace) {
					t.Fatalf("node %s: NodeLost disagrees with the deadline %v", n.Name, got)
				}
			}
		})
	}
}
