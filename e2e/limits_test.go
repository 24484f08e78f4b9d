package e2e

import (
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
	"github.com/shoal-dev/shoal/pki"
)

// TestIdleConnectionFlood opens 2,000 TCP connections that never send a
// byte to an agent's Raft port and 2,000 to its API port, as anyone who
// can reach the node can: first from one source address, then spread
// over 40. The agent's memory stays bounded (the numbers are logged),
// every connection is closed (beyond the per-source caps at once, the
// rest once their handshake deadline passes), the refusals are counted
// in /metrics, and a client with the token, from another address, is
// served during and after each flood.
func TestIdleConnectionFlood(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 1)
	a := c.Agents[0]
	tok, err := pki.ParseToken(c.AdminToken())
	if err != nil {
		t.Fatal(err)
	}
	const flood = 2000
	// The agent binds 127.0.0.1; the flood comes from other 127/8
	// addresses (all local on Linux), the CLI from 127.0.0.1.
	one := []string{"127.0.0.2"}
	var many []string
	for i := range 40 {
		many = append(many, "127.0.1."+strconv.Itoa(i+1))
	}
	ports := []struct {
		name, metric string
		port         int
	}{
		{"raft", "shoal_raft_connections_refused_total", a.RaftPort},
		{"api", "shoal_api_connections_refused_total", a.APIPort},
	}
	for _, tc := range []struct {
		name    string
		sources []string
	}{
		{"one source", one},
		{"40 sources", many},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := settledRSS(t, a)
			refusedBefore := map[string]float64{}
			for _, p := range ports {
				for _, r := range []string{"source", "handshake"} {
					refusedBefore[p.name+r] = metricValue(t, a, tok, p.metric+`{reason="`+r+`"}`)
				}
			}
			var conns []net.Conn
			defer func() {
				for _, conn := range conns {
					if conn != nil {
						_ = conn.Close()
					}
				}
			}()
			for _, p := range ports {
				conns = append(conns, floodFrom(t, net.JoinHostPort(a.IP, strconv.Itoa(p.port)), tc.sources, flood)...)
			}
			// Peak memory while the flood is held (a handshake deadline
			// is 10 s).
			var peak int64
			for range 10 {
				if rss, err := a.RSS(); err == nil {
					peak = max(peak, rss)
				}
				time.Sleep(200 * time.Millisecond)
			}

			// A legitimate client from another address is served.
			if out, _, err := a.CLI("get", "nodes"); err != nil || !strings.Contains(out, "n1") {
				t.Fatalf("get nodes during the flood: %v\n%s", err, out)
			}

			// The agent closes every idle connection: at once those
			// beyond a source's cap, the others once their handshake
			// deadline passes (those beyond the total caps once their
			// turn comes).
			var wg sync.WaitGroup
			var open atomic.Int64
			for _, conn := range conns {
				if conn == nil {
					continue // reset before Dial returned
				}
				wg.Go(func() {
					_ = conn.SetReadDeadline(time.Now().Add(3 * time.Minute)) // hang guard
					_, err := conn.Read(make([]byte, 1))
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						open.Add(1)
					}
				})
			}
			wg.Wait()
			if n := open.Load(); n != 0 {
				t.Fatalf("idle connections the agent kept open: got %d, want 0", n)
			}
			after := settledRSS(t, a)
			t.Logf("agent RSS: before %d MiB, peak under %d idle connections from %d source(s) %d MiB (+%d MiB), after they were closed %d MiB",
				before>>20, 2*flood, len(tc.sources), peak>>20, (peak-before)>>20, after>>20)
			if grew := peak - before; grew > 128<<20 {
				t.Errorf("RSS grew by %d MiB under the flood, want at most 128 MiB", grew>>20)
			}

			// Every flood connection was counted as refused, for its
			// source or its handshake; from one source, most of them at
			// once for their source.
			for _, p := range ports {
				bySource := metricValue(t, a, tok, p.metric+`{reason="source"}`) - refusedBefore[p.name+"source"]
				byHandshake := metricValue(t, a, tok, p.metric+`{reason="handshake"}`) - refusedBefore[p.name+"handshake"]
				t.Logf("%s port: %v refused for their source, %v at their handshake deadline", p.name, bySource, byHandshake)
				if got := bySource + byHandshake; got != flood {
					t.Errorf("%s port: refused connections: got %v, want %d", p.name, got, flood)
				}
				if len(tc.sources) == 1 && bySource < flood/2 {
					t.Errorf("%s port: refused for their source: got %v, want most of %d", p.name, bySource, flood)
				}
			}
			if out, _, err := a.CLI("get", "nodes"); err != nil || !strings.Contains(out, "n1") {
				t.Fatalf("get nodes after the flood: %v\n%s", err, out)
			}
			if !a.Running() {
				t.Fatal("agent stopped during the flood")
			}
		})
	}
}

