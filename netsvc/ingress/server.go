package ingress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
)

// Listen binds a TCP address for an ingress listener ("" is an error: the
// caller skips a listener that is turned off). The agent calls it at
// startup so that a port it cannot bind is a startup error.
func Listen(addr string) (net.Listener, error) {
	if addr == "" {
		return nil, errors.New("ingress listen: empty address")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("ingress listen on %s: %w", addr, err)
	}
	return ln, nil
}

// Serve serves plain HTTP (HTTP/1.1, and HTTP/2 with prior knowledge for
// gRPC clients) on ln until ctx is done, then shuts down gracefully: it
// stops accepting, lets in-flight requests finish for up to
// ShutdownTimeout, then closes upgraded connections (WebSockets). It
// closes ln and returns nil after a shutdown, or the error that stopped
// serving.
func (p *Proxy) Serve(ctx context.Context, ln net.Listener) error {
	return p.run(ctx, ln, false)
}

// ServeTLS is Serve for TLS: certificates by SNI from the Ingresses'
// spec.tls Secrets (the default self-signed one for any other host), with
// HTTP/2 and HTTP/1.1 offered by ALPN.
func (p *Proxy) ServeTLS(ctx context.Context, ln net.Listener) error {
	return p.run(ctx, ln, true)
}

// TLSConfig is the listeners' TLS configuration: certificates by SNI.
func (p *Proxy) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion:     tls.VersionTLS12,
		GetCertificate: p.certs.get,
		NextProtos:     []string{"h2", "http/1.1"},
	}
}

func (p *Proxy) run(ctx context.Context, ln net.Listener, useTLS bool) error {
	hijacked := &connSet{}
	srv := &http.Server{
		Handler:           p,
		ReadHeaderTimeout: p.cfg.ReadHeaderTimeout,
		IdleTimeout:       p.cfg.IdleTimeout,
		// No ReadTimeout or WriteTimeout: they would cut uploads, streams
		// and long polls; a stalled peer is bounded by TCP keep-alive.
		ErrorLog: slog.NewLogLogger(p.cfg.Logger.Handler(), slog.LevelDebug),
		BaseContext: func(net.Listener) context.Context {
			return context.WithValue(context.Background(), hijackedKey{}, hijacked)
		},
		Protocols: new(http.Protocols),
	}
	srv.Protocols.SetHTTP1(true)
	if useTLS {
		srv.Protocols.SetHTTP2(true)
		srv.TLSConfig = p.TLSConfig()
	} else {
		srv.Protocols.SetUnencryptedHTTP2(true)
	}
	addr := ln.Addr().String()
	errc := make(chan error, 1)
	go func() {
		if useTLS {
			errc <- srv.ServeTLS(ln, "", "")
		} else {
			errc <- srv.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("ingress serve %s: %w", addr, err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), p.cfg.ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		p.cfg.Logger.Warn("ingress: in-flight requests cut at shutdown", "addr", addr, "timeout", p.cfg.ShutdownTimeout.Seconds(), "err", err)
		_ = srv.Close() // the deadline passed; cut what is left (its error repeats Shutdown's)
	}
	if n := hijacked.closeAll(); n > 0 {
		p.cfg.Logger.Debug("ingress: upgraded connections closed at shutdown", "addr", addr, "count", n)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("ingress serve %s: %w", addr, err)
	}
	return nil
}
