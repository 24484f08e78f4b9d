package ingress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"time"
)

// transports are the keep-alive pools to backends, one per protocol the
// service port's appProtocol can ask for.
type transports struct {
	h1, h2c, tls *http.Transport
}

// newDialer is the dialer to backends of the transports and the
// synchronous path.
func newDialer(cfg Config) *net.Dialer {
	return &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}
}

func newTransports(cfg Config) *transports {
	d := newDialer(cfg)
	h1 := &http.Transport{
		Proxy:                 nil, // never an environment proxy: backends are pod IPs
		DialContext:           d.DialContext,
		MaxIdleConnsPerHost:   cfg.MaxIdleConnsPerHost,
		IdleConnTimeout:       idleConnTimeout,
		ResponseHeaderTimeout: cfg.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		TLSHandshakeTimeout:   cfg.DialTimeout,
		// The client's Accept-Encoding goes through untouched, and the
		// response body too: no transparent gzip.
		DisableCompression: true,
	}
	h2c := h1.Clone()
	h2c.Protocols = new(http.Protocols)
	h2c.Protocols.SetUnencryptedHTTP2(true)
	tr := h1.Clone()
	// Pods serve self-signed certificates as a rule; like other ingress
	// controllers, the hop inside the cluster is encrypted, not verified.
	tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"http/1.1"}}
	return &transports{h1: h1, h2c: h2c, tls: tr}
}

// pick returns the transport and URL scheme for an appProtocol.
func (t *transports) pick(appProtocol string) (*http.Transport, string) {
	switch appProtocol {
	case "h2c", "kubernetes.io/h2c":
		return t.h2c, "http"
	case "https":
		return t.tls, "https"
	default:
		return t.h1, "http"
	}
}

func (t *transports) closeIdle() {
	t.h1.CloseIdleConnections()
	t.h2c.CloseIdleConnections()
	t.tls.CloseIdleConnections()
}

// upstream is the proxy's http.RoundTripper: it picks an endpoint of the
// request's backend, sends the request there, and on a refused connection
// ejects the endpoint and, when the request is safe to send again, tries
// another one. A retryable request is tried elsewhere as well when the
// connection broke before the response head arrived.
type upstream Proxy

func (u *upstream) RoundTrip(req *http.Request) (*http.Response, error) {
	p := (*Proxy)(u)
	st := req.Context().Value(stateKey{}).(*reqState)
	tr, scheme := p.transports.pick(st.backend.AppProtocol)
	again := retryable(req)
	fast := tr == p.transports.h1 && fastPath(req)
	var tried []*endpoint
	withdrawals := 0 // attempts cut short by a table withdrawing their endpoint
	for attempt := 0; ; attempt++ {
		now := p.now()
		e := st.pool.pick(now.UnixNano(), tried)
		if e == nil {
			return nil, errNoEndpoint
		}
		tried = append(tried, e)
		st.endpoint = e.hostport
		req.URL.Scheme, req.URL.Host = scheme, e.hostport
		e.lastUsed.Store(now.UnixNano())
		e.inflight.Add(1)
		resp, err := u.attempt(req, e, tr, fast, again)
		if err == nil {
			e.succeeded()
			resp.Body = trackBody(resp.Body, e)
			return resp, nil
		}
		e.inflight.Add(-1)
		withdrawn := errors.Is(err, errWithdrawn)
		if !isDialError(err) && !(again && (lostBeforeAnswer(err) || withdrawn)) {
			return nil, err
		}
		// A withdrawn endpoint is not ejected (the table no longer lists
		// it); the request is routed again by the table that withdrew it.
		// Those do not count as the request's retries, up to a bound for
		// tables that flap.
		if withdrawn {
			// Not a failure of e: a table listing it again may send the
			// request back to it.
			tried = p.reroute(st, tried[:len(tried)-1])
			withdrawals++
			attempt--
		} else if e.failed(p.now(), p.cfg.EjectBase, p.cfg.EjectMax) {
			p.metrics.ejections.WithLabelValues(st.pool.ingress, st.pool.service).Inc()
			p.cfg.Logger.Debug("ingress: endpoint ejected", "endpoint", e.hostport, "service", st.pool.service, "err", err)
		}
		if !again || attempt >= p.cfg.Retries || withdrawals > maxWithdrawals || len(tried) >= len(st.pool.eps) || req.Context().Err() != nil {
			return nil, err
		}
		p.metrics.retries.WithLabelValues(st.pool.ingress, st.pool.service).Inc()
	}
}

var errNoEndpoint = errors.New("no endpoint left to try")

// attempt sends req to endpoint e once. A retryable request is sent under
// a context that withdrawing e cancels until its answer begins; it then
// fails with errWithdrawn, to be tried elsewhere.
func (u *upstream) attempt(req *http.Request, e *endpoint, tr http.RoundTripper, fast, retryable bool) (*http.Response, error) {
	p := (*Proxy)(u)
	send := func(r *http.Request) (*http.Response, error) {
		if fast {
			return p.roundTripH1(r, e)
		}
		return tr.RoundTrip(r)
	}
	if !retryable {
		return send(req)
	}
	ctx, cancel := context.WithCancelCause(req.Context())
	if !e.attempts.start(&cancel) {
		cancel(errWithdrawn)
		return nil, errWithdrawn
	}
	resp, err := send(req.WithContext(ctx))
	e.attempts.done(&cancel)
	if err != nil {
		cancel(nil)
		if errors.Is(context.Cause(ctx), errWithdrawn) && req.Context().Err() == nil {
			return nil, fmt.Errorf("backend %s: %w", e.hostport, errWithdrawn)
		}
	}
	// On success the context lives on with the response body; it ends
	// with the request's.
	return resp, err
}

// retryable reports whether req may be sent again after a failed connect:
// an idempotent method (RFC 9110 §9.2.2) and no body, so nothing was
// consumed that could not be replayed.
func retryable(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodPut, http.MethodDelete:
		return req.Body == nil || req.Body == http.NoBody
	}
	return false
}

// isDialError reports whether err is a failure to connect, so that no
// byte of the request reached the endpoint.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// lostBeforeAnswer reports whether err is the connection failing (reset,
// closed, broken pipe) before the whole response head arrived: what a pod
// killed with the request in its accept queue or in progress looks like.
// The request may have reached the pod, so only a retryable one is sent
// again, as nginx's default proxy_next_upstream does; a timeout is not
// retried.
func lostBeforeAnswer(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// trackBody makes closing the response body end the endpoint's request in
// flight; it keeps the body writable for upgraded (101) connections, as
// ReverseProxy requires.
func trackBody(b io.ReadCloser, e *endpoint) io.ReadCloser {
	t := tracked{ReadCloser: b, e: e, done: new(atomic.Bool)}
	if w, ok := b.(io.ReadWriteCloser); ok {
		return trackedRW{tracked: t, w: w}
	}
	return t
}

type tracked struct {
	io.ReadCloser
	e    *endpoint
	done *atomic.Bool
}

func (t tracked) Close() error {
	if t.done.CompareAndSwap(false, true) {
		t.e.inflight.Add(-1)
	}
	return t.ReadCloser.Close()
}

type trackedRW struct {
	tracked
	w io.Writer
}

func (t trackedRW) Write(b []byte) (int, error) { return t.w.Write(b) }
