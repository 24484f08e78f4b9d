package agent

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the agent's Prometheus metrics, served on /metrics.
type metrics struct {
	registry     *prometheus.Registry
	requests     *prometheus.CounterVec
	requestTime  *prometheus.HistogramVec
	applies      *prometheus.CounterVec
	applySeconds prometheus.Histogram
}

func newMetrics(a *Agent) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_api_requests_total", Help: "API requests by route and status code.",
		}, []string{"route", "code"}),
		requestTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "shoal_api_request_duration_seconds", Help: "API request latency by route.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10),
		}, []string{"route"}),
		applies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_raft_applies_total", Help: "Commands this node applied as leader, by result.",
		}, []string{"result"}),
		applySeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "shoal_raft_apply_duration_seconds", Help: "Time from proposing a command to its commit, on the leader.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.requestTime, m.applies, m.applySeconds,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "shoal_store_objects", Help: "Objects in the local replica of the state store.",
		}, func() float64 { return float64(a.store.Len()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "shoal_store_index", Help: "Raft index last applied to the local replica.",
		}, func() float64 { return float64(a.store.Index()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "shoal_raft_leader", Help: "1 if this node is the Raft leader.",
		}, func() float64 {
			if a.raft != nil && a.raft.IsLeader() {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "shoal_gossip_members_alive", Help: "Alive gossip members seen by this node.",
		}, func() float64 {
			if a.gossip == nil {
				return 0
			}
			return float64(a.gossip.NumAlive())
		}),
	)
	return m
}

func (m *metrics) observeApply(d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.applies.WithLabelValues(result).Inc()
	m.applySeconds.Observe(d.Seconds())
}

// statusRecorder remembers the status code a handler wrote.
type statusRecorder struct {
	http.ResponseWriter
	code int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// Flush lets streaming handlers (watch) flush through the recorder.
func (r *statusRecorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (exec
// upgrades hijack it).
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// instrument counts and times requests per route.
func (s *apiServer) instrument(route string, h http.Handler) http.Handler {
	m := s.a.metrics
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		m.requests.WithLabelValues(route, strconv.Itoa(rec.code)).Inc()
		m.requestTime.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}
