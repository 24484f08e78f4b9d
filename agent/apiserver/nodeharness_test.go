package apiserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/pki"
)

// Fixtures of the node restriction tests: node n2 is the caller; n1 is
// another node (and the leader serving the API).
//
//	pod default/web-1   bound to n1
//	pod default/web-2   bound to n2
//	pod team/api-1      bound to n2
//	pod default/pending bound to no node
//	event default/ev-web-1      about web-1, from n1
//	event default/ev-web-2      about web-2, from n2
//	event default/ev-web-2-old  about web-2, from n1 (before a move)
//	event default/ev-n1         about node n1, from n1
//	nodes n1, n2; namespace team; configmap default/settings; the ClusterConfig
func restrictFixtures() []api.Object {
	newObj := func(kind string) api.Object {
		o, err := api.New(kind)
		if err != nil {
			panic(err)
		}
		return o
	}
	node := func(name, cidr string) api.Object {
		n := newObj("Node").(*api.Node)
		n.Name, n.Spec.PodCIDR = name, cidr
		return n
	}
	pod := func(ns, name, nodeName string) api.Object {
		p := newObj("Pod").(*api.Pod)
		p.Namespace, p.Name, p.Spec.NodeName = ns, name, nodeName
		p.Spec.Containers = []api.Container{{Name: "c", Image: "busybox"}}
		return p
	}
	ns := newObj("Namespace").(*api.Namespace)
	ns.Name = "team"
	cm := newObj("ConfigMap").(*api.ConfigMap)
	cm.Namespace, cm.Name, cm.Data = "default", "settings", map[string]string{"a": "1"}
	cc := newObj("ClusterConfig").(*api.ClusterConfig)
	cc.Name = api.ClusterConfigName
	return []api.Object{
		node("n1", "10.42.1.0/24"), node("n2", "10.42.2.0/24"), ns, cm, cc,
		pod("default", "web-1", "n1"), pod("default", "web-2", "n2"), pod("team", "api-1", "n2"), pod("default", "pending", ""),
		testEvent("default", "ev-web-1", "n1", podRef("default", "web-1")),
		testEvent("default", "ev-web-2", "n2", podRef("default", "web-2")),
		testEvent("default", "ev-web-2-old", "n1", podRef("default", "web-2")),
		testEvent("default", "ev-n1", "n1", api.ObjectReference{Kind: "Node", Name: "n1"}),
	}
}

func podRef(ns, name string) api.ObjectReference {
	return api.ObjectReference{Kind: "Pod", Namespace: ns, Name: name}
}

// testEvent is an Event as a node's recorder writes it.
func testEvent(ns, name, host string, about api.ObjectReference) *api.Event {
	o, err := api.New("Event")
	if err != nil {
		panic(err)
	}
	e := o.(*api.Event)
	e.Namespace, e.Name = ns, name
	e.InvolvedObject = about
	e.Reason, e.Message, e.Type, e.Count = "Started", "Started container c", "Normal", 1
	e.Source = api.EventSource{Component: "shoal-agent", Host: host}
	return e
}

// seededStore is a real Store holding the fixtures, written through its
// FSM.
func seededStore(t testing.TB) (*consensus.Store, *storeProposer) {
	t.Helper()
	st := consensus.NewStore()
	p := &storeProposer{fsm: consensus.NewFSM(st, nil)}
	// A fixed time: the same uids every time (fuzz seeds name them).
	if _, err := p.Propose(context.Background(), consensus.Put{Objects: restrictFixtures(), Mode: consensus.ModeReplace, Time: time.Unix(1_800_000_000, 0)}); err != nil {
		t.Fatalf("seed: %v", err)
	}
	return st, p
}

// removals is a one-node cluster that records the Raft removals asked of
// it, with the gossip members given.
type removals struct {
	oneNode
	members map[string]gossip.Member
	mu      sync.Mutex
	removed []string
}

func (r *removals) Member(name string) (gossip.Member, bool) {
	m, ok := r.members[name]
	return m, ok
}

func (r *removals) RemoveServer(name string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.removed = append(r.removed, name)
	return nil
}

func (r *removals) list() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.removed...)
}

// restrictedServer is the API of one node over the seeded store, with
// real TLS, the cluster CA and admin token.
type restrictedServer struct {
	s       *Server
	st      *consensus.Store
	ca      *pki.CA
	tok     pki.Token
	cluster *removals
}

// newRestrictedServer is the API of leader n1 with a new CA and token.
func newRestrictedServer(t testing.TB) *restrictedServer {
	t.Helper()
	ca, tok := newCAAndToken(t)
	return newNodeAPI(t, "n1", ca, tok, nil)
}

// newNodeAPI is the API of node name in the cluster of ca and tok, over
// its own seeded store; it passes requests for other nodes' pods to the
// members members names (gossip), under its own certificate.
func newNodeAPI(t testing.TB, name string, ca *pki.CA, tok pki.Token, members map[string]gossip.Member) *restrictedServer {
	t.Helper()
	st, p := seededStore(t)
	nt := nodeTLS(t, ca, name)
	cluster := &removals{oneNode: oneNode{p}, members: members}
	s, err := New(Config{
		Node: name, Addr: "127.0.0.1:0", TLS: nt.ServerConfig(), DataDir: t.TempDir(), Credentials: tokenCredentials{tok}, Authority: testAuthority{ca}, GossipKey: []byte("k"),
		PeerTransport: &http.Transport{TLSClientConfig: nt.ClientConfig()},
		Registry:      prometheus.NewRegistry(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		View: st, Proposer: p, Cluster: cluster, Settings: cluster, Runtime: cluster,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &restrictedServer{s: s, st: st, ca: ca, tok: tok, cluster: cluster}
}

// nodeCert is a certificate and key ca signs for a node named name.
func nodeCert(t testing.TB, ca *pki.CA, name string) (certPEM, keyPEM []byte) {
	t.Helper()
	keyPEM, csrPEM, err := pki.NewKeyAndCSR(name)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err = ca.Sign(csrPEM, name, []net.IP{net.IPv4(127, 0, 0, 1)}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, keyPEM
}

// nodeTLS is the identity of a node named name, signed by ca.
func nodeTLS(t testing.TB, ca *pki.CA, name string) *pki.NodeTLS {
	t.Helper()
	certPEM, keyPEM := nodeCert(t, ca, name)
	nt, err := pki.NewNodeTLS(ca, certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return nt
}

// nodeClient calls as node name, with a certificate ca signed.
func nodeClient(t testing.TB, ca *pki.CA, name string) *http.Client {
	t.Helper()
	return &http.Client{Transport: &http.Transport{TLSClientConfig: nodeTLS(t, ca, name).ClientConfig()}}
}

// versions maps every stored object of the fixtures' kinds (and any
// other the store holds) to its resourceVersion: "nothing changed" is
// equal versions.
func versions(st *consensus.Store) map[api.Key]string {
	out := map[api.Key]string{}
	for _, k := range api.Kinds() {
		for _, o := range st.List(k.Name, "", nil) {
			out[api.KeyOf(o)] = o.GetObjectMeta().ResourceVersion
		}
	}
	return out
}

// tlsState is what the TLS layer reports for a verified client
// certificate ca signed for name: the request state of a node's call.
func tlsState(t testing.TB, ca *pki.CA, name string) *tls.ConnectionState {
	t.Helper()
	certPEM, _ := nodeCert(t, ca, name)
	leaf, err := pki.ParseCertificate(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{leaf, ca.Cert}}}
}
