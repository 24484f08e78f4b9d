package netsvc

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// proxyMetrics are the Proxy's Prometheus metrics.
type proxyMetrics struct {
	syncSeconds       prometheus.Histogram
	programmedSeconds prometheus.Histogram
	syncs             *prometheus.CounterVec
}

// newProxyMetrics makes the metrics and registers them on reg, if any.
func newProxyMetrics(reg prometheus.Registerer) (*proxyMetrics, error) {
	// 1 ms to 17 s in steps of 1.5×, fine enough for p50/p99 estimates.
	buckets := prometheus.ExponentialBuckets(0.001, 1.5, 25)
	m := &proxyMetrics{
		syncSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "shoal_service_sync_seconds",
			Help:    "Time from the first service or pod change a Sync took into account reaching this node's replica to the end of that Sync (debounce, rebuild and programming).",
			Buckets: buckets,
		}),
		programmedSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "shoal_service_endpoint_programmed_seconds",
			Help:    "Time from a pod's Ready condition turning True (its node's clock) to the end of the Sync that first sent service traffic to it on this node.",
			Buckets: buckets,
		}),
		syncs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_service_syncs_total",
			Help: "Data plane Syncs by result (ok, error).",
		}, []string{"result"}),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.syncSeconds, m.programmedSeconds, m.syncs} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register service proxy metrics: %w", err)
		}
	}
	return m, nil
}
