package ingress

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/shoal-dev/shoal/api"
	"golang.org/x/net/websocket"
)

// rawRequest sends raw bytes to addr and reads one response.
func rawRequest(addr, raw string) (*http.Response, error) {
	c, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return nil, err
	}
	defer func() { _ = c.Close() }()
	if err := c.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		return nil, err
	}
	if _, err := io.WriteString(c, raw); err != nil {
		return nil, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return nil, err
	}
	_, err = io.ReadAll(resp.Body)
	return resp, err
}

// seen is what the header-echo backend saw.
type seen struct {
	RequestURI string
	Host       string
	Header     http.Header
	Proto      string
	TLS        bool
}

func echoBackend(t testing.TB) *httptest.Server {
	s := httptest.NewServer(http.HandlerFunc(echo))
	t.Cleanup(s.Close)
	return s
}

func echo(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Connection", "X-Resp-Hop")
	w.Header().Set("X-Resp-Hop", "secret")
	w.Header().Set("X-Resp-End", "kept")
	_ = json.NewEncoder(w).Encode(seen{RequestURI: r.RequestURI, Host: r.Host, Header: r.Header, Proto: r.Proto, TLS: r.TLS != nil})
}

func decodeSeen(t testing.TB, body string) seen {
	t.Helper()
	var s seen
	if err := json.Unmarshal([]byte(body), &s); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
	return s
}

func TestForwardedHeaders(t *testing.T) {
	be := backendFor("svc", addrOf(t, echoBackend(t)))
	for _, tc := range []struct {
		name    string
		trusted []netip.Prefix
		in      map[string]string
		want    map[string]string
	}{{
		name: "untrusted peer: spoofed headers replaced",
		in: map[string]string{
			"X-Forwarded-For": "203.0.113.7", "X-Real-IP": "203.0.113.7", "X-Forwarded-Proto": "https",
			"X-Forwarded-Host": "evil.example", "X-Forwarded-Port": "443", "Forwarded": "for=203.0.113.7",
		},
		want: map[string]string{
			"X-Forwarded-For": "127.0.0.1", "X-Real-Ip": "127.0.0.1", "X-Forwarded-Proto": "http",
			"X-Forwarded-Host": "app.example", "Forwarded": "",
		},
	}, {
		name:    "trusted peer: chain appended, client from it",
		trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		in: map[string]string{
			"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Port": "443", "Forwarded": "for=203.0.113.7",
		},
		want: map[string]string{
			"X-Forwarded-For": "203.0.113.7, 127.0.0.1", "X-Real-Ip": "203.0.113.7", "X-Forwarded-Proto": "https",
			"X-Forwarded-Host": "app.example", "X-Forwarded-Port": "443", "Forwarded": "for=203.0.113.7",
		},
	}, {
		name:    "trusted chain: trusted hops skipped from the right",
		trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.0.0.0/8")},
		in:      map[string]string{"X-Forwarded-For": "198.51.100.1, 203.0.113.7, 10.1.2.3"},
		want:    map[string]string{"X-Forwarded-For": "198.51.100.1, 203.0.113.7, 10.1.2.3, 127.0.0.1", "X-Real-Ip": "203.0.113.7"},
	}, {
		name:    "trusted peer without headers",
		trusted: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		want:    map[string]string{"X-Forwarded-For": "127.0.0.1", "X-Real-Ip": "127.0.0.1", "X-Forwarded-Proto": "http"},
	}, {
		name:    "other networks trusted only",
		trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		in:      map[string]string{"X-Forwarded-For": "10.1.2.3"},
		want:    map[string]string{"X-Forwarded-For": "127.0.0.1", "X-Real-Ip": "127.0.0.1"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			tp := startProxy(t, Config{TrustedProxies: tc.trusted}, anyHost(be))
			req := newReq(t, "GET", tp.url+"/", "app.example", nil)
			for k, v := range tc.in {
				req.Header.Set(k, v)
			}
			code, body := do(t, client(), req)
			if code != 200 {
				t.Fatalf("got %d %q, want 200", code, body)
			}
			s := decodeSeen(t, body)
			for k, want := range tc.want {
				if got := strings.Join(s.Header.Values(k), ", "); got != want {
					t.Errorf("%s: got %q, want %q", k, got, want)
				}
			}
			if got, want := s.Header.Get("X-Forwarded-Port"), strings.Split(tp.url, ":")[2]; tc.in["X-Forwarded-Port"] == "" && got != want {
				t.Errorf("X-Forwarded-Port: got %q, want %q", got, want)
			}
		})
	}
}

