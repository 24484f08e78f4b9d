package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// barePodYAML is a bare Pod of the test server; %[1]s is its MARKER,
// %[2]s an extra env value.
const barePodYAML = `apiVersion: v1
kind: Pod
metadata:
  name: bare
  labels: {app: bare}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: web
    image: shoal.local/testserver:1
    ports: [{containerPort: 8080}]
    env:
    - {name: MARKER, value: %[1]s}
    - {name: EXTRA, value: %[2]q}
`

// envFromYAML is a ConfigMap, a Secret and a bare pod that prints what
// envFrom (with a prefix, and an optional source that is missing) and an
// optional key reference gave it.
const envFromYAML = `apiVersion: v1
kind: ConfigMap
metadata: {name: greet}
immutable: true
data: {GREETING: hello-envfrom}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {PW: s3}
---
apiVersion: v1
kind: Pod
metadata: {name: envpod}
spec:
  containers:
  - name: sh
    image: shoal.local/busybox:1
    command: ["sh", "-c", "echo got $CM_GREETING and [$MISSING] and [$PW]; sleep 3600"]
    envFrom:
    - {prefix: CM_, configMapRef: {name: greet}}
    - configMapRef: {name: absent, optional: true}
    - secretRef: {name: creds}
    env:
    - name: MISSING
      valueFrom: {configMapKeyRef: {name: greet, key: nope, optional: true}}
`

// TestBarePod applies a Pod no controller owns: the scheduler places it,
// it serves, applying it again changes nothing, changing more than its
// image is refused, `shoal run` makes one too, and `delete pod` stops it
// for good (nothing recreates it).
func TestBarePod(t *testing.T) {
	c := podCluster(t, "n1", "n2")
	n1, n2 := c.Agents[0], c.Agents[1]
	ctx := context.Background()
	manifest := fmt.Sprintf(barePodYAML, "bare-1", "a")
	if out, stderr, err := n1.CLIWithInput([]byte(manifest), "apply", "-f", "-"); err != nil || !strings.Contains(out, "pod/bare created") {
		t.Fatalf("apply: %v\n%s%s", err, out, stderr)
	}
	pod := waitPod(t, n1, "bare", 90*time.Second, func(p *api.Pod) error {
		if p.Status.Phase != api.PodRunning || p.Status.PodIP == "" || p.Spec.NodeName == "" {
			return fmt.Errorf("phase %s, ip %q, node %q", p.Status.Phase, p.Status.PodIP, p.Spec.NodeName)
		}
		return nil
	})

	t.Run("serves on its pod IP", func(t *testing.T) {
		out, err := n2.InNetNS(ctx, "/bin/busybox", "sh", "-c", httpGet(pod.Status.PodIP, "/"))
		if err != nil || !strings.Contains(out, "bare") {
			t.Fatalf("got %v\n%s, want the test server's answer", err, out)
		}
	})

	t.Run("applying it again changes nothing", func(t *testing.T) {
		out, stderr, err := n2.CLIWithInput([]byte(manifest), "apply", "-f", "-")
		if err != nil || !strings.Contains(out, "pod/bare unchanged") {
			t.Fatalf("got %v\n%s%s, want pod/bare unchanged", err, out, stderr)
		}
	})

	t.Run("changing its env is refused", func(t *testing.T) {
		_, stderr, err := n1.CLIWithInput([]byte(fmt.Sprintf(barePodYAML, "bare-1", "b")), "apply", "-f", "-")
		if err == nil || !strings.Contains(stderr, "may not change spec.containers[0].env") {
			t.Fatalf("got %v %q, want the env change refused", err, stderr)
		}
	})

	t.Run("shoal run", func(t *testing.T) {
		out, stderr, err := n1.CLI("run", "quick", "--image", "shoal.local/busybox:1", "--env", "GREETING=hello-run",
			"--command", "--", "sh", "-c", "echo $GREETING; sleep 3600")
		if err != nil || !strings.Contains(out, "pod/quick created") {
			t.Fatalf("run: %v\n%s%s", err, out, stderr)
		}
		testcluster.Eventually(t, 60*time.Second, func() error {
			out, stderr, err := n2.CLI("logs", "quick")
			if err != nil || !strings.Contains(out, "hello-run") {
				return fmt.Errorf("logs quick: %v\n%s%s", err, out, stderr)
			}
			return nil
		})
		if _, stderr, err := n1.CLI("run", "quick", "--image", "shoal.local/busybox:1"); err == nil || !strings.Contains(stderr, "already exists") {
			t.Errorf("second run: got %v %q, want already exists", err, stderr)
		}
	})

	t.Run("envFrom with prefix, optional source missing", func(t *testing.T) {
		if out, stderr, err := n1.CLIWithInput([]byte(envFromYAML), "apply", "-f", "-"); err != nil {
			t.Fatalf("apply: %v\n%s%s", err, out, stderr)
		}
		testcluster.Eventually(t, 60*time.Second, func() error {
			out, stderr, err := n2.CLI("logs", "envpod")
			if err != nil || !strings.Contains(out, "got hello-envfrom and [] and [s3]") {
				return fmt.Errorf("logs envpod: %v\n%s%s", err, out, stderr)
			}
			return nil
		})
	})

	t.Run("delete pod stops it and nothing recreates it", func(t *testing.T) {
		if containerPID(t, "bare-1") == 0 {
			t.Fatal("no process with MARKER=bare-1 before the delete")
		}
		if out, stderr, err := n2.CLI("delete", "pod", "bare"); err != nil {
			t.Fatalf("delete: %v\n%s%s", err, out, stderr)
		}
		testcluster.Eventually(t, 60*time.Second, func() error {
			if _, err := n1.Client().Get(ctx, "pods", "default", "bare"); err == nil {
				return fmt.Errorf("pod bare still exists")
			}
			if pid := containerPID(t, "bare-1"); pid != 0 {
				return fmt.Errorf("process %d still runs", pid)
			}
			return nil
		})
		// Let the controllers run a few passes (they run every second).
		time.Sleep(3 * time.Second)
		objs, err := n1.Client().List(ctx, "pods", "default", "app=bare")
		if err != nil || len(objs) != 0 {
			t.Errorf("got %d pods labelled app=bare (%v), want none", len(objs), err)
		}
	})
}
