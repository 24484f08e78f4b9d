package gossip

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestJoinSeesAllAliveWithMeta(t *testing.T) {
	key := mustKey(t)
	nodes := startCluster(t, 3, key, nil)

	for _, n := range nodes {
		waitFor(t, 5*time.Second, n.LocalName()+" sees 3 alive", func() (bool, string) {
			return n.NumAlive() == 3, statuses(n.Members())
		})
	}
	for _, n := range nodes {
		t.Run(n.LocalName(), func(t *testing.T) {
			ms := n.Members()
			if len(ms) != len(nodes) {
				t.Fatalf("got %d members %s, want %d", len(ms), statuses(ms), len(nodes))
			}
			for i, m := range ms {
				want := nodes[i] // both sorted by name
				if m.Name != want.LocalName() || m.Status != StatusAlive {
					t.Errorf("member %d: got %s %s, want %s alive", i, m.Name, m.Status, want.LocalName())
				}
				if got := m.Addr + ":" + itoa(m.Port); got != want.LocalAddr() {
					t.Errorf("%s address: got %s, want %s", m.Name, got, want.LocalAddr())
				}
				if diff := cmp.Diff(want.LocalMeta(), m.Meta); diff != "" {
					t.Errorf("%s meta (-want +got):\n%s", m.Name, diff)
				}
				if m.Since.IsZero() {
					t.Errorf("%s: Since is zero", m.Name)
				}
			}
		})
	}
}

func TestUpdateMetaPropagates(t *testing.T) {
	key := mustKey(t)
	nodes := startCluster(t, 3, key, nil)
	src := nodes[1]

	if err := src.UpdateMeta(func(m *Meta) {
		m.FreeCPU = 1234
		m.FreeMemory = 1 << 30
		m.Labels["zone"] = "b"
		m.PodCIDR = "10.42.1.0/24"
	}); err != nil {
		t.Fatalf("UpdateMeta: %v", err)
	}
	want := src.LocalMeta()
	if want.FreeCPU != 1234 || want.Labels["zone"] != "b" {
		t.Fatalf("local meta after UpdateMeta: got %+v", want)
	}
	for _, n := range nodes {
		waitFor(t, 5*time.Second, n.LocalName()+" sees the new meta of "+src.LocalName(), func() (bool, string) {
			m, _ := n.Member(src.LocalName())
			return cmp.Equal(m.Meta, want), cmp.Diff(want, m.Meta)
		})
	}
}

func TestDifferentKeyCannotJoin(t *testing.T) {
	nodes := startCluster(t, 2, mustKey(t), nil)
	stranger := startNode(t, testConfig("stranger", mustKey(t)))

	n, err := stranger.Join([]string{nodes[0].LocalAddr()})
	if err == nil {
		t.Fatalf("Join with another key: got %d joined and no error, want an error", n)
	}
	if n != 0 {
		t.Errorf("Join with another key: got %d joined, want 0", n)
	}
	// Give the stranger's probes and gossip time to reach the members, then
	// check that nobody took it in.
	time.Sleep(1 * time.Second)
	for _, g := range nodes {
		if m, ok := g.Member("stranger"); ok {
			t.Errorf("%s lists the stranger: %+v", g.LocalName(), m)
		}
		if got := g.NumAlive(); got != 2 {
			t.Errorf("%s: got %d alive %s, want 2", g.LocalName(), got, statuses(g.Members()))
		}
	}
	if got := stranger.NumAlive(); got != 1 {
		t.Errorf("stranger: got %d alive %s, want 1 (itself)", got, statuses(stranger.Members()))
	}
}

func TestFailureIsSuspectThenDeadAndRejoinRevives(t *testing.T) {
	key := mustKey(t)
	// A longer suspicion so that each survivor's own probe of the failed
	// node (which is what makes it suspect here) comes before it is dead.
	nodes := startCluster(t, 3, key, func(c *Config) { c.SuspicionMult = 10 })
	victim := nodes[2]
	name := victim.LocalName()
	self, _ := victim.Member(name)
	victimCfg := testConfig(name, key)
	victimCfg.SuspicionMult = 10
	victimCfg.BindPort = self.Port // come back on the same address

	survivors := nodes[:2]
	var subs []<-chan Event
	for _, n := range survivors {
		waitStatus(t, n, name, StatusAlive, 5*time.Second)
		ch, cancel := n.Subscribe(64)
		t.Cleanup(cancel)
		subs = append(subs, ch)
	}

	stopped := time.Now()
	victim.stop() // no Leave

	deadSince := make([]time.Time, len(survivors))
	for i, n := range survivors {
		t.Run(n.LocalName(), func(t *testing.T) {
			sus, _ := waitEvent(t, subs[i], EventSuspect, name, 10*time.Second)
			if sus.Member.Status != StatusSuspect {
				t.Errorf("suspect event: got status %s, want suspect", sus.Member.Status)
			}
			dead, skipped := waitEvent(t, subs[i], EventDead, name, 10*time.Second)
			if dead.Member.Status != StatusDead {
				t.Errorf("dead event: got status %s, want dead", dead.Member.Status)
			}
			for _, ev := range skipped {
				if ev.Member.Name == name && ev.Type == EventLeft {
					t.Errorf("got a left event for a node that did not leave")
				}
			}
			m, ok := n.Member(name)
			if !ok || m.Status != StatusDead {
				t.Fatalf("Member(%s): got %+v, %v; want dead", name, m, ok)
			}
			if !m.Since.After(stopped) {
				t.Errorf("dead Since %v is not after the stop at %v", m.Since, stopped)
			}
			if got := n.NumAlive(); got != 2 {
				t.Errorf("NumAlive: got %d, want 2", got)
			}
			deadSince[i] = m.Since
		})
	}
	if t.Failed() {
		return
	}

	// The same name comes back on the same address.
	back := startNode(t, victimCfg)
	if _, err := back.Join([]string{survivors[0].LocalAddr()}); err != nil {
		t.Fatalf("rejoin: %v", err)
	}
	for i, n := range survivors {
		m := waitStatus(t, n, name, StatusAlive, 5*time.Second)
		if !m.Since.After(deadSince[i]) {
			t.Errorf("%s: alive Since %v is not after dead Since %v", n.LocalName(), m.Since, deadSince[i])
		}
		waitEvent(t, subs[i], EventJoin, name, 5*time.Second)
	}
}