func TestHopByHopAndPath(t *testing.T) {
	tp := startProxy(t, Config{}, anyHost(backendFor("svc", addrOf(t, echoBackend(t)))))
	const uri = "/a/%2F/../b//c%20d?x=%2F&y"
	resp, err := rawRequest(tp.url[len("http://"):], "GET "+uri+" HTTP/1.1\r\nHost: app.example\r\n"+
		"Connection: X-Hop, close\r\nX-Hop: secret\r\nKeep-Alive: timeout=5\r\nProxy-Authorization: Basic eA==\r\nTe: trailers, gzip\r\nX-End: kept\r\n\r\n")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("got %d, want 200", resp.StatusCode)
	}
	// rawRequest read the body already; decode again from a new request.
	req := newReq(t, "GET", tp.url+"/", "app.example", nil)
	req.Header.Set("Connection", "X-Hop")
	req.Header.Set("X-Hop", "secret")
	req.Header.Set("Keep-Alive", "timeout=5")
	req.Header.Set("Proxy-Authorization", "Basic eA==")
	req.Header.Set("X-End", "kept")
	req.URL.Opaque = uri[:strings.Index(uri, "?")]
	req.URL.RawQuery = uri[strings.Index(uri, "?")+1:]
	code, body := do(t, client(), req)
	if code != 200 {
		t.Fatalf("got %d, want 200", code)
	}
	s := decodeSeen(t, body)
	for _, h := range []string{"X-Hop", "Keep-Alive", "Proxy-Authorization", "Connection"} {
		if v := s.Header.Get(h); v != "" {
			t.Errorf("backend got hop-by-hop %s: %q, want it stripped", h, v)
		}
	}
	if s.Header.Get("X-End") != "kept" {
		t.Errorf("X-End: got %q, want kept", s.Header.Get("X-End"))
	}
	if s.RequestURI != uri {
		t.Errorf("path at the backend: got %q, want %q (as received)", s.RequestURI, uri)
	}
	if s.Host != "app.example" {
		t.Errorf("Host at the backend: got %q, want app.example", s.Host)
	}
	if resp.Header.Get("X-Resp-Hop") != "" || resp.Header.Get("X-Resp-End") != "kept" {
		t.Errorf("response headers: X-Resp-Hop %q (want stripped), X-Resp-End %q (want kept)", resp.Header.Get("X-Resp-Hop"), resp.Header.Get("X-Resp-End"))
	}
}

func TestWebSocket(t *testing.T) {
	ws := httptest.NewServer(websocket.Handler(func(c *websocket.Conn) { _, _ = io.Copy(c, c) }))
	t.Cleanup(ws.Close)
	tp := startProxy(t, Config{}, anyHost(backendFor("svc", addrOf(t, ws))))
	cfg, err := websocket.NewConfig("ws"+tp.url[len("http"):]+"/echo", "http://app.example/")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := websocket.DialConfig(cfg)
	if err != nil {
		t.Fatalf("dial through the proxy: %v", err)
	}
	defer func() { _ = conn.Close() }()
	// Messages below 4 KiB: the echo copies bytes, and the library reads
	// one frame per message.
	for _, msg := range []string{"hello", strings.Repeat("big", 1000), "bye"} {
		if err := websocket.Message.Send(conn, msg); err != nil {
			t.Fatal(err)
		}
		var got string
		if err := websocket.Message.Receive(conn, &got); err != nil {
			t.Fatal(err)
		}
		if got != msg {
			t.Errorf("echo: got %d bytes, want %d", len(got), len(msg))
		}
	}
	if err := conn.Close(); err != nil {
		t.Fatal(err)
	}
	// The request ends (and is counted) when the tunnel closes.
	if err := waitFor(func() bool { return testutilCode(tp, "101") == 1 }); err != nil {
		t.Errorf("requests with code 101: got %v, want 1", testutilCode(tp, "101"))
	}
}

