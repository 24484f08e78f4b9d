package netsvc

import (
	"context"
	"encoding/binary"
	"net/netip"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/shoal-dev/shoal/api"
)

// nftName is what nft takes as an unquoted chain or set name.
var nftName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9/_.-]*$`)

// fuzzServices makes two services from fuzz input: names as given,
// addresses, ports and endpoints drawn from data.
func fuzzServices(ns, name string, data []byte, affinity int64, flags uint8) []Service {
	next := func(n int) []byte {
		if len(data) < n {
			data = append(data, make([]byte, n-len(data))...)
		}
		b := data[:n]
		data = data[n:]
		return b
	}
	addr := func() netip.Addr {
		b := next(4)
		if b[0]&0x80 != 0 { // half of them in the service and pod ranges
			b[0], b[1] = 10, 42+b[1]%2
		}
		return netip.AddrFrom4([4]byte(b))
	}
	protos := []api.Protocol{api.ProtocolTCP, api.ProtocolUDP, api.ProtocolSCTP, "", "ICMP"}
	var out []Service
	for i := range 2 {
		s := Service{Namespace: ns, Name: name + strings.Repeat("x", i), ClusterIP: addr(),
			AffinityTimeout: time.Duration(affinity), ExternalLocal: flags&1 != 0, InternalLocal: flags&2 != 0}
		if flags&4 != 0 {
			s.ClusterIP = netip.Addr{}
		}
		for range next(1)[0] % 3 {
			s.ExternalIPs = append(s.ExternalIPs, addr())
		}
		for range next(1)[0] % 3 {
			s.LoadBalancerIPs = append(s.LoadBalancerIPs, addr())
		}
		for range next(1)[0] % 4 {
			b := next(6)
			p := ServicePort{Name: name, Protocol: protos[int(b[0])%len(protos)],
				Port: binary.BigEndian.Uint16(b[1:3]) % 100, NodePort: binary.BigEndian.Uint16(b[3:5]) % 50}
			for range b[5] % 6 {
				e := next(2)
				p.Endpoints = append(p.Endpoints, Endpoint{Addr: addr(), Port: uint16(e[0]) % 20, Local: e[1]&1 != 0})
			}
			s.Ports = append(s.Ports, p)
		}
		out = append(out, s)
	}
	return out
}

// FuzzServiceRules: whatever the Services, building their rules does not
// panic, every name is one nft takes, the knftables fake accepts the
// transaction, and a Sync that drops the first service leaves the table a
// full Sync would.
func FuzzServiceRules(f *testing.F) {
	f.Add("default", "web", []byte{10, 43, 0, 10, 1, 1, 2, 0, 0, 80, 0, 0, 2, 10, 42, 1, 5, 80, 1, 10, 42, 2, 5, 80, 0}, int64(0), uint8(0))
	f.Add("kube-system", "dns", []byte{0x8a, 1, 2, 3, 0, 0, 1, 1, 0, 53, 0, 30, 3}, int64(time.Hour), uint8(3))
	f.Add("ns/with spaces", "ünïcode{}", []byte{255, 255, 255, 255, 2, 2, 3}, int64(-5), uint8(7))
	f.Fuzz(func(t *testing.T, ns, name string, data []byte, affinity int64, flags uint8) {
		svcs := fuzzServices(ns, name, data, affinity, flags)
		for _, s := range svcs {
			b := buildService(netip.MustParsePrefix(DefaultClusterCIDR), netip.MustParsePrefix(DefaultServiceCIDR), nil, s)
			for c := range b.chains {
				if len(c) > 256 || !nftName.MatchString(c) {
					t.Fatalf("chain name %q: not an nft name", c)
				}
			}
			for set := range b.sets {
				if len(set) > 256 || !nftName.MatchString(set) {
					t.Fatalf("set name %q: not an nft name", set)
				}
			}
		}
		ft := newFakeTableQuiet(t)
		if err := ft.Sync(context.Background(), svcs); err != nil {
			t.Fatalf("Sync: %v", err)
		}
		if err := ft.Sync(context.Background(), svcs[1:]); err != nil {
			t.Fatalf("incremental Sync: %v", err)
		}
		fresh := newFakeTableQuiet(t)
		if err := fresh.Sync(context.Background(), svcs[1:]); err != nil {
			t.Fatalf("full Sync: %v", err)
		}
		if diff := cmp.Diff(sortedLines(fresh.fake.Dump()), sortedLines(ft.fake.Dump())); diff != "" {
			t.Errorf("incremental differs from full (-full +incremental):\n%s", diff)
		}
	})
}
