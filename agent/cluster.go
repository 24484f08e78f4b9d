package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
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

// decorate adds read-time annotations to Node objects.
func (s *apiServer) decorate(obj api.Object) api.Object {
	n, ok := obj.(*api.Node)
	if !ok {
		return obj
	}
	n = api.DeepCopy(n)
	if n.Annotations == nil {
		n.Annotations = map[string]string{}
	}
	role, ok := s.a.raftRoles()[n.Name]
	if !ok {
		role = api.RoleNone
	}
	n.Annotations[api.AnnotationRaftRole] = role
	if m, ok := s.a.gossip.Member(n.Name); ok {
		n.Annotations[api.AnnotationFreeCPU] = api.NewMilliQuantity(m.Meta.FreeCPU, api.DecimalSI).String()
		n.Annotations[api.AnnotationFreeMemory] = api.NewQuantity(m.Meta.FreeMemory, api.BinarySI).String()
		n.Annotations[api.AnnotationGossip] = m.Status.String()
	}
	return n
}

func (s *apiServer) status(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.a.Status())
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
		st.Members = append(st.Members, api.MemberStatus{Name: m.Name, Address: m.Addr, Status: m.Status.String(), Raft: role})
	}
	// Raft servers gossip does not know (yet, or any more).
	for name, role := range roles {
		st.Members = append(st.Members, api.MemberStatus{Name: name, Status: gossip.StatusDead.String(), Raft: role})
	}
	return st
}

// join admits a new node that proves the token's secret.
func (s *apiServer) join(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	var req joinRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("join request: %w", err))
		return
	}
	if !s.a.id.Token.SecretMatches(req.Secret) {
		s.a.logger.Warn("join refused: wrong token", "name", req.Name, "remote", r.RemoteAddr)
		writeError(w, http.StatusForbidden, errors.New("wrong token: the secret does not match this cluster's"))
		return
	}
	if !validNodeName(req.Name) {
		writeError(w, http.StatusBadRequest, fmt.Errorf("node name %q: must be a DNS-1123 label", req.Name))
		return
	}
	ip := net.ParseIP(req.Addr)
	if ip == nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("address %q: not an IP", req.Addr))
		return
	}
	if m, ok := s.a.gossip.Member(req.Name); ok && (m.Status == gossip.StatusAlive || m.Status == gossip.StatusSuspect) {
		writeError(w, http.StatusConflict, fmt.Errorf("a node named %q is already a member (at %s); choose another --name", req.Name, m.Addr))
		return
	}
	cert, err := s.a.id.CA.Sign([]byte(req.CSR), req.Name, []net.IP{ip}, time.Now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	var peers []string
	for _, m := range s.a.gossip.Members() {
		if m.Status == gossip.StatusAlive {
			peers = append(peers, net.JoinHostPort(m.Addr, strconv.Itoa(m.Port)))
		}
	}
	var settings *api.ClusterConfigSpec
	if o, ok := s.a.store.Get("ClusterConfig", "", api.ClusterConfigName); ok {
		settings = &o.(*api.ClusterConfig).Spec
	}
	s.a.logger.Info("admitted node", "name", req.Name, "addr", req.Addr)
	writeJSON(w, http.StatusOK, joinResponse{
		CACert:    string(s.a.id.CA.CertPEM),
		CAKey:     string(s.a.id.CA.KeyPEM),
		NodeCert:  string(cert),
		GossipKey: s.a.id.GossipKey,
		Peers:     peers,
		Settings:  settings,
	})
}

// leave makes this agent leave the cluster and stop.
func (s *apiServer) leave(w http.ResponseWriter, r *http.Request) {
	if err := s.a.Leave(r.Context()); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"result": "left"})
}

// internalApply applies a command forwarded by another agent.
func (s *apiServer) internalApply(w http.ResponseWriter, r *http.Request) {
	body, ok := readBody(w, r)
	if !ok {
		return
	}
	res, err := s.a.proposer.ApplyLocal(r.Context(), body)
	if errors.Is(err, consensus.ErrNotLeader) {
		writeError(w, http.StatusMisdirectedRequest, err)
		return
	}
	if errors.Is(err, consensus.ErrInvalid) {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	wire, err := propose.ToWire(res)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, wire)
}

// internalRemove removes a leaving node from Raft; leader only.
func (s *apiServer) internalRemove(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("node")
	if !s.a.raft.IsLeader() {
		writeError(w, http.StatusMisdirectedRequest, consensus.ErrNotLeader)
		return
	}
	if err := s.a.removeServer(name); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"removed": name})
}