func TestServerSentEvents(t *testing.T) {
	release := make(chan struct{})
	sse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range 3 {
			fmt.Fprintf(w, "data: %d\n\n", i)
			http.NewResponseController(w).Flush()
		}
		<-release // the response stays open until the client saw the events
		fmt.Fprint(w, "data: end\n\n")
	}))
	t.Cleanup(sse.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	tp := startProxy(t, Config{}, anyHost(backendFor("svc", addrOf(t, sse))))
	resp, err := client().Do(newReq(t, "GET", tp.url+"/events", "h", nil))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	br := bufio.NewReader(resp.Body)
	for i := range 3 {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("event %d before the response ended: %v", i, err)
		}
		if want := fmt.Sprintf("data: %d\n", i); line != want {
			t.Errorf("got %q, want %q", line, want)
		}
		if _, err := br.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
	}
	close(release)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "data: end\n\n" {
		t.Errorf("after release: got %q, %v, want the last event", rest, err)
	}
}

func TestBackendProtocols(t *testing.T) {
	h2c := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "Grpc-Status")
		_, _ = io.WriteString(w, r.Proto)
		w.Header().Set("Grpc-Status", "0")
	}))
	h2c.Config.Protocols = new(http.Protocols)
	h2c.Config.Protocols.SetUnencryptedHTTP2(true)
	h2c.Start()
	t.Cleanup(h2c.Close)
	tlsBackend := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = fmt.Fprintf(w, "%s tls=%v", r.Proto, r.TLS != nil)
	}))
	t.Cleanup(tlsBackend.Close)
	for _, tc := range []struct {
		name, appProtocol string
		srv               *httptest.Server
		want, trailer     string
	}{
		{"h2c", "h2c", h2c, "HTTP/2.0", "0"},
		{"kubernetes.io/h2c", "kubernetes.io/h2c", h2c, "HTTP/2.0", "0"},
		{"https", "https", tlsBackend, "HTTP/1.1 tls=true", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			be := backendFor("svc", addrOf(t, tc.srv))
			be.AppProtocol = tc.appProtocol
			tp := startProxy(t, Config{}, anyHost(be))
			resp, err := client().Do(newReq(t, "GET", tp.url+"/", "h", nil))
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			if err != nil || string(b) != tc.want {
				t.Errorf("got %d %q %v, want %q", resp.StatusCode, b, err, tc.want)
			}
			if got := resp.Trailer.Get("Grpc-Status"); got != tc.trailer {
				t.Errorf("trailer Grpc-Status: got %q, want %q", got, tc.trailer)
			}
		})
	}
}

func TestH2CFromClient(t *testing.T) {
	tp := startProxy(t, Config{}, anyHost(backendFor("svc", addrOf(t, echoBackend(t)))))
	tr := &http.Transport{Protocols: new(http.Protocols)}
	tr.Protocols.SetUnencryptedHTTP2(true)
	c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	code, body := do(t, c, newReq(t, "GET", tp.url+"/", "h", nil))
	if code != 200 {
		t.Fatalf("got %d, want 200", code)
	}
	if s := decodeSeen(t, body); s.Header.Get("X-Forwarded-Proto") != "http" {
		t.Errorf("X-Forwarded-Proto: got %q, want http", s.Header.Get("X-Forwarded-Proto"))
	}
}

