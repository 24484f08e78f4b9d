package controller

import (
	"slices"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"pgregory.net/rapid"
)

// TestControllersProperty drives a Deployment, a StatefulSet and a
// DaemonSet through random sequences of scaling, template changes, node
// failures and recoveries, label changes, pods that never get ready and
// time passing, with pod deletes immediate or graceful. After every
// committed batch the harness checks its
// invariants (maxSurge/maxUnavailable, StatefulSet order, fencing and
// unique identities, one daemon pod per node); whenever the random
// sequence asks to settle, the controllers must reach a fixpoint; and once
// everything heals, every workload must end fully rolled out.
func TestControllersProperty(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		h := newHarness(rt)
		h.batch = rapid.SampledFrom([]int{1, 2, 500}).Draw(rt, "batch")
		h.graceful = rapid.Bool().Draw(rt, "graceful")
		h.withNodes(rapid.IntRange(2, 4).Draw(rt, "nodes"))
		nodeNames := func() []string {
			var out []string
			for _, k := range h.keys() {
				if k.Kind == "Node" {
					out = append(out, k.Name)
				}
			}
			return out
		}
		images := []string{"v1", "v2", "v3"}
		limits := []api.IntOrString{api.FromInt32(0), api.FromInt32(1), api.FromInt32(2), api.FromString("25%"), api.FromString("50%")}

		d := newDeployment("web", int32(rapid.IntRange(0, 6).Draw(rt, "web replicas")), "v1")
		if rapid.Bool().Draw(rt, "recreate") {
			d.Spec.Strategy = api.DeploymentStrategy{Type: api.RecreateDeploymentStrategyType}
		} else {
			withRolling(d, rapid.SampledFrom(limits).Draw(rt, "maxSurge"), rapid.SampledFrom(limits).Draw(rt, "maxUnavailable"))
		}
		d.Spec.MinReadySeconds = int32(rapid.SampledFrom([]int{0, 3}).Draw(rt, "minReadySeconds"))
		d.Spec.RevisionHistoryLimit = ptr(int32(rapid.IntRange(0, 2).Draw(rt, "revisionHistoryLimit")))
		h.put(d)

		ss := newStatefulSet("db", int32(rapid.IntRange(0, 4).Draw(rt, "db replicas")), "v1", rapid.Bool().Draw(rt, "claims"))
		if rapid.Bool().Draw(rt, "parallel") {
			ss.Spec.PodManagementPolicy = api.ParallelPodManagement
		}
		h.put(ss)

		var sel map[string]string
		if rapid.Bool().Draw(rt, "node selector") {
			sel = map[string]string{"zone": "z1"}
		}
		ds := newDaemonSet("agent", "v1", sel)
		ds.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptr(rapid.SampledFrom(limits[1:]).Draw(rt, "ds maxUnavailable"))
		h.put(ds)

		unready := map[string]bool{}
		h.readyFn = func(p *api.Pod) bool { return !unready[p.Spec.Containers[0].Image] }

		rt.Repeat(map[string]func(*rapid.T){
			"pass": func(*rapid.T) { h.step() },
			"leader dies mid-pass": func(rt *rapid.T) {
				ch := h.reconcile()
				h.commit(ch, rapid.IntRange(0, ch.Len()).Draw(rt, "batches committed"))
				*h = *h.restart()
			},
			"schedule": func(*rapid.T) { h.schedule() },
			"agents":   func(*rapid.T) { h.agents() },
			"settle":   func(*rapid.T) { h.settle() },
			"advance": func(rt *rapid.T) {
				h.advance(time.Duration(rapid.IntRange(1, 12).Draw(rt, "seconds")) * time.Second)
			},
			"scale web": func(rt *rapid.T) {
				h.put(setReplicas(h.deployment("web"), int32(rapid.IntRange(0, 6).Draw(rt, "n"))))
			},
			"roll web": func(rt *rapid.T) { h.put(setImage(h.deployment("web"), rapid.SampledFrom(images).Draw(rt, "image"))) },
			"scale db": func(rt *rapid.T) {
				h.put(setReplicas(h.statefulSet("db"), int32(rapid.IntRange(0, 4).Draw(rt, "n"))))
			},
			"roll db":    func(rt *rapid.T) { h.put(setImage(h.statefulSet("db"), rapid.SampledFrom(images).Draw(rt, "image"))) },
			"roll agent": func(rt *rapid.T) { h.put(setImage(h.daemonSet("agent"), rapid.SampledFrom(images).Draw(rt, "image"))) },
			"fail node": func(rt *rapid.T) {
				h.failNode(rapid.SampledFrom(nodeNames()).Draw(rt, "node"))
			},
			"recover node": func(rt *rapid.T) {
				h.recoverNode(rapid.SampledFrom(nodeNames()).Draw(rt, "node"))
			},
			"add node": func(rt *rapid.T) {
				if n := len(nodeNames()); n < 6 {
					h.addNode("n"+itoa(n+1), map[string]string{"zone": rapid.SampledFrom([]string{"z0", "z1"}).Draw(rt, "zone")})
				}
			},
			"relabel node": func(rt *rapid.T) {
				h.labelNode(rapid.SampledFrom(nodeNames()).Draw(rt, "node"), "zone", rapid.SampledFrom([]string{"z0", "z1"}).Draw(rt, "zone"))
			},
			"pause web": func(*rapid.T) {
				d := api.DeepCopy(h.deployment("web"))
				d.Spec.Paused = !d.Spec.Paused
				h.put(d)
			},
			"evict pod": func(rt *rapid.T) {
				// A user's delete (drain); only where the agent hears of it.
				var pods []api.Key
				for _, k := range h.keys() {
					if p, ok := h.get(k).(*api.Pod); ok && h.reachable(p.Spec.NodeName) {
						pods = append(pods, k)
					}
				}
				if len(pods) > 0 {
					k := rapid.SampledFrom(pods).Draw(rt, "pod")
					h.del(k.Kind, k.Namespace, k.Name)
				}
			},
			"unready image": func(rt *rapid.T) {
				img := rapid.SampledFrom(images[1:]).Draw(rt, "image")
				unready[img] = !unready[img]
			},
		})

		// Everything heals: every workload must finish its rollout.
		for _, n := range nodeNames() {
			h.recoverNode(n)
		}
		if d := api.DeepCopy(h.deployment("web")); d.Spec.Paused {
			d.Spec.Paused = false
			h.put(d)
		}
		clear(unready)
		h.settleFor(60*time.Second, 3*time.Second)
		checkConverged(rt, h)
		if h.rejected != 0 {
			rt.Fatalf("got %d rejected batches on a store nobody else wrote to, want 0", h.rejected)
		}
	})
}

