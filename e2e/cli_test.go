package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
)

func TestCLIVerbs(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 1)
	a := c.Agents[0]
	dir := t.TempDir()
	manifest := filepath.Join(dir, "app.yaml")
	if err := os.WriteFile(manifest, []byte(`apiVersion: v1
kind: Namespace
metadata:
  name: team
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: team
data:
  mode: fast
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: team
spec:
  selector:
    app: web
  ports:
  - name: http
    port: 80
    targetPort: http
`), 0o644); err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) string {
		t.Helper()
		out, errOut, err := a.CLI(args...)
		if err != nil {
			t.Fatalf("shoal %s: %v: %s", strings.Join(args, " "), err, errOut)
		}
		return out
	}

	// Watch from the start: the stream must report the apply.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	events := make(chan api.WatchEvent, 16)
	go func() {
		_ = a.Client().Watch(ctx, "team", []string{"configmaps"}, func(ev api.WatchEvent) bool {
			events <- ev
			return true
		})
	}()
	time.Sleep(300 * time.Millisecond)

	if out := run("apply", "-f", dir); !strings.Contains(out, "namespace/team created") || !strings.Contains(out, "configmap/settings created") {
		t.Fatalf("apply -f DIR: got %q", out)
	}
	select {
	case ev := <-events:
		if ev.Type != "ADDED" || ev.Object.GetObjectMeta().Name != "settings" {
			t.Fatalf("got watch event %s %s, want ADDED settings", ev.Type, ev.Object.GetObjectMeta().Name)
		}
	case <-ctx.Done():
		t.Fatal("watch reported nothing")
	}

	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"get in namespace", []string{"get", "cm", "-n", "team"}, []string{"NAME", "STATUS", "settings", "Active"}},
		{"get all namespaces", []string{"get", "configmaps", "-A"}, []string{"NAMESPACE", "team"}},
		{"get yaml", []string{"get", "cm", "settings", "-n", "team", "-o", "yaml"}, []string{"mode: fast", "namespace: team", "uid:"}},
		{"describe", []string{"describe", "configmap", "settings", "-n", "team"}, []string{"Name:         settings", "Namespace:    team", "Data:"}},
		{"get by selector (none)", []string{"get", "cm", "-n", "team", "-l", "app=nothing", "-o", "name"}, nil},
		{"token", []string{"token", "--data-dir", a.DataDir}, []string{"SHOAL-1-"}},
		{"namespaces", []string{"get", "ns"}, []string{"team"}},
		{"get svc", []string{"get", "svc", "-n", "team", "-o", "wide"}, []string{"NAME   TYPE        CLUSTER-IP", "EXTERNAL-IP   PORT(S)   SELECTOR", "web    ClusterIP", "80/TCP    app=web"}},
		{"get endpoints", []string{"get", "ep", "-n", "team"}, []string{"NAME   ENDPOINTS   AGE", "web    <none>"}},
		{"describe svc", []string{"describe", "svc", "web", "-n", "team"}, []string{"Selector:                app=web", "TargetPort:              http/TCP", "Endpoints:               <none>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := run(tt.args...)
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Fatalf("got %q, want it to contain %q", out, w)
				}
			}
		})
	}

	var st struct {
		Leader  string `json:"leader"`
		Members []struct {
			Name, Address, Status, Raft string
		} `json:"members"`
	}
	if err := json.Unmarshal([]byte(run("status", "-o", "json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Leader != "n1" || len(st.Members) != 1 || st.Members[0].Raft != "leader" || st.Members[0].Status != "alive" {
		t.Fatalf("got status %+v, want n1 alive leader", st)
	}

	// Bad input to the CLI: clear errors, non-zero exit.
	bad := []struct {
		name string
		args []string
		want string
	}{
		{"unknown kind", []string{"get", "widgets"}, "unknown kind \"widgets\""},
		{"bad output", []string{"get", "nodes", "-o", "xml"}, "-o \"xml\""},
		{"missing file", []string{"apply", "-f", filepath.Join(dir, "nope.yaml")}, "no such file"},
		{"bad selector", []string{"get", "cm", "-l", "a in b"}, "selector"},
		{"delete needs args", []string{"delete"}, "give either -f FILE or KIND NAME"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, err := a.CLI(tt.args...)
			if err == nil || !strings.Contains(errOut, tt.want) {
				t.Fatalf("got err %v stderr %q, want an error containing %q", err, errOut, tt.want)
			}
		})
	}

	if out := run("delete", "-f", manifest); !strings.Contains(out, "configmap/settings deleted") {
		t.Fatalf("delete -f: got %q", out)
	}
	if out := run("get", "cm", "-n", "team", "-o", "name"); strings.TrimSpace(out) != "" {
		t.Fatalf("after delete -f: got %q, want nothing", out)
	}
}
