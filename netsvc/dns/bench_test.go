package dnssvc

import (
	"context"
	"fmt"
	"testing"

	"github.com/miekg/dns"
	"github.com/shoal-dev/shoal/api"
)

// benchCluster has n ClusterIP services (svc-I in ns-I%100, port http)
// with one pod each, and every tenth service headless.
func benchCluster(n int) ([]*api.Service, []*api.Pod) {
	var svcs []*api.Service
	var pods []*api.Pod
	for i := range n {
		ns, name := fmt.Sprintf("ns-%d", i%100), fmt.Sprintf("svc-%d", i)
		sel := map[string]string{"app": name}
		ip := fmt.Sprintf("10.96.%d.%d", i/250, 1+i%250)
		if i%10 == 0 {
			ip = api.ClusterIPNone
		}
		svcs = append(svcs, service(ns, name, ip, sel, sport("http", 80, api.ProtocolTCP)))
		pods = append(pods, pod(ns, name+"-0", fmt.Sprintf("10.244.%d.%d", i/250, 1+i%250), sel))
	}
	return svcs, pods
}

func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		svcs, pods := benchCluster(n)
		h := NewHandler(Build(testCfg, 1, svcs, pods), Options{})
		i := n/2 + 1 // a ClusterIP service (every tenth is headless)
		ns := fmt.Sprintf("ns-%d", i%100)
		queries := []struct {
			name  string
			qname string
			qtype uint16
			rcode int
		}{
			{"A", fmt.Sprintf("svc-%d.%s.svc.cluster.local.", i, ns), dns.TypeA, dns.RcodeSuccess},
			{"SRV", fmt.Sprintf("_http._tcp.svc-%d.%s.svc.cluster.local.", i, ns), dns.TypeSRV, dns.RcodeSuccess},
			{"PTR", fmt.Sprintf("%d.%d.96.10.in-addr.arpa.", 1+i%250, i/250), dns.TypePTR, dns.RcodeSuccess},
			{"NXDOMAIN", fmt.Sprintf("nope.%s.svc.cluster.local.", ns), dns.TypeA, dns.RcodeNameError},
		}
		for _, q := range queries {
			b.Run(fmt.Sprintf("%s/services=%d", q.name, n), func(b *testing.B) {
				m := new(dns.Msg).SetQuestion(q.qname, q.qtype)
				if r := h.Answer(m); r.Rcode != q.rcode || (q.rcode == dns.RcodeSuccess && len(r.Answer) == 0) {
					b.Fatalf("got rcode %s with %d answers, want %s", dns.RcodeToString[r.Rcode], len(r.Answer), dns.RcodeToString[q.rcode])
				}
				b.ReportAllocs()
				for b.Loop() {
					h.Answer(m)
				}
			})
		}
	}
}

// BenchmarkBuild is the cost of one rebuild after a write.
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		svcs, pods := benchCluster(n)
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Build(testCfg, 1, svcs, pods)
			}
		})
	}
}

// BenchmarkServerUDP is a whole round trip over loopback UDP through
// Server: a mix of A, SRV, PTR and NXDOMAIN over 1,000 services, several
// clients in parallel. ns/op is the inverse of queries per second.
func BenchmarkServerUDP(b *testing.B) {
	svcs, pods := benchCluster(1000)
	s, err := Listen("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	h := NewHandler(Build(testCfg, 1, svcs, pods), Options{})
	go func() { done <- s.Serve(ctx, h) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			b.Errorf("run: %v", err)
		}
	}()
	var qs []*dns.Msg
	for i := 1; i < 1000; i += 10 {
		ns := fmt.Sprintf("ns-%d", i%100)
		qs = append(qs,
			new(dns.Msg).SetQuestion(fmt.Sprintf("svc-%d.%s.svc.cluster.local.", i, ns), dns.TypeA),
			new(dns.Msg).SetQuestion(fmt.Sprintf("_http._tcp.svc-%d.%s.svc.cluster.local.", i, ns), dns.TypeSRV),
			new(dns.Msg).SetQuestion(fmt.Sprintf("%d.%d.96.10.in-addr.arpa.", 1+i%250, i/250), dns.TypePTR),
			new(dns.Msg).SetQuestion(fmt.Sprintf("nope-%d.%s.svc.cluster.local.", i, ns), dns.TypeA))
	}
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		c := &dns.Client{Net: "udp"}
		conn, err := c.Dial(s.Addr())
		if err != nil {
			b.Error(err)
			return
		}
		defer func() { _ = conn.Close() }()
		for i := 0; pb.Next(); i++ {
			r, _, err := c.ExchangeWithConn(qs[i%len(qs)], conn)
			if err != nil {
				b.Error(err)
				return
			}
			if r.Rcode != dns.RcodeSuccess && r.Rcode != dns.RcodeNameError {
				b.Errorf("got rcode %s, want NOERROR or NXDOMAIN", dns.RcodeToString[r.Rcode])
				return
			}
		}
	})
}
