package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

const deploymentYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %s
spec:
  replicas: %d
  selector:
    matchLabels:
      app: %s
  template:
    metadata:
      labels:
        app: %s
    spec:
      %s
      containers:
        - name: web
          image: shoal.local/testserver:1
          resources:
            requests:
              cpu: 10m
              memory: 16Mi
`

func deployment(name string, replicas int, extraSpec string) []byte {
	return []byte(fmt.Sprintf(deploymentYAML, name, replicas, name, name, extraSpec))
}

// podsOf lists the live pods whose app label is app, as agent a sees them.
func podsOf(t *testing.T, a *testcluster.Agent, app string) []*api.Pod {
	t.Helper()
	objs, err := a.Client().List(context.Background(), "pods", "default", "app="+app)
	if err != nil {
		t.Fatalf("list pods: %v", err)
	}
	var pods []*api.Pod
	for _, o := range objs {
		p := o.(*api.Pod)
		if p.Status.Phase != api.PodFailed && p.Status.Phase != api.PodSucceeded {
			pods = append(pods, p)
		}
	}
	return pods
}

// spread counts pods per node ("" for unscheduled).
func spread(pods []*api.Pod) map[string]int {
	out := map[string]int{}
	for _, p := range pods {
		out[p.Spec.NodeName]++
	}
	return out
}

func apply(t *testing.T, a *testcluster.Agent, manifest []byte) {
	t.Helper()
	if _, errOut, err := a.CLIWithInput(manifest, "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v: %s", err, errOut)
	}
}

func TestDeploymentSpreadsAndSurvivesNodeLoss(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 3, "--node-grace", "2s")
	apply(t, c.Agents[0], deployment("web", 6, ""))
	testcluster.Eventually(t, 20*time.Second, func() error {
		got := spread(podsOf(t, c.Agents[1], "web"))
		if got["n1"] != 2 || got["n2"] != 2 || got["n3"] != 2 {
			return fmt.Errorf("got pods per node %v, want 2/2/2", got)
		}
		return nil
	})

	// Kill a node that does not lead: its pods move to the two others.
	leader := leaderOf(t, c.Agents[0])
	var victim *testcluster.Agent
	for _, a := range c.Agents {
		if a.Name != leader {
			victim = a
			break
		}
	}
	var observer *testcluster.Agent
	for _, a := range c.Agents {
		if a != victim {
			observer = a
			break
		}
	}
	victim.Kill()
	killed := time.Now()
	testcluster.Eventually(t, 30*time.Second, func() error {
		pods := podsOf(t, observer, "web")
		got := spread(pods)
		if len(pods) != 6 || got[victim.Name] != 0 || got[""] != 0 {
			return fmt.Errorf("got pods per node %v (%d pods), want 6 pods on the two live nodes", got, len(pods))
		}
		return nil
	})
	t.Logf("pods of killed node %s replaced %.1fs after kill -9 (node grace 2s)", victim.Name, time.Since(killed).Seconds())
}

func TestUnschedulablePodSaysWhy(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 2)
	apply(t, c.Agents[0], deployment("picky", 1, "nodeSelector:\n        disk: ssd"))
	testcluster.Eventually(t, 20*time.Second, func() error {
		pods := podsOf(t, c.Agents[1], "picky")
		if len(pods) != 1 {
			return fmt.Errorf("got %d pods, want 1", len(pods))
		}
		p := pods[0]
		for _, cond := range p.Status.Conditions {
			if cond.Type == api.PodScheduled && cond.Status == api.ConditionFalse {
				if want := "0/2 nodes are available: 2 node(s) didn't match nodeSelector"; cond.Message != want {
					return fmt.Errorf("got reason %q, want %q", cond.Message, want)
				}
				return nil
			}
		}
		return fmt.Errorf("pod %s has no PodScheduled=False condition: %+v", p.Name, p.Status.Conditions)
	})
	out, _, err := c.Agents[0].CLI("get", "pods")
	if err != nil || !strings.Contains(out, "Pending") {
		t.Fatalf("get pods: got %q (%v), want a Pending pod", out, err)
	}
}

const statefulSetYAML = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 3
  podManagementPolicy: %s
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
        - name: db
          image: shoal.local/testserver:1
`

func TestStatefulSetOrdering(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 2)
	// OrderedReady: db-1 waits for db-0 to be Ready. Pods only become
	// Ready once agents run them (the runtime issue), so here db-0 alone
	// exists and stays there.
	apply(t, c.Agents[0], []byte(fmt.Sprintf(statefulSetYAML, "OrderedReady")))
	testcluster.Eventually(t, 20*time.Second, func() error {
		pods := podsOf(t, c.Agents[1], "db")
		if len(pods) != 1 || pods[0].Name != "db-0" || pods[0].Spec.NodeName == "" {
			return fmt.Errorf("got %d pods %v, want only db-0, scheduled", len(pods), names(pods))
		}
		if pods[0].Spec.Hostname != "db-0" || pods[0].Spec.Subdomain != "db" {
			return fmt.Errorf("db-0: got hostname %q subdomain %q, want db-0 and db", pods[0].Spec.Hostname, pods[0].Spec.Subdomain)
		}
		return nil
	})
	time.Sleep(2 * time.Second)
	if pods := podsOf(t, c.Agents[1], "db"); len(pods) != 1 {
		t.Fatalf("got pods %v while db-0 is not Ready, want only db-0", names(pods))
	}
	// Parallel: all at once.
	if _, errOut, err := c.Agents[0].CLI("delete", "statefulset", "db"); err != nil {
		t.Fatalf("delete: %v: %s", err, errOut)
	}
	testcluster.Eventually(t, 20*time.Second, func() error {
		if pods := podsOf(t, c.Agents[1], "db"); len(pods) != 0 {
			return fmt.Errorf("got pods %v after deleting the set, want none (cascade)", names(pods))
		}
		return nil
	})
	apply(t, c.Agents[0], []byte(fmt.Sprintf(statefulSetYAML, "Parallel")))
	testcluster.Eventually(t, 20*time.Second, func() error {
		got := names(podsOf(t, c.Agents[1], "db"))
		if strings.Join(got, ",") != "db-0,db-1,db-2" {
			return fmt.Errorf("got pods %v, want db-0,db-1,db-2", got)
		}
		return nil
	})
}

