package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/client"
	"github.com/shoal-dev/shoal/internal/testcluster"
	"github.com/shoal-dev/shoal/pki"
)

const rotationIngressYAML = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: rot}
spec:
  rules:
    - host: rot.test
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`

// issuerOf is the hash of the CA in a's trust bundle that signed its
// node certificate, and how many CAs the bundle holds.
func issuerOf(t *testing.T, a *testcluster.Agent) (string, int) {
	t.Helper()
	id := nodeTLS(t, a)
	for _, ca := range id.Trust() {
		if id.Leaf().CheckSignatureFrom(ca) == nil {
			return pki.CertHash(ca.Raw), len(id.Trust())
		}
	}
	return "", len(id.Trust())
}

// TestCARotation: three voters (each took the CA key over when it was
// promoted) run web pods behind an Ingress; under constant load through
// one node's ingress, `shoal ca rotate` replaces the CA. Every member
// renews under the new CA, the old CA is dropped, no request fails, no
// pod restarts, writes keep working, and a token pinning the old CA is
// refused while the rewritten one works.
func TestCARotation(t *testing.T) {
	skipShort(t)
	c := serviceCluster(t, "n1", "n2", "n3")
	n1, n2, n3 := c.Agents[0], c.Agents[1], c.Agents[2]
	testcluster.Eventually(t, 30*time.Second, func() error {
		for _, a := range c.Agents {
			if _, err := os.Stat(filepath.Join(a.DataDir, "ca.key")); err != nil {
				return fmt.Errorf("%s holds no CA key yet: %v", a.Name, err)
			}
		}
		return nil
	})
	oldCA, _ := issuerOf(t, n1)

	apply(t, n1, webDeployment("v1"))
	apply(t, n1, []byte(rotationIngressYAML))
	web := waitWeb(t, n1, "v1")
	restarts := map[string]int32{}
	for _, p := range web {
		restarts[string(p.UID)] = restartsOf(p)
	}
	cl := ingressClient(15 * time.Second)
	defer cl.CloseIdleConnections()
	testcluster.Eventually(t, 60*time.Second, func() error {
		_, err := ingressGet(cl, n2.IP, "rot.test", "/", nil)
		return err
	})

	oldAdmin := c.AdminToken()
	tr := startLoad(t, "", 10, loadThrough(cl, n2.IP, "rot.test", "/"))
	time.Sleep(2 * time.Second)
	started := time.Now()
	out, errOut, err := n3.CLI("ca", "rotate", "--wait", "3m")
	if err != nil {
		t.Fatalf("shoal ca rotate: %v\n%s\n%s", err, out, errOut)
	}
	t.Logf("rotation took %s:\n%s", time.Since(started).Round(time.Millisecond), out)
	// A write after the rotation, through a node that is not the leader.
	apply(t, n2, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: after-rotation}\ndata: {a: b}\n"))
	time.Sleep(2 * time.Second)
	ok, byHost, fails := tr.finish()
	checkNoFailures(t, "CA rotation under load through n2's ingress", ok, byHost, fails)

	var newCA string
	for _, a := range c.Agents {
		issuer, trusted := issuerOf(t, a)
		if issuer == oldCA || issuer == "" || trusted != 1 {
			t.Errorf("%s: certificate issued by %.16s, %d trusted CAs; want the new CA only", a.Name, issuer, trusted)
		}
		if newCA == "" {
			newCA = issuer
		} else if issuer != newCA {
			t.Errorf("%s: issuer %.16s, want %.16s like the others", a.Name, issuer, newCA)
		}
	}
	for _, p := range livePods(t, n1, "web") {
		want, ok := restarts[string(p.UID)]
		if !ok {
			t.Errorf("pod %s is new (uid %s): the rotation replaced a pod", p.Name, p.UID)
		} else if got := restartsOf(p); got != want {
			t.Errorf("pod %s: %d restarts, want %d", p.Name, got, want)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	stale, err := client.New(n1.APIAddr(), oldAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := stale.Status(ctx); err == nil || !strings.Contains(err.Error(), "does not match the token's CA hash") {
		t.Errorf("old admin token (old CA pin): got %v, want a CA hash mismatch", err)
	}
	fresh := c.AdminToken()
	if tok, err := pki.ParseToken(fresh); err != nil || tok.CAHash != newCA {
		t.Errorf("admin.token after the rotation: %v, pins %.16s; want the new CA %.16s", err, tok.CAHash, newCA)
	}
	if _, err := n1.Client().Status(ctx); err != nil {
		t.Errorf("rewritten admin token: %v", err)
	}
}

// restartsOf sums a pod's container restarts.
func restartsOf(p *api.Pod) int32 {
	var n int32
	for _, s := range p.Status.ContainerStatuses {
		n += s.RestartCount
	}
	return n
}
