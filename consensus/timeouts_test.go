package consensus

import (
	"testing"
	"time"

	"github.com/hashicorp/raft"
)

// TestSetTimeouts checks the Raft timings: defaults for zero fields, given
// ones kept, and always a configuration hashicorp/raft accepts.
func TestSetTimeouts(t *testing.T) {
	for _, tt := range []struct {
		name                  string
		cfg                   Config
		hb, election, leaseTO time.Duration
	}{
		{"defaults", Config{}, DefaultHeartbeatTimeout, DefaultElectionTimeout, DefaultLeaderLeaseTimeout},
		{"given", Config{HeartbeatTimeout: 2 * time.Second, ElectionTimeout: 3 * time.Second, LeaderLeaseTimeout: time.Second},
			2 * time.Second, 3 * time.Second, time.Second},
		{"long heartbeat lifts the election timeout", Config{HeartbeatTimeout: 2 * time.Second}, 2 * time.Second, 2 * time.Second, DefaultLeaderLeaseTimeout},
		{"short heartbeat caps the lease", Config{HeartbeatTimeout: 100 * time.Millisecond}, 100 * time.Millisecond, DefaultElectionTimeout, 100 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rc := raft.DefaultConfig()
			rc.LocalID = "n1"
			setTimeouts(rc, tt.cfg)
			if rc.HeartbeatTimeout != tt.hb || rc.ElectionTimeout != tt.election || rc.LeaderLeaseTimeout != tt.leaseTO {
				t.Fatalf("got heartbeat %s election %s lease %s, want %s %s %s",
					rc.HeartbeatTimeout, rc.ElectionTimeout, rc.LeaderLeaseTimeout, tt.hb, tt.election, tt.leaseTO)
			}
			if err := raft.ValidateConfig(rc); err != nil {
				t.Fatalf("hashicorp/raft refuses the timings: %v", err)
			}
		})
	}
}
