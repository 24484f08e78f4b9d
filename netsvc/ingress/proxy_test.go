package ingress

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRouting(t *testing.T) {
	a, b := namedBackend(t, "a"), namedBackend(t, "b")
	routes := &fakeRoutes{rules: []fakeRule{
		{host: "a.example", prefix: "/", backend: backendFor("a", addrOf(t, a))},
		{host: "b.example", prefix: "/api", backend: backendFor("b", addrOf(t, b))},
		{host: "empty.example", prefix: "/", backend: backendFor("empty")},
	}}
	tp := startProxy(t, Config{}, routes)
	c := client()
	for _, tc := range []struct {
		name, host, path string
		wantCode         int
		wantBody         string
	}{
		{"host a", "a.example", "/anything", 200, "a"},
		{"host a with port and case", "A.Example:8080", "/", 200, "a"},
		{"host b path", "b.example", "/api/v1", 200, "b"},
		{"host b other path", "b.example", "/web", 404, "404 page not found"},
		{"unknown host", "nope.example", "/", 404, "404 page not found"},
		{"no endpoints", "empty.example", "/", 503, "no ready endpoints"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(t, c, newReq(t, "GET", tp.url+tc.path, tc.host, nil))
			if code != tc.wantCode || !strings.Contains(body, tc.wantBody) {
				t.Errorf("got %d %q, want %d containing %q", code, body, tc.wantCode, tc.wantBody)
			}
		})
	}
}

func TestNoRoutesYet(t *testing.T) {
	tp := startProxy(t, Config{}, nil)
	if code, body := do(t, client(), newReq(t, "GET", tp.url+"/", "a.example", nil)); code != 503 {
		t.Errorf("got %d %q, want 503 before the first table", code, body)
	}
}

func TestBalancingSpreads(t *testing.T) {
	names := []string{"x", "y", "z"}
	var eps []netip.AddrPort
	for _, n := range names {
		eps = append(eps, addrOf(t, namedBackend(t, n)))
	}
	tp := startProxy(t, Config{}, anyHost(backendFor("svc", eps...)))
	c := client()
	got := map[string]int{}
	for range 300 {
		code, body := do(t, c, newReq(t, "GET", tp.url+"/", "h", nil))
		if code != 200 {
			t.Fatalf("got %d %q, want 200", code, body)
		}
		got[body]++
	}
	for _, n := range names {
		// Sequential requests leave every endpoint idle, so round robin
		// breaks the tie: 100 each, with slack for a late body close.
		if got[n] < 50 || got[n] > 150 {
			t.Errorf("endpoint %s got %d of 300 requests, want about 100 (all: %v)", n, got[n], got)
		}
	}
}

func TestPick(t *testing.T) {
	const now = int64(1000)
	mk := func(loads []int64, ejected []bool) *pool {
		p := &pool{}
		for i, l := range loads {
			e := &endpoint{hostport: string(rune('a' + i))}
			e.inflight.Store(l)
			if ejected != nil && ejected[i] {
				e.ejectedUntil.Store(now + int64(i) + 1)
			}
			p.eps = append(p.eps, e)
		}
		return p
	}
	for _, tc := range []struct {
		name    string
		loads   []int64
		ejected []bool
		tried   []int
		want    string
	}{
		{"least loaded", []int64{3, 1, 2}, nil, nil, "b"},
		{"skips ejected", []int64{3, 0, 2}, []bool{false, true, false}, nil, "c"},
		{"skips tried", []int64{0, 0, 5}, nil, []int{0, 1}, "c"},
		{"all ejected: the one back soonest", []int64{0, 0}, []bool{true, true}, nil, "a"},
		{"all tried", []int64{0}, nil, []int{0}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := mk(tc.loads, tc.ejected)
			var tried []*endpoint
			for _, i := range tc.tried {
				tried = append(tried, p.eps[i])
			}
			got := ""
			if e := p.pick(now, tried); e != nil {
				got = e.hostport
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("ties go round robin", func(t *testing.T) {
		p := mk([]int64{0, 0, 0}, nil)
		var got []string
		for range 4 {
			got = append(got, p.pick(now, nil).hostport)
		}
		if s := strings.Join(got, ""); s != "abca" {
			t.Errorf("got %q, want abca", s)
		}
	})
}

func TestEjectionBackoff(t *testing.T) {
	e := &endpoint{}
	t0 := time.Unix(100, 0)
	var got []time.Duration
	for range 5 {
		e.failed(t0, 5*time.Second, 30*time.Second)
		got = append(got, time.Duration(e.ejectedUntil.Load()-t0.UnixNano()))
	}
	want := []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second, 30 * time.Second, 30 * time.Second}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("failure %d: ejected for %v, want %v", i+1, got[i], want[i])
		}
	}
	e.succeeded()
	if e.ejected(t0.UnixNano()) || e.failures.Load() != 0 {
		t.Errorf("after success: ejected %v, failures %d, want back with no failures", e.ejected(t0.UnixNano()), e.failures.Load())
	}
}