func names(pods []*api.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	sort.Strings(out)
	return out
}

const daemonSetYAML = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agentd
spec:
  selector:
    matchLabels:
      app: agentd
  template:
    metadata:
      labels:
        app: agentd
    spec:
      containers:
        - name: agentd
          image: shoal.local/testserver:1
`

func TestDaemonSetFollowsNodes(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 2)
	apply(t, c.Agents[0], []byte(daemonSetYAML))
	want := func(nodes ...string) func() error {
		return func() error {
			got := spread(podsOf(t, c.Agents[0], "agentd"))
			if len(got) != len(nodes) {
				return fmt.Errorf("got daemon pods per node %v, want one on each of %v", got, nodes)
			}
			for _, n := range nodes {
				if got[n] != 1 {
					return fmt.Errorf("got daemon pods per node %v, want one on each of %v", got, nodes)
				}
			}
			return nil
		}
	}
	testcluster.Eventually(t, 20*time.Second, want("n1", "n2"))
	n3 := c.Add("n3")
	testcluster.Eventually(t, 20*time.Second, want("n1", "n2", "n3"))
	if _, errOut, err := n3.CLI("leave"); err != nil {
		t.Fatalf("leave: %v: %s", err, errOut)
	}
	testcluster.Eventually(t, 20*time.Second, want("n1", "n2"))
}

func TestCordonAndDrain(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 3)
	apply(t, c.Agents[0], deployment("web", 6, ""))
	testcluster.Eventually(t, 20*time.Second, func() error {
		if got := spread(podsOf(t, c.Agents[0], "web")); got["n3"] != 2 {
			return fmt.Errorf("got pods per node %v, want 2 on n3", got)
		}
		return nil
	})
	out, errOut, err := c.Agents[0].CLI("drain", "n3", "--timeout", "30s")
	if err != nil {
		t.Fatalf("drain: %v: %s", err, errOut)
	}
	for _, w := range []string{"node/n3 cordoned", "evicting pod default/web-", "node/n3 drained"} {
		if !strings.Contains(out, w) {
			t.Fatalf("drain output %q lacks %q", out, w)
		}
	}
	testcluster.Eventually(t, 20*time.Second, func() error {
		pods := podsOf(t, c.Agents[0], "web")
		got := spread(pods)
		if len(pods) != 6 || got["n3"] != 0 || got[""] != 0 {
			return fmt.Errorf("got pods per node %v, want 6 pods on n1 and n2", got)
		}
		return nil
	})
	out, _, err = c.Agents[0].CLI("get", "nodes")
	if err != nil || !strings.Contains(out, "Ready,SchedulingDisabled") {
		t.Fatalf("get nodes: got %q (%v), want n3 Ready,SchedulingDisabled", out, err)
	}
	if _, errOut, err := c.Agents[0].CLI("uncordon", "n3"); err != nil {
		t.Fatalf("uncordon: %v: %s", err, errOut)
	}
	// New pods may go to n3 again.
	if _, errOut, err := c.Agents[0].CLI("scale", "deployment/web", "--replicas", "9"); err != nil {
		t.Fatalf("scale: %v: %s", err, errOut)
	}
	testcluster.Eventually(t, 20*time.Second, func() error {
		pods := podsOf(t, c.Agents[0], "web")
		if got := spread(pods); len(pods) != 9 || got["n3"] == 0 {
			return fmt.Errorf("got pods per node %v, want 9 pods, some on n3", got)
		}
		return nil
	})
}

// Free CPU that a node gossips leaves out what its pods requested.
func TestFreeResourcesCountRequests(t *testing.T) {
	skipShort(t)
	c := testcluster.New(t)
	n1 := c.Add("n1", "--cpu", "2")
	yaml := strings.Replace(string(deployment("greedy", 3, "")), "cpu: 10m", "cpu: 500m", 1)
	apply(t, n1, []byte(yaml))
	testcluster.Eventually(t, 30*time.Second, func() error {
		obj, err := n1.Client().Get(context.Background(), "nodes", "", "n1")
		if err != nil {
			return err
		}
		free, err := api.ParseQuantity(obj.GetObjectMeta().Annotations[api.AnnotationFreeCPU])
		if err != nil {
			return err
		}
		if free.MilliValue() > 500 {
			return fmt.Errorf("free cpu %s with 1500m requested of 2", free.String())
		}
		return nil
	})
}
