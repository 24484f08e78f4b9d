package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// hostAgent is an agent of a netns cluster (its own "host": network
// namespace, containerd and pods) started with default timings: no
// --gossip-fast, no --node-grace, no --fence-after unless extra sets them.
type hostAgent struct {
	*testcluster.Agent
	args []string
}

// addHostAgent starts agent name of netns cluster c with default timings
// plus extra flags, joining the first agent, and waits until it is ready.
func addHostAgent(t testing.TB, c *testcluster.Cluster, name string, extra ...string) *hostAgent {
	t.Helper()
	a := c.NewAgent(name)
	args := append([]string{
		"agent", "--name", name, "--data-dir", a.DataDir, "--bind", a.IP,
		"--containerd-address", filepath.Join(a.DataDir, "containerd", "containerd.sock"),
	}, extra...)
	start := args
	if len(c.Agents) > 0 {
		start = append(append([]string(nil), args...), "--join", c.Agents[0].APIAddr(), "--token", c.Token())
	}
	c.Agents = append(c.Agents, a)
	if err := a.StartWith(start...); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	a.WaitReady(30 * time.Second)
	return &hostAgent{Agent: a, args: args}
}

// hostCluster starts n host agents n1…nN with default timings plus extra
// and imports the test images into each.
func hostCluster(t testing.TB, n int, extra ...string) (*testcluster.Cluster, []*hostAgent) {
	t.Helper()
	c := testcluster.NewNetNS(t)
	var as []*hostAgent
	for i := 1; i <= n; i++ {
		as = append(as, addHostAgent(t, c, fmt.Sprintf("n%d", i), extra...))
	}
	importImages(t, c)
	return c, as
}

// link sets the host's only interface up or down: down, the machine
// stops answering anything (ARP, TCP) as a powered-off one does.
func (h *hostAgent) link(t testing.TB, state string) {
	t.Helper()
	if out, err := exec.Command("ip", "-n", h.NetNS(), "link", "set", "eth0", state).CombinedOutput(); err != nil {
		t.Fatalf("link %s of %s: %v %s", state, h.Name, err, out)
	}
}

// killHost is kill -9 of the whole machine (testcluster's KillHost: its
// interface goes down, then agent, containerd, shims and containers get
// SIGKILL).
func (h *hostAgent) killHost(testing.TB) { h.KillHost() }

// restartHost brings a killed host back: interface up, agent started
// again (it starts its own containerd) and ready.
func (h *hostAgent) restartHost(t testing.TB) {
	t.Helper()
	h.PowerOn()
	if err := h.StartWith(h.args...); err != nil {
		t.Fatalf("restart %s: %v", h.Name, err)
	}
	h.WaitReady(60 * time.Second)
}

// sleeperDeployment is a Deployment of n busybox pods that sleep, quick
// to stop.
func sleeperDeployment(name string, n int) []byte {
	return []byte(fmt.Sprintf(`apiVersion: apps/v1
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
      terminationGracePeriodSeconds: 1
      containers:
        - name: sh
          image: shoal.local/busybox:1
          command: ["sleep", "3600"]
          resources: {requests: {cpu: 10m, memory: 8Mi}}
`, name, n))
}

// runningSpread lists app's pods as a sees them and returns how many are
// Running per node and how many live (not Failed or Succeeded) pods
// there are.
func runningSpread(ctx context.Context, a *testcluster.Agent, app string) (map[string]int, int, error) {
	objs, err := a.Client().List(ctx, "pods", "default", "app="+app)
	if err != nil {
		return nil, 0, err
	}
	running, live := map[string]int{}, 0
	for _, o := range objs {
		p := o.(*api.Pod)
		if p.Status.Phase == api.PodFailed || p.Status.Phase == api.PodSucceeded || p.DeletionTimestamp != nil {
			continue
		}
		live++
		if p.Status.Phase == api.PodRunning {
			running[p.Spec.NodeName]++
		}
	}
	return running, live, nil
}

// leaderHost returns the agent that leads (as as[0] sees it) and the
// others.
func leaderHost(t testing.TB, as []*hostAgent) (*hostAgent, []*hostAgent) {
	t.Helper()
	var name string
	testcluster.Eventually(t, 60*time.Second, func() error {
		st, err := as[0].Client().Status(context.Background())
		if err != nil {
			return err
		}
		if r := roles(st); st.Leader == "" || r[api.RoleLeader] != 1 || r[api.RoleVoter] != len(as)-1 {
			return fmt.Errorf("raft roles %v", r)
		}
		name = st.Leader
		return nil
	})
	var leader *hostAgent
	var rest []*hostAgent
	for _, a := range as {
		if a.Name == name {
			leader = a
		} else {
			rest = append(rest, a)
		}
	}
	return leader, rest
}