func TestTLSBySNI(t *testing.T) {
	secrets := fakeSecrets{}
	tlsHosts := map[string]api.Key{}
	for _, h := range []string{"a.example", "b.example"} {
		crt, key := certPEM(t, h)
		k := api.Key{Kind: "Secret", Namespace: "default", Name: h}
		secrets[k] = &api.Secret{Type: api.SecretTypeTLS, Data: map[string][]byte{api.TLSCertKey: crt, api.TLSPrivateKeyKey: key}}
		tlsHosts[h] = k
	}
	bad := api.Key{Kind: "Secret", Namespace: "default", Name: "bad"}
	secrets[bad] = &api.Secret{Type: api.SecretTypeTLS, Data: map[string][]byte{api.TLSCertKey: []byte("not a cert")}}
	tlsHosts["bad.example"] = bad
	tlsHosts["gone.example"] = api.Key{Kind: "Secret", Namespace: "default", Name: "gone"}
	routes := anyHost(backendFor("svc", addrOf(t, echoBackend(t))))
	routes.tls = tlsHosts
	tp := startProxy(t, Config{Secrets: secrets}, routes)

	for _, tc := range []struct{ sni, wantCN string }{
		{"a.example", "a.example"},
		{"b.example", "b.example"},
		{"A.EXAMPLE", "a.example"},
		{"unknown.example", DefaultCertCommonName},
		{"", DefaultCertCommonName},
		{"bad.example", DefaultCertCommonName},
		{"bad.example", DefaultCertCommonName},
		{"gone.example", DefaultCertCommonName},
	} {
		t.Run("sni "+tc.sni, func(t *testing.T) {
			conn, err := tls.Dial("tcp", tp.tlsAddr, &tls.Config{ServerName: tc.sni, InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			defer func() { _ = conn.Close() }()
			st := conn.ConnectionState()
			if got := st.PeerCertificates[0].Subject.CommonName; got != tc.wantCN {
				t.Errorf("certificate: got %q, want %q", got, tc.wantCN)
			}
			if st.NegotiatedProtocol != "h2" {
				t.Errorf("ALPN: got %q, want h2", st.NegotiatedProtocol)
			}
		})
	}
	if n := strings.Count(tp.logs.String(), "bad TLS secret"); n != 1 {
		t.Errorf("bad secret warnings: got %d, want 1 (logged once)", n)
	}

	t.Run("request over TLS", func(t *testing.T) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{ServerName: "a.example", InsecureSkipVerify: true}, ForceAttemptHTTP2: true}
		c := &http.Client{Transport: tr, Timeout: 30 * time.Second}
		resp, err := c.Do(newReq(t, "GET", "https://"+tp.tlsAddr+"/", "a.example", nil))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if resp.Proto != "HTTP/2.0" {
			t.Errorf("client protocol: got %s, want HTTP/2.0", resp.Proto)
		}
		if s := decodeSeen(t, string(b)); s.Header.Get("X-Forwarded-Proto") != "https" {
			t.Errorf("X-Forwarded-Proto: got %q, want https", s.Header.Get("X-Forwarded-Proto"))
		}
	})
}

func TestGracefulShutdown(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		_, _ = io.WriteString(w, "finished")
	}))
	t.Cleanup(slow.Close)
	tp := startProxy(t, Config{}, anyHost(backendFor("svc", addrOf(t, slow))))
	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		resp, err := client().Do(newReq(t, "GET", tp.url+"/", "h", nil))
		if err != nil {
			res <- result{err: err}
			return
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		res <- result{resp.StatusCode, string(b), err}
	}()
	<-arrived
	tp.cancel()
	// Shutdown is under way once the listener refuses new connections.
	if err := waitFor(func() bool {
		c, err := net.Dial("tcp", tp.url[len("http://"):])
		if err == nil {
			_ = c.Close()
		}
		return err != nil
	}); err != nil {
		t.Fatalf("listener still accepting after shutdown began: %v", err)
	}
	close(release)
	r := <-res
	if r.err != nil || r.code != 200 || r.body != "finished" {
		t.Errorf("in-flight request: got %d %q %v, want 200 finished", r.code, r.body, r.err)
	}
}

