package e2e

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/client"
	"github.com/shoal-dev/shoal/internal/testcluster"
	"github.com/shoal-dev/shoal/pki"
)

// voterFiles are the files only Raft voters keep.
var voterFiles = []string{"ca.key", "signer.crt", "token", "admin.token"}

// checkVoterFiles fails unless a's data dir holds the voter files exactly
// when want says so (every node keeps ca.crt and its node.crt).
func checkVoterFiles(t *testing.T, a *testcluster.Agent, want bool) {
	t.Helper()
	for _, f := range append([]string{"ca.crt", "node.crt", "node.key"}, voterFiles...) {
		_, err := os.Stat(filepath.Join(a.DataDir, f))
		has := err == nil
		wantHas := want || !strings.Contains(strings.Join(voterFiles, " "), f)
		if has != wantHas {
			t.Errorf("%s: got %s present=%v, want %v", a.Name, f, has, wantHas)
		}
	}
}

// nodeTLS is agent a's node identity, as a compromised node would use it.
func nodeTLS(t *testing.T, a *testcluster.Agent) *pki.NodeTLS {
	t.Helper()
	read := func(f string) []byte {
		b, err := os.ReadFile(filepath.Join(a.DataDir, f))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	trust, err := pki.ParseCertificates(read("ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	n, err := pki.NewNodeTLSTrusting(trust, nil, read("node.crt"), read("node.key"))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// raftHoldsConnection reports whether target's Raft port keeps a
// connection from the node identity id open (a refused peer is closed
// right after the handshake; an accepted one waits for Raft requests).
func raftHoldsConnection(target *testcluster.Agent, id *pki.NodeTLS) (bool, error) {
	c, err := tls.Dial("tcp", net.JoinHostPort(target.IP, strconv.Itoa(target.RaftPort)), id.ClientConfig())
	if err != nil {
		return false, err
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	_, err = c.Read(make([]byte, 1))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true, nil
	}
	return false, nil
}

// TestCredentialsByRole: with one voter, only it keeps the CA key and
// the tokens; a node joins through a non-voter (which passes the join
// to the voter); the join token is no user credential; a worker's
// certificate gets neither the voter secrets nor a Raft connection to
// the voter; rotating the join token and the admin token leaves every
// member up and refuses the old tokens.
func TestCredentialsByRole(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 3, "--voters", "1")
	n1, n2, n3 := c.Agents[0], c.Agents[1], c.Agents[2]
	checkVoterFiles(t, n1, true)
	checkVoterFiles(t, n2, false)
	checkVoterFiles(t, n3, false)

	t.Run("a node joins through a non-voter", func(t *testing.T) {
		n4 := c.NewAgent("n4", "--voters", "1", "--join", n2.APIAddr(), "--token", c.Token())
		if err := n4.Start(); err != nil {
			t.Fatal(err)
		}
		n4.WaitReady(30 * time.Second)
		checkVoterFiles(t, n4, false)
	})

	t.Run("the join token is not a user credential", func(t *testing.T) {
		cl, err := client.New(n1.APIAddr(), c.Token())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err = cl.Status(ctx)
		if err == nil || !strings.Contains(err.Error(), "wrong token") {
			t.Fatalf("got %v, want 401 wrong token", err)
		}
	})

	t.Run("a worker's certificate gets no CA key and no Raft connection", func(t *testing.T) {
		worker := nodeTLS(t, n2)
		hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: worker.ClientConfig()}}
		res, err := hc.Get("https://" + n1.APIAddr() + "/internal/v1/secrets")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "not a Raft voter") {
			t.Fatalf("got %d %s, want 403 not a Raft voter", res.StatusCode, body)
		}
		held, err := raftHoldsConnection(n1, worker)
		if err != nil {
			t.Fatal(err)
		}
		if held {
			t.Fatal("the voter's Raft port kept a worker's connection open, want it closed at once")
		}
		held, err = raftHoldsConnection(n1, nodeTLS(t, n1))
		if err != nil {
			t.Fatal(err)
		}
		if !held {
			t.Fatal("the voter's Raft port closed a voter's connection, want it kept (the check above would prove nothing)")
		}
		if !strings.Contains(n1.Log(), "refused a Raft connection from a node that is not a voter") {
			t.Error("n1's log does not name the refused Raft connection")
		}
	})

	t.Run("rotating the join token keeps members up and refuses the old token", func(t *testing.T) {
		old := c.Token()
		out, errOut, err := n3.CLI("token", "rotate")
		if err != nil {
			t.Fatalf("shoal token rotate: %v: %s", err, errOut)
		}
		fresh := strings.TrimSpace(out)
		if fresh == old || !strings.HasPrefix(fresh, "SHOAL-1-") {
			t.Fatalf("got new token %q, want a fresh SHOAL-1 token", fresh)
		}
		if got := c.Token(); got != fresh {
			t.Fatalf("voter's token file holds %q, want the new token", got)
		}
		refused := c.NewAgent("n5", "--join", n2.APIAddr(), "--token", old)
		if err := refused.Start(); err != nil {
			t.Fatal(err)
		}
		expectRefusal(t, refused, "wrong token")
		n6 := c.NewAgent("n6", "--join", n3.APIAddr(), "--token", fresh)
		if err := n6.Start(); err != nil {
			t.Fatal(err)
		}
		n6.WaitReady(30 * time.Second)
		testcluster.Eventually(t, 20*time.Second, func() error {
			got, err := readyNodes(n1)
			if err != nil {
				return err
			}
			if j := strings.Join(got, ","); j != "n1,n2,n3,n4,n6" {
				return errors.New("ready nodes " + j + ", want n1,n2,n3,n4,n6")
			}
			return nil
		})
	})

	t.Run("rotating the admin token refuses the old one everywhere", func(t *testing.T) {
		old := c.AdminToken()
		out, errOut, err := n2.CLI("token", "rotate", "--admin")
		if err != nil {
			t.Fatalf("shoal token rotate --admin: %v: %s", err, errOut)
		}
		fresh := strings.TrimSpace(out)
		for _, a := range c.Agents[:3] {
			for _, tc := range []struct {
				tok    string
				wantOK bool
			}{{old, false}, {fresh, true}} {
				cl, err := client.New(a.APIAddr(), tc.tok)
				if err != nil {
					t.Fatal(err)
				}
				testcluster.Eventually(t, 10*time.Second, func() error {
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					_, err := cl.Status(ctx)
					if (err == nil) != tc.wantOK {
						return errors.New(a.Name + ": got " + errString(err) + " for the " + map[bool]string{true: "new", false: "old"}[tc.wantOK] + " admin token")
					}
					return nil
				})
			}
		}
		if got := c.AdminToken(); got != fresh {
			t.Fatalf("voter's admin.token holds %q, want the new token", got)
		}
	})
}