func TestRetryable(t *testing.T) {
	for _, tc := range []struct {
		method string
		body   bool
		want   bool
	}{
		{"GET", false, true},
		{"HEAD", false, true},
		{"OPTIONS", false, true},
		{"PUT", false, true},
		{"DELETE", false, true},
		{"PUT", true, false},
		{"POST", false, false},
		{"POST", true, false},
		{"PATCH", false, false},
	} {
		t.Run(tc.method+map[bool]string{true: " with body", false: ""}[tc.body], func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, "http://x/", nil)
			if tc.body {
				req.Body = struct {
					*strings.Reader
					nopCloser
				}{strings.NewReader("x"), nopCloser{}}
			}
			if got := retryable(req); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

type nopCloser struct{}

func (nopCloser) Close() error { return nil }

func TestRefusedEndpointIsEjectedAndRetried(t *testing.T) {
	good := namedBackend(t, "good")
	be := backendFor("svc", refusedAddr(t), addrOf(t, good))
	var mu sync.Mutex
	clock := time.Unix(1000, 0)
	tp := startProxyAt(t, Config{}, anyHost(be), func() time.Time { mu.Lock(); defer mu.Unlock(); return clock })
	c := client()

	// Round robin starts at the refused endpoint: a POST there fails (it
	// is never sent twice) and ejects it.
	if code, _ := do(t, c, newReq(t, "POST", tp.url+"/", "h", strings.NewReader("x"))); code != 502 {
		t.Errorf("POST to a refusing endpoint: got %d, want 502", code)
	}
	retries := func() float64 {
		return testutil.ToFloat64(tp.metrics.retries.WithLabelValues("default/ing", "default/svc"))
	}
	ejections := func() float64 {
		return testutil.ToFloat64(tp.metrics.ejections.WithLabelValues("default/ing", "default/svc"))
	}
	if r, e := retries(), ejections(); r != 0 || e != 1 {
		t.Errorf("after POST: got %v retries and %v ejections, want 0 and 1", r, e)
	}
	// While ejected, every GET goes to the good endpoint.
	for i := range 20 {
		if code, body := do(t, c, newReq(t, "GET", tp.url+"/", "h", nil)); code != 200 || body != "good" {
			t.Fatalf("GET %d while ejected: got %d %q, want 200 good", i, code, body)
		}
	}
	// A new table with the same endpoints keeps the ejection.
	be = backendFor("svc", be.Endpoints...)
	tp.SetRoutes(anyHost(be))
	for i := range 20 {
		if code, body := do(t, c, newReq(t, "GET", tp.url+"/", "h", nil)); code != 200 || body != "good" {
			t.Fatalf("GET %d after a table swap: got %d %q, want 200 good", i, code, body)
		}
	}
	if r := retries(); r != 0 {
		t.Errorf("while ejected: got %v retries, want 0", r)
	}
	// After the ejection the refused endpoint is tried again: each GET
	// still succeeds, by a retry, and the endpoint is out for 10 s now.
	mu.Lock()
	clock = clock.Add(6 * time.Second)
	mu.Unlock()
	for i := range 20 {
		if code, body := do(t, c, newReq(t, "GET", tp.url+"/", "h", nil)); code != 200 || body != "good" {
			t.Fatalf("GET %d after the ejection: got %d %q, want 200 good", i, code, body)
		}
	}
	if r, e := retries(), ejections(); r != 1 || e != 2 {
		t.Errorf("after ejection ended: got %v retries and %v ejections, want 1 and 2", r, e)
	}
	ep := tp.bal.poolOf(be, 0).eps[0]
	if got, want := time.Duration(ep.ejectedUntil.Load()-tp.now().UnixNano()), 10*time.Second; got != want {
		t.Errorf("second ejection lasts %v, want %v", got, want)
	}
}

func TestAllEndpointsRefusing(t *testing.T) {
	tp := startProxy(t, Config{}, anyHost(backendFor("svc", refusedAddr(t), refusedAddr(t))))
	if code, _ := do(t, client(), newReq(t, "GET", tp.url+"/", "h", nil)); code != 502 {
		t.Errorf("got %d, want 502", code)
	}
}

func TestBodyLimit(t *testing.T) {
	echo := namedBackend(t, "ok")
	tp := startProxy(t, Config{MaxBodyBytes: 1000}, anyHost(backendFor("svc", addrOf(t, echo))))
	c := client()
	for _, tc := range []struct {
		name    string
		size    int
		chunked bool
		want    int
	}{
		{"small", 500, false, 200},
		{"at the limit", 1000, false, 200},
		{"over, with length", 1001, false, 413},
		{"small, chunked", 500, true, 200},
		{"over, chunked", 5000, true, 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body = strings.NewReader(strings.Repeat("x", tc.size))
			req := newReq(t, "POST", tp.url+"/", "h", body)
			if tc.chunked {
				req.ContentLength = -1
				req.Body = struct {
					*strings.Reader
					nopCloser
				}{body, nopCloser{}}
			}
			if code, _ := do(t, c, req); code != tc.want {
				t.Errorf("got %d, want %d", code, tc.want)
			}
		})
	}
}

func TestSSLRedirect(t *testing.T) {
	be := backendFor("svc", addrOf(t, namedBackend(t, "ok")))
	be.SSLRedirect = true
	tp := startProxy(t, Config{}, anyHost(be))
	trusting := startProxy(t, Config{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, anyHost(be))
	for _, tc := range []struct {
		name, host, uri, header string
		trusted                 bool
		wantCode                int
		want                    string
	}{
		{"plain host", "shop.example", "/cart?item=1&q=%2F", "", false, 308, "https://shop.example/cart?item=1&q=%2F"},
		{"port dropped", "shop.example:8080", "/", "", false, 308, "https://shop.example/"},
		{"path as sent", "shop.example", "/a//b/%2e%2e/c", "", false, 308, "https://shop.example/a//b/%2e%2e/c"},
		{"untrusted proxy says https", "shop.example", "/", "X-Forwarded-Proto: https\r\n", false, 308, "https://shop.example/"},
		{"trusted proxy says https", "shop.example", "/", "X-Forwarded-Proto: https\r\n", true, 200, ""},
		{"trusted proxy says http", "shop.example", "/", "X-Forwarded-Proto: http\r\n", true, 308, "https://shop.example/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tp.url
			if tc.trusted {
				url = trusting.url
			}
			resp, err := rawRequest(url[len("http://"):], "GET "+tc.uri+" HTTP/1.1\r\nHost: "+tc.host+"\r\n"+tc.header+"Connection: close\r\n\r\n")
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tc.wantCode || resp.Header.Get("Location") != tc.want {
				t.Errorf("got %d Location %q, want %d %q", resp.StatusCode, resp.Header.Get("Location"), tc.wantCode, tc.want)
			}
		})
	}
	t.Run("over TLS", func(t *testing.T) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{ServerName: "shop.example", InsecureSkipVerify: true}}}
		if code, body := do(t, c, newReq(t, "GET", "https://"+tp.tlsAddr+"/", "shop.example", nil)); code != 200 {
			t.Errorf("got %d %q, want 200", code, body)
		}
	})
}

