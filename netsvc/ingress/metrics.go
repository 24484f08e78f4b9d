package ingress

import (
	"fmt"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Proxy's Prometheus metrics. Requests that match no
// rule have empty ingress and service labels.
type metrics struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	retries   *prometheus.CounterVec
	ejections *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	labels := []string{"ingress", "service"}
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_ingress_requests_total",
			Help: "Requests served by the ingress proxy, by Ingress, backend service and status code.",
		}, []string{"ingress", "service", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "shoal_ingress_request_duration_seconds",
			Help: "Time from a request's headers read to the end of its response.",
			// 0.5 ms to about 60 s in steps of 2×.
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 18),
		}, labels),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_ingress_upstream_retries_total",
			Help: "Idempotent requests sent again to another endpoint after a failed connect.",
		}, labels),
		ejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_ingress_endpoint_ejections_total",
			Help: "Endpoints left out of balancing for a while after refusing a connection.",
		}, labels),
	}
	if reg == nil {
		return m, nil
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration, m.retries, m.ejections} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register ingress metrics: %w", err)
		}
	}
	return m, nil
}

// codes caches the label text of common status codes.
var codes = func() [600]string {
	var c [600]string
	for i := 100; i < 600; i++ {
		c[i] = strconv.Itoa(i)
	}
	return c
}()

func codeLabel(status int) string {
	if status >= 100 && status < 600 {
		return codes[status]
	}
	return "other"
}

// observe records a request that matched no backend.
func (m *metrics) observe(ingress, service string, status int, d time.Duration) {
	m.requests.WithLabelValues(ingress, service, codeLabel(status)).Inc()
	m.duration.WithLabelValues(ingress, service).Observe(d.Seconds())
}

// poolMetrics are a backend's metric handles, resolved once per backend
// of a routing table instead of per request.
type poolMetrics struct {
	duration prometheus.Observer
	// codes is a short copy-on-write list of the status codes seen.
	codes atomic.Pointer[[]codeCounter]
}

type codeCounter struct {
	status int
	c      prometheus.Counter
}

// maxCachedCodes bounds a backend's cached status codes; rarer ones are
// looked up per request.
const maxCachedCodes = 16

// observePool records a request routed to backend pool p.
func (m *metrics) observePool(p *pool, status int, d time.Duration) {
	pm := p.metrics.Load()
	if pm == nil {
		p.metrics.CompareAndSwap(nil, &poolMetrics{duration: m.duration.WithLabelValues(p.ingress, p.service)})
		pm = p.metrics.Load()
	}
	pm.counter(m, p, status).Inc()
	pm.duration.Observe(d.Seconds())
}

func (pm *poolMetrics) counter(m *metrics, p *pool, status int) prometheus.Counter {
	old := pm.codes.Load()
	if old != nil {
		for _, cc := range *old {
			if cc.status == status {
				return cc.c
			}
		}
	}
	c := m.requests.WithLabelValues(p.ingress, p.service, codeLabel(status))
	if old == nil || len(*old) < maxCachedCodes {
		var l []codeCounter
		if old != nil {
			l = slices.Clone(*old)
		}
		l = append(l, codeCounter{status, c})
		pm.codes.CompareAndSwap(old, &l) // a lost race just looks it up again next time
	}
	return c
}
