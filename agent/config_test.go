package agent

import (
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	base := func() Config {
		c := Config{Name: "n1", DataDir: t.TempDir(), BindAddr: "127.0.0.1"}
		c.SetDefaults()
		return c
	}
	tests := []struct {
		name    string
		mutate  func(*Config)
		wantErr string
	}{
		{"defaults are valid", func(*Config) {}, ""},
		{"upper-case name", func(c *Config) { c.Name = "Node1" }, "--name"},
		{"name too long", func(c *Config) { c.Name = strings.Repeat("a", 64) }, "--name"},
		{"even voters", func(c *Config) { c.Voters = 4 }, "must be odd"},
		{"too many voters", func(c *Config) { c.Voters = 9 }, "must be odd"},
		{"port out of range", func(c *Config) { c.APIPort = 70000 }, "--api-port 70000"},
		{"ports collide", func(c *Config) { c.RaftPort = c.GossipPort }, "must differ"},
		{"bind not an IP", func(c *Config) { c.BindAddr = "eth0" }, "--bind"},
		{"join without token", func(c *Config) { c.Join = "10.0.0.1" }, "--join needs --token"},
		{"join and force", func(c *Config) { c.Join, c.Token, c.ForceNewCluster = "h", "t", true }, "exclude each other"},
		{"negative cpu", func(c *Config) { c.CPU = -1 }, "must not be negative"},
		{"service CIDR too small", func(c *Config) { c.ServiceCIDR = "10.43.0.0/29" }, "--service-cidr \"10.43.0.0/29\": too small"},
		{"node-port range reversed", func(c *Config) { c.NodePortRange = "32767-30000" }, "--node-port-range"},
		{"node-port range out of bounds", func(c *Config) { c.NodePortRange = "0-100" }, "1-65535"},
		{"node-port range not numbers", func(c *Config) { c.NodePortRange = "low-high" }, "LOW-HIGH"},
		{"a one-port node-port range", func(c *Config) { c.NodePortRange = "30000" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.mutate(&c)
			err := c.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("got %v, want an error containing %q", err, tt.wantErr)
			}
		})
	}
}
