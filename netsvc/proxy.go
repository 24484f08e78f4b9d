package netsvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/shoal-dev/shoal/view"
)

// Programmer programs a node's data plane: the Table implements it. Sync
// gets the whole model every time and works out what changed; it must not
// modify services (the Proxy keeps and reuses them).
type Programmer interface {
	Sync(ctx context.Context, services []Service) error
}

// ProxyConfig configures a Proxy.
type ProxyConfig struct {
	// Node is this node's name: endpoints on it are Local.
	Node string
	// View is the cluster state to follow.
	View view.View
	// Programmer programs the model (the Table).
	Programmer Programmer
	// Logger gets the proxy's logs; nil discards them.
	Logger *slog.Logger
	// Debounce is how long the proxy waits after the first event of a
	// burst before it rebuilds, so a burst costs one Sync (default 10 ms).
	Debounce time.Duration
	// ResyncInterval is how often the proxy reloads everything from the
	// view and calls Sync even when nothing changed (default 1 min).
	ResyncInterval time.Duration
	// Registerer, if set, gets the proxy's metrics:
	// shoal_service_sync_seconds, shoal_service_endpoint_programmed_seconds
	// and shoal_service_syncs_total{result}.
	Registerer prometheus.Registerer
}

// Defaults for ProxyConfig.
const (
	DefaultProxyDebounce       = 10 * time.Millisecond
	DefaultProxyResyncInterval = time.Minute
	// maxSyncBackoff caps the wait before retrying a failed Sync.
	maxSyncBackoff = 30 * time.Second
	minSyncBackoff = 100 * time.Millisecond
)

// Proxy keeps this node's data plane in step with the cluster: it watches
// services and pods in the view, rebuilds the model of the services an
// event may have changed (debounced), and hands the whole model to the
// Programmer. A watch that ends is re-established (then everything is
// reloaded), a failed Sync is retried with backoff, and a full reload and
// Sync runs every ResyncInterval whatever happens.
type Proxy struct {
	cfg     ProxyConfig
	logger  *slog.Logger
	metrics *proxyMetrics

	mu    sync.Mutex
	stats ProxyStats
}

// ProxyStats describes what the Proxy has done so far.
type ProxyStats struct {
	// Syncs and Failures count the Programmer's successful and failed
	// Syncs.
	Syncs, Failures uint64
	// LastSync is when the last successful Sync returned.
	LastSync time.Time
	// LastLatency is, for the last successful Sync, the time from the
	// first watch event it took into account to its return: how far
	// behind the replica this node's data plane was (zero for a Sync that
	// no event prompted).
	LastLatency time.Duration
	// LastError is the error of the last Sync if it failed, else nil.
	LastError error
	// Services and Endpoints count what the last successful Sync
	// programmed (endpoints summed over ports).
	Services, Endpoints int
}

