package agent

import (
	"context"
	"fmt"
	"net"
	"strconv"

	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/pki"
)

// ErrNoLeader is returned when no Raft leader could be reached in time.
var ErrNoLeader = propose.ErrNoLeader

// Propose commits cmd through Raft: locally if this node leads, otherwise
// forwarded to the leader over mutual TLS (see propose.Proposer). It is
// the one way the agent writes.
func (a *Agent) Propose(ctx context.Context, cmd consensus.Command) ([]api.Written, error) {
	return a.proposer.Propose(ctx, cmd)
}

// apiAddrOf finds a member's API host:port through gossip.
func (a *Agent) apiAddrOf(name string) (string, bool) {
	m, ok := a.gossip.Member(name)
	if !ok || m.Meta.Addr == "" || m.Meta.APIPort == 0 {
		return "", false
	}
	return net.JoinHostPort(m.Meta.Addr, strconv.Itoa(m.Meta.APIPort)), true
}

// parseToken reads a user-given token and says clearly what is wrong.
func parseToken(s string) (pki.Token, error) {
	tok, err := pki.ParseToken(s)
	if err != nil {
		return pki.Token{}, fmt.Errorf("--token: %w", err)
	}
	return tok, nil
}
