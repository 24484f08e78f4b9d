package leader

import (
	"net/netip"
	"testing"
)

func TestNextPodCIDR(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		name    string
		cluster string
		used    []string
		want    string
		full    bool
	}{
		{name: "empty cluster takes the first", cluster: "10.42.0.0/16", want: "10.42.0.0/24"},
		{name: "skips used", cluster: "10.42.0.0/16", used: []string{"10.42.0.0/24", "10.42.1.0/24"}, want: "10.42.2.0/24"},
		{name: "fills a hole", cluster: "10.42.0.0/16", used: []string{"10.42.0.0/24", "10.42.2.0/24"}, want: "10.42.1.0/24"},
		{name: "unmasked cluster", cluster: "10.42.7.9/16", want: "10.42.0.0/24"},
		{name: "crosses an octet", cluster: "10.1.254.0/23", used: []string{"10.1.254.0/24"}, want: "10.1.255.0/24"},
		{name: "full", cluster: "10.42.0.0/23", used: []string{"10.42.0.0/24", "10.42.1.0/24"}, full: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			used := map[netip.Prefix]bool{}
			for _, u := range tt.used {
				used[p(u)] = true
			}
			got, ok := nextPodCIDR(p(tt.cluster), used)
			if ok == tt.full {
				t.Fatalf("ok = %v, want %v", ok, !tt.full)
			}
			if !tt.full && got != p(tt.want) {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
