package ingress

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingBackend is an httptest server with handler h that counts the
// connections it accepted and closed.
func countingBackend(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64, *atomic.Int64) {
	t.Helper()
	s := httptest.NewUnstartedServer(h)
	var opened, closed atomic.Int64
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		switch st {
		case http.StateNew:
			opened.Add(1)
		case http.StateClosed, http.StateHijacked:
			closed.Add(1)
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s, &opened, &closed
}

func newTestProxy(t *testing.T, cfg Config) *Proxy {
	t.Helper()
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// testEndpoint is an endpoint outside any balancer whose idle
// connections are closed when the test ends.
func testEndpoint(t *testing.T, hostport string) *endpoint {
	e := &endpoint{hostport: hostport}
	t.Cleanup(func() { e.idle.closeIdle(true) })
	return e
}

func getReq(t *testing.T, ctx context.Context, method, addr string) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, "http://"+addr+"/x?y=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "app.example"
	return req
}

func idleCount(e *endpoint) int {
	e.idle.mu.Lock()
	defer e.idle.mu.Unlock()
	return len(e.idle.conns)
}

func TestH1PoolKeepAlive(t *testing.T) {
	big := strings.Repeat("x", 64<<10)
	for _, tc := range []struct {
		name     string
		method   string
		handler  http.HandlerFunc
		read     int // bytes of the body read before Close; -1 reads all
		wantIdle int // idle connections after each request
		wantOpen int64
	}{
		{"content-length body read to the end is reused", "GET", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "hello")
		}, -1, 1, 1},
		{"chunked body read to the end is reused", "GET", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "a")
			http.NewResponseController(w).Flush()
			_, _ = io.WriteString(w, "b")
		}, -1, 1, 1},
		{"HEAD without body is reused", "HEAD", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "5")
		}, -1, 1, 1},
		{"204 is reused", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		}, -1, 1, 1},
		{"Connection: close is not reused", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, "bye")
		}, -1, 0, 3},
		{"partly read body closes the connection", "GET", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, big)
		}, 100, 0, 3},
		{"unread body closes the connection", "GET", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, big)
		}, 0, 0, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, opened, closed := countingBackend(t, tc.handler)
			p := newTestProxy(t, Config{})
			e := testEndpoint(t, s.Listener.Addr().String())
			for i := range 3 {
				resp, err := p.roundTripH1(getReq(t, context.Background(), tc.method, e.hostport), e)
				if err != nil {
					t.Fatalf("request %d: %v", i, err)
				}
				if tc.read < 0 {
					_, err = io.Copy(io.Discard, resp.Body)
				} else {
					_, err = io.CopyN(io.Discard, resp.Body, int64(tc.read))
				}
				if err != nil {
					t.Fatalf("request %d: read body: %v", i, err)
				}
				if err := resp.Body.Close(); err != nil {
					t.Fatal(err)
				}
				if got := idleCount(e); got != tc.wantIdle {
					t.Fatalf("request %d: got %d idle connections, want %d", i, got, tc.wantIdle)
				}
			}
			if got := opened.Load(); got != tc.wantOpen {
				t.Errorf("got %d backend connections for 3 requests, want %d", got, tc.wantOpen)
			}
			wantClosed := tc.wantOpen - int64(tc.wantIdle)
			if waitFor(func() bool { return closed.Load() == wantClosed }) != nil {
				t.Errorf("got %d backend connections closed, want %d", closed.Load(), wantClosed)
			}
		})
	}
}

// rawBackend serves each connection with fn on a real loopback listener
// and counts the connections.
func rawBackend(t *testing.T, fn func(c net.Conn, br *bufio.Reader)) (string, *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	var wg sync.WaitGroup
	t.Cleanup(func() { _ = ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { _ = c.Close() }()
				fn(c, bufio.NewReader(c))
			}()
		}
	}()
	return ln.Addr().String(), &n
}

// answer reads one request from br and writes resp on c.
func answer(c net.Conn, br *bufio.Reader, resp string) bool {
	req, err := http.ReadRequest(br)
	if err != nil {
		return false
	}
	_ = req.Body.Close()
	_, err = io.WriteString(c, resp)
	return err == nil
}

