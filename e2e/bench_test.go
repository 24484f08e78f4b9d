package e2e

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
)

// BenchmarkRaftWrites measures acknowledged writes through Raft on a
// 3-agent loopback cluster: 16 concurrent clients apply one ConfigMap
// each per request through a follower (so writes are forwarded to the
// leader, the common case). Reports writes/s and p50/p99 latency.
func BenchmarkRaftWrites(b *testing.B) {
	for _, via := range []string{"leader", "follower"} {
		b.Run("via="+via, func(b *testing.B) {
			c := testcluster.New(b)
			for i := 1; i <= 3; i++ {
				c.Add(fmt.Sprintf("n%d", i))
			}
			leader := ""
			testcluster.Eventually(b, 20*time.Second, func() error {
				st, err := c.Agents[0].Client().Status(context.Background())
				if err != nil || st.Leader == "" {
					return fmt.Errorf("no leader: %v", err)
				}
				leader = st.Leader
				return nil
			})
			target := c.Agents[0]
			for _, a := range c.Agents {
				if (a.Name == leader) == (via == "leader") {
					target = a
					break
				}
			}
			cl := target.Client()
			const workers = 16
			var next atomic.Int64
			lat := make([][]time.Duration, workers)
			var wg sync.WaitGroup
			b.ResetTimer()
			start := time.Now()
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						i := next.Add(1)
						if i > int64(b.N) {
							return
						}
						t0 := time.Now()
						_, err := cl.Apply(context.Background(), []byte(fmt.Sprintf(configMapYAML, fmt.Sprintf("b-%d", i), "v")))
						if err != nil {
							b.Error(err)
							return
						}
						lat[w] = append(lat[w], time.Since(t0))
					}
				}()
			}
			wg.Wait()
			elapsed := time.Since(start)
			b.StopTimer()
			var all []time.Duration
			for _, l := range lat {
				all = append(all, l...)
			}
			sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
			if len(all) == 0 {
				return
			}
			b.ReportMetric(float64(len(all))/elapsed.Seconds(), "writes/s")
			b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
		})
	}
}

// BenchmarkJoinToReady measures the time from starting `shoal agent
// --join` on a fresh data dir to the new node being Ready in `get nodes`
// on the first agent.
func BenchmarkJoinToReady(b *testing.B) {
	c := testcluster.New(b)
	first := c.Add("n1")
	var total time.Duration
	for i := 0; i < b.N; i++ {
		a := c.NewAgent(fmt.Sprintf("j%d", i), "--join", first.APIAddr(), "--token", c.Token())
		c.Agents = append(c.Agents, a)
		t0 := time.Now()
		if err := a.Start(); err != nil {
			b.Fatal(err)
		}
		for {
			nodes, err := readyNodes(first)
			if err == nil && slices.Contains(nodes, a.Name) {
				break
			}
			if !a.Running() {
				b.Fatalf("joining agent exited:\n%s", a.Log())
			}
			time.Sleep(20 * time.Millisecond)
		}
		total += time.Since(t0)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/join")
}

// BenchmarkIdleRSS reports the resident memory of an idle agent in a
// 3-agent cluster, 10 s after start.
func BenchmarkIdleRSS(b *testing.B) {
	c := testcluster.New(b)
	for i := 1; i <= 3; i++ {
		c.Add(fmt.Sprintf("n%d", i))
	}
	time.Sleep(10 * time.Second)
	var peak int64
	for _, a := range c.Agents {
		rss, err := a.RSS()
		if err != nil {
			b.Fatal(err)
		}
		peak = max(peak, rss)
	}
	b.ReportMetric(float64(peak)/(1<<20), "MiB-rss-max")
}
