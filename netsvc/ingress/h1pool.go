package ingress

import (
	"bufio"
	"net"
	"sync"
	"time"
)

// bconn is one keep-alive connection to a plain-HTTP/1.1 backend
// endpoint, with its own buffers, used by one request at a time.
type bconn struct {
	net.Conn
	br        *bufio.Reader
	bw        *bufio.Writer
	idleSince time.Time // when it went back into the idle pool
	reused    bool      // served a request before: may be stale
}

func newBconn(c net.Conn) *bconn {
	return &bconn{Conn: c, br: bufio.NewReaderSize(c, 4<<10), bw: bufio.NewWriterSize(c, 4<<10)}
}

// idlePool is one endpoint's idle keep-alive connections, newest last (a
// stack, so that the least used ones age out). One timer per endpoint,
// armed while the pool is not empty, closes connections idle for longer
// than the timeout.
type idlePool struct {
	mu     sync.Mutex
	conns  []*bconn
	timer  *time.Timer
	armed  bool
	closed bool // the endpoint is gone: connections given back are closed
}

// get takes the newest idle connection, or nil.
func (p *idlePool) get() *bconn {
	p.mu.Lock()
	n := len(p.conns)
	if n == 0 {
		p.mu.Unlock()
		return nil
	}
	c := p.conns[n-1]
	p.conns[n-1] = nil
	p.conns = p.conns[:n-1]
	p.mu.Unlock()
	return c
}

// put gives back a connection whose last response was read to the end;
// it is closed instead when the pool is full or closed.
func (p *idlePool) put(c *bconn, max int, timeout time.Duration, now time.Time) {
	p.mu.Lock()
	if p.closed || len(p.conns) >= max {
		p.mu.Unlock()
		_ = c.Close() // nothing waits for this connection
		return
	}
	c.idleSince, c.reused = now, true
	p.conns = append(p.conns, c)
	if !p.armed {
		p.armed = true
		if p.timer == nil {
			p.timer = time.AfterFunc(timeout, func() { p.expire(timeout) })
		} else {
			p.timer.Reset(timeout)
		}
	}
	p.mu.Unlock()
}

// expire closes the connections idle for timeout or longer and re-arms
// the timer for the oldest one left.
func (p *idlePool) expire(timeout time.Duration) {
	now := time.Now()
	p.mu.Lock()
	i := 0
	for i < len(p.conns) && now.Sub(p.conns[i].idleSince) >= timeout {
		i++
	}
	old := make([]*bconn, i)
	copy(old, p.conns[:i])
	n := copy(p.conns, p.conns[i:])
	clear(p.conns[n:])
	p.conns = p.conns[:n]
	if n > 0 {
		p.timer.Reset(timeout - now.Sub(p.conns[0].idleSince))
	} else {
		p.armed = false
	}
	p.mu.Unlock()
	for _, c := range old {
		_ = c.Close() // idle too long; nobody is reading it
	}
}

// closeIdle closes every idle connection; with gone, connections given
// back later are closed too.
func (p *idlePool) closeIdle(gone bool) {
	p.mu.Lock()
	old := p.conns
	p.conns = nil
	if gone {
		p.closed = true
	}
	p.mu.Unlock()
	for _, c := range old {
		_ = c.Close() // dropping the pool; nobody is reading it
	}
}
