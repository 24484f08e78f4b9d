package apiserver

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/pki"
)

// syncBuffer is a log sink tests read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// limitedServer is a Server with the given limits over an empty store,
// with a CA, token and node TLS, and the log it writes.
type limitedServer struct {
	s   *Server
	tok pki.Token
	tls *pki.NodeTLS
	log *syncBuffer
}

func newLimitedServer(t testing.TB, lim Limits) *limitedServer {
	t.Helper()
	st := consensus.NewStore()
	p := &storeProposer{fsm: consensus.NewFSM(st, nil)}
	ca, tok := newCAAndToken(t)
	nt := nodeTLS(t, ca, "n1")
	logs := &syncBuffer{}
	n := oneNode{p}
	s, err := New(Config{
		Node: "n1", Addr: "127.0.0.1:0", TLS: nt.ServerConfig(), DataDir: t.TempDir(), Credentials: tokenCredentials{tok}, Authority: testAuthority{ca}, GossipKey: []byte("k"),
		Registry: prometheus.NewRegistry(), Logger: slog.New(slog.NewTextHandler(logs, nil)),
		View: st, Proposer: p, Cluster: n, Settings: n, Runtime: n, Limits: lim,
	})
	if err != nil {
		t.Fatal(err)
	}
	return &limitedServer{s: s, tok: tok, tls: nt, log: logs}
}

// httptest serves the handler over plain HTTP on loopback.
func (ls *limitedServer) httptest(t *testing.T) *apiClient {
	t.Helper()
	hs := httptest.NewServer(ls.s.Handler())
	t.Cleanup(hs.Close)
	return &apiClient{t: t, base: hs.URL, token: ls.tok.String()}
}

func joinBody(t *testing.T, name, secret string) string {
	t.Helper()
	b, err := json.Marshal(JoinRequest{Name: name, Secret: secret, CSR: "not a csr", Addr: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestJoinRefusals sends bad join requests: each is refused with its own
// status, before any certificate is signed (a wrong secret with a CSR
// that cannot parse is 403, not the signer's 400), and the caller's name
// never reaches the log unless it is a valid node name.
func TestJoinRefusals(t *testing.T) {
	ls := newLimitedServer(t, Limits{})
	c := ls.httptest(t)
	c.token = ""
	hostile := "evil\n level=ERROR msg=\"forged\" " + strings.Repeat("x", 4000)
	tests := []struct {
		name     string
		body     string
		wantCode int
		wantMsg  string
	}{
		{"oversized body", `{"name":"` + strings.Repeat("a", 9<<10) + `"}`, 413, "over 8192 bytes"},
		{"oversized padding", joinBody(t, "n2", ls.tok.Secret) + strings.Repeat(" ", 8<<10), 413, "over 8192 bytes"},
		{"garbage", "{{{", 400, "join request"},
		{"wrong secret before signing", joinBody(t, "n2", "nope"), 403, "wrong token"},
		{"wrong secret with a hostile name", joinBody(t, hostile, "nope"), 403, "wrong token"},
		{"right secret, hostile name", joinBody(t, hostile, ls.tok.Secret), 400, "must be a DNS-1123 label"},
		{"right secret, bad csr", joinBody(t, "n2", ls.tok.Secret), 400, "certificate request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body := c.do("POST", "/v1/join", tt.body)
			if code != tt.wantCode || !strings.Contains(strings.ToLower(string(body)), strings.ToLower(tt.wantMsg)) {
				t.Fatalf("got %d %q, want %d containing %q", code, truncate(string(body), 200), tt.wantCode, tt.wantMsg)
			}
			if len(body) > 1024 {
				t.Errorf("answer is %d bytes: the caller's text is echoed unbounded", len(body))
			}
		})
	}
	logs := ls.log.String()
	if strings.Contains(logs, "forged") || strings.Contains(logs, "xxxxxxxx") {
		t.Errorf("log holds the caller's name: %q", truncate(logs, 500))
	}
	if !strings.Contains(logs, "name=(invalid)") {
		t.Errorf("log %q: want the refused join logged with name=(invalid)", truncate(logs, 500))
	}
}

// TestJoinTrickle sends a join body one byte every 100 ms: the server
// cuts it off at JoinReadTimeout, long before the body is complete.
func TestJoinTrickle(t *testing.T) {
	ls := newLimitedServer(t, Limits{JoinReadTimeout: 300 * time.Millisecond})
	hs := httptest.NewServer(ls.s.Handler())
	defer hs.Close()
	conn, err := net.Dial("tcp", hs.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = conn.Close() }()
	body := joinBody(t, "n2", ls.tok.Secret)
	if _, err := fmt.Fprintf(conn, "POST /v1/join HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n", len(body)); err != nil {
		t.Fatal(err)
	}
	answered := make(chan *http.Response, 1)
	go func() {
		res, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			close(answered)
			return
		}
		answered <- res
	}()
	sent := 0
	var res *http.Response
	ok := false
trickle:
	for ; sent < len(body); sent++ {
		select {
		case res, ok = <-answered:
			break trickle
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := conn.Write([]byte{body[sent]}); err != nil {
			res, ok = <-answered // the server closed the connection
			break
		}
	}
	if sent >= len(body) {
		t.Fatalf("sent the whole %d-byte body a byte at a time: want the server to cut it off", len(body))
	}
	if ok && res.StatusCode != http.StatusBadRequest {
		t.Fatalf("got %s after %d of %d bytes, want 400 (or the connection closed)", res.Status, sent, len(body))
	}
	t.Logf("cut off after %d of %d bytes", sent, len(body))
}

// TestJoinRateLimit: beyond the burst, a source address gets 429 with a
// message and Retry-After, whatever it sends.
func TestJoinRateLimit(t *testing.T) {
	ls := newLimitedServer(t, Limits{JoinBurst: 3, JoinEvery: time.Hour})
	c := ls.httptest(t)
	c.token = ""
	for i := range 3 {
		if code, body := c.do("POST", "/v1/join", joinBody(t, "n2", "nope")); code != http.StatusForbidden {
			t.Fatalf("request %d: got %d %s, want 403", i+1, code, body)
		}
	}
	req, err := http.NewRequest("POST", c.base+"/v1/join", strings.NewReader(joinBody(t, "n2", ls.tok.Secret)))
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(b), "too many join requests from 127.0.0.1") {
		t.Fatalf("request 4: got %d %s, want 429 naming the source", res.StatusCode, b)
	}
	if res.Header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
}

func TestJoinLimiter(t *testing.T) {
	now := time.Unix(1e9, 0)
	l := newJoinLimiter(2, time.Second)
	steps := []struct {
		name   string
		remote string
		at     time.Duration
		want   bool
	}{
		{"first", "10.0.0.1:1", 0, true},
		{"second", "10.0.0.1:2", 0, true},
		{"over the burst", "10.0.0.1:3", 0, false},
		{"another address", "10.0.0.2:1", 0, true},
		{"refilled one", "10.0.0.1:4", time.Second, true},
		{"empty again", "10.0.0.1:5", time.Second, false},
		{"ipv6 /64 shares a bucket", "[2001:db8::1]:1", 0, true},
		{"ipv6 same /64", "[2001:db8::2]:1", 0, true},
		{"ipv6 same /64 over", "[2001:db8::ffff]:1", 0, false},
		{"ipv6 other /64", "[2001:db8:0:1::1]:1", 0, true},
	}
	for _, s := range steps {
		if got := l.allow(s.remote, now.Add(s.at)); got != s.want {
			t.Errorf("%s: allow(%s): got %v, want %v", s.name, s.remote, got, s.want)
		}
	}
	for i := range 3 * maxJoinSources {
		l.allow(fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255), now)
	}
	if n := len(l.buckets); n > maxJoinSources {
		t.Errorf("buckets after %d sources: got %d, want at most %d", 3*maxJoinSources, n, maxJoinSources)
	}
}

