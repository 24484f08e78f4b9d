package dnssvc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Server serves a dns.Handler on one address over UDP and TCP.
type Server struct {
	udp, tcp *dns.Server
}

// Listen opens UDP and TCP listeners on addr ("IP:PORT"; port 0 picks a
// free one, the same for both when it can).
func Listen(addr string, h dns.Handler) (*Server, error) {
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen dns udp %s: %w", addr, err)
	}
	l, err := net.Listen("tcp", pc.LocalAddr().String())
	if err != nil {
		_ = pc.Close()
		return nil, fmt.Errorf("listen dns tcp %s: %w", addr, err)
	}
	return &Server{
		udp: &dns.Server{PacketConn: pc, Handler: h},
		tcp: &dns.Server{Listener: l, Handler: h, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, IdleTimeout: func() time.Duration { return 10 * time.Second }},
	}, nil
}

// Addr is the UDP address the server answers on (TCP is on the same
// address).
func (s *Server) Addr() string { return s.udp.PacketConn.LocalAddr().String() }

// Run serves until ctx ends, then shuts the listeners down.
func (s *Server) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	servers := []*dns.Server{s.udp, s.tcp}
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
