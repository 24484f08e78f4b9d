package ingress

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"time"
)

// The synchronous HTTP/1.1 path: a request without a body and without an
// upgrade, to a plain-HTTP backend, is written and its response read on
// the handler's own goroutine over a pooled keep-alive connection. That
// spares http.Transport's reader and writer goroutines and their hand-offs
// (a third of the proxy's CPU under load). Everything else (bodies,
// upgrades, h2c, https) goes through http.Transport.

// fastPath reports whether req can take the synchronous path.
func fastPath(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodDelete:
	default:
		return false
	}
	return (req.Body == nil || req.Body == http.NoBody) && req.ContentLength == 0 &&
		len(req.TransferEncoding) == 0 && req.Header["Upgrade"] == nil && req.URL.Opaque == ""
}

// errStale marks a failure on a reused keep-alive connection before any
// byte of the response arrived: the backend most likely closed it while
// idle, and the request is sent again on a new connection.
var errStale = errors.New("keep-alive connection closed by the backend")

// roundTripH1 sends req to endpoint e on an idle pooled connection, or a
// new one. A dial error comes back as it is (a *net.OpError "dial"), so
// the caller's ejection and retry see it.
func (p *Proxy) roundTripH1(req *http.Request, e *endpoint) (*http.Response, error) {
	c := e.idle.get()
	for {
		if c == nil {
			nc, err := p.dialer.DialContext(req.Context(), "tcp", e.hostport)
			if err != nil {
				return nil, err
			}
			c = newBconn(nc)
		}
		resp, err := p.exchange(c, req, e)
		if err == nil {
			return resp, nil
		}
		_ = c.Close() // failed mid-exchange: the connection's state is unknown
		if !errors.Is(err, errStale) || req.Context().Err() != nil {
			return nil, err
		}
		c = nil
	}
}

// exchange writes req on c and reads the response headers. The response
// body reads straight from the connection, which goes back to the pool
// once the body is read to its end.
func (p *Proxy) exchange(c *bconn, req *http.Request, e *endpoint) (*http.Response, error) {
	ctx := req.Context()
	// A client that leaves closes the backend connection, which ends any
	// read or write in progress; no goroutine waits for it.
	stop := context.AfterFunc(ctx, func() { _ = c.Close() })
	fail := func(err error) (*http.Response, error) {
		stop()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("backend %s: %w", c.RemoteAddr(), ctx.Err())
		}
		if c.reused && !isTimeout(err) {
			return nil, fmt.Errorf("backend %s: %w: %w", c.RemoteAddr(), errStale, err)
		}
		return nil, fmt.Errorf("backend %s: %w", c.RemoteAddr(), err)
	}
	if err := writeRequest(c.bw, req); err != nil {
		return fail(err)
	}
	if err := c.SetReadDeadline(time.Now().Add(p.cfg.ResponseHeaderTimeout)); err != nil {
		return fail(err)
	}
	if _, err := c.br.Peek(1); err != nil {
		return fail(err)
	}
	reused := c.reused
	c.reused = false // a response has begun: never sent again from here
	var resp *http.Response
	for n := 0; ; n++ {
		var err error
		resp, err = http.ReadResponse(c.br, req)
		if err != nil {
			return fail(err)
		}
		code := resp.StatusCode
		if code >= 200 || code == http.StatusSwitchingProtocols {
			break
		}
		if n >= 20 {
			return fail(errors.New("too many 1xx informational responses"))
		}
		if tr := httptrace.ContextClientTrace(ctx); tr != nil && tr.Got1xxResponse != nil {
			if err := tr.Got1xxResponse(code, textproto.MIMEHeader(resp.Header)); err != nil {
				return fail(err)
			}
		}
	}
	if reused && resp.StatusCode == http.StatusRequestTimeout {
		// Some servers say 408 on an idle connection before closing it;
		// the answer was not to this request.
		c.reused = true
		return fail(errors.New("408 on a reused connection"))
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return fail(errors.New("101 switching protocols in answer to a request without Upgrade"))
	}
	if err := c.SetReadDeadline(time.Time{}); err != nil {
		return fail(err)
	}
	b := &h1body{p: p, e: e, c: c, rc: resp.Body, stop: stop, keep: !resp.Close && !req.Close}
	if resp.Body == http.NoBody {
		b.release(b.keep)
		return resp, nil
	}
	resp.Body = b
	return resp, nil
}

// h1body is a response body read from a pooled connection: read to its
// end, it gives the connection back; closed early or failed, it closes
// the connection (the rest of the body would still be on it).
type h1body struct {
	p    *Proxy
	e    *endpoint
	c    *bconn // nil once released
	rc   io.ReadCloser
	stop func() bool
	keep bool
}

func (b *h1body) Read(buf []byte) (int, error) {
	if b.c == nil {
		return 0, io.EOF
	}
	n, err := b.rc.Read(buf)
	switch {
	case err == io.EOF:
		b.release(b.keep && b.c.br.Buffered() == 0)
	case err != nil:
		b.release(false)
	}
	return n, err
}

func (b *h1body) Close() error {
	if b.c != nil {
		b.release(false)
	}
	return nil
}

// release gives the connection back to the endpoint's pool when keep and
// the client did not leave meanwhile, else closes it.
func (b *h1body) release(keep bool) {
	c := b.c
	b.c = nil
	// stop fails once the client's context has ended: the connection is
	// being closed by then.
	if b.stop() && keep {
		b.e.idle.put(c, b.p.cfg.MaxIdleConnsPerHost, idleConnTimeout, time.Now())
		return
	}
	_ = c.Close() // not reusable; nothing more to read from it
}

// idleConnTimeout closes a backend connection idle that long.
const idleConnTimeout = 90 * time.Second

// writeRequest writes req's request line and headers (it has no body)
// and flushes them.
func writeRequest(w *bufio.Writer, req *http.Request) error {
	host := req.Host
	if host == "" {
		host = req.URL.Host
	}
	_, _ = w.WriteString(req.Method)
	_ = w.WriteByte(' ')
	if path := req.URL.EscapedPath(); path == "" {
		_ = w.WriteByte('/')
	} else {
		_, _ = w.WriteString(path)
	}
	if req.URL.ForceQuery || req.URL.RawQuery != "" {
		_ = w.WriteByte('?')
		_, _ = w.WriteString(req.URL.RawQuery)
	}
	_, _ = w.WriteString(" HTTP/1.1\r\nHost: ")
	writeValue(w, host)
	_, _ = w.WriteString("\r\n")
	for k, vs := range req.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Trailer", "Connection":
			continue
		}
		for _, v := range vs {
			if v == "" && k == "User-Agent" {
				continue // ReverseProxy's way of saying: no User-Agent
			}
			_, _ = w.WriteString(k)
			_, _ = w.WriteString(": ")
			writeValue(w, strings.TrimSpace(v))
			_, _ = w.WriteString("\r\n")
		}
	}
	if req.Close {
		_, _ = w.WriteString("Connection: close\r\n")
	}
	_, _ = w.WriteString("\r\n")
	return w.Flush() // the only error a bufio.Writer keeps is the first write's
}

// writeValue writes a header value with any CR or LF turned into a space,
// as http.Header.Write does, so that no value can split the headers.
func writeValue(w *bufio.Writer, v string) {
	if !strings.ContainsAny(v, "\r\n") {
		_, _ = w.WriteString(v)
		return
	}
	for i := 0; i < len(v); i++ {
		ch := v[i]
		if ch == '\r' || ch == '\n' {
			ch = ' '
		}
		_ = w.WriteByte(ch)
	}
}
