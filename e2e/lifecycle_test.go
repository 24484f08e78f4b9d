package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// hookPod is a bare testserver pod whose lifecycle hooks and SIGTERM
// handler append timestamped lines to /marks/log, a hostPath (%[2]s) the
// test reads: "postStart T" once it started; on deletion "preStop T",
// then, 3 s later, "preStop-done T", then "SIGTERM T".
const hookPod = `apiVersion: v1
kind: Pod
metadata:
  name: %[1]s
  labels: {app: %[1]s}
spec:
  terminationGracePeriodSeconds: 30
  containers:
  - name: web
    image: shoal.local/testserver:1
    env: [{name: SIGTERM_FILE, value: /marks/log}]
    volumeMounts: [{name: marks, mountPath: /marks}]
    lifecycle:
      postStart:
        exec: {command: [/testserver, mark, /marks/log, postStart]}
      preStop:
        exec: {command: [/testserver, mark, /marks/log, preStop, 3s]}
  volumes:
  - {name: marks, hostPath: {path: %[2]q}}
`

// httpHookPod is a bare testserver pod whose preStop is an httpGet to
// its own /mark endpoint (by port name), which appends "preStop T" to the
// hostPath log (%[2]s) before the process records its SIGTERM there.
const httpHookPod = `apiVersion: v1
kind: Pod
metadata:
  name: %[1]s
  labels: {app: %[1]s}
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: web
    image: shoal.local/testserver:1
    ports: [{name: http, containerPort: 8080}]
    env: [{name: SIGTERM_FILE, value: /marks/log}]
    volumeMounts: [{name: marks, mountPath: /marks}]
    lifecycle:
      preStop:
        httpGet: {path: "/mark?text=preStop", port: http}
  volumes:
  - {name: marks, hostPath: {path: %[2]q}}
`

// failingPostStart is a bare pod whose postStart hook always fails.
const failingPostStart = `apiVersion: v1
kind: Pod
metadata:
  name: %[1]s
  labels: {app: %[1]s}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: web
    image: shoal.local/testserver:1
    lifecycle:
      postStart:
        exec: {command: [/testserver, mark, /no/such/dir/log, postStart]}
`

// mark is one line of a hook log: what happened and when (host clock).
type mark struct {
	what string
	at   time.Time
}

// readMarks parses the hook log at path.
func readMarks(t *testing.T, path string) []mark {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read hook log: %v", err)
	}
	var out []mark
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		what, ns, ok := strings.Cut(line, " ")
		n, err := strconv.ParseInt(ns, 10, 64)
		if !ok || err != nil {
			t.Fatalf("hook log line %q: want WHAT UNIXNANO", line)
		}
		out = append(out, mark{what, time.Unix(0, n)})
	}
	return out
}

