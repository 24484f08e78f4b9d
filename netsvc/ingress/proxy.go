package ingress

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-dev/shoal/netsvc/ingress/route"
)

// Proxy is the ingress http.Handler: it routes each request by host and
// path through the current Routes to a pod endpoint of the matched
// service. It is safe for concurrent use; its listeners are run by Serve
// and ServeTLS.
type Proxy struct {
	cfg        Config
	routes     atomic.Pointer[routesBox]
	bal        *balancer
	transports *transports
	dialer     *net.Dialer // for the synchronous HTTP/1.1 path
	rp         *httputil.ReverseProxy
	metrics    *metrics
	certs      *certs
	now        func() time.Time
}

// routesBox holds a Routes interface value for atomic swapping.
type routesBox struct{ r Routes }

var _ http.Handler = (*Proxy)(nil)

// New makes a Proxy; it serves 503 until the first SetRoutes.
func New(cfg Config) (*Proxy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("ingress config: %w", err)
	}
	cfg = cfg.withDefaults()
	m, err := newMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	p := &Proxy{cfg: cfg, bal: newBalancer(), transports: newTransports(cfg), dialer: newDialer(cfg), metrics: m, now: time.Now}
	c, err := newCerts(cfg.Secrets, p.currentRoutes, cfg.Logger)
	if err != nil {
		return nil, err
	}
	p.certs = c
	p.rp = &httputil.ReverseProxy{
		Rewrite:      p.rewrite,
		Transport:    (*upstream)(p),
		BufferPool:   bufferPool{},
		ErrorHandler: p.upstreamError,
		ModifyResponse: func(resp *http.Response) error {
			// An HTTP/2 backend may send a length and trailers (gRPC);
			// an HTTP/1.1 client only gets trailers on a chunked body.
			if len(resp.Trailer) > 0 {
				resp.Header.Del("Content-Length")
				resp.ContentLength = -1
			}
			return nil
		},
		ErrorLog: slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelDebug),
	}
	return p, nil
}

// SetRoutes swaps in a new routing table atomically: requests already
// matched finish on their backend, new ones use r. Endpoint state (load,
// ejections) carries over by address. A nil r serves 503 again; r must
// not be a nil pointer.
func (p *Proxy) SetRoutes(r Routes) {
	listed := listedEndpoints(r)
	if listed != nil {
		p.bal.markListed(listed)
	}
	p.routes.Store(&routesBox{r: r})
	p.bal.swapped(p.now(), 10*time.Minute)
	if listed != nil {
		p.bal.withdrawMissing(listed, func(addr string, n int) {
			p.cfg.Logger.Debug("ingress: requests to a withdrawn endpoint cancelled, to be tried elsewhere", "endpoint", addr, "requests", n)
		})
	}
}

func (p *Proxy) currentRoutes() Routes {
	if b := p.routes.Load(); b != nil {
		return b.r
	}
	return nil
}

// Close drops the idle keep-alive connections to backends.
func (p *Proxy) Close() {
	p.transports.closeIdle()
	p.bal.closeIdle()
}

// reqState is what ServeHTTP tells the upstream round tripper about a
// request, and what the round tripper tells the access log back.
type reqState struct {
	// host and path are what the request was routed by, to route it
	// again when its endpoint is withdrawn (withdraw.go).
	host, path string
	backend    *route.Backend
	pool       *pool
	endpoint   string
	client     string // the client's address (behind trusted proxies too)
}

type stateKey struct{}

// ServeHTTP routes and forwards one request.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rw := &respWriter{ResponseWriter: w, req: r}
	st := p.serve(rw, w, r)
	p.finish(rw, r, st, time.Since(start))
	if rw.status == 499 {
		// The client left (or half-closed) before the backend answered:
		// close without an answer rather than let net/http send an empty
		// 200 in our name.
		panic(http.ErrAbortHandler)
	}
}