func TestLeaveIsSeenAsLeft(t *testing.T) {
	nodes := startCluster(t, 3, mustKey(t), nil)
	leaver := nodes[2]
	name := leaver.LocalName()
	for _, n := range nodes[:2] {
		waitStatus(t, n, name, StatusAlive, 5*time.Second)
	}
	ch, cancel := nodes[0].Subscribe(64)
	defer cancel()

	if err := leaver.Leave(2 * time.Second); err != nil {
		t.Fatalf("Leave: %v", err)
	}
	for _, n := range nodes[:2] {
		m := waitStatus(t, n, name, StatusLeft, 5*time.Second)
		if !metaIsSet(m.Meta) {
			t.Errorf("%s: left member lost its meta: %+v", n.LocalName(), m.Meta)
		}
		if got := n.NumAlive(); got != 2 {
			t.Errorf("%s NumAlive: got %d, want 2", n.LocalName(), got)
		}
	}
	_, skipped := waitEvent(t, ch, EventLeft, name, 5*time.Second)
	for _, ev := range skipped {
		if ev.Member.Name == name && (ev.Type == EventDead || ev.Type == EventUpdate) {
			t.Errorf("before the left event got %s for %s, want none", ev.Type, name)
		}
	}
	if m, _ := leaver.Member(name); m.Status != StatusLeft {
		t.Errorf("leaver sees itself %s, want left", m.Status)
	}
	if err := leaver.UpdateMeta(func(m *Meta) { m.FreeCPU = 1 }); err != nil {
		t.Errorf("UpdateMeta after Leave: %v", err)
	}
}

func metaIsSet(m Meta) bool { return m.Version != "" && m.CPU != 0 }

func TestUpdateMetaRefusesOversize(t *testing.T) {
	g := startNode(t, testConfig("solo", mustKey(t)))
	before := g.LocalMeta()
	err := g.UpdateMeta(func(m *Meta) { m.Labels["big"] = strings.Repeat("x", MetaMaxSize) })
	if !errors.Is(err, ErrMetaTooLarge) {
		t.Fatalf("UpdateMeta with a %d-byte label: got %v, want ErrMetaTooLarge", MetaMaxSize, err)
	}
	if !strings.Contains(err.Error(), "bytes encoded, limit 512") {
		t.Errorf("error %q does not name the size and limit", err)
	}
	if diff := cmp.Diff(before, g.LocalMeta()); diff != "" {
		t.Errorf("meta changed by a refused update (-before +after):\n%s", diff)
	}
	if m, _ := g.Member("solo"); !cmp.Equal(m.Meta, before) {
		t.Errorf("gossiped meta changed by a refused update: %+v", m.Meta)
	}
}

func TestSubscriberSeesJoinUpdateLeftDead(t *testing.T) {
	key := mustKey(t)
	a := startNode(t, testConfig("a", key))
	ch, cancel := a.Subscribe(128)
	defer cancel()

	join := func(name string) *testNode {
		n := startNode(t, testConfig(name, key))
		if _, err := n.Join([]string{a.LocalAddr()}); err != nil {
			t.Fatalf("%s join: %v", name, err)
		}
		return n
	}
	b := join("b")
	ev, _ := waitEvent(t, ch, EventJoin, "b", 5*time.Second)
	if ev.Member.Status != StatusAlive || ev.Member.Meta.Labels["node"] != "b" {
		t.Errorf("join event: got %+v, want b alive with its meta", ev.Member)
	}

	if err := b.UpdateMeta(func(m *Meta) { m.FreeDisk = 42 }); err != nil {
		t.Fatal(err)
	}
	ev, _ = waitEvent(t, ch, EventUpdate, "b", 5*time.Second)
	if ev.Member.Meta.FreeDisk != 42 {
		t.Errorf("update event: got FreeDisk %d, want 42", ev.Member.Meta.FreeDisk)
	}

	c := join("c")
	waitEvent(t, ch, EventJoin, "c", 5*time.Second)
	if err := c.Leave(2 * time.Second); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ch, EventLeft, "c", 5*time.Second)

	b.stop()
	ev, _ = waitEvent(t, ch, EventDead, "b", 10*time.Second)
	if ev.Member.Status != StatusDead {
		t.Errorf("dead event: got status %s, want dead", ev.Member.Status)
	}
}