// TestWatchCaps opens watches until each cap answers 429; closing one
// frees its slot.
func TestWatchCaps(t *testing.T) {
	tests := []struct {
		name    string
		lim     Limits
		open    int
		wantMsg string
	}{
		{"per client", Limits{MaxWatches: 10, MaxWatchesPerClient: 2}, 2, "the limit per client is 2"},
		{"total", Limits{MaxWatches: 3, MaxWatchesPerClient: 10}, 3, "this agent serves 3, its limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls := newLimitedServer(t, tt.lim)
			c := ls.httptest(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var open []*http.Response
			watch := func() *http.Response {
				req, err := http.NewRequestWithContext(ctx, "GET", c.base+"/v1/watch?kind=ConfigMap", nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Authorization", "Bearer "+c.token)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			for i := range tt.open {
				res := watch()
				if res.StatusCode != http.StatusOK {
					t.Fatalf("watch %d: got %s, want 200", i+1, res.Status)
				}
				open = append(open, res)
			}
			res := watch()
			b, _ := io.ReadAll(res.Body)
			_ = res.Body.Close()
			if res.StatusCode != http.StatusTooManyRequests || !strings.Contains(string(b), tt.wantMsg) {
				t.Fatalf("watch %d: got %d %s, want 429 containing %q", tt.open+1, res.StatusCode, b, tt.wantMsg)
			}
			_ = open[0].Body.Close()
			waitFor(t, func() bool {
				res := watch()
				defer func() { _ = res.Body.Close() }()
				return res.StatusCode == http.StatusOK
			})
			for _, r := range open[1:] {
				_ = r.Body.Close()
			}
		})
	}
}

// TestMetricsNeedsToken: /metrics on the API answers 401 without the
// token and the metrics with it.
func TestMetricsNeedsToken(t *testing.T) {
	ls := newLimitedServer(t, Limits{})
	c := ls.httptest(t)
	c.do("GET", "/healthz", "") // something to count
	if code, body := c.do("GET", "/metrics", ""); code != 200 || !strings.Contains(string(body), "shoal_api_requests_total") {
		t.Fatalf("with the token: got %d %q, want 200 and metrics", code, truncate(string(body), 200))
	}
	c.token = ""
	if code, body := c.do("GET", "/metrics", ""); code != 401 || !strings.Contains(string(body), "unauthorized") {
		t.Fatalf("without a token: got %d %q, want 401", code, body)
	}
}

// TestAPIIdleFlood runs the real server (Run, TLS) with a small cap and
// handshake deadline, opens 500 connections that never send a byte from
// 127.0.0.2, and checks every one is closed by the server while a client
// with the token, from 127.0.0.1, is still served.
func TestAPIIdleFlood(t *testing.T) {
	const flood = 500
	ls := newLimitedServer(t, Limits{MaxConns: 50, HandshakeTimeout: 200 * time.Millisecond})
	addr, hc := ls.run(t)
	healthz := func() error {
		res, err := hc.Get("https://" + addr + "/healthz")
		if err != nil {
			return err
		}
		defer func() { _ = res.Body.Close() }()
		if res.StatusCode != 200 {
			return fmt.Errorf("healthz: got %s, want 200", res.Status)
		}
		return nil
	}
	hc.CloseIdleConnections()

	conns := make([]net.Conn, 0, flood)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	flooder := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	for range flood {
		c, err := flooder.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	if err := healthz(); err != nil {
		t.Fatalf("legitimate client during the flood: %v", err)
	}
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Minute)) // hang guard
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Fatalf("idle connection %d: read a byte, want the connection closed", i)
		} else if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("idle connection %d still open", i)
		}
	}
	if err := healthz(); err != nil {
		t.Fatalf("legitimate client after the flood: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 600 {
		if cond() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("condition not met within a minute")
}

// run serves the real server (Run: TLS, connlimit, timeouts) on a free
// loopback port until the test ends; it returns the address and a client
// that trusts the server.
func (ls *limitedServer) run(t *testing.T) (string, *http.Client) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	ls.s.cfg.Addr = addr
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ls.s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: pki.PinnedClientConfig(ls.tok.CAHash)}}
	waitFor(t, func() bool {
		res, err := hc.Get("https://" + addr + "/healthz")
		if err != nil {
			return false
		}
		_ = res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
	return addr, hc
}

// TestAPITimeouts runs the real server with short timeouts: a request
// body trickled past ReadTimeout is cut off, an idle keep-alive
// connection is closed after IdleTimeout, and a watch outlives both read
// and write timeouts (streaming routes lift them for authenticated
// callers) and still delivers events.
func TestAPITimeouts(t *testing.T) {
	ls := newLimitedServer(t, Limits{ReadTimeout: 300 * time.Millisecond, WriteTimeout: 300 * time.Millisecond, IdleTimeout: 300 * time.Millisecond})
	addr, hc := ls.run(t)
	dial := func() *tls.Conn {
		c, err := tls.Dial("tcp", addr, pki.PinnedClientConfig(ls.tok.CAHash))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		_ = c.SetDeadline(time.Now().Add(time.Minute)) // hang guard
		return c
	}

	t.Run("trickled body cut off", func(t *testing.T) {
		c := dial()
		const size = 200
		if _, err := fmt.Fprintf(c, "POST /v1/apply HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n", ls.tok, size); err != nil {
			t.Fatal(err)
		}
		sent := 0
		for ; sent < size; sent++ {
			time.Sleep(50 * time.Millisecond)
			if _, err := c.Write([]byte("#")); err != nil {
				break
			}
		}
		if sent == size {
			t.Fatalf("sent all %d bytes a byte per 50 ms: want the server to cut the body off", size)
		}
	})

	t.Run("idle keep-alive closed", func(t *testing.T) {
		c := dial()
		if _, err := fmt.Fprint(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(c)
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		_ = res.Body.Close()
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("idle connection: got %v, want EOF (closed by the server)", err)
		}
	})

	t.Run("watch outlives the timeouts", func(t *testing.T) {
		req, err := http.NewRequest("GET", "https://"+addr+"/v1/watch?kind=ConfigMap", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+ls.tok.String())
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = res.Body.Close() }()
		time.Sleep(time.Second) // past both timeouts
		put, err := http.NewRequest("PUT", "https://"+addr+"/v1/configmaps/late?namespace=default",
			strings.NewReader(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"late","namespace":"default"}}`))
		if err != nil {
			t.Fatal(err)
		}
		put.Header.Set("Authorization", "Bearer "+ls.tok.String())
		pres, err := hc.Do(put)
		if err != nil {
			t.Fatal(err)
		}
		_ = pres.Body.Close()
		if pres.StatusCode/100 != 2 {
			t.Fatalf("put: got %s, want 2xx", pres.Status)
		}
		line, err := bufio.NewReader(res.Body).ReadString('\n')
		if err != nil || !strings.Contains(line, `"late"`) {
			t.Fatalf("watch after the timeouts: got %q, %v; want the event for late", line, err)
		}
	})
}
