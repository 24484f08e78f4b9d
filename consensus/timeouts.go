package consensus

import (
	"time"

	"github.com/hashicorp/raft"
)

// Raft timings used when Config leaves them zero. hashicorp/raft's own
// defaults (1 s heartbeat and election timeouts) put leader loss at 2 to
// 5 s: a follower waits a random 1-2 s per check and needs two quiet
// checks in the worst case, and the other voter refuses its vote while it
// still knows the old leader. Half of that keeps a new leader committing
// within about 2 s while a follower still tolerates 500 ms without a
// heartbeat (the leader sends one every 50 ms): far above loopback and
// LAN round trips and fsync stalls.
const (
	// DefaultHeartbeatTimeout is how long a follower hears nothing from
	// the leader before it may stand for election (randomised up to
	// twice that).
	DefaultHeartbeatTimeout = 500 * time.Millisecond
	// DefaultElectionTimeout is how long a candidate waits for votes
	// before it tries again (randomised up to twice that).
	DefaultElectionTimeout = 500 * time.Millisecond
	// DefaultLeaderLeaseTimeout is how long a leader that hears from no
	// quorum keeps leading; at most DefaultHeartbeatTimeout.
	DefaultLeaderLeaseTimeout = 500 * time.Millisecond
)

// setTimeouts sets rc's heartbeat, election and leader-lease timeouts from
// cfg, or from the defaults above where cfg leaves them zero, keeping
// what hashicorp/raft requires: lease <= heartbeat <= election.
func setTimeouts(rc *raft.Config, cfg Config) {
	rc.HeartbeatTimeout = orDefault(cfg.HeartbeatTimeout, DefaultHeartbeatTimeout)
	rc.ElectionTimeout = max(orDefault(cfg.ElectionTimeout, DefaultElectionTimeout), rc.HeartbeatTimeout)
	rc.LeaderLeaseTimeout = min(orDefault(cfg.LeaderLeaseTimeout, DefaultLeaderLeaseTimeout), rc.HeartbeatTimeout)
}

func orDefault(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
