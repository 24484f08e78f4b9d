package e2e

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
)

const kubectlAppYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: shoal.local/testserver:1
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
`

// kubectlBadYAML has one problem of each class, in four documents.
const kubectlBadYAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      shareProcessNamespace: true
      containers:
      - name: web
        imagee: shoal.local/testserver:1
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: nowhere
---
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  ports:
  - port: 0
`

// TestKubectlHabits runs the kubectl-style verbs against a real agent: errors
// of every class in one round, get with several kinds, KIND/NAME and all,
// the pod columns and the default namespace.
func TestKubectlHabits(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 1)
	a := c.Agents[0]
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	run := func(args ...string) string {
		t.Helper()
		out, errOut, err := a.CLI(args...)
		if err != nil {
			t.Fatalf("shoal %s: %v: %s", strings.Join(args, " "), err, errOut)
		}
		return out
	}

	t.Run("every error in one round", func(t *testing.T) {
		_, errOut, err := a.CLI("apply", "-f", write("bad.yaml", kubectlBadYAML))
		if err == nil {
			t.Fatal("apply of a bad file succeeded, want an error")
		}
		for _, want := range []string{
			`document 1 (Deployment "web"): spec.template.spec.shareProcessNamespace: not supported by Shoal`,
			`document 1 (Deployment "web"): unknown field "spec.template.spec.containers[0].imagee" (did you mean "image"?)`,
			`document 2 (NetworkPolicy "deny"): kind: "NetworkPolicy" is a Kubernetes kind not supported by Shoal`,
			`document 3 (ConfigMap "settings"): namespace "nowhere" does not exist`,
			`document 4 (Service "api"): spec.ports[0].port`,
		} {
			if !strings.Contains(errOut, want) {
				t.Errorf("error does not mention %q; got:\n%s", want, errOut)
			}
		}
	})

	run("apply", "-f", write("app.yaml", kubectlAppYAML))
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"several kinds", []string{"get", "deploy,svc"}, []string{"deployment/web", "service/web", "UP-TO-DATE", "CLUSTER-IP"}},
		{"KIND/NAME", []string{"get", "deploy/web", "svc/web"}, []string{"deployment/web", "service/web"}},
		{"one KIND/NAME", []string{"get", "svc/web", "-o", "name"}, []string{"service/web"}},
		{"all", []string{"get", "all"}, []string{"deployment/web", "service/web", "replicaset/web-"}},
		{"default namespace", []string{"get", "ns"}, []string{"default", "Active"}},
		{"describe node", []string{"describe", "node", "n1"}, []string{"Capacity:", "Allocatable:", "Non-terminated Pods:", "default", "web-", "Allocated resources:"}},
		{"describe deployment", []string{"describe", "deploy", "web"}, []string{"Replicas:", "1 desired", "StrategyType:", "web:", "shoal.local/testserver:1", "Conditions:"}},
		{"rollout history", []string{"rollout", "history", "deploy/web"}, []string{"deployment/web\nREVISION  CHANGE-CAUSE\n1         <none>\n"}},
		{"rollout history revision", []string{"rollout", "history", "deploy/web", "--revision", "1"}, []string{"Image: shoal.local/testserver:1"}},
		{"pod columns", []string{"get", "pods", "-o", "wide"}, []string{"NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The controllers make the ReplicaSet and the pod soon after the apply.
			testcluster.Eventually(t, 30*time.Second, func() error {
				out, errOut, err := a.CLI(tt.args...)
				if err != nil {
					return fmt.Errorf("shoal %s: %v: %s", strings.Join(tt.args, " "), err, errOut)
				}
				for _, w := range tt.want {
					if !strings.Contains(out, w) {
						return fmt.Errorf("shoal %s: output does not contain %q; got:\n%s", strings.Join(tt.args, " "), w, out)
					}
				}
				return nil
			})
		})
	}
	t.Run("label and annotate", func(t *testing.T) {
		if out := run("label", "deploy", "web", "tier=front"); !strings.Contains(out, "deployment/web labeled") {
			t.Errorf("label: got %q, want deployment/web labeled", out)
		}
		if _, errOut, err := a.CLI("label", "deploy/web", "tier=back"); err == nil || !strings.Contains(errOut, `label "tier" is already "front": pass --overwrite`) {
			t.Errorf("label without --overwrite: got %v %q, want the conflict named", err, errOut)
		}
		run("label", "deploy/web", "tier=back", "--overwrite")
		run("annotate", "deploy/web", "note=hello world")
		if out := run("get", "deploy", "-l", "tier=back", "-o", "name"); strings.TrimSpace(out) != "deployment/web" {
			t.Errorf("get -l tier=back: got %q, want deployment/web", out)
		}
		if out := run("get", "deploy/web", "-o", "json"); !strings.Contains(out, `"note": "hello world"`) {
			t.Errorf("annotation not stored; got:\n%s", out)
		}
		run("label", "deploy/web", "tier-")
		if out, errOut, _ := a.CLI("get", "deploy", "-l", "tier", "-o", "name"); strings.TrimSpace(out) != "" {
			t.Errorf("get -l tier after tier-: got %q %q, want nothing", out, errOut)
		}
	})
	t.Run("pod header order", func(t *testing.T) {
		out, errOut, err := a.CLI("get", "pods", "-o", "wide")
		if err != nil {
			t.Fatalf("get pods: %v: %s", err, errOut)
		}
		if got := strings.Join(strings.Fields(strings.SplitN(out, "\n", 2)[0]), " "); got != "NAME READY STATUS RESTARTS AGE IP NODE" {
			t.Errorf("got header %q, want %q", got, "NAME READY STATUS RESTARTS AGE IP NODE")
		}
	})
	t.Run("get -w prints the list, then changes", func(t *testing.T) {
		run("apply", "-f", write("before.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: before\n"))
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, c.Bin(), "get", "cm", "-w")
		cmd.Env = a.ClientEnv()
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() {
			cancel()
			_ = cmd.Wait()
		}()
		lines := make(chan string, 64)
		go func() {
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		next := func(what string) string {
			t.Helper()
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("get -w ended before %s", what)
				}
				return l
			case <-ctx.Done():
				t.Fatalf("no %s from get -w", what)
			}
			return ""
		}
		if h := strings.Join(strings.Fields(next("header")), " "); h != "NAME STATUS DATA AGE" {
			t.Fatalf("got header %q, want %q", h, "NAME STATUS DATA AGE")
		}
		// The list's row for "before" comes once: the watch does not repeat it.
		befores := 0
		for i := 0; ; i++ {
			run("apply", "-f", write("watched.yaml", fmt.Sprintf("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched\ndata:\n  round: %q\n", fmt.Sprint(i))))
			deadline := time.After(2 * time.Second)
		wait:
			for {
				select {
				case l := <-lines:
					f := strings.Fields(l)
					if len(f) > 0 && f[0] == "before" {
						befores++
					}
					if len(f) == 0 || f[0] != "watched" {
						continue // another config map's row
					}
					if len(f) < 3 || f[1] != "Active" {
						t.Fatalf("got row %q, want watched Active ...", l)
					}
					if befores != 1 {
						t.Errorf("got %d rows for config map before, want 1 (from the list)", befores)
					}
					return
				case <-deadline:
					break wait
				}
			}
			if i == 10 {
				t.Fatal("get -w printed no row for the applied config map")
			}
		}
	})
}
