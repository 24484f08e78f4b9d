package cni

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkSetupTeardown measures one pod sandbox's life: a network
// namespace, CNI ADD (bridge, host-local) and DEL.
func BenchmarkSetupTeardown(b *testing.B) { benchSetupTeardown(b, nil) }

// BenchmarkSetupTeardownHostPort is the same with one hostPort, which
// adds portmap (iptables) to ADD and DEL.
func BenchmarkSetupTeardownHostPort(b *testing.B) {
	benchSetupTeardown(b, []PortMapping{{HostPort: 18080, ContainerPort: 8080, Protocol: "TCP"}})
}

func benchSetupTeardown(b *testing.B, ports []PortMapping) {
	node := newTestNode(b)
	n, _ := newNetwork(b, node, "10.42.9.0/24")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	node.Do(b, func() error {
		for i := range b.N {
			uid := fmt.Sprintf("bench-%d", i)
			if _, err := n.Setup(ctx, PodRef{UID: uid, Namespace: "default", Name: uid}, ports); err != nil {
				return err
			}
			if err := n.Teardown(ctx, uid); err != nil {
				return err
			}
		}
		return nil
	})
}
