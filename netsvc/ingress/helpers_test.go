package ingress

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/netsvc/ingress/route"
)

// fakeRoutes is a tiny routing table for tests: exact host (port and case
// ignored, "" for any host), then the longest matching path prefix.
type fakeRoutes struct {
	rules []fakeRule
	tls   map[string]api.Key
}

type fakeRule struct {
	host, prefix string
	backend      *route.Backend
}

func (f *fakeRoutes) Match(host, path string) (*route.Backend, bool) {
	host = strings.ToLower(hostOnly(host))
	var best *fakeRule
	for i, r := range f.rules {
		if (r.host == "" || r.host == host) && strings.HasPrefix(path, r.prefix) &&
			(best == nil || len(r.prefix) > len(best.prefix)) {
			best = &f.rules[i]
		}
	}
	if best == nil {
		return nil, false
	}
	return best.backend, true
}

func (f *fakeRoutes) TLSSecret(host string) (api.Key, bool) {
	k, ok := f.tls[host]
	return k, ok
}

// backendFor is a Backend of service name in namespace default.
func backendFor(name string, eps ...netip.AddrPort) *route.Backend {
	return &route.Backend{
		Ingress:   api.Key{Kind: "Ingress", Namespace: "default", Name: "ing"},
		Service:   api.Key{Kind: "Service", Namespace: "default", Name: name},
		Port:      "80",
		Endpoints: eps,
	}
}

// anyHost routes every request to be.
func anyHost(be *route.Backend) *fakeRoutes {
	return &fakeRoutes{rules: []fakeRule{{prefix: "/", backend: be}}}
}

type fakeSecrets map[api.Key]*api.Secret

func (f fakeSecrets) Secret(k api.Key) (*api.Secret, bool) {
	s, ok := f[k]
	return s, ok
}

// addrOf is the endpoint of an httptest server.
func addrOf(t testing.TB, s *httptest.Server) netip.AddrPort {
	t.Helper()
	return netip.MustParseAddrPort(s.Listener.Addr().String())
}

// namedBackend answers every request with its name.
func namedBackend(t testing.TB, name string) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		_, _ = io.WriteString(w, name)
	}))
	t.Cleanup(s.Close)
	return s
}

// refusedAddr is a loopback address where nothing listens.
func refusedAddr(t testing.TB) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddrPort(ln.Addr().String())
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return a
}

// testProxy is a Proxy serving on real loopback listeners.
type testProxy struct {
	*Proxy
	url, tlsAddr string
	reg          *prometheus.Registry
	logs         *syncBuffer
	cancel       context.CancelFunc
	done         chan error // Serve's and ServeTLS's results
}

// startProxy runs a Proxy with cfg on plain and TLS loopback listeners.
func startProxy(t testing.TB, cfg Config, r Routes) *testProxy {
	t.Helper()
	return startProxyAt(t, cfg, r, nil)
}

// startProxyAt is startProxy with the proxy's clock set to now (if not
// nil) before it serves.
func startProxyAt(t testing.TB, cfg Config, r Routes, now func() time.Time) *testProxy {
	t.Helper()
	tp := &testProxy{reg: prometheus.NewRegistry(), logs: &syncBuffer{}, done: make(chan error, 2)}
	cfg.Registerer = tp.reg
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(tp.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if now != nil {
		p.now = now
	}
	if r != nil {
		p.SetRoutes(r)
	}
	tp.Proxy = p
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tp.url, tp.tlsAddr = "http://"+ln.Addr().String(), tln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	tp.cancel = cancel
	go func() { tp.done <- p.Serve(ctx, ln) }()
	go func() { tp.done <- p.ServeTLS(ctx, tln) }()
	t.Cleanup(func() {
		cancel()
		for range 2 {
			if err := <-tp.done; err != nil {
				t.Errorf("serve: %v", err)
			}
		}
		p.Close()
	})
	return tp
}

// client is an HTTP client that does not follow redirects.
func client() *http.Client {
	return &http.Client{
		Transport:     &http.Transport{Proxy: nil, MaxIdleConnsPerHost: 64},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		Timeout:       30 * time.Second, // a hang fails the test instead of the run
	}
}

// get does a request and returns the status and body.
func do(t testing.TB, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", req.Method, req.URL, err)
	}
	return resp.StatusCode, string(b)
}

func newReq(t testing.TB, method, url, host string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	return req
}

// syncBuffer is a bytes.Buffer safe for concurrent writes (log output).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// certPEM makes a self-signed certificate for host in PEM.
func certPEM(t testing.TB, host string) (crt, key []byte) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: host},
		DNSNames:     []string{host},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb})
}

var errTimeout = errors.New("timed out")

// waitFor polls cond every few milliseconds for up to 10 s.
func waitFor(cond func() bool) error {
	for range 2000 {
		if cond() {
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
	return errTimeout
}

// testutilCode is the request count of code for default/ing, default/svc.
func testutilCode(tp *testProxy, code string) float64 {
	return testutil.ToFloat64(tp.metrics.requests.WithLabelValues("default/ing", "default/svc", code))
}

// resettingAddr is a loopback address whose server reads each request and
// then resets the connection without answering, as a pod killed with the
// request in progress does. It counts the requests it read.
func resettingAddr(t testing.TB) (netip.AddrPort, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				n.Add(1)
				_ = c.(*net.TCPConn).SetLinger(0) // close with RST
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String()), &n
}

// Backends lists the table's backends, as route.Table does (withdrawal
// needs it).
func (f *fakeRoutes) Backends() []*route.Backend {
	var out []*route.Backend
	for _, r := range f.rules {
		out = append(out, r.backend)
	}
	return out
}

// hangingAddr is an endpoint that reads requests and never answers, as a
// machine that lost power with the request in flight; n counts the
// requests it read. release closes its connections (the test's end does
// too).
func hangingAddr(t testing.TB) (addr netip.AddrPort, n *atomic.Int64, release func()) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	end := make(chan struct{})
	var once sync.Once
	release = func() {
		once.Do(func() {
			close(end)
			_ = ln.Close()
		})
	}
	t.Cleanup(release)
	n = new(atomic.Int64)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer func() { _ = c.Close() }()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				n.Add(1)
				<-end
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String()), n, release
}
