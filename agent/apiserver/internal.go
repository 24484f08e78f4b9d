package apiserver

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
)

// internalApply commits a command another agent forwarded; leader only.
// A command that carries a user's Authorization (propose.WithAuthorization)
// is that user's write, built and checked by the follower's API handler;
// it needs a valid admin token. Any other is the calling node's own write,
// which may touch only what that node must write (authorizeNodeWrite),
// judged against this leader's replica.
func (s *Server) internalApply(w http.ResponseWriter, r *http.Request) {
	node, _ := peerNode(r)
	// Leadership first: a follower's replica may lag, and the caller
	// retries a 421 elsewhere but not a refusal.
	if !s.cfg.Cluster.IsLeader() {
		writeError(w, http.StatusMisdirectedRequest, consensus.ErrNotLeader)
		return
	}
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
	if r.Header.Get("Authorization") != "" {
		if err := s.checkAdmin(r); err != nil {
			writeError(w, http.StatusUnauthorized, fmt.Errorf("write forwarded by node %s for a user: %w", node, err))
			return
		}
	} else if err := s.authorizeNodeCommand(node, body); err != nil {
		s.log.Warn("node write refused", "node", node, "err", err)
		writeError(w, statusOf(err), err)
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
	if errors.Is(err, consensus.ErrOutcomeUnknown) {
		writeError(w, http.StatusGatewayTimeout, err)
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

// authorizeNodeCommand decodes a node's command (strictly, as the log
// does) and checks it against what node may write.
func (s *Server) authorizeNodeCommand(node string, body []byte) error {
	cmd, err := consensus.DecodeCommand(body)
	if err != nil {
		return badRequest{fmt.Errorf("command from node %s: %w", node, err)}
	}
	return authorizeNodeWrite(s.cfg.View, node, cmd)
}

// internalRemove removes a leaving node from Raft; leader only. A node
// may remove only itself: the caller's certificate must name the node.
func (s *Server) internalRemove(w http.ResponseWriter, r *http.Request) {
	caller, _ := peerNode(r)
	name := r.URL.Query().Get("node")
	if name == "" {
		writeError(w, http.StatusBadRequest, errors.New("remove: name the node to remove with ?node="))
		return
	}
	if name != caller {
		writeError(w, http.StatusForbidden, fmt.Errorf("node %s may not remove node %s from raft: a node may remove only itself", caller, truncate(name, 64)))
		return
	}
	if !api.IsDNSLabel(name) {
		writeError(w, http.StatusBadRequest, fmt.Errorf("remove: node name %q is not a DNS-1123 label", truncate(name, 64)))
		return
	}
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
