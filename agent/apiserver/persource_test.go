package apiserver

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestAPIPerSourceFlood runs the real server with a cap of 5 connections
// per source and handshake deadlines an hour away, and opens 500
// connections that never send a byte from 127.0.0.2: the server holds 5,
// closes the other 495 as it accepts them and counts them in
// shoal_api_connections_refused_total{reason="source"}, and a client
// with the token from 127.0.0.1 is served during the flood (without the
// per-source cap it would wait an hour behind the flood for a slot).
func TestAPIPerSourceFlood(t *testing.T) {
	const flood, perSource = 500, 5
	ls := newLimitedServer(t, Limits{MaxConns: 50, MaxConnsPerSource: perSource, HandshakeTimeout: time.Hour})
	addr, hc := ls.run(t)
	hc.CloseIdleConnections()

	flooder := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}
	conns := make([]net.Conn, 0, flood)
	defer func() {
		for _, c := range conns {
			_ = c.Close()
		}
	}()
	for range flood {
		c, err := flooder.Dial("tcp", addr)
		if errors.Is(err, syscall.ECONNRESET) {
			continue // accepted and refused before Dial returned
		}
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	refused := ls.s.metrics.connsRefused.WithLabelValues("source")
	waitFor(t, func() bool { return testutil.ToFloat64(refused) == flood-perSource })

	for i := range 3 {
		res, err := hc.Get("https://" + addr + "/healthz")
		if err != nil {
			t.Fatalf("legitimate client %d during the flood: %v", i, err)
		}
		_ = res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("legitimate client %d during the flood: got %s, want 200", i, res.Status)
		}
	}
	if got := testutil.ToFloat64(ls.s.metrics.connsRefused.WithLabelValues("handshake")); got != 0 {
		t.Errorf("handshake refusals: got %v, want 0", got)
	}
	if got, want := testutil.ToFloat64(refused), float64(flood-perSource); got != want {
		t.Errorf("refused by source after the legitimate requests: got %v, want %v", got, want)
	}
}

func TestLimitsPerSourceDefault(t *testing.T) {
	for _, tc := range []struct {
		name    string
		in      int
		want    int
		wantErr string
	}{
		{"zero takes the default", 0, DefaultMaxConnsPerSource, ""},
		{"set", 8, 8, ""},
		{"negative", -1, 0, "max connections per source -1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Limits{MaxConnsPerSource: tc.in}.withDefaults()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.MaxConnsPerSource != tc.want {
				t.Errorf("got %d, want %d", got.MaxConnsPerSource, tc.want)
			}
		})
	}
}