func TestShutdownClosesWebSockets(t *testing.T) {
	ws := httptest.NewServer(websocket.Handler(func(c *websocket.Conn) { _, _ = io.Copy(c, c) }))
	t.Cleanup(ws.Close)
	tp := startProxy(t, Config{}, anyHost(backendFor("svc", addrOf(t, ws))))
	cfg, err := websocket.NewConfig("ws"+tp.url[len("http"):]+"/", "http://h/")
	if err != nil {
		t.Fatal(err)
	}
	conn, err := websocket.DialConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	tp.cancel()
	var msg string
	if err := websocket.Message.Receive(conn, &msg); err == nil {
		t.Errorf("got message %q, want the connection closed by shutdown", msg)
	}
}

func TestSwapUnderLoad(t *testing.T) {
	var eps []netip.AddrPort
	for i := range 3 {
		eps = append(eps, addrOf(t, namedBackend(t, fmt.Sprint(i))))
	}
	tables := []Routes{anyHost(backendFor("svc", eps[0], eps[1])), anyHost(backendFor("svc", eps[1], eps[2])), anyHost(backendFor("svc", eps[2]))}
	tp := startProxy(t, Config{}, tables[0])
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	total := 0
	c := client()
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				resp, err := c.Do(newReq(t, "GET", tp.url+"/", "h", nil))
				var code int
				if err == nil {
					code = resp.StatusCode
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				mu.Lock()
				total++
				if err != nil || code != 200 {
					failures = append(failures, fmt.Sprintf("%d %v", code, err))
				}
				mu.Unlock()
			}
		}()
	}
	// At least 300 swaps and 500 requests, however slow the machine.
	for i := 0; ; i++ {
		tp.SetRoutes(tables[i%len(tables)])
		if i%10 == 0 {
			time.Sleep(time.Millisecond) // let requests run between bursts of swaps
			mu.Lock()
			n := total
			mu.Unlock()
			if i >= 300 && n >= 500 {
				break
			}
		}
	}
	cancel()
	wg.Wait()
	if len(failures) > 0 || total == 0 {
		t.Errorf("got %d failed of %d requests during the swaps (first: %v), want none", len(failures), total, failures[:min(len(failures), 3)])
	}
}

func TestListen(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	for _, tc := range []struct{ name, addr, want string }{
		{"taken", ln.Addr().String(), "ingress listen on " + ln.Addr().String() + ": "},
		{"empty", "", "ingress listen: empty address"},
		{"bad", "nohost:notaport", "ingress listen on nohost:notaport"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l2, err := Listen(tc.addr)
			if err == nil {
				_ = l2.Close()
				t.Fatalf("got no error, want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestRetryByProtocol(t *testing.T) {
	h2c := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}))
	h2c.Config.Protocols = new(http.Protocols)
	h2c.Config.Protocols.SetUnencryptedHTTP2(true)
	h2c.Start()
	t.Cleanup(h2c.Close)
	tlsBackend := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	}))
	t.Cleanup(tlsBackend.Close)
	for _, tc := range []struct {
		appProtocol string
		srv         *httptest.Server
	}{{"h2c", h2c}, {"https", tlsBackend}} {
		t.Run(tc.appProtocol, func(t *testing.T) {
			be := backendFor("svc", refusedAddr(t), addrOf(t, tc.srv))
			be.AppProtocol = tc.appProtocol
			tp := startProxyAt(t, Config{}, anyHost(be), func() time.Time { return time.Unix(1000, 0) }) // the ejection lasts
			for i := range 4 {
				if code, body := do(t, client(), newReq(t, "GET", tp.url+"/", "h", nil)); code != 200 {
					t.Fatalf("GET %d: got %d %q, want 200", i, code, body)
				}
			}
			if got := testutil.ToFloat64(tp.metrics.retries.WithLabelValues("default/ing", "default/svc")); got != 1 {
				t.Errorf("retries: got %v, want 1", got)
			}
		})
	}
}
