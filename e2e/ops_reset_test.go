package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
)

const resetAppYAML = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: web
          image: shoal.local/testserver:1
          ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`

// leftovers lists what an agent leaves on its host (a network namespace
// here): the bridge, the nftables table, routes, mounts under its data
// dir, the data dir, and processes in the host's network namespace.
func leftovers(t *testing.T, a *testcluster.Agent) []string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var left []string
	if out, err := a.InNetNS(ctx, "ip", "link", "show", "shoal0"); err == nil {
		left = append(left, "bridge shoal0: "+strings.TrimSpace(out))
	}
	if _, err := a.InNetNS(ctx, "nft", "list", "table", "ip", "shoal"); err == nil {
		left = append(left, "nftables table ip shoal")
	}
	if out, err := a.InNetNS(ctx, "ip", "route", "show", "proto", "94"); err != nil || strings.TrimSpace(out) != "" {
		left = append(left, fmt.Sprintf("routes proto 94: %q %v", out, err))
	}
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if fields := strings.Fields(sc.Text()); len(fields) > 4 && strings.HasPrefix(fields[4], a.DataDir+"/") {
			left = append(left, "mount "+fields[4])
		}
	}
	if _, err := os.Stat(a.DataDir); err == nil {
		left = append(left, "data dir "+a.DataDir)
	}
	var host syscall.Stat_t
	if err := syscall.Stat("/run/netns/"+a.NetNS(), &host); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st syscall.Stat_t
		if syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &st) == nil && st.Ino == host.Ino {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			left = append(left, fmt.Sprintf("process %d %s", pid, strings.TrimSpace(string(comm))))
		}
	}
	return left
}

// TestResetLeavesNothing: an agent in its own network namespace runs pods
// behind a NodePort Service with its own containerd; `shoal reset` is
// refused while it runs; once the agent is killed (its shims and pods
// still running, as after `systemctl stop` with KillMode=process), reset
// removes the pods, containerd's state and process, the bridge, the
// nftables table, the routes, the mounts and the data dir.
func TestResetLeavesNothing(t *testing.T) {
	skipShort(t)
	t.Parallel()
	c := podCluster(t, "n1")
	n1 := c.Agents[0]
	apply(t, n1, []byte(resetAppYAML))
	waitReadyPods(t, n1, "web", 2)
	reset := func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		return n1.InNetNS(ctx, c.Bin(), "reset", "--force", "--data-dir", n1.DataDir,
			"--containerd-address", n1.DataDir+"/containerd/containerd.sock")
	}
	out, err := reset()
	if err == nil || !strings.Contains(out, "agent is running") {
		t.Fatalf("reset while the agent runs: got %v\n%s\nwant a refusal", err, out)
	}
	if _, err := os.Stat(n1.DataDir); err != nil {
		t.Fatalf("the refused reset touched the data dir: %v", err)
	}

	n1.Kill()
	before := leftovers(t, n1)
	for _, want := range []string{"bridge shoal0", "nftables table", "mount ", "process "} {
		if !strings.Contains(strings.Join(before, "\n"), want) {
			t.Fatalf("before reset: want the agent to have left %q, got %q", want, before)
		}
	}
	out, err = reset()
	if err != nil {
		t.Fatalf("reset: %v\n%s", err, out)
	}
	t.Logf("reset:\n%s", out)
	testcluster.Eventually(t, 10*time.Second, func() error {
		if left := leftovers(t, n1); len(left) > 0 {
			return fmt.Errorf("left after reset:\n%s", strings.Join(left, "\n"))
		}
		return nil
	})
}
