package apiserver

import (
	"errors"
	"net/http"
	"strings"

	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/pki"
)

// errNoBearer and errWrongToken answer requests without a valid admin
// token.
var (
	errNoBearer   = errors.New("unauthorized: send the admin token as 'Authorization: Bearer <token>'")
	errWrongToken = errors.New("unauthorized: wrong token")
)

// requireUser admits only requests with a valid admin token as their
// bearer token. A node certificate does not make a user: an agent that
// passes a request on for a user (logs, exec, images on another node; a
// write forwarded to the leader) passes the user's Authorization with
// it, and that is what is checked here. The header goes into the
// request's context, so writes the handler forwards to the leader carry
// it (propose.WithAuthorization).
func (s *Server) requireUser(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.checkAdmin(r); err != nil {
			writeError(w, http.StatusUnauthorized, err)
			return
		}
		r = r.WithContext(propose.WithAuthorization(r.Context(), r.Header.Get("Authorization")))
		h(w, r)
	}
}

// checkAdmin reports why r does not carry a valid admin bearer token, or
// nil if it does.
func (s *Server) checkAdmin(r *http.Request) error {
	bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return errNoBearer
	}
	// The CA hash in the token is for the client to pin the CA; the
	// secret alone authenticates (it outlives a CA rotation).
	tok, err := pki.ParseToken(bearer)
	if err != nil || !s.cfg.Credentials.Admin(tok.Secret) {
		return errWrongToken
	}
	return nil
}

// requirePeer admits only agents: the client certificate must be signed by
// the cluster CA (the TLS layer verified it).
func (s *Server) requirePeer(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if _, ok := peerNode(r); !ok {
			writeError(w, http.StatusForbidden, errors.New("forbidden: agent certificate required"))
			return
		}
		h(w, r)
	}
}

// peerNode is the name of the node whose certificate r was made with (its
// common name), if the TLS layer verified one against the cluster CA.
func peerNode(r *http.Request) (string, bool) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 || len(r.TLS.VerifiedChains[0]) == 0 {
		return "", false
	}
	name := r.TLS.VerifiedChains[0][0].Subject.CommonName
	return name, name != ""
}

func isPeer(r *http.Request) bool {
	_, ok := peerNode(r)
	return ok
}
