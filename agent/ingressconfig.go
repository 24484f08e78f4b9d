package agent

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"github.com/shoal-dev/shoal/agent/node"
)

// Defaults of --ingress-addr and --ingress-tls-addr: ports 80 and 443 on
// every address of the node. Unlike --dns-addr, an empty IP means every
// address (the wildcard), not the advertise address: a cloud load
// balancer or a DNS name may point at any of the node's addresses.
const (
	DefaultIngressAddr    = ":80"
	DefaultIngressTLSAddr = ":443"
)

// ingressListener is one of the ingress proxy's listeners, for checks and
// messages.
type ingressListener struct {
	flag, addr string
}

func (c *Config) ingressListeners() []ingressListener {
	return []ingressListener{{"--ingress-addr", c.IngressAddr}, {"--ingress-tls-addr", c.IngressTLSAddr}}
}

// validateIngress checks the ingress listeners: IP:PORT or :PORT, or ""
// for off; the two on different ports, and neither on a port the agent
// uses for something else.
func (c *Config) validateIngress() []error {
	var errs []error
	taken := map[int]string{}
	for _, p := range c.ownPorts() {
		for _, proto := range p.protocols {
			if proto == "TCP" {
				taken[p.port] = p.whose
			}
		}
	}
	for _, l := range c.ingressListeners() {
		if l.addr == "" {
			continue
		}
		p, err := parseListenAddr(l.addr)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s %q: want IP:PORT, or :PORT for every address, or \"\" for none", l.flag, l.addr))
			continue
		}
		if whose, ok := taken[p]; ok {
			errs = append(errs, fmt.Errorf("%s %q: port %d is already %s", l.flag, l.addr, p, whose))
			continue
		}
		taken[p] = "the ingress proxy's (" + l.flag + ")"
	}
	if _, err := c.trustedProxies(); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// trustedProxies parses --ingress-trusted-proxies.
func (c *Config) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.IngressTrustedProxies {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, fmt.Errorf("--ingress-trusted-proxies %q: want a CIDR such as 10.0.0.0/8 or an IP", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// ingressConfig is the node side's ingress configuration; Validate must
// have passed.
func (c *Config) ingressConfig() node.IngressConfig {
	trusted, _ := c.trustedProxies()
	return node.IngressConfig{Addr: c.IngressAddr, TLSAddr: c.IngressTLSAddr, TrustedProxies: trusted, AccessLog: c.IngressAccessLog}
}

// parseListenAddr parses "IP:PORT" or ":PORT" and returns the port.
func parseListenAddr(addr string) (int, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, err
	}
	if host != "" {
		if _, err := netip.ParseAddr(host); err != nil {
			return 0, err
		}
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("port %q: want 1-65535", port)
	}
	return p, nil
}

// ingressPorts are the ingress proxy's ports (TCP), for reservedPorts:
// none for a listener that is off. Validate must have passed.
func (c *Config) ingressPorts() []ownPort {
	var out []ownPort
	for _, l := range c.ingressListeners() {
		if p, err := parseListenAddr(l.addr); err == nil {
			out = append(out, ownPort{p, []string{"TCP"}, "the ingress proxy (" + l.flag + ")"})
		}
	}
	return out
}
