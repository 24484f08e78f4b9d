package agent

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/agent/node"
	"github.com/shoal-dev/shoal/agent/pods"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/pki"
	"github.com/shoal-dev/shoal/placement"
	"github.com/shoal-dev/shoal/placement/svcaddr"
)

// Config is the agent's configuration; cmd/shoal maps flags onto it.
type Config struct {
	// Name is the node name, unique in the cluster (default: hostname).
	Name string
	// DataDir holds Raft data, certificates, the token and the gossip key.
	DataDir string
	// BindAddr is the IP every listener binds (default 0.0.0.0).
	BindAddr string
	// AdvertiseAddr is the IP other nodes use to reach this one (default:
	// BindAddr when it is specific, else the machine's first global
	// address).
	AdvertiseAddr string
	// Join is the HOST[:PORT] of an agent's API to join through.
	Join string
	// Token is the join token (required with Join).
	Token      string
	GossipPort int
	RaftPort   int
	APIPort    int
	// Voters is the target number of Raft voters (odd, 1..7).
	Voters int
	// Labels are extra node labels.
	Labels map[string]string
	// CPU (millicores) and Memory (bytes) override the machine's capacity
	// when positive.
	CPU    int64
	Memory int64
	// MaxPods is how many pods this node takes (default 110, as kubelet).
	MaxPods int
	// MaxReplicas caps the replicas of a workload written through this
	// agent's API; 0 (the default) means twice the pods the cluster's
	// nodes take together, at least 500. Never above api.MaxReplicas.
	MaxReplicas int
	// PodSecurity is the Pod Security level (privileged, baseline or
	// restricted) of namespaces without the
	// pod-security.kubernetes.io/enforce label, for writes through this
	// agent's API (default baseline).
	PodSecurity api.PodSecurityLevel
	// ForceNewCluster restarts the control plane from the local replica.
	ForceNewCluster bool
	// Restore is a snapshot file (`shoal snapshot save`) to start a new
	// cluster from, on an empty data dir (see restore.go).
	Restore string
	// LeaveOnTerminate makes SIGTERM a graceful leave.
	LeaveOnTerminate bool
	// VoterGrace is how long a voter must be dead before the leader
	// replaces it.
	VoterGrace time.Duration
	// Placement is the scheduling strategy: spread (default) or binpack.
	Placement placement.Strategy
	// NodeGrace is how long a node may be NotReady before its pods are
	// replaced elsewhere.
	NodeGrace time.Duration
	// FenceAfter is how long an agent may be cut off from a Raft majority
	// before it stops its StatefulSet pods; the leader waits at least as
	// long before replacing them.
	FenceAfter time.Duration
	// GossipFast uses short gossip failure-detection timings (tests).
	GossipFast bool
	// RaftSnapshotInterval and RaftSnapshotThreshold replace Raft's
	// snapshot timing when set (tests that need a snapshot soon).
	RaftSnapshotInterval  time.Duration
	RaftSnapshotThreshold uint64
	// CertValidity is how long node certificates this agent signs are
	// valid (0: pki.DefaultNodeValidity); nodes renew theirs once two
	// thirds of it have passed.
	CertValidity time.Duration

	// ClusterCIDR is the pod network; the leader gives each node a /24 of
	// it. It and the next three fields, NodeGrace and FenceAfter are
	// cluster-wide settings (see SettingFlags).
	ClusterCIDR string
	// ServiceCIDR is where service virtual IPs come from (/28 or larger;
	// offsets .1 and .10 are reserved, see placement/svcaddr).
	ServiceCIDR string
	// NodePortRange is where NodePort and LoadBalancer services' node
	// ports come from, "LOW-HIGH" (default 30000-32767).
	NodePortRange string
	// ClusterDomain is the DNS zone of services and pods.
	ClusterDomain string
	// ExplicitFlags names (without dashes) the flags of cluster-wide
	// settings (see SettingFlags) given on the command line: those must
	// match the cluster's values; the others take the cluster's.
	ExplicitFlags map[string]bool
	// Runtime is "containerd" (run the pods assigned here) or "none" (a
	// control-plane test node that accepts assignments and runs nothing).
	Runtime string
	// ContainerdAddress is containerd's socket; when nothing answers there
	// the agent starts containerd itself.
	ContainerdAddress string
	// ContainerdNamespace is the containerd namespace of Shoal's pods.
	ContainerdNamespace string
	// InsecureRegistries are HOST:PORT registries pulled over plain HTTP.
	InsecureRegistries []string
	// RegistryConfig is a docker-style config.json with registry
	// credentials.
	RegistryConfig string
	// RestartBackoff is the first crash-loop back-off delay (doubling up
	// to 5 minutes); 0 means kubelet's 10 s.
	RestartBackoff time.Duration
	// EvictionHard are the free-space thresholds below which this node
	// evicts pods, in kubelet's --eviction-hard syntax (default
	// "nodefs.available<10%,imagefs.available<15%"); Raft's reserve on
	// the data dir's filesystem holds whatever they say (see
	// pods.RaftReserve).
	EvictionHard string

	// DNSAddr is the host-side DNS listener, "IP:PORT"; an empty IP
	// (":53", the flag's default) means the advertise address; "" turns
	// it off. Pods are always served on their bridge's gateway.
	DNSAddr string
	// DNSTTL is the TTL of cluster records (default 5 s).
	DNSTTL time.Duration
	// DNSUpstreams take names outside the cluster, "IP[:PORT]" (default:
	// the host's resolvers).
	DNSUpstreams []string
	// DNSForward are stub domains, "DOMAIN=IP[:PORT][,IP[:PORT]...]".
	DNSForward []string
	// DNSLog logs every DNS query.
	DNSLog bool

	// IngressTrustedProxies are the CIDRs (or IPs) of proxies in front of
	// the ingress whose X-Forwarded-* headers are kept.
	IngressTrustedProxies []string
	// IngressAccessLog logs every ingress request.
	IngressAccessLog bool

	// IngressAddr is the ingress proxy's HTTP listener, "IP:PORT" or
	// ":PORT" (every address of the node; the flag's default is ":80");
	// "" turns it off.
	IngressAddr string
	// IngressTLSAddr is the ingress proxy's HTTPS listener, as IngressAddr
	// (the flag's default is ":443").
	IngressTLSAddr string

	// MetricsAddr, "IP:PORT", also serves /metrics over plain HTTP without
	// a token (for a Prometheus that holds no cluster credential); "" (the
	// default) serves it only on the API port, to token holders and
	// agents.
	MetricsAddr string

	Logger *slog.Logger
}

