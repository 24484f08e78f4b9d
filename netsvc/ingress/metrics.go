package ingress

import (
	"fmt"
	"strconv"
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

func (m *metrics) observe(ingress, service string, status int, d time.Duration) {
	code := "other"
	if status >= 100 && status < 600 {
		code = codes[status]
	}
	m.requests.WithLabelValues(ingress, service, code).Inc()
	m.duration.WithLabelValues(ingress, service).Observe(d.Seconds())
}
