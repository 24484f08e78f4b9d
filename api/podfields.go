package api

// Pod-level fields of issue 12: DNS (dnsPolicy, dnsConfig, hostAliases),
// host namespaces (hostNetwork, hostPID, hostIPC) and the pod
// securityContext's sysctls. The agent writes the pod's resolv.conf and
// hosts from them (agent/pods/dns.go).

// DNSPolicy says where a pod's resolv.conf comes from.
type DNSPolicy string

// DNS policies, as in Kubernetes.
const (
	// DNSClusterFirst names the cluster's DNS with the cluster search
	// path (the default); a hostNetwork pod gets DNSDefault instead.
	DNSClusterFirst DNSPolicy = "ClusterFirst"
	// DNSClusterFirstWithHostNet is ClusterFirst, also for hostNetwork
	// pods.
	DNSClusterFirstWithHostNet DNSPolicy = "ClusterFirstWithHostNet"
	// DNSDefault is the node's resolvers, as the agent's DNS forwarder
	// sees them.
	DNSDefault DNSPolicy = "Default"
	// DNSNone takes everything from the pod's dnsConfig.
	DNSNone DNSPolicy = "None"
)

// DNS limits, as in Kubernetes (and glibc for nameservers).
const (
	// MaxDNSNameservers is the most nameservers a resolv.conf may list.
	MaxDNSNameservers = 3
	// MaxDNSSearches is the most search domains.
	MaxDNSSearches = 32
	// MaxDNSSearchChars is the most characters of all search domains
	// together.
	MaxDNSSearchChars = 2048
)

// PodDNSConfig adds to (or, with dnsPolicy None, makes up) the pod's
// resolv.conf.
type PodDNSConfig struct {
	// Nameservers are appended to the policy's (duplicates dropped), at
	// most 3 in all.
	Nameservers []string `json:"nameservers,omitempty"`
	// Searches are appended to the policy's search path (duplicates
	// dropped).
	Searches []string `json:"searches,omitempty"`
	// Options replace the policy's options of the same name and add the
	// others.
	Options []PodDNSConfigOption `json:"options,omitempty"`
}

// PodDNSConfigOption is one resolv.conf option, such as ndots:2.
type PodDNSConfigOption struct {
	// Name is the option's name (required).
	Name string `json:"name,omitempty"`
	// Value is the option's value, if it takes one.
	Value *string `json:"value,omitempty"`
}

// HostAlias adds a line to the pod's /etc/hosts.
type HostAlias struct {
	// IP is the address the host names resolve to.
	IP string `json:"ip"`
	// Hostnames are the names for IP.
	Hostnames []string `json:"hostnames,omitempty"`
}

// Sysctl is a kernel parameter set in the pod's namespaces.
type Sysctl struct {
	// Name is the sysctl, such as net.ipv4.tcp_syncookies.
	Name string `json:"name"`
	// Value is what it is set to.
	Value string `json:"value"`
}

// PodFSGroupChangePolicy says when volumes are given to the fsGroup.
// Shoal gives only a volume's top directory to the fsGroup, which is
// cheap, so both policies behave the same.
type PodFSGroupChangePolicy string

// fsGroup change policies.
const (
	// FSGroupChangeOnRootMismatch changes ownership only when the
	// volume's root does not match.
	FSGroupChangeOnRootMismatch PodFSGroupChangePolicy = "OnRootMismatch"
	// FSGroupChangeAlways changes ownership on every mount.
	FSGroupChangeAlways PodFSGroupChangePolicy = "Always"
)

// EffectiveDNSPolicy is the policy the pod's resolv.conf follows: its
// dnsPolicy, ClusterFirst when unset, and, as in Kubernetes, Default for a
// hostNetwork pod whose policy is ClusterFirst.
func (s *PodSpec) EffectiveDNSPolicy() DNSPolicy {
	p := s.DNSPolicy
	if p == "" {
		p = DNSClusterFirst
	}
	if p == DNSClusterFirst && s.HostNetwork {
		return DNSDefault
	}
	if p == DNSClusterFirstWithHostNet {
		return DNSClusterFirst
	}
	return p
}
