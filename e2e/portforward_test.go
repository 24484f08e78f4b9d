package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

const portForwardYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: pf
spec:
  replicas: 1
  selector:
    matchLabels: {app: pf}
  template:
    metadata:
      labels: {app: pf}
    spec:
      nodeSelector: {kubernetes.io/hostname: n2}
      terminationGracePeriodSeconds: 2
      containers:
      - name: web
        image: shoal.local/testserver:1
        ports:
        - {name: http, containerPort: 8080}
---
apiVersion: v1
kind: Service
metadata:
  name: pf
spec:
  selector: {app: pf}
  ports:
  - {name: web, port: 80, targetPort: http}
`

// forwardLine is what port-forward prints for each listener.
var forwardLine = regexp.MustCompile(`^Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)$`)

// portForward runs `shoal port-forward args...` against agent a until the
// test ends and returns the local 127.0.0.1 address it listens on, once
// it printed it; stop, which interrupts it (if it still runs) and returns
// everything it printed and its exit error; and exited, closed when it
// has ended.
func portForward(t *testing.T, c *testcluster.Cluster, a *testcluster.Agent, args ...string) (addr string, stop func() (string, error), exited <-chan struct{}) {
	t.Helper()
	cmd := exec.Command(c.Bin(), append([]string{"port-forward"}, args...)...)
	cmd.Env = a.ClientEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var all strings.Builder
	cmd.Stderr = writerFunc(func(p []byte) (int, error) {
		mu.Lock()
		defer mu.Unlock()
		return all.Write(p)
	})
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addrc := make(chan string, 1)
	done := make(chan struct{})
	var waitErr error
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			mu.Lock()
			all.WriteString(line + "\n")
			mu.Unlock()
			if m := forwardLine.FindStringSubmatch(line); m != nil {
				select {
				case addrc <- "127.0.0.1:" + m[1]:
				default:
				}
			}
		}
		waitErr = cmd.Wait()
		close(done)
	}()
	var once sync.Once
	var stopErr error
	stop = func() (string, error) {
		once.Do(func() {
			select {
			case <-done:
			default:
				_ = cmd.Process.Signal(os.Interrupt)
				select {
				case <-done:
				case <-time.After(time.Minute):
					_ = cmd.Process.Kill()
					<-done
					stopErr = errors.New("port-forward did not end within a minute of SIGINT")
				}
			}
		})
		mu.Lock()
		defer mu.Unlock()
		if stopErr != nil {
			return all.String(), stopErr
		}
		return all.String(), waitErr
	}
	t.Cleanup(func() { _, _ = stop() })
	select {
	case addr = <-addrc:
		return addr, stop, done
	case <-done:
		out, err := stop()
		t.Fatalf("port-forward %v ended before listening: %v\n%s", args, err, out)
	case <-time.After(2 * time.Minute):
		out, _ := stop()
		t.Fatalf("port-forward %v printed no Forwarding line\n%s", args, out)
	}
	return "", nil, nil
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// TestPortForward forwards local ports to a test server pod on n2 through
// n1's API, so every connection crosses from the node the CLI talks to
// to the node that runs the pod.
func TestPortForward(t *testing.T) {
	skipShort(t)
	c := podCluster(t, "n1", "n2")
	n1 := c.Agents[0]
	apply(t, n1, []byte(portForwardYAML))
	var pod *api.Pod
	testcluster.Eventually(t, 2*time.Minute, func() error {
		pods := livePods(t, n1, "pf")
		if len(pods) != 1 || pods[0].Status.Phase != api.PodRunning {
			return fmt.Errorf("got pods %v, want one running", nodesOf(pods))
		}
		pod = pods[0]
		return nil
	})
	if pod.Spec.NodeName != "n2" {
		t.Fatalf("pod %s runs on %s, want n2 (not the node the CLI talks to)", pod.Name, pod.Spec.NodeName)
	}
	// ask sends GET / through the forwarded port several times, each on a
	// new connection, and wants the pod's name back every time.
	ask := func(t *testing.T, addr string) {
		t.Helper()
		for i := range 3 {
			ans := httpOnce(addr, 30*time.Second)
			if ans.Err != nil {
				t.Fatalf("request %d through %s: %v", i+1, addr, ans.Err)
			}
			if ans.Hostname != pod.Name {
				t.Errorf("request %d: got answer from %q, want %q", i+1, ans.Hostname, pod.Name)
			}
		}
	}
	tests := []struct {
		name string
		args []string
	}{
		{"pod by name, free local port", []string{pod.Name, ":8080"}},
		{"deploy/NAME with a named port", []string{"deploy/pf", ":http"}},
		{"svc/NAME to its targetPort", []string{"svc/pf", ":80"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, stop, _ := portForward(t, c, n1, tt.args...)
			ask(t, addr)
			out, err := stop()
			if err != nil {
				t.Errorf("port-forward exit after SIGINT: got %v, want success\n%s", err, out)
			}
			if got := strings.Count(out, "Handling connection for "); got != 3 {
				t.Errorf("got %d 'Handling connection' lines, want 3\n%s", got, out)
			}
		})
	}
	t.Run("concurrent connections", func(t *testing.T) {
		addr, _, _ := portForward(t, c, n1, "pod/"+pod.Name, ":8080")
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if ans := httpOnce(addr, time.Minute); ans.Err != nil || ans.Hostname != pod.Name {
					errs <- fmt.Errorf("got %q, %v; want an answer from %s", ans.Hostname, ans.Err, pod.Name)
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
	t.Run("a closed port fails the connection, not the command", func(t *testing.T) {
		addr, stop, _ := portForward(t, c, n1, "pod/"+pod.Name, ":9999")
		if ans := httpOnce(addr, 30*time.Second); ans.Err == nil {
			t.Errorf("got an answer from %s through port 9999, want the connection to fail", ans.Hostname)
		}
		out, err := stop()
		if err != nil {
			t.Errorf("port-forward exit: got %v, want success after SIGINT\n%s", err, out)
		}
		if !strings.Contains(out, "error forwarding") || !strings.Contains(out, "9999") {
			t.Errorf("got output %q, want an error naming port 9999", out)
		}
	})
	// describe pod on the same pod: the summary a kubectl user reads.
	t.Run("describe pod", func(t *testing.T) {
		testcluster.Eventually(t, time.Minute, func() error {
			out, stderr, err := n1.CLI("describe", "pod", pod.Name)
			if err != nil {
				return fmt.Errorf("describe pod: %v: %s", err, stderr)
			}
			norm := strings.Join(strings.Fields(out), " ")
			for _, want := range []string{
				"Name: " + pod.Name, "Namespace: default", "Node: n2/", "Status: Running",
				"Controlled By: ReplicaSet/pf-", "Image: shoal.local/testserver:1", "Port: 8080/TCP",
				"State: Running", "Ready: True", "Restart Count: 0", "Ready True", "QoS Class: BestEffort", "Events:",
			} {
				if !strings.Contains(norm, want) {
					return fmt.Errorf("describe pod: no %q in\n%s", want, out)
				}
			}
			return nil
		})
	})
	t.Run("a port the pod does not name", func(t *testing.T) {
		out, stderr, err := n1.CLI("port-forward", "deploy/pf", "grpc")
		if err == nil || !strings.Contains(stderr, `has no container port named "grpc"`) {
			t.Errorf("got %v: %s%s, want the unknown port named", err, out, stderr)
		}
	})
	// Last: it deletes the pod.
	t.Run("deleting the pod ends the command", func(t *testing.T) {
		addr, stop, exited := portForward(t, c, n1, "pod/"+pod.Name, ":8080")
		if ans := httpOnce(addr, 30*time.Second); ans.Err != nil {
			t.Fatalf("before the delete: %v", ans.Err)
		}
		if out, stderr, err := n1.CLI("delete", "pod", pod.Name); err != nil {
			t.Fatalf("delete pod: %v: %s%s", err, out, stderr)
		}
		select {
		case <-exited:
		case <-time.After(2 * time.Minute):
			t.Fatal("port-forward still runs two minutes after its pod was deleted")
		}
		out, err := stop()
		if exitCodeOf(err) != 1 || !strings.Contains(out, "lost connection to pod "+pod.Name) {
			t.Errorf("got exit %v and output %q, want exit 1 with 'lost connection to pod %s'", err, out, pod.Name)
		}
	})
}
