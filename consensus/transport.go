package consensus

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
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
	return &tlsStream{ln: ln, advertise: advertise, client: client}, nil
}

func (s *tlsStream) Accept() (net.Conn, error) { return s.ln.Accept() }
func (s *tlsStream) Close() error              { return s.ln.Close() }
func (s *tlsStream) Addr() net.Addr            { return s.advertise }

func (s *tlsStream) Dial(address raft.ServerAddress, timeout time.Duration) (net.Conn, error) {
	d := &net.Dialer{Timeout: timeout}
	return tls.DialWithDialer(d, "tcp", string(address), s.client)
}
