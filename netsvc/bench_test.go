package netsvc

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"testing"
)

// benchServices are n services of one TCP port with 5 endpoints each.
func benchServices(n int) []Service {
	out := make([]Service, n)
	for i := range out {
		s := Service{Namespace: "bench", Name: fmt.Sprintf("svc-%d", i),
			ClusterIP: netip.AddrFrom4([4]byte{10, 43, byte(i >> 8), byte(i)})}
		sp := ServicePort{Protocol: tcp, Port: 80}
		for j := range 5 {
			k := i*5 + j
			sp.Endpoints = append(sp.Endpoints, Endpoint{Addr: netip.AddrFrom4([4]byte{10, 42, byte(k >> 8), byte(k)}), Port: 8080, Local: j == 0})
		}
		s.Ports = []ServicePort{sp}
		out[i] = s
	}
	return out
}

func benchTable(b *testing.B, node *testNode) *Table {
	tbl, err := NewTable(TableConfig{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = node.Try(tbl.Close) })
	return tbl
}

// BenchmarkProgram: one Sync writing n services × 5 endpoints into an
// empty table (real nftables, in a network namespace).
func BenchmarkProgram(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			node := newTestNode(b)
			tbl := benchTable(b, node)
			svcs := benchServices(n)
			for b.Loop() {
				b.StopTimer()
				node.Do(b, tbl.Close)
				b.StartTimer()
				node.Do(b, func() error { return tbl.Sync(context.Background(), svcs) })
			}
		})
	}
}

// BenchmarkEndpointChange: one Sync changing one endpoint of one service
// with n services programmed.
func BenchmarkEndpointChange(b *testing.B) {
	for _, n := range []int{10, 10000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			node := newTestNode(b)
			tbl := benchTable(b, node)
			svcs := benchServices(n)
			node.Do(b, func() error { return tbl.Sync(context.Background(), svcs) })
			old := svcs[n/2].Ports[0].Endpoints
			moved := append([]Endpoint(nil), old...)
			moved[2].Addr = netip.MustParseAddr("10.42.255.254")
			i := 0
			for b.Loop() {
				eps := moved
				if i%2 == 1 {
					eps = old
				}
				i++
				svcs[n/2].Ports = []ServicePort{{Protocol: tcp, Port: 80, Endpoints: eps}}
				node.Do(b, func() error { return tbl.Sync(context.Background(), svcs) })
			}
		})
	}
}
