package dnssvc

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// DefaultTTL is the TTL of every answer unless Config.TTL says otherwise
// (as CoreDNS's kubernetes plugin).
const DefaultTTL = 5 * time.Second

// DNSSchemaVersion is the specification version dns-version.ZONE answers.
const DNSSchemaVersion = "1.1.0"

// Config says which zones the lookup owns and how long answers live.
type Config struct {
	// Zone is the cluster domain (--cluster-domain), e.g. "cluster.local".
	Zone string
	// TTL is every record's TTL and the SOA minimum (--dns-ttl); 0 means
	// DefaultTTL. Whole seconds.
	TTL time.Duration
	// ReverseCIDRs are the service and cluster (pod) CIDRs: PTR names
	// under their in-addr.arpa zones are answered here.
	ReverseCIDRs []netip.Prefix
	// NameserverIPs, when set, are the A records of ns.dns.ZONE, the
	// target of the apex NS record.
	NameserverIPs []netip.Addr
}

// withDefaults returns c with defaults filled in and the zone in
// canonical form (lower case, fully qualified).
func (c Config) withDefaults() Config {
	if c.TTL == 0 {
		c.TTL = DefaultTTL
	}
	c.Zone = dns.CanonicalName(c.Zone)
	return c
}

// Validate reports what is wrong with c.
func (c Config) Validate() error {
	var errs []error
	z := strings.TrimSuffix(c.Zone, ".")
	if z == "" {
		errs = append(errs, errors.New("zone: must not be empty"))
	} else if _, ok := dns.IsDomainName(z); !ok {
		errs = append(errs, fmt.Errorf("zone %q: not a domain name", c.Zone))
	}
	if c.TTL < 0 || c.TTL%time.Second != 0 || c.TTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("ttl %s: must be whole seconds between 0 and 24h", c.TTL))
	}
	for _, p := range c.ReverseCIDRs {
		if !p.IsValid() || !p.Addr().Is4() || p.Bits() < 8 {
			errs = append(errs, fmt.Errorf("reverse cidr %s: must be a valid IPv4 prefix of /8 or longer", p))
		}
	}
	for _, a := range c.NameserverIPs {
		if !a.Is4() {
			errs = append(errs, fmt.Errorf("nameserver ip %s: must be IPv4", a))
		}
	}
	return errors.Join(errs...)
}

func (c Config) ttl() uint32 { return uint32(c.TTL / time.Second) }
