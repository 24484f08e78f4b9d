package consensus

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"pgregory.net/rapid"
)

var (
	vNow   = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	vGrace = 30 * time.Second
)

func addr(id string) string { return id + ":7947" }

// cfg builds a Raft configuration: upper-case letters are voters, lower-case
// non-voters ("ABCde": 3 voters, 2 non-voters). IDs are lower-case.
func cfg(s string) []Server {
	var out []Server
	for _, r := range s {
		id := string(r | 0x20)
		out = append(out, Server{ID: id, Address: addr(id), Voter: r < 'a'})
	}
	return out
}

// alive returns Alive members for every letter of ids.
func alive(ids string) []Member {
	var out []Member
	for _, r := range ids {
		id := string(r | 0x20)
		out = append(out, Member{ID: id, RaftAddress: addr(id), Status: MemberAlive, Since: vNow.Add(-time.Hour)})
	}
	return out
}

// with replaces the member id in ms by one with status st since ago.
func with(ms []Member, id string, st MemberStatus, ago time.Duration) []Member {
	ms = slices.Clone(ms)
	for i := range ms {
		if ms[i].ID == id {
			ms[i].Status, ms[i].Since = st, vNow.Add(-ago)
			return ms
		}
	}
	return append(ms, Member{ID: id, RaftAddress: addr(id), Status: st, Since: vNow.Add(-ago)})
}

func act(op VoterOp, id string) VoterAction { return VoterAction{Op: op, ID: id, Address: addr(id)} }

