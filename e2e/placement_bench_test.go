package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// boundPods counts pods of app that have a node, as agent a sees them.
func boundPods(b *testing.B, a *testcluster.Agent, app string) (bound, total int) {
	objs, err := a.Client().List(context.Background(), "pods", "default", "app="+app)
	if err != nil {
		b.Fatal(err)
	}
	for _, o := range objs {
		p := o.(*api.Pod)
		if p.Status.Phase == api.PodFailed {
			continue
		}
		total++
		if p.Spec.NodeName != "" {
			bound++
		}
	}
	return bound, total
}

// BenchmarkDeployment1000 measures end-to-end placement on a 3-agent
// cluster: from `apply` of a 1,000-replica Deployment to all 1,000 pods
// created and bound to nodes in the Raft log (read back from a follower).
func BenchmarkDeployment1000(b *testing.B) {
	c := testcluster.New(b, "--max-pods", "1000", "--cpu", "32")
	for i := 1; i <= 3; i++ {
		c.Add(fmt.Sprintf("n%d", i))
	}
	const replicas = 1000
	var total time.Duration
	for i := 0; i < b.N; i++ {
		name := fmt.Sprintf("big%d", i)
		start := time.Now()
		if _, err := c.Agents[0].Client().Apply(context.Background(), deployment(name, replicas, "")); err != nil {
			b.Fatal(err)
		}
		for {
			bound, all := boundPods(b, c.Agents[1], name)
			if bound == replicas {
				break
			}
			if time.Since(start) > 2*time.Minute {
				b.Fatalf("after 2 minutes: %d pods, %d bound; want %d bound", all, bound, replicas)
			}
			time.Sleep(50 * time.Millisecond)
		}
		total += time.Since(start)
	}
	b.ReportMetric(float64(replicas*b.N)/total.Seconds(), "pods/s")
	b.ReportMetric(total.Seconds()/float64(b.N), "s/1000-pods")
}

// BenchmarkNodeKillToReplacement measures the time from kill -9 of a node
// holding 10 of 30 pods to all 30 pods being bound to live nodes again
// (gossip failure detection with --gossip-fast, plus --node-grace 1s).
func BenchmarkNodeKillToReplacement(b *testing.B) {
	var total time.Duration
	for i := 0; i < b.N; i++ {
		c := testcluster.New(b, "--node-grace", "1s")
		for j := 1; j <= 3; j++ {
			c.Add(fmt.Sprintf("n%d", j))
		}
		if _, err := c.Agents[0].Client().Apply(context.Background(), deployment("web", 30, "")); err != nil {
			b.Fatal(err)
		}
		testcluster.Eventually(b, 30*time.Second, func() error {
			if bound, _ := boundPods(b, c.Agents[0], "web"); bound != 30 {
				return fmt.Errorf("%d of 30 bound", bound)
			}
			return nil
		})
		victim := c.Agents[2]
		start := time.Now()
		victim.Kill()
		testcluster.Eventually(b, 60*time.Second, func() error {
			objs, err := c.Agents[0].Client().List(context.Background(), "pods", "default", "app=web")
			if err != nil {
				return err
			}
			live := 0
			for _, o := range objs {
				p := o.(*api.Pod)
				if p.Status.Phase != api.PodFailed && p.Spec.NodeName != "" && p.Spec.NodeName != victim.Name {
					live++
				}
			}
			if live != 30 {
				return fmt.Errorf("%d of 30 pods on live nodes", live)
			}
			return nil
		})
		total += time.Since(start)
	}
	b.ReportMetric(total.Seconds()/float64(b.N), "s/replacement")
}
