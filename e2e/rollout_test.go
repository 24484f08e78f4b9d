package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// revisions returns the revision annotation of each ReplicaSet of app.
func revisions(t *testing.T, a *testcluster.Agent, app string) map[string]string {
	t.Helper()
	objs, err := a.Client().List(context.Background(), "replicasets", "default", "app="+app)
	if err != nil {
		t.Fatalf("list replicasets: %v", err)
	}
	out := map[string]string{}
	for _, o := range objs {
		rs := o.(*api.ReplicaSet)
		out[rs.Name] = rs.Annotations[api.AnnotationRevision]
	}
	return out
}

func TestRolloutRestartAndUndo(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 1)
	a := c.Agents[0]
	apply(t, a, deployment("web", 2, ""))
	var first string
	testcluster.Eventually(t, 20*time.Second, func() error {
		revs := revisions(t, a, "web")
		if len(revs) != 1 {
			return fmt.Errorf("got replicasets %v, want one", revs)
		}
		for name, rev := range revs {
			if rev != "1" {
				return fmt.Errorf("got revision %q on %s, want 1", rev, name)
			}
			first = name
		}
		return nil
	})
	if out, errOut, err := a.CLI("rollout", "restart", "deployment/web"); err != nil || !strings.Contains(out, "restarted") {
		t.Fatalf("rollout restart: %q %v %s", out, err, errOut)
	}
	testcluster.Eventually(t, 20*time.Second, func() error {
		revs := revisions(t, a, "web")
		if len(revs) != 2 || revs[first] != "1" {
			return fmt.Errorf("got replicasets %v, want %s at 1 and a new one at 2", revs, first)
		}
		return nil
	})
	// Pods only become Ready once agents run them, so this rollout cannot
	// finish: status reports progress and gives up at its timeout.
	out, _, err := a.CLI("rollout", "status", "deployment/web", "--timeout", "2s")
	if err == nil || !strings.Contains(out, "Waiting for deployment \"web\" rollout to finish") {
		t.Fatalf("rollout status: got %q, %v; want progress and a non-zero exit", out, err)
	}
	if out, errOut, err := a.CLI("rollout", "undo", "deployment/web"); err != nil || !strings.Contains(out, "rolled back") {
		t.Fatalf("rollout undo: %q %v %s", out, err, errOut)
	}
	testcluster.Eventually(t, 20*time.Second, func() error {
		revs := revisions(t, a, "web")
		if revs[first] != "3" {
			return fmt.Errorf("got replicasets %v, want %s reused as revision 3", revs, first)
		}
		return nil
	})
	if _, errOut, err := a.CLI("rollout", "undo", "deployment/web", "--to-revision", "9"); err == nil || !strings.Contains(errOut, "no revision 9") {
		t.Fatalf("undo to a missing revision: got %v %q, want an error naming it", err, errOut)
	}
}
