package apiserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
)

// decorate adds read-time annotations to Node objects.
func (s *Server) decorate(obj api.Object) api.Object {
	n, ok := obj.(*api.Node)
	if !ok {
		return obj
	}
	n = api.DeepCopy(n)
	if n.Annotations == nil {
		n.Annotations = map[string]string{}
	}
	role, ok := s.cfg.Cluster.RaftRoles()[n.Name]
	if !ok {
		role = api.RoleNone
	}
	n.Annotations[api.AnnotationRaftRole] = role
	if m, ok := s.cfg.Cluster.Member(n.Name); ok {
		n.Annotations[api.AnnotationFreeCPU] = api.NewMilliQuantity(m.Meta.FreeCPU, api.DecimalSI).String()
		n.Annotations[api.AnnotationFreeMemory] = api.NewQuantity(m.Meta.FreeMemory, api.BinarySI).String()
		n.Annotations[api.AnnotationGossip] = m.Status.String()
	}
	return n
}

func (s *Server) status(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, s.cfg.Cluster.Status())
}

// join admits a new node that proves the token's secret. Anyone can
// call it: it is rate-limited per source address, reads at most
// maxJoinBody bytes under JoinReadTimeout, and checks the secret before
// anything costly (signing) and the name before logging it.
func (s *Server) join(w http.ResponseWriter, r *http.Request) {
	if !s.joins.allow(r.RemoteAddr, time.Now()) {
		w.Header().Set("Retry-After", strconv.Itoa(int(max(1, s.cfg.Limits.JoinEvery.Seconds()))))
		writeError(w, http.StatusTooManyRequests, fmt.Errorf("too many join requests from %s: at most %d at once, then one per %s", sourceKey(r.RemoteAddr), s.cfg.Limits.JoinBurst, s.cfg.Limits.JoinEvery))
		return
	}
	// A body trickled a byte at a time is cut off at the deadline.
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.Limits.JoinReadTimeout))
	body, ok := readBodyLimit(w, r, maxJoinBody)
	if !ok {
		return
	}
	req, voter, ok := s.checkJoin(w, r, body)
	if !ok {
		return
	}
	res, err := s.admit(r.Context(), req, voter)
	if errors.Is(err, ErrNoCAKey) {
		// Only voters hold the CA key: the leader admits the node.
		leader := s.leaderName()
		if leader == "" || leader == s.cfg.Node {
			writeError(w, http.StatusServiceUnavailable, errors.New("no Raft voter with the CA key is reachable; try again shortly"))
			return
		}
		r.URL.Path = "/internal/v1/join"
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		s.forward(w, r, leader)
		return
	}
	s.answerJoin(w, req, res, err)
}

// internalJoin admits a node whose join request another agent (one
// without the CA key) passed on; the secret is checked again here.
func (s *Server) internalJoin(w http.ResponseWriter, r *http.Request) {
	body, ok := readBodyLimit(w, r, maxJoinBody)
	if !ok {
		return
	}
	req, voter, ok := s.checkJoin(w, r, body)
	if !ok {
		return
	}
	res, err := s.admit(r.Context(), req, voter)
	s.answerJoin(w, req, res, err)
}

// checkJoin decodes a join request and checks the secret (first, before
// anything costly) and the name and address. voter is false for the
// worker join token.
func (s *Server) checkJoin(w http.ResponseWriter, r *http.Request, body []byte) (req JoinRequest, voter, ok bool) {
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("join request: %w", err))
		return req, false, false
	}
	ok, voter = s.cfg.Credentials.Join(req.Secret)
	if !ok {
		// The name is the caller's text: log it only once it is known
		// to be a short DNS label.
		name := "(invalid)"
		if api.IsDNSLabel(req.Name) {
			name = req.Name
		}
		s.log.Warn("join refused: wrong token", "name", name, "remote", r.RemoteAddr)
		writeError(w, http.StatusForbidden, errors.New("wrong token: the secret does not match this cluster's"))
		return req, false, false
	}
	if !api.IsDNSLabel(req.Name) {
		writeError(w, http.StatusBadRequest, fmt.Errorf("node name %q: must be a DNS-1123 label", truncate(req.Name, 80)))
		return req, false, false
	}
	if net.ParseIP(req.Addr) == nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("address %q: not an IP", truncate(req.Addr, 80)))
		return req, false, false
	}
	if m, ok := s.cfg.Cluster.Member(req.Name); ok && (m.Status == gossip.StatusAlive || m.Status == gossip.StatusSuspect) {
		writeError(w, http.StatusConflict, fmt.Errorf("a node named %q is already a member (at %s); choose another --name", req.Name, m.Addr))
		return req, false, false
	}
	return req, voter, true
}

