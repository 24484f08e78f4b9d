package gossip

import (
	"log/slog"
	"testing"
	"time"
)

// BenchmarkMetaConvergence measures how long a meta update from one node
// takes to reach all the others in a 5-node cluster on loopback with
// memberlist's LAN timings (the defaults). It reports the mean time until
// the last node has it as ms/converge, the slowest as ms/worst, and how
// many updates had not reached every node after 3s as missed; ns/op also
// includes UpdateMeta waiting for its broadcast to be fully retransmitted.
//
//	go test -run '^$' -bench MetaConvergence -benchtime 20x ./gossip
func BenchmarkMetaConvergence(b *testing.B) {
	const size = 5
	nodes := startCluster(b, size, mustKey(b), func(c *Config) {
		*c = Config{Name: c.Name, BindAddr: c.BindAddr, Key: c.Key, Meta: c.Meta,
			Logger: slog.New(slog.DiscardHandler)}
	})
	src := nodes[0]
	for _, n := range nodes {
		waitFor(b, 10*time.Second, n.LocalName()+" sees all", func() (bool, string) {
			return n.NumAlive() == size, statuses(n.Members())
		})
	}

	type seen struct { // an update from src as one node saw it
		node    int
		freeCPU int64
		at      time.Time
	}
	seenc := make(chan seen, 64)
	for i, n := range nodes[1:] {
		ch, cancel := n.Subscribe(64)
		b.Cleanup(cancel)
		go func() {
			for ev := range ch {
				// An update can also arrive as a join if the node had
				// wrongly declared src dead meanwhile.
				if ev.Member.Name == src.LocalName() && (ev.Type == EventUpdate || ev.Type == EventJoin) {
					select {
					case seenc <- seen{node: i, freeCPU: ev.Member.Meta.FreeCPU, at: time.Now()}:
					default: // the benchmark is over
					}
				}
			}
		}()
	}

	// memberlist's gossip is probabilistic: now and then an update misses
	// a node and only arrives with the next push/pull (every 30s on the
	// LAN timings). Such updates are counted as missed after missAfter
	// and left out of the times.
	const missAfter = 3 * time.Second
	var total, worst time.Duration
	converged, missed := 0, 0
	b.ResetTimer()
	for i := range b.N {
		v := int64(i + 1)
		start := time.Now()
		if err := src.UpdateMeta(func(m *Meta) { m.FreeCPU = v }); err != nil {
			b.Fatal(err)
		}
		got := make(map[int]bool)
		var last time.Time
		timeout := time.After(missAfter)
	wait:
		for len(got) < size-1 {
			select {
			case s := <-seenc:
				if s.freeCPU == v {
					got[s.node] = true
					last = s.at
				}
			case <-timeout:
				missed++
				break wait
			}
		}
		if len(got) == size-1 {
			d := last.Sub(start)
			total += d
			worst = max(worst, d)
			converged++
		}
	}
	b.StopTimer()
	if converged > 0 {
		b.ReportMetric(float64(total.Microseconds())/1000/float64(converged), "ms/converge")
		b.ReportMetric(float64(worst.Microseconds())/1000, "ms/worst")
	}
	b.ReportMetric(float64(missed), "missed")
}
