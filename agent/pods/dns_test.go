package pods

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/shoal-dev/shoal/api"
)

func TestPodResolvConf(t *testing.T) {
	host := ResolvConf{Nameservers: []string{"192.0.2.53"}, Searches: []string{"corp.example"}, Options: []string{"ndots:1", "rotate"}}
	hostFn := func() (ResolvConf, error) { return host, nil }
	cluster := "nameserver 10.42.0.1\nsearch prod.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"
	str := func(s string) *string { return &s }
	var many []string
	for i := range 40 {
		many = append(many, "d"+strings.Repeat("x", i)+".example")
	}
	tests := []struct {
		name string
		spec api.PodSpec
		want string
	}{
		{"ClusterFirst by default", api.PodSpec{}, cluster},
		{"ClusterFirst", api.PodSpec{DNSPolicy: api.DNSClusterFirst}, cluster},
		{"ClusterFirstWithHostNet without hostNetwork", api.PodSpec{DNSPolicy: api.DNSClusterFirstWithHostNet}, cluster},
		{"ClusterFirstWithHostNet with hostNetwork", api.PodSpec{DNSPolicy: api.DNSClusterFirstWithHostNet, HostNetwork: true}, cluster},
		{"hostNetwork falls back to Default", api.PodSpec{HostNetwork: true},
			"nameserver 192.0.2.53\nsearch corp.example\noptions ndots:1 rotate\n"},
		{"Default", api.PodSpec{DNSPolicy: api.DNSDefault},
			"nameserver 192.0.2.53\nsearch corp.example\noptions ndots:1 rotate\n"},
		{"None", api.PodSpec{DNSPolicy: api.DNSNone, DNSConfig: &api.PodDNSConfig{
			Nameservers: []string{"192.0.2.1"}, Searches: []string{"a.example"}, Options: []api.PodDNSConfigOption{{Name: "edns0"}},
		}}, "nameserver 192.0.2.1\nsearch a.example\noptions edns0\n"},
		{"dnsConfig merged into ClusterFirst", api.PodSpec{DNSConfig: &api.PodDNSConfig{
			Nameservers: []string{"192.0.2.1", "10.42.0.1"},
			Searches:    []string{"a.example", "svc.cluster.local"},
			Options:     []api.PodDNSConfigOption{{Name: "ndots", Value: str("2")}, {Name: "edns0"}, {Name: "timeout", Value: str("3")}},
		}}, "nameserver 10.42.0.1\nnameserver 192.0.2.1\nsearch prod.svc.cluster.local svc.cluster.local cluster.local a.example\noptions ndots:2 edns0 timeout:3\n"},
		{"nameservers cut to 3", api.PodSpec{DNSConfig: &api.PodDNSConfig{Nameservers: []string{"192.0.2.1", "192.0.2.2", "192.0.2.3"}}},
			"nameserver 10.42.0.1\nnameserver 192.0.2.1\nnameserver 192.0.2.2\nsearch prod.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n"},
		{"searches cut to 32", api.PodSpec{DNSPolicy: api.DNSNone, DNSConfig: &api.PodDNSConfig{Nameservers: []string{"192.0.2.1"}, Searches: many}},
			"nameserver 192.0.2.1\nsearch " + strings.Join(many[:32], " ") + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "prod"}, Spec: tt.spec}
			r, err := podResolvConf(pod, "10.42.0.1", "cluster.local", hostFn)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.String(); got != tt.want {
				t.Errorf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	t.Run("host unreadable", func(t *testing.T) {
		pod := &api.Pod{Spec: api.PodSpec{DNSPolicy: api.DNSDefault}}
		_, err := podResolvConf(pod, "10.42.0.1", "cluster.local", func() (ResolvConf, error) { return ResolvConf{}, errors.New("boom") })
		if err == nil || !strings.Contains(err.Error(), "boom") {
			t.Errorf("got %v, want the host's error", err)
		}
	})
}

func TestHostResolvConf(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resolv.conf")
	content := "# generated\nnameserver 127.0.0.53\nnameserver 192.0.2.10 ; comment\ndomain old.example\nsearch corp.example lab.example\noptions edns0 trust-ad\n"
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		upstreams []string
		want      []string
	}{
		{"host's, without loopback", nil, []string{"192.0.2.10"}},
		{"the agent's upstreams on port 53", []string{"198.51.100.1", "198.51.100.2:53", "198.51.100.3:5353", "[2001:db8::1]:53"}, []string{"198.51.100.1", "198.51.100.2", "2001:db8::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := HostResolvConf(path, tt.upstreams)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Nameservers, tt.want) {
				t.Errorf("nameservers: got %v, want %v", r.Nameservers, tt.want)
			}
			if !slices.Equal(r.Searches, []string{"corp.example", "lab.example"}) || !slices.Equal(r.Options, []string{"edns0", "trust-ad"}) {
				t.Errorf("got searches %v options %v, want the file's last search line and its options", r.Searches, r.Options)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		r, err := HostResolvConf(filepath.Join(t.TempDir(), "none"), []string{"192.0.2.1"})
		if err != nil || !slices.Equal(r.Nameservers, []string{"192.0.2.1"}) {
			t.Errorf("got %+v, %v; want the upstream and no error", r, err)
		}
	})
}

func TestPodHosts(t *testing.T) {
	aliases := []api.HostAlias{{IP: "192.0.2.7", Hostnames: []string{"db.local", "cache.local"}}, {IP: "2001:db8::7", Hostnames: []string{"v6.local"}}}
	node := func() ([]byte, error) { return []byte("127.0.0.1 localhost\n192.0.2.1 node-1"), nil }
	tests := []struct {
		name  string
		spec  api.PodSpec
		podIP string
		want  string
	}{
		{"plain", api.PodSpec{}, "10.42.0.5",
			"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.42.0.5\tp\n"},
		{"hostAliases", api.PodSpec{HostAliases: aliases}, "10.42.0.5",
			"127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n10.42.0.5\tp\n\n# Entries added by HostAliases.\n192.0.2.7\tdb.local\tcache.local\n2001:db8::7\tv6.local\n"},
		{"hostNetwork gets the node's file", api.PodSpec{HostNetwork: true, HostAliases: aliases[:1]}, "192.0.2.1",
			"127.0.0.1 localhost\n192.0.2.1 node-1\n\n# Entries added by HostAliases.\n192.0.2.7\tdb.local\tcache.local\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pod := &api.Pod{ObjectMeta: api.ObjectMeta{Name: "p", Namespace: "prod"}, Spec: tt.spec}
			got, err := podHosts(pod, tt.podIP, "cluster.local", node)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
	t.Run("node's file unreadable", func(t *testing.T) {
		pod := &api.Pod{Spec: api.PodSpec{HostNetwork: true}}
		_, err := podHosts(pod, "", "cluster.local", func() ([]byte, error) { return nil, os.ErrPermission })
		if err == nil || !strings.Contains(err.Error(), "node's /etc/hosts") {
			t.Errorf("got %v, want an error naming the node's /etc/hosts", err)
		}
	})
}
