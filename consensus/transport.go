package consensus

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/internal/connlimit"
)

// MaxRaftConns caps the Raft port's open connections, handshaking or
// established. Only the leader (a pool of three plus a pipeline per
// follower) and candidates dial a node, so members need a few dozen;
// the cap bounds what strangers can hold.
const MaxRaftConns = 512

// MaxRaftConnsPerSource caps the Raft port's open connections from one
// source address, so no one host can take every slot. A member needs
// few: hashicorp/raft's NetworkTransport pools at most MaxPool (3) idle
// connections per peer and dials beyond the pool only for requests in
// flight at once, which towards one follower are the heartbeat, the
// pipeline or one AppendEntries/InstallSnapshot, and a vote: at most six
// or so from a leader, and a former leader's idle pool besides. 32 leaves
// room for several members behind one address (agents sharing a host in
// tests), and 16 sources are needed to fill MaxRaftConns.
const MaxRaftConnsPerSource = 32

// tlsStream is a raft.StreamLayer over mutual TLS: both ends present node
// certificates from the cluster CA, so only members speak Raft.
type tlsStream struct {
	ln        net.Listener
	advertise net.Addr
	client    *tls.Config
	// allow, once set, decides which peers (by certificate name) may
	// speak Raft to this node.
	allow  atomic.Pointer[func(name string) bool]
	logger *slog.Logger
}

var _ raft.StreamLayer = (*tlsStream)(nil)

// newTLSStream listens on bind; onRefuse, if not nil, hears of every
// connection closed before Raft saw it.
func newTLSStream(bind string, advertise net.Addr, server, client *tls.Config, onRefuse func(connlimit.Reason)) (*tlsStream, error) {
	if server.ClientAuth != tls.RequireAndVerifyClientCert {
		return nil, errors.New("raft transport: server TLS must require client certificates")
	}
	// The handshake finishes under a deadline before raft sees the
	// connection: raft gives each accepted connection a 256 KiB read
	// buffer, which idle strangers must not get.
	ln, err := connlimit.Listen(bind, connlimit.Config{
		TLS: server, MaxConns: MaxRaftConns, MaxConnsPerSource: MaxRaftConnsPerSource, OnRefuse: onRefuse,
	})
	if err != nil {
		return nil, fmt.Errorf("raft %w", err)
	}
	if advertise == nil {
		advertise = ln.Addr()
	}
	return &tlsStream{ln: ln, advertise: advertise, client: client, logger: slog.Default()}, nil
}

// Accept hands Raft the next connection from a peer it may hear from:
// hashicorp/raft follows whoever sends a newer term, so a certificate of
// the cluster CA is not enough. Only voters send Raft requests (leaders
// replicate, candidates ask for votes); a node certificate of a worker
// is refused here, before Raft reads a byte of it.
func (s *tlsStream) Accept() (net.Conn, error) {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return nil, err
		}
		allow := s.allow.Load()
		if allow == nil {
			return c, nil
		}
		name := peerName(c)
		if (*allow)(name) {
			return c, nil
		}
		s.logger.Warn("refused a Raft connection from a node that is not a voter", "node", name, "remote", c.RemoteAddr())
		_ = c.Close()
	}
}

// peerName is the name in the verified certificate of a TLS connection.
func peerName(c net.Conn) string {
	tc, ok := c.(*tls.Conn)
	if !ok {
		return ""
	}
	st := tc.ConnectionState()
	if len(st.PeerCertificates) == 0 {
		return ""
	}
	return st.PeerCertificates[0].Subject.CommonName
}

func (s *tlsStream) Close() error   { return s.ln.Close() }
func (s *tlsStream) Addr() net.Addr { return s.advertise }

func (s *tlsStream) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	return tls.DialWithDialer(d, "tcp", string(address), s.client)
}
