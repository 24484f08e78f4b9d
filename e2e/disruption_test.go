package e2e

import (
	"bytes"
	"context"
	"fmt"
	osexec "os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

const webPDB = `apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web-pdb
spec:
  minAvailable: 2
  selector:
    matchLabels: {app: web}
`

// lockedBuffer collects a running command's output for a test to read.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// healthyPods counts the Ready pods of app that are not being deleted.
func healthyPods(pods []*api.Pod) int {
	n := 0
	for _, p := range pods {
		if c := p.Status.Condition(api.PodReady); c != nil && c.Status == api.ConditionTrue && p.DeletionTimestamp == nil {
			n++
		}
	}
	return n
}

// TestDrainWaitsForDisruptionBudget: on real agents, a 2-replica
// Deployment spread over two nodes with a PodDisruptionBudget of
// minAvailable 2: `drain` of one node cordons it but does not evict (it
// prints that the budget refuses and retries); once the Deployment is
// scaled to 3 (the third pod starts on the other node), the budget allows
// one disruption and drain finishes. At no point are fewer than 2 pods
// healthy.
func TestDrainWaitsForDisruptionBudget(t *testing.T) {
	skipShort(t)
	t.Parallel() // mostly waiting (see doc.go)
	c := podCluster(t, "n1", "n2")
	a := c.Agents[0]
	apply(t, a, deployment("web", 2, "terminationGracePeriodSeconds: 2"))
	testcluster.Eventually(t, 90*time.Second, func() error {
		pods := podsOf(t, a, "web")
		if got := spread(pods); len(pods) != 2 || got["n1"] != 1 || got["n2"] != 1 || healthyPods(pods) != 2 {
			return fmt.Errorf("got web pods per node %v, %d healthy, want one Ready pod on each node", got, healthyPods(pods))
		}
		return nil
	})
	apply(t, a, []byte(webPDB))
	testcluster.Eventually(t, 30*time.Second, func() error {
		out, errOut, err := a.CLI("get", "pdb")
		want := "NAME      MIN AVAILABLE   MAX UNAVAILABLE   ALLOWED DISRUPTIONS   AGE\nweb-pdb   2               N/A               0   "
		if err != nil || !strings.HasPrefix(out, want) {
			return fmt.Errorf("get pdb: got %q %q (%v), want it to start with %q", out, errOut, err, want)
		}
		return nil
	})
	var onN2 *api.Pod
	for _, p := range podsOf(t, a, "web") {
		if p.Spec.NodeName == "n2" {
			onN2 = p
		}
	}

	// A watchdog: the budget's pods never drop below 2 healthy.
	ctx, stop := context.WithCancel(t.Context())
	var watch sync.WaitGroup
	var minHealthy = 2
	watch.Add(1)
	go func() {
		defer watch.Done()
		for ctx.Err() == nil {
			objs, err := a.Client().List(ctx, "pods", "default", "app=web")
			if err == nil {
				var pods []*api.Pod
				for _, o := range objs {
					pods = append(pods, o.(*api.Pod))
				}
				minHealthy = min(minHealthy, healthyPods(pods))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}()
	defer func() { stop(); watch.Wait() }()

	var out lockedBuffer
	cmd := osexec.CommandContext(t.Context(), c.Bin(), "drain", "n2", "--timeout", "4m")
	cmd.Env = a.ClientEnv()
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start drain: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	refusal := "as it would violate the pod's disruption budget default/web-pdb: the disruption budget web-pdb needs 2 healthy pods and has 2 currently"
	testcluster.Eventually(t, 60*time.Second, func() error {
		if !strings.Contains(out.String(), refusal) {
			return fmt.Errorf("drain printed %q, want the budget's refusal", out.String())
		}
		return nil
	})
	// A retry 5s later is refused too, and the pod is still there.
	testcluster.Eventually(t, 30*time.Second, func() error {
		if n := strings.Count(out.String(), refusal); n < 2 {
			return fmt.Errorf("drain printed %d refusals, want a retry", n)
		}
		return nil
	})
	p, err := a.Client().Get(t.Context(), "pods", "default", onN2.Name)
	if err != nil || p.(*api.Pod).DeletionTimestamp != nil || p.(*api.Pod).UID != onN2.UID {
		t.Fatalf("pod %s on n2 while the budget refuses: got %v (err %v), want it untouched", onN2.Name, p, err)
	}
	select {
	case err := <-done:
		t.Fatalf("drain ended while the budget refuses: %v\n%s", err, out.String())
	default:
	}
	if strings.Contains("\n"+out.String(), "\nevicting pod") {
		t.Fatalf("drain evicted a pod the budget protects:\n%s", out.String())
	}

	// Room for one disruption: a third replica (on n1, n2 is cordoned).
	scaled := time.Now()
	if _, errOut, err := a.CLI("scale", "deployment/web", "--replicas", "3"); err != nil {
		t.Fatalf("scale: %v: %s", err, errOut)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("drain: %v\n%s", err, out.String())
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("drain did not finish 3m after the scale-up:\n%s", out.String())
	}
	t.Logf("drain finished %.1fs after the scale-up", time.Since(scaled).Seconds())
	for _, want := range []string{"node/n2 cordoned", "evicting pod default/" + onN2.Name, "node/n2 drained"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("drain output lacks %q:\n%s", want, out.String())
		}
	}
	testcluster.Eventually(t, 90*time.Second, func() error {
		pods := podsOf(t, a, "web")
		if got := spread(pods); len(pods) != 3 || got["n2"] != 0 || healthyPods(pods) != 3 {
			return fmt.Errorf("got web pods per node %v, %d healthy, want 3 Ready on n1", got, healthyPods(pods))
		}
		return nil
	})
	stop()
	watch.Wait()
	if minHealthy < 2 {
		t.Errorf("got as few as %d healthy web pods during the drain, want at least 2 (minAvailable)", minHealthy)
	}
}

const priorityClassesYAML = `apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: low}
value: 10
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
description: "preempts low"
`

// cpuDeployment is a 1-replica Deployment of class pc requesting
// milliCPU.
func cpuDeployment(name, pc string, milliCPU int64) []byte {
	return []byte(fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata: {name: %[1]s}
spec:
  replicas: 1
  selector: {matchLabels: {app: %[1]s}}
  template:
    metadata: {labels: {app: %[1]s}}
    spec:
      priorityClassName: %[2]s
      terminationGracePeriodSeconds: 2
      containers:
      - name: web
        image: shoal.local/testserver:1
        resources: {requests: {cpu: %[3]dm, memory: 16Mi}}
`, name, pc, milliCPU))
}

// TestPreemption: on a real agent, a pod of a high PriorityClass that
// does not fit evicts the low-priority pod in its way and runs; the low
// one's replacement waits Pending (it may not preempt the higher one).
func TestPreemption(t *testing.T) {
	skipShort(t)
	t.Parallel() // mostly waiting (see doc.go)
	c := podCluster(t, "n1")
	a := c.Agents[0]
	// The node records itself shortly after the agent answers.
	var q api.Quantity
	testcluster.Eventually(t, 60*time.Second, func() error {
		n, err := a.Client().Get(t.Context(), "nodes", "", "n1")
		if err != nil {
			return fmt.Errorf("get node: %w", err)
		}
		cpu, ok := n.(*api.Node).Status.Allocatable[api.ResourceCPU]
		if !ok {
			return fmt.Errorf("node n1 has no allocatable cpu yet: %+v", n.(*api.Node).Status)
		}
		q = cpu
		return nil
	})
	share := q.MilliValue() * 6 / 10 // two do not fit
	apply(t, a, []byte(priorityClassesYAML))
	if out, errOut, err := a.CLI("get", "pc"); err != nil || !strings.Contains(out, "high   1000    false") {
		t.Errorf("get pc: got %q %q (%v), want high with value 1000", out, errOut, err)
	}
	apply(t, a, cpuDeployment("filler", "low", share))
	var victim *api.Pod
	testcluster.Eventually(t, 90*time.Second, func() error {
		pods := podsOf(t, a, "filler")
		if len(pods) != 1 || healthyPods(pods) != 1 {
			return fmt.Errorf("got %d filler pods, %d Ready, want 1 Ready", len(pods), healthyPods(pods))
		}
		victim = pods[0]
		return nil
	})
	if p := victim.Spec.Priority; p == nil || *p != 10 {
		t.Errorf("filler pod priority: got %v, want 10 from class low", p)
	}

	applied := time.Now()
	apply(t, a, cpuDeployment("vip", "high", share))
	testcluster.Eventually(t, 120*time.Second, func() error {
		vip := podsOf(t, a, "vip")
		if len(vip) != 1 || healthyPods(vip) != 1 {
			return fmt.Errorf("got %d vip pods, %d Ready, want 1 Ready", len(vip), healthyPods(vip))
		}
		return nil
	})
	t.Logf("high-priority pod Ready %.1fs after its apply", time.Since(applied).Seconds())
	testcluster.Eventually(t, 60*time.Second, func() error {
		pods := podsOf(t, a, "filler")
		if len(pods) != 1 || pods[0].UID == victim.UID || pods[0].Spec.NodeName != "" {
			return fmt.Errorf("got filler pods %v, want one Pending replacement of the evicted %s", names(pods), victim.Name)
		}
		c := pods[0].Status.Condition(api.PodScheduled)
		if c == nil || c.Status != api.ConditionFalse || !strings.Contains(c.Message, "insufficient cpu") {
			return fmt.Errorf("replacement's PodScheduled condition: got %+v, want False for insufficient cpu", c)
		}
		return nil
	})
	if p := podsOf(t, a, "vip")[0].Spec.Priority; p == nil || *p != 1000 {
		t.Errorf("vip pod priority: got %v, want 1000 from class high", p)
	}
}
