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
	"testing"
	"time"

	"github.com/shoal-dev/shoal/internal/testcluster"
	"github.com/shoal-dev/shoal/pki"
)

// TestIdleConnectionFlood opens 2,000 TCP connections that never send a
// byte to an agent's Raft port and 2,000 to its API port, as anyone who
// can reach the node can. The agent's memory stays bounded (the numbers
// are logged), every connection is closed once its handshake deadline
// passes, and a client with the token is served during and after the
// flood.
func TestIdleConnectionFlood(t *testing.T) {
	skipShort(t)
	c := startCluster(t, 1)
	a := c.Agents[0]
	before := settledRSS(t, a)

	const flood = 2000
	var conns []net.Conn
	defer func() {
		for _, conn := range conns {
			_ = conn.Close()
		}
	}()
	for _, port := range []int{a.RaftPort, a.APIPort} {
		addr := net.JoinHostPort(a.IP, strconv.Itoa(port))
		for i := range flood {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatalf("idle connection %d to %s: %v", i, addr, err)
			}
			conns = append(conns, conn)
		}
	}
	// Peak memory while the flood is held (a handshake deadline is 10 s).
	var peak int64
	for range 10 {
		if rss, err := a.RSS(); err == nil {
			peak = max(peak, rss)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A legitimate client waits its turn behind the flood and is served.
	if out, _, err := a.CLI("get", "nodes"); err != nil || !strings.Contains(out, "n1") {
		t.Fatalf("get nodes during the flood: %v\n%s", err, out)
	}

	// The agent closes every idle connection (those beyond the caps once
	// their turn comes).
	var wg sync.WaitGroup
	var open atomic.Int64
	for _, conn := range conns {
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
	t.Logf("agent RSS: before %d MiB, peak under %d idle connections %d MiB (+%d MiB), after they were closed %d MiB",
		before>>20, 2*flood, peak>>20, (peak-before)>>20, after>>20)
	// Unbounded, raft alone gave each connection a 256 KiB buffer
	// (about 500 MiB for 2,000).
	if grew := peak - before; grew > 128<<20 {
		t.Errorf("RSS grew by %d MiB under the flood, want at most 128 MiB", grew>>20)
	}
	if out, _, err := a.CLI("get", "nodes"); err != nil || !strings.Contains(out, "n1") {
		t.Fatalf("get nodes after the flood: %v\n%s", err, out)
	}
	if !a.Running() {
		t.Fatal("agent stopped during the flood")
	}
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
