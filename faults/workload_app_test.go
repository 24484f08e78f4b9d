package faults

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// wlEnv is the cluster TestWorkloadFaults builds and its steps share.
type wlEnv struct {
	c       *testcluster.Cluster
	nodes   []*testcluster.Agent
	newBin  chan wlBuild // the upgrade's build, when ready
	version string
}

// wlBuild is a build of the shoal binary, or why it failed.
type wlBuild struct {
	bin string
	err error
}

// TestWorkloadFaults is issue 14's workload scenarios on one cluster of
// three machines (network namespaces), the default settings, and the
// example app, one fault after the other: each step leaves the cluster
// whole for the next, and the last one kills a machine for good.
func TestWorkloadFaults(t *testing.T) {
	t.Parallel() // mostly waiting on the cluster
	e := &wlEnv{newBin: make(chan wlBuild, 1), version: "v-upgrade-test"}
	// The upgrade's build compiles while the cluster starts.
	dir := t.TempDir()
	go func() {
		bin, err := testcluster.BuildVersion(dir, e.version)
		e.newBin <- wlBuild{bin, err}
	}()
	t.Cleanup(func() { <-e.newBin }) // before dir goes

	names := []string{"n1", "n2", "n3"}
	var joined time.Duration
	e.c, joined = wlJoinCluster(t, names)
	e.nodes = e.c.Agents
	t.Logf("measured: join-to-Ready %.2f s (two machines started with the printed command until all three nodes Ready)", joined.Seconds())
	wlImportImages(t, e.c)

	steps := []struct {
		name string
		run  func(*testing.T)
	}{
		{"example app answers by DNS name from a pod and through every node's ingress", e.exampleApp},
		{"agent and containerd restart: pods keep running, 0 failed requests", e.restarts},
		{"StatefulSet data survives pod restart and agent restart", e.statefulData},
		{"rolling update under load through the ingress: 0 failed requests", e.rollingUpdate},
		{"upgrade: agents restarted one by one onto a new build under load, 0 failed requests", e.upgrade},
		{"hard-kill a machine under load: pods replaced, traffic leaves it", e.killHost},
	}
	for _, s := range steps {
		if !t.Run(s.name, s.run) {
			return // later steps assume this one's state
		}
	}
}

// exampleApp deploys examples/app.yaml, scales web to one pod per node,
// and checks that the service answers by its DNS name from a pod and
// the Ingress through every node.
func (e *wlEnv) exampleApp(t *testing.T) {
	n1 := e.nodes[0]
	wlApply(t, n1, wlExampleApp(t))
	wlWaitReady(t, n1, "web", 2, 90*time.Second)
	if out, errOut, err := n1.CLI("scale", "deployment/web", "--replicas", "3"); err != nil {
		t.Fatalf("scale web to 3: %v: %s%s", err, out, errOut)
	}
	pods := wlWaitReady(t, n1, "web", 3, 60*time.Second)
	t.Logf("web pods: %s", wlBrief(pods))

	name := "web.default.svc.cluster.local"
	for _, p := range pods {
		testcluster.Eventually(t, 20*time.Second, func() error {
			out, err := wlInPod(n1, p, "/testserver", "get", "http://"+name+"/")
			if err != nil {
				return err
			}
			if !strings.Contains(out, `"hostname"`) {
				return fmt.Errorf("GET http://%s/ from pod %s: %q is not the test server's answer", name, p.Name, out)
			}
			return nil
		})
	}
	load := testcluster.StartIngressLoad(t, e.nodes, wlExampleHost, "/", 3, 10*time.Second)
	testcluster.Eventually(t, 30*time.Second, func() error {
		if load.Answered() < 30 {
			return fmt.Errorf("%d requests answered through the ingress", load.Answered())
		}
		return nil
	})
	r := load.Stop()
	for _, a := range e.nodes {
		if r.ByNode[a.Name] == 0 {
			t.Errorf("no request answered through %s's ingress: %s", a.Name, r)
		}
	}
	t.Logf("ingress of every node: %s", r)
}

