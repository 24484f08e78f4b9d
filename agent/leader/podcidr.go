package leader

import (
	"net/netip"

	"github.com/shoal-dev/shoal/api"
)

// nodeSubnetBits is the size of each node's pod network: a /24, 254 pods.
const nodeSubnetBits = 24

// nextPodCIDR returns the lowest /24 of cluster that no node uses, or false
// when the cluster network is full.
func nextPodCIDR(cluster netip.Prefix, used map[netip.Prefix]bool) (netip.Prefix, bool) {
	cluster = cluster.Masked()
	n := 1 << (nodeSubnetBits - cluster.Bits())
	base := cluster.Addr().As4()
	start := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8
	for i := range n {
		v := start + uint32(i)<<8
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), 0}), nodeSubnetBits)
		if !used[p] {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

// usedPodCIDRs collects the pod networks that Node objects hold.
func usedPodCIDRs(nodes []api.Object) map[netip.Prefix]bool {
	used := make(map[netip.Prefix]bool, len(nodes))
	for _, o := range nodes {
		if p, err := netip.ParsePrefix(o.(*api.Node).Spec.PodCIDR); err == nil {
			used[p.Masked()] = true
		}
	}
	return used
}
