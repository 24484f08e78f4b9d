package ingress

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/netsvc/ingress/route"
)

// Routes is the routing table the proxy reads; *route.Table implements it.
type Routes interface {
	// Match returns the backend of a request for host and path.
	Match(host, path string) (*route.Backend, bool)
	// TLSSecret returns the TLS Secret that serves host, if any.
	TLSSecret(host string) (api.Key, bool)
}

var _ Routes = (*route.Table)(nil)

// Secrets looks up TLS Secrets by key (the agent backs it with its view).
type Secrets interface {
	// Secret returns the secret named by key, if it exists.
	Secret(key api.Key) (*api.Secret, bool)
}

// Defaults of Config's zero fields.
const (
	DefaultDialTimeout           = 5 * time.Second
	DefaultResponseHeaderTimeout = 60 * time.Second
	DefaultMaxBodyBytes          = 100 << 20
	DefaultRetries               = 2
	DefaultEjectBase             = 5 * time.Second
	DefaultEjectMax              = 30 * time.Second
	DefaultReadHeaderTimeout     = 10 * time.Second
	DefaultIdleTimeout           = 120 * time.Second
	DefaultShutdownTimeout       = 30 * time.Second
	DefaultMaxIdleConnsPerHost   = 256
)

// Config configures a Proxy. Zero durations and sizes take the defaults
// above; there is deliberately no overall request timeout, so streams,
// WebSockets and long polls live as long as both sides want.
type Config struct {
	// TrustedProxies are the networks of proxies in front of the ingress
	// (load balancers) whose X-Forwarded-* and X-Real-IP headers are kept
	// and extended; from any other peer they are replaced.
	TrustedProxies []netip.Prefix
	// DialTimeout bounds connecting to a backend endpoint.
	DialTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for a backend's response
	// headers once the request is written (504 beyond).
	ResponseHeaderTimeout time.Duration
	// MaxBodyBytes is the largest request body accepted (413 beyond);
	// negative means no limit.
	MaxBodyBytes int64
	// Retries is how many other endpoints an idempotent request without
	// a body is tried on when connecting fails; negative means none.
	Retries int
	// EjectBase is how long an endpoint that refused a connection is left
	// out; it doubles with each consecutive failure up to EjectMax.
	EjectBase, EjectMax time.Duration
	// MaxIdleConnsPerHost is the keep-alive pool size per endpoint.
	MaxIdleConnsPerHost int
	// ReadHeaderTimeout and IdleTimeout are the listeners' timeouts for
	// reading a request's headers and for an idle keep-alive connection.
	ReadHeaderTimeout, IdleTimeout time.Duration
	// ShutdownTimeout bounds draining in-flight requests on shutdown.
	ShutdownTimeout time.Duration
	// Secrets serves the TLS Secrets; nil serves only the default
	// certificate.
	Secrets Secrets
	// Registerer receives the metrics; nil means none.
	Registerer prometheus.Registerer
	// Logger gets warnings (bad Secrets) and debug lines; nil discards.
	Logger *slog.Logger
	// AccessLog gets one Info line per request; nil turns it off.
	AccessLog *slog.Logger
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	def(&c.DialTimeout, DefaultDialTimeout)
	def(&c.ResponseHeaderTimeout, DefaultResponseHeaderTimeout)
	def(&c.EjectBase, DefaultEjectBase)
	def(&c.EjectMax, DefaultEjectMax)
	def(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.ShutdownTimeout, DefaultShutdownTimeout)
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.Retries == 0 {
		c.Retries = DefaultRetries
	}
	if c.Retries < 0 {
		c.Retries = 0
	}
	if c.MaxIdleConnsPerHost == 0 {
		c.MaxIdleConnsPerHost = DefaultMaxIdleConnsPerHost
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate reports the first field that makes no sense, after defaults.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"dial timeout", c.DialTimeout},
		{"response header timeout", c.ResponseHeaderTimeout},
		{"eject base", c.EjectBase},
		{"eject max", c.EjectMax},
		{"read header timeout", c.ReadHeaderTimeout},
		{"idle timeout", c.IdleTimeout},
		{"shutdown timeout", c.ShutdownTimeout},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %v is negative", d.name, d.v))
		}
	}
	if c.EjectMax < c.EjectBase {
		errs = append(errs, fmt.Errorf("eject max %v is below eject base %v", c.EjectMax, c.EjectBase))
	}
	if c.MaxIdleConnsPerHost < 0 {
		errs = append(errs, fmt.Errorf("max idle conns per host %d is negative", c.MaxIdleConnsPerHost))
	}
	for _, p := range c.TrustedProxies {
		if !p.IsValid() {
			errs = append(errs, fmt.Errorf("trusted proxy %v is not a valid prefix", p))
		}
	}
	return errors.Join(errs...)
}
