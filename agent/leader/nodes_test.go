package leader

import (
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/gossip"
)

// TestDesiredNodeDiskPressure checks that a node's gossiped disk pressure
// becomes its DiskPressure condition, whose transition time moves only
// when the status does, and that a node running no pods has none.
func TestDesiredNodeDiskPressure(t *testing.T) {
	member := func(runtime string, pressure bool) gossip.Member {
		return gossip.Member{Name: "n1", Status: gossip.StatusAlive, Since: time.Unix(1000, 0),
			Meta: gossip.Meta{Addr: "10.0.0.1", Runtime: runtime, DiskPressure: pressure}}
	}
	first := desiredNode(nil, member("containerd", false), nil)
	// An old transition, so a new one shows even within the same second.
	old := time.Unix(1000, 0).UTC()
	first.Condition(api.NodeDiskPressure).LastTransitionTime = &old
	tests := []struct {
		name       string
		old        *api.Node
		m          gossip.Member
		want       api.ConditionStatus // "" for no condition
		keepsTime  bool
		wantChange bool
	}{
		{"new node without pressure", nil, member("containerd", false), api.ConditionFalse, false, true},
		{"no change", first, member("containerd", false), api.ConditionFalse, true, false},
		{"pressure starts", first, member("containerd", true), api.ConditionTrue, false, true},
		{"node without runtime has no condition", nil, member("", true), "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := desiredNode(tt.old, tt.m, nil)
			if (got != nil) != tt.wantChange {
				t.Fatalf("changed: got %v, want %v", got != nil, tt.wantChange)
			}
			if got == nil {
				got = tt.old
			}
			c := got.Condition(api.NodeDiskPressure)
			if tt.want == "" {
				if c != nil {
					t.Fatalf("DiskPressure condition: got %+v, want none", *c)
				}
				return
			}
			if c == nil || c.Status != tt.want || c.LastTransitionTime == nil {
				t.Fatalf("DiskPressure condition: got %+v, want status %s with a time", c, tt.want)
			}
			if got.HasDiskPressure() != (tt.want == api.ConditionTrue) {
				t.Fatalf("HasDiskPressure: got %v, want %v", got.HasDiskPressure(), tt.want == api.ConditionTrue)
			}
			if tt.old != nil {
				prev := tt.old.Condition(api.NodeDiskPressure)
				if same := prev.LastTransitionTime.Equal(*c.LastTransitionTime); same != tt.keepsTime {
					t.Fatalf("transition time kept: got %v, want %v", same, tt.keepsTime)
				}
			}
		})
	}
}

// TestDesiredNodeReadyTransition checks that the Ready condition's
// transition time moves only when its status does: a member going from
// suspect to dead keeps the time it stopped answering (NodeGrace counts
// from there), and one coming back alive gets a new time; times are not
// rounded down, so grace never counts from too early.
func TestDesiredNodeReadyTransition(t *testing.T) {
	member := func(st gossip.Status, since int64) gossip.Member {
		return gossip.Member{Name: "n1", Status: st, Since: time.Unix(since, 0),
			Meta: gossip.Meta{Addr: "10.0.0.1"}}
	}
	alive := desiredNode(nil, member(gossip.StatusAlive, 1000), nil)
	suspect := desiredNode(alive, member(gossip.StatusSuspect, 1010), nil)
	dead := desiredNode(suspect, member(gossip.StatusDead, 1014), nil)
	back := desiredNode(dead, member(gossip.StatusAlive, 1020), nil)
	// A transition within a second is stored as it is, never earlier.
	late := desiredNode(back, gossip.Member{Name: "n1", Status: gossip.StatusSuspect, Since: time.Unix(1030, 1),
		Meta: gossip.Meta{Addr: "10.0.0.1"}}, nil)
	for _, tt := range []struct {
		name   string
		n      *api.Node
		status api.ConditionStatus
		reason string
		since  int64
	}{
		{"alive", alive, api.ConditionTrue, "AgentAlive", 1000},
		{"suspect", suspect, api.ConditionUnknown, "AgentSuspect", 1010},
		{"dead keeps the suspect time", dead, api.ConditionUnknown, "AgentDead", 1010},
		{"back alive", back, api.ConditionTrue, "AgentAlive", 1020},
		{"suspect within a second, not rounded", late, api.ConditionUnknown, "AgentSuspect", 1030},
	} {
		if tt.n == nil {
			t.Fatalf("%s: no change, want one", tt.name)
		}
		c := tt.n.Condition(api.NodeReady)
		if c == nil || c.Status != tt.status || c.Reason != tt.reason || c.LastTransitionTime == nil || c.LastTransitionTime.Before(time.Unix(tt.since, 0)) || c.LastTransitionTime.After(time.Unix(tt.since, 1)) {
			t.Fatalf("%s: Ready condition %+v, want %s %s since %d", tt.name, c, tt.status, tt.reason, tt.since)
		}
	}
}
