package gossip

import (
	"testing"
	"time"
)

// A member declared dead that comes back without joining anyone (the
// other side of a healed partition, whose own attempts are not needed
// here) is found again by the survivors' reconnect: both list each other
// alive. Without reconnecting, nothing contacts it once the dead
// broadcast has gone out, and it stays dead.
func TestReconnectFindsADeadMemberThatCameBack(t *testing.T) {
	key := mustKey(t)
	fast := func(c *Config) { c.ReconnectInterval = 200 * time.Millisecond }
	nodes := startCluster(t, 2, key, fast)
	survivor, victim := nodes[0], nodes[1]
	name := victim.LocalName()
	self, _ := victim.Member(name)
	waitStatus(t, survivor, name, StatusAlive, 5*time.Second)

	victim.stop() // no Leave
	waitStatus(t, survivor, name, StatusDead, 10*time.Second)
	// Let the dead broadcast drain, so that only reconnecting can reach
	// the member again.
	time.Sleep(time.Second)

	cfg := testConfig(name, key)
	cfg.BindPort = self.Port
	fast(&cfg)
	back := startNode(t, cfg) // joins no one
	waitStatus(t, survivor, name, StatusAlive, 10*time.Second)
	waitStatus(t, back, survivor.LocalName(), StatusAlive, 10*time.Second)
}

func TestPickDeadSkipsLeftAndSelf(t *testing.T) {
	g, err := New(testConfig("me", mustKey(t)))
	if err != nil {
		t.Fatal(err)
	}
	g.members["me"] = &record{Member: Member{Name: "me", Addr: "127.0.0.1", Port: 1, Status: StatusDead}}
	g.members["gone"] = &record{Member: Member{Name: "gone", Addr: "127.0.0.2", Port: 2, Status: StatusLeft}}
	g.members["up"] = &record{Member: Member{Name: "up", Addr: "127.0.0.3", Port: 3, Status: StatusAlive}}
	if addr, name, ok := g.pickDead(); ok {
		t.Fatalf("pickDead: got %s (%s), want none", name, addr)
	}
	g.members["lost"] = &record{Member: Member{Name: "lost", Addr: "127.0.0.4", Port: 4, Status: StatusDead}}
	addr, name, ok := g.pickDead()
	if !ok || name != "lost" || addr != "127.0.0.4:4" {
		t.Fatalf("pickDead: got %q %q %v, want lost 127.0.0.4:4", addr, name, ok)
	}
}
