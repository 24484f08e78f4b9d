package connlimit

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for Config fields left zero.
const (
	// DefaultHandshakeTimeout bounds a TLS handshake.
	DefaultHandshakeTimeout = 10 * time.Second
)

// Config says how a Listener guards its connections.
type Config struct {
	// TLS is the server configuration every handshake uses; required.
	TLS *tls.Config
	// MaxConns caps the connections open at once, handshaking or
	// established; required, at least 1.
	MaxConns int
	// MaxConnsPerSource caps the connections one source holds at once,
	// handshaking or established, so one address cannot take every slot;
	// a connection beyond it is closed as soon as it is accepted. A source
	// is one IPv4 address or one IPv6 /64 (what one host usually gets).
	// Zero means MaxConns (no cap of its own).
	MaxConnsPerSource int
	// HandshakeTimeout bounds each TLS handshake; DefaultHandshakeTimeout
	// when zero.
	HandshakeTimeout time.Duration
	// OnRefuse, when set, is called once per refused connection with
	// the reason; metrics count them here.
	OnRefuse func(Reason)
}

// Reason says why a Listener closed a connection before its server saw
// it.
type Reason string

// Reasons passed to Config.OnRefuse.
const (
	// RefusedHandshake: the TLS handshake failed or missed its deadline.
	RefusedHandshake Reason = "handshake"
	// RefusedSource: the connection's source already held
	// MaxConnsPerSource connections.
	RefusedSource Reason = "source"
)

// Listener accepts TCP connections from an inner listener, at most
// MaxConns at a time, and hands out only those whose TLS handshake
// finished within HandshakeTimeout. Accept returns *tls.Conn values, so
// net/http still fills in Request.TLS.
type Listener struct {
	inner   net.Listener
	cfg     Config
	slots   chan struct{}
	ready   chan *tls.Conn
	done    chan struct{}
	start   sync.Once
	close   sync.Once
	errMu   sync.Mutex
	err     error
	refused atomic.Int64
	sources sourceCounts
	// bySource counts connections closed for their source's cap.
	bySource atomic.Int64
}

var _ net.Listener = (*Listener)(nil)

// New wraps inner; it starts nothing until the first Accept.
func New(inner net.Listener, cfg Config) (*Listener, error) {
	if inner == nil {
		return nil, errors.New("connlimit: no inner listener")
	}
	if cfg.TLS == nil {
		return nil, errors.New("connlimit: no TLS configuration")
	}
	if cfg.MaxConns < 1 {
		return nil, fmt.Errorf("connlimit: max connections %d: want at least 1", cfg.MaxConns)
	}
	if cfg.MaxConnsPerSource < 0 {
		return nil, fmt.Errorf("connlimit: max connections per source %d: want a positive number", cfg.MaxConnsPerSource)
	}
	if cfg.MaxConnsPerSource == 0 || cfg.MaxConnsPerSource > cfg.MaxConns {
		cfg.MaxConnsPerSource = cfg.MaxConns
	}
	if cfg.HandshakeTimeout < 0 {
		return nil, fmt.Errorf("connlimit: handshake timeout %s: want a positive duration", cfg.HandshakeTimeout)
	}
	if cfg.HandshakeTimeout == 0 {
		cfg.HandshakeTimeout = DefaultHandshakeTimeout
	}
	return &Listener{
		inner:   inner,
		cfg:     cfg,
		slots:   make(chan struct{}, cfg.MaxConns),
		ready:   make(chan *tls.Conn),
		done:    make(chan struct{}),
		sources: sourceCounts{max: cfg.MaxConnsPerSource, n: map[netip.Addr]int{}},
	}, nil
}

// Listen listens on TCP addr and wraps the listener.
func Listen(addr string, cfg Config) (*Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	l, err := New(ln, cfg)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	return l, nil
}

// Accept returns the next connection whose handshake succeeded.
func (l *Listener) Accept() (net.Conn, error) {
	l.start.Do(func() { go l.acceptLoop() })
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		return nil, l.closedErr()
	}
}

// Close stops accepting; connections already handed out stay open.
func (l *Listener) Close() error {
	var err error
	l.close.Do(func() {
		l.fail(net.ErrClosed)
		err = l.inner.Close()
	})
	return err
}

// Addr is the inner listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

// Refused counts connections closed because their handshake failed or
// took longer than the deadline.
func (l *Listener) Refused() int64 { return l.refused.Load() }

// RefusedBySource counts connections closed at once because their source
// already held MaxConnsPerSource connections.
func (l *Listener) RefusedBySource() int64 { return l.bySource.Load() }

func (l *Listener) refuse(r Reason) {
	if r == RefusedSource {
		l.bySource.Add(1)
	} else {
		l.refused.Add(1)
	}
	if l.cfg.OnRefuse != nil {
		l.cfg.OnRefuse(r)
	}
}

func (l *Listener) fail(err error) {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	if l.err == nil {
		l.err = err
		close(l.done)
	}
}

func (l *Listener) closedErr() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.err
}

// acceptLoop takes a slot before each inner Accept, so beyond the cap
// connections stay in the kernel's backlog and cost the process nothing.
func (l *Listener) acceptLoop() {
	backoff := 5 * time.Millisecond
	for {
		select {
		case l.slots <- struct{}{}:
		case <-l.done:
			return
		}
		c, err := l.inner.Accept()
		if err != nil {
			<-l.slots
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// EMFILE and friends: wait, as net/http does.
				time.Sleep(backoff)
				backoff = min(2*backoff, time.Second)
				continue
			}
			l.fail(err)
			return
		}
		backoff = 5 * time.Millisecond
		src := sourceOf(c.RemoteAddr())
		if !l.sources.take(src) {
			// Closed before any TLS work, with a reset rather than a
			// FIN, so the refused connection costs neither side a
			// lingering socket.
			if tc, ok := c.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = c.Close()
			<-l.slots
			l.refuse(RefusedSource)
			continue
		}
		go l.handshake(&slotConn{Conn: c, release: func() {
			l.sources.release(src)
			<-l.slots
		}})
	}
}

// handshake runs the TLS handshake under the deadline and hands the
// connection to Accept, or closes it (freeing its slot).
func (l *Listener) handshake(raw *slotConn) {
	tc := tls.Server(raw, l.cfg.TLS)
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.HandshakeTimeout)
	err := tc.HandshakeContext(ctx)
	cancel()
	if err != nil {
		l.refuse(RefusedHandshake)
		_ = tc.Close()
		return
	}
	select {
	case l.ready <- tc:
	case <-l.done:
		_ = tc.Close()
	}
}

// slotConn gives its listener slot back once, when closed.
type slotConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *slotConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
