package apiserver

import (
	"bytes"
	"context"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/pki"
)

// encoded is the wire form of cmd, as a follower forwards it.
func encoded(t *testing.T, cmd consensus.Command) string {
	t.Helper()
	b, err := consensus.EncodeCommand(cmd)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNodeCertificateAttacks runs the real server (TLS, mutual
// authentication) of leader n1 and calls it with node n2's certificate,
// signed by the cluster CA: every write beyond what n2 must write, every
// removal of another node and every user endpoint is refused with a
// message naming what is wrong, and nothing changes; then n2's own
// writes, a user's write it forwards, and its own removal pass.
func TestNodeCertificateAttacks(t *testing.T) {
	rs := newRestrictedServer(t)
	addr, _ := (&limitedServer{s: rs.s, tok: rs.tok}).run(t)
	n2 := nodeClient(t, rs.ca, "n2")
	foreignCA, err := pki.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	foreign := nodeClient(t, foreignCA, "n1")
	anonymous := &http.Client{Transport: &http.Transport{TLSClientConfig: pki.PinnedClientConfig(rs.tok.CAHash)}}
	get := func(kind, ns, name string) api.Object {
		o, ok := rs.st.Get(kind, ns, name)
		if !ok {
			t.Fatalf("%s %s/%s missing", kind, ns, name)
		}
		return o
	}
	podStatus := func(name string, phase api.PodPhase) consensus.Command {
		p := api.DeepCopy(get("Pod", "default", name).(*api.Pod))
		p.Status.Phase = phase
		return consensus.Put{Objects: []api.Object{p}, Mode: consensus.ModeStatus, Time: time.Now()}
	}
	removePod := func(name string) consensus.Command {
		key := api.Key{Kind: "Pod", Namespace: "default", Name: name}
		return consensus.Delete{Keys: []api.Key{key}, Preconditions: []consensus.Precondition{{Key: key, UID: get("Pod", "default", name).GetObjectMeta().UID}}}
	}
	privileged := api.DeepCopy(get("Pod", "default", "web-2").(*api.Pod))
	privileged.Name, privileged.UID, privileged.Spec.NodeName = "root-shell", "", "n1"
	yes := true
	privileged.Spec.Containers[0].SecurityContext = &api.SecurityContext{Privileged: &yes}
	n1 := api.DeepCopy(get("Node", "", "n1").(*api.Node))
	n1.Spec.Unschedulable = true
	n2Node := api.DeepCopy(get("Node", "", "n2").(*api.Node))
	n2Node.Spec.PodCIDR = "10.42.1.0/24"
	cc := api.DeepCopy(get("ClusterConfig", "", api.ClusterConfigName))
	cm, err := api.New("ConfigMap")
	if err != nil {
		t.Fatal(err)
	}
	cm.GetObjectMeta().Namespace, cm.GetObjectMeta().Name = "default", "from-user"
	replace := func(o api.Object) consensus.Command {
		return consensus.Put{Objects: []api.Object{o}, Mode: consensus.ModeReplace, Time: time.Now()}
	}
	admin := "Bearer " + rs.tok.String()
	wrong := "Bearer " + rs.tok.CAHash + "-0000"

	steps := []struct {
		name     string
		client   *http.Client
		method   string
		path     string
		auth     string
		body     func() string // built when the step runs, from the store of the moment
		wantCode int
		wantMsg  string
		changes  bool // whether the store (or Raft membership) may change
	}{
		// Attacks: refused, nothing changes.
		{"status of another node's pod", n2, "POST", "/internal/v1/apply", "", func() string { return encoded(t, podStatus("web-1", api.PodFailed)) },
			403, "node n2 may not write the status of pod default/web-1, bound to n1", false},
		{"create a privileged pod", n2, "POST", "/internal/v1/apply", "", func() string {
			return encoded(t, consensus.Put{Objects: []api.Object{privileged}, Mode: consensus.ModeApply, Time: time.Now()})
		}, 403, "node n2 may not apply pod default/root-shell", false},
		{"delete another node's pod", n2, "POST", "/internal/v1/apply", "", func() string { return encoded(t, removePod("web-1")) },
			403, "node n2 may not delete pod default/web-1, bound to n1", false},
		{"write another Node", n2, "POST", "/internal/v1/apply", "", func() string { return encoded(t, replace(n1)) },
			403, "node n2 may not replace node n1", false},
		{"take another node's pod CIDR", n2, "POST", "/internal/v1/apply", "", func() string { return encoded(t, replace(n2Node)) },
			403, "node n2 may not replace node n2", false},
		{"rewrite the cluster settings", n2, "POST", "/internal/v1/apply", "", func() string { return encoded(t, replace(cc)) },
			403, "node n2 may not replace clusterconfig cluster", false},
		{"forge a user write", n2, "POST", "/internal/v1/apply", wrong, func() string { return encoded(t, replace(cc)) },
			401, "write forwarded by node n2 for a user: unauthorized: wrong token", false},
		{"garbage command", n2, "POST", "/internal/v1/apply", "", func() string { return "\x01{{{" },
			400, "command from node n2: decode put", false},
		{"command with an unknown field", n2, "POST", "/internal/v1/apply", "", func() string { return "\x02" + `{"keys":[],"evil":1}` },
			400, "decode delete: json: unknown field", false},
		{"remove a voter", n2, "POST", "/internal/v1/remove?node=n1", "", func() string { return "" },
			403, "node n2 may not remove node n1 from raft: a node may remove only itself", false},
		{"list pods as a user", n2, "GET", "/v1/pods", "", func() string { return "" },
			401, "unauthorized: send the admin token", false},
		{"apply as a user", n2, "POST", "/v1/apply", "", func() string { return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n" },
			401, "unauthorized: send the admin token", false},
		{"read another node's logs as a user", n2, "GET", "/v1/pods/web-1/log", "", func() string { return "" },
			401, "unauthorized", false},
		{"internal write without a certificate", anonymous, "POST", "/internal/v1/apply", admin, func() string { return encoded(t, replace(cc)) },
			403, "agent certificate required", false},
		{"certificate from another CA", foreign, "POST", "/internal/v1/apply", "", func() string { return encoded(t, removePod("web-1")) },
			0, "", false},

		// What n2 must write, and a user's write it forwards: they pass.
		{"status of its own pod", n2, "POST", "/internal/v1/apply", "", func() string { return encoded(t, podStatus("web-2", api.PodRunning)) },
			200, "", true},
		{"event about its own pod", n2, "POST", "/internal/v1/apply", "", func() string {
			return encoded(t, replace(testEvent("default", "ev-new", "n2", podRef("default", "web-2"))))
		}, 200, "", true},
		{"removal of its own stopped pod", n2, "POST", "/internal/v1/apply", "", func() string { return encoded(t, removePod("web-2")) },
			200, "", true},
		{"a user's write forwarded", n2, "POST", "/internal/v1/apply", admin, func() string {
			return encoded(t, consensus.Put{Objects: []api.Object{cm}, Mode: consensus.ModeApply, Time: time.Now()})
		}, 200, "", true},
		{"leave: remove itself", n2, "POST", "/internal/v1/remove?node=n2", "", func() string { return "" },
			200, `"removed": "n2"`, true},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			before, removedBefore := versions(rs.st), rs.cluster.list()
			req, err := http.NewRequest(s.method, "https://"+addr+s.path, strings.NewReader(s.body()))
			if err != nil {
				t.Fatal(err)
			}
			if s.auth != "" {
				req.Header.Set("Authorization", s.auth)
			}
			res, err := s.client.Do(req)
			if s.wantCode == 0 {
				if err == nil {
					_ = res.Body.Close()
					t.Fatalf("got %s, want the TLS handshake refused", res.Status)
				}
			} else {
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(res.Body)
				_ = res.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				if res.StatusCode != s.wantCode || !bytes.Contains(body, []byte(s.wantMsg)) {
					t.Fatalf("got %d %s, want %d containing %q", res.StatusCode, body, s.wantCode, s.wantMsg)
				}
				if bytes.Contains(body, []byte(`"code"`)) {
					t.Fatalf("got %s: the write was committed and failed its checks, want it passed", body)
				}
			}
			after, removedAfter := versions(rs.st), rs.cluster.list()
			changed := !maps.Equal(before, after) || !slices.Equal(removedBefore, removedAfter)
			if changed != s.changes {
				t.Fatalf("store or raft membership changed: got %v, want %v", changed, s.changes)
			}
		})
	}
	if p := get("ConfigMap", "default", "from-user"); p == nil {
		t.Fatal("the forwarded user write is missing")
	}
	if _, ok := rs.st.Get("Pod", "default", "web-2"); ok {
		t.Error("pod default/web-2 is still stored after its node removed it")
	}
	if got := rs.cluster.list(); !slices.Equal(got, []string{"n2"}) {
		t.Errorf("raft removals: got %v, want [n2]", got)
	}
}

// TestForwardedRequestsActAsTheUser: node n1 passes a user's logs and
// images requests to n2, which runs the pod, under n1's certificate and
// with the user's Authorization: n2 authorizes them by the user's token
// (its handlers answer), while the same calls under n1's certificate
// alone are refused there.
func TestForwardedRequestsActAsTheUser(t *testing.T) {
	ca, tok := newCAAndToken(t)
	target := newNodeAPI(t, "n2", ca, tok, nil)
	addr, _ := (&limitedServer{s: target.s, tok: tok}).run(t)
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	apiPort, err := strconv.Atoi(port)
	if err != nil {
		t.Fatal(err)
	}
	front := newNodeAPI(t, "n1", ca, tok, map[string]gossip.Member{"n2": {Name: "n2", Meta: gossip.Meta{Addr: host, APIPort: apiPort}}})
	hs := httptest.NewServer(front.s.Handler())
	t.Cleanup(hs.Close)
	n1 := nodeClient(t, ca, "n1")

	tests := []struct {
		name     string
		client   *http.Client
		base     string
		auth     string
		path     string
		wantCode int
		wantMsg  string
	}{
		{"logs through n1 as the user", http.DefaultClient, hs.URL, "Bearer " + tok.String(), "/v1/pods/web-2/log", 400, "container c of pod web-2 has not started yet"},
		{"images through n1 as the user", http.DefaultClient, hs.URL, "Bearer " + tok.String(), "/v1/images?node=n2", 503, "no container runtime in tests"},
		{"logs through n1 with a wrong token", http.DefaultClient, hs.URL, "Bearer " + tok.CAHash + "-00", "/v1/pods/web-2/log", 401, "unauthorized: wrong token"},
		{"logs from n2 under n1's certificate alone", n1, "https://" + addr, "", "/v1/pods/web-2/log", 401, "unauthorized"},
		{"images from n2 under n1's certificate alone", n1, "https://" + addr, "", "/v1/images", 401, "unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", tt.base+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			res, err := tt.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.wantCode || !bytes.Contains(body, []byte(tt.wantMsg)) {
				t.Fatalf("got %d %s, want %d containing %q", res.StatusCode, body, tt.wantCode, tt.wantMsg)
			}
		})
	}
}

