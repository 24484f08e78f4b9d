package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/shoal-dev/shoal/consensus"
)

// leave takes this node out of the cluster gracefully: hand leadership
// over if it leads, have the leader remove it from Raft, then announce the
// departure in gossip (the leader then deletes its Node object).
func (a *Agent) leave(ctx context.Context) error {
	a.logger.Info("leaving the cluster")
	servers, err := a.raft.Servers()
	if err != nil {
		return err
	}
	others := 0
	for _, s := range servers {
		if s.ID != a.cfg.Name {
			others++
		}
	}
	if others > 0 {
		if err := a.handOverLeadership(ctx); err != nil {
			return err
		}
		if err := a.askLeaderToRemove(ctx); err != nil {
			return err
		}
		// Out of Raft, it is no voter: the CA key and tokens stay with
		// the cluster.
		if a.id.Secrets() != nil {
			if err := removeVoterSecrets(a.cfg.DataDir); err != nil {
				a.logger.Warn("remove the CA key and tokens after leaving", "err", err)
			}
			a.id.secrets.Store(nil)
		}
	}
	if err := a.gossip.Leave(5 * time.Second); err != nil {
		return fmt.Errorf("gossip leave: %w", err)
	}
	// Out of the cluster, its pods are replaced elsewhere: stop them here.
	a.node.Stop(ctx)
	a.logger.Info("left the cluster")
	return nil
}

// handOverLeadership transfers leadership away from this node, if it has
// it, and waits for another leader.
func (a *Agent) handOverLeadership(ctx context.Context) error {
	if !a.raft.IsLeader() {
		return nil
	}
	if err := a.raft.TransferLeadership(); err != nil {
		return fmt.Errorf("transfer leadership: %w", err)
	}
	return waitFor(ctx, 10*time.Second, func() bool {
		id, _ := a.raft.Leader()
		return id != "" && id != a.cfg.Name
	})
}

// askLeaderToRemove has the leader remove this node from the Raft
// configuration, retrying across leader changes.
func (a *Agent) askLeaderToRemove(ctx context.Context) error {
	var lastErr error
	err := waitFor(ctx, 15*time.Second, func() bool {
		lastErr = a.removeViaLeader(ctx)
		return lastErr == nil
	})
	if err != nil {
		return fmt.Errorf("remove from raft: %w", errors.Join(err, lastErr))
	}
	return nil
}

func (a *Agent) removeViaLeader(ctx context.Context) error {
	leader, _ := a.raft.Leader()
	if leader == "" {
		return errors.New("no leader")
	}
	return a.callPeer(ctx, leader, http.MethodPost, "/internal/v1/remove?node="+url.QueryEscape(a.cfg.Name), nil, nil)
}

// removeServer removes a server from Raft; leader only.
func (a *Agent) removeServer(name string) error {
	if name == "" {
		return errors.New("node name required")
	}
	return a.raft.Execute(consensus.VoterAction{Op: consensus.OpRemove, ID: name})
}

// waitFor polls cond every 100ms until it holds, ctx ends or timeout
// passes.
func waitFor(ctx context.Context, timeout time.Duration, cond func() bool) error {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil
}
