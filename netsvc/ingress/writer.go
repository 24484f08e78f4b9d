package ingress

import (
	"bufio"
	"net"
	"net/http"
	"sync"
)

// respWriter records the status and size of a response for metrics and
// the access log. It unwraps for http.ResponseController, so flushing
// works through it, and tracks hijacked (upgraded) connections so that
// shutdown can close them once the ordinary requests have drained.
type respWriter struct {
	http.ResponseWriter
	req    *http.Request
	status int
	bytes  int64
}

func (w *respWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *respWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the server's writer.
func (w *respWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// FlushError flushes buffered data to the client.
func (w *respWriter) FlushError() error {
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack takes over the connection for an upgraded protocol.
func (w *respWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return nil, nil, err
	}
	w.status = http.StatusSwitchingProtocols
	if set, ok := w.req.Context().Value(hijackedKey{}).(*connSet); ok {
		return set.add(c), brw, nil
	}
	return c, brw, nil
}

type hijackedKey struct{}

// connSet is a listener's hijacked connections still open.
type connSet struct {
	mu sync.Mutex
	m  map[*trackedConn]struct{}
}

type trackedConn struct {
	net.Conn
	set  *connSet
	once sync.Once
}

func (c *trackedConn) Close() error {
	c.once.Do(func() {
		c.set.mu.Lock()
		delete(c.set.m, c)
		c.set.mu.Unlock()
	})
	return c.Conn.Close()
}

func (s *connSet) add(c net.Conn) net.Conn {
	t := &trackedConn{Conn: c, set: s}
	s.mu.Lock()
	if s.m == nil {
		s.m = map[*trackedConn]struct{}{}
	}
	s.m[t] = struct{}{}
	s.mu.Unlock()
	return t
}

// closeAll closes every connection still open and reports how many.
func (s *connSet) closeAll() int {
	s.mu.Lock()
	cs := make([]*trackedConn, 0, len(s.m))
	for c := range s.m {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	for _, c := range cs {
		_ = c.Close() // already closing down; the error says nothing new
	}
	return len(cs)
}