// admit records whether the node may become a voter, signs its
// certificate and gathers what it needs to join.
func (s *Server) admit(ctx context.Context, req JoinRequest, voter bool) (*JoinResponse, error) {
	cert, err := s.cfg.Authority.AdmitNode(ctx, []byte(req.CSR), req.Name, []net.IP{net.ParseIP(req.Addr)}, voter)
	if err != nil {
		return nil, err
	}
	var peers []string
	for _, m := range s.cfg.Cluster.Members() {
		if m.Status == gossip.StatusAlive {
			peers = append(peers, net.JoinHostPort(m.Addr, strconv.Itoa(m.Port)))
		}
	}
	var settings *api.ClusterConfigSpec
	if o, ok := s.cfg.View.Get("ClusterConfig", "", api.ClusterConfigName); ok {
		settings = &o.(*api.ClusterConfig).Spec
	}
	return &JoinResponse{
		CACert:    string(s.cfg.Authority.TrustBundle()),
		NodeCert:  string(cert),
		GossipKey: s.cfg.GossipKey,
		Peers:     peers,
		Settings:  settings,
	}, nil
}

func (s *Server) answerJoin(w http.ResponseWriter, req JoinRequest, res *JoinResponse, err error) {
	switch {
	case errors.Is(err, ErrNoCAKey):
		writeError(w, http.StatusServiceUnavailable, err)
	case err != nil:
		writeError(w, http.StatusBadRequest, err)
	default:
		s.log.Info("admitted node", "name", req.Name, "addr", req.Addr)
		writeJSON(w, http.StatusOK, res)
	}
}

// leave makes this agent leave the cluster and stop.
func (s *Server) leave(w http.ResponseWriter, r *http.Request) {
	if err := s.cfg.Cluster.Leave(r.Context()); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"result": "left"})
}

// internalApply applies a command forwarded by another agent.
func (s *Server) internalApply(w http.ResponseWriter, r *http.Request) {
	// The one size limit of every write (propose.MaxCommand), not the
	// request limit of user bodies: what a follower may send, the leader
	// reads.
	body, err := propose.ReadCommand(r.Body)
	if err != nil {
		code := http.StatusBadRequest
		if errors.Is(err, propose.ErrTooLarge) {
			code = http.StatusRequestEntityTooLarge
		}
		writeError(w, code, err)
		return
	}
	res, err := s.cfg.Cluster.ApplyLocal(r.Context(), body)
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
	if err := propose.WriteResult(w, res); err != nil {
		s.log.Debug("answer a forwarded write", "err", err)
	}
}

// internalRemove removes a leaving node from Raft; leader only.
func (s *Server) internalRemove(w http.ResponseWriter, r *http.Request) {
	name := r.URL.Query().Get("node")
	if !s.cfg.Cluster.IsLeader() {
		writeError(w, http.StatusMisdirectedRequest, consensus.ErrNotLeader)
		return
	}
	if err := s.cfg.Cluster.RemoveServer(name); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"removed": name})
}

// JoinRequest is what a new node sends to POST /v1/join, only after it
// has pinned the cluster CA through the token's hash.
type JoinRequest struct {
	Name   string `json:"name"`
	Secret string `json:"secret"`
	// CSR is the node's PEM certificate request; its key never leaves the
	// node.
	CSR string `json:"csr"`
	// Addr is the IP the node advertises, put in its certificate.
	Addr string `json:"addr"`
}

// JoinResponse admits a node: its certificate, the cluster CA and gossip
// key, and gossip addresses of members to join through.
type JoinResponse struct {
	// CACert is the PEM bundle of the CAs the cluster trusts; the CA key
	// never leaves the voters.
	CACert    string   `json:"caCert"`
	NodeCert  string   `json:"nodeCert"`
	GossipKey []byte   `json:"gossipKey"`
	Peers     []string `json:"peers"`
	// Settings are the cluster-wide settings, when the answering agent's
	// replica has them, so a joiner with a conflicting flag stops before
	// it joins.
	Settings *api.ClusterConfigSpec `json:"settings,omitempty"`
}