func TestLifecycleHooks(t *testing.T) {
	// hostPath needs the privileged Pod Security level.
	c := testcluster.NewNetNS(t, "--pod-security", "privileged")
	c.Add("n1")
	importImages(t, c)
	n1 := c.Agents[0]

	t.Run("postStart before Running, preStop before SIGTERM, deletion waits for it", func(t *testing.T) {
		dir := t.TempDir()
		log := filepath.Join(dir, "log")
		apply(t, n1, []byte(fmt.Sprintf(hookPod, "hooks", dir)))
		waitPod(t, n1, "hooks", 90*time.Second, func(p *api.Pod) error {
			if p.Status.Phase != api.PodRunning || !ready(p) {
				return fmt.Errorf("not running and ready")
			}
			return nil
		})
		// Running only once postStart returned: its mark is there.
		if got := readMarks(t, log); len(got) != 1 || got[0].what != "postStart" {
			t.Fatalf("got marks %v once Running, want just postStart", got)
		}
		if _, stderr, err := n1.CLI("delete", "pod", "hooks"); err != nil {
			t.Fatalf("delete pod: %v %s", err, stderr)
		}
		var gone time.Time
		testcluster.Eventually(t, 90*time.Second, func() error {
			if _, err := n1.Client().Get(t.Context(), "pods", "default", "hooks"); !client.IsNotFound(err) {
				return fmt.Errorf("pod still there (%v)", err)
			}
			gone = time.Now()
			return nil
		})
		got := readMarks(t, log)
		var whats []string
		for _, m := range got {
			whats = append(whats, m.what)
		}
		if want := "postStart preStop preStop-done SIGTERM"; strings.Join(whats, " ") != want {
			t.Fatalf("got marks %v, want %s in that order", whats, want)
		}
		preStopDone, sigterm := got[2].at, got[3].at
		if sigterm.Before(preStopDone) {
			t.Errorf("got SIGTERM at %s, before the preStop hook finished at %s", sigterm.Format(time.StampMicro), preStopDone.Format(time.StampMicro))
		}
		if gone.Before(sigterm) {
			t.Errorf("got the pod gone at %s, before its SIGTERM at %s", gone.Format(time.StampMicro), sigterm.Format(time.StampMicro))
		}
		t.Logf("preStop %s, preStop-done +%s, SIGTERM +%s, pod gone seen +%s",
			got[1].at.Format(time.StampMilli), preStopDone.Sub(got[1].at).Round(time.Millisecond),
			sigterm.Sub(got[1].at).Round(time.Millisecond), gone.Sub(got[1].at).Round(time.Millisecond))
	})

	t.Run("httpGet preStop reaches the pod before SIGTERM", func(t *testing.T) {
		dir := t.TempDir()
		apply(t, n1, []byte(fmt.Sprintf(httpHookPod, "httphook", dir)))
		waitPod(t, n1, "httphook", 90*time.Second, func(p *api.Pod) error {
			if p.Status.Phase != api.PodRunning || !ready(p) {
				return fmt.Errorf("not running and ready")
			}
			return nil
		})
		if _, stderr, err := n1.CLI("delete", "pod", "httphook", "--wait"); err != nil {
			t.Fatalf("delete pod: %v %s", err, stderr)
		}
		var whats []string
		for _, m := range readMarks(t, filepath.Join(dir, "log")) {
			whats = append(whats, m.what)
		}
		if want := "preStop SIGTERM"; strings.Join(whats, " ") != want {
			t.Errorf("got marks %v, want %s in that order", whats, want)
		}
	})

	t.Run("a failing postStart kills the container: FailedPostStartHook, restarts, never ready", func(t *testing.T) {
		apply(t, n1, []byte(fmt.Sprintf(failingPostStart, "badhook")))
		p := waitPod(t, n1, "badhook", 90*time.Second, func(p *api.Pod) error {
			if len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].RestartCount < 1 {
				return fmt.Errorf("no restart yet")
			}
			return nil
		})
		if ready(p) {
			t.Errorf("got pod ready, want never ready (%s)", briefStatus(p))
		}
		testcluster.Eventually(t, 30*time.Second, func() error {
			evs, err := n1.Client().List(t.Context(), "events", "default", "")
			if err != nil {
				return err
			}
			for _, o := range evs {
				e := o.(*api.Event)
				if e.InvolvedObject.Name == "badhook" && e.Reason == "FailedPostStartHook" {
					return nil
				}
			}
			return fmt.Errorf("no FailedPostStartHook event among %d events", len(evs))
		})
	})
}

// grpcReady is a testserver pod serving gRPC health on 9090, whose
// readiness is a grpc probe, behind a Service.
const grpcReady = `apiVersion: v1
kind: Pod
metadata:
  name: grpcweb
  labels: {app: grpcweb}
spec:
  terminationGracePeriodSeconds: 2
  containers:
  - name: web
    image: shoal.local/testserver:1
    env: [{name: GRPC_PORT, value: "9090"}]
    ports: [{containerPort: 8080}, {containerPort: 9090}]
    readinessProbe:
      grpc: {port: 9090}
      periodSeconds: 1
      failureThreshold: 1
---
apiVersion: v1
kind: Service
metadata:
  name: grpcweb
spec:
  selector: {app: grpcweb}
  ports: [{port: 80, targetPort: 8080}]
`

// endpointIPs lists the ready and not-ready addresses of Service name.
func endpointIPs(t *testing.T, a *testcluster.Agent, name string) (ready, notReady []string, err error) {
	t.Helper()
	o, err := a.Client().Get(t.Context(), "endpoints", "default", name)
	if err != nil {
		return nil, nil, err
	}
	for _, s := range o.(*api.Endpoints).Subsets {
		for _, ad := range s.Addresses {
			ready = append(ready, ad.IP)
		}
		for _, ad := range s.NotReadyAddresses {
			notReady = append(notReady, ad.IP)
		}
	}
	return ready, notReady, nil
}