// authRecorder is a proposer that notes the user Authorization each
// write was proposed under.
type authRecorder struct {
	*storeProposer
	mu   sync.Mutex
	seen []string
}

func (a *authRecorder) Propose(ctx context.Context, cmd consensus.Command) ([]api.Written, error) {
	a.mu.Lock()
	a.seen = append(a.seen, propose.Authorization(ctx))
	a.mu.Unlock()
	return a.storeProposer.Propose(ctx, cmd)
}

// TestUserWritesCarryTheCredential: every user write the API proposes
// goes under the user's Authorization, so a follower forwards it with the
// user's credential and the leader authorizes it as that user's.
func TestUserWritesCarryTheCredential(t *testing.T) {
	st, p := seededStore(t)
	rec := &authRecorder{storeProposer: p}
	rs := newRestrictedServer(t)
	rs.s.cfg.View, rs.s.cfg.Proposer = st, rec
	hs := httptest.NewServer(rs.s.Handler())
	t.Cleanup(hs.Close)
	c := &apiClient{t: t, base: hs.URL, token: rs.tok.String()}
	writes := []struct{ name, method, path, body string }{
		{"apply", "POST", "/v1/apply", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"},
		{"put", "PUT", "/v1/configmaps/b", `{"metadata":{"name":"b"}}`},
		{"cordon", "POST", "/v1/nodes/n2/cordon", ""},
		{"taint", "POST", "/v1/nodes/n2/taint?change=a%3Db%3ANoSchedule", ""},
		{"delete", "DELETE", "/v1/configmaps/a", ""},
		{"evict", "POST", "/v1/pods/web-2/eviction", ""},
	}
	for _, w := range writes {
		t.Run(w.name, func(t *testing.T) {
			rec.mu.Lock()
			rec.seen = nil
			rec.mu.Unlock()
			if code, body := c.do(w.method, w.path, w.body); code != 200 {
				t.Fatalf("got %d %s, want 200", code, body)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.seen) == 0 {
				t.Fatal("nothing proposed")
			}
			for _, h := range rec.seen {
				if h != "Bearer "+rs.tok.String() {
					t.Fatalf("proposed under Authorization %q, want the user's", h)
				}
			}
		})
	}
}
