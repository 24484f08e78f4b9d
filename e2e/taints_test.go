package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// TestNoExecuteTaintEvicts: on real agents with containerd, a NoExecute
// taint set with `shoal taint` evicts the pods of the node that do not
// tolerate it; their Deployment replaces them on the other node, a pod
// that tolerates the taint stays, and removing the taint lets pods back.
func TestNoExecuteTaintEvicts(t *testing.T) {
	skipShort(t)
	c := podCluster(t, "n1", "n2")
	a := c.Agents[0]
	apply(t, a, deployment("web", 4, ""))
	apply(t, a, deployment("tolerant", 2, `tolerations: [{key: maintenance, operator: Exists, effect: NoExecute}]`))
	running := func(app string) ([]*api.Pod, map[string]int) {
		pods := podsOf(t, a, app)
		for _, p := range pods {
			if p.Status.Phase != api.PodRunning || p.DeletionTimestamp != nil {
				return nil, nil
			}
		}
		return pods, spread(pods)
	}
	testcluster.Eventually(t, 60*time.Second, func() error {
		pods, got := running("web")
		_, tol := running("tolerant")
		if len(pods) != 4 || got["n1"] != 2 || got["n2"] != 2 || tol["n2"] != 1 {
			return fmt.Errorf("got web %v, tolerant %v, want both spread, all Running", got, tol)
		}
		return nil
	})

	out, errOut, err := a.CLI("taint", "node", "n2", "maintenance=now:NoExecute")
	if err != nil || !strings.Contains(out, "node/n2 tainted") {
		t.Fatalf("taint: got %q %q (%v), want node/n2 tainted", out, errOut, err)
	}
	tainted := time.Now()
	testcluster.Eventually(t, 60*time.Second, func() error {
		pods, got := running("web")
		if len(pods) != 4 || got["n2"] != 0 {
			return fmt.Errorf("got web pods per node %v (%d Running), want 4 Running on n1", got, len(pods))
		}
		return nil
	})
	t.Logf("untolerating pods of n2 evicted and replaced, Running, %.1fs after the taint", time.Since(tainted).Seconds())
	if _, tol := running("tolerant"); tol["n2"] != 1 {
		t.Errorf("tolerant pods per node: got %v, want one still on n2", tol)
	}
	n, err := a.Client().Get(t.Context(), "nodes", "", "n2")
	if err != nil {
		t.Fatalf("get node: %v", err)
	}
	if ts := n.(*api.Node).Spec.Taints; len(ts) != 1 || ts[0].String() != "maintenance=now:NoExecute" || ts[0].TimeAdded == nil {
		t.Errorf("node n2 taints: got %+v, want maintenance=now:NoExecute with timeAdded", ts)
	}

	// A typo is refused before anything is sent.
	if _, errOut, err := a.CLI("taint", "node", "n2", "maintenance=now"); err == nil || !strings.Contains(errOut, "effect required") {
		t.Errorf("taint without effect: got %v %q, want an error saying the effect is required", err, errOut)
	}

	if out, errOut, err := a.CLI("taint", "node", "n2", "maintenance:NoExecute-"); err != nil || !strings.Contains(out, "node/n2 untainted") {
		t.Fatalf("untaint: got %q %q (%v), want node/n2 untainted", out, errOut, err)
	}
	if _, errOut, err := a.CLI("scale", "deployment/web", "--replicas", "6"); err != nil {
		t.Fatalf("scale: %v: %s", err, errOut)
	}
	testcluster.Eventually(t, 60*time.Second, func() error {
		pods, got := running("web")
		if len(pods) != 6 || got["n2"] == 0 {
			return fmt.Errorf("got web pods per node %v (%d Running), want 6 Running, some on n2 again", got, len(pods))
		}
		return nil
	})
}
