package agent

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the agent's Prometheus metrics, served on /metrics (the
// API server registers its request metrics on the same registry).
type metrics struct {
	registry     *prometheus.Registry
	applies      *prometheus.CounterVec
	applySeconds prometheus.Histogram
	raftRefused  *prometheus.CounterVec
}

func newMetrics(a *Agent) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		applies: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_raft_applies_total", Help: "Commands this node applied as leader, by result.",
		}, []string{"result"}),
		applySeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "shoal_raft_apply_duration_seconds", Help: "Time from proposing a command to its commit, on the leader.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}),
		raftRefused: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_raft_connections_refused_total",
			Help: "Raft port connections closed before Raft saw them, by reason: handshake (failed or too slow) or source (its address held the per-source cap).",
		}, []string{"reason"}),
	}
	m.registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.applies, m.applySeconds, m.raftRefused,
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

// raftConnRefused counts a connection the Raft port refused.
func (m *metrics) raftConnRefused(reason string) {
	m.raftRefused.WithLabelValues(reason).Inc()
}

func (m *metrics) observeApply(d time.Duration, err error) {
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.applies.WithLabelValues(result).Inc()
	m.applySeconds.Observe(d.Seconds())
}