// floodFrom opens n TCP connections to addr that never send a byte,
// spread evenly over the source addresses. A connection the agent
// refused before Dial returned is a nil entry.
func floodFrom(t *testing.T, addr string, sources []string, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, 0, n)
	for i := range n {
		d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(sources[i%len(sources)])}}
		conn, err := d.Dial("tcp", addr)
		if errors.Is(err, syscall.ECONNRESET) {
			conns = append(conns, nil)
			continue
		}
		if err != nil {
			for _, c := range conns {
				if c != nil {
					_ = c.Close()
				}
			}
			t.Fatalf("idle connection %d to %s: %v", i, addr, err)
		}
		conns = append(conns, conn)
	}
	return conns
}

// metricValue reads one sample (name with its labels, as /metrics
// prints it) from the agent's /metrics; 0 if it is not there yet.
func metricValue(t *testing.T, a *testcluster.Agent, tok pki.Token, sample string) float64 {
	t.Helper()
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: pki.PinnedClientConfig(tok.CAHash)}}
	defer hc.CloseIdleConnections()
	req, err := http.NewRequest("GET", "https://"+a.APIAddr()+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.String())
	res, err := hc.Do(req)
	if err != nil {
		t.Fatalf("metrics: %v", err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("metrics: got %s, %v, want 200", res.Status, err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, sample+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("metrics: %q: %v", line, err)
			}
			return f
		}
	}
	return 0
}

// settledRSS is the agent's RSS after a short pause.
func settledRSS(t *testing.T, a *testcluster.Agent) int64 {
	t.Helper()
	time.Sleep(time.Second)
	rss, err := a.RSS()
	if err != nil {
		t.Fatalf("rss: %v", err)
	}
	return rss
}

// TestMetricsAddr: /metrics on the API needs the token; --metrics-addr
// serves it, and only it, without one.
func TestMetricsAddr(t *testing.T) {
	skipShort(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	metricsAddr := ln.Addr().String()
	_ = ln.Close()
	c := startCluster(t, 1, "--metrics-addr", metricsAddr)
	a := c.Agents[0]
	tok, err := pki.ParseToken(c.AdminToken())
	if err != nil {
		t.Fatal(err)
	}
	tlsClient := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: pki.PinnedClientConfig(tok.CAHash)}}
	plain := &http.Client{Timeout: 30 * time.Second}
	tests := []struct {
		name     string
		client   *http.Client
		url      string
		auth     string
		wantCode int
		wantMsg  string
	}{
		{"api without token", tlsClient, "https://" + a.APIAddr() + "/metrics", "", 401, "unauthorized"},
		{"api wrong token", tlsClient, "https://" + a.APIAddr() + "/metrics", "Bearer nope", 401, "wrong token"},
		{"api with token", tlsClient, "https://" + a.APIAddr() + "/metrics", "Bearer " + tok.String(), 200, "shoal_raft_leader"},
		{"metrics-addr without token", plain, "http://" + metricsAddr + "/metrics", "", 200, "shoal_raft_leader"},
		{"metrics-addr serves nothing else", plain, "http://" + metricsAddr + "/v1/configmaps", "", 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest("GET", tt.url, nil)
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
			defer func() { _ = res.Body.Close() }()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.wantCode || !strings.Contains(string(b), tt.wantMsg) {
				t.Fatalf("got %d %q, want %d containing %q", res.StatusCode, truncate(string(b), 200), tt.wantCode, tt.wantMsg)
			}
		})
	}
}
