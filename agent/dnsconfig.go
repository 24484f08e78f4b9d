package agent

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/agent/node"
	"github.com/shoal-dev/shoal/netsvc/dns/forward"
)

// DefaultDNSAddr is --dns-addr's default: port 53 of the advertise
// address.
const DefaultDNSAddr = ":53"

// validateDNS checks the DNS flags and names what is wrong.
func (c *Config) validateDNS() []error {
	var errs []error
	if c.DNSAddr != "" {
		if _, err := parseListenAddr(c.DNSAddr); err != nil {
			errs = append(errs, fmt.Errorf("--dns-addr %q: want IP:PORT (or :PORT for the advertise address, or \"\" for none)", c.DNSAddr))
		}
	}
	if c.DNSTTL < 0 || c.DNSTTL%time.Second != 0 || c.DNSTTL > time.Hour {
		errs = append(errs, fmt.Errorf("--dns-ttl %s: want whole seconds, at most 1h", c.DNSTTL))
	}
	for _, u := range c.DNSUpstreams {
		if _, err := forward.ParseUpstream(u); err != nil {
			errs = append(errs, fmt.Errorf("--dns-upstream %q: %w", u, err))
		}
	}
	if _, err := c.dnsDomains(); err != nil {
		errs = append(errs, err)
	}
	return errs
}

// dnsDomains parses --dns-forward into stub domains.
func (c *Config) dnsDomains() (map[string][]string, error) {
	out := map[string][]string{}
	for _, f := range c.DNSForward {
		dom, list, ok := strings.Cut(f, "=")
		dom = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(dom)), ".")
		if !ok || !validDomain(dom) || list == "" {
			return nil, fmt.Errorf("--dns-forward %q: want DOMAIN=IP[:PORT][,IP[:PORT]...], e.g. example.internal=10.0.0.53", f)
		}
		for _, u := range strings.Split(list, ",") {
			if _, err := forward.ParseUpstream(u); err != nil {
				return nil, fmt.Errorf("--dns-forward %q: %w", f, err)
			}
			out[dom] = append(out[dom], u)
		}
	}
	return out, nil
}

// dnsPort is the port of --dns-addr, 0 when it is off.
func (c *Config) dnsPort() int {
	_, port, err := net.SplitHostPort(c.DNSAddr)
	if err != nil {
		return 0
	}
	p, _ := strconv.Atoi(port)
	return p
}

// dnsConfig is the node side's DNS configuration; Validate must have
// passed.
func (c *Config) dnsConfig() node.DNSConfig {
	domains, _ := c.dnsDomains()
	return node.DNSConfig{Addr: c.DNSAddr, TTL: c.DNSTTL, Upstreams: c.DNSUpstreams, Domains: domains, Log: c.DNSLog}
}
