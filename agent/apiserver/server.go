package apiserver

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
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/shoal-dev/shoal/internal/connlimit"
	"github.com/shoal-dev/shoal/view"
)

// maxBody limits request bodies (manifests, forwarded commands).
const maxBody = 8 << 20

// Config is what the API server needs; every field is required unless it
// says otherwise.
type Config struct {
	// Node is this node's name.
	Node string
	// Addr is the host:port to listen on.
	Addr string
	// TLS is the server's TLS configuration; it verifies client
	// certificates against the cluster CA when they are presented.
	TLS *tls.Config
	// DataDir is the agent's data dir, where container logs live.
	DataDir string
	// Credentials checks users' bearer tokens and joiners' secrets.
	Credentials Credentials
	// Authority signs node certificates and rotates credentials.
	Authority Authority
	// GossipKey goes to joiners.
	GossipKey []byte
	// PeerTransport makes agent-to-agent calls under mutual TLS (requests
	// passed to the node that runs a pod).
	PeerTransport http.RoundTripper
	// Registry is served on /metrics; the request metrics are registered
	// on it.
	Registry *prometheus.Registry
	// Logger is the agent's logger.
	Logger *slog.Logger
	// Limits bound what clients can hold; zero fields take defaults.
	Limits Limits

	View     view.View
	Proposer Proposer
	Cluster  Cluster
	Settings Settings
	Runtime  Runtime
	// Snapshots exports the state (GET /v1/snapshot); nil answers 501.
	Snapshots Snapshotter
}

// Server is the agent's HTTPS API.
type Server struct {
	cfg     Config
	log     *slog.Logger
	srv     *http.Server
	handler http.Handler
	metrics *metrics
	joins   *joinLimiter
	watches *watchLimiter
	// forwards counts open port-forwarded connections.
	forwards *watchLimiter
}

// New builds the server and its routes; it does no I/O. It registers the
// request metrics on cfg.Registry.
func New(cfg Config) (*Server, error) {
	lim, err := cfg.Limits.withDefaults()
	if err != nil {
		return nil, err
	}
	cfg.Limits = lim
	m, err := newMetrics(cfg.Registry)
	if err != nil {
		return nil, err
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger, metrics: m,
		joins:    newJoinLimiter(lim.JoinBurst, lim.JoinEvery),
		watches:  newWatchLimiter(lim.MaxWatches, lim.MaxWatchesPerClient),
		forwards: newStreamLimiter("port-forwards", lim.MaxPortForwards, lim.MaxPortForwardsPerClient),
	}
	s.handler = s.routes()
	s.srv = &http.Server{
		Handler:           s.handler,
		TLSConfig:         cfg.TLS,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       lim.ReadTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    64 << 10,
		// TLS handshake failures (wrong CA, port scans) are routine.
		ErrorLog: slog.NewLogLogger(cfg.Logger.With("component", "api").Handler(), slog.LevelDebug),
	}
	return s, nil
}

// Handler is the server's routes, without TLS: tests serve it with
// httptest.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	user := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.instrument(pattern, s.requireUser(h))) }
	peer := func(pattern string, h http.HandlerFunc) { mux.Handle(pattern, s.instrument(pattern, s.requirePeer(h))) }

	mux.Handle("GET /healthz", s.instrument("GET /healthz", http.HandlerFunc(s.healthz)))
	mux.Handle("GET /metrics", s.requireUser(MetricsHandler(s.cfg.Registry).ServeHTTP))
	mux.Handle("POST /v1/join", s.instrument("POST /v1/join", http.HandlerFunc(s.join)))

	user("GET /v1/status", s.status)
	user("POST /v1/apply", s.apply)
	user("POST /v1/delete", s.deleteManifest)
	user("POST /v1/leave", s.leave)
	user("GET /v1/watch", streaming(s.limitWatches(s.watch)))
	user("POST /v1/nodes/{name}/cordon", s.cordon(true))
	user("POST /v1/nodes/{name}/uncordon", s.cordon(false))
	user("POST /v1/nodes/{name}/taint", s.taint)
	user("POST /v1/pods/{name}/eviction", s.evict)
	user("POST /v1/{resource}/{name}/scale", s.scale)
	user("POST /v1/{resource}/{name}/rollout/restart", s.rolloutRestart)
	user("POST /v1/{resource}/{name}/rollout/undo", s.rolloutUndo)
	user("POST /v1/{resource}/{name}/metadata", s.patchMetadata)
	user("GET /v1/pods/{name}/log", streaming(s.podLog))
	user("POST /v1/pods/{name}/exec", streaming(s.podExec))
	user("POST /v1/pods/{name}/portforward", streaming(s.podPortForward))
	user("POST /v1/images", streaming(s.imageImport))
	user("GET /v1/images", streaming(s.imageList))
	user("GET /v1/{resource}", s.list)
	user("GET /v1/{resource}/{name}", s.get)
	user("PUT /v1/{resource}/{name}", s.put)
	user("DELETE /v1/{resource}/{name}", s.deleteOne)

	user("GET /v1/token", s.onLeader(s.joinToken))
	user("POST /v1/token/rotate", s.onLeader(s.rotateToken))
	user("GET /v1/ca", s.caStatus)
	user("POST /v1/ca/rotate", s.onLeader(s.rotateCA))
	user("GET /v1/snapshot", s.onLeader(s.snapshot))

	peer("POST /internal/v1/join", s.internalJoin)
	peer("POST /internal/v1/renew", s.renew)
	peer("GET /internal/v1/secrets", s.voterSecrets)
	peer("POST /internal/v1/apply", s.internalApply)
	peer("POST /internal/v1/remove", s.internalRemove)

	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, fmt.Errorf("no such endpoint: %s %s", r.Method, r.URL.Path))
	})
	return mux
}

// Run serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	// The handshake finishes under a deadline, and at most MaxConns
	// connections are open, before net/http sees a connection.
	ln, err := connlimit.Listen(s.cfg.Addr, connlimit.Config{
		TLS: s.cfg.TLS, MaxConns: s.cfg.Limits.MaxConns, MaxConnsPerSource: s.cfg.Limits.MaxConnsPerSource,
		HandshakeTimeout: s.cfg.Limits.HandshakeTimeout,
		OnRefuse:         func(r connlimit.Reason) { s.metrics.connsRefused.WithLabelValues(string(r)).Inc() },
	})
	if err != nil {
		return fmt.Errorf("api %w", err)
	}
	// Request contexts end with ctx, so open watch streams end too.
	s.srv.BaseContext = func(net.Listener) context.Context { return ctx }
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(ln) }()
	s.log.Info("api listening", "addr", s.cfg.Addr)
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

// MetricsHandler serves reg in the Prometheus text format.
func MetricsHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "ok\n")
}

// readBody reads a size-limited request body.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	return readBodyLimit(w, r, maxBody)
}

// readBodyLimit reads a request body of at most limit bytes; over it the
// answer is 413.
func readBodyLimit(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, bool) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("request body over %d bytes", limit))
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

// truncate cuts caller-supplied text for error messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
