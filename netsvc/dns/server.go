package dnssvc

import (
	"runtime"
	"syscall"

	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/miekg/dns"
)

// Server serves a dns.Handler on one address over UDP and TCP. UDP is
// read by one socket per CPU, bound with SO_REUSEPORT so the kernel
// spreads clients over them.
type Server struct {
	udp []*dns.Server
	tcp *dns.Server
}

// Listen opens the listeners on addr ("IP:PORT"; port 0 picks a free
// one, the same for UDP and TCP). TCP is bound first and without
// SO_REUSEPORT, so a second server on the same address fails here
// instead of sharing the port.
func Listen(addr string, h dns.Handler) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen dns tcp %s: %w", addr, err)
	}
	s := &Server{tcp: &dns.Server{Listener: l, Handler: h, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, IdleTimeout: func() time.Duration { return 10 * time.Second }}}
	lc := net.ListenConfig{Control: reusePort}
	for range max(1, runtime.GOMAXPROCS(0)) {
		pc, err := lc.ListenPacket(context.Background(), "udp", l.Addr().String())
		if err != nil {
			s.close()
			return nil, fmt.Errorf("listen dns udp %s: %w", l.Addr(), err)
		}
		s.udp = append(s.udp, &dns.Server{PacketConn: pc, Handler: h})
	}
	return s, nil
}

// reusePort sets SO_REUSEPORT on a socket before it binds.
func reusePort(_, _ string, c syscall.RawConn) error {
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
	}); err != nil {
		return err
	}
	return serr
}

// close closes listeners that never served.
func (s *Server) close() {
	_ = s.tcp.Listener.Close()
	for _, u := range s.udp {
		_ = u.PacketConn.Close()
	}
}

// Addr is the address the server answers on, UDP and TCP.
func (s *Server) Addr() string { return s.tcp.Listener.Addr().String() }

// Run serves until ctx ends, then shuts the listeners down.
func (s *Server) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	servers := append([]*dns.Server{s.tcp}, s.udp...)
	errs := make([]error, len(servers))
	started := make(chan struct{}, len(servers))
	done := make(chan struct{}, len(servers))
	for i, srv := range servers {
		srv.NotifyStartedFunc = func() { started <- struct{}{} }
		wg.Go(func() {
			errs[i] = srv.ActivateAndServe()
			done <- struct{}{}
		})
	}
	failed := false
	for range servers {
		select {
		case <-started:
		case <-done:
			failed = true
		}
	}
	if !failed {
		select {
		case <-ctx.Done():
		case <-done:
		}
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	for _, srv := range servers {
		if e := srv.ShutdownContext(sctx); e != nil && !notStarted(e) {
			err = errors.Join(err, fmt.Errorf("shut down dns server: %w", e))
		}
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil && !errors.Is(e, net.ErrClosed) {
			err = errors.Join(err, fmt.Errorf("serve dns: %w", e))
		}
	}
	return err
}

// notStarted reports miekg/dns's error for shutting down a server that is
// not running (it has no sentinel).
func notStarted(err error) bool { return strings.Contains(err.Error(), "server not started") }
