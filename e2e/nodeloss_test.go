package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
	"github.com/shoal-dev/shoal/placement/controller"
)

// hostCondition returns node's HostReachable condition as a sees it.
func hostCondition(ctx context.Context, a *testcluster.Agent, node string) (*api.NodeCondition, error) {
	o, err := a.Client().Get(ctx, "nodes", "", node)
	if err != nil {
		return nil, err
	}
	return o.(*api.Node).Condition(controller.NodeHostReachable), nil
}

// TestHostKillReplacesAtOnceAgentRestartNothing runs three hosts with a
// node grace of 50 s (evidence shortens node graces below a minute), so
// only the evidence about a machine can make
// pods move within the test. An agent that is down while its machine
// runs (its kernel refuses connections) gets HostReachable True and
// nothing of its node is given up or restarted; a host killed whole
// (interface down, every process killed) gets HostReachable False and
// its Deployment pods are Failed with the evidence and Running on the
// other hosts.
func TestHostKillReplacesAtOnceAgentRestartNothing(t *testing.T) {
	t.Parallel()
	_, as := hostCluster(t, 3, "--node-grace", "50s")
	ctx := context.Background()
	leader, followers := leaderHost(t, as)
	if _, err := leader.Client().Apply(ctx, sleeperDeployment("nl", 6)); err != nil {
		t.Fatal(err)
	}
	uids := map[string]string{}
	testcluster.Eventually(t, 2*time.Minute, func() error {
		objs, err := leader.Client().List(ctx, "pods", "default", "app=nl")
		if err != nil {
			return err
		}
		clear(uids)
		nodes := map[string]int{}
		for _, o := range objs {
			p := o.(*api.Pod)
			if p.Status.Phase != api.PodRunning {
				return fmt.Errorf("pod %s %s", p.Name, p.Status.Phase)
			}
			uids[p.Name] = string(p.UID)
			nodes[p.Spec.NodeName]++
		}
		if len(uids) != 6 || nodes[followers[0].Name] == 0 || nodes[followers[1].Name] == 0 {
			return fmt.Errorf("%d of 6 Running, spread %v", len(uids), nodes)
		}
		return nil
	})

	t.Run("agent down, machine up: nothing moves", func(t *testing.T) {
		a := followers[0]
		a.Kill()
		testcluster.Eventually(t, 30*time.Second, func() error {
			c, err := hostCondition(ctx, leader.Agent, a.Name)
			if err != nil {
				return err
			}
			if c == nil || c.Status != api.ConditionTrue {
				return fmt.Errorf("HostReachable %+v, want True", c)
			}
			return nil
		})
		if err := a.StartWith(a.args...); err != nil {
			t.Fatalf("restart %s: %v", a.Name, err)
		}
		a.WaitReady(60 * time.Second)
		testcluster.Eventually(t, 30*time.Second, func() error {
			c, err := hostCondition(ctx, leader.Agent, a.Name)
			if err != nil || c != nil {
				return fmt.Errorf("HostReachable %+v (%v), want none once the agent is back", c, err)
			}
			return nil
		})
		objs, err := leader.Client().List(ctx, "pods", "default", "app=nl")
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range objs {
			p := o.(*api.Pod)
			if uids[p.Name] != string(p.UID) || p.Status.Phase != api.PodRunning || restarts(p) > 0 {
				t.Errorf("pod %s: %s on %s, %d restarts: the agent restart moved or restarted it", p.Name, p.Status.Phase, p.Spec.NodeName, restarts(p))
			}
		}
		if len(objs) != 6 {
			t.Errorf("got %d pods, want the same 6", len(objs))
		}
	})

	t.Run("host killed: its pods Running elsewhere", func(t *testing.T) {
		victim := followers[1]
		// The ReplicaSet deletes a Failed pod as soon as it replaced it,
		// which can be within milliseconds: note each one's status from
		// a poller that runs from before the kill.
		var mu sync.Mutex
		why := map[string]*api.Pod{}
		pollCtx, stopPoll := context.WithCancel(ctx)
		polled := make(chan struct{})
		go func() {
			defer close(polled)
			for pollCtx.Err() == nil {
				if objs, err := leader.Client().List(pollCtx, "pods", "default", "app=nl"); err == nil {
					mu.Lock()
					for _, o := range objs {
						if p := o.(*api.Pod); p.Spec.NodeName == victim.Name && p.Status.Phase == api.PodFailed {
							why[p.Name] = p
						}
					}
					mu.Unlock()
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
		victim.killHost(t)
		testcluster.Eventually(t, 40*time.Second, func() error {
			running, _, err := runningSpread(ctx, leader.Agent, "nl")
			if err != nil {
				return err
			}
			if n := running[leader.Name] + running[followers[0].Name]; n != 6 {
				return fmt.Errorf("%d of 6 Running on live hosts (%v)", n, running)
			}
			return nil
		})
		stopPoll()
		<-polled
		mu.Lock()
		defer mu.Unlock()
		c, err := hostCondition(ctx, leader.Agent, victim.Name)
		if err != nil || c == nil || c.Status != api.ConditionFalse {
			t.Errorf("HostReachable of the killed host: %+v (%v), want False", c, err)
		}
		for _, p := range why {
			if p.Status.Reason != controller.ReasonNodeLost || !strings.Contains(p.Status.Message, "machine did not answer") {
				t.Errorf("pod %s of the killed host: %s %q, want NodeLost naming the evidence", p.Name, p.Status.Reason, p.Status.Message)
			}
		}
		if len(why) == 0 {
			t.Error("no pod of the killed host seen Failed")
		}
	})
}

// processesWith counts processes whose environment has MARKER=marker.
func processesWith(marker string) int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, kv := range strings.Split(string(env), "\x00") {
			if kv == "MARKER="+marker {
				n++
				break
			}
		}
	}
	return n
}

const movingStatefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: ident
spec:
  serviceName: ident
  replicas: 1
  selector:
    matchLabels: {app: ident}
  template:
    metadata:
      labels: {app: ident}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: db
          image: shoal.local/busybox:1
          command: ["sleep", "3600"]
          env: [{name: MARKER, value: ident-db}]
`

// TestHostCutStatefulSetNeverRunsTwice cuts the host of a StatefulSet pod
// off the network (it looks gone, HostReachable False, but it runs on
// and keeps its pod until it fences itself) and watches every 10 ms that
// the identity's container never runs twice on the machine, until the
// replacement runs on another host. Fast node-loss handling must leave
// StatefulSet pods to the fence.
func TestHostCutStatefulSetNeverRunsTwice(t *testing.T) {
	t.Parallel()
	_, as := hostCluster(t, 3, "--fence-after", "3s")
	ctx := context.Background()
	leader, followers := leaderHost(t, as)
	if _, err := leader.Client().Apply(ctx, []byte(movingStatefulSet)); err != nil {
		t.Fatal(err)
	}
	var host *hostAgent
	testcluster.Eventually(t, 2*time.Minute, func() error {
		pods := podsOf(t, leader.Agent, "ident")
		if len(pods) != 1 || pods[0].Status.Phase != api.PodRunning || processesWith("ident-db") != 1 {
			return fmt.Errorf("ident-0 not Running yet")
		}
		for _, f := range followers {
			if f.Name == pods[0].Spec.NodeName {
				host = f
			}
		}
		if host == nil {
			// On the leader: delete it so it lands on a follower, whose
			// cut leaves the cluster a majority.
			_ = leader.Client().Delete(ctx, "pods", "default", pods[0].Name)
			return fmt.Errorf("ident-0 on the leader %s", pods[0].Spec.NodeName)
		}
		return nil
	})
	var most atomic.Int32
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			if n := int32(processesWith("ident-db")); n > most.Load() {
				most.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	host.link(t, "down")
	t.Cleanup(func() { host.link(t, "up") })
	testcluster.Eventually(t, 60*time.Second, func() error {
		pods := podsOf(t, leader.Agent, "ident")
		if len(pods) != 1 || pods[0].Spec.NodeName == host.Name || pods[0].Status.Phase != api.PodRunning {
			return fmt.Errorf("ident-0 not Running on another host yet")
		}
		return nil
	})
	close(stop)
	<-watched
	if c, err := hostCondition(ctx, leader.Agent, host.Name); err != nil || c == nil || c.Status != api.ConditionFalse {
		t.Errorf("HostReachable of the cut host: %+v (%v), want False (it looks gone)", c, err)
	}
	if n := most.Load(); n != 1 {
		t.Fatalf("saw %d containers of StatefulSet identity ident-0 at once, want 1", n)
	}
}