func TestH1PoolFailures(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
	var first, first408 atomic.Bool
	for _, tc := range []struct {
		name      string
		serve     func(c net.Conn, br *bufio.Reader)
		wantErr   bool // the second request fails
		wantConns int64
		wantIdle  int
	}{
		{"stale pooled connection is retried on a new one", func(c net.Conn, br *bufio.Reader) {
			answer(c, br, ok) // then close, as a backend's idle timeout would
		}, false, 2, 1},
		{"408 on a stale pooled connection is retried on a new one", func(c net.Conn, br *bufio.Reader) {
			if !first408.CompareAndSwap(false, true) {
				for answer(c, br, ok) {
				}
				return
			}
			answer(c, br, ok)
			_, _ = io.WriteString(c, "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
			_, _ = http.ReadRequest(br) // the proxy's next request, unanswered
		}, false, 2, 1},
		{"HTTP/1.0 response is not reused", func(c net.Conn, br *bufio.Reader) {
			for answer(c, br, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok") {
			}
		}, false, 2, 0},
		{"new connection closed without an answer is not retried", func(c net.Conn, br *bufio.Reader) {
			if first.CompareAndSwap(false, true) {
				answer(c, br, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
				return
			}
			_, _ = http.ReadRequest(br) // and close without an answer
		}, true, 2, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			addr, conns := rawBackend(t, tc.serve)
			p := newTestProxy(t, Config{})
			e := testEndpoint(t, addr)
			var err error
			for i := range 2 {
				var resp *http.Response
				resp, err = p.roundTripH1(getReq(t, context.Background(), "GET", addr), e)
				if err != nil {
					break
				}
				b, rerr := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				if rerr != nil || string(b) != "ok" {
					t.Fatalf("request %d: got body %q, %v; want \"ok\"", i, b, rerr)
				}
			}
			if (err != nil) != tc.wantErr {
				t.Errorf("got error %v, want error: %v", err, tc.wantErr)
			}
			if got := conns.Load(); got != tc.wantConns {
				t.Errorf("got %d backend connections, want %d", got, tc.wantConns)
			}
			if got := idleCount(e); got != tc.wantIdle {
				t.Errorf("got %d idle connections, want %d", got, tc.wantIdle)
			}
		})
	}
}

func TestH1ResponseHeaderTimeout(t *testing.T) {
	release := make(chan struct{})
	addr, _ := rawBackend(t, func(c net.Conn, br *bufio.Reader) {
		_, _ = http.ReadRequest(br)
		<-release
	})
	defer close(release)
	p := newTestProxy(t, Config{ResponseHeaderTimeout: 50 * time.Millisecond})
	e := testEndpoint(t, addr)
	_, err := p.roundTripH1(getReq(t, context.Background(), "GET", addr), e)
	if !isTimeout(err) {
		t.Fatalf("got error %v, want a timeout", err)
	}
	if got := idleCount(e); got != 0 {
		t.Errorf("got %d idle connections, want 0", got)
	}
}

func TestH1ClientCancel(t *testing.T) {
	got := make(chan struct{})
	release := make(chan struct{})
	closed := make(chan struct{}, 1)
	addr, _ := rawBackend(t, func(c net.Conn, br *bufio.Reader) {
		_, _ = http.ReadRequest(br)
		close(got)
		_, _ = br.ReadByte() // returns once the proxy closes the connection
		closed <- struct{}{}
		<-release
	})
	defer close(release)
	p := newTestProxy(t, Config{})
	e := testEndpoint(t, addr)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-got; cancel() }()
	_, err := p.roundTripH1(getReq(t, ctx, "GET", addr), e)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("got error %v, want context.Canceled", err)
	}
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("backend connection still open 5 s after the client left")
	}
}

func TestH1IdleBounds(t *testing.T) {
	s, opened, closed := countingBackend(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello")
	})
	p := newTestProxy(t, Config{MaxIdleConnsPerHost: 1})
	e := testEndpoint(t, s.Listener.Addr().String())
	// Two requests in flight at once need two connections; only one
	// fits in the idle pool afterwards.
	var resps []*http.Response
	for range 2 {
		resp, err := p.roundTripH1(getReq(t, context.Background(), "GET", e.hostport), e)
		if err != nil {
			t.Fatal(err)
		}
		resps = append(resps, resp)
	}
	for _, r := range resps {
		_, _ = io.Copy(io.Discard, r.Body)
		_ = r.Body.Close()
	}
	if got := opened.Load(); got != 2 {
		t.Errorf("got %d backend connections, want 2", got)
	}
	if got := idleCount(e); got != 1 {
		t.Errorf("got %d idle connections, want 1 (MaxIdleConnsPerHost)", got)
	}
	// Expiry: the connection idle past the timeout is closed.
	e.idle.mu.Lock()
	e.idle.conns[0].idleSince = time.Now().Add(-2 * idleConnTimeout)
	e.idle.mu.Unlock()
	e.idle.expire(idleConnTimeout)
	if got := idleCount(e); got != 0 {
		t.Errorf("after expiry: got %d idle connections, want 0", got)
	}
	if waitFor(func() bool { return closed.Load() == 2 }) != nil {
		t.Errorf("got %d backend connections closed, want 2", closed.Load())
	}
}

func TestWriteRequest(t *testing.T) {
	req, err := http.NewRequest("GET", "http://10.0.0.1:8080/a%2Fb/c?q=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = "app.example"
	req.Header["User-Agent"] = []string{""}
	req.Header["X-Evil"] = []string{"a\r\nX-Injected: 1"}
	req.Header["Connection"] = []string{"keep-alive"}
	var b strings.Builder
	w := bufio.NewWriter(&b)
	if err := writeRequest(w, req); err != nil {
		t.Fatal(err)
	}
	got, err := http.ReadRequest(bufio.NewReader(strings.NewReader(b.String())))
	if err != nil {
		t.Fatalf("backend cannot parse %q: %v", b.String(), err)
	}
	for _, c := range []struct{ name, got, want string }{
		{"request URI", got.RequestURI, "/a%2Fb/c?q=1"},
		{"host", got.Host, "app.example"},
		{"user agent", got.Header.Get("User-Agent"), ""},
		{"X-Evil", got.Header.Get("X-Evil"), "a  X-Injected: 1"},
		{"X-Injected", got.Header.Get("X-Injected"), ""},
		{"connection", got.Header.Get("Connection"), ""},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, c.got, c.want)
		}
	}
}
