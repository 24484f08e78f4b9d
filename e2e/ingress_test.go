package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/internal/testcluster"
)

// ingressYAML is what TestIngress routes: services web and api (three
// pods each, one per node) behind one Ingress, shop, by host and path —
// a.test: / → web (port by number), /api → api (port by name); b.test:
// everything → api — with TLS for a.test from Secret a-tls; and a second
// Ingress, secure, that redirects c.test's plain HTTP to HTTPS.
const ingressYAML = `apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports: [{name: http, port: 8000, targetPort: http}]
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop}
spec:
  tls:
    - {hosts: [a.test], secretName: a-tls}
  rules:
    - host: a.test
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
          - {path: /api, pathType: Prefix, backend: {service: {name: api, port: {name: http}}}}
    - host: b.test
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: api, port: {number: 8000}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: secure
  annotations: {shoal.dev/ssl-redirect: "true"}
spec:
  rules:
    - host: c.test
      http:
        paths:
          - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
`

// apiDeployment is webDeployment renamed api: the same three spread,
// probed test servers that keep serving 2 s after SIGTERM.
func apiDeployment(version string) []byte {
	return bytes.ReplaceAll(webDeployment(version), []byte("web"), []byte("api"))
}

// ingEnv is what TestIngress sets up and its checks use.
type ingEnv struct {
	c          *testcluster.Cluster
	n1, n2, n3 *testcluster.Agent
	nodes      []*testcluster.Agent
	hostIP     string // the test host's address on the agents' lan
	web, api   []*api.Pod
	cert       *x509.Certificate // a.test's, self-signed
	caFile     string            // its PEM, for curl --cacert
	roots      *x509.CertPool    // holding it
	cl         *http.Client
}

// TestIngress is issue 10's end-to-end proof: three agents in network
// namespaces, each serving ingress on its node address (:80 and :443),
// two services behind one Ingress, and the test host on the agents' lan
// as the client. The last two checks change the backends under load.
func TestIngress(t *testing.T) {
	skipShort(t)
	e := newIngEnv(t)
	t.Run("two services behind one Ingress by host and path, through every node, answered by pods on every node", e.routes)
	t.Run("an unknown host gets 404 on every node", e.unknownHost)
	t.Run("TLS by SNI with curl --resolve; an unknown SNI gets the default certificate", e.tlsSNI)
	t.Run("WebSocket round trip through every node, plain and TLS", e.webSocket)
	t.Run("server-sent events arrive one by one, unbuffered", e.serverSentEvents)
	t.Run("the client's address arrives in X-Forwarded-For", e.forwardedFor)
	t.Run("ssl-redirect annotation sends plain HTTP to HTTPS", e.sslRedirect)
	t.Run("rolling update of a backend under constant load: zero failed requests", e.rollingUpdate)
	t.Run("killing backend pods under load: zero failed requests thanks to the retry", e.killBackends)
}

