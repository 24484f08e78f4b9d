package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
)

const kubectlPodsYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  replicas: 2
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
      - name: sh
        image: shoal.local/busybox:1
        command: ["sh", "-c", "echo hello from $HOSTNAME; exec sleep 3600"]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: crash
spec:
  selector:
    matchLabels: {app: crash}
  template:
    metadata:
      labels: {app: crash}
    spec:
      containers:
      - name: sh
        image: shoal.local/busybox:1
        command: ["sh", "-c", "echo crashing; exit 1"]
`

// TestKubectlPodVerbs runs real pods and checks the pod STATUS column and
// logs by workload and by selector.
func TestKubectlPodVerbs(t *testing.T) {
	skipShort(t)
	c := podCluster(t, "n1")
	a := c.Agents[0]
	if out, stderr, err := a.CLIWithInput([]byte(kubectlPodsYAML), "apply", "-f", "-"); err != nil {
		t.Fatalf("apply: %v\n%s%s", err, out, stderr)
	}
	// statusOf reads the STATUS column of the pods whose name starts with prefix.
	statuses := func(prefix string) ([]string, error) {
		out, stderr, err := a.CLI("get", "pods")
		if err != nil {
			return nil, fmt.Errorf("get pods: %v: %s", err, stderr)
		}
		var st []string
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) >= 5 && strings.HasPrefix(f[0], prefix) {
				st = append(st, f[2])
			}
		}
		return st, nil
	}
	t.Run("running pods show Running", func(t *testing.T) {
		testcluster.Eventually(t, 90*time.Second, func() error {
			st, err := statuses("hello-")
			if err != nil {
				return err
			}
			if len(st) != 2 || st[0] != "Running" || st[1] != "Running" {
				return fmt.Errorf("got STATUS %v, want Running twice", st)
			}
			return nil
		})
	})
	t.Run("a crashing pod shows CrashLoopBackOff", func(t *testing.T) {
		testcluster.Eventually(t, 90*time.Second, func() error {
			st, err := statuses("crash-")
			if err != nil {
				return err
			}
			if len(st) != 1 || st[0] != "CrashLoopBackOff" {
				return fmt.Errorf("got STATUS %v, want CrashLoopBackOff", st)
			}
			return nil
		})
	})
	t.Run("logs deploy/NAME", func(t *testing.T) {
		testcluster.Eventually(t, 30*time.Second, func() error {
			out, stderr, err := a.CLI("logs", "deploy/hello")
			if err != nil || strings.Count(out, "hello from hello-") != 1 {
				return fmt.Errorf("logs deploy/hello: %v: got %q%s, want one pod's greeting", err, out, stderr)
			}
			return nil
		})
	})
	t.Run("logs -l with --prefix", func(t *testing.T) {
		testcluster.Eventually(t, 30*time.Second, func() error {
			out, stderr, err := a.CLI("logs", "-l", "app=hello", "--prefix")
			if err != nil {
				return fmt.Errorf("logs -l: %v: %s", err, stderr)
			}
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != 2 {
				return fmt.Errorf("got %q, want two lines", out)
			}
			for _, l := range lines {
				if !strings.HasPrefix(l, "[pod/hello-") || !strings.Contains(l, "] hello from hello-") {
					return fmt.Errorf("line %q: want [pod/NAME] hello from NAME", l)
				}
			}
			return nil
		})
	})
	t.Run("logs of no pod", func(t *testing.T) {
		_, stderr, err := a.CLI("logs", "-l", "app=nothing")
		if err == nil || !strings.Contains(stderr, "no pods in namespace default match -l app=nothing") {
			t.Errorf("got %v %q, want an error naming the selector", err, stderr)
		}
	})
}
