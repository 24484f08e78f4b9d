package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

const snapshotAppYAML = `apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {greeting: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: creds}
data: {password: czNjcjN0}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: busybox, command: [sleep, "3600"]}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
`

// TestSnapshotSaveRestore: `shoal snapshot save` through a follower of a
// three-node cluster writes a 0600 file; the whole cluster is stopped; a
// truncated or altered copy is refused by a restore on a fresh data dir,
// which stays untouched; the intact file restored on a fresh node gives a
// one-node cluster that serves every object (the Service keeps its
// ClusterIP and answers by DNS), takes writes, and has new credentials.
func TestSnapshotSaveRestore(t *testing.T) {
	skipShort(t)
	t.Parallel()
	c := startCluster(t, 3)
	n1, n2 := c.Agents[0], c.Agents[1]
	apply(t, n1, []byte(snapshotAppYAML))
	clusterIP := waitClusterIPs(t, n1, []string{"web"}, 20*time.Second)["web"]
	oldToken := c.AdminToken()

	dir := t.TempDir()
	file := filepath.Join(dir, "backup.snap")
	follower := n2
	if leaderOf(t, n1) == n2.Name {
		follower = c.Agents[2]
	}
	out, errOut, err := follower.CLI("snapshot", "save", file)
	if err != nil {
		t.Fatalf("snapshot save: %v: %s", err, errOut)
	}
	if !strings.Contains(out, "Secret") {
		t.Errorf("snapshot save says %q, want a warning that the file holds Secrets", out)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("snapshot file mode %s, want 0600", st.Mode().Perm())
	}
	out, errOut, err = c.Run("snapshot", "inspect", file)
	if err != nil || !strings.Contains(out, "Deployment") || !strings.Contains(out, "Secret") {
		t.Fatalf("snapshot inspect: %v %s\n%s", err, errOut, out)
	}

	for _, a := range c.Agents {
		a.Kill()
	}

	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	altered := []byte(strings.Replace(string(good), "hello", "jello", 1))
	fresh := testcluster.New(t)
	for _, tc := range []struct {
		name, want string
		content    []byte
	}{
		{"truncated", "truncated", good[:len(good)*2/3]},
		{"altered", "checksum mismatch", altered},
		{"empty", "truncated", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := filepath.Join(dir, tc.name+".snap")
			if err := os.WriteFile(bad, tc.content, 0o600); err != nil {
				t.Fatal(err)
			}
			dataDir := filepath.Join(dir, "refused-"+tc.name)
			_, errOut, err := fresh.Run("snapshot", "restore", bad, "--data-dir", dataDir, "--name", "r0", "--bind", "127.0.0.1", "--runtime", "none")
			if err == nil || !strings.Contains(errOut, tc.want) || !strings.Contains(errOut, "nothing was changed") {
				t.Fatalf("restore of a %s file: got %v, stderr %q; want a refusal saying %q", tc.name, err, errOut, tc.want)
			}
			if _, err := os.Stat(dataDir); !os.IsNotExist(err) {
				t.Errorf("the refused restore left %s behind (stat: %v)", dataDir, err)
			}
		})
	}

	r := fresh.NewAgent("r1", "--restore", file)
	fresh.Agents = append(fresh.Agents, r)
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	r.WaitReady(30 * time.Second)
	if tok := fresh.AdminToken(); tok == oldToken {
		t.Error("the restored cluster kept the old admin token; want new credentials")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	testcluster.Eventually(t, 20*time.Second, func() error {
		for _, k := range []struct{ res, name string }{{"configmaps", "settings"}, {"secrets", "creds"}, {"deployments", "web"}, {"services", "web"}} {
			if _, err := r.Client().Get(ctx, k.res, "default", k.name); err != nil {
				return fmt.Errorf("%s/%s after restore: %w", k.res, k.name, err)
			}
		}
		return nil
	})
	sec, err := r.Client().Get(ctx, "secrets", "default", "creds")
	if err != nil {
		t.Fatal(err)
	}
	if got := string(sec.(*api.Secret).Data["password"]); got != "s3cr3t" {
		t.Errorf("restored Secret password %q, want s3cr3t", got)
	}
	if got := svcOf(t, r, "web").Spec.ClusterIP; got != clusterIP {
		t.Errorf("restored Service ClusterIP %s, want %s as before", got, clusterIP)
	}
	testcluster.Eventually(t, 20*time.Second, func() error {
		m, err := dnsQuery(r.DNSAddr(), svcName("web"), dns.TypeA, "udp")
		if err != nil {
			return err
		}
		if got := aRecords(m); !slices.Equal(got, []string{clusterIP}) {
			return fmt.Errorf("DNS A %s: got %v, want [%s]", svcName("web"), got, clusterIP)
		}
		return nil
	})
	apply(t, r, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: after}\ndata: {k: v}\n"))
	if _, err := r.Client().Get(ctx, "configmaps", "default", "after"); err != nil {
		t.Fatalf("write after restore: %v", err)
	}
	old, err := client.New(r.APIAddr(), oldToken)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.Status(ctx); err == nil {
		t.Error("the old cluster's admin token is accepted by the restored cluster; want it refused")
	}

	// The data dir now holds a cluster: a second restore is refused.
	r.Kill()
	_, errOut, err = fresh.Run("snapshot", "restore", file, "--data-dir", r.DataDir, "--name", "r1", "--bind", "127.0.0.1", "--runtime", "none")
	if err == nil || !strings.Contains(errOut, "already holds a cluster") {
		t.Fatalf("restore onto a used data dir: got %v, stderr %q; want a refusal", err, errOut)
	}
}
