package placement

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/shoal-dev/shoal/api"
)

func priority(v int32) podOpt { return func(p *api.Pod) { p.Spec.Priority = &v } }

func neverPreempt() podOpt {
	return func(p *api.Pod) { never := api.PreemptNever; p.Spec.PreemptionPolicy = &never }
}

func labeled(k, v string) podOpt {
	return func(p *api.Pod) {
		if p.Labels == nil {
			p.Labels = map[string]string{}
		}
		p.Labels[k] = v
	}
}

func nominated(node string) podOpt { return func(p *api.Pod) { p.Status.NominatedNodeName = node } }

// pdb is a budget over app=VALUE pods allowing n more disruptions.
func pdb(app string, n int32) *api.PodDisruptionBudget {
	return &api.PodDisruptionBudget{
		ObjectMeta: api.ObjectMeta{Name: app, Namespace: "default"},
		Spec:       api.PodDisruptionBudgetSpec{Selector: api.SelectorFromMap(map[string]string{"app": app})},
		Status:     api.PodDisruptionBudgetStatus{DisruptionsAllowed: n},
	}
}

// preemptions renders decisions as "pod=node", "pod: reason" or
// "pod->node [victims]".
func preemptions(ds []Decision) []string {
	out := placements(ds)
	for i, d := range ds {
		if d.NominatedNode != "" {
			var vs []string
			for _, v := range d.Victims {
				vs = append(vs, v.Name)
			}
			out[i] = d.Pod.Name + "->" + d.NominatedNode + " [" + strings.Join(vs, " ") + "]"
		}
	}
	return out
}

func TestPriorityOrder(t *testing.T) {
	// One slot: the high-priority pod gets it although it comes last.
	c := newCluster().node("a", "1", "1Gi")
	ds := Schedule(c.snapshot(), []*api.Pod{
		pod("low", requests("600m", "")),
		pod("mid", requests("600m", ""), priority(10)),
		pod("high", requests("600m", ""), priority(100)),
	}, Config{})
	want := []string{"low: 0/1 nodes are available: 1 insufficient cpu", "mid: 0/1 nodes are available: 1 insufficient cpu", "high=a"}
	if diff := cmp.Diff(want, placements(ds)); diff != "" {
		t.Errorf("decisions in input order (-want +got):\n%s", diff)
	}
}

