package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/exec"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("cluster test: skipped with -short")
	}
}

// nodeList is `shoal get nodes -o json` as a test reads it.
type nodeList struct {
	Items []struct {
		Metadata struct {
			Name        string            `json:"name"`
			Labels      map[string]string `json:"labels"`
			Annotations map[string]string `json:"annotations"`
		} `json:"metadata"`
		Status struct {
			Conditions []struct {
				Type   string `json:"type"`
				Status string `json:"status"`
			} `json:"conditions"`
			Capacity map[string]string `json:"capacity"`
		} `json:"status"`
	} `json:"items"`
}

// readyNodes returns the names of Ready nodes as agent a reports them
// through `shoal get nodes -o json`.
func readyNodes(a *testcluster.Agent) ([]string, error) {
	out, errOut, err := a.CLI("get", "nodes", "-o", "json")
	if err != nil {
		return nil, fmt.Errorf("get nodes on %s: %v: %s", a.Name, err, errOut)
	}
	var nl nodeList
	if err := json.Unmarshal([]byte(out), &nl); err != nil {
		return nil, fmt.Errorf("decode get nodes: %v\n%s", err, out)
	}
	var ready []string
	for _, n := range nl.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == "Ready" && c.Status == "True" {
				ready = append(ready, n.Metadata.Name)
			}
		}
	}
	sort.Strings(ready)
	return ready, nil
}

func status(a *testcluster.Agent) (api.Status, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return a.Client().Status(ctx)
}

// roles counts members by Raft role among alive members.
func roles(st api.Status) map[string]int {
	out := map[string]int{}
	for _, m := range st.Members {
		if m.Status == "alive" {
			out[m.Raft]++
		}
	}
	return out
}

func startCluster(t *testing.T, n int, args ...string) *testcluster.Cluster {
	t.Helper()
	c := testcluster.New(t, args...)
	for i := 1; i <= n; i++ {
		c.Add(fmt.Sprintf("n%d", i))
	}
	return c
}

func TestThreeAgentsJoin(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 3)
	want := []string{"n1", "n2", "n3"}
	for _, a := range c.Agents {
		testcluster.Eventually(t, 20*time.Second, func() error {
			got, err := readyNodes(a)
			if err != nil {
				return err
			}
			if strings.Join(got, ",") != strings.Join(want, ",") {
				return fmt.Errorf("%s: got Ready nodes %v, want %v", a.Name, got, want)
			}
			return nil
		})
	}
	// The table shows the contract's columns.
	out, _, err := c.Agents[0].CLI("get", "nodes")
	if err != nil {
		t.Fatal(err)
	}
	header := strings.Fields(strings.SplitN(out, "\n", 2)[0])
	if got := strings.Join(header, " "); got != "NAME STATUS ROLE CPU MEMORY AGE" {
		t.Fatalf("got header %q, want %q", got, "NAME STATUS ROLE CPU MEMORY AGE")
	}
	// Three agents with the default --voters 3: three voters, one leader.
	testcluster.Eventually(t, 20*time.Second, func() error {
		st, err := status(c.Agents[2])
		if err != nil {
			return err
		}
		r := roles(st)
		if r["leader"] != 1 || r["voter"] != 2 || st.Leader == "" {
			return fmt.Errorf("got roles %v leader %q, want 1 leader + 2 voters", r, st.Leader)
		}
		return nil
	})
	// Well-known labels on every node.
	out, _, err = c.Agents[1].CLI("get", "node", "n3", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var n api.Node
	if err := json.Unmarshal([]byte(out), &n); err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"kubernetes.io/hostname", "kubernetes.io/os", "kubernetes.io/arch"} {
		if n.Labels[l] == "" {
			t.Errorf("node n3: got no label %s, want one (labels %v)", l, n.Labels)
		}
	}
}

