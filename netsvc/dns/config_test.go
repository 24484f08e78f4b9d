package dnssvc

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Config)
		want string // "" for valid
	}{
		{"valid", func(*Config) {}, ""},
		{"empty zone", func(c *Config) { c.Zone = "" }, "zone: must not be empty"},
		{"bad zone", func(c *Config) { c.Zone = "a..b" }, `zone "a..b": not a domain name`},
		{"negative ttl", func(c *Config) { c.TTL = -time.Second }, "ttl -1s"},
		{"fractional ttl", func(c *Config) { c.TTL = 1500 * time.Millisecond }, "ttl 1.5s"},
		{"IPv6 reverse cidr", func(c *Config) { c.ReverseCIDRs = []netip.Prefix{netip.MustParsePrefix("fd00::/64")} }, "reverse cidr fd00::/64"},
		{"reverse cidr shorter than /8", func(c *Config) { c.ReverseCIDRs = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")} }, "reverse cidr 0.0.0.0/0"},
		{"IPv6 nameserver", func(c *Config) { c.NameserverIPs = []netip.Addr{netip.MustParseAddr("::1")} }, "nameserver ip ::1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := testCfg
			c.edit(&cfg)
			err := cfg.Validate()
			switch {
			case c.want == "" && err != nil:
				t.Errorf("got %v, want no error", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("got %v, want an error containing %q", err, c.want)
			}
		})
	}
}
