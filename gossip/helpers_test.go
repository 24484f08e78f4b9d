package gossip

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// testLogger routes logs to t until the test's cleanup runs; memberlist
// goroutines that log after that are silenced instead of panicking t.Log.
func testLogger(t testing.TB) *slog.Logger {
	w := &testLogWriter{t: t}
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.done = true
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testLogWriter struct {
	mu   sync.Mutex
	t    testing.TB
	done bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func mustKey(t testing.TB) []byte {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// testConfig is a node on 127.0.0.1, a free port, with fast timings.
func testConfig(name string, key []byte) Config {
	return Config{
		Name:     name,
		BindAddr: "127.0.0.1",
		Key:      key,
		Meta: Meta{
			Addr:    "127.0.0.1",
			APIPort: 7948,
			CPU:     2000,
			Memory:  4 << 30,
			Labels:  map[string]string{"node": name},
			Version: "test",
		},
		ProbeInterval:    200 * time.Millisecond,
		ProbeTimeout:     100 * time.Millisecond,
		SuspicionMult:    4,
		GossipInterval:   20 * time.Millisecond,
		PushPullInterval: 2 * time.Second,
		BroadcastTimeout: 2 * time.Second,
	}
}

type testNode struct {
	*Gossip
	stop func() // ends Run without leaving and waits for it; idempotent
}

// startNode runs a Gossip until the test ends (or stop).
func startNode(t testing.TB, cfg Config) *testNode {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = testLogger(t).With("node", cfg.Name)
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%s): %v", cfg.Name, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- g.Run(ctx) }()
	select {
	case <-g.Started():
	case err := <-errc:
		cancel()
		t.Fatalf("Run(%s): %v", cfg.Name, err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			if err := <-errc; err != nil {
				t.Errorf("Run(%s): %v", cfg.Name, err)
			}
		})
	}
	t.Cleanup(stop)
	return &testNode{Gossip: g, stop: stop}
}

// startCluster starts n nodes named node-0.. and joins them to node-0.
func startCluster(t testing.TB, n int, key []byte, mutate func(*Config)) []*testNode {
	t.Helper()
	nodes := make([]*testNode, n)
	for i := range nodes {
		cfg := testConfig(fmt.Sprintf("node-%d", i), key)
		if mutate != nil {
			mutate(&cfg)
		}
		nodes[i] = startNode(t, cfg)
		if i > 0 {
			if _, err := nodes[i].Join([]string{nodes[0].LocalAddr()}); err != nil {
				t.Fatalf("%s joining %s: %v", nodes[i].LocalName(), nodes[0].LocalAddr(), err)
			}
		}
	}
	return nodes
}

// waitFor polls cond until it reports true, failing the test with cond's
// last description after timeout.
func waitFor(t testing.TB, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		ok, got := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s; last saw %s", what, timeout, got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// statuses renders members as "name=status ..." for failure messages.
func statuses(ms []Member) string {
	var b strings.Builder
	for i, m := range ms {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s=%s", m.Name, m.Status)
	}
	return "[" + b.String() + "]"
}

// waitStatus waits until g lists name with the given status.
func waitStatus(t testing.TB, g *testNode, name string, want Status, timeout time.Duration) Member {
	t.Helper()
	var m Member
	waitFor(t, timeout, fmt.Sprintf("%s sees %s %s", g.LocalName(), name, want), func() (bool, string) {
		var ok bool
		m, ok = g.Member(name)
		return ok && m.Status == want, statuses(g.Members())
	})
	return m
}

// waitEvent reads ch until an event of type typ about name arrives,
// skipping others, and returns it together with what it skipped.
func waitEvent(t testing.TB, ch <-chan Event, typ EventType, name string, timeout time.Duration) (Event, []Event) {
	t.Helper()
	var skipped []Event
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("waiting for %s of %s: subscription closed", typ, name)
			}
			if ev.Type == typ && ev.Member.Name == name {
				return ev, skipped
			}
			skipped = append(skipped, ev)
		case <-timer.C:
			t.Fatalf("no %s event for %s within %s; got %v", typ, name, timeout, describe(skipped))
		}
	}
}

func describe(evs []Event) string {
	parts := make([]string, len(evs))
	for i, ev := range evs {
		parts[i] = ev.Type.String() + ":" + ev.Member.Name
	}
	return "[" + strings.Join(parts, " ") + "]"
}

func itoa(i int) string { return fmt.Sprint(i) }
