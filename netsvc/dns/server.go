package dnssvc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"
	"golang.org/x/net/netutil"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sys/unix"
)

// Server serves a dns.Handler on one address over UDP and TCP. UDP is
// read by one socket per CPU, bound with SO_REUSEPORT so the kernel
// spreads clients over them. A *Handler gets its UDP queries in batches
// (recvmmsg/sendmmsg) and answers repeated ones from packed copies; any
// other dns.Handler is served by miekg/dns.
type Server struct {
	h   dns.Handler
	udp []*net.UDPConn
	tcp *dns.Server
}

// Listen opens the listeners on addr ("IP:PORT"; port 0 picks a free
// one, the same for UDP and TCP). TCP is bound first and without
// SO_REUSEPORT, so a second server on the same address fails here
// instead of sharing the port. Serve answers on them; Close releases
// them if they are never served.
func Listen(addr string) (*Server, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen dns tcp %s: %w", addr, err)
	}
	l = netutil.LimitListener(l, maxTCPConns)
	s := &Server{tcp: &dns.Server{Listener: l, ReadTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, IdleTimeout: func() time.Duration { return 10 * time.Second }}}
	lc := net.ListenConfig{Control: reusePort}
	for range max(1, runtime.GOMAXPROCS(0)) {
		pc, err := lc.ListenPacket(context.Background(), "udp", l.Addr().String())
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("listen dns udp %s: %w", l.Addr(), err)
		}
		s.udp = append(s.udp, pc.(*net.UDPConn))
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

// Close closes the listeners.
func (s *Server) Close() {
	_ = s.tcp.Listener.Close()
	for _, u := range s.udp {
		_ = u.Close()
	}
}

// Addr is the address the server answers on, UDP and TCP.
func (s *Server) Addr() string { return s.tcp.Listener.Addr().String() }

// Serve answers queries on the listeners with h until ctx ends, then
// shuts them down. Call it once.
func (s *Server) Serve(ctx context.Context, h dns.Handler) error {
	s.h, s.tcp.Handler = h, h
	g, gctx := errgroup.WithContext(ctx)
	started := make(chan struct{})
	s.tcp.NotifyStartedFunc = func() { close(started) }
	g.Go(func() error {
		if err := s.tcp.ActivateAndServe(); err != nil && !errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("serve dns tcp: %w", err)
		}
		return nil
	})
	for _, c := range s.udp {
		g.Go(func() error { return s.serveUDP(c) })
	}
	<-gctx.Done()
	s.Close()
	select {
	case <-started:
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.tcp.ShutdownContext(sctx); err != nil && !notStarted(err) {
			return errors.Join(g.Wait(), fmt.Errorf("shut down dns server: %w", err))
		}
	default:
	}
	return g.Wait()
}

// notStarted reports miekg/dns's error for shutting down a server that is
// not running (it has no sentinel).
func notStarted(err error) bool { return strings.Contains(err.Error(), "server not started") }

// maxTCPConns bounds the TCP connections served at once; more wait in
// the kernel's backlog.
const maxTCPConns = 256

// udpBatch is how many datagrams one recvmmsg takes at most.
const udpBatch = 32

// maxQuerySize is the largest query read; longer datagrams are cut and
// then fail to unpack (no legitimate query comes near it).
const maxQuerySize = 4096

// serveUDP answers the queries on c until c is closed.
func (s *Server) serveUDP(c *net.UDPConn) error {
	h, ok := s.h.(*Handler)
	if !ok {
		srv := &dns.Server{PacketConn: c, Handler: s.h}
		if err := srv.ActivateAndServe(); err != nil && !errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("serve dns udp: %w", err)
		}
		return nil
	}
	pc := ipv4.NewPacketConn(c)
	in := make([]ipv4.Message, udpBatch)
	for i := range in {
		in[i].Buffers = [][]byte{make([]byte, maxQuerySize)}
	}
	out := make([]ipv4.Message, 0, udpBatch)
	bufs := make([][]byte, udpBatch)
	for i := range bufs {
		bufs[i] = make([]byte, 0, dns.MinMsgSize)
	}
	for {
		n, err := pc.ReadBatch(in, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			h.o.Logger.Debug("read dns udp", "err", err)
			continue
		}
		out = out[:0]
		for i := range in[:n] {
			addr, ok := in[i].Addr.(*net.UDPAddr)
			if !ok {
				continue
			}
			reply := h.serveUDP(in[i].Buffers[0][:in[i].N], clientAddr(addr), bufs[i][:0], func(b []byte) {
				if _, err := c.WriteToUDP(b, addr); err != nil {
					h.o.Logger.Debug("write dns reply", "err", err)
				}
			})
			if reply == nil {
				continue
			}
			if cap(reply) > cap(bufs[i]) {
				bufs[i] = reply[:0] // keep the larger buffer
			}
			out = append(out, ipv4.Message{Buffers: [][]byte{reply}, Addr: addr})
		}
		for len(out) > 0 {
			k, err := pc.WriteBatch(out, 0)
			if err != nil {
				h.o.Logger.Debug("write dns replies", "err", err)
				break
			}
			out = out[k:]
		}
	}
}
