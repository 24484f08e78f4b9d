package gossip

import (
	"log/slog"
	"testing"
	"time"
)

// BenchmarkMetaConvergence measures how long a meta update from one node
// takes to reach all the others in a 5-node cluster on loopback with
// memberlist's LAN timings (the defaults). It reports the mean time until
// the last node has it as ms/converge; ns/op also includes UpdateMeta
// waiting for its broadcast to be fully retransmitted.
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

	type seen struct {
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
				if ev.Type == EventUpdate && ev.Member.Name == src.LocalName() {
					seenc <- seen{node: i, freeCPU: ev.Member.Meta.FreeCPU, at: time.Now()}
				}
			}
		}()
	}

	var total, worst time.Duration
	b.ResetTimer()
	for i := range b.N {
		v := int64(i + 1)
		start := time.Now()
		if err := src.UpdateMeta(func(m *Meta) { m.FreeCPU = v }); err != nil {
			b.Fatal(err)
		}
		got := make(map[int]bool)
		var last time.Time
		timeout := time.After(10 * time.Second)
		for len(got) < size-1 {
			select {
			case s := <-seenc:
				if s.freeCPU == v {
					got[s.node] = true
					last = s.at
				}
			case <-timeout:
				b.Fatalf("update %d reached %d of %d nodes in 10s", v, len(got), size-1)
			}
		}
		d := last.Sub(start)
		total += d
		worst = max(worst, d)
	}
	b.StopTimer()
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms/converge")
	b.ReportMetric(float64(worst.Microseconds())/1000, "ms/worst")
}
