package apiserver

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/pki"
)

// Authority is the cluster CA and the secrets, as far as this node holds
// them: voters hold the CA key and the tokens, other nodes only the
// hashes in their replica.
type Authority interface {
	// SignNode signs a node certificate for name with this node's CA key,
	// or fails with ErrNoCAKey.
	SignNode(csrPEM []byte, name string, ips []net.IP) ([]byte, error)
	// AdmitNode records whether a joining node may become a voter, then
	// signs its certificate (ErrNoCAKey as SignNode).
	AdmitNode(ctx context.Context, csrPEM []byte, name string, ips []net.IP, voter bool) ([]byte, error)
	// TrustBundle is the PEM bundle of the CAs nodes trust now.
	TrustBundle() []byte
	// VoterSecrets are what a new voter takes over, or ErrNoCAKey.
	VoterSecrets() (VoterSecrets, error)
	// JoinToken is the join token (the worker join token if worker), or
	// ErrNoCAKey.
	JoinToken(worker bool) (string, error)
	// RotateToken replaces a token (TokenJoin, TokenWorker or TokenAdmin)
	// and returns the new one; leader only.
	RotateToken(ctx context.Context, which string) (string, error)
	// RotateCA starts a CA rotation; leader only.
	RotateCA(ctx context.Context) (api.CAStatus, error)
	// CAStatus is the state of the cluster's CAs.
	CAStatus() (api.CAStatus, error)
}

// The tokens RotateToken replaces.
const (
	TokenJoin   = "join"
	TokenWorker = "worker"
	TokenAdmin  = "admin"
)

// ErrNoCAKey is returned by a node that holds no voter secrets.
var ErrNoCAKey = errors.New("this node holds no CA key (only Raft voters do)")

// VoterSecrets are handed to a node when it becomes a voter.
type VoterSecrets struct {
	SignerCert  string `json:"signerCert"`
	SignerKey   string `json:"signerKey"`
	JoinToken   string `json:"joinToken"`
	WorkerToken string `json:"workerToken"`
	AdminToken  string `json:"adminToken"`
}

// peerName is the node name in the verified client certificate.
func peerName(r *http.Request) string {
	if !isPeer(r) {
		return ""
	}
	return r.TLS.VerifiedChains[0][0].Subject.CommonName
}

// peerCert is the verified client certificate.
func peerCert(r *http.Request) *x509.Certificate {
	if !isPeer(r) {
		return nil
	}
	return r.TLS.VerifiedChains[0][0]
}

// leaderName is the Raft leader's node name, "" if none is known.
func (s *Server) leaderName() string {
	for name, role := range s.cfg.Cluster.RaftRoles() {
		if role == api.RoleLeader {
			return name
		}
	}
	return ""
}

// onLeader serves h on the leader; elsewhere the request goes to the
// leader (with the user's credential, which the leader checks again).
func (s *Server) onLeader(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Cluster.IsLeader() {
			h(w, r)
			return
		}
		leader := s.leaderName()
		if leader == "" {
			writeError(w, http.StatusServiceUnavailable, errors.New("no Raft leader; try again shortly"))
			return
		}
		s.forward(w, r, leader)
	}
}

// rotateToken serves POST /v1/token/rotate[?which=join|worker|admin].
func (s *Server) rotateToken(w http.ResponseWriter, r *http.Request) {
	which := r.URL.Query().Get("which")
	switch which {
	case "":
		which = TokenJoin
	case TokenJoin, TokenWorker, TokenAdmin:
	default:
		writeError(w, http.StatusBadRequest, fmt.Errorf("which=%q: want join, worker or admin", truncate(which, 40)))
		return
	}
	tok, err := s.cfg.Authority.RotateToken(r.Context(), which)
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, fmt.Errorf("rotate token: %w", err))
		return
	}
	s.log.Info("rotated a token", "token", which)
	writeJSON(w, http.StatusOK, api.TokenAnswer{Token: tok})
}