// checkConverged checks the final shape of the three workloads.
func checkConverged(t tb, h *harness) {
	t.Helper()
	d := h.deployment("web")
	pods := h.activePods(d)
	if len(pods) != int(*d.Spec.Replicas) {
		t.Fatalf("web: got %d pods, want %d", len(pods), *d.Spec.Replicas)
	}
	for _, p := range pods {
		if p.Spec.Containers[0].Image != d.Spec.Template.Spec.Containers[0].Image || !h.available(p, d.Spec.MinReadySeconds) {
			t.Fatalf("web: pod %s (image %s) is not an available pod of the current template", p.Name, p.Spec.Containers[0].Image)
		}
	}
	for _, rs := range h.replicaSets(d) {
		if *rs.Spec.Replicas != 0 && rs.Spec.Template.Spec.Containers[0].Image != d.Spec.Template.Spec.Containers[0].Image {
			t.Fatalf("web: old ReplicaSet %s still wants %d replicas", rs.Name, *rs.Spec.Replicas)
		}
	}

	ss := h.statefulSet("db")
	var want []string
	for i := range int(*ss.Spec.Replicas) {
		want = append(want, "db-"+itoa(i))
	}
	if got := names(h.podsOf(ss)); !slices.Equal(got, want) {
		t.Fatalf("db: got pods %v, want %v", got, want)
	}
	rev := TemplateHash(&ss.Spec.Template)
	for _, p := range h.podsOf(ss) {
		if p.Labels[api.LabelControllerRevisionHash] != rev || !h.available(p, 0) {
			t.Fatalf("db: pod %s (revision %s, phase %s) is not a ready pod of revision %s", p.Name, p.Labels[api.LabelControllerRevisionHash], p.Status.Phase, rev)
		}
		if len(ss.Spec.VolumeClaimTemplates) > 0 {
			ord, _ := ordinalOf(ss.Name, p.Name)
			if node := h.volumeNode(ss, ord); node != p.Spec.NodeName {
				t.Fatalf("db: pod %s runs on %s, but its volume is on %s", p.Name, p.Spec.NodeName, node)
			}
		}
	}
	if st := ss.Status; st.CurrentRevision != rev || st.ReadyReplicas != *ss.Spec.Replicas {
		t.Fatalf("db: got status %+v, want current revision %s and %d ready", st, rev, *ss.Spec.Replicas)
	}

	ds := h.daemonSet("agent")
	rev = TemplateHash(&ds.Spec.Template)
	for _, p := range h.podsOf(ds) {
		if p.Labels[api.LabelControllerRevisionHash] != rev {
			t.Fatalf("agent: pod %s on %s is at revision %s, want %s", p.Name, p.Spec.NodeName, p.Labels[api.LabelControllerRevisionHash], rev)
		}
	}
}
