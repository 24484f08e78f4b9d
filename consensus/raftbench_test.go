package consensus

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// BenchmarkRaftApply3 is Raft alone, without HTTP or the API: a
// three-voter cluster in this process on loopback (mutual TLS, the
// write-ahead log of a new data dir with fsync, as agents run it), 16 goroutines proposing one new
// ConfigMap each per Apply on the leader. It reports writes/s and p50/p99
// of acknowledged writes, and the mean batch the FSM applied, so the
// cost of Raft and the log store can be told from the API's
// (BenchmarkRaftWrites in e2e measures the two together).
func BenchmarkRaftApply3(b *testing.B) {
	nodes := openThreeNodes(b)
	leader := nodes[0]
	var batches, entries atomic.Int64
	hook := func(n int) { batches.Add(1); entries.Add(int64(n)) }
	leader.fsm.onBatch.Store(&hook)
	const workers = 16
	cmds := make([][]byte, b.N)
	for i := range cmds {
		obj := cm("default", fmt.Sprintf("b-%d", i), map[string]string{"app": "demo"}, map[string]string{"greeting": "v"})
		data, err := EncodePut(Put{Objects: []api.Object{obj}, Mode: ModeApply, Time: t0})
		if err != nil {
			b.Fatal(err)
		}
		cmds[i] = data
	}
	var next atomic.Int64
	lat := make([][]time.Duration, workers)
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				t := time.Now()
				res, err := leader.Apply(context.Background(), cmds[i])
				if err == nil {
					err = res.Err
				}
				if err != nil {
					b.Error(err)
					return
				}
				lat[w] = append(lat[w], time.Since(t))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "writes/s")
	b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	if n := batches.Load(); n > 0 {
		b.ReportMetric(float64(entries.Load())/float64(n), "entries/batch")
	}
}
