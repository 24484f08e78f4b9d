package apiserver

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// TestAuthorizeNodeWrite judges commands node n2 sends under its own
// certificate against a real Store holding the fixtures (see
// restrictFixtures): what a node must write passes; everything else is
// refused as forbidden with a message naming the node, the object and
// why, or as invalid when it is the node's to write but malformed.
func TestAuthorizeNodeWrite(t *testing.T) {
	st, _ := seededStore(t)
	stored := func(kind, ns, name string) api.Object {
		o, ok := st.Get(kind, ns, name)
		if !ok {
			t.Fatalf("fixture %s %s/%s missing", kind, ns, name)
		}
		return o
	}
	// withStatus is the stored pod with phase and podIP as its new status.
	withStatus := func(ns, name string, phase api.PodPhase, ip string) *api.Pod {
		p := api.DeepCopy(stored("Pod", ns, name).(*api.Pod))
		p.Status = api.PodStatus{Phase: phase, PodIP: ip}
		return p
	}
	uid := func(ns, name string) string { return stored("Pod", ns, name).GetObjectMeta().UID }
	now := time.Now()
	status := func(objs ...api.Object) consensus.Command {
		return consensus.Put{Objects: objs, Mode: consensus.ModeStatus, Time: now}
	}
	replace := func(objs ...api.Object) consensus.Command {
		return consensus.Put{Objects: objs, Mode: consensus.ModeReplace, Time: now}
	}
	apply := func(objs ...api.Object) consensus.Command {
		return consensus.Put{Objects: objs, Mode: consensus.ModeApply, Time: now}
	}
	podKey := func(ns, name string) api.Key { return api.Key{Kind: "Pod", Namespace: ns, Name: name} }
	remove := func(key api.Key, uid string) consensus.Command {
		d := consensus.Delete{Keys: []api.Key{key}}
		if uid != "" {
			d.Preconditions = []consensus.Precondition{{Key: key, UID: uid}}
		}
		return d
	}
	eventKey := func(name string) api.Key { return api.Key{Kind: "Event", Namespace: "default", Name: name} }
	gone := withStatus("default", "web-2", api.PodRunning, "10.42.2.7")
	gone.Name = "gone"
	noUID := withStatus("default", "web-2", api.PodRunning, "10.42.2.7")
	noUID.UID = ""
	n2Status := api.DeepCopy(stored("Node", "", "n2").(*api.Node))
	n2Status.Status.Conditions = []api.NodeCondition{{Type: "Ready", Status: api.ConditionTrue}}
	n1Status := api.DeepCopy(stored("Node", "", "n1").(*api.Node))
	n2Spec := api.DeepCopy(stored("Node", "", "n2").(*api.Node))
	n2Spec.Spec.PodCIDR = "10.42.1.0/24" // n1's: its traffic would come here
	badCapacity := api.DeepCopy(n2Status)
	badCapacity.Status.Capacity = api.ResourceList{"gpu": api.NewQuantity(1, api.DecimalSI)}
	privileged := api.DeepCopy(stored("Pod", "default", "web-2").(*api.Pod))
	privileged.Name, privileged.UID = "evil", ""
	yes := true
	privileged.Spec.Containers[0].SecurityContext = &api.SecurityContext{Privileged: &yes}
	respec := api.DeepCopy(stored("Pod", "default", "web-2").(*api.Pod))
	respec.Spec.Containers[0].Image = "attacker/miner"
	cc := api.DeepCopy(stored("ClusterConfig", "", api.ClusterConfigName))
	cm := api.DeepCopy(stored("ConfigMap", "default", "settings"))
	badName := testEvent("default", "Bad_Name", "n2", podRef("default", "web-2"))
	graceful := consensus.Delete{Keys: []api.Key{podKey("default", "web-2")}, Grace: &consensus.Grace{Time: now}}

	tests := []struct {
		name string
		node string
		cmd  consensus.Command
		want string // "" allowed; else "forbidden: <substring>" or "invalid: <substring>"
	}{
		// What a node must write.
		{"status of its pod", "n2", status(withStatus("default", "web-2", api.PodRunning, "10.42.2.7")), ""},
		{"status of its pod in another namespace", "n2", status(withStatus("team", "api-1", api.PodPending, "")), ""},
		{"status of its pods in one batch", "n2", status(withStatus("default", "web-2", api.PodRunning, ""), withStatus("team", "api-1", api.PodRunning, "")), ""},
		{"status of a pod deleted meanwhile", "n2", status(gone), ""},
		{"status of its Node", "n2", status(n2Status), ""},
		{"event about its pod", "n2", replace(testEvent("default", "ev-new", "n2", podRef("default", "web-2"))), ""},
		{"event about its pod overwritten", "n2", replace(testEvent("default", "ev-web-2", "n2", podRef("default", "web-2"))), ""},
		{"event about itself", "n2", replace(testEvent("default", "ev-n2", "n2", api.ObjectReference{Kind: "Node", Name: "n2"})), ""},
		{"removal of its stopped pod", "n2", remove(podKey("default", "web-2"), uid("default", "web-2")), ""},
		{"removal of a pod deleted meanwhile", "n2", remove(podKey("default", "gone"), "some-uid"), ""},
		{"removal of its event", "n2", remove(eventKey("ev-web-2"), ""), ""},
		{"removal of an event about its pod from another node", "n2", remove(eventKey("ev-web-2-old"), ""), ""},

		// Another node's pods.
		{"status of another node's pod", "n2", status(withStatus("default", "web-1", api.PodFailed, "")), "forbidden: node n2 may not write the status of pod default/web-1, bound to n1"},
		{"status of an unbound pod", "n2", status(withStatus("default", "pending", api.PodRunning, "")), "forbidden: node n2 may not write the status of pod default/pending, not bound to a node"},
		{"own and another's status together", "n2", status(withStatus("default", "web-2", api.PodRunning, ""), withStatus("default", "web-1", api.PodFailed, "")), "forbidden: pod default/web-1, bound to n1"},
		{"status without the pod's uid", "n2", status(noUID), "forbidden: node n2 may not write the status of pod default/web-2 without naming its uid"},
		{"removal of another node's pod", "n2", remove(podKey("default", "web-1"), uid("default", "web-1")), "forbidden: node n2 may not delete pod default/web-1, bound to n1"},
		{"removal without a uid precondition", "n2", remove(podKey("default", "web-2"), ""), "forbidden: node n2 may not delete pod default/web-2 without a uid precondition"},
		{"graceful delete", "n2", graceful, "forbidden: node n2 may not delete gracefully"},

		// Specs, other kinds, other nodes.
		{"create a privileged pod", "n2", apply(privileged), "forbidden: node n2 may not apply pod default/evil"},
		{"replace its own pod's spec", "n2", replace(respec), "forbidden: node n2 may not replace pod default/web-2"},
		{"status of another Node", "n2", status(n1Status), "forbidden: node n2 may not write the status of node n1: only its own"},
		{"replace its own Node", "n2", replace(n2Spec), "forbidden: node n2 may not replace node n2"},
		{"replace the cluster settings", "n2", replace(cc), "forbidden: node n2 may not replace clusterconfig cluster"},
		{"apply a configmap", "n2", apply(cm), "forbidden: node n2 may not apply configmap default/settings"},
		{"status of a configmap", "n2", status(cm), "forbidden: node n2 may not write the status of configmap default/settings"},
		{"delete a Node", "n2", remove(api.Key{Kind: "Node", Name: "n1"}, ""), "forbidden: node n2 may not delete node n1"},
		{"delete the cluster settings", "n2", remove(api.Key{Kind: "ClusterConfig", Name: api.ClusterConfigName}, ""), "forbidden: node n2 may not delete clusterconfig cluster"},
		{"no node name", "", status(withStatus("default", "web-2", api.PodRunning, "")), "forbidden: without a node name"},

		// Events beyond its own.
		{"event about another node's pod", "n2", replace(testEvent("default", "ev-x", "n2", podRef("default", "web-1"))), "forbidden: node n2 may not write event default/ev-x: it is about pod default/web-1, bound to n1"},
		{"event from another source", "n2", replace(testEvent("default", "ev-x", "n1", podRef("default", "web-2"))), `forbidden: its source host is "n1", not n2`},
		{"event over another node's", "n2", replace(testEvent("default", "ev-web-1", "n2", podRef("default", "web-2"))), `forbidden: node n2 may not overwrite event default/ev-web-1, reported by "n1"`},
		{"event in another namespace than its pod", "n2", replace(testEvent("default", "ev-x", "n2", podRef("team", "api-1"))), "forbidden: it is about pod team/api-1, in another namespace"},
		{"event about a missing pod", "n2", replace(testEvent("default", "ev-x", "n2", podRef("default", "nope"))), "forbidden: it is about pod default/nope, which does not exist"},
		{"event about another node", "n2", replace(testEvent("default", "ev-x", "n2", api.ObjectReference{Kind: "Node", Name: "n1"})), "forbidden: it is about node n1"},
		{"event about itself outside default", "n2", replace(testEvent("team", "ev-x", "n2", api.ObjectReference{Kind: "Node", Name: "n2"})), "forbidden: events about a node belong in namespace default"},
		{"event about a service", "n2", replace(testEvent("default", "ev-x", "n2", api.ObjectReference{Kind: "Service", Namespace: "default", Name: "web"})), `forbidden: it is about a "Service"`},
		{"removal of another node's event", "n2", remove(eventKey("ev-web-1"), ""), `forbidden: node n2 may not delete event default/ev-web-1: it was reported by "n1" and it is about pod default/web-1, bound to n1`},
		{"removal of another node's node event", "n2", remove(eventKey("ev-n1"), ""), "forbidden: it is about node n1"},
		{"removal of a missing event", "n2", remove(eventKey("nope"), ""), "forbidden: node n2 may not delete event default/nope: no such event"},

		// Its own, but malformed: checked as a user write would be.
		{"unknown phase", "n2", status(withStatus("default", "web-2", "Hacked", "")), `invalid: status.phase: unknown phase "Hacked"`},
		{"pod IP not an IP", "n2", status(withStatus("default", "web-2", api.PodRunning, "not-an-ip")), "invalid: status.podIP"},
		{"unknown node resource", "n2", status(badCapacity), `invalid: status.capacity[gpu]: unknown resource "gpu"`},
		{"event name not a DNS name", "n2", replace(badName), "invalid: metadata.name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := authorizeNodeWrite(st, tt.node, tt.cmd)
			got := ""
			switch {
			case err == nil:
			case errors.As(err, new(forbidden)):
				got = "forbidden: " + err.Error()
			case errors.As(err, new(badRequest)):
				got = "invalid: " + err.Error()
			default:
				got = "other: " + err.Error()
			}
			if tt.want == "" {
				if got != "" {
					t.Fatalf("got %s, want allowed", got)
				}
				return
			}
			class, msg, _ := strings.Cut(tt.want, ": ")
			if !strings.HasPrefix(got, class+": ") || !strings.Contains(got, msg) {
				t.Fatalf("got %q, want %s containing %q", got, class, msg)
			}
		})
	}
}