func TestMetricsAndAccessLog(t *testing.T) {
	logs := &syncBuffer{}
	tp := startProxy(t, Config{AccessLog: slog.New(slog.NewJSONHandler(logs, nil))},
		&fakeRoutes{rules: []fakeRule{{host: "a.example", prefix: "/", backend: backendFor("svc", addrOf(t, namedBackend(t, "ok")))}}})
	c := client()
	for range 3 {
		do(t, c, newReq(t, "GET", tp.url+"/x", "a.example", nil))
	}
	do(t, c, newReq(t, "GET", tp.url+"/", "other.example", nil))
	for _, tc := range []struct {
		ingress, service, code string
		want                   float64
	}{
		{"default/ing", "default/svc", "200", 3},
		{"", "", "404", 1},
	} {
		if got := testutil.ToFloat64(tp.metrics.requests.WithLabelValues(tc.ingress, tc.service, tc.code)); got != tc.want {
			t.Errorf("requests{%q,%q,%q}: got %v, want %v", tc.ingress, tc.service, tc.code, got, tc.want)
		}
	}
	if n := testutil.CollectAndCount(tp.metrics.duration); n != 2 {
		t.Errorf("duration histograms: got %d series, want 2", n)
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("access log: got %d lines, want 4:\n%s", len(lines), logs.String())
	}
	for _, want := range []string{`"method":"GET"`, `"host":"a.example"`, `"path":"/x"`, `"status":200`, `"bytes":2`, `"service":"default/svc"`, `"endpoint":"127.0.0.1:`, `"client":"127.0.0.1"`, `"duration":`} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("access log line %s: missing %s", lines[0], want)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"defaults", Config{}, ""},
		{"negative dial timeout", Config{DialTimeout: -time.Second}, "dial timeout -1s is negative"},
		{"eject max below base", Config{EjectBase: 10 * time.Second, EjectMax: time.Second}, "eject max 1s is below eject base 10s"},
		{"bad prefix", Config{TrustedProxies: []netip.Prefix{{}}}, "is not a valid prefix"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBackendTimeouts(t *testing.T) {
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	stuck := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	stuck.EnableHTTP2 = false
	stuck.Config.Protocols = new(http.Protocols)
	stuck.Config.Protocols.SetHTTP1(true)
	stuck.Config.Protocols.SetUnencryptedHTTP2(true)
	stuck.Start()
	t.Cleanup(stuck.Close)
	for name, proto := range map[string]string{"http/1.1": "", "h2c": "h2c"} {
		t.Run(name, func(t *testing.T) {
			be := backendFor("svc", addrOf(t, stuck))
			be.AppProtocol = proto
			tp := startProxy(t, Config{ResponseHeaderTimeout: 50 * time.Millisecond}, anyHost(be))
			if code, body := do(t, client(), newReq(t, "GET", tp.url+"/", "h", nil)); code != 504 {
				t.Errorf("got %d %q, want 504", code, body)
			}
		})
	}
}

func TestSwappedPrunesIdleEndpoints(t *testing.T) {
	now := time.Unix(10000, 0)
	old := now.Add(-time.Hour).UnixNano()
	b := newBalancer()
	addr := func(i int) netip.AddrPort { return netip.AddrPortFrom(netip.MustParseAddr("10.0.0.1"), uint16(i)) }
	p := b.poolOf(backendFor("svc", addr(1), addr(2), addr(3), addr(4)), old)
	p.eps[1].inflight.Store(1)
	p.eps[2].ejectedUntil.Store(now.Add(time.Second).UnixNano())
	p.eps[3].lastUsed.Store(now.UnixNano())
	b.swapped(now, 10*time.Minute)
	for i, want := range []bool{false, true, true, true} {
		if _, got := b.endpoints[addr(i+1)]; got != want {
			t.Errorf("endpoint %d (idle, in flight, ejected, recent): kept %v, want %v", i+1, got, want)
		}
	}
}

func TestClientGoneIs499(t *testing.T) {
	arrived := make(chan struct{})
	block := make(chan struct{})
	t.Cleanup(func() { close(block) })
	stuck := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		select {
		case <-block:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(stuck.Close)
	tp := startProxy(t, Config{}, anyHost(backendFor("svc", addrOf(t, stuck))))
	ctx, cancel := context.WithCancel(context.Background())
	req := newReq(t, "GET", tp.url+"/", "h", nil).WithContext(ctx)
	errc := make(chan error, 1)
	go func() {
		resp, err := client().Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		errc <- err
	}()
	<-arrived
	cancel()
	if err := <-errc; err == nil {
		t.Fatal("got a response, want the request cancelled")
	}
	if err := waitFor(func() bool { return testutilCode(tp, "499") == 1 }); err != nil {
		t.Errorf("requests with code 499: got %v, want 1 (502: %v)", testutilCode(tp, "499"), testutilCode(tp, "502"))
	}
}

func TestLeastOutstanding(t *testing.T) {
	// A streams a response that stays open; while it does, A has one
	// request in flight and every new request goes to B.
	release := make(chan struct{})
	streaming := make(chan struct{})
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/stream" {
			_, _ = io.WriteString(w, "start")
			http.NewResponseController(w).Flush()
			close(streaming)
			<-release
		}
		_, _ = io.WriteString(w, "a")
	}))
	t.Cleanup(a.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	b := namedBackend(t, "b")
	tp := startProxy(t, Config{}, anyHost(backendFor("svc", addrOf(t, a), addrOf(t, b))))
	c := client()
	resp, err := c.Do(newReq(t, "GET", tp.url+"/stream", "h", nil)) // round robin starts at A
	if err != nil {
		t.Fatal(err)
	}
	<-streaming
	got := map[string]int{}
	for range 10 {
		_, body := do(t, c, newReq(t, "GET", tp.url+"/", "h", nil))
		got[body]++
	}
	close(release)
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if got["b"] != 10 {
		t.Errorf("while A streams: got %v, want all 10 requests on b", got)
	}
}