// newIngEnv starts the cluster, the backends, the services, the TLS
// Secret and the Ingresses, and waits until the pods are Ready and every
// node's ingress answers a.test.
func newIngEnv(t *testing.T) *ingEnv {
	t.Helper()
	c := serviceCluster(t, "n1", "n2", "n3")
	e := &ingEnv{c: c, n1: c.Agents[0], n2: c.Agents[1], n3: c.Agents[2], nodes: c.Agents, hostIP: c.HostIP(), cl: ingressClient(15 * time.Second)}
	t.Cleanup(e.cl.CloseIdleConnections)
	var certPEM, keyPEM []byte
	e.cert, certPEM, keyPEM = selfSigned(t, "a.test")
	e.caFile = filepath.Join(t.TempDir(), "a.test.pem")
	if err := os.WriteFile(e.caFile, certPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	e.roots = x509.NewCertPool()
	e.roots.AddCert(e.cert)

	apply(t, e.n1, webDeployment("v1"))
	apply(t, e.n1, apiDeployment("v1"))
	apply(t, e.n1, tlsSecret(t, "a-tls", certPEM, keyPEM))
	apply(t, e.n1, []byte(ingressYAML))
	e.web = waitWeb(t, e.n1, "v1")
	e.api = waitSpread(t, e.n1, "api", "v1")
	t.Logf("web pods %v, api pods %v; test host %s", nodesOf(e.web), nodesOf(e.api), e.hostIP)
	return e
}

// podNames are the pods' names.
func podNames(pods []*api.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return out
}

// routes: host and path pick the service on every node's ingress, and
// sequential requests through one node are answered by the service's
// pods on all three nodes (so by pods on the two other nodes too).
func (e *ingEnv) routes(t *testing.T) {
	cases := []struct {
		host, path string
		want       []*api.Pod
		wantPath   string
	}{
		{host: "a.test", path: "/", want: e.web},
		{host: "a.test", path: "/shop/cart", want: e.web},
		{host: "a.test", path: "/apiary", want: e.web}, // Prefix /api takes whole segments only
		{host: "a.test", path: "/api", want: e.api},
		{host: "a.test", path: "/api/orders?id=7", want: e.api, wantPath: "/api/orders"},
		{host: "A.Test:80", path: "/api/", want: e.api}, // host without case or port
		{host: "b.test", path: "/", want: e.api},
		{host: "b.test", path: "/anything", want: e.api},
	}
	const n = 9
	for _, node := range e.nodes {
		for _, tc := range cases {
			wantPath, wantQuery, _ := strings.Cut(tc.path, "?")
			if tc.wantPath != "" {
				wantPath = tc.wantPath
			}
			nodesOfPods := nodesOf(tc.want)
			var perNode map[string]int
			testcluster.Eventually(t, 60*time.Second, func() error {
				perNode = map[string]int{}
				for range n {
					got, err := ingressGet(e.cl, node.IP, tc.host, tc.path, nil)
					if err != nil {
						return fmt.Errorf("through %s: %w", node.Name, err)
					}
					pn, ok := nodesOfPods[got.Hostname]
					if !ok {
						return fmt.Errorf("through %s, Host %s, %s: answered by %s, want one of %v", node.Name, tc.host, tc.path, got.Hostname, podNames(tc.want))
					}
					if r := got.Request; r.Path != wantPath || r.Query != wantQuery || r.Host != tc.host {
						return fmt.Errorf("through %s, Host %s, %s: the backend saw host %q path %q query %q, want %q %q %q",
							node.Name, tc.host, tc.path, r.Host, r.Path, r.Query, tc.host, wantPath, wantQuery)
					}
					perNode[pn]++
				}
				if len(perNode) != 3 {
					return fmt.Errorf("through %s, Host %s, %s: %d requests answered by pods on %v, want pods on n1, n2 and n3", node.Name, tc.host, tc.path, n, perNode)
				}
				return nil
			})
			t.Logf("through %s (%s), Host %s %s: answers per backend node %v", node.Name, node.IP, tc.host, tc.path, perNode)
		}
	}
}

// unknownHost: a host no rule names, and a bare IP as the host, get the
// proxy's 404 on every node (no Ingress has rules without a host or a
// default backend).
func (e *ingEnv) unknownHost(t *testing.T) {
	for _, node := range e.nodes {
		for _, host := range []string{"nobody.test", "a.test.example", node.IP} {
			res, body, err := ingressDo(e.cl, node.IP, host, "/", nil)
			if err != nil {
				t.Fatalf("through %s, Host %s: %v", node.Name, host, err)
			}
			if res.StatusCode != http.StatusNotFound || len(body) > 512 || bytes.Contains(body, []byte(`"hostname"`)) {
				t.Errorf("through %s, Host %s: got %s with %d bytes %.100q; want 404 with a small body from the proxy", node.Name, host, res.Status, len(body), body)
				continue
			}
			t.Logf("through %s, Host %s: %s %q", node.Name, host, res.Status, strings.TrimSpace(string(body)))
		}
	}
}

// tlsSNI: curl reaches a.test on every node's :443, verifying the
// certificate against a.test's own (so the ingress served the Secret's
// certificate for that SNI), and the answer shows X-Forwarded-Proto
// https. Another SNI, and no SNI, get a different certificate: the
// default, which curl refuses for other.test.
func (e *ingEnv) tlsSNI(t *testing.T) {
	for _, node := range e.nodes {
		testcluster.Eventually(t, 60*time.Second, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			out, err := hostRun(ctx, "curl", "-sS", "--noproxy", "*", "--max-time", "10",
				"--resolve", "a.test:443:"+node.IP, "--cacert", e.caFile, "https://a.test/api/tls")
			if err != nil {
				return fmt.Errorf("curl --resolve a.test:443:%s https://a.test/api/tls: %v: %s", node.IP, err, out)
			}
			var got echoed
			if err := jsonUnmarshal(out, &got); err != nil {
				return fmt.Errorf("curl through %s: %w", node.Name, err)
			}
			h := got.Request.Headers
			if !slices.Contains(podNames(e.api), got.Hostname) || h.Get("X-Forwarded-Proto") != "https" || h.Get("X-Forwarded-Port") != "443" {
				return fmt.Errorf("curl through %s: answered by %s with X-Forwarded-Proto %q, X-Forwarded-Port %q; want an api pod %v, https, 443",
					node.Name, got.Hostname, h.Get("X-Forwarded-Proto"), h.Get("X-Forwarded-Port"), podNames(e.api))
			}
			t.Logf("curl --resolve a.test:443:%s: answered by %s over https", node.IP, got.Hostname)
			return nil
		})

		d := &net.Dialer{Timeout: 5 * time.Second}
		conn, err := tls.DialWithDialer(d, "tcp", net.JoinHostPort(node.IP, "443"), &tls.Config{ServerName: "a.test", RootCAs: e.roots})
		if err != nil {
			t.Fatalf("TLS to %s with SNI a.test, verified: %v", node.Name, err)
		}
		if leaf := conn.ConnectionState().PeerCertificates[0]; !leaf.Equal(e.cert) {
			t.Errorf("%s serves %q for SNI a.test, want the Secret's certificate", node.Name, leaf.Subject)
		}
		_ = conn.Close()

		for _, sni := range []string{"other.test", ""} {
			leaf, err := servedCert(node.IP, sni)
			if err != nil {
				t.Fatal(err)
			}
			if leaf.Equal(e.cert) || leaf.VerifyHostname("a.test") == nil {
				t.Errorf("%s with SNI %q: got a.test's certificate, want the default one", node.Name, sni)
			}
			t.Logf("%s with SNI %q: certificate %q", node.Name, sni, leaf.Subject)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, err := hostRun(ctx, "curl", "-sS", "--noproxy", "*", "--max-time", "10",
			"--resolve", "other.test:443:"+node.IP, "--cacert", e.caFile, "https://other.test/")
		cancel()
		if code := exitCodeOf(err); code != 60 {
			t.Errorf("curl https://other.test/ through %s trusting a.test only: exit %d: %s; want 60 (certificate not trusted)", node.Name, code, out)
		}
	}
}

// jsonUnmarshal reads the test server's JSON answer from curl's output.
func jsonUnmarshal(out string, v *echoed) error {
	if err := json.Unmarshal([]byte(out), v); err != nil || v.Hostname == "" {
		return fmt.Errorf("answer %.200q is not the test server's JSON: %v", out, err)
	}
	return nil
}

// webSocket: a WebSocket to a.test/ws (a web pod's echo) carries
// messages both ways through every node, and over TLS through one.
func (e *ingEnv) webSocket(t *testing.T) {
	msgs := []string{"hello", strings.Repeat("0123456789", 10_000)}
	for _, node := range e.nodes {
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(node.IP, "80"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if err := wsEcho(conn, "ws", "a.test", append(msgs, "through "+node.Name)...); err != nil {
			t.Errorf("WebSocket through %s: %v", node.Name, err)
			continue
		}
		t.Logf("WebSocket through %s: %d messages echoed", node.Name, len(msgs)+1)
	}
	raw, err := net.DialTimeout("tcp", net.JoinHostPort(e.n2.IP, "443"), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	conn := tls.Client(raw, &tls.Config{ServerName: "a.test", RootCAs: e.roots, NextProtos: []string{"http/1.1"}})
	if err := wsEcho(conn, "wss", "a.test", msgs...); err != nil {
		t.Errorf("WebSocket over TLS through n2: %v", err)
	}
}

// serverSentEvents: /events writes an event every 1.5 s, flushing each;
// through the ingress the first must arrive before the server has even
// written the last (3 s later), which a buffered proxy cannot do. The
// two timestamps come from one clock (the pods share the test host's
// kernel), and the margin is the 3 s gap, not a speed.
func (e *ingEnv) serverSentEvents(t *testing.T) {
	const n, every = 3, 1500 * time.Millisecond
	cl := ingressClient(30 * time.Second)
	defer cl.CloseIdleConnections()
	for _, node := range e.nodes {
		evs, err := readSSE(cl, node.IP, "a.test", n, every)
		if err != nil {
			t.Errorf("events through %s: %v", node.Name, err)
			continue
		}
		if len(evs) != n {
			t.Errorf("events through %s: got %d, want %d", node.Name, len(evs), n)
			continue
		}
		for i, ev := range evs {
			if ev.Seq != i+1 || ev.Hostname != evs[0].Hostname {
				t.Errorf("events through %s: event %d is %+v, want number %d from %s", node.Name, i, ev, i+1, evs[0].Hostname)
			}
		}
		first, last := evs[0], evs[n-1]
		if !first.arrived.Before(last.sent()) {
			t.Errorf("events through %s: event 1 arrived at %s, after event %d was sent at %s: the stream was buffered",
				node.Name, first.arrived.Format(time.StampMicro), n, last.sent().Format(time.StampMicro))
		}
		var lat []string
		for _, ev := range evs {
			lat = append(lat, ev.arrived.Sub(ev.sent()).Round(100*time.Microsecond).String())
		}
		t.Logf("events through %s from %s: sent → arrived %v; event 1 arrived %s before event %d was sent",
			node.Name, first.Hostname, lat, last.sent().Sub(first.arrived).Round(time.Millisecond), n)
	}
}

// forwardedFor: the backend sees the test host's address in
// X-Forwarded-For and X-Real-IP, not what the untrusted client claimed,
// and the X-Forwarded-Proto, -Host and -Port of the request.
func (e *ingEnv) forwardedFor(t *testing.T) {
	spoof := http.Header{"X-Forwarded-For": {"192.0.2.66"}, "X-Real-Ip": {"192.0.2.66"}}
	for _, node := range e.nodes {
		got, err := ingressGet(e.cl, node.IP, "a.test", "/xff", spoof)
		if err != nil {
			t.Fatal(err)
		}
		h := got.Request.Headers
		want := map[string]string{"X-Forwarded-For": e.hostIP, "X-Real-Ip": e.hostIP, "X-Forwarded-Proto": "http", "X-Forwarded-Host": "a.test", "X-Forwarded-Port": "80"}
		for k, v := range want {
			if g := strings.Join(h.Values(k), ", "); g != v {
				t.Errorf("through %s: the backend (%s) saw %s %q, want %q", node.Name, got.Hostname, k, g, v)
			}
		}
		t.Logf("through %s: %s saw X-Forwarded-For %q from %s", node.Name, got.Hostname, h.Get("X-Forwarded-For"), got.Request.RemoteAddr)
	}
}

// sslRedirect: c.test's Ingress has shoal.dev/ssl-redirect "true": plain
// HTTP gets 308 to the same path and query over HTTPS, which answers.
func (e *ingEnv) sslRedirect(t *testing.T) {
	for _, node := range e.nodes {
		res, body, err := ingressDo(e.cl, node.IP, "c.test", "/cart/1?coupon=x", nil)
		if err != nil {
			t.Fatal(err)
		}
		if loc := res.Header.Get("Location"); res.StatusCode != http.StatusPermanentRedirect || loc != "https://c.test/cart/1?coupon=x" {
			t.Errorf("through %s, http://c.test/cart/1?coupon=x: got %s, Location %q (%.100q); want 308 to https://c.test/cart/1?coupon=x", node.Name, res.Status, loc, body)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := hostRun(ctx, "curl", "-sS", "-k", "--noproxy", "*", "--max-time", "10", "--resolve", "c.test:443:"+e.n3.IP, "https://c.test/cart/1")
	var got echoed
	if err == nil {
		err = jsonUnmarshal(out, &got)
	}
	if err != nil || !slices.Contains(podNames(e.web), got.Hostname) {
		t.Errorf("https://c.test/cart/1 through n3: %v: %.200s; want a web pod's answer", err, out)
	}
}

// rollingUpdate: 20 clients send GETs without pause through n1's ingress
// while web rolls to v2 (one surge pod at a time, each old pod serving
// 2 s after SIGTERM); none fails, and new pods answer.
func (e *ingEnv) rollingUpdate(t *testing.T) {
	cl := ingressClient(15 * time.Second)
	defer cl.CloseIdleConnections()
	tr := startLoad(t, "", 20, loadThrough(cl, e.n1.IP, "a.test", "/"))
	time.Sleep(2 * time.Second)
	started := time.Now()
	apply(t, e.n1, webDeployment("v2"))
	var fresh []*api.Pod
	testcluster.Eventually(t, 180*time.Second, func() error {
		for _, p := range podsOf(t, e.n1, "web") {
			if envOf(p, "VERSION") != "v2" {
				return fmt.Errorf("v1 pod %s still there (%s)", p.Name, briefStatus(p))
			}
		}
		fresh = livePods(t, e.n1, "web")
		if len(fresh) != 3 {
			return fmt.Errorf("%d live v2 pods, want 3", len(fresh))
		}
		for _, p := range fresh {
			if !ready(p) {
				return fmt.Errorf("v2 pod %s not Ready (%s)", p.Name, briefStatus(p))
			}
		}
		return nil
	})
	t.Logf("rollout done in %s", time.Since(started).Round(time.Millisecond))
	time.Sleep(2 * time.Second)
	ok, byHost, fails := tr.finish()
	checkNoFailures(t, "rolling update through n1's ingress", ok, byHost, fails)
	t.Logf("%d requests in %s (%.0f/s)", ok+len(fails), time.Since(tr.started).Round(time.Millisecond), float64(ok+len(fails))/time.Since(tr.started).Seconds())
	newAnswered := 0
	for _, p := range fresh {
		newAnswered += byHost[p.Name]
	}
	if newAnswered == 0 {
		t.Errorf("no request answered by a v2 pod %v: %v", podNames(fresh), byHost)
	}
	e.web = fresh
}

// killBackends: under the same load through n1, one web pod's server is
// killed with SIGKILL (the pod stays; its port refuses until it is
// restarted) and another pod is deleted with --force --grace-period 0.
// The proxy retries the GETs that could not connect on other pods, so
// no request fails.
func (e *ingEnv) killBackends(t *testing.T) {
	if len(e.web) < 2 {
		t.Fatalf("web pods %v: want at least two", nodesOf(e.web))
	}
	killed, deleted := e.web[0], e.web[1]
	retriesBefore := ingressMetric(e.c, e.n1, "shoal_ingress_upstream_retries_total")
	cl := ingressClient(15 * time.Second)
	defer cl.CloseIdleConnections()
	tr := startLoad(t, "", 20, loadThrough(cl, e.n1.IP, "a.test", "/"))
	time.Sleep(2 * time.Second)

	pids := serverPIDs(t, e.c, killed)
	if len(pids) == 0 {
		t.Fatalf("no process in pod %s's network namespace", killed.Name)
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Errorf("kill -9 %d (pod %s): %v", pid, killed.Name, err)
		}
	}
	t.Logf("killed pod %s's processes %v on %s", killed.Name, pids, killed.Spec.NodeName)
	testcluster.Eventually(t, 120*time.Second, func() error {
		for _, p := range livePods(t, e.n1, "web") {
			if p.Name == killed.Name {
				if cs := p.Status.ContainerStatuses; len(cs) == 0 || cs[0].RestartCount == 0 || !ready(p) {
					return fmt.Errorf("pod %s not yet restarted and Ready: %s", p.Name, briefStatus(p))
				}
				return nil
			}
		}
		return fmt.Errorf("pod %s is gone", killed.Name)
	})
	time.Sleep(time.Second)

	if out, errOut, err := e.n1.CLI("delete", "pod", deleted.Name, "--force", "--grace-period", "0"); err != nil {
		t.Fatalf("delete pod %s --force --grace-period 0: %v: %s%s", deleted.Name, err, out, errOut)
	}
	t.Logf("deleted pod %s on %s at once", deleted.Name, deleted.Spec.NodeName)
	pods := waitReadyPods(t, e.n1, "web", 3)
	time.Sleep(2 * time.Second)
	ok, byHost, fails := tr.finish()
	checkNoFailures(t, "killing backends under load through n1's ingress", ok, byHost, fails)
	t.Logf("%d requests in %s; answered by the killed pod %d, by the deleted pod %d; proxy retries on n1: %.0f",
		ok+len(fails), time.Since(tr.started).Round(time.Millisecond), byHost[killed.Name], byHost[deleted.Name],
		ingressMetric(e.c, e.n1, "shoal_ingress_upstream_retries_total")-retriesBefore)
	e.web = pods
}
