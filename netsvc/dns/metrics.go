package dnssvc

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics counts what a Handler answers. A nil *Metrics counts nothing.
type Metrics struct {
	queries  *prometheus.CounterVec
	duration prometheus.Histogram
	expand   prometheus.Counter
	refuse   prometheus.Counter
	overload prometheus.Counter
}

// queryTypes are the qtypes counted under their own name; the rest count
// as "other", so a hostile client cannot grow the label set.
var queryTypes = map[uint16]string{
	dns.TypeA: "A", dns.TypeAAAA: "AAAA", dns.TypeSRV: "SRV", dns.TypePTR: "PTR",
	dns.TypeTXT: "TXT", dns.TypeCNAME: "CNAME", dns.TypeSOA: "SOA", dns.TypeNS: "NS",
	dns.TypeANY: "ANY", dns.TypeMX: "MX", dns.TypeHTTPS: "HTTPS",
}

// NewMetrics registers the DNS server's metrics with reg:
//
//	shoal_dns_queries_total{type,rcode}       queries answered
//	shoal_dns_request_duration_seconds         time to answer one
//	shoal_dns_search_path_answers_total        NXDOMAINs answered from a pod's search path
//	shoal_dns_recursion_refused_total          names not forwarded for a foreign client
//	shoal_dns_forward_overloaded_total         SERVFAILs for too many forwarded questions
func NewMetrics(reg prometheus.Registerer) (*Metrics, error) {
	m := &Metrics{
		queries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "shoal_dns_queries_total", Help: "DNS queries answered, by query type and response code.",
		}, []string{"type", "rcode"}),
		duration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "shoal_dns_request_duration_seconds", Help: "Time to answer one DNS query, forwarding included.",
			Buckets: prometheus.ExponentialBuckets(0.00001, 4, 10),
		}),
		expand: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shoal_dns_search_path_answers_total", Help: "Queries answered from the asking pod's search path in one round trip.",
		}),
		refuse: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shoal_dns_recursion_refused_total", Help: "Names outside the cluster refused to a client that may not recurse.",
		}),
		overload: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "shoal_dns_forward_overloaded_total", Help: "Queries answered SERVFAIL because too many forwarded questions were in flight.",
		}),
	}
	for _, c := range []prometheus.Collector{m.queries, m.duration, m.expand, m.refuse, m.overload} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register dns metrics: %w", err)
		}
	}
	return m, nil
}

func (m *Metrics) expanded() {
	if m != nil {
		m.expand.Inc()
	}
}

func (m *Metrics) refused() {
	if m != nil {
		m.refuse.Inc()
	}
}

func (m *Metrics) overloaded() {
	if m != nil {
		m.overload.Inc()
	}
}

// counter is the query counter for r's type and m's rcode; nil without
// metrics.
func (m *Metrics) counter(r, reply *dns.Msg) prometheus.Counter {
	if m == nil {
		return nil
	}
	qtype, rcode := labels(r, reply)
	return m.queries.WithLabelValues(qtype, rcode)
}

// count counts one answered query on c (from counter).
func (m *Metrics) count(c prometheus.Counter, took time.Duration) {
	if m != nil {
		c.Inc()
		m.duration.Observe(took.Seconds())
	}
}

// labels are the metric labels of a query and its answer.
func labels(r, m *dns.Msg) (qtype, rcode string) {
	qtype = "none"
	if len(r.Question) > 0 {
		var ok bool
		if qtype, ok = queryTypes[r.Question[0].Qtype]; !ok {
			qtype = "other"
		}
	}
	rcode = dns.RcodeToString[m.Rcode]
	if rcode == "" {
		rcode = "other"
	}
	return qtype, rcode
}

// observe counts one answered query and logs it when query logging is on.
func (h *Handler) observe(r, m *dns.Msg, client netip.Addr, took time.Duration) {
	if h.o.Metrics == nil && h.o.QueryLog == nil {
		return
	}
	h.o.Metrics.count(h.o.Metrics.counter(r, m), took)
	if l := h.o.QueryLog; l != nil {
		qtype, rcode := labels(r, m)
		name := ""
		if len(r.Question) > 0 {
			name = r.Question[0].Name
		}
		l.LogAttrs(context.Background(), slog.LevelInfo, "dns query",
			slog.String("client", client.String()), slog.String("name", name), slog.String("type", qtype),
			slog.String("rcode", rcode), slog.Int("answers", len(m.Answer)), slog.Bool("tc", m.Truncated),
			slog.Duration("took", took))
	}
}
