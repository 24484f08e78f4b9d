package apiserver

import (
	"errors"
	"net/http"
	"strings"

	"github.com/shoal-dev/shoal/pki"
)

// requireUser admits requests with the cluster token as a bearer token,
// or with a node certificate (agents acting for users).
func (s *Server) requireUser(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if isPeer(r) {
			h(w, r)
			return
		}
		auth := r.Header.Get("Authorization")
		bearer, ok := strings.CutPrefix(auth, "Bearer ")
		if !ok {
			writeError(w, http.StatusUnauthorized, errors.New("unauthorized: send the cluster token as 'Authorization: Bearer <token>'"))
			return
		}
		// The CA hash in the token is for the client to pin the CA; the
		// secret alone authenticates (it outlives a CA rotation).
		tok, err := pki.ParseToken(bearer)
		if err != nil || !s.cfg.Credentials.Admin(tok.Secret) {
			writeError(w, http.StatusUnauthorized, errors.New("unauthorized: wrong token"))
			return
		}
		h(w, r)
	}
}

// requirePeer admits only agents: the client certificate must be signed by
// the cluster CA (the TLS layer verified it).
func (s *Server) requirePeer(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !isPeer(r) {
			writeError(w, http.StatusForbidden, errors.New("forbidden: agent certificate required"))
			return
		}
		h(w, r)
	}
}

func isPeer(r *http.Request) bool {
	return r.TLS != nil && len(r.TLS.VerifiedChains) > 0
}
