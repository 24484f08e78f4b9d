package gossip

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"
)

// DefaultBindPort is the gossip port (TCP and UDP).
const DefaultBindPort = 7946

// KeySize is the length of the cluster gossip key: AES-256.
const KeySize = 32

// Label is put on every gossip packet and stream; memberlist drops traffic
// with another label.
const Label = "shoal"

// Defaults for the Config fields whose zero value means "default".
const (
	// DefaultBroadcastTimeout bounds how long UpdateMeta and Leave wait for
	// their broadcast to go out.
	DefaultBroadcastTimeout = 5 * time.Second
	// DefaultDeadRetention is how long dead and left members stay in
	// Members (the same as Serf's reconnect and tombstone timeouts).
	DefaultDeadRetention = 24 * time.Hour
	// DefaultReconnectInterval is how often a node tries to join one of
	// the members it lists as dead, so that both sides of a healed
	// partition find each other again (Serf's reconnect, faster:
	// memberlist stops gossiping to the dead after 30 s).
	DefaultReconnectInterval = 3 * time.Second
)

// Config configures a Gossip. Start from DefaultConfig; zero timing fields
// take memberlist's LAN defaults.
type Config struct {
	// Name is this node's name, unique in the cluster. Required.
	Name string
	// BindAddr is the IP to listen on; empty means all interfaces.
	BindAddr string
	// BindPort is the TCP and UDP port to listen on; 0 picks a free port
	// (tests), DefaultConfig sets DefaultBindPort.
	BindPort int
	// AdvertiseAddr is the IP other nodes reach this one at. Empty means
	// the bind address, or the first private IP when bound to all
	// interfaces.
	AdvertiseAddr string
	// AdvertisePort is the port other nodes reach this one at; 0 means
	// the bound port.
	AdvertisePort int
	// Key is the 32-byte AES-256 cluster key (see GenerateKey). Required:
	// gossip is always encrypted and authenticated.
	Key []byte
	// Meta is what this node gossips about itself at start; change it
	// later with UpdateMeta.
	Meta Meta
	// Logger receives this package's logs and memberlist's (its DEBUG lines
	// dropped, INFO at debug level). Nil discards them.
	Logger *slog.Logger

	// ProbeInterval is the time between failure-detection probes of a
	// random member (memberlist LAN default 1s).
	ProbeInterval time.Duration
	// ProbeTimeout is how long a probe waits for a direct ack before
	// trying indirect probes (default 500ms); at most ProbeInterval.
	ProbeTimeout time.Duration
	// SuspicionMult scales how long a member stays suspect before it is
	// declared dead: SuspicionMult * max(1, log10(members)) * ProbeInterval
	// (default 4).
	SuspicionMult int
	// GossipInterval is the time between gossip rounds that spread
	// updates (default 200ms).
	GossipInterval time.Duration
	// PushPullInterval is the time between full state syncs with a random
	// member (default 30s).
	PushPullInterval time.Duration
	// BroadcastTimeout bounds how long UpdateMeta and Leave wait for their
	// message to be gossiped (default DefaultBroadcastTimeout).
	BroadcastTimeout time.Duration
	// DeadRetention is how long dead and left members stay in Members
	// after they went away (default DefaultDeadRetention). A member that
	// comes back before then becomes alive again.
	DeadRetention time.Duration
	// ReconnectInterval is the time between attempts to join a random
	// dead member at its last address (default DefaultReconnectInterval).
	// One attempt is in flight at a time.
	ReconnectInterval time.Duration
}

// DefaultConfig returns a Config listening on all interfaces on
// DefaultBindPort with LAN timings; Name and Key still need to be set.
func DefaultConfig() Config {
	return Config{BindPort: DefaultBindPort}
}

// Validate checks c, including that c.Meta fits in MetaMaxSize.
func (c Config) Validate() error {
	var errs []error
	if c.Name == "" {
		errs = append(errs, errors.New("name is required"))
	}
	if c.BindAddr != "" && net.ParseIP(c.BindAddr) == nil {
		errs = append(errs, fmt.Errorf("bind address %q is not an IP address", c.BindAddr))
	}
	if c.AdvertiseAddr != "" && net.ParseIP(c.AdvertiseAddr) == nil {
		errs = append(errs, fmt.Errorf("advertise address %q is not an IP address", c.AdvertiseAddr))
	}
	if c.BindPort < 0 || c.BindPort > 65535 {
		errs = append(errs, fmt.Errorf("bind port %d is out of range 0-65535", c.BindPort))
	}
	if c.AdvertisePort < 0 || c.AdvertisePort > 65535 {
		errs = append(errs, fmt.Errorf("advertise port %d is out of range 0-65535", c.AdvertisePort))
	}
	if len(c.Key) != KeySize {
		errs = append(errs, fmt.Errorf("key is %d bytes, want %d (AES-256)", len(c.Key), KeySize))
	}
	if _, err := encodeMeta(c.Meta, false); err != nil {
		errs = append(errs, fmt.Errorf("meta: %w", err))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{
		{"probe interval", c.ProbeInterval},
		{"probe timeout", c.ProbeTimeout},
		{"gossip interval", c.GossipInterval},
		{"push/pull interval", c.PushPullInterval},
		{"broadcast timeout", c.BroadcastTimeout},
		{"dead retention", c.DeadRetention},
		{"reconnect interval", c.ReconnectInterval},
	} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %s is negative", d.name, d.v))
		}
	}
	if c.SuspicionMult < 0 {
		errs = append(errs, fmt.Errorf("suspicion multiplier %d is negative", c.SuspicionMult))
	}
	if d := c.withDefaults(); d.ProbeTimeout > d.ProbeInterval {
		errs = append(errs, fmt.Errorf("probe timeout %s is longer than probe interval %s", d.ProbeTimeout, d.ProbeInterval))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("gossip config: %w", err)
	}
	return nil
}

// lanDefaults are the timings of memberlist.DefaultLANConfig, copied so
// that defaulting does no I/O (DefaultLANConfig reads the hostname); a test
// checks they still match.
var lanDefaults = struct {
	ProbeInterval, ProbeTimeout, GossipInterval, PushPullInterval time.Duration
	SuspicionMult                                                 int
}{
	ProbeInterval:    time.Second,
	ProbeTimeout:     500 * time.Millisecond,
	GossipInterval:   200 * time.Millisecond,
	PushPullInterval: 30 * time.Second,
	SuspicionMult:    4,
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	lan := lanDefaults
	if c.BindAddr == "" {
		c.BindAddr = "0.0.0.0"
	}
	if c.ProbeInterval == 0 {
		c.ProbeInterval = lan.ProbeInterval
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = min(lan.ProbeTimeout, c.ProbeInterval)
	}
	if c.SuspicionMult == 0 {
		c.SuspicionMult = lan.SuspicionMult
	}
	if c.GossipInterval == 0 {
		c.GossipInterval = lan.GossipInterval
	}
	if c.PushPullInterval == 0 {
		c.PushPullInterval = lan.PushPullInterval
	}
	if c.BroadcastTimeout == 0 {
		c.BroadcastTimeout = DefaultBroadcastTimeout
	}
	if c.DeadRetention == 0 {
		c.DeadRetention = DefaultDeadRetention
	}
	if c.ReconnectInterval == 0 {
		c.ReconnectInterval = DefaultReconnectInterval
	}
	return c
}
