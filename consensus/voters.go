package consensus

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Server is one entry of the current Raft configuration.
type Server struct {
	ID, Address string
	Voter       bool
}

// MemberStatus is a node's state as gossip sees it.
type MemberStatus int

// Member statuses. The zero value is unknown and counts as neither healthy
// nor gone.
const (
	MemberAlive MemberStatus = iota + 1
	MemberSuspect
	MemberDead
	MemberLeft
)

func (s MemberStatus) String() string {
	switch s {
	case MemberAlive:
		return "alive"
	case MemberSuspect:
		return "suspect"
	case MemberDead:
		return "dead"
	case MemberLeft:
		return "left"
	}
	return fmt.Sprintf("MemberStatus(%d)", int(s))
}

// Member is a node in the gossip view. ID is the node's Raft server ID.
type Member struct {
	ID, RaftAddress string
	Status          MemberStatus
	// Since is when Status last changed.
	Since time.Time
	// NoVote marks a worker (admitted with the worker join token): it is
	// never promoted, and does not count towards the desired voters.
	NoVote bool
}

// VoterOp is a Raft membership change.
type VoterOp string

// Membership changes, in the order PlanVoters returns them.
const (
	OpRemove      VoterOp = "remove"
	OpDemote      VoterOp = "demote"
	OpPromote     VoterOp = "promote"
	OpAddNonvoter VoterOp = "add-nonvoter"
)

// VoterAction is one membership change for the leader to make.
type VoterAction struct {
	Op      VoterOp
	ID      string
	Address string
}

// DesiredVoters returns how many voters a cluster with healthy servers should
// have: the largest odd number no larger than target or healthy, and at
// least 1. Odd, because an even count tolerates no more failures than the odd
// count below it while needing a larger quorum.
func DesiredVoters(target, healthy int) int {
	n := min(target, healthy)
	if n%2 == 0 {
		n--
	}
	return max(n, 1)
}