func TestPreemption(t *testing.T) {
	tests := []struct {
		name    string
		cluster *testCluster
		budgets []*api.PodDisruptionBudget
		pending []*api.Pod
		want    []string
	}{
		{"evicts the lowest priority pod",
			newCluster().node("a", "1", "1Gi").
				bound(pod("v-low", requests("500m", ""), priority(1)), "a").
				bound(pod("v-mid", requests("500m", ""), priority(5)), "a"),
			nil, []*api.Pod{pod("p", requests("500m", ""), priority(10))},
			[]string{"p->a [v-low]"}},
		{"evicts only as many as needed",
			newCluster().node("a", "1", "1Gi").
				bound(pod("v1", requests("300m", ""), priority(1)), "a").
				bound(pod("v2", requests("300m", ""), priority(1)), "a").
				bound(pod("v3", requests("400m", ""), priority(1)), "a"),
			nil, []*api.Pod{pod("p", requests("400m", ""), priority(10))},
			[]string{"p->a [v3]"}},
		{"never preempts equal or higher priority",
			newCluster().node("a", "1", "1Gi").bound(pod("v", requests("1", ""), priority(10)), "a"),
			nil, []*api.Pod{pod("p", requests("500m", ""), priority(10))},
			[]string{"p: 0/1 nodes are available: 1 insufficient cpu"}},
		{"preemptionPolicy Never waits",
			newCluster().node("a", "1", "1Gi").bound(pod("v", requests("1", ""), priority(1)), "a"),
			nil, []*api.Pod{pod("p", requests("500m", ""), priority(10), neverPreempt())},
			[]string{"p: 0/1 nodes are available: 1 insufficient cpu"}},
		{"picks the node with the lowest victims",
			newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi").
				bound(pod("va", requests("1", ""), priority(5)), "a").
				bound(pod("vb", requests("1", ""), priority(2)), "b"),
			nil, []*api.Pod{pod("p", requests("1", ""), priority(10))},
			[]string{"p->b [vb]"}},
		{"picks the node with fewer victims",
			newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi").
				bound(pod("va1", requests("500m", ""), priority(1)), "a").
				bound(pod("va2", requests("500m", ""), priority(1)), "a").
				bound(pod("vb", requests("1", ""), priority(1)), "b"),
			nil, []*api.Pod{pod("p", requests("1", ""), priority(10))},
			[]string{"p->b [vb]"}},
		{"respects a budget when another node can be used",
			newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi").
				bound(pod("va", requests("1", ""), priority(1), labeled("app", "db")), "a").
				bound(pod("vb", requests("1", ""), priority(3), labeled("app", "web")), "b"),
			[]*api.PodDisruptionBudget{pdb("db", 0), pdb("web", 1)}, []*api.Pod{pod("p", requests("1", ""), priority(10))},
			[]string{"p->b [vb]"}},
		{"violates a budget when nothing else makes room",
			newCluster().node("a", "1", "1Gi").bound(pod("va", requests("1", ""), priority(1), labeled("app", "db")), "a"),
			[]*api.PodDisruptionBudget{pdb("db", 0)}, []*api.Pod{pod("p", requests("1", ""), priority(10))},
			[]string{"p->a [va]"}},
		{"keeps a budget's pod when another victim suffices",
			newCluster().node("a", "1", "1Gi").
				bound(pod("va", requests("500m", ""), priority(1), labeled("app", "db")), "a").
				bound(pod("vb", requests("500m", ""), priority(2)), "a"),
			[]*api.PodDisruptionBudget{pdb("db", 0)}, []*api.Pod{pod("p", requests("500m", ""), priority(10))},
			[]string{"p->a [vb]"}},
		{"static filters still apply",
			newCluster().node("a", "1", "1Gi", label("disk", "hdd")).bound(pod("v", requests("1", ""), priority(1)), "a"),
			nil, []*api.Pod{pod("p", requests("1", ""), priority(10), selector("disk", "ssd"))},
			[]string{"p: 0/1 nodes are available: 1 node(s) didn't match nodeSelector"}},
		{"host port freed by the victim",
			newCluster().node("a", "4", "4Gi").bound(pod("v", hostPort(80), priority(1)), "a"),
			nil, []*api.Pod{pod("p", hostPort(80), priority(10))},
			[]string{"p->a [v]"}},
		{"waits for terminating victims on its nominated node",
			newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi").
				bound(pod("v", requests("1", ""), priority(1), terminating), "a").
				bound(pod("w", requests("1", ""), priority(1)), "b"),
			nil, []*api.Pod{pod("p", requests("1", ""), priority(10), nominated("a"))},
			[]string{"p->a []"}},
		{"two preemptors do not share a victim",
			newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi").
				bound(pod("va", requests("1", ""), priority(1)), "a").
				bound(pod("vb", requests("1", ""), priority(2)), "b"),
			nil, []*api.Pod{pod("p1", requests("1", ""), priority(10)), pod("p2", requests("1", ""), priority(10))},
			[]string{"p1->a [va]", "p2->b [vb]"}},
		{"placed pods need no preemption",
			newCluster().node("a", "1", "1Gi").node("b", "1", "1Gi").bound(pod("va", requests("1", ""), priority(1)), "a"),
			nil, []*api.Pod{pod("p", requests("1", ""), priority(10))},
			[]string{"p=b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap := tt.cluster.snapshot()
			snap.Budgets = tt.budgets
			ds := Schedule(snap, tt.pending, Config{})
			if diff := cmp.Diff(tt.want, preemptions(ds)); diff != "" {
				t.Errorf("decisions (-want +got):\n%s", diff)
			}
		})
	}
}
