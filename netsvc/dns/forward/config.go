package forward

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/miekg/dns"
	"github.com/prometheus/client_golang/prometheus"
)

// Defaults for the zero fields of a Config.
const (
	DefaultTimeout     = 2 * time.Second
	DefaultCacheSize   = 10000
	DefaultMaxTTL      = time.Hour
	DefaultMaxInflight = 256
	DefaultDownFor     = 5 * time.Second
)

// Config says where a Forwarder sends questions and how it caches answers.
type Config struct {
	// Upstreams are the resolvers for every name no stub domain matches,
	// "IP" or "IP:PORT" ("[IPv6]:PORT"); the port defaults to 53. Tried in
	// order, a failing one last.
	Upstreams []string
	// Domains forwards a domain and its subdomains to their own resolvers
	// instead, as CoreDNS stub domains do: "example.internal" →
	// ["10.0.0.53"]. The longest matching domain wins.
	Domains map[string][]string
	// Timeout bounds one attempt at one upstream (UDP and a TCP retry each).
	// Zero means DefaultTimeout.
	Timeout time.Duration
	// CacheSize is how many answers the cache holds at most; the least
	// recently used go first. Zero means DefaultCacheSize; negative turns the
	// cache off.
	CacheSize int
	// MinTTL and MaxTTL clamp how long an answer stays cached. Zero MaxTTL
	// means DefaultMaxTTL.
	MinTTL, MaxTTL time.Duration
	// MaxInflight bounds the questions outstanding at one upstream, so a slow
	// one cannot hold every query; past it the next upstream is asked. Zero
	// means DefaultMaxInflight.
	MaxInflight int
	// DownFor is how long a failed upstream is tried only after the others.
	// Zero means DefaultDownFor.
	DownFor time.Duration
	// Logger receives upstream failures; nil discards them.
	Logger *slog.Logger
	// Registerer, if set, gets the cache and upstream metrics.
	Registerer prometheus.Registerer
}

// Validate says what is wrong with c, naming every bad field.
func (c Config) Validate() error {
	var errs []error
	if len(c.Upstreams) == 0 {
		errs = append(errs, errors.New("upstreams: none given"))
	}
	for i, u := range c.Upstreams {
		if _, err := ParseUpstream(u); err != nil {
			errs = append(errs, fmt.Errorf("upstreams[%d]: %w", i, err))
		}
	}
	for d, ups := range c.Domains {
		if _, ok := dns.IsDomainName(d); !ok || d == "" {
			errs = append(errs, fmt.Errorf("domains: %q is not a domain name", d))
		}
		if len(ups) == 0 {
			errs = append(errs, fmt.Errorf("domains[%q]: no upstream given", d))
		}
		for i, u := range ups {
			if _, err := ParseUpstream(u); err != nil {
				errs = append(errs, fmt.Errorf("domains[%q][%d]: %w", d, i, err))
			}
		}
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s: must not be negative", c.Timeout))
	}
	if c.MinTTL < 0 {
		errs = append(errs, fmt.Errorf("min TTL %s: must not be negative", c.MinTTL))
	}
	if c.MaxTTL < 0 {
		errs = append(errs, fmt.Errorf("max TTL %s: must not be negative", c.MaxTTL))
	}
	if c.MaxTTL > 0 && c.MinTTL > c.MaxTTL {
		errs = append(errs, fmt.Errorf("min TTL %s: above max TTL %s", c.MinTTL, c.MaxTTL))
	}
	if c.MaxInflight < 0 {
		errs = append(errs, fmt.Errorf("max inflight %d: must not be negative", c.MaxInflight))
	}
	if c.DownFor < 0 {
		errs = append(errs, fmt.Errorf("down for %s: must not be negative", c.DownFor))
	}
	return errors.Join(errs...)
}

// withDefaults fills the zero fields of c.
func (c Config) withDefaults() Config {
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.CacheSize == 0 {
		c.CacheSize = DefaultCacheSize
	}
	if c.MaxTTL == 0 {
		c.MaxTTL = DefaultMaxTTL
	}
	if c.MaxInflight == 0 {
		c.MaxInflight = DefaultMaxInflight
	}
	if c.DownFor == 0 {
		c.DownFor = DefaultDownFor
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// ParseUpstream reads "IP" or "IP:PORT" ("[IPv6]:PORT"); the port defaults
// to 53.
func ParseUpstream(s string) (netip.AddrPort, error) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		if ap.Port() == 0 {
			return netip.AddrPort{}, fmt.Errorf("upstream %q: port 0", s)
		}
		return ap, nil
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("upstream %q: not IP or IP:PORT", s)
	}
	return netip.AddrPortFrom(a, 53), nil
}
