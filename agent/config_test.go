package agent

import (
	"strconv"
	"strings"
	"testing"
	"time"
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
		{"max replicas set", func(c *Config) { c.MaxReplicas = 2000 }, ""},
		{"max replicas negative", func(c *Config) { c.MaxReplicas = -1 }, "--max-replicas -1: must be 0 (from the cluster's pod capacity) to 10000"},
		{"max replicas over the ceiling", func(c *Config) { c.MaxReplicas = 10001 }, "--max-replicas 10001"},
		{"pod security level unknown", func(c *Config) { c.PodSecurity = "strict" }, `--pod-security: pod security level "strict": want privileged, baseline or restricted`},
		{"eviction thresholds", func(c *Config) { c.EvictionHard = "nodefs.available<5%,imagefs.available<10Gi" }, ""},
		{"eviction signal unknown", func(c *Config) { c.EvictionHard = "memory.available<100Mi" }, `--eviction-hard: eviction threshold "memory.available<100Mi": unknown signal "memory.available"`},
		{"eviction percent out of range", func(c *Config) { c.EvictionHard = "nodefs.available<150%" }, `--eviction-hard: eviction threshold "nodefs.available<150%": 150% is out of range`},
		{"service CIDR too small", func(c *Config) { c.ServiceCIDR = "10.43.0.0/29" }, "--service-cidr \"10.43.0.0/29\": too small"},
		{"node-port range reversed", func(c *Config) { c.NodePortRange = "32767-30000" }, "--node-port-range"},
		{"node-port range out of bounds", func(c *Config) { c.NodePortRange = "0-100" }, "1-65535"},
		{"node-port range not numbers", func(c *Config) { c.NodePortRange = "low-high" }, "LOW-HIGH"},
		{"a one-port node-port range", func(c *Config) { c.NodePortRange = "30000" }, ""},
		{"ingress on defaults", func(c *Config) { c.IngressAddr, c.IngressTLSAddr = DefaultIngressAddr, DefaultIngressTLSAddr }, ""},
		{"ingress on one address", func(c *Config) { c.IngressAddr, c.IngressTLSAddr = "10.0.0.1:8080", "[fd00::1]:8443" }, ""},
		{"ingress off", func(c *Config) { c.IngressAddr, c.IngressTLSAddr = "", "" }, ""},
		{"trusted proxies", func(c *Config) { c.IngressTrustedProxies = []string{"10.0.0.0/8", "192.0.2.7"} }, ""},
		{"trusted proxy not a cidr", func(c *Config) { c.IngressTrustedProxies = []string{"lb.example"} }, `--ingress-trusted-proxies "lb.example": want a CIDR`},
		{"dns addr without port", func(c *Config) { c.DNSAddr = "10.0.0.1" }, `--dns-addr "10.0.0.1": want IP:PORT`},
		{"metrics addr without ip", func(c *Config) { c.MetricsAddr = ":9100" }, `--metrics-addr ":9100": want IP:PORT`},
		{"metrics addr not an address", func(c *Config) { c.MetricsAddr = "metrics" }, `--metrics-addr "metrics": want IP:PORT`},
		{"metrics addr port out of range", func(c *Config) { c.MetricsAddr = "127.0.0.1:70000" }, `--metrics-addr "127.0.0.1:70000": want IP:PORT`},
		{"metrics addr on the api port", func(c *Config) { c.MetricsAddr = "127.0.0.1:7948" }, `port 7948 is already --api-port`},
		{"dns forward without resolver", func(c *Config) { c.DNSForward = []string{"corp.internal="} }, `--dns-forward "corp.internal=": want DOMAIN=IP`},
		{"dns ttl fraction", func(c *Config) { c.DNSTTL = 1500 * time.Millisecond }, `--dns-ttl 1.5s: want whole seconds`},
		{"ingress addr without port", func(c *Config) { c.IngressAddr = "10.0.0.1" }, `--ingress-addr "10.0.0.1": want IP:PORT, or :PORT for every address`},
		{"ingress addr host name", func(c *Config) { c.IngressAddr = "localhost:80" }, `--ingress-addr "localhost:80": want IP:PORT`},
		{"ingress addr port out of range", func(c *Config) { c.IngressAddr = ":65536" }, `--ingress-addr ":65536": want IP:PORT`},
		{"ingress addr port zero", func(c *Config) { c.IngressAddr = ":0" }, `--ingress-addr ":0": want IP:PORT`},
		{"ingress tls addr not a port", func(c *Config) { c.IngressTLSAddr = ":https" }, `--ingress-tls-addr ":https": want IP:PORT`},
		{"ingress listeners on one port", func(c *Config) { c.IngressAddr, c.IngressTLSAddr = ":8080", "10.0.0.1:8080" }, `--ingress-tls-addr "10.0.0.1:8080": port 8080 is already the ingress proxy's (--ingress-addr)`},
		{"ingress on the API port", func(c *Config) { c.IngressAddr = ":7948" }, `--ingress-addr ":7948": port 7948 is already the Shoal API (--api-port)`},
		{"ingress on the DNS port", func(c *Config) { c.IngressTLSAddr = ":53" }, `--ingress-tls-addr ":53": port 53 is already the cluster DNS`},
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

func TestReservedPorts(t *testing.T) {
	tests := []struct {
		name                 string
		ingress, ingressTLS  string
		wantTCP, wantFreeTCP []string // service ports reserved / not reserved
	}{
		{"ingress on defaults", DefaultIngressAddr, DefaultIngressTLSAddr, []string{"TCP/80", "TCP/443", "TCP/7948"}, []string{"UDP/80", "UDP/443"}},
		{"ingress on other ports", "10.0.0.1:8080", ":8443", []string{"TCP/8080", "TCP/8443"}, []string{"TCP/80", "TCP/443"}},
		{"ingress off", "", "", []string{"TCP/7946"}, []string{"TCP/80", "TCP/443"}},
		{"only plain HTTP", ":80", "", []string{"TCP/80"}, []string{"TCP/443"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Config{Name: "n1", DataDir: t.TempDir(), BindAddr: "127.0.0.1", IngressAddr: tt.ingress, IngressTLSAddr: tt.ingressTLS}
			c.SetDefaults()
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			reserved := c.serviceAddrs().Reserved
			protected := map[string]bool{}
			for _, p := range c.reservedPorts() {
				protected["TCP/"+strconv.Itoa(p.port)] = true
			}
			for _, k := range tt.wantTCP {
				if reserved[k] == "" {
					t.Errorf("service port %s not reserved; reserved: %v", k, reserved)
				}
				if !protected[k] {
					t.Errorf("port %s not protected in the node's table", k)
				}
			}
			for _, k := range tt.wantFreeTCP {
				if whose := reserved[k]; whose != "" {
					t.Errorf("service port %s reserved for %s, want free", k, whose)
				}
			}
		})
	}
}
