package consensus

import (
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/api"
)

// benchLogs encodes n Put entries of perEntry ConfigMaps each; name gives
// the i-th object's name and data.
func benchLogs(b *testing.B, n, perEntry int, obj func(i int) *api.ConfigMap) []*raft.Log {
	logs := make([]*raft.Log, n)
	for i := range logs {
		objs := make([]api.Object, perEntry)
		for j := range objs {
			objs[j] = obj(i*perEntry + j)
		}
		data, err := EncodePut(Put{Objects: objs, Mode: ModeApply, Time: t0.Add(time.Duration(i) * time.Second)})
		if err != nil {
			b.Fatal(err)
		}
		logs[i] = &raft.Log{Index: uint64(i + 1), Term: 1, Type: raft.LogCommand, Data: data}
	}
	return logs
}

func runApply(b *testing.B, logs []*raft.Log, perEntry int) {
	f := NewFSM(NewStore(), slog.New(slog.NewTextHandler(io.Discard, nil)))
	b.ReportAllocs()
	b.ResetTimer()
	for _, l := range logs {
		if res := f.Apply(l).(ApplyResult); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(logs)*perEntry)/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkFSMApplyPut applies one ConfigMap put per log entry.
func BenchmarkFSMApplyPut(b *testing.B) {
	labels := map[string]string{"app": "web", "tier": "front"}
	b.Run("create", func(b *testing.B) {
		logs := benchLogs(b, b.N, 1, func(i int) *api.ConfigMap {
			return cm("default", fmt.Sprintf("cm-%d", i), labels, map[string]string{"key": "value"})
		})
		runApply(b, logs, 1)
	})
	b.Run("update", func(b *testing.B) {
		// The same object over and over, with new data each time, so every
		// entry is a real write that bumps generation.
		logs := benchLogs(b, b.N, 1, func(i int) *api.ConfigMap {
			return cm("default", "cm", labels, map[string]string{"key": fmt.Sprint(i)})
		})
		runApply(b, logs, 1)
	})
}

// BenchmarkFSMApplyBatch applies commands of 100 new ConfigMaps each.
func BenchmarkFSMApplyBatch(b *testing.B) {
	const per = 100
	labels := map[string]string{"app": "web", "tier": "front"}
	logs := benchLogs(b, b.N, per, func(i int) *api.ConfigMap {
		return cm(fmt.Sprintf("ns-%d", i%10), fmt.Sprintf("cm-%d", i), labels, map[string]string{"key": "value"})
	})
	runApply(b, logs, per)
}

// BenchmarkListNoisyNeighbour: a selector's label is carried by many
// objects of another namespace; a List in a small namespace should cost
// what that namespace holds, not what the other one does.
func BenchmarkListNoisyNeighbour(b *testing.B) {
	s := NewStore()
	var changes []change
	for i := range 50000 {
		changes = append(changes, change{new: cm("noisy", fmt.Sprintf("c%d", i), map[string]string{"app": "web"}, nil)})
	}
	for i := range 10 {
		changes = append(changes, change{new: cm("quiet", fmt.Sprintf("c%d", i), map[string]string{"app": "web"}, nil)})
	}
	s.commit(1, changes)
	sel := map[string]string{"app": "web"}
	b.ResetTimer()
	for b.Loop() {
		if got := s.List("ConfigMap", "quiet", sel); len(got) != 10 {
			b.Fatalf("got %d objects, want 10", len(got))
		}
	}
}
