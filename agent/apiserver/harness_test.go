package apiserver

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/pki"
	"github.com/shoal-dev/shoal/placement/svcaddr"
)

// storeProposer commits commands straight into a real Store through its
// FSM, as a single-node Raft would.
type storeProposer struct {
	mu    sync.Mutex
	fsm   *consensus.FSM
	index uint64
}

func (p *storeProposer) Propose(_ context.Context, cmd consensus.Command) ([]api.Written, error) {
	data, err := consensus.EncodeCommand(cmd)
	if err != nil {
		return nil, err
	}
	res, err := p.apply(data)
	if err != nil {
		return nil, err
	}
	written := make([]api.Written, len(res.Objects))
	for i, o := range res.Objects {
		written[i] = api.WrittenOf(o)
	}
	return written, res.Err
}

func (p *storeProposer) apply(data []byte) (consensus.ApplyResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.index++
	res, ok := p.fsm.Apply(&raft.Log{Index: p.index, Term: 1, Type: raft.LogCommand, Data: data}).(consensus.ApplyResult)
	if !ok {
		return consensus.ApplyResult{}, errors.New("fsm returned no ApplyResult")
	}
	return res, nil
}

// oneNode is a one-node cluster that leads, has no gossip peers and runs
// no container runtime.
type oneNode struct{ p *storeProposer }

func (oneNode) Status() api.Status                  { return api.Status{Leader: "n1", Members: []api.MemberStatus{}} }
func (oneNode) RaftRoles() map[string]string        { return map[string]string{"n1": api.RoleLeader} }
func (oneNode) Member(string) (gossip.Member, bool) { return gossip.Member{}, false }
func (oneNode) Members() []gossip.Member            { return nil }
func (oneNode) IsLeader() bool                      { return true }
func (oneNode) RemoveServer(string) error           { return nil }
func (oneNode) Leave(context.Context) error         { return errors.New("a test node does not leave") }
func (oneNode) WaitSettled(context.Context) error   { return nil }
func (oneNode) NodeGrace() time.Duration            { return 40 * time.Second }
func (oneNode) FenceAfter() time.Duration           { return 80 * time.Second }
func (oneNode) MaxReplicas() int                    { return 0 }
func (oneNode) PodSecurity() api.PodSecurityLevel   { return api.PodSecurityBaseline }
func (oneNode) ContainerRuntime() (*runtime.Runtime, error) {
	return nil, errors.New("no container runtime in tests")
}
func (n oneNode) ApplyLocal(_ context.Context, cmd []byte) (consensus.ApplyResult, error) {
	return n.p.apply(cmd)
}
func (oneNode) ServiceAddrs() svcaddr.Config {
	return svcaddr.Config{ServiceCIDR: netip.MustParsePrefix("10.43.0.0/16"), NodePorts: svcaddr.DefaultNodePortRange}
}

// testServer serves the API over a real Store holding objs, writing
// through storeProposer. It returns the store and a client that sends
// the cluster token.
func testServer(t *testing.T, objs ...api.Object) (*consensus.Store, *apiClient) {
	t.Helper()
	st, h, tok := newTestAPI(t, objs...)
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return st, &apiClient{t: t, base: hs.URL, token: tok.String()}
}

// newTestAPI returns the handler of an API server over a real Store
// holding objs, writing through storeProposer, and the cluster token.
func newTestAPI(t testing.TB, objs ...api.Object) (*consensus.Store, http.Handler, pki.Token) {
	t.Helper()
	st := consensus.NewStore()
	p := &storeProposer{fsm: consensus.NewFSM(st, nil)}
	if len(objs) > 0 {
		if _, err := p.Propose(context.Background(), consensus.Put{Objects: objs, Mode: consensus.ModeReplace, Time: time.Now()}); err != nil {
			t.Fatalf("put: %v", err)
		}
	}
	ca, tok := newCAAndToken(t)
	n := oneNode{p}
	s, err := New(Config{
		Node: "n1", DataDir: t.TempDir(), Credentials: tokenCredentials{tok}, Authority: testAuthority{ca}, GossipKey: []byte("k"),
		Registry: prometheus.NewRegistry(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		View: st, Proposer: p, Cluster: n, Settings: n, Runtime: n,
	})
	if err != nil {
		t.Fatal(err)
	}
	return st, s.Handler(), tok
}

// apiClient calls the test server as a user.
type apiClient struct {
	t     *testing.T
	base  string
	token string
}

// do sends a request and returns the status code and body.
func (c *apiClient) do(method, target, body string) (int, []byte) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+target, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return res.StatusCode, b
}

// tokenCredentials accepts tok's secret as both the admin and the join
// secret.
type tokenCredentials struct{ tok pki.Token }

func (c tokenCredentials) Admin(secret string) bool        { return c.tok.SecretMatches(secret) }
func (c tokenCredentials) Join(secret string) (bool, bool) { return c.tok.SecretMatches(secret), true }

// testAuthority is a voter's Authority over one CA, without rotation.
type testAuthority struct{ ca *pki.CA }

func (a testAuthority) SignNode(csrPEM []byte, name string, ips []net.IP) ([]byte, error) {
	return a.ca.Sign(csrPEM, name, ips, time.Now())
}
func (a testAuthority) TrustBundle() []byte { return a.ca.CertPEM }
func (a testAuthority) VoterSecrets() (VoterSecrets, error) {
	return VoterSecrets{SignerCert: string(a.ca.CertPEM), SignerKey: string(a.ca.KeyPEM)}, nil
}
func (a testAuthority) AdmitNode(_ context.Context, csrPEM []byte, name string, ips []net.IP, _ bool) ([]byte, error) {
	return a.SignNode(csrPEM, name, ips)
}
func (a testAuthority) JoinToken(bool) (string, error) { return "", ErrNoCAKey }
func (a testAuthority) RotateToken(context.Context, string) (string, error) {
	return "", errors.New("not in tests")
}
func (a testAuthority) RotateCA(context.Context) (api.CAStatus, error) {
	return api.CAStatus{}, errors.New("not in tests")
}
func (a testAuthority) CAStatus() (api.CAStatus, error) {
	return api.CAStatus{Signer: a.ca.Hash()}, nil
}

// newCAAndToken makes a cluster CA and a token pinning it.
func newCAAndToken(t testing.TB) (*pki.CA, pki.Token) {
	t.Helper()
	ca, err := pki.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	tok, err := pki.NewToken(ca)
	if err != nil {
		t.Fatal(err)
	}
	return ca, tok
}