func TestGRPCProbeGatesReadiness(t *testing.T) {
	c := podCluster(t, "n1")
	n1 := c.Agents[0]
	apply(t, n1, []byte(grpcReady))
	// state waits until the pod's readiness is want and the Service's
	// endpoints agree.
	state := func(want bool) {
		t.Helper()
		var ip string
		waitPod(t, n1, "grpcweb", 90*time.Second, func(p *api.Pod) error {
			if p.Status.Phase != api.PodRunning || ready(p) != want {
				return fmt.Errorf("ready %v, want %v", ready(p), want)
			}
			ip = p.Status.PodIP
			return nil
		})
		testcluster.Eventually(t, 30*time.Second, func() error {
			rd, nr, err := endpointIPs(t, n1, "grpcweb")
			if err != nil {
				return err
			}
			if want && (len(rd) != 1 || rd[0] != ip) {
				return fmt.Errorf("endpoints ready %v, want [%s]", rd, ip)
			}
			if !want && (len(rd) != 0 || len(nr) != 1 || nr[0] != ip) {
				return fmt.Errorf("endpoints ready %v not ready %v, want [] and [%s]", rd, nr, ip)
			}
			return nil
		})
	}
	flip := func(state string) {
		t.Helper()
		out, stderr, err := n1.CLI("exec", "grpcweb", "--", "/testserver", "get", "http://127.0.0.1:8080/grpc/"+state)
		if err != nil {
			t.Fatalf("grpc %s: %v %s%s", state, err, out, stderr)
		}
	}
	state(true)
	flip("off")
	state(false)
	flip("on")
	state(true)
}

// sidecarJob is a Job whose pod has a sidecar that never exits on its
// own and counts up in a shared emptyDir file; the main container
// succeeds only if the file is there (the sidecar started first) and
// changes while it watches (the sidecar runs alongside).
const sidecarJob = `apiVersion: batch/v1
kind: Job
metadata:
  name: withsidecar
spec:
  backoffLimit: 0
  template:
    spec:
      restartPolicy: Never
      terminationGracePeriodSeconds: 5
      volumes: [{name: shared, emptyDir: {}}]
      initContainers:
      - name: side
        image: shoal.local/busybox:1
        restartPolicy: Always
        command: ["sh", "-c", "trap 'exit 0' TERM; i=0; while true; do i=$((i+1)); echo $i > /shared/side; sleep 0.2; done"]
        volumeMounts: [{name: shared, mountPath: /shared}]
      containers:
      - name: main
        image: shoal.local/busybox:1
        command: ["sh", "-c", "a=$(cat /shared/side) && sleep 1 && b=$(cat /shared/side) && test \"$a\" != \"$b\""]
        volumeMounts: [{name: shared, mountPath: /shared}]
`

func TestSidecarJobCompletes(t *testing.T) {
	c := podCluster(t, "n1")
	n1 := c.Agents[0]
	apply(t, n1, []byte(sidecarJob))
	j := waitJobCondition(t, n1, "withsidecar", 120*time.Second)
	if j.Status.Succeeded != 1 || j.Status.Failed != 0 {
		t.Fatalf("got succeeded %d failed %d, want 1 and 0", j.Status.Succeeded, j.Status.Failed)
	}
	objs, err := n1.Client().List(t.Context(), "pods", "default", "job-name=withsidecar")
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 {
		t.Fatalf("got %d pods, want 1", len(objs))
	}
	p := objs[0].(*api.Pod)
	if p.Status.Phase != api.PodSucceeded {
		t.Errorf("got phase %s, want Succeeded (%s)", p.Status.Phase, briefStatus(p))
	}
	// The sidecar is stopped once the main container is done.
	testcluster.Eventually(t, 30*time.Second, func() error {
		o, err := n1.Client().Get(t.Context(), "pods", "default", p.Name)
		if err != nil {
			return err
		}
		cs := o.(*api.Pod).Status.InitContainerStatuses
		if len(cs) != 1 || cs[0].State.Terminated == nil {
			return fmt.Errorf("sidecar status %+v, want terminated", cs)
		}
		return nil
	})
}