func TestWrongTokenRefused(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 1)
	good := c.Token()
	// Same CA hash, wrong secret.
	wrongSecret := good[:len(good)-8] + "deadbeef"
	// Another cluster's CA hash.
	wrongCA := "SHOAL-1-" + strings.Repeat("ab", 32) + good[strings.LastIndex(good, "-"):]
	tests := []struct {
		name, token, wantMsg string
	}{
		{"wrong secret", wrongSecret, "wrong token"},
		{"wrong CA hash", wrongCA, "does not match the token's CA hash"},
		{"malformed", "hello", "malformed token"},
		{"missing", "", "--join needs --token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := c.NewAgent("intruder")
			args := []string{"agent", "--name", a.Name, "--data-dir", a.DataDir, "--bind", a.IP,
				"--gossip-port", fmt.Sprint(a.GossipPort), "--raft-port", fmt.Sprint(a.RaftPort),
				"--api-port", fmt.Sprint(a.APIPort), "--join", c.Agents[0].APIAddr()}
			if tt.token != "" {
				args = append(args, "--token", tt.token)
			}
			_, stderr, err := c.Run(args...)
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("got err %v, want a non-zero exit", err)
			}
			if !strings.Contains(stderr, tt.wantMsg) {
				t.Fatalf("got stderr %q, want it to mention %q", stderr, tt.wantMsg)
			}
			if strings.Contains(stderr, "panic") {
				t.Fatalf("agent panicked: %s", stderr)
			}
		})
	}
	// No trace of the intruder: one member, one node.
	st, err := status(c.Agents[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Members) != 1 || st.Members[0].Name != "n1" {
		t.Fatalf("got members %+v, want only n1", st.Members)
	}
	testcluster.Eventually(t, 10*time.Second, func() error {
		nodes, err := readyNodes(c.Agents[0])
		if err != nil {
			return err
		}
		if strings.Join(nodes, ",") != "n1" {
			return fmt.Errorf("got nodes %v, want [n1]", nodes)
		}
		return nil
	})
}

const configMapYAML = `apiVersion: v1
kind: ConfigMap
metadata:
  name: %s
  labels:
    app: demo
data:
  greeting: %s
`

func TestWriteThroughAnyAgentReadEverywhere(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 3)
	out, errOut, err := c.Agents[2].CLIWithInput([]byte(fmt.Sprintf(configMapYAML, "hello", "hi")), "apply", "-f", "-")
	if err != nil {
		t.Fatalf("apply through n3: %v: %s", err, errOut)
	}
	if !strings.Contains(out, "configmap/hello created") {
		t.Fatalf("got apply output %q, want configmap/hello created", out)
	}
	for _, a := range c.Agents[:2] {
		testcluster.Eventually(t, 5*time.Second, func() error {
			out, errOut, err := a.CLI("get", "configmap", "hello", "-o", "json")
			if err != nil {
				return fmt.Errorf("%s: %v: %s", a.Name, err, errOut)
			}
			var cm api.ConfigMap
			if err := json.Unmarshal([]byte(out), &cm); err != nil {
				return err
			}
			if cm.Data["greeting"] != "hi" || cm.UID == "" || cm.ResourceVersion == "" || cm.Generation != 1 || cm.CreationTimestamp == nil {
				return fmt.Errorf("%s: got %+v, want greeting hi with uid, resourceVersion, generation 1, creationTimestamp", a.Name, cm)
			}
			return nil
		})
	}
	// Applying the same file again changes nothing.
	out, _, err = c.Agents[1].CLIWithInput([]byte(fmt.Sprintf(configMapYAML, "hello", "hi")), "apply", "-f", "-")
	if err != nil || !strings.Contains(out, "unchanged") {
		t.Fatalf("re-apply: got %q, %v; want unchanged", out, err)
	}
	// A bad file changes nothing, and says what is wrong.
	bad := fmt.Sprintf(configMapYAML, "second", "x") + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n"
	_, errOut, err = c.Agents[0].CLIWithInput([]byte(bad), "apply", "-f", "-")
	if err == nil || !strings.Contains(errOut, "document 2") {
		t.Fatalf("bad apply: got err %v stderr %q, want an error naming document 2", err, errOut)
	}
	if _, _, err := c.Agents[0].CLI("get", "configmap", "second"); err == nil {
		t.Fatal("configmap/second exists after a failed apply, want nothing applied")
	}
	// Delete through another agent.
	if _, errOut, err := c.Agents[0].CLI("delete", "configmap", "hello"); err != nil {
		t.Fatalf("delete: %v: %s", err, errOut)
	}
	testcluster.Eventually(t, 5*time.Second, func() error {
		if _, _, err := c.Agents[2].CLI("get", "configmap", "hello"); err == nil {
			return errors.New("configmap/hello still there on n3")
		}
		return nil
	})
}