// restarts: under load through the ingress of the two other nodes, n2's
// agent is killed and restarted, then its containerd: its pods are the
// same containers, never restarted, and no request fails.
func (e *wlEnv) restarts(t *testing.T) {
	n2 := e.nodes[1]
	before := map[string]string{} // pod → container ID
	for _, p := range wlPods(t, n2, "web") {
		if p.Spec.NodeName == n2.Name && len(p.Status.ContainerStatuses) > 0 {
			before[p.Name] = p.Status.ContainerStatuses[0].ContainerID
		}
	}
	if len(before) == 0 {
		t.Fatalf("no web pod on %s", n2.Name)
	}
	load := testcluster.StartIngressLoad(t, wlExcept(e.nodes, n2.Name), wlExampleHost, "/", 6, 10*time.Second)
	time.Sleep(time.Second)
	n2.Kill()
	time.Sleep(time.Second)
	n2.Restart()
	t.Logf("agent %s killed and restarted", n2.Name)
	time.Sleep(2 * time.Second)
	n2.RestartContainerd(30 * time.Second)
	t.Logf("containerd of %s killed; the agent started a new one", n2.Name)
	time.Sleep(3 * time.Second)
	wlCheckNoFailures(t, "agent and containerd restarts on "+n2.Name, load.Stop())

	after := wlWaitReady(t, e.nodes[0], "web", 3, 30*time.Second)
	kept := 0
	for _, p := range after {
		id, ok := before[p.Name]
		if !ok {
			continue
		}
		kept++
		cs := p.Status.ContainerStatuses[0]
		if cs.ContainerID != id || cs.RestartCount != 0 || p.Spec.NodeName != n2.Name {
			t.Errorf("pod %s: container %s, restarts %d, on %s; want the same container %s, never restarted, on %s",
				p.Name, cs.ContainerID, cs.RestartCount, p.Spec.NodeName, id, n2.Name)
		}
	}
	if kept != len(before) {
		t.Errorf("%d of the %d web pods of %s are still there: %s", kept, len(before), n2.Name, wlBrief(after))
	}
}

// wlStatefulYAML is a StatefulSet of one pod whose container appends a
// line to /data/log (a volume from its claim template) at every start,
// writing /data/first once.
const wlStatefulYAML = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: store}
spec:
  serviceName: store
  replicas: 1
  selector: {matchLabels: {app: store}}
  template:
    metadata: {labels: {app: store}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: sh
          image: shoal.local/busybox:1
          command: ["sh", "-c", "[ -f /data/first ] || date +%s%N > /data/first; echo start >> /data/log; exec sleep 3600"]
          volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 16Mi}}
