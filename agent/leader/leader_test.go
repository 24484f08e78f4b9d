package leader

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/raft"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
)

// storeProposer commits commands straight into a real Store through its
// FSM, as a single-node Raft would.
type storeProposer struct {
	mu    sync.Mutex
	fsm   *consensus.FSM
	index uint64
}

func (p *storeProposer) Propose(_ context.Context, cmd consensus.Command) ([]api.Written, error) {
	data, err := consensus.EncodeCommand(cmd)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.index++
	res, ok := p.fsm.Apply(&raft.Log{Index: p.index, Term: 1, Type: raft.LogCommand, Data: data}).(consensus.ApplyResult)
	if !ok {
		return nil, errors.New("fsm returned no ApplyResult")
	}
	written := make([]api.Written, len(res.Objects))
	for i, o := range res.Objects {
		written[i] = api.WrittenOf(o)
	}
	return written, res.Err
}

// soleVoter is a Raft node that leads a one-voter cluster.
type soleVoter struct{}

func (soleVoter) IsLeader() bool                      { return true }
func (soleVoter) Barrier(time.Duration) error         { return nil }
func (soleVoter) Execute(consensus.VoterAction) error { return nil }
func (soleVoter) Servers() ([]consensus.Server, error) {
	return []consensus.Server{{ID: "n1", Voter: true}}, nil
}

// members is a fixed gossip view whose events the test sends.
type members struct {
	mu     sync.Mutex
	ms     []gossip.Member
	events chan gossip.Event
}

func (m *members) Subscribe(int) (<-chan gossip.Event, func()) { return m.events, func() {} }
func (m *members) Members() []gossip.Member {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]gossip.Member(nil), m.ms...)
}

func (m *members) set(ms ...gossip.Member) {
	m.mu.Lock()
	m.ms = ms
	m.mu.Unlock()
	m.events <- gossip.Event{}
}

func member(name string, st gossip.Status) gossip.Member {
	return gossip.Member{Name: name, Addr: "10.0.0.1", Status: st, Since: time.Unix(1700000000, 0),
		Meta: gossip.Meta{Addr: "10.0.0.1", CPU: 2000, Memory: 4 << 30, Labels: map[string]string{"kubernetes.io/os": "linux"}}}
}

// nodesIn summarises the Node objects as "name=podCIDR/ready".
func nodesIn(st *consensus.Store) string {
	var out []string
	for _, o := range st.List("Node", "", nil) {
		n := o.(*api.Node)
		ready := "?"
		if c := n.Condition(api.NodeReady); c != nil {
			ready = string(c.Status)
		}
		out = append(out, n.Name+"="+n.Spec.PodCIDR+"/"+ready)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// waitUntil polls cond until it holds, giving up after 10s.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	giveUp := time.After(10 * time.Second)
	for !cond() {
		select {
		case <-giveUp:
			t.Fatalf("gave up waiting for %s", what)
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestRunDuties(t *testing.T) {
	st := consensus.NewStore()
	gm := &members{events: make(chan gossip.Event, 8)}
	own := api.ClusterConfigSpec{ClusterCIDR: "10.42.0.0/16", ServiceCIDR: "10.43.0.0/16", ClusterDomain: "cluster.local",
		NodePortRange: "30000-32767", NodeGrace: api.Duration(40 * time.Second), FenceAfter: api.Duration(20 * time.Second)}
	settled := make(chan struct{})
	l := New(Config{
		Name: "n1", Voters: 3, VoterGrace: time.Minute, OwnSettings: own,
		Settled: func() (Settings, bool) {
			select {
			case <-settled:
				return Settings{ClusterCIDR: "10.42.0.0/16"}, true
			default:
				return Settings{}, false
			}
		},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Raft:   soleVoter{}, Gossip: gm, View: st, Proposer: &storeProposer{fsm: consensus.NewFSM(st, nil)},
	})
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- l.RunDuties(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("RunDuties: %v", err)
		}
	}()

	t.Run("records its own settings in a cluster that has none", func(t *testing.T) {
		gm.set(member("n1", gossip.StatusAlive))
		waitUntil(t, "the ClusterConfig", func() bool {
			_, ok := st.Get("ClusterConfig", "", api.ClusterConfigName)
			return ok
		})
		o, _ := st.Get("ClusterConfig", "", api.ClusterConfigName)
		if got := o.(*api.ClusterConfig).Spec; got != own {
			t.Errorf("got %+v, want %+v", got, own)
		}
		if got := nodesIn(st); got != "" {
			t.Errorf("got nodes %q before the settings were adopted, want none", got)
		}
	})
	t.Run("Node objects follow gossip with pod CIDRs once settled", func(t *testing.T) {
		close(settled)
		gm.set(member("n1", gossip.StatusAlive), member("n2", gossip.StatusAlive), member("n3", gossip.StatusDead))
		want := "n1=10.42.0.0/24/True n2=10.42.1.0/24/True n3=10.42.2.0/24/Unknown"
		waitUntil(t, want, func() bool { return nodesIn(st) == want })
	})
	t.Run("a member that left loses its Node", func(t *testing.T) {
		gm.set(member("n1", gossip.StatusAlive), member("n2", gossip.StatusLeft), member("n3", gossip.StatusDead))
		want := "n1=10.42.0.0/24/True n3=10.42.2.0/24/Unknown"
		waitUntil(t, want, func() bool { return nodesIn(st) == want })
	})
}