// Defaults for Config.
const (
	DefaultDataDir    = "/var/lib/shoal"
	DefaultGossipPort = 7946
	DefaultRaftPort   = 7947
	DefaultAPIPort    = 7948
	DefaultVoters     = 3
	DefaultVoterGrace = 10 * time.Second
	DefaultNodeGrace  = 5 * time.Second
	DefaultMaxPods    = 110
	DefaultFenceAfter = 10 * time.Second
	// DefaultGossipProbeInterval and DefaultGossipProbeTimeout are the
	// gossip failure-detection timings without --gossip-fast: half of
	// memberlist's LAN defaults (1 s, 500 ms), so a member that stopped
	// answering is suspect, and its Node not Ready, about twice as soon;
	// Lifeguard still lengthens the timeout on an overloaded agent.
	DefaultGossipProbeInterval = 500 * time.Millisecond
	DefaultGossipProbeTimeout  = 250 * time.Millisecond

	DefaultClusterCIDR         = "10.42.0.0/16"
	DefaultServiceCIDR         = "10.43.0.0/16"
	DefaultClusterDomain       = "cluster.local"
	DefaultNodePortRange       = "30000-32767"
	DefaultContainerdAddress   = "/run/containerd/containerd.sock"
	DefaultContainerdNamespace = "shoal"
	DefaultEvictionHard        = pods.DefaultEvictionHard
	RuntimeContainerd          = "containerd"
	RuntimeNone                = "none"
)