func errString(err error) string {
	if err == nil {
		return "success"
	}
	return err.Error()
}

// TestCertificateRenewal: node certificates valid for 45 s are renewed
// before they expire — the voter's by itself, the others' by the voter —
// and the cluster keeps working after every original certificate has
// expired.
func TestCertificateRenewal(t *testing.T) {
	skipShort(t)
	t.Parallel() // mostly waiting (see e2e/doc.go)
	c := startCluster(t, 3, "--voters", "1", "--cert-validity", "45s")
	first := map[string]*pki.NodeTLS{}
	for _, a := range c.Agents {
		first[a.Name] = nodeTLS(t, a)
	}
	expiry := first["n1"].Leaf().NotAfter
	for _, id := range first {
		if id.Leaf().NotAfter.After(expiry) {
			expiry = id.Leaf().NotAfter
		}
	}
	time.Sleep(time.Until(expiry) + 2*time.Second)
	for _, a := range c.Agents {
		now := nodeTLS(t, a).Leaf()
		if now.SerialNumber.Cmp(first[a.Name].Leaf().SerialNumber) == 0 {
			t.Errorf("%s: still the first certificate (expired %s), want a renewed one", a.Name, first[a.Name].Leaf().NotAfter.Format(time.TimeOnly))
		}
		if !now.NotAfter.After(time.Now()) {
			t.Errorf("%s: certificate expired at %s, want a valid one", a.Name, now.NotAfter.Format(time.TimeOnly))
		}
	}
	// Writes through a non-voter reach the leader over TLS with renewed
	// certificates, and replicate back.
	apply(t, c.Agents[2], []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: after-renewal}\ndata: {a: b}\n"))
	testcluster.Eventually(t, 10*time.Second, func() error {
		_, err := c.Agents[1].Client().Get(context.Background(), "configmaps", "default", "after-renewal")
		return err
	})
	if !strings.Contains(c.Agents[1].Log(), "renewed the node certificate") {
		t.Error("n2's log does not say it renewed its certificate")
	}
}

// TestWorkerTokenNeverVotes: machines joined with the worker join token
// carry the worker role and are never promoted, while machines joined
// with the join token fill the voter seats around them.
func TestWorkerTokenNeverVotes(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 1)
	n1 := c.Agents[0]
	workerTok, errOut, err := n1.CLI("token", "--worker")
	if err != nil {
		t.Fatalf("shoal token --worker: %v: %s", err, errOut)
	}
	join := func(name, tok string) *testcluster.Agent {
		a := c.NewAgent(name, "--join", n1.APIAddr(), "--token", strings.TrimSpace(tok))
		if err := a.Start(); err != nil {
			t.Fatal(err)
		}
		a.WaitReady(30 * time.Second)
		return a
	}
	w2, w3 := join("w2", workerTok), join("w3", workerTok)
	n4, n5 := join("n4", c.Token()), join("n5", c.Token())
	testcluster.Eventually(t, 30*time.Second, func() error {
		st, err := status(n1)
		if err != nil {
			return err
		}
		want := map[string]string{"n1": "leader", "w2": "nonvoter", "w3": "nonvoter", "n4": "voter", "n5": "voter"}
		for _, m := range st.Members {
			if m.Raft != want[m.Name] {
				return errors.New(m.Name + " is " + m.Raft + ", want " + want[m.Name])
			}
		}
		for _, a := range []*testcluster.Agent{n1, w2, w3, n4, n5} {
			_, err := os.Stat(filepath.Join(a.DataDir, "ca.key"))
			if voter := a == n1 || a == n4 || a == n5; (err == nil) != voter {
				return errors.New(a.Name + ": holds the CA key " + strconv.FormatBool(err == nil) + ", want " + strconv.FormatBool(voter))
			}
		}
		return nil
	})
	for _, a := range []*testcluster.Agent{w2, w3, n4, n5} {
		want := pki.RoleNode
		if a == w2 || a == w3 {
			want = pki.RoleWorker
		}
		if got := pki.RoleOf(nodeTLS(t, a).Leaf()); got != want {
			t.Errorf("%s: certificate role %q, want %q", a.Name, got, want)
		}
	}
}
