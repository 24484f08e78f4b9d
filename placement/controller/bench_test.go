package controller

import (
	"testing"
)

// benchState builds, through the harness, a cluster of 100 nodes and
// `deployments` Deployments of 1,000 replicas each. With settled, every pod
// is bound, Running and Ready and every status written; otherwise the
// ReplicaSets exist and have no pods yet.
func benchState(b *testing.B, deployments int, settled bool) *State {
	h := newHarness(b).withNodes(100)
	h.batch, h.checkInputs = 1000, false
	for i := range deployments {
		h.put(newDeployment("web"+itoa(i), 1000, "v1"))
	}
	h.step() // ReplicaSets
	if settled {
		h.settle()
	}
	return h.state()
}

// BenchmarkReconcile1000Replicas measures one controller pass: creating
// the 1,000 pods of a new Deployment's ReplicaSet, and a steady-state
// pass (nothing to do) over 10 Deployments with 10,000 pods.
func BenchmarkReconcile1000Replicas(b *testing.B) {
	cfg := DefaultConfig()
	b.Run("create 1000 pods", func(b *testing.B) {
		st := benchState(b, 1, false)
		for b.Loop() {
			if ch := Reconcile(st, cfg); len(ch.Creates) != 1000 {
				b.Fatalf("got %d creates, want 1000", len(ch.Creates))
			}
		}
	})
	b.Run("steady 10000 pods", func(b *testing.B) {
		st := benchState(b, 10, true)
		if len(st.Pods) != 10000 {
			b.Fatalf("got %d pods, want 10000", len(st.Pods))
		}
		for b.Loop() {
			if ch := Reconcile(st, cfg); !ch.Empty() {
				b.Fatalf("got %d writes, want none", ch.Len())
			}
		}
	})
}