func (p *Proxy) serve(rw *respWriter, w http.ResponseWriter, r *http.Request) *reqState {
	routes := p.currentRoutes()
	if routes == nil {
		http.Error(rw, "503 service unavailable: ingress routes not loaded yet", http.StatusServiceUnavailable)
		return nil
	}
	be, ok := routes.Match(r.Host, r.URL.EscapedPath())
	if !ok {
		http.Error(rw, "404 page not found: no ingress rule matches this host and path", http.StatusNotFound)
		return nil
	}
	st := &reqState{host: r.Host, path: r.URL.EscapedPath(), backend: be, pool: p.bal.poolOf(be, p.now().UnixNano())}
	if be.SSLRedirect && !p.secure(r) {
		http.Redirect(rw, r, "https://"+hostOnly(r.Host)+requestURI(r), http.StatusPermanentRedirect)
		return st
	}
	if len(be.Endpoints) == 0 {
		http.Error(rw, "503 service unavailable: the service has no ready endpoints", http.StatusServiceUnavailable)
		return st
	}
	if lim := p.cfg.MaxBodyBytes; lim >= 0 {
		if r.ContentLength > lim {
			http.Error(rw, "413 request entity too large", http.StatusRequestEntityTooLarge)
			return st
		}
		// The server's own writer, so the connection is closed after.
		r.Body = http.MaxBytesReader(w, r.Body, lim)
	}
	p.rp.ServeHTTP(rw, r.WithContext(context.WithValue(r.Context(), stateKey{}, st)))
	return st
}

// secure reports whether the client reached us over TLS: on our TLS
// listener, or on the plain one through a trusted proxy that says so
// (else a load balancer terminating TLS would loop on the redirect).
func (p *Proxy) secure(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	return p.trusted(peerAddr(r.RemoteAddr)) && strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// hostOnly strips the port from a Host header.
func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		if strings.Contains(h, ":") {
			return "[" + h + "]"
		}
		return h
	}
	return host
}

// requestURI is the path and query as the client sent them.
func requestURI(r *http.Request) string {
	if strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	return r.URL.RequestURI()
}

// rewrite turns the client's request into the backend's: the path goes
// through as received (the round tripper fills in the endpoint), with the
// forwarding headers set.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	pr.Out.URL.Scheme = "http"
	pr.Out.URL.Host = "backend.invalid"
	client := p.forwardHeaders(pr.In, pr.Out.Header)
	if st, ok := pr.In.Context().Value(stateKey{}).(*reqState); ok {
		st.client = client
	}
}

// upstreamError answers a request the backend could not serve.
func (p *Proxy) upstreamError(w http.ResponseWriter, r *http.Request, err error) {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		http.Error(w, "413 request entity too large", http.StatusRequestEntityTooLarge)
	case r.Context().Err() != nil:
		// The client went away; nothing to answer, 499 as nginx logs it.
		if rw, ok := w.(*respWriter); ok {
			rw.status = 499
		}
	case isTimeout(err):
		http.Error(w, "504 gateway timeout", http.StatusGatewayTimeout)
	default:
		http.Error(w, "502 bad gateway", http.StatusBadGateway)
	}
	p.cfg.Logger.Debug("ingress: upstream error", "host", r.Host, "path", r.URL.Path, "err", err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// finish records metrics and the access log line of one request.
func (p *Proxy) finish(rw *respWriter, r *http.Request, st *reqState, d time.Duration) {
	status := rw.status
	if status == 0 {
		status = http.StatusOK
	}
	ing, svc, ep, client := "", "", "", ""
	if st != nil {
		ing, svc, ep, client = st.pool.ingress, st.pool.service, st.endpoint, st.client
	}
	if client == "" {
		client = peerAddr(r.RemoteAddr).String()
	}
	if st != nil {
		p.metrics.observePool(st.pool, status, d)
	} else {
		p.metrics.observe(ing, svc, status, d)
	}
	if p.cfg.AccessLog != nil {
		p.cfg.AccessLog.LogAttrs(r.Context(), slog.LevelInfo, "request",
			slog.String("method", r.Method),
			slog.String("host", r.Host),
			slog.String("path", r.URL.EscapedPath()),
			slog.Int("status", status),
			slog.Int64("bytes", rw.bytes),
			slog.Float64("duration", d.Seconds()),
			slog.String("client", client),
			slog.String("ingress", ing),
			slog.String("service", svc),
			slog.String("endpoint", ep),
		)
	}
}

// bufferPool recycles ReverseProxy's copy buffers.
type bufferPool struct{}

var buffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

func (bufferPool) Get() []byte  { return *buffers.Get().(*[]byte) }
func (bufferPool) Put(b []byte) { buffers.Put(&b) }
