package agent

import (
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/gossip"
)

// raftRoles maps node names to their Raft role in this replica's view.
func (a *Agent) raftRoles() map[string]string {
	roles := map[string]string{}
	servers, err := a.raft.Servers()
	if err != nil {
		return roles
	}
	leader, _ := a.raft.Leader()
	for _, s := range servers {
		switch {
		case s.ID == leader && s.Voter:
			roles[s.ID] = api.RoleLeader
		case s.Voter:
			roles[s.ID] = api.RoleVoter
		default:
			roles[s.ID] = api.RoleNonvoter
		}
	}
	return roles
}

// Status reports members, their gossip health and Raft roles.
func (a *Agent) Status() api.Status {
	leader, _ := a.raft.Leader()
	roles := a.raftRoles()
	st := api.Status{Leader: leader, Members: []api.MemberStatus{}, Settings: a.settingsNow()}
	for _, m := range a.gossip.Members() {
		role, ok := roles[m.Name]
		if !ok {
			role = api.RoleNone
		}
		delete(roles, m.Name)
		st.Members = append(st.Members, api.MemberStatus{Name: m.Name, Address: m.Addr, Status: m.Status.String(), Raft: role, Version: m.Meta.Version})
	}
	// Raft servers gossip does not know (yet, or any more).
	for name, role := range roles {
		st.Members = append(st.Members, api.MemberStatus{Name: name, Status: gossip.StatusDead.String(), Raft: role})
	}
	return st
}