// NewProxy checks cfg and returns a Proxy; it does no I/O.
func NewProxy(cfg ProxyConfig) (*Proxy, error) {
	var errs []error
	if cfg.Node == "" {
		errs = append(errs, errors.New("node name is empty"))
	}
	if cfg.View == nil {
		errs = append(errs, errors.New("view is nil"))
	}
	if cfg.Programmer == nil {
		errs = append(errs, errors.New("programmer is nil"))
	}
	if cfg.Debounce < 0 {
		errs = append(errs, fmt.Errorf("debounce %s is negative", cfg.Debounce))
	}
	if cfg.ResyncInterval < 0 {
		errs = append(errs, fmt.Errorf("resync interval %s is negative", cfg.ResyncInterval))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("service proxy config: %w", err)
	}
	if cfg.Debounce == 0 {
		cfg.Debounce = DefaultProxyDebounce
	}
	if cfg.ResyncInterval == 0 {
		cfg.ResyncInterval = DefaultProxyResyncInterval
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	m, err := newProxyMetrics(cfg.Registerer)
	if err != nil {
		return nil, err
	}
	return &Proxy{cfg: cfg, logger: logger.With("component", "service-proxy"), metrics: m}, nil
}

// Stats returns what the Proxy has done so far.
func (p *Proxy) Stats() ProxyStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// watchedKinds are the kinds the model is built from.
var watchedKinds = []string{"Service", "Pod"}

// Run keeps the data plane in step until ctx ends; it returns nil then. It
// never gives up on a failing Programmer: it logs and retries.
func (p *Proxy) Run(ctx context.Context) error {
	m := newModel(p.cfg.Node, p.cfg.View)
	// Watch before the first List (the model's reload), so no write falls
	// between the two.
	events := p.cfg.View.Watch(ctx, watchedKinds...)
	timer := time.NewTimer(0) // the first Sync runs at once
	defer timer.Stop()
	armed := true
	resync := time.NewTicker(p.cfg.ResyncInterval)
	defer resync.Stop()

	var (
		backoff    time.Duration
		burstStart time.Time // first event not yet programmed
		force      = true    // Sync even if the model did not change
		started    bool      // a Sync has succeeded
		ready      = map[string]time.Time{}
	)
	arm := func(d time.Duration) {
		if !armed {
			timer.Reset(d)
			armed = true
		}
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-events:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				p.logger.Info("watch ended; watching again and reloading")
				events = p.cfg.View.Watch(ctx, watchedKinds...)
				m.all = true
			} else {
				m.apply(ev)
			}
			if burstStart.IsZero() {
				burstStart = time.Now()
			}
			arm(p.cfg.Debounce)
		case <-resync.C:
			m.all, force = true, true
			arm(0)
		case <-timer.C:
			armed = false
			start := time.Now()
			if m.flush(ready) {
				force = true
			}
			if !force {
				burstStart = time.Time{}
				clear(ready)
				continue
			}
			services := m.list()
			err := p.cfg.Programmer.Sync(ctx, services)
			end := time.Now()
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				backoff = min(max(2*backoff, minSyncBackoff), maxSyncBackoff)
				p.logger.Warn("programming services failed; retrying", "err", err, "retry_in_seconds", backoff.Seconds())
				p.recordFailure(err)
				arm(backoff)
				continue
			}
			backoff, force = 0, false
			var latency time.Duration
			if !burstStart.IsZero() {
				latency = end.Sub(burstStart)
			}
			p.recordSync(services, end, end.Sub(start), latency, started, ready)
			started, burstStart = true, time.Time{}
			clear(ready)
		}
	}
}

func (p *Proxy) recordFailure(err error) {
	p.metrics.syncs.WithLabelValues("error").Inc()
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Failures++
	p.stats.LastError = err
}

// recordSync records a successful Sync that took took (build included) and
// ended latency after the first event it took into account. ready holds
// the pods that became endpoints with it; their Ready-to-programmed time is
// observed unless this is the first Sync (which programs pods that were
// ready long before the proxy started).
func (p *Proxy) recordSync(services []Service, end time.Time, took, latency time.Duration, started bool, ready map[string]time.Time) {
	p.metrics.syncs.WithLabelValues("ok").Inc()
	if latency > 0 {
		p.metrics.syncSeconds.Observe(latency.Seconds())
	}
	if started {
		for _, since := range ready {
			if !since.IsZero() {
				p.metrics.programmedSeconds.Observe(max(end.Sub(since), 0).Seconds())
			}
		}
	}
	eps := 0
	for i := range services {
		for j := range services[i].Ports {
			eps += len(services[i].Ports[j].Endpoints)
		}
	}
	p.logger.Debug("programmed services", "services", len(services), "endpoints", eps,
		"took_seconds", took.Seconds(), "latency_seconds", latency.Seconds())
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stats.Syncs++
	p.stats.LastSync = end
	p.stats.LastLatency = latency
	p.stats.LastError = nil
	p.stats.Services, p.stats.Endpoints = len(services), eps
}
