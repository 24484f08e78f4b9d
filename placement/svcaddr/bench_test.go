package svcaddr

import (
	"testing"

	"github.com/shoal-dev/shoal/api"
)

// BenchmarkAllocate10000 measures one allocation pass over 10,000
// services: from nothing (every one needs a cluster IP, a fifth a node
// port), and at steady state (nothing to do).
func BenchmarkAllocate10000(b *testing.B) {
	var fresh []*api.Service
	for i := range 10000 {
		typ := api.ServiceTypeClusterIP
		if i%5 == 1 {
			typ = api.ServiceTypeNodePort
		}
		fresh = append(fresh, svc("s"+itoa(i), i, typ))
	}
	nodes := addrs("192.0.2.1", "192.0.2.2", "192.0.2.3")
	b.Run("fresh", func(b *testing.B) {
		for b.Loop() {
			if ds := Allocate(testCfg, fresh, nodes); len(ds) != 10000 {
				b.Fatalf("got %d decisions, want 10000", len(ds))
			}
		}
	})
	b.Run("steady", func(b *testing.B) {
		steady := applied(fresh, Allocate(testCfg, fresh, nodes))
		for b.Loop() {
			if ds := Allocate(testCfg, steady, nodes); len(ds) != 0 {
				b.Fatalf("got %d decisions, want none", len(ds))
			}
		}
	})
}
