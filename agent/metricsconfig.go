package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/shoal-dev/shoal/agent/apiserver"
)

// validateMetrics checks --metrics-addr.
func (c *Config) validateMetrics() []error {
	if c.MetricsAddr == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(c.MetricsAddr)
	p, perr := strconv.Atoi(port)
	if err != nil || net.ParseIP(host) == nil || perr != nil || p < 1 || p > 65535 {
		return []error{fmt.Errorf("--metrics-addr %q: want IP:PORT, like 127.0.0.1:9100 (0.0.0.0 for every address)", c.MetricsAddr)}
	}
	for _, own := range []struct {
		flag string
		port int
	}{{"--gossip-port", c.GossipPort}, {"--raft-port", c.RaftPort}, {"--api-port", c.APIPort}} {
		if p == own.port {
			return []error{fmt.Errorf("--metrics-addr %q: port %d is already %s", c.MetricsAddr, p, own.flag)}
		}
	}
	return nil
}

// metricsPort is --metrics-addr's port, 0 when it is off or invalid.
func (c *Config) metricsPort() int {
	_, port, err := net.SplitHostPort(c.MetricsAddr)
	if err != nil {
		return 0
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return 0
	}
	return p
}

// runMetricsListener serves /metrics, and nothing else, over plain HTTP
// on --metrics-addr until ctx ends.
func (a *Agent) runMetricsListener(ctx context.Context) error {
	if a.cfg.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", a.cfg.MetricsAddr)
	if err != nil {
		return fmt.Errorf("metrics listen %s: %w", a.cfg.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", apiserver.MetricsHandler(a.metrics.registry))
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.logger.Info("metrics listening", "addr", a.cfg.MetricsAddr)
	select {
	case err := <-errc:
		return fmt.Errorf("metrics: %w", err)
	case <-ctx.Done():
	}
	_ = srv.Close()
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("metrics: %w", err)
	}
	return nil
}
