package faults

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
	"github.com/shoal-dev/shoal/internal/testimage"
)

// wlExampleHost is the host the example app's Ingress routes.
const wlExampleHost = "app.example.com"

// wlExampleApp is examples/app.yaml, the example app a user deploys
// first: Deployment web (the test server), Service web, Ingress web.
func wlExampleApp(t *testing.T) []byte {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "examples", "app.yaml"))
	if err != nil {
		t.Fatalf("read the example app: %v", err)
	}
	return b
}

// wlJoinLine is the join command the first agent prints.
var wlJoinLine = regexp.MustCompile(`(?m)^\s*shoal agent (--join \S+ --token \S+)(.*)$`)

// wlJoinCluster starts n1 alone, reads the join command it printed and
// starts the other agents with it, as a user does on each machine. Its
// output goes to a file, not a terminal, so the token in it is a
// placeholder that says what to run on n1 (`shoal token`): the test runs
// that. It returns the cluster, once every node is Ready, and how long
// that took from the joiners' start.
func wlJoinCluster(t *testing.T, names []string, args ...string) (*testcluster.Cluster, time.Duration) {
	t.Helper()
	c := testcluster.NewNetNS(t, args...)
	n1 := c.NewAgent(names[0])
	c.Agents = append(c.Agents, n1)
	if err := n1.Start(); err != nil {
		t.Fatalf("start %s: %v", n1.Name, err)
	}
	n1.WaitReady(30 * time.Second)
	var m []string
	testcluster.Eventually(t, 10*time.Second, func() error {
		if m = wlJoinLine.FindStringSubmatch(n1.Log()); m == nil {
			return fmt.Errorf("no join command in %s's output:\n%s", n1.Name, n1.Log())
		}
		return nil
	})
	join := strings.Fields(m[1])
	if tok := join[3]; tok == "TOKEN" {
		if !strings.Contains(m[2], "shoal token") {
			t.Fatalf("join command %q: the token is a placeholder, and the line does not say where to get it", m[0])
		}
		out, errOut, err := c.Run("token", "--data-dir", n1.DataDir)
		if err != nil {
			t.Fatalf("shoal token on %s: %v: %s", n1.Name, err, errOut)
		}
		join[3] = strings.TrimSpace(out)
	}
	t.Logf("%s printed: %s", n1.Name, strings.TrimSpace(m[0]))
	start := time.Now()
	for _, name := range names[1:] {
		a := c.NewAgent(name, join...)
		c.Agents = append(c.Agents, a)
		if err := a.Start(); err != nil {
			t.Fatalf("start %s: %v", name, err)
		}
	}
	wlWaitNodesReady(t, c.Agents[0], names, 60*time.Second)
	return c, time.Since(start)
}

// wlWaitNodesReady waits until a lists every named node Ready.
func wlWaitNodesReady(t *testing.T, a *testcluster.Agent, names []string, timeout time.Duration) {
	t.Helper()
	testcluster.Eventually(t, timeout, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		objs, err := a.Client().List(ctx, "nodes", "", "")
		if err != nil {
			return err
		}
		ready := map[string]bool{}
		for _, o := range objs {
			ready[o.GetObjectMeta().Name] = o.(*api.Node).IsReady()
		}
		for _, n := range names {
			if !ready[n] {
				return fmt.Errorf("node %s not Ready (nodes: %v)", n, ready)
			}
		}
		return nil
	})
}

// wlImportImages imports the test server and busybox images on every
// node.
func wlImportImages(t *testing.T, c *testcluster.Cluster) {
	t.Helper()
	dir := t.TempDir()
	for _, build := range []func(string) (string, string, error){testimage.TestServer, testimage.Busybox} {
		path, ref, err := build(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range c.Agents {
			testcluster.Eventually(t, 60*time.Second, func() error {
				if out, errOut, err := c.Agents[0].CLI("image", "import", path, "--node", a.Name); err != nil {
					return fmt.Errorf("import %s on %s: %v: %s%s", ref, a.Name, err, out, errOut)
				}
				return nil
			})
		}
	}
}

// wlApply applies a manifest through agent a.
func wlApply(t *testing.T, a *testcluster.Agent, manifest []byte) {
	t.Helper()
	if out, errOut, err := a.CLIWithInput(manifest, "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v: %s%s", err, out, errOut)
	}
}

// wlPods lists the live (not Failed, not Succeeded) pods labelled
// app=app, as agent a sees them.
func wlPods(t *testing.T, a *testcluster.Agent, app string) []*api.Pod {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	objs, err := a.Client().List(ctx, "pods", "default", "app="+app)
	if err != nil {
		t.Fatalf("list pods of %s: %v", app, err)
	}
	var pods []*api.Pod
	for _, o := range objs {
		p := o.(*api.Pod)
		if p.Status.Phase != api.PodFailed && p.Status.Phase != api.PodSucceeded && p.DeletionTimestamp == nil {
			pods = append(pods, p)
		}
	}
	return pods
}