`

// statefulData: what pod store-0 wrote to its volume is there after the
// pod is deleted and recreated, and after its node's agent restarts.
func (e *wlEnv) statefulData(t *testing.T) {
	n1 := e.nodes[0]
	wlApply(t, n1, []byte(wlStatefulYAML))
	p := wlWaitReady(t, n1, "store", 1, 60*time.Second)[0]
	read := func(wantStarts int) string {
		t.Helper()
		var first string
		testcluster.Eventually(t, 60*time.Second, func() error {
			live := wlPods(t, n1, "store")
			if len(live) != 1 || !wlReady(live[0]) {
				return fmt.Errorf("store's pods: %s; want one Ready", wlBrief(live))
			}
			p := live[0]
			out, err := wlInPod(n1, p, "sh", "-c", "cat /data/first; cat /data/log")
			if err != nil {
				return err
			}
			lines := strings.Fields(out)
			if len(lines) != 1+wantStarts {
				return fmt.Errorf("pod %s's volume holds %q; want the first start's time and %d start lines", p.Name, out, wantStarts)
			}
			first = lines[0]
			return nil
		})
		return first
	}
	first := read(1)

	if out, errOut, err := n1.CLI("delete", "pod", p.Name); err != nil {
		t.Fatalf("delete pod %s: %v: %s%s", p.Name, err, out, errOut)
	}
	testcluster.Eventually(t, 60*time.Second, func() error {
		for _, q := range wlPods(t, n1, "store") {
			if q.UID != p.UID && wlReady(q) {
				return nil
			}
		}
		return fmt.Errorf("pod %s not recreated yet: %s", p.Name, wlBrief(wlPods(t, n1, "store")))
	})
	if got := read(2); got != first {
		t.Fatalf("after the pod's restart /data/first is %q, want %q", got, first)
	}

	node := wlAgent(t, e.c, wlPods(t, n1, "store")[0].Spec.NodeName)
	node.Kill()
	node.Restart()
	time.Sleep(2 * time.Second)
	// The container kept running through the agent's restart: no new
	// start line.
	if got := read(2); got != first {
		t.Fatalf("after %s's agent restart /data/first is %q, want %q", node.Name, got, first)
	}
	t.Logf("store-0's data kept across its pod's restart and %s's agent restart", node.Name)
}

// rollingUpdate: under load through every node's ingress, web rolls to
// a new template; no request fails and new pods answer.
func (e *wlEnv) rollingUpdate(t *testing.T) {
	n1 := e.nodes[0]
	old := map[string]bool{}
	for _, p := range wlPods(t, n1, "web") {
		old[p.Name] = true
	}
	v2 := bytes.Replace(wlExampleApp(t), []byte("          env:\n"), []byte("          env:\n            - {name: VERSION, value: v2}\n"), 1)
	v2 = bytes.Replace(v2, []byte("replicas: 2"), []byte("replicas: 3"), 1)
	load := testcluster.StartIngressLoad(t, e.nodes, wlExampleHost, "/", 6, 10*time.Second)
	time.Sleep(2 * time.Second)
	started := time.Now()
	wlApply(t, n1, v2)
	var fresh []*api.Pod
	testcluster.Eventually(t, 120*time.Second, func() error {
		fresh = wlPods(t, n1, "web")
		if len(fresh) != 3 {
			return fmt.Errorf("%d live pods of web, want 3: %s", len(fresh), wlBrief(fresh))
		}
		for _, p := range fresh {
			if old[p.Name] || !wlReady(p) {
				return fmt.Errorf("old or unready pod %s: %s", p.Name, wlBrief(fresh))
			}
		}
		return nil
	})
	t.Logf("rollout done in %s", time.Since(started).Round(time.Millisecond))
	time.Sleep(2 * time.Second)
	r := load.Stop()
	wlCheckNoFailures(t, "rolling update of web", r)
	t.Logf("measured: rolling update failed requests %d of %d", len(r.Failures), r.OK+len(r.Failures))
	answered := 0
	for _, p := range fresh {
		answered += r.ByPod[p.Name]
	}
	if answered == 0 {
		t.Errorf("no request answered by a new pod: %s", r)
	}
}

// upgrade: each agent in turn is taken out of the load's targets,
// stopped (SIGTERM), and started again on the new build; under load
// through the other nodes' ingress no request fails, and at the end
// every agent runs the new build.
func (e *wlEnv) upgrade(t *testing.T) {
	b := <-e.newBin
	e.newBin <- b // for the cleanup
	if b.err != nil {
		t.Fatal(b.err)
	}
	bin := b.bin
	out, _, err := e.c.Run("version")
	if err != nil {
		t.Fatal(err)
	}
	oldVersion := strings.TrimSpace(strings.TrimPrefix(out, "shoal "))
	e.c.UseBinary(bin)
	out, _, err = e.c.Run("version")
	if err != nil || !strings.Contains(out, e.version) {
		t.Fatalf("the new build's version: %v %q; want %s", err, out, e.version)
	}
	load := testcluster.StartIngressLoad(t, e.nodes, wlExampleHost, "/", 6, 10*time.Second)
	time.Sleep(time.Second)
	for _, a := range e.nodes {
		load.SetTargets(wlExcept(e.nodes, a.Name)...)
		time.Sleep(time.Second) // requests already sent to a finish
		a.Stop()
		a.Restart()
		wlWaitNodesReady(t, a, []string{a.Name}, 30*time.Second)
		wlWaitReady(t, a, "web", 3, 60*time.Second)
		wlHealthy(t, a, 3)
		load.SetTargets(e.nodes...)
		t.Logf("%s upgraded (%s)", a.Name, a.Exe())
		if a == e.nodes[0] {
			wlMixedVersions(t, a, a.Name, e.version, oldVersion)
		}
		time.Sleep(2 * time.Second)
	}
	r := load.Stop()
	wlCheckNoFailures(t, "upgrade, agents restarted one by one", r)
	t.Logf("measured: upgrade failed requests %d of %d", len(r.Failures), r.OK+len(r.Failures))
	for _, a := range e.nodes {
		if got := a.Exe(); got != bin {
			t.Errorf("agent %s runs %q, want the new build %s", a.Name, got, bin)
		}
	}
}

// killHost: a machine with a web pod that does not lead is powered off
// under load through the two others' ingress. Its pods are replaced on
// the survivors, the Service's endpoints and the ingress leave it; the
// failover window and the failed requests are logged.
func (e *wlEnv) killHost(t *testing.T) {
	n1 := e.nodes[0]
	leader := wlLeader(t, n1)
	var victim *testcluster.Agent
	for _, p := range wlPods(t, n1, "web") {
		if p.Spec.NodeName != leader {
			victim = wlAgent(t, e.c, p.Spec.NodeName)
			break
		}
	}
	if victim == nil {
		t.Fatalf("no web pod off the leader %s: %s", leader, wlBrief(wlPods(t, n1, "web")))
	}
	// Two healthy servers of three keep one voter (the largest odd number,
	// docs/architecture.md): the leader stays, the other survivor is
	// demoted and gives up its admin token, which the harness reads from
	// the first agent's data dir. So the leader goes first.
	for i, a := range e.c.Agents {
		if a.Name == leader {
			e.c.Agents[0], e.c.Agents[i] = e.c.Agents[i], e.c.Agents[0]
		}
	}
	survivors := wlExcept(e.nodes, victim.Name)
	var doomed []*api.Pod
	for _, p := range wlPods(t, n1, "web") {
		if p.Spec.NodeName == victim.Name {
			doomed = append(doomed, p)
		}
	}
	load := testcluster.StartIngressLoad(t, survivors, wlExampleHost, "/", 6, 10*time.Second)
	time.Sleep(2 * time.Second)
	killed := time.Now()
	victim.KillHost()
	t.Logf("powered off %s (web pods there: %s; leader %s)", victim.Name, wlBrief(doomed), leader)

	survivor := survivors[0]
	fresh := wlWaitReady(t, survivor, "web", 3, 90*time.Second, victim.Name)
	replaced := time.Since(killed)
	// The Service's endpoints leave the dead pods.
	testcluster.Eventually(t, 30*time.Second, func() error {
		out, errOut, err := survivor.CLI("get", "endpoints", "web", "-o", "json")
		if err != nil {
			return fmt.Errorf("get endpoints web: %v: %s", err, errOut)
		}
		for _, p := range doomed {
			if strings.Contains(out, `"`+p.Status.PodIP+`"`) {
				return fmt.Errorf("endpoints of web still list %s's address %s:\n%s", p.Name, p.Status.PodIP, out)
			}
		}
		for _, p := range fresh {
			if !strings.Contains(out, `"`+p.Status.PodIP+`"`) {
				return fmt.Errorf("endpoints of web lack %s's address %s:\n%s", p.Name, p.Status.PodIP, out)
			}
		}
		return nil
	})
	// After the failover, a steady stretch: none of it may fail.
	steadyFrom := time.Now()
	time.Sleep(3 * time.Second)
	r := load.Stop()
	window := r.Window(killed)
	t.Logf("load through %s and %s: %s", survivors[0].Name, survivors[1].Name, r)
	t.Logf("measured: node kill under load: failover window %.2f s (kill to the end of the last failed request; the last one that failed was sent %.2f s after the kill), %d failed of %d requests (client timeout 10 s); pods replaced and Ready after %.2f s",
		window.Seconds(), r.LastFailedSent(killed).Seconds(), len(r.Failures), r.OK+len(r.Failures), replaced.Seconds())
	for _, f := range r.Failures {
		if f.At.After(steadyFrom) {
			t.Errorf("request via %s at %s failed after the failover was over: %v", f.Node, f.At.Format("15:04:05.000"), f.Err)
		}
	}
	// DNS from a pod on a survivor: the name still answers, by live pods.
	var client *api.Pod
	for _, p := range fresh {
		if p.Spec.NodeName == survivor.Name {
			client = p
		}
	}
	if client == nil {
		client = fresh[0]
	}
	for i := range 6 {
		out, err := wlInPod(survivor, client, "/testserver", "get", "http://web.default.svc.cluster.local/")
		if err != nil {
			t.Fatalf("request %d by DNS name from pod %s after the kill: %v", i, client.Name, err)
		}
		for _, p := range doomed {
			if strings.Contains(out, p.Name) {
				t.Fatalf("request by DNS name answered by the dead pod %s: %s", p.Name, out)
			}
		}
	}
}

// wlMixedVersions waits until `shoal status -o json` through a shows
// member upgraded at version next and every other member at old: a
// mixed-version cluster is visible.
func wlMixedVersions(t *testing.T, a *testcluster.Agent, upgraded, next, old string) {
	t.Helper()
	testcluster.Eventually(t, 30*time.Second, func() error {
		out, _, err := a.CLI("status", "-o", "json")
		if err != nil {
			return err
		}
		var st api.Status
		if err := json.Unmarshal([]byte(out), &st); err != nil {
			return fmt.Errorf("status -o json: %w", err)
		}
		got := map[string]string{}
		for _, m := range st.Members {
			got[m.Name] = m.Version
			want := old
			if m.Name == upgraded {
				want = next
			}
			if m.Version != want {
				return fmt.Errorf("got versions %v, want %s at %s and the others at %s", got, upgraded, next, old)
			}
		}
		return nil
	})
	out, _, err := a.CLI("status")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "VERSION") || !strings.Contains(out, next) || !strings.Contains(out, old) {
		t.Errorf("shoal status does not show both versions:\n%s", out)
	}
}