func TestResetBeforeAnswerIsRetriedWhenSafe(t *testing.T) {
	good := namedBackend(t, "good")
	reset, seen := resettingAddr(t)
	tests := []struct {
		name     string
		method   string
		body     string
		wantCode int
		wantBody string
	}{
		{name: "a GET goes to another endpoint", method: "GET", wantCode: 200, wantBody: "good"},
		{name: "a HEAD goes to another endpoint", method: "HEAD", wantCode: 200},
		{name: "a POST may have reached the pod and is not sent again", method: "POST", body: "x", wantCode: 502},
		{name: "a PUT with a body is not sent again", method: "PUT", body: "x", wantCode: 502},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// The resetting endpoint comes first and is never ejected for
			// long: each case starts with a fresh proxy and clock.
			be := backendFor("svc", reset, addrOf(t, good))
			tp := startProxyAt(t, Config{}, anyHost(be), func() time.Time { return time.Unix(1000, 0) })
			before := seen.Load()
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			code, got := do(t, client(), newReq(t, tc.method, tp.url+"/", "h", body))
			if code != tc.wantCode || (tc.wantBody != "" && got != tc.wantBody) {
				t.Errorf("got %d %q, want %d %q", code, got, tc.wantCode, tc.wantBody)
			}
			if n := seen.Load() - before; n != 1 {
				t.Errorf("the resetting endpoint read %d requests, want 1", n)
			}
			retries := testutil.ToFloat64(tp.metrics.retries.WithLabelValues("default/ing", "default/svc"))
			if want := map[bool]float64{true: 1, false: 0}[tc.wantCode == 200]; retries != want {
				t.Errorf("got %v retries, want %v", retries, want)
			}
		})
	}
}