func TestDesiredVoters(t *testing.T) {
	tests := []struct{ target, healthy, want int }{
		{3, 0, 1}, {3, 1, 1}, {3, 2, 1}, {3, 3, 3}, {3, 4, 3}, {3, 7, 3},
		{5, 4, 3}, {5, 5, 5}, {5, 7, 5}, {4, 9, 3}, {1, 5, 1}, {0, 5, 1}, {7, 6, 5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("target %d healthy %d", tt.target, tt.healthy), func(t *testing.T) {
			if got := DesiredVoters(tt.target, tt.healthy); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}

// noVote marks the member id a worker.
func noVote(ms []Member, id string) []Member {
	for i := range ms {
		if ms[i].ID == id {
			ms[i].NoVote = true
		}
	}
	return ms
}

func TestPlanVoters(t *testing.T) {
	tests := []struct {
		name    string
		servers string
		members []Member
		leader  string
		target  int
		want    []VoterAction
	}{
		{"1 node", "A", alive("a"), "a", 3, nil},
		{"new joiner is added as non-voter", "A", alive("ab"), "a", 3, []VoterAction{act(OpAddNonvoter, "b")}},
		{"2 nodes keep 1 voter", "Ab", alive("ab"), "a", 3, nil},
		{"2 voters become 1", "AB", alive("ab"), "a", 3, []VoterAction{act(OpDemote, "b")}},
		{"3 nodes get 3 voters", "Abc", alive("abc"), "a", 3, []VoterAction{act(OpPromote, "b"), act(OpPromote, "c")}},
		{"4 nodes target 3", "Abcd", alive("abcd"), "a", 3, []VoterAction{act(OpPromote, "b"), act(OpPromote, "c")}},
		{"4 voters target 3: highest demoted", "ABCD", alive("abcd"), "a", 3, []VoterAction{act(OpDemote, "d")}},
		{"4 voters: leader never demoted", "ABCD", alive("abcd"), "d", 3, []VoterAction{act(OpDemote, "c")}},
		{"5 nodes target 3 steady", "ABCde", alive("abcde"), "a", 3, nil},
		{"5 nodes target 5", "ABCde", alive("abcde"), "a", 5, []VoterAction{act(OpPromote, "d"), act(OpPromote, "e")}},
		{"7 nodes target 5", "ABCdefg", alive("abcdefg"), "b", 5, []VoterAction{act(OpPromote, "d"), act(OpPromote, "e")}},
		{"7 voters target 3", "ABCDEFG", alive("abcdefg"), "g", 3, []VoterAction{
			act(OpDemote, "c"), act(OpDemote, "d"), act(OpDemote, "e"), act(OpDemote, "f")}},
		{"7 nodes target 5 steady", "ABCDEfg", alive("abcdefg"), "a", 5, nil},
		{"dead voter within grace keeps its seat", "ABCde", with(alive("abcde"), "c", MemberDead, vGrace), "a", 3, nil},
		{"dead voter past grace is replaced", "ABCde", with(alive("abcde"), "c", MemberDead, vGrace+time.Second), "a", 3,
			[]VoterAction{act(OpRemove, "c"), act(OpPromote, "d")}},
		{"suspect voter keeps its seat", "ABCde", with(alive("abcde"), "c", MemberSuspect, time.Hour), "a", 3, nil},
		{"suspect voter blocks demotion", "ABCD", with(alive("abcd"), "d", MemberSuspect, time.Minute), "a", 3, nil},
		{"left voter is removed at once", "ABCde", with(alive("abcde"), "b", MemberLeft, 0), "a", 3,
			[]VoterAction{act(OpRemove, "b"), act(OpPromote, "d")}},
		{"left non-voter is removed", "ABCde", with(alive("abcde"), "e", MemberLeft, 0), "a", 3, []VoterAction{act(OpRemove, "e")}},
		{"dead non-voter past grace is removed", "ABCde", with(alive("abcde"), "e", MemberDead, time.Hour), "a", 3,
			[]VoterAction{act(OpRemove, "e")}},
		{"server forgotten by gossip is removed", "ABCd", alive("abc"), "a", 3, []VoterAction{act(OpRemove, "d")}},
		{"two dead voters, one spare: shrink to 1 voter", "ABCd",
			with(with(alive("abcd"), "b", MemberDead, time.Hour), "c", MemberDead, time.Hour), "a", 3,
			[]VoterAction{act(OpRemove, "b"), act(OpRemove, "c")}},
		{"target 5 with 4 healthy left: 3 voters", "ABCDE", with(alive("abcde"), "e", MemberDead, time.Hour), "a", 5,
			[]VoterAction{act(OpRemove, "e"), act(OpDemote, "d")}},
		{"a worker is never promoted", "Abcd", noVote(alive("abcd"), "b"), "a", 3, []VoterAction{act(OpPromote, "c"), act(OpPromote, "d")}},
		{"workers do not count towards voters", "Abc", noVote(alive("abc"), "b"), "a", 3, nil},
		{"only workers to spare: a dead voter's seat stays empty", "ABCd", noVote(with(alive("abcd"), "c", MemberDead, time.Hour), "d"), "a", 3,
			[]VoterAction{act(OpRemove, "c"), act(OpDemote, "b")}},
		{"remove, promote and add in one plan", "ABCd", with(alive("abcdf"), "b", MemberLeft, 0), "a", 3,
			[]VoterAction{act(OpRemove, "b"), act(OpPromote, "d"), act(OpAddNonvoter, "f")}},
		{"leader that left is not removed", "ABC", with(alive("abc"), "a", MemberLeft, 0), "a", 3, nil},
		{"leader missing from gossip: no plan", "ABC", alive("bc"), "a", 3, nil},
		{"gossip view incomplete: no plan", "ABCDE", alive("ab"), "a", 3, nil},
		{"leader not in configuration: no plan", "BC", alive("abc"), "a", 3, nil},
		{"member without raft address is not added", "A",
			append(alive("a"), Member{ID: "w", Status: MemberAlive}), "a", 3, nil},
		{"dead member outside the configuration is ignored", "A", with(alive("a"), "z", MemberDead, time.Hour), "a", 3, nil},
		{"suspect joiner is not added", "A", with(alive("a"), "z", MemberSuspect, 0), "a", 3, nil},
		{"target 1", "ABC", alive("abc"), "b", 1, []VoterAction{act(OpDemote, "a"), act(OpDemote, "c")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PlanVoters(cfg(tt.servers), tt.members, tt.leader, tt.target, vGrace, vNow)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

// TestQuorumHealsAfterVoterDeath walks the scenario from DESIGN.md: five
// agents, target 3; a voter dies; after the grace a non-voter replaces it.
func TestQuorumHealsAfterVoterDeath(t *testing.T) {
	servers := cfg("A")
	members := alive("abcde")
	servers = converge(t, servers, members, "a", 3, vNow)
	if diff := cmp.Diff(cfg("ABCde"), servers); diff != "" {
		t.Fatalf("after start-up (-want +got):\n%s", diff)
	}
	members = with(members, "b", MemberDead, 0)
	servers = converge(t, servers, members, "a", 3, vNow.Add(vGrace))
	if diff := cmp.Diff(cfg("ABCde"), servers); diff != "" {
		t.Fatalf("within grace (-want +got):\n%s", diff)
	}
	servers = converge(t, servers, members, "a", 3, vNow.Add(vGrace+time.Second))
	if diff := cmp.Diff(cfg("ACDe"), servers); diff != "" {
		t.Fatalf("after grace (-want +got):\n%s", diff)
	}
}

// applyPlan returns servers changed by plan, as Raft would.
func applyPlan(servers []Server, plan []VoterAction) []Server {
	out := slices.Clone(servers)
	for _, a := range plan {
		i := slices.IndexFunc(out, func(s Server) bool { return s.ID == a.ID })
		switch a.Op {
		case OpRemove:
			out = slices.Delete(out, i, i+1)
		case OpDemote:
			out[i].Voter = false
		case OpPromote:
			out[i].Voter = true
		case OpAddNonvoter:
			out = append(out, Server{ID: a.ID, Address: a.Address})
		}
	}
	slices.SortFunc(out, func(a, b Server) int { return cmpString(a.ID, b.ID) })
	return out
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// fataler is what converge needs of *testing.T and *rapid.T.
type fataler interface {
	Helper()
	Fatalf(format string, args ...any)
}

// converge applies plans until one is empty.
func converge(t fataler, servers []Server, members []Member, leader string, target int, now time.Time) []Server {
	t.Helper()
	for range 4 {
		plan := PlanVoters(servers, members, leader, target, vGrace, now)
		if len(plan) == 0 {
			return servers
		}
		servers = applyPlan(servers, plan)
	}
	t.Fatalf("no fixpoint after 4 rounds: %v", servers)
	return nil
}

// TestPlanVotersProperties checks PlanVoters on random configurations and
// gossip views. Unsafe plans are rare among them, so it runs 20 times
// rapid's default number of checks.
func TestPlanVotersProperties(t *testing.T) {
	for range 20 {
		rapid.Check(t, checkPlanVoters)
	}
}

func checkPlanVoters(t *rapid.T) {
	n := rapid.IntRange(1, 9).Draw(t, "servers")
	extra := rapid.IntRange(0, 3).Draw(t, "joiners")
	target := rapid.IntRange(1, 7).Draw(t, "target")
	leaderIdx := rapid.IntRange(0, n-1).Draw(t, "leader")
	leader := fmt.Sprintf("n%d", leaderIdx)
	statuses := []MemberStatus{MemberAlive, MemberAlive, MemberAlive, MemberSuspect, MemberDead, MemberDead, MemberLeft}

	var servers []Server
	var members []Member
	for i := range n + extra {
		id := fmt.Sprintf("n%d", i)
		if i < n {
			servers = append(servers, Server{ID: id, Address: addr(id), Voter: i == leaderIdx || rapid.Bool().Draw(t, id+" voter")})
		}
		if i != leaderIdx && rapid.IntRange(0, 9).Draw(t, id+" in gossip") == 0 {
			continue
		}
		st := MemberAlive
		if i != leaderIdx {
			st = rapid.SampledFrom(statuses).Draw(t, id+" status")
		}
		ago := time.Duration(rapid.IntRange(0, 120).Draw(t, id+" seconds")) * time.Second
		members = append(members, Member{ID: id, RaftAddress: addr(id), Status: st, Since: vNow.Add(-ago)})
	}
	view := gossipView(members)
	healthy := func(id string) bool { return view[id].Status == MemberAlive }
	count := func(ss []Server) (voters, healthyVoters int) {
		for _, s := range ss {
			if s.Voter {
				voters++
				if healthy(s.ID) {
					healthyVoters++
				}
			}
		}
		return
	}

	plan := PlanVoters(servers, members, leader, target, vGrace, vNow)

	// Deterministic whatever the input order.
	shuffled := PlanVoters(rapid.Permutation(servers).Draw(t, "servers order"),
		rapid.Permutation(members).Draw(t, "members order"), leader, target, vGrace, vNow)
	if !cmp.Equal(plan, shuffled) {
		t.Fatalf("plan depends on input order:\n%v\n%v", plan, shuffled)
	}
	seen := map[string]bool{}
	for _, a := range plan {
		if a.ID == leader {
			t.Fatalf("plan touches the leader: %v", a)
		}
		if seen[a.ID] {
			t.Fatalf("plan has two actions for %s: %v", a.ID, plan)
		}
		seen[a.ID] = true
		switch a.Op {
		case OpPromote, OpAddNonvoter:
			if !healthy(a.ID) {
				t.Fatalf("%s of unhealthy %s", a.Op, a.ID)
			}
		case OpRemove:
			if m, ok := view[a.ID]; ok && m.Status != MemberLeft && !(m.Status == MemberDead && vNow.Sub(m.Since) > vGrace) {
				t.Fatalf("removed %s, which is %s since %v", a.ID, m.Status, vNow.Sub(m.Since))
			}
		}
	}

	after := applyPlan(servers, plan)
	if i := slices.IndexFunc(after, func(s Server) bool { return s.ID == leader }); i < 0 || !after[i].Voter {
		t.Fatalf("leader %s is no longer a voter: %v", leader, after)
	}
	vBefore, hBefore := count(servers)
	vAfter, hAfter := count(after)
	if vBefore <= target && vAfter > target {
		t.Fatalf("got %d voters, target %d (was %d)", vAfter, target, vBefore)
	}
	if 2*hBefore > vBefore && 2*hAfter <= vAfter {
		t.Fatalf("alive voters lost their majority: %d of %d, was %d of %d", hAfter, vAfter, hBefore, vBefore)
	}

	missing := 0
	for _, s := range servers {
		if _, ok := view[s.ID]; s.Voter && !ok {
			missing++
		}
	}
	if trusted := 2*missing <= vBefore; !trusted {
		if len(plan) != 0 {
			t.Fatalf("got plan %v from an incomplete gossip view", plan)
		}
		return
	}
	final := converge(t, after, members, leader, target, vNow)
	if vFinal, hFinal := count(final); hFinal == vFinal {
		nHealthy := 0
		for _, s := range final {
			if healthy(s.ID) {
				nHealthy++
			}
		}
		if want := DesiredVoters(target, nHealthy); vFinal != want || vFinal%2 == 0 || vFinal > target {
			t.Fatalf("settled with %d healthy voters of %d healthy servers, want %d (odd, ≤ target %d)", vFinal, nHealthy, want, target)
		}
	}
}
