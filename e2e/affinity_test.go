package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// TestPodAntiAffinitySpreads: on real agents with containerd, a
// Deployment whose pods must not share a node (podAntiAffinity on
// kubernetes.io/hostname) runs one pod per node; the replica with no node
// left stays Pending and says why.
func TestPodAntiAffinitySpreads(t *testing.T) {
	skipShort(t)
	c := podCluster(t, "n1", "n2")
	a := c.Agents[0]
	apply(t, a, deployment("web", 3, `affinity: {podAntiAffinity: {requiredDuringSchedulingIgnoredDuringExecution: [{labelSelector: {matchLabels: {app: web}}, topologyKey: kubernetes.io/hostname}]}}`))
	const why = "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules"
	testcluster.Eventually(t, 60*time.Second, func() error {
		pods := podsOf(t, a, "web")
		running := map[string]int{}
		pending := 0
		for _, p := range pods {
			switch {
			case p.Status.Phase == api.PodRunning && p.Spec.NodeName != "":
				running[p.Spec.NodeName]++
			case p.Spec.NodeName == "":
				if c := p.Status.Condition(api.PodScheduled); c == nil || c.Message != why {
					return fmt.Errorf("pending pod %s: got condition %+v, want message %q", p.Name, c, why)
				}
				pending++
			}
		}
		if running["n1"] != 1 || running["n2"] != 1 || pending != 1 {
			return fmt.Errorf("got Running per node %v and %d Pending, want one Running on each node and one Pending", running, pending)
		}
		return nil
	})
	out, _, err := a.CLI("get", "pods")
	if err != nil || !strings.Contains(out, "Pending") {
		t.Errorf("get pods: got %q (%v), want a Pending pod", out, err)
	}
}
