package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

const benchDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: %[2]d
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
        - name: sh
          image: shoal.local/busybox:1
          command: ["sleep", "3600"]
`

// runningSince polls app's pods every 10 ms until want of them run and
// returns, per pod, how long after start it was first seen Running.
func runningSince(b *testing.B, a *testcluster.Agent, app string, want int, start time.Time) []time.Duration {
	b.Helper()
	cl := a.Client()
	seen := map[string]time.Duration{}
	deadline := start.Add(5 * time.Minute)
	for len(seen) < want {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d pods of %s running after 5m", len(seen), want, app)
		}
		objs, err := cl.List(context.Background(), "pods", "default", "app="+app)
		if err != nil {
			b.Fatal(err)
		}
		now := time.Since(start)
		for _, o := range objs {
			p := o.(*api.Pod)
			if _, ok := seen[p.Name]; !ok && p.Status.Phase == api.PodRunning {
				seen[p.Name] = now
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	out := make([]time.Duration, 0, len(seen))
	for _, d := range seen {
		out = append(out, d)
	}
	slices.Sort(out)
	return out
}

func pctl(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(float64(len(ds))*p))]
}

// BenchmarkApplyToRunning measures apply → Running on one node with a
// local image: one pod at a time (p50/p99 over b.N pods), and a
// 50-replica Deployment (p50/p99 over its pods, and the time until all
// run). It also reports the agent's RSS idle and with 50 pods, and memory
// per running pod (agent growth plus containerd shims).
//
// With SHOAL_BENCH_LOG=FILE the agent logs at debug level and its log is
// written to FILE at the end (timings of controller passes, sandboxes,
// container create and start).
func BenchmarkApplyToRunning(b *testing.B) {
	var args []string
	logTo := os.Getenv("SHOAL_BENCH_LOG")
	if logTo != "" {
		args = append(args, "--log-level", "debug")
	}
	c := testcluster.NewNetNS(b, args...)
	c.Add("n1")
	importImages(b, c)
	n1 := c.Agents[0]
	if logTo != "" {
		b.Cleanup(func() {
			if err := os.WriteFile(logTo, []byte(n1.Log()), 0o644); err != nil {
				b.Error(err)
			}
		})
	}
	time.Sleep(2 * time.Second)
	idle, _ := n1.RSS()

	b.Run("pods=1", func(b *testing.B) {
		var lat []time.Duration
		for i := 0; b.Loop(); i++ {
			name := fmt.Sprintf("one-%d", i)
			start := time.Now()
			if _, err := n1.Client().Apply(context.Background(), []byte(fmt.Sprintf(benchDeployment, name, 1))); err != nil {
				b.Fatal(err)
			}
			got := runningSince(b, n1, name, 1, start)
			lat = append(lat, got...)
			b.StopTimer()
			if logTo != "" {
				// For the per-phase trace against the agent's log.
				b.Logf("%s applied at %s, seen Running %.1f ms later", name, start.UTC().Format("15:04:05.000"), float64(got[0].Microseconds())/1000)
			}
			if err := n1.Client().Delete(context.Background(), "deployments", "default", name); err != nil {
				b.Fatal(err)
			}
			// The next pod starts on a quiet node, not during this one's
			// teardown.
			waitNoShims(b, n1)
			b.StartTimer()
		}
		b.ReportMetric(float64(pctl(lat, 0.5).Milliseconds()), "p50-ms")
		b.ReportMetric(float64(pctl(lat, 0.99).Milliseconds()), "p99-ms")
	})

	b.Run("pods=50", func(b *testing.B) {
		var lat []time.Duration
		var all time.Duration
		var loaded, shims int64
		for i := 0; b.Loop(); i++ {
			name := fmt.Sprintf("fifty-%d", i)
			start := time.Now()
			if _, err := n1.Client().Apply(context.Background(), []byte(fmt.Sprintf(benchDeployment, name, 50))); err != nil {
				b.Fatal(err)
			}
			got := runningSince(b, n1, name, 50, start)
			lat = append(lat, got...)
			all += got[len(got)-1]
			b.StopTimer()
			time.Sleep(2 * time.Second)
			loaded, _ = n1.RSS()
			shims = shimRSS(b, n1)
			if err := n1.Client().Delete(context.Background(), "deployments", "default", name); err != nil {
				b.Fatal(err)
			}
			waitNoShims(b, n1)
			b.StartTimer()
		}
		b.ReportMetric(float64(pctl(lat, 0.5).Milliseconds()), "p50-ms")
		b.ReportMetric(float64(pctl(lat, 0.99).Milliseconds()), "p99-ms")
		b.ReportMetric(float64(all.Milliseconds())/float64(b.N), "all-running-ms")
		b.ReportMetric(float64(idle)/(1<<20), "agent-idle-MiB")
		b.ReportMetric(float64(loaded)/(1<<20), "agent-50pods-MiB")
		b.ReportMetric(float64(loaded-idle+shims)/50/(1<<20), "MiB/pod")
	})
}

// waitNoShims waits until a has no containerd shim left.
func waitNoShims(b *testing.B, a *testcluster.Agent) {
	testcluster.Eventually(b, 2*time.Minute, func() error {
		if n := shimCount(a); n > 0 {
			return fmt.Errorf("%d shims left", n)
		}
		return nil
	})
}

// shimPIDs lists containerd shims started for agent a (their command line
// names a's containerd socket).
func shimPIDs(a *testcluster.Agent) []int {
	sock := filepath.Join(a.DataDir, "containerd")
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(cmd), "containerd-shim") && strings.Contains(string(cmd), sock) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func shimCount(a *testcluster.Agent) int { return len(shimPIDs(a)) }

// shimRSS sums the RSS of a's shims.
func shimRSS(b *testing.B, a *testcluster.Agent) int64 {
	var sum int64
	for _, pid := range shimPIDs(a) {
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(st), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
				sum += kb << 10
			}
		}
	}
	return sum
}