// PlanVoters returns the membership changes that keep the Raft configuration
// healthy, given the configuration (servers), the gossip view (members), the
// leader's ID, the target voter count, how long a dead server keeps its place
// (grace) and the current time. It is pure and deterministic: the same
// inputs, in any order, give the same plan. The leader runs it periodically
// and after gossip events, and applies the actions in order.
//
// A server is healthy when its member is Alive. The rules:
//
//  1. Trust: if the leader is not Alive in the gossip view, or more than
//     half of the voters are missing from it, the view is incomplete (gossip
//     is still joining) and the plan is empty.
//  2. Remove a server whose member has Left (a graceful leave, at once), is
//     Dead for longer than grace, or is missing from the gossip view (gossip
//     forgot it, so it has been dead a long time). A Suspect server, or one
//     Dead within grace, keeps its place, and if it is a voter, its seat, so
//     a flapping node causes no churn. The leader is never removed.
//  3. Desired voters = DesiredVoters(target, healthy servers left).
//  4. If there are fewer voters than desired, promote healthy non-voters in
//     ID order. Seats held by unhealthy voters count, so the voter count
//     never rises above target; they free up when rule 2 removes them.
//  5. If there are more voters than desired and all of them are healthy,
//     demote the surplus, highest ID first, never the leader. While some
//     voter is unhealthy nothing is demoted: a demotion then could leave the
//     alive voters short of a quorum.
//  6. A worker (Member.NoVote) is never promoted and does not count in
//     rule 3.
//  7. Add every Alive member with a Raft address that is not in the
//     configuration as a non-voter; it can be promoted in a later round,
//     once it is in the configuration.
//
// Actions come in the order remove, demote, promote, add-nonvoter, each group
// sorted by ID, so seats are freed before they are filled. Removing only
// unhealthy servers, promoting only healthy ones and demoting only when all
// voters are healthy means no step lowers the share of alive voters.
// Examples with target 3: 1 node → 1 voter; 2 → 1 voter and 1 non-voter;
// 3 or 4 → 3 voters; with 5 nodes, a dead voter is removed after grace and a
// non-voter promoted in the same plan.
func PlanVoters(servers []Server, members []Member, leaderID string, target int, grace time.Duration, now time.Time) []VoterAction {
	view := gossipView(members)
	if m, ok := view[leaderID]; !ok || m.Status != MemberAlive {
		return nil
	}
	servers = slices.Clone(servers)
	slices.SortFunc(servers, func(a, b Server) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Address, b.Address), cmpBool(a.Voter, b.Voter))
	})
	if !slices.ContainsFunc(servers, func(s Server) bool { return s.ID == leaderID }) {
		return nil
	}
	voters, missing := 0, 0
	for _, s := range servers {
		if s.Voter {
			voters++
			if _, ok := view[s.ID]; !ok {
				missing++
			}
		}
	}
	if 2*missing > voters {
		return nil
	}

	var removals, changes, joins []VoterAction
	inConfig := make(map[string]bool, len(servers))
	var kept []Server
	for _, s := range servers {
		inConfig[s.ID] = true
		if s.ID != leaderID && gone(view, s.ID, grace, now) {
			removals = append(removals, VoterAction{Op: OpRemove, ID: s.ID, Address: s.Address})
			continue
		}
		kept = append(kept, s)
	}

	healthy := func(id string) bool { return view[id].Status == MemberAlive }
	nHealthy, nVoters, healthyVoters := 0, 0, 0
	var candidates []Server // healthy non-voters that may vote, by ID
	for _, s := range kept {
		if view[s.ID].NoVote && !s.Voter {
			continue
		}
		if healthy(s.ID) {
			nHealthy++
		}
		switch {
		case s.Voter:
			nVoters++
			if healthy(s.ID) {
				healthyVoters++
			}
		case healthy(s.ID):
			candidates = append(candidates, s)
		}
	}
	desired := DesiredVoters(target, nHealthy)
	switch {
	case nVoters < desired:
		for _, s := range candidates[:desired-nVoters] {
			changes = append(changes, VoterAction{Op: OpPromote, ID: s.ID, Address: s.Address})
		}
	case nVoters > desired && healthyVoters == nVoters:
		surplus := nVoters - desired
		for i := len(kept) - 1; i >= 0 && surplus > 0; i-- {
			if s := kept[i]; s.Voter && s.ID != leaderID {
				changes = append(changes, VoterAction{Op: OpDemote, ID: s.ID, Address: s.Address})
				surplus--
			}
		}
		slices.SortFunc(changes, func(a, b VoterAction) int { return cmp.Compare(a.ID, b.ID) })
	}

	for _, id := range sortedKeys(view) {
		if m := view[id]; m.Status == MemberAlive && m.RaftAddress != "" && !inConfig[id] {
			joins = append(joins, VoterAction{Op: OpAddNonvoter, ID: id, Address: m.RaftAddress})
		}
	}
	return slices.Concat(removals, changes, joins)
}

// gone reports whether the server id should leave the configuration.
func gone(view map[string]Member, id string, grace time.Duration, now time.Time) bool {
	m, ok := view[id]
	switch {
	case !ok:
		return true
	case m.Status == MemberLeft:
		return true
	case m.Status == MemberDead:
		return now.Sub(m.Since) > grace
	}
	return false
}

// gossipView indexes members by ID. If an ID appears twice, the entry that
// changed last wins (then the higher status, then the higher address), so
// input order never matters.
func gossipView(members []Member) map[string]Member {
	view := make(map[string]Member, len(members))
	for _, m := range members {
		if old, ok := view[m.ID]; ok && cmp.Or(m.Since.Compare(old.Since),
			cmp.Compare(m.Status, old.Status), cmp.Compare(m.RaftAddress, old.RaftAddress)) <= 0 {
			continue
		}
		view[m.ID] = m
	}
	return view
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
