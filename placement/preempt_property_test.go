package placement

import (
	"fmt"
	"testing"

	"github.com/shoal-dev/shoal/api"
	"pgregory.net/rapid"
)

// TestPropertyPreemption places one pod on random full clusters (cpu
// only) and checks the preemption decision against a naive model:
//
//   - a pod that is placed fits its node without evicting anything;
//   - victims are on the nominated node, of lower priority, not
//     Terminating, and evicting them makes the pod fit there;
//   - each victim is needed: the pod does not fit if it alone stays;
//   - a pod neither placed nor nominated fits nowhere even with every
//     lower-priority pod gone (or may not preempt).
func TestPropertyPreemption(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c := newCluster()
		nodes := rapid.IntRange(1, 5).Draw(t, "nodes")
		var bound []*api.Pod
		for i := range nodes {
			name := fmt.Sprintf("n%d", i)
			c.node(name, fmt.Sprintf("%d", rapid.IntRange(1, 4).Draw(t, "cores")), "64Gi")
			for j := range rapid.IntRange(0, 6).Draw(t, "pods") {
				opts := []podOpt{requests(fmt.Sprintf("%dm", 100*rapid.IntRange(1, 15).Draw(t, "cpu")), ""), priority(int32(rapid.IntRange(0, 5).Draw(t, "prio")))}
				if rapid.IntRange(0, 9).Draw(t, "terminating") == 0 {
					opts = append(opts, terminating)
				}
				p := pod(fmt.Sprintf("%s-%d", name, j), opts...)
				c.bound(p, name)
				bound = append(bound, p)
			}
		}
		prio := int32(rapid.IntRange(0, 8).Draw(t, "pending prio"))
		req := int64(100 * rapid.IntRange(1, 30).Draw(t, "pending cpu"))
		opts := []podOpt{requests(fmt.Sprintf("%dm", req), ""), priority(prio)}
		preempts := rapid.Bool().Draw(t, "preempts")
		if !preempts {
			opts = append(opts, neverPreempt())
		}
		p := pod("pending", opts...)
		d := Schedule(c.snapshot(), []*api.Pod{p}, Config{})[0]

		// used is the cpu requested on node n, without the pods in skip.
		used := func(n string, skip map[string]bool) int64 {
			var sum int64
			for _, q := range bound {
				if q.Spec.NodeName == n && !skip[q.Name] {
					sum += PodRequests(q).MilliCPU
				}
			}
			return sum
		}
		alloc := map[string]int64{}
		for _, n := range c.nodes {
			alloc[n.Name] = n.Allocatable.MilliCPU
		}
		fits := func(n string, skip map[string]bool) bool { return used(n, skip)+req <= alloc[n] }
		switch {
		case d.Node != "":
			if !fits(d.Node, nil) {
				t.Fatalf("placed on %s, which lacks room (%d of %d used, %d wanted)", d.Node, used(d.Node, nil), alloc[d.Node], req)
			}
		case len(d.Victims) > 0:
			skip := map[string]bool{}
			for _, v := range d.Victims {
				skip[v.Name] = true
			}
			for _, q := range bound {
				if !skip[q.Name] {
					continue
				}
				if q.Spec.NodeName != d.NominatedNode || api.PodPriority(q) >= prio || q.DeletionTimestamp != nil {
					t.Fatalf("victim %s: node %s priority %d terminating %v; want on %s, below %d, running", q.Name, q.Spec.NodeName, api.PodPriority(q), q.DeletionTimestamp != nil, d.NominatedNode, prio)
				}
			}
			if !fits(d.NominatedNode, skip) {
				t.Fatalf("evicting %v on %s does not make room", d.Victims, d.NominatedNode)
			}
			for _, v := range d.Victims {
				delete(skip, v.Name)
				if fits(d.NominatedNode, skip) {
					t.Fatalf("victim %s is not needed: the pod fits on %s with it", v.Name, d.NominatedNode)
				}
				skip[v.Name] = true
			}
		case d.NominatedNode == "":
			if !preempts {
				return
			}
			for _, n := range c.nodes {
				skip := map[string]bool{}
				for _, q := range bound {
					if q.Spec.NodeName == n.Name && api.PodPriority(q) < prio && q.DeletionTimestamp == nil {
						skip[q.Name] = true
					}
				}
				if len(skip) > 0 && fits(n.Name, skip) {
					t.Fatalf("nothing nominated, but evicting %d pods on %s makes room", len(skip), n.Name)
				}
			}
		}
	})
}
