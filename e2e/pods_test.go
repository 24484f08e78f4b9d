package e2e

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
	"github.com/shoal-dev/shoal/internal/testimage"
)

// podCluster starts agents in their own network namespaces, each with its
// own containerd, and imports the test images into every one of them
// through `shoal image import`, the path users take.
func podCluster(t testing.TB, names ...string) *testcluster.Cluster {
	t.Helper()
	c := testcluster.NewNetNS(t)
	for _, n := range names {
		c.Add(n)
	}
	importImages(t, c)
	return c
}

// importImages builds the test images and imports them into every agent's
// containerd through the first agent's API.
func importImages(t testing.TB, c *testcluster.Cluster) {
	t.Helper()
	dir := t.TempDir()
	for _, build := range []func(string) (string, string, error){testimage.TestServer, testimage.Busybox} {
		path, ref, err := build(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range c.Agents {
			// Through the first agent's API to each node: the import
			// crosses nodes like logs and exec do.
			testcluster.Eventually(t, 60*time.Second, func() error {
				out, stderr, err := c.Agents[0].CLI("image", "import", path, "--node", a.Name)
				if err != nil {
					return fmt.Errorf("import %s on %s: %v: %s%s", ref, a.Name, err, out, stderr)
				}
				return nil
			})
		}
	}
}

const podYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: 1
  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      nodeSelector: {kubernetes.io/hostname: %[2]s}
      terminationGracePeriodSeconds: 2
      containers:
%[3]s
`

const testServerContainer = `        - name: web
          image: shoal.local/testserver:1
          ports: [{containerPort: 8080}]
          env:
            - {name: MARKER, value: %s}
            - name: POD_IP
              valueFrom: {fieldRef: {fieldPath: status.podIP}}
`

const busyboxContainer = `        - name: sh
          image: shoal.local/busybox:1
          command: ["sh", "-c", %q]
`

// applyPod applies a one-replica Deployment pinned to node and returns
// its pod once it is Running with an IP.
func applyPod(t *testing.T, a *testcluster.Agent, name, node, containers string) *api.Pod {
	t.Helper()
	if out, stderr, err := a.CLIWithInput([]byte(fmt.Sprintf(podYAML, name, node, containers)), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply %s: %v\n%s%s", name, err, out, stderr)
	}
	return waitPod(t, a, name, 90*time.Second, func(p *api.Pod) error {
		if p.Status.Phase != api.PodRunning || p.Status.PodIP == "" {
			return fmt.Errorf("phase %s, ip %q", p.Status.Phase, p.Status.PodIP)
		}
		return nil
	})
}

// waitPod waits until the one live pod of app satisfies cond.
func waitPod(t *testing.T, a *testcluster.Agent, app string, timeout time.Duration, cond func(*api.Pod) error) *api.Pod {
	t.Helper()
	var got *api.Pod
	testcluster.Eventually(t, timeout, func() error {
		pods := podsOf(t, a, app)
		if len(pods) != 1 {
			return fmt.Errorf("%d live pods of %s", len(pods), app)
		}
		if err := cond(pods[0]); err != nil {
			return fmt.Errorf("pod %s: %w (status %s)", pods[0].Name, err, briefStatus(pods[0]))
		}
		got = pods[0]
		return nil
	})
	return got
}

func briefStatus(p *api.Pod) string {
	var b strings.Builder
	fmt.Fprintf(&b, "phase=%s msg=%q", p.Status.Phase, p.Status.Message)
	for _, cs := range p.Status.ContainerStatuses {
		fmt.Fprintf(&b, " [%s ready=%v restarts=%d", cs.Name, cs.Ready, cs.RestartCount)
		if w := cs.State.Waiting; w != nil {
			fmt.Fprintf(&b, " waiting=%s:%s", w.Reason, w.Message)
		}
		if x := cs.State.Terminated; x != nil {
			fmt.Fprintf(&b, " terminated=%s:%d", x.Reason, x.ExitCode)
		}
		b.WriteString("]")
	}
	return b.String()
}

func ready(p *api.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == api.PodReady {
			return c.Status == api.ConditionTrue
		}
	}
	return false
}

// containerPID finds the host PID of the process whose environment holds
// MARKER=marker.
func containerPID(t *testing.T, marker string) int {
	t.Helper()
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		env, err := os.ReadFile(filepath.Join("/proc", e.Name(), "environ"))
		if err != nil {
			continue
		}
		for _, kv := range strings.Split(string(env), "\x00") {
			if kv == "MARKER="+marker {
				return pid
			}
		}
	}
	return 0
}

func TestPodsOnContainerd(t *testing.T) {
	c := podCluster(t, "n1", "n2")
	n1, n2 := c.Agents[0], c.Agents[1]
	ctx := context.Background()

	web := applyPod(t, n1, "web", "n1", fmt.Sprintf(testServerContainer, "web-1"))
	shell := applyPod(t, n1, "shell", "n2", fmt.Sprintf(busyboxContainer, "sleep 3600"))
	if web.Spec.NodeName != "n1" || shell.Spec.NodeName != "n2" {
		t.Fatalf("web on %s, shell on %s", web.Spec.NodeName, shell.Spec.NodeName)
	}

	t.Run("pod IP answers from its node and from the other node", func(t *testing.T) {
		for _, a := range []*testcluster.Agent{n1, n2} {
			out, err := a.InNetNS(ctx, "/bin/busybox", "sh", "-c", httpGet(web.Status.PodIP, "/"))
			if err != nil || !strings.Contains(out, web.Name) {
				t.Fatalf("from %s: %v\n%s", a.Name, err, out)
			}
		}
	})

	t.Run("pod on another node reaches it, exec through the other node's API", func(t *testing.T) {
		// The shell pod runs on n2; the request goes to n1's API.
		out, stderr, err := n1.CLI("exec", shell.Name, "--", "sh", "-c", httpGet(web.Status.PodIP, "/"))
		if err != nil || !strings.Contains(out, web.Status.PodIP) {
			t.Fatalf("exec wget: %v\n%s%s", err, out, stderr)
		}
	})

	t.Run("exec passes the exit code through", func(t *testing.T) {
		_, _, err := n2.CLI("exec", web.Name, "--", "/testserver", "-exit", "3")
		if code := exitCodeOf(err); code != 3 {
			// The test server image has no shell; fall back on busybox.
			_, _, err = n1.CLI("exec", shell.Name, "--", "sh", "-c", "exit 3")
			if code := exitCodeOf(err); code != 3 {
				t.Fatalf("exit code %d (%v), want 3", code, err)
			}
		}
	})

	t.Run("logs through the other node's API", func(t *testing.T) {
		testcluster.Eventually(t, 10*time.Second, func() error {
			out, stderr, err := n2.CLI("logs", web.Name, "--tail", "50")
			if err != nil || !strings.Contains(out, "8080") {
				return fmt.Errorf("logs: %v\n%s%s", err, out, stderr)
			}
			return nil
		})
	})

	t.Run("env from fieldRef", func(t *testing.T) {
		out, err := n1.InNetNS(ctx, "/bin/busybox", "sh", "-c", httpGet(web.Status.PodIP, "/env"))
		if err != nil || !strings.Contains(out, `"POD_IP": "`+web.Status.PodIP+`"`) {
			t.Fatalf("env: %v\n%s", err, out)
		}
	})

	t.Run("killed process is restarted", func(t *testing.T) {
		pid := containerPID(t, "web-1")
		if pid == 0 {
			t.Fatal("no process with MARKER=web-1")
		}
		if err := killPID(pid); err != nil {
			t.Fatal(err)
		}
		p := waitPod(t, n1, "web", 60*time.Second, func(p *api.Pod) error {
			cs := p.Status.ContainerStatuses
			if len(cs) != 1 || cs[0].RestartCount != 1 || cs[0].State.Running == nil {
				return fmt.Errorf("want running with restartCount 1")
			}
			return nil
		})
		if np := containerPID(t, "web-1"); np == 0 || np == pid {
			t.Fatalf("pid after restart %d (before %d)", np, pid)
		}
		if out, _, err := n1.CLI("logs", p.Name, "--previous"); err != nil || !strings.Contains(out, "8080") {
			t.Fatalf("logs --previous: %v\n%s", err, out)
		}
		testcluster.Eventually(t, 10*time.Second, func() error {
			out, _, err := n2.CLI("describe", "pod", p.Name)
			for _, want := range []string{"Events:", "Pulled", "Started", "BackOff"} {
				if err != nil || !strings.Contains(out, want) {
					return fmt.Errorf("describe pod lacks %q: %v\n%s", want, err, out)
				}
			}
			return nil
		})
	})

	t.Run("agent kill -9 and restart adopts running containers", func(t *testing.T) {
		pid := containerPID(t, "web-1")
		before := podsOf(t, n1, "web")[0]
		n1.Kill()
		n1.Restart()
		time.Sleep(3 * time.Second) // let the new agent look at its pods
		after := waitPod(t, n2, "web", 30*time.Second, func(p *api.Pod) error {
			if p.Status.Phase != api.PodRunning {
				return fmt.Errorf("not running")
			}
			return nil
		})
		if after.UID != before.UID || after.Status.ContainerStatuses[0].RestartCount != before.Status.ContainerStatuses[0].RestartCount {
			t.Fatalf("pod changed: uid %s→%s restarts %d→%d", before.UID, after.UID,
				before.Status.ContainerStatuses[0].RestartCount, after.Status.ContainerStatuses[0].RestartCount)
		}
		if np := containerPID(t, "web-1"); np != pid {
			t.Fatalf("container pid %d → %d: restarted", pid, np)
		}
	})

	t.Run("StatefulSet pods come up in order, each Ready before the next", func(t *testing.T) {
		if out, stderr, err := n1.CLIWithInput([]byte(orderedStatefulSet), "apply", "-f", "-"); err != nil {
			t.Fatalf("apply: %v\n%s%s", err, out, stderr)
		}
		// At every look: if db-i exists, db-(i-1) is Ready or was at an
		// earlier look (a readiness probe may fail once on a loaded
		// machine after the next pod was created, as Kubernetes allows).
		wasReady := map[string]bool{}
		testcluster.Eventually(t, 120*time.Second, func() error {
			byName := map[string]*api.Pod{}
			for _, p := range podsOf(t, n1, "db") {
				byName[p.Name] = p
			}
			for i := 1; i < 3; i++ {
				if _, ok := byName[fmt.Sprintf("db-%d", i)]; !ok {
					continue
				}
				name := fmt.Sprintf("db-%d", i-1)
				prev, ok := byName[name]
				if !ok || !ready(prev) && !wasReady[prev.UID] {
					t.Fatalf("db-%d exists while db-%d is not Ready", i, i-1)
				}
			}
			for _, p := range byName {
				if ready(p) {
					wasReady[p.UID] = true
				}
			}
			for i := range 3 {
				p, ok := byName[fmt.Sprintf("db-%d", i)]
				if !ok || !ready(p) {
					return fmt.Errorf("db-%d not Ready yet", i)
				}
			}
			return nil
		})
		// Each ordinal's volume lives on its node under DATA_DIR/volumes.
		for _, p := range podsOf(t, n1, "db") {
			a := n1
			if p.Spec.NodeName == "n2" {
				a = n2
			}
			claim := filepath.Join(a.DataDir, "volumes", "default", "data-"+p.Name, "id")
			if b, err := os.ReadFile(claim); err != nil || strings.TrimSpace(string(b)) != p.Name {
				t.Fatalf("volume of %s on %s: %q %v", p.Name, a.Name, b, err)
			}
		}
		if _, stderr, err := n1.CLI("delete", "statefulset", "db"); err != nil {
			t.Fatalf("delete: %v %s", err, stderr)
		}
	})

	t.Run("delete leaves nothing behind", func(t *testing.T) {
		p := podsOf(t, n1, "web")[0]
		if _, stderr, err := n1.CLI("delete", "deployment", "web"); err != nil {
			t.Fatalf("delete: %v %s", err, stderr)
		}
		testcluster.Eventually(t, 60*time.Second, func() error {
			if pid := containerPID(t, "web-1"); pid != 0 {
				return fmt.Errorf("process %d still runs", pid)
			}
			out, err := hostRun(ctx, "ctr", "--address", filepath.Join(n1.DataDir, "containerd", "containerd.sock"), "-n", "shoal", "containers", "ls", "-q")
			if err != nil {
				return fmt.Errorf("ctr: %v %s", err, out)
			}
			for _, id := range strings.Fields(out) {
				if strings.HasSuffix(id, "-web") {
					return fmt.Errorf("container %s still in containerd", id)
				}
			}
			if _, err := os.Stat(filepath.Join(n1.DataDir, "netns", p.UID)); err == nil {
				return fmt.Errorf("netns of %s still there", p.UID)
			}
			leases, _ := hostRun(ctx, "grep", "-rl", p.UID, filepath.Join(n1.DataDir, "cni"))
			if strings.TrimSpace(leases) != "" {
				return fmt.Errorf("IP lease still held: %s", leases)
			}
			return nil
		})
	})

	t.Run("a node that leaves stops its pods", func(t *testing.T) {
		if shimCount(n2) == 0 {
			t.Fatal("no pods running on n2 before it leaves")
		}
		if _, stderr, err := n2.CLI("leave"); err != nil {
			t.Fatalf("leave: %v %s", err, stderr)
		}
		testcluster.Eventually(t, 60*time.Second, func() error {
			if n := shimCount(n2); n > 0 {
				return fmt.Errorf("%d containers still run on n2", n)
			}
			return nil
		})
	})
}

const orderedStatefulSet = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 3
  selector:
    matchLabels: {app: db}
  template:
    metadata:
      labels: {app: db}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
        - name: db
          image: shoal.local/busybox:1
          command: ["sh", "-c", "hostname > /data/id; sleep 3600"]
          volumeMounts: [{name: data, mountPath: /data}]
          readinessProbe:
            exec: {command: ["cat", "/data/id"]}
            initialDelaySeconds: 1
            periodSeconds: 1
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources:
          requests: {storage: 1Gi}
`

func TestPodProbesAndLimits(t *testing.T) {
	c := podCluster(t, "n1")
	n1 := c.Agents[0]

	t.Run("failing liveness restarts the container", func(t *testing.T) {
		applyPod(t, n1, "live", "n1", fmt.Sprintf(busyboxContainer, "touch /tmp/alive; sleep 3600")+`          livenessProbe:
            exec: {command: ["cat", "/tmp/alive"]}
            periodSeconds: 1
            failureThreshold: 1
`)
		p := podsOf(t, n1, "live")[0]
		if _, _, err := n1.CLI("exec", p.Name, "--", "rm", "/tmp/alive"); err != nil {
			t.Fatal(err)
		}
		waitPod(t, n1, "live", 60*time.Second, func(p *api.Pod) error {
			cs := p.Status.ContainerStatuses[0]
			if cs.RestartCount < 1 || cs.State.Running == nil {
				return fmt.Errorf("not restarted yet")
			}
			return nil
		})
	})

	t.Run("readiness flips Ready", func(t *testing.T) {
		applyPod(t, n1, "ready", "n1", fmt.Sprintf(busyboxContainer, "sleep 3600")+`          readinessProbe:
            exec: {command: ["cat", "/tmp/ready"]}
            periodSeconds: 1
`)
		p := podsOf(t, n1, "ready")[0]
		if ready(p) {
			t.Fatal("ready before the probe passed")
		}
		if _, _, err := n1.CLI("exec", p.Name, "--", "touch", "/tmp/ready"); err != nil {
			t.Fatal(err)
		}
		waitPod(t, n1, "ready", 30*time.Second, func(p *api.Pod) error {
			if !ready(p) {
				return fmt.Errorf("not Ready")
			}
			return nil
		})
		if _, _, err := n1.CLI("exec", p.Name, "--", "rm", "/tmp/ready"); err != nil {
			t.Fatal(err)
		}
		waitPod(t, n1, "ready", 30*time.Second, func(p *api.Pod) error {
			if ready(p) {
				return fmt.Errorf("still Ready")
			}
			return nil
		})
	})

	t.Run("securityContext, configMap volume and env", func(t *testing.T) {
		cm := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: conf}\ndata: {greeting: hello, app.conf: \"x=1\"}\n"
		if _, stderr, err := n1.CLIWithInput([]byte(cm), "apply", "-f", "-"); err != nil {
			t.Fatalf("apply configmap: %v %s", err, stderr)
		}
		p := applyPod(t, n1, "secure", "n1", fmt.Sprintf(busyboxContainer, "sleep 3600")+`          securityContext:
            runAsUser: 1000
            runAsGroup: 2000
            readOnlyRootFilesystem: true
          env:
            - name: GREETING
              valueFrom: {configMapKeyRef: {name: conf, key: greeting}}
          volumeMounts: [{name: conf, mountPath: /etc/app}, {name: scratch, mountPath: /data}, {name: scratch, mountPath: /sub, subPath: deep/dir}]
      securityContext: {fsGroup: 3000}
      volumes:
        - name: conf
          configMap: {name: conf}
        - name: scratch
          emptyDir: {}
`)
		for cmd, want := range map[string]string{
			"id -u; id -g":          "1000\n2000\n",
			"echo $GREETING":        "hello\n",
			"cat /etc/app/app.conf": "x=1",
			"id -G | tr ' ' '\\n' | grep -x 3000; touch /data/f && stat -c %g /data/f": "3000\n3000\n",
			// The subPath is the volume's deep/dir, bound by the agent.
			"[ $(stat -c %i /sub) = $(stat -c %i /data/deep/dir) ] && echo same": "same\n",
		} {
			out, stderr, err := n1.CLI("exec", p.Name, "--", "sh", "-c", cmd)
			if err != nil || out != want {
				t.Errorf("%s: got %q (%v %s), want %q", cmd, out, err, stderr, want)
			}
		}
		if _, _, err := n1.CLI("exec", p.Name, "--", "touch", "/rootfs-write"); err == nil {
			t.Error("wrote to a read-only root filesystem")
		}
	})

	t.Run("init containers run first", func(t *testing.T) {
		p := applyPod(t, n1, "withinit", "n1", fmt.Sprintf(busyboxContainer, "cat /work/msg; sleep 3600")+`          volumeMounts: [{name: work, mountPath: /work}]
      initContainers:
        - name: first
          image: shoal.local/busybox:1
          command: ["sh", "-c", "echo from-first > /work/msg"]
          volumeMounts: [{name: work, mountPath: /work}]
        - name: second
          image: shoal.local/busybox:1
          command: ["sh", "-c", "echo from-second >> /work/msg"]
          volumeMounts: [{name: work, mountPath: /work}]
      volumes: [{name: work, emptyDir: {}}]
`)
		for _, st := range p.Status.InitContainerStatuses {
			if st.State.Terminated == nil || st.State.Terminated.Reason != "Completed" {
				t.Fatalf("init container %s: %+v", st.Name, st.State)
			}
		}
		testcluster.Eventually(t, 10*time.Second, func() error {
			out, _, err := n1.CLI("logs", p.Name)
			if err != nil || out != "from-first\nfrom-second\n" {
				return fmt.Errorf("logs %q %v", out, err)
			}
			return nil
		})
	})

	t.Run("restricted namespace refuses a privileged pod", func(t *testing.T) {
		const manifest = `apiVersion: v1
kind: Namespace
metadata: {name: locked, labels: {pod-security.kubernetes.io/enforce: restricted}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: root, namespace: locked}
spec:
  selector: {matchLabels: {app: root}}
  template:
    metadata: {labels: {app: root}}
    spec:
      containers: [{name: sh, image: shoal.local/busybox:1, securityContext: {privileged: true}}]
`
		out, stderr, err := n1.CLIWithInput([]byte(manifest), "apply", "-f", "-")
		want := `document 2 (Deployment "root"): violates PodSecurity "restricted:latest" in namespace "locked": privileged (container "sh" must not set securityContext.privileged=true)`
		if err == nil || !strings.Contains(stderr, want) {
			t.Fatalf("apply: err %v, stderr %q; want an error containing %q (stdout %s)", err, stderr, want, out)
		}
		if out, _, err := n1.CLI("get", "deployments", "-n", "locked"); err == nil && strings.Contains(out, "root") {
			t.Errorf("the refused deployment was stored:\n%s", out)
		}
	})

	t.Run("hostPort answers on the node address", func(t *testing.T) {
		// hostPort breaks the baseline Pod Security level, the default.
		hostPortPod := fmt.Sprintf(podYAML, "hostport", "n1", "        - name: web\n          image: shoal.local/testserver:1\n          ports: [{containerPort: 8080, hostPort: 18080}]\n")
		if _, stderr, err := n1.CLIWithInput([]byte(hostPortPod), "apply", "-f", "-"); err == nil || !strings.Contains(stderr, `violates PodSecurity "baseline:latest" in namespace "default": hostPort (port 18080)`) {
			t.Fatalf("apply under the default baseline level: err %v, stderr %q; want it refused for hostPort", err, stderr)
		}
		const privileged = "apiVersion: v1\nkind: Namespace\nmetadata: {name: default, labels: {pod-security.kubernetes.io/enforce: privileged}}\n"
		if out, stderr, err := n1.CLIWithInput([]byte(privileged), "apply", "-f", "-"); err != nil {
			t.Fatalf("label the default namespace privileged: %v\n%s%s", err, out, stderr)
		}
		applyPod(t, n1, "hostport", "n1", `        - name: web
          image: shoal.local/testserver:1
          ports: [{containerPort: 8080, hostPort: 18080}]
`)
		testcluster.Eventually(t, 20*time.Second, func() error {
			res, err := http.Get("http://" + net.JoinHostPort(n1.IP, "18080") + "/")
			if err != nil {
				return err
			}
			_ = res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("status %s", res.Status)
			}
			return nil
		})
	})

	t.Run("logs -f streams new output", func(t *testing.T) {
		p := applyPod(t, n1, "ticker", "n1", fmt.Sprintf(busyboxContainer, "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 0.2; done"))
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		out, _ := n1.CLIContext(ctx, "logs", "-f", "--tail", "1", p.Name)
		if n := strings.Count(out, "tick-"); n < 5 {
			t.Fatalf("logs -f gave %d lines in 3s:\n%s", n, out)
		}
	})

	t.Run("exec -t gets a terminal", func(t *testing.T) {
		p := podsOf(t, n1, "ticker")[0]
		// script(1) gives the client a pseudo-terminal, as a user's shell has.
		cmd := osexec.Command("script", "-qec", fmt.Sprintf("%s exec -t %s -- sh -c 'tty; stty size'", c.Bin(), p.Name), "/dev/null")
		cmd.Env = n1.ClientEnv()
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "/dev/pts/") {
			t.Fatalf("exec -t: %v\n%s", err, out)
		}
	})

	t.Run("containerd killed: restarted by the agent, pods keep running", func(t *testing.T) {
		p := podsOf(t, n1, "ticker")[0]
		pid := containerdPID(t, n1)
		if err := killPID(pid); err != nil {
			t.Fatal(err)
		}
		testcluster.Eventually(t, 30*time.Second, func() error {
			if np := containerdPID(t, n1); np == 0 || np == pid {
				return fmt.Errorf("containerd not restarted")
			}
			out, _, err := n1.CLI("exec", p.Name, "--", "echo", "alive")
			if err != nil || out != "alive\n" {
				return fmt.Errorf("exec after containerd restart: %v %q", err, out)
			}
			return nil
		})
		after := podsOf(t, n1, "ticker")[0]
		if after.UID != p.UID || after.Status.ContainerStatuses[0].RestartCount != 0 {
			t.Fatalf("pod restarted: %s", briefStatus(after))
		}
	})

	t.Run("memory limit is enforced: OOMKilled", func(t *testing.T) {
		applyPod(t, n1, "hog", "n1", fmt.Sprintf(busyboxContainer, "sleep 1; x=$(head -c 200000000 /dev/zero | tr '\\0' a); sleep 3600")+`          resources:
            limits: {memory: 32Mi}
`)
		waitPod(t, n1, "hog", 60*time.Second, func(p *api.Pod) error {
			cs := p.Status.ContainerStatuses[0]
			for _, term := range []*api.ContainerStateTerminated{cs.State.Terminated, cs.LastState.Terminated} {
				if term != nil && term.Reason == "OOMKilled" {
					return nil
				}
			}
			return fmt.Errorf("not OOMKilled")
		})
	})
}
