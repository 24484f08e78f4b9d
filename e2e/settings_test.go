package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// TestClusterSettingsAgreed starts a cluster with a non-default service
// CIDR, joins an agent with no flags (it takes the cluster's settings),
// and shows that an agent given a conflicting flag refuses to start, both
// when it joins and when it restarts.
func TestClusterSettingsAgreed(t *testing.T) {
	skipShort(t)
	c := testcluster.New(t)
	n1 := c.Add("n1", "--service-cidr", "10.96.0.0/16", "--cluster-cidr", "10.50.0.0/16", "--pod-security", "restricted")
	n2 := c.Add("n2")

	want := api.ClusterConfigSpec{
		ClusterCIDR:   "10.50.0.0/16",
		ServiceCIDR:   "10.96.0.0/16",
		ClusterDomain: "cluster.local",
		NodePortRange: "30000-32767",
		NodeGrace:     api.Duration(5 * time.Second),
		FenceAfter:    api.Duration(10 * time.Second),
		PodSecurity:   api.PodSecurityRestricted,
	}
	// n2 runs with the cluster's settings, not its own defaults.
	testcluster.Eventually(t, 20*time.Second, func() error {
		st, err := status(n2)
		if err != nil {
			return err
		}
		if st.Settings == nil || *st.Settings != want {
			return fmt.Errorf("n2 runs with settings %+v, want %+v", st.Settings, want)
		}
		return nil
	})
	out, errOut, err := n2.CLI("status")
	if err != nil || !strings.Contains(strings.Join(strings.Fields(out), " "), "service CIDR: 10.96.0.0/16") {
		t.Errorf("shoal status on n2: got %v %s\n%s, want it to show service CIDR 10.96.0.0/16", err, errOut, out)
	}
	// The leader gave n2 a pod CIDR from the agreed cluster CIDR.
	testcluster.Eventually(t, 20*time.Second, func() error {
		out, errOut, err := n2.CLI("get", "node", "n2", "-o", "json")
		if err != nil {
			return fmt.Errorf("get node n2: %v: %s", err, errOut)
		}
		var n api.Node
		if err := json.Unmarshal([]byte(out), &n); err != nil {
			return err
		}
		if !strings.HasPrefix(n.Spec.PodCIDR, "10.50.") {
			return fmt.Errorf("node n2 has pod CIDR %q, want one in 10.50.0.0/16", n.Spec.PodCIDR)
		}
		return nil
	})

	// The settings are an object anyone can read and no one can write.
	out, errOut, err = n2.CLI("get", "clusterconfig", "cluster", "-o", "json")
	if err != nil {
		t.Fatalf("get clusterconfig: %v: %s", err, errOut)
	}
	var cc api.ClusterConfig
	if err := json.Unmarshal([]byte(out), &cc); err != nil {
		t.Fatal(err)
	}
	if cc.Spec != want {
		t.Errorf("get clusterconfig: got %+v, want %+v", cc.Spec, want)
	}
	out, _, err = n1.CLI("get", "clusterconfig")
	if err != nil {
		t.Fatal(err)
	}
	if header := strings.Join(strings.Fields(strings.SplitN(out, "\n", 2)[0]), " "); header != "NAME STATUS CLUSTER-CIDR SERVICE-CIDR DOMAIN NODE-PORTS AGE" {
		t.Errorf("get clusterconfig: got header %q", header)
	}
	manifest := "apiVersion: shoal.dev/v1\nkind: ClusterConfig\nmetadata:\n  name: cluster\nspec:\n  clusterCIDR: 10.50.0.0/16\n  serviceCIDR: 10.97.0.0/16\n  clusterDomain: cluster.local\n  nodePortRange: 30000-32767\n  nodeGrace: 5s\n  fenceAfter: 10s\n"
	if _, errOut, err := n1.CLIWithInput([]byte(manifest), "apply", "-f", "-"); err == nil || !strings.Contains(errOut, "managed by the cluster") {
		t.Errorf("apply ClusterConfig: got %v %q, want it refused as managed by the cluster", err, errOut)
	}
	if _, errOut, err := n1.CLI("delete", "clusterconfig", "cluster"); err == nil || !strings.Contains(errOut, "managed by the cluster") {
		t.Errorf("delete ClusterConfig: got %v %q, want it refused as managed by the cluster", err, errOut)
	}

	// A joiner with a conflicting flag stops before it joins.
	n3 := c.NewAgent("n3", "--cluster-domain", "other.local", "--join", n1.APIAddr(), "--token", c.Token())
	t.Cleanup(n3.Kill)
	if err := n3.Start(); err != nil {
		t.Fatal(err)
	}
	wantMsg := "--cluster-domain other.local conflicts with the cluster's cluster.local, agreed when the cluster was created; drop the flag or use the cluster's value"
	expectRefusal(t, n3, wantMsg)
	if _, err := os.Stat(filepath.Join(n3.DataDir, "node.crt")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("n3 saved a cluster identity (stat node.crt: %v), want nothing saved", err)
	}
	st, err := status(n1)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range st.Members {
		if m.Name == "n3" {
			t.Errorf("n3 is a member (%+v), want it refused before joining", m)
		}
	}

	// A restarted agent checks its flags against its replica.
	n2.Stop()
	if err := n2.Relaunch("--service-cidr", "10.43.0.0/16"); err != nil {
		t.Fatal(err)
	}
	expectRefusal(t, n2, "--service-cidr 10.43.0.0/16 conflicts with the cluster's 10.96.0.0/16, agreed when the cluster was created; drop the flag or use the cluster's value")
}

// expectRefusal waits for agent a to exit non-zero with msg in its log.
func expectRefusal(t *testing.T, a *testcluster.Agent, msg string) {
	t.Helper()
	err := a.Wait(60 * time.Second)
	var exit *exec.ExitError
	if !errors.As(err, &exit) {
		t.Fatalf("%s: got exit %v, want a non-zero exit\n%s", a.Name, err, a.Log())
	}
	if !strings.Contains(a.Log(), msg) {
		t.Fatalf("%s: log does not say %q:\n%s", a.Name, msg, a.Log())
	}
}
