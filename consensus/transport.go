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

// tlsStream is a raft.StreamLayer over mutual TLS: both ends present node
// certificates from the cluster CA, so only members speak Raft.
type tlsStream struct {
	ln        net.Listener
	advertise net.Addr
	client    *tls.Config
}

var _ raft.StreamLayer = (*tlsStream)(nil)

func newTLSStream(bind string, advertise net.Addr, server, client *tls.Config) (*tlsStream, error) {
	if server.ClientAuth != tls.RequireAndVerifyClientCert {
		return nil, errors.New("raft transport: server TLS must require client certificates")
	}
	// The handshake finishes under a deadline before raft sees the
	// connection: raft gives each accepted connection a 256 KiB read
	// buffer, which idle strangers must not get.
	ln, err := connlimit.Listen(bind, connlimit.Config{TLS: server, MaxConns: MaxRaftConns})
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
