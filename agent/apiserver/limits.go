package apiserver

import (
	"fmt"
	"net/http"
	"time"
)

// Defaults for Limits fields left zero. docs/security.md lists them with
// the tests that show each one holding.
const (
	// DefaultMaxConns caps the API port's open connections.
	DefaultMaxConns = 1024
	// DefaultMaxConnsPerSource caps the API port's open connections from
	// one source address (an IPv6 /64), so 16 hosts are needed to fill
	// DefaultMaxConns; a connection beyond it is closed when accepted.
	// A node's peer client (forwarded writes, logs and exec relayed to
	// another node) stays far below it.
	DefaultMaxConnsPerSource = 64
	// DefaultHandshakeTimeout bounds a TLS handshake on the API port.
	DefaultHandshakeTimeout = 10 * time.Second
	// DefaultReadTimeout bounds reading a request, headers and body;
	// streaming routes (watch, logs, exec, images) lift it once the
	// caller is authenticated.
	DefaultReadTimeout = time.Minute
	// DefaultWriteTimeout bounds writing a response, with the same
	// exception.
	DefaultWriteTimeout = 2 * time.Minute
	// DefaultIdleTimeout closes keep-alive connections nobody uses.
	DefaultIdleTimeout = 2 * time.Minute
	// DefaultJoinReadTimeout bounds reading a join request.
	DefaultJoinReadTimeout = 10 * time.Second
	// DefaultJoinBurst and DefaultJoinEvery: each source address may
	// send DefaultJoinBurst join requests at once, then one per
	// DefaultJoinEvery.
	DefaultJoinBurst = 20
	DefaultJoinEvery = time.Second
	// DefaultMaxWatches caps open watch streams on one agent.
	DefaultMaxWatches = 512
	// DefaultMaxWatchesPerClient caps the watch streams of one client
	// (one node certificate, or one source address for token users).
	DefaultMaxWatchesPerClient = 32
	// DefaultMaxPortForwards caps the port-forwarded connections one
	// agent carries (each is one request), and
	// DefaultMaxPortForwardsPerClient those of one client; it stays
	// below DefaultMaxConnsPerSource, as an agent relaying port-forwards
	// to another node uses one connection for each.
	DefaultMaxPortForwards          = 256
	DefaultMaxPortForwardsPerClient = 32
	// maxJoinBody bounds a join request: a name, a secret, an address and
	// an ECDSA certificate request (about 500 bytes of PEM).
	maxJoinBody = 8 << 10
	// maxJoinSources bounds the per-address join buckets kept.
	maxJoinSources = 4096
)

// Limits bound what one client, authenticated or not, can make the API
// server hold. Zero fields take the defaults above.
type Limits struct {
	// MaxConns caps open connections on the API port; beyond it new
	// ones wait in the kernel's backlog.
	MaxConns int
	// MaxConnsPerSource caps the open connections of one source address;
	// beyond it new ones are closed as soon as they are accepted.
	MaxConnsPerSource int
	// HandshakeTimeout bounds each TLS handshake, before net/http sees
	// the connection.
	HandshakeTimeout time.Duration
	// ReadTimeout, WriteTimeout and IdleTimeout are net/http's; streaming
	// routes lift the first two for authenticated callers.
	ReadTimeout, WriteTimeout, IdleTimeout time.Duration
	// JoinReadTimeout bounds reading a join request's body.
	JoinReadTimeout time.Duration
	// JoinBurst join requests per source address at once, then one per
	// JoinEvery.
	JoinBurst int
	JoinEvery time.Duration
	// MaxWatches caps open watches on the agent, MaxWatchesPerClient
	// those of one client.
	MaxWatches, MaxWatchesPerClient int
	// MaxPortForwards caps the port-forwarded connections open on the
	// agent, MaxPortForwardsPerClient those of one client.
	MaxPortForwards, MaxPortForwardsPerClient int
}

// withDefaults fills zero fields and refuses negative ones.
func (l Limits) withDefaults() (Limits, error) {
	ints := []struct {
		name string
		v    *int
		def  int
	}{
		{"max connections", &l.MaxConns, DefaultMaxConns},
		{"max connections per source", &l.MaxConnsPerSource, DefaultMaxConnsPerSource},
		{"join burst", &l.JoinBurst, DefaultJoinBurst},
		{"max watches", &l.MaxWatches, DefaultMaxWatches},
		{"max watches per client", &l.MaxWatchesPerClient, DefaultMaxWatchesPerClient},
		{"max port-forwards", &l.MaxPortForwards, DefaultMaxPortForwards},
		{"max port-forwards per client", &l.MaxPortForwardsPerClient, DefaultMaxPortForwardsPerClient},
	}
	for _, f := range ints {
		if *f.v < 0 {
			return l, fmt.Errorf("api limits: %s %d: want a positive number", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	durs := []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"handshake timeout", &l.HandshakeTimeout, DefaultHandshakeTimeout},
		{"read timeout", &l.ReadTimeout, DefaultReadTimeout},
		{"write timeout", &l.WriteTimeout, DefaultWriteTimeout},
		{"idle timeout", &l.IdleTimeout, DefaultIdleTimeout},
		{"join read timeout", &l.JoinReadTimeout, DefaultJoinReadTimeout},
		{"join interval", &l.JoinEvery, DefaultJoinEvery},
	}
	for _, f := range durs {
		if *f.v < 0 {
			return l, fmt.Errorf("api limits: %s %s: want a positive duration", f.name, *f.v)
		}
		if *f.v == 0 {
			*f.v = f.def
		}
	}
	return l, nil
}

// streaming lifts the server's read and write deadlines for a route whose
// response lasts as long as the client wants (watch, logs -f, exec, image
// uploads). Only authenticated routes use it.
func streaming(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		// Servers without deadlines (httptest) answer ErrNotSupported
		// only when the writer cannot reach the connection; either way
		// the handler runs.
		_ = rc.SetReadDeadline(time.Time{})
		_ = rc.SetWriteDeadline(time.Time{})
		h(w, r)
	}
}
