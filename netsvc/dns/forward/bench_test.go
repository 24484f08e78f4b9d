package forward

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/miekg/dns"
)

// BenchmarkCached measures answers served from the cache, from every core.
func BenchmarkCached(b *testing.B) {
	up := startUpstream(b, answerA(3600, "192.0.2.1"))
	f := newForwarder(b, Config{Upstreams: []string{up.addr}})
	const names = 1000
	for i := range names {
		query(b, f, "host"+strconv.Itoa(i)+".example.", dns.TypeA)
	}
	var next atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		m := new(dns.Msg)
		for pb.Next() {
			m.SetQuestion("host"+strconv.Itoa(int(next.Add(1)%names))+".example.", dns.TypeA)
			r, err := f.Resolve(context.Background(), m)
			if err != nil || len(r.Answer) != 1 {
				b.Fatalf("resolve: %v, %d answers", err, len(r.Answer))
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
	if got := up.queries(); got != names {
		b.Fatalf("upstream got %d queries, want %d (all cached)", got, names)
	}
}

// BenchmarkUncached measures questions that all miss the cache and go to an
// upstream on 127.0.0.1 over UDP.
func BenchmarkUncached(b *testing.B) {
	up := startUpstream(b, answerA(3600, "192.0.2.1"))
	f := newForwarder(b, Config{Upstreams: []string{up.addr}, CacheSize: 1000})
	var next atomic.Int64
	b.SetParallelism(8) // questions wait on the network: keep several outstanding per core
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		m := new(dns.Msg)
		for pb.Next() {
			m.SetQuestion("u"+strconv.Itoa(int(next.Add(1)))+".example.", dns.TypeA)
			r, err := f.Resolve(context.Background(), m)
			if err != nil || len(r.Answer) != 1 {
				b.Fatalf("resolve: %v, %d answers", err, len(r.Answer))
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}