// joinToken serves GET /v1/token[?worker=true]: a join token, from a
// voter.
func (s *Server) joinToken(w http.ResponseWriter, r *http.Request) {
	tok, err := s.cfg.Authority.JoinToken(r.URL.Query().Get("worker") == "true")
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	writeJSON(w, http.StatusOK, api.TokenAnswer{Token: tok})
}

// rotateCA serves POST /v1/ca/rotate.
func (s *Server) rotateCA(w http.ResponseWriter, r *http.Request) {
	st, err := s.cfg.Authority.RotateCA(r.Context())
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, fmt.Errorf("rotate CA: %w", err))
		return
	}
	s.log.Info("started a CA rotation", "signer", st.Signer)
	writeJSON(w, http.StatusOK, st)
}

// caStatus serves GET /v1/ca.
func (s *Server) caStatus(w http.ResponseWriter, _ *http.Request) {
	st, err := s.cfg.Authority.CAStatus()
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	writeJSON(w, http.StatusOK, st)
}

// voterSecrets serves GET /internal/v1/secrets: only to a node that is a
// Raft voter now, and only from a node that holds the secrets.
func (s *Server) voterSecrets(w http.ResponseWriter, r *http.Request) {
	name := peerName(r)
	switch s.cfg.Cluster.RaftRoles()[name] {
	case api.RoleLeader, api.RoleVoter:
	default:
		s.log.Warn("refused the voter secrets to a node that is not a voter", "node", name)
		writeError(w, http.StatusForbidden, fmt.Errorf("node %s is not a Raft voter: only voters hold the CA key", name))
		return
	}
	vs, err := s.cfg.Authority.VoterSecrets()
	if err != nil {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	s.log.Info("handed the voter secrets over", "node", name)
	writeJSON(w, http.StatusOK, vs)
}

// renew serves POST /internal/v1/renew: a node's new certificate for
// the key in the request, under the name and addresses of the
// certificate it calls with. Only nodes still in the cluster (a Raft
// member or a gossip member) get one.
func (s *Server) renew(w http.ResponseWriter, r *http.Request) {
	cert := peerCert(r)
	name := cert.Subject.CommonName
	if role := pki.RoleOf(cert); role != pki.RoleNode && role != pki.RoleWorker {
		writeError(w, http.StatusForbidden, fmt.Errorf("certificate of %s has role %q, want a node's", name, role))
		return
	}
	_, inRaft := s.cfg.Cluster.RaftRoles()[name]
	m, ok := s.cfg.Cluster.Member(name)
	inGossip := ok && (m.Status == gossip.StatusAlive || m.Status == gossip.StatusSuspect)
	if !inRaft && !inGossip {
		writeError(w, http.StatusForbidden, fmt.Errorf("node %s is not a member", name))
		return
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(s.cfg.Limits.JoinReadTimeout))
	body, ok := readBodyLimit(w, r, maxJoinBody)
	if !ok {
		return
	}
	var req RenewRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("renew request: %w", err))
		return
	}
	var ips []net.IP
	for _, ip := range cert.IPAddresses {
		if !ip.IsLoopback() {
			ips = append(ips, ip)
		}
	}
	signed, err := s.cfg.Authority.SignNode([]byte(req.CSR), name, ips)
	if errors.Is(err, ErrNoCAKey) {
		writeError(w, http.StatusServiceUnavailable, err)
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	s.log.Info("renewed a node certificate", "node", name)
	writeJSON(w, http.StatusOK, RenewResponse{NodeCert: string(signed), TrustBundle: string(s.cfg.Authority.TrustBundle())})
}

// RenewRequest asks for a new node certificate.
type RenewRequest struct {
	// CSR is the PEM certificate request for the node's new key.
	CSR string `json:"csr"`
}

// RenewResponse is a renewed node certificate and the CAs to trust.
type RenewResponse struct {
	NodeCert    string `json:"nodeCert"`
	TrustBundle string `json:"trustBundle"`
}
