package forward

import (
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// register adds f's metrics to reg:
//
//	shoal_dns_cache_hits_total, shoal_dns_cache_misses_total
//	shoal_dns_cache_entries
//	shoal_dns_upstream_queries_total, shoal_dns_upstream_failures_total
//	shoal_dns_upstream_duration_seconds   one attempt at an upstream
//	shoal_dns_forward_servfails_total     questions no upstream answered
func (f *Forwarder) register(reg prometheus.Registerer) error {
	counter := func(name, help string, v func() uint64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{Name: name, Help: help}, func() float64 { return float64(v()) })
	}
	f.rtt = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "shoal_dns_upstream_duration_seconds", Help: "Time of one attempt at an upstream resolver, failures included.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 3, 12),
	})
	cs := []prometheus.Collector{
		counter("shoal_dns_cache_hits_total", "Forwarded questions answered from the cache.", f.stats.hits.Load),
		counter("shoal_dns_cache_misses_total", "Forwarded questions not in the cache.", f.stats.misses.Load),
		counter("shoal_dns_upstream_queries_total", "Attempts at an upstream resolver.", f.stats.upstreamQueries.Load),
		counter("shoal_dns_upstream_failures_total", "Attempts at an upstream resolver that got no usable answer.", f.stats.upstreamFailures.Load),
		counter("shoal_dns_forward_servfails_total", "Forwarded questions no upstream answered.", f.stats.servfails.Load),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "shoal_dns_cache_entries", Help: "Answers in the forwarding cache."},
			func() float64 { return float64(f.cache.len()) }),
		f.rtt,
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return fmt.Errorf("register dns forwarder metrics: %w", err)
		}
	}
	return nil
}
