package agent

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// maxBody limits request bodies (manifests, forwarded commands).
const maxBody = 8 << 20

// apiServer is the agent's HTTPS API: the public /v1 REST API for users
// (bearer token), /internal for agents (mutual TLS), /healthz and /metrics.
type apiServer struct {
	a   *Agent
	srv *http.Server
}

func newAPIServer(a *Agent) (*apiServer, error) {
	s := &apiServer{a: a}
	mux := http.NewServeMux()
	user := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.instrument(pattern, s.requireUser(h))) }
	peer := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.instrument(pattern, s.requirePeer(h))) }

	mux.Handle("GET /healthz", s.instrument("GET /healthz", http.HandlerFunc(s.healthz)))
	mux.Handle("GET /metrics", promhttp.HandlerFor(a.metrics.registry, promhttp.HandlerOpts{}))
	mux.Handle("POST /v1/join", s.instrument("POST /v1/join", http.HandlerFunc(s.join)))

	user("GET /v1/status", s.status)
	user("POST /v1/apply", s.apply)
	user("POST /v1/delete", s.deleteManifest)
	user("POST /v1/leave", s.leave)
	user("GET /v1/watch", s.watch)
	user("POST /v1/nodes/{name}/cordon", s.cordon(true))
	user("POST /v1/nodes/{name}/uncordon", s.cordon(false))
	user("POST /v1/pods/{name}/eviction", s.evict)
	user("POST /v1/{resource}/{name}/scale", s.scale)
	user("POST /v1/{resource}/{name}/rollout/restart", s.rolloutRestart)
	user("POST /v1/{resource}/{name}/rollout/undo", s.rolloutUndo)
	user("GET /v1/pods/{name}/log", s.podLog)
	user("POST /v1/pods/{name}/exec", s.podExec)
	user("POST /v1/images", s.imageImport)
	user("GET /v1/images", s.imageList)
	user("GET /v1/{resource}", s.list)
	user("GET /v1/{resource}/{name}", s.get)
	user("PUT /v1/{resource}/{name}", s.put)
	user("DELETE /v1/{resource}/{name}", s.deleteOne)

	peer("POST /internal/v1/apply", s.internalApply)
	peer("POST /internal/v1/remove", s.internalRemove)

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Errorf("no such endpoint: %s %s", r.Method, r.URL.Path))
	})

	s.srv = &http.Server{
		Handler:           mux,
		TLSConfig:         a.id.TLS.ServerConfig(),
		ReadHeaderTimeout: 10 * time.Second,
		// TLS handshake failures (wrong CA, port scans) are routine.
		ErrorLog: slog.NewLogLogger(a.logger.With("component", "api").Handler(), slog.LevelDebug),
	}
	return s, nil
}

// Run serves until ctx ends.
func (s *apiServer) Run(ctx context.Context) error {
	addr := net.JoinHostPort(s.a.cfg.BindAddr, strconv.Itoa(s.a.cfg.APIPort))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	// Request contexts end with ctx, so open watch streams end too.
	s.srv.BaseContext = func(net.Listener) context.Context { return ctx }
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(tls.NewListener(ln, s.srv.TLSConfig)) }()
	s.a.logger.Info("api listening", "addr", addr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.srv.Shutdown(shutdownCtx); err != nil {
		// Open watch streams do not end by themselves: cut them.
		_ = s.srv.Close()
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// requireUser admits requests with the cluster token as a bearer token,
// or with a node certificate (agents acting for users).
func (s *apiServer) requireUser(h http.HandlerFunc) http.HandlerFunc {
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
		tok, err := parseToken(bearer)
		if err != nil || tok.CAHash != s.a.id.Token.CAHash || !s.a.id.Token.SecretMatches(tok.Secret) {
			writeError(w, http.StatusUnauthorized, errors.New("unauthorized: wrong token"))
			return
		}
		h(w, r)
	}
}

// requirePeer admits only agents: the client certificate must be signed by
// the cluster CA (the TLS layer verified it).
func (s *apiServer) requirePeer(h http.HandlerFunc) http.HandlerFunc {
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

func (s *apiServer) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "ok\n")
}

// readBody reads a size-limited request body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes", maxBody))
		} else {
			writeError(w, http.StatusBadRequest, fmt.Errorf("read request body: %w", err))
		}
		return nil, false
	}
	return b, true
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, code int, err error) {
	writeJSON(w, code, map[string]string{"error": err.Error()})
}
