package e2e

import (
	"fmt"
	"os/exec"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
)

const fencedStatefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: fenced
spec:
  serviceName: fenced
  replicas: 1
  selector:
    matchLabels: {app: fenced}
  template:
    metadata:
      labels: {app: fenced}
    spec:
      nodeSelector: {kubernetes.io/hostname: n3}
      terminationGracePeriodSeconds: 1
      containers:
        - name: db
          image: shoal.local/busybox:1
          command: ["sleep", "3600"]
          env: [{name: MARKER, value: fenced-db}]
`

// An agent cut off from the cluster stops its StatefulSet pods itself
// once --fence-after passes (so the identity can never run twice), keeps
// its other pods, and runs the identity again when it is back.
func TestFencedAgentStopsStatefulSetPods(t *testing.T) {
	c := testcluster.NewNetNS(t, "--fence-after", "3s", "--node-grace", "2s")
	for _, n := range []string{"n1", "n2", "n3"} {
		c.Add(n)
	}
	importImages(t, c)
	n1, n3 := c.Agents[0], c.Agents[2]
	if out, stderr, err := n1.CLIWithInput([]byte(fencedStatefulSet), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v %s%s", err, out, stderr)
	}
	applyPod(t, n1, "keeper", "n3", fmt.Sprintf(testServerContainer, "keeper"))
	testcluster.Eventually(t, 60*time.Second, func() error {
		if containerPID(t, "fenced-db") == 0 {
			return fmt.Errorf("db not running yet")
		}
		return nil
	})

	cut := func(state string) {
		if out, err := exec.Command("ip", "-n", n3.NetNS(), "link", "set", "eth0", state).CombinedOutput(); err != nil {
			t.Fatalf("link %s: %v %s", state, err, out)
		}
	}
	cut("down")
	start := time.Now()
	testcluster.Eventually(t, 30*time.Second, func() error {
		if containerPID(t, "fenced-db") != 0 {
			return fmt.Errorf("StatefulSet pod still runs %s after the cut", time.Since(start).Round(time.Second))
		}
		return nil
	})
	t.Logf("fenced agent stopped its StatefulSet pod %s after losing the cluster", time.Since(start).Round(100*time.Millisecond))
	if containerPID(t, "keeper") == 0 {
		t.Fatal("the Deployment pod on the fenced node was stopped too")
	}

	cut("up")
	testcluster.Eventually(t, 90*time.Second, func() error {
		if containerPID(t, "fenced-db") == 0 {
			return fmt.Errorf("StatefulSet pod not back after the node returned")
		}
		return nil
	})
}