// SetDefaults fills unset fields.
func (c *Config) SetDefaults() {
	if c.Name == "" {
		if h, err := os.Hostname(); err == nil {
			c.Name = strings.ToLower(h)
		}
	}
	if c.DataDir == "" {
		c.DataDir = DefaultDataDir
	}
	if c.CertValidity == 0 {
		c.CertValidity = pki.DefaultNodeValidity
	}
	if c.BindAddr == "" {
		c.BindAddr = "0.0.0.0"
	}
	if c.AdvertiseAddr == "" {
		c.AdvertiseAddr = defaultAdvertise(c.BindAddr)
	}
	if host, port, err := net.SplitHostPort(c.DNSAddr); err == nil && host == "" {
		c.DNSAddr = net.JoinHostPort(c.AdvertiseAddr, port)
	}
	if c.GossipPort == 0 {
		c.GossipPort = DefaultGossipPort
	}
	if c.RaftPort == 0 {
		c.RaftPort = DefaultRaftPort
	}
	if c.APIPort == 0 {
		c.APIPort = DefaultAPIPort
	}
	if c.Voters == 0 {
		c.Voters = DefaultVoters
	}
	if c.VoterGrace == 0 {
		c.VoterGrace = DefaultVoterGrace
	}
	if c.MaxPods == 0 {
		c.MaxPods = DefaultMaxPods
	}
	if c.PodSecurity == "" {
		c.PodSecurity = api.PodSecurityBaseline
	}
	if c.Placement == "" {
		c.Placement = placement.Spread
	}
	if c.NodeGrace == 0 {
		c.NodeGrace = DefaultNodeGrace
	}
	if c.FenceAfter == 0 {
		c.FenceAfter = DefaultFenceAfter
	}
	if c.ClusterCIDR == "" {
		c.ClusterCIDR = DefaultClusterCIDR
	}
	if c.ServiceCIDR == "" {
		c.ServiceCIDR = DefaultServiceCIDR
	}
	if c.ClusterDomain == "" {
		c.ClusterDomain = DefaultClusterDomain
	}
	if c.NodePortRange == "" {
		c.NodePortRange = DefaultNodePortRange
	}
	if c.Runtime == "" {
		c.Runtime = RuntimeContainerd
	}
	if c.ContainerdAddress == "" {
		c.ContainerdAddress = DefaultContainerdAddress
	}
	if c.ContainerdNamespace == "" {
		c.ContainerdNamespace = DefaultContainerdNamespace
	}
	if c.EvictionHard == "" {
		c.EvictionHard = DefaultEvictionHard
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
}

// evictionHard is EvictionHard parsed (Validate has checked it).
func (c *Config) evictionHard() pods.Thresholds {
	ts, _ := pods.ParseEvictionHard(c.EvictionHard)
	return ts
}

// Validate checks the configuration and names what is wrong.
func (c *Config) Validate() error {
	var errs []error
	if !api.IsDNSLabel(c.Name) {
		errs = append(errs, fmt.Errorf("--name %q: must be a DNS-1123 label (lower-case letters, digits, '-', at most 63)", c.Name))
	}
	for _, p := range []struct {
		flag string
		v    int
	}{{"--gossip-port", c.GossipPort}, {"--raft-port", c.RaftPort}, {"--api-port", c.APIPort}} {
		if p.v < 1 || p.v > 65535 {
			errs = append(errs, fmt.Errorf("%s %d: must be 1..65535", p.flag, p.v))
		}
	}
	if c.GossipPort == c.RaftPort || c.GossipPort == c.APIPort || c.RaftPort == c.APIPort {
		errs = append(errs, errors.New("--gossip-port, --raft-port and --api-port must differ"))
	}
	if ip := net.ParseIP(c.BindAddr); ip == nil {
		errs = append(errs, fmt.Errorf("--bind %q: not an IP address", c.BindAddr))
	}
	if ip := net.ParseIP(c.AdvertiseAddr); ip == nil || ip.IsUnspecified() {
		errs = append(errs, fmt.Errorf("--advertise %q: not a usable IP address", c.AdvertiseAddr))
	}
	if c.Voters < 1 || c.Voters > 7 || c.Voters%2 == 0 {
		errs = append(errs, fmt.Errorf("--voters %d: must be odd, 1 to 7 (an even count tolerates no more failures than the odd one below it)", c.Voters))
	}
	if c.Join != "" && c.Token == "" {
		errs = append(errs, errors.New("--join needs --token (print it with `shoal token` on a cluster node)"))
	}
	if c.Join != "" && c.ForceNewCluster {
		errs = append(errs, errors.New("--force-new-cluster and --join exclude each other"))
	}
	if c.Join != "" && c.Restore != "" {
		errs = append(errs, errors.New("--restore and --join exclude each other: restore onto a new cluster, then join other machines to it"))
	}
	if c.MaxPods < 1 || c.MaxPods > 10000 {
		errs = append(errs, fmt.Errorf("--max-pods %d: must be 1..10000", c.MaxPods))
	}
	if _, err := api.ParsePodSecurityLevel(string(c.PodSecurity)); err != nil {
		errs = append(errs, fmt.Errorf("--pod-security: %w", err))
	}
	if _, err := pods.ParseEvictionHard(c.EvictionHard); err != nil {
		errs = append(errs, fmt.Errorf("--eviction-hard: %w", err))
	}
	if c.CertValidity < 30*time.Second {
		errs = append(errs, fmt.Errorf("--cert-validity %s: must be at least 30s", c.CertValidity))
	}
	if c.MaxReplicas < 0 || c.MaxReplicas > api.MaxReplicas {
		errs = append(errs, fmt.Errorf("--max-replicas %d: must be 0 (from the cluster's pod capacity) to %d", c.MaxReplicas, api.MaxReplicas))
	}
	if c.CPU < 0 || c.Memory < 0 {
		errs = append(errs, errors.New("--cpu and --memory must not be negative"))
	}
	if c.VoterGrace < 0 {
		errs = append(errs, errors.New("--voter-grace must not be negative"))
	}
	if c.Placement != placement.Spread && c.Placement != placement.Binpack {
		errs = append(errs, fmt.Errorf("--placement %q: want spread or binpack", c.Placement))
	}
	if c.NodeGrace < 0 || c.FenceAfter < 0 {
		errs = append(errs, errors.New("--node-grace and --fence-after must not be negative"))
	}
	errs = append(errs, c.validateNetwork()...)
	errs = append(errs, c.validateDNS()...)
	errs = append(errs, c.validateIngress()...)
	errs = append(errs, c.validateMetrics()...)
	if c.Runtime != RuntimeContainerd && c.Runtime != RuntimeNone {
		errs = append(errs, fmt.Errorf("--runtime %q: want containerd or none", c.Runtime))
	}
	for _, r := range c.InsecureRegistries {
		if _, _, err := net.SplitHostPort(r); err != nil {
			errs = append(errs, fmt.Errorf("--insecure-registry %q: want HOST:PORT", r))
		}
	}
	if c.RestartBackoff < 0 {
		errs = append(errs, errors.New("--restart-backoff must not be negative"))
	}
	for k, v := range c.Labels {
		if k == "" {
			errs = append(errs, fmt.Errorf("--labels: empty key (value %q)", v))
		}
	}
	return errors.Join(errs...)
}

// validateNetwork checks the pod and service ranges: IPv4, room for at
// least one /24 per node, and not overlapping.
func (c *Config) validateNetwork() []error {
	var errs []error
	cluster, err := netip.ParsePrefix(c.ClusterCIDR)
	switch {
	case err != nil || !cluster.Addr().Is4():
		errs = append(errs, fmt.Errorf("--cluster-cidr %q: want an IPv4 CIDR like 10.42.0.0/16", c.ClusterCIDR))
	case cluster.Bits() > 23:
		errs = append(errs, fmt.Errorf("--cluster-cidr %q: too small, each node takes a /24 (want /23 or larger)", c.ClusterCIDR))
	}
	service, serr := netip.ParsePrefix(c.ServiceCIDR)
	if serr != nil || !service.Addr().Is4() {
		errs = append(errs, fmt.Errorf("--service-cidr %q: want an IPv4 CIDR like 10.43.0.0/16", c.ServiceCIDR))
	} else if err == nil && cluster.Overlaps(service) {
		errs = append(errs, fmt.Errorf("--service-cidr %s overlaps --cluster-cidr %s", c.ServiceCIDR, c.ClusterCIDR))
	} else if service.Bits() > svcaddr.MinServiceCIDRSize {
		errs = append(errs, fmt.Errorf("--service-cidr %q: too small, want /%d or larger (offsets .%d and .%d are reserved)", c.ServiceCIDR, svcaddr.MinServiceCIDRSize, svcaddr.APIOffset, svcaddr.DNSOffset))
	}
	if _, err := svcaddr.ParsePortRange(c.NodePortRange); err != nil {
		errs = append(errs, fmt.Errorf("--node-port-range: %w", err))
	}
	if !validDomain(c.ClusterDomain) {
		errs = append(errs, fmt.Errorf("--cluster-domain %q: want a DNS name like cluster.local", c.ClusterDomain))
	}
	return errs
}

// serviceAddrs is where the leader allocates service addresses from and
// what applies are checked against. Validate must have passed.
func (c *Config) serviceAddrs() svcaddr.Config {
	cidr, _ := netip.ParsePrefix(c.ServiceCIDR)
	r, err := svcaddr.ParsePortRange(c.NodePortRange)
	if err != nil {
		r = svcaddr.DefaultNodePortRange
	}
	reserved := map[string]string{}
	for _, p := range c.reservedPorts() {
		for _, proto := range p.protocols {
			reserved[proto+"/"+strconv.Itoa(p.port)] = p.whose
		}
	}
	return svcaddr.Config{ServiceCIDR: cidr.Masked(), NodePorts: r, Reserved: reserved}
}

// ownPort is a port the agent itself listens on, on the node's addresses.
type ownPort struct {
	port      int
	protocols []string
	whose     string
}

// ownPorts are the agent's own ports other than the ingress proxy's,
// which no service may take: the leader and apply keep them (and the
// ingress ports, see reservedPorts) out of allocations (serviceAddrs) and
// the node's table skips them (newNode).
func (c *Config) ownPorts() []ownPort {
	ports := []ownPort{
		{c.GossipPort, []string{"TCP", "UDP"}, "the Shoal agents' gossip (--gossip-port)"},
		{c.RaftPort, []string{"TCP"}, "the Shoal agents' Raft (--raft-port)"},
		{c.APIPort, []string{"TCP"}, "the Shoal API (--api-port)"},
	}
	ports = append(ports, ownPort{node.PodDNSPort, []string{"TCP", "UDP"}, "the cluster DNS (pods' nameserver)"})
	if p := c.dnsPort(); p != 0 && p != node.PodDNSPort {
		ports = append(ports, ownPort{p, []string{"TCP", "UDP"}, "the cluster DNS (--dns-addr)"})
	}
	if p := c.metricsPort(); p != 0 {
		ports = append(ports, ownPort{p, []string{"TCP"}, "the agent's metrics (--metrics-addr)"})
	}
	return ports
}

// reservedPorts are the ports no NodePort or LoadBalancer service may
// take: the agent's own (ownPorts) and the ingress proxy's listeners.
func (c *Config) reservedPorts() []ownPort {
	return append(c.ownPorts(), c.ingressPorts()...)
}

func validDomain(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, l := range strings.Split(s, ".") {
		if !api.IsDNSLabel(l) {
			return false
		}
	}
	return true
}

// defaultAdvertise picks the address to advertise when none is given: the
// bind address if specific, else the first global unicast address of an
// up interface, else loopback.
func defaultAdvertise(bind string) string {
	if ip := net.ParseIP(bind); ip != nil && !ip.IsUnspecified() {
		return bind
	}
	ifaces, err := net.Interfaces()
	if err == nil {
		for _, ifc := range ifaces {
			if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
				continue
			}
			addrs, err := ifc.Addrs()
			if err != nil {
				continue
			}
			for _, a := range addrs {
				if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil && ipn.IP.IsGlobalUnicast() {
					return ipn.IP.String()
				}
			}
		}
	}
	return "127.0.0.1"
}