// wlReady reports whether a pod's Ready condition is True.
func wlReady(p *api.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}

// wlWaitReady waits until app has exactly n live pods, all Ready and
// none on a node in avoid, and returns them.
func wlWaitReady(t *testing.T, a *testcluster.Agent, app string, n int, timeout time.Duration, avoid ...string) []*api.Pod {
	t.Helper()
	var got []*api.Pod
	testcluster.Eventually(t, timeout, func() error {
		got = wlPods(t, a, app)
		if len(got) != n {
			return fmt.Errorf("%d live pods of %s, want %d: %s", len(got), app, n, wlBrief(got))
		}
		for _, p := range got {
			if !wlReady(p) {
				return fmt.Errorf("pod %s not Ready: %s", p.Name, wlBrief(got))
			}
			for _, bad := range avoid {
				if p.Spec.NodeName == bad {
					return fmt.Errorf("pod %s still on %s", p.Name, bad)
				}
			}
		}
		return nil
	})
	return got
}

// wlBrief is "name@node phase restarts=N" for each pod.
func wlBrief(pods []*api.Pod) string {
	var parts []string
	for _, p := range pods {
		restarts := 0
		for _, cs := range p.Status.ContainerStatuses {
			restarts += int(cs.RestartCount)
		}
		parts = append(parts, fmt.Sprintf("%s@%s %s ready=%v restarts=%d", p.Name, p.Spec.NodeName, p.Status.Phase, wlReady(p), restarts))
	}
	return strings.Join(parts, ", ")
}

// wlAgent is the cluster's agent called name.
func wlAgent(t *testing.T, c *testcluster.Cluster, name string) *testcluster.Agent {
	t.Helper()
	for _, a := range c.Agents {
		if a.Name == name {
			return a
		}
	}
	t.Fatalf("no agent %s", name)
	return nil
}

// wlExcept is agents without the one called name.
func wlExcept(agents []*testcluster.Agent, name string) []*testcluster.Agent {
	var out []*testcluster.Agent
	for _, a := range agents {
		if a.Name != name {
			out = append(out, a)
		}
	}
	return out
}

// wlCheckNoFailures fails the test if any request of a load failed.
func wlCheckNoFailures(t *testing.T, what string, r testcluster.LoadResult) {
	t.Helper()
	t.Logf("%s: %s", what, r)
	if r.OK == 0 {
		t.Errorf("%s: no request answered; want a steady flow", what)
	}
	if len(r.Failures) > 0 {
		t.Errorf("%s: %d of %d requests failed, want 0", what, len(r.Failures), r.OK+len(r.Failures))
	}
}

// wlInPod runs a command in pod p through agent a (`shoal exec`).
func wlInPod(a *testcluster.Agent, p *api.Pod, args ...string) (string, error) {
	out, errOut, err := a.CLI(append([]string{"exec", p.Name, "--"}, args...)...)
	if err != nil {
		return out, fmt.Errorf("exec %s in pod %s: %v: %s%s", strings.Join(args, " "), p.Name, err, strings.TrimSpace(errOut), strings.TrimSpace(out))
	}
	return out, nil
}

// wlLeader is the Raft leader's name as a sees it.
func wlLeader(t *testing.T, a *testcluster.Agent) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := a.Client().Status(ctx)
	if err != nil {
		t.Fatalf("status of %s: %v", a.Name, err)
	}
	return st.Leader
}

// wlHealthy waits until node a's ingress passes a load balancer's health
// check: 20 requests in a row through it answered, by pods on all of
// the pods' nodes (so its routes to them are up). A restarted agent
// opens its ingress port a moment before it can reach every backend.
func wlHealthy(t *testing.T, a *testcluster.Agent, pods int) {
	t.Helper()
	testcluster.Eventually(t, 30*time.Second, func() error {
		load := testcluster.StartIngressLoad(t, []*testcluster.Agent{a}, wlExampleHost, "/", 1, 5*time.Second)
		deadline := time.Now().Add(10 * time.Second)
		for load.Answered() < 20 && time.Now().Before(deadline) {
			time.Sleep(20 * time.Millisecond)
		}
		r := load.Stop()
		if len(r.Failures) > 0 || r.OK < 20 || len(r.ByPod) < pods {
			return fmt.Errorf("health check through %s's ingress: %s", a.Name, r)
		}
		return nil
	})
}
