package agent

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/api"
)

// Cluster-wide settings are the Config fields every agent must share: the
// pod and service networks, the DNS zone, the NodePort range, and the two
// timings the leader's controllers and every node's fencing must agree on.
// They are agreed once: the first leader records its own values in the
// replicated ClusterConfig object when the cluster is created (or, in a
// cluster made before the object existed, when a leader first finds it
// missing), and nothing changes them afterwards. Every agent then takes
// them from its replica before its node side starts; a flag given on the
// command line that disagrees stops the agent with an error naming it.
//
// The object is written once and never changed or deleted, so an agent
// need not wait for its replica to catch up: once the object is in the
// replica, it holds the cluster's values. For the same reason a copy in the
// data dir is as good as the replica: an agent keeps one, so that after a
// restart it adopts the settings at once, even cut off from the cluster
// (its fence monitor must run then).

// setting is one cluster-wide setting: its flag (without dashes), how to
// read it from a Config and from the stored spec, how to compare two
// values, and how to adopt the cluster's value.
type setting struct {
	flag    string
	config  func(*Config) string
	cluster func(*api.ClusterConfigSpec) string
	// same compares two values in the setting's own terms (10.96.0.1/16
	// is 10.96.0.0/16, "120s" is "2m0s").
	same  func(a, b string) bool
	adopt func(*Config, *api.ClusterConfigSpec)
}

var settings = []setting{
	{
		flag:    "cluster-cidr",
		config:  func(c *Config) string { return c.ClusterCIDR },
		cluster: func(s *api.ClusterConfigSpec) string { return s.ClusterCIDR },
		same:    samePrefix,
		adopt:   func(c *Config, s *api.ClusterConfigSpec) { c.ClusterCIDR = s.ClusterCIDR },
	},
	{
		flag:    "service-cidr",
		config:  func(c *Config) string { return c.ServiceCIDR },
		cluster: func(s *api.ClusterConfigSpec) string { return s.ServiceCIDR },
		same:    samePrefix,
		adopt:   func(c *Config, s *api.ClusterConfigSpec) { c.ServiceCIDR = s.ServiceCIDR },
	},
	{
		flag:    "cluster-domain",
		config:  func(c *Config) string { return c.ClusterDomain },
		cluster: func(s *api.ClusterConfigSpec) string { return s.ClusterDomain },
		same:    sameDomain,
		adopt:   func(c *Config, s *api.ClusterConfigSpec) { c.ClusterDomain = s.ClusterDomain },
	},
	{
		flag:    "node-port-range",
		config:  func(c *Config) string { return c.NodePortRange },
		cluster: func(s *api.ClusterConfigSpec) string { return s.NodePortRange },
		same:    samePortRange,
		adopt:   func(c *Config, s *api.ClusterConfigSpec) { c.NodePortRange = s.NodePortRange },
	},
	{
		flag:    "node-grace",
		config:  func(c *Config) string { return c.NodeGrace.String() },
		cluster: func(s *api.ClusterConfigSpec) string { return s.NodeGrace.String() },
		same:    sameDuration,
		adopt:   func(c *Config, s *api.ClusterConfigSpec) { c.NodeGrace = time.Duration(s.NodeGrace) },
	},
	{
		flag:    "fence-after",
		config:  func(c *Config) string { return c.FenceAfter.String() },
		cluster: func(s *api.ClusterConfigSpec) string { return s.FenceAfter.String() },
		same:    sameDuration,
		adopt:   func(c *Config, s *api.ClusterConfigSpec) { c.FenceAfter = time.Duration(s.FenceAfter) },
	},
	{
		flag:    "pod-security",
		config:  func(c *Config) string { return string(c.PodSecurity) },
		cluster: func(s *api.ClusterConfigSpec) string { return string(clusterPodSecurity(s)) },
		same:    func(a, b string) bool { return a == b },
		adopt:   func(c *Config, s *api.ClusterConfigSpec) { c.PodSecurity = clusterPodSecurity(s) },
	},
	{
		flag:    "max-replicas",
		config:  func(c *Config) string { return strconv.Itoa(c.MaxReplicas) },
		cluster: func(s *api.ClusterConfigSpec) string { return strconv.Itoa(s.MaxReplicas) },
		same:    func(a, b string) bool { return a == b },
		adopt:   func(c *Config, s *api.ClusterConfigSpec) { c.MaxReplicas = s.MaxReplicas },
	},
}

// clusterPodSecurity is the cluster's default Pod Security level; a
// cluster created before the setting was cluster-wide has baseline.
func clusterPodSecurity(s *api.ClusterConfigSpec) api.PodSecurityLevel {
	if s.PodSecurity == "" {
		return api.PodSecurityBaseline
	}
	return s.PodSecurity
}

// SettingFlags are the flags of the cluster-wide settings, without dashes.
func SettingFlags() []string {
	out := make([]string, len(settings))
	for i, s := range settings {
		out[i] = s.flag
	}
	return out
}

// clusterSpecOf returns the cluster-wide settings of c, in canonical form
// (CIDRs masked, the domain in lower case): what a leader records for a
// new cluster. c must be valid.
func clusterSpecOf(c *Config) api.ClusterConfigSpec {
	canon := func(s string) string {
		if p, err := netip.ParsePrefix(s); err == nil {
			return p.Masked().String()
		}
		return s
	}
	return api.ClusterConfigSpec{
		ClusterCIDR:   canon(c.ClusterCIDR),
		ServiceCIDR:   canon(c.ServiceCIDR),
		ClusterDomain: strings.ToLower(strings.TrimSuffix(c.ClusterDomain, ".")),
		NodePortRange: c.NodePortRange,
		NodeGrace:     api.Duration(c.NodeGrace),
		FenceAfter:    api.Duration(c.FenceAfter),
		PodSecurity:   c.PodSecurity,
		MaxReplicas:   c.MaxReplicas,
	}
}

// checkSettings compares the settings given explicitly in c (by flag, see
// Config.ExplicitFlags) with the cluster's, and names every one that
// disagrees. Settings not given explicitly never conflict.
func checkSettings(c *Config, cluster *api.ClusterConfigSpec) error {
	var errs []error
	for _, s := range settings {
		if !c.ExplicitFlags[s.flag] {
			continue
		}
		mine, theirs := s.config(c), s.cluster(cluster)
		if !s.same(mine, theirs) {
			errs = append(errs, fmt.Errorf("--%s %s conflicts with the cluster's %s, agreed when the cluster was created; drop the flag or use the cluster's value", s.flag, mine, theirs))
		}
	}
	return errors.Join(errs...)
}

// adoptSettings makes the cluster's settings c's own. Only the setting
// fields are written, one by one, so goroutines that read other fields of
// c meanwhile do not race with it.
func adoptSettings(c *Config, cluster *api.ClusterConfigSpec) {
	for _, s := range settings {
		s.adopt(c, cluster)
	}
}

func samePrefix(a, b string) bool {
	pa, errA := netip.ParsePrefix(a)
	pb, errB := netip.ParsePrefix(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return pa.Masked() == pb.Masked()
}

func sameDomain(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

func samePortRange(a, b string) bool {
	la, ha, errA := api.ParsePortRange(a)
	lb, hb, errB := api.ParsePortRange(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return la == lb && ha == hb
}

func sameDuration(a, b string) bool {
	da, errA := time.ParseDuration(a)
	db, errB := time.ParseDuration(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return da == db
}
