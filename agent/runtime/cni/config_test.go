package cni

import (
	"encoding/json"
	"net/netip"
	"strings"
	"testing"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/utils"
)

func TestConfigValidate(t *testing.T) {
	ok := Config{DataDir: "/var/lib/shoal", PodCIDR: "10.42.3.0/24"}
	with := func(f func(*Config)) Config { c := ok; f(&c); return c }
	tests := []struct {
		name string
		cfg  Config
		want string // "" = valid
	}{
		{"defaults", ok, ""},
		{"mtu", with(func(c *Config) { c.MTU = 1450 }), ""},
		{"no data dir", with(func(c *Config) { c.DataDir = "" }), "DataDir is empty"},
		{"no pod cidr", with(func(c *Config) { c.PodCIDR = "" }), `PodCIDR ""`},
		{"pod cidr without bits", with(func(c *Config) { c.PodCIDR = "10.42.3.0" }), `PodCIDR "10.42.3.0"`},
		{"pod cidr ipv6", with(func(c *Config) { c.PodCIDR = "fd00::/64" }), "want an IPv4 CIDR"},
		{"pod cidr too small", with(func(c *Config) { c.PodCIDR = "10.42.3.0/31" }), "between /8 and /30"},
		{"pod cidr host bits", with(func(c *Config) { c.PodCIDR = "10.42.3.7/24" }), "did you mean 10.42.3.0/24"},
		{"long bridge", with(func(c *Config) { c.Bridge = "a-very-long-bridge" }), "Bridge"},
		{"bridge with slash", with(func(c *Config) { c.Bridge = "a/b" }), "Bridge"},
		{"negative mtu", with(func(c *Config) { c.MTU = -1 }), "MTU -1"},
		{"huge mtu", with(func(c *Config) { c.MTU = 70000 }), "MTU 70000"},
		{"relative plugin dir", with(func(c *Config) { c.PluginDirs = []string{"bin"} }), "PluginDirs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	// New fails before touching the machine, so this runs anywhere.
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"invalid", Config{DataDir: t.TempDir(), PodCIDR: "nope"}, `PodCIDR "nope"`},
		{"no plugins", Config{DataDir: t.TempDir(), PodCIDR: "10.42.0.0/24", PluginDirs: []string{"/nonexistent"}}, "install containernetworking-plugins"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestConflist(t *testing.T) {
	cfg := Config{DataDir: "/d", PodCIDR: "10.42.3.0/24", MTU: 1400}.withDefaults()
	b, err := conflist(cfg, mustPodCIDR(t, cfg.PodCIDR), "/d/cni/ipam")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name    string
		Plugins []map[string]any
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Plugins) != 2 || doc.Plugins[0]["type"] != "bridge" || doc.Plugins[1]["type"] != "portmap" {
		t.Fatalf("plugins = %v, want bridge then portmap", doc.Plugins)
	}
	br := doc.Plugins[0]
	for k, want := range map[string]any{"bridge": "shoal0", "isGateway": true, "ipMasq": false, "hairpinMode": true, "mtu": 1400.0} {
		if br[k] != want {
			t.Errorf("bridge %s = %v, want %v", k, br[k], want)
		}
	}
	ipam := br["ipam"].(map[string]any)
	if ipam["dataDir"] != "/d/cni/ipam" || ipam["type"] != "host-local" {
		t.Errorf("ipam = %v, want host-local in /d/cni/ipam", ipam)
	}
	if pm := doc.Plugins[1]; pm["snat"] != true {
		t.Errorf("portmap snat = %v, want true", pm["snat"])
	}
}

func mustPodCIDR(t testing.TB, s string) netip.Prefix {
	t.Helper()
	p, err := parsePodCIDR(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FuzzConfig: Validate never panics, and every config it accepts yields a
// conflist that libcni parses with the pod network in it.
func FuzzConfig(f *testing.F) {
	f.Add("10.42.3.0/24", "shoal0", 0, "pod-1")
	f.Add("10.0.0.0/8", "br", 1500, "a.b_c-d")
	f.Add("10.42.3.7/24", "a/b", -1, "../x")
	f.Add("fd00::/64", "", 70000, "")
	f.Fuzz(func(t *testing.T, cidr, bridge string, mtu int, uid string) {
		cfg := Config{DataDir: "/d", PodCIDR: cidr, Bridge: bridge, MTU: mtu}
		if validUID(uid) && utils.ValidateContainerID(uid) != nil {
			t.Errorf("validUID(%q) = true, libcni rejects it", uid)
		}
		if cfg.Validate() != nil {
			return
		}
		p, err := parsePodCIDR(cidr)
		if err != nil {
			t.Fatalf("Validate accepted %q, parsePodCIDR: %v", cidr, err)
		}
		b, err := conflist(cfg.withDefaults(), p, "/d/cni/ipam")
		if err != nil {
			t.Fatal(err)
		}
		list, err := libcni.NetworkConfFromBytes(b)
		if err != nil {
			t.Fatalf("libcni rejects our conflist for %+v: %v", cfg, err)
		}
		if len(list.Plugins) != 2 || !strings.Contains(string(list.Plugins[0].Bytes), p.String()) {
			t.Fatalf("conflist for %+v lacks the pod network:\n%s", cfg, b)
		}
	})
}
