package api

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

func init() {
	register(&Kind{
		Name: "ClusterConfig", APIVersion: "shoal.dev/v1", Plural: "clusterconfigs",
		Aliases: []string{"clusterconfig"}, Namespaced: false, UserWritable: false,
		New: func() Object { return &ClusterConfig{} },
	})
}

// ClusterConfigName is the name of the one ClusterConfig object.
const ClusterConfigName = "cluster"

// ClusterConfig holds the settings every agent of a cluster must share.
// There is one, named "cluster". The first leader writes it from its own
// flags when the cluster is created (or, in a cluster made before it
// existed, when a leader first finds it missing) and nothing changes it
// afterwards: agents that join or restart take their settings from it, and
// one given a flag that disagrees refuses to start.
type ClusterConfig struct {
	TypeMeta   `json:",inline"`
	ObjectMeta `json:"metadata"`
	Spec       ClusterConfigSpec `json:"spec"`
}

// ClusterConfigSpec are the cluster-wide settings. Each field is the value
// of the agent flag of the same name.
type ClusterConfigSpec struct {
	// ClusterCIDR is the pod network (--cluster-cidr); each node gets a
	// /24 of it.
	ClusterCIDR string `json:"clusterCIDR"`
	// ServiceCIDR is where ClusterIPs come from (--service-cidr).
	ServiceCIDR string `json:"serviceCIDR"`
	// ClusterDomain is the DNS zone of services and pods
	// (--cluster-domain).
	ClusterDomain string `json:"clusterDomain"`
	// NodePortRange is the "LOW-HIGH" port range of NodePort and
	// LoadBalancer services (--node-port-range).
	NodePortRange string `json:"nodePortRange"`
	// NodeGrace is how long a node may be NotReady before its pods are
	// replaced elsewhere (--node-grace).
	NodeGrace Duration `json:"nodeGrace"`
	// FenceAfter is how long an agent cut off from a Raft majority keeps
	// its StatefulSet pods; the leader waits at least as long before
	// replacing them (--fence-after).
	FenceAfter Duration `json:"fenceAfter"`
	// PodSecurity is the Pod Security level of namespaces without the
	// pod-security.kubernetes.io/enforce label (--pod-security); empty in
	// a cluster created before it was cluster-wide, which means baseline.
	PodSecurity PodSecurityLevel `json:"podSecurity,omitempty"`
	// MaxReplicas caps the replicas of one workload (--max-replicas); 0
	// takes the limit from the cluster's pod capacity.
	MaxReplicas int `json:"maxReplicas,omitempty"`
}

// Duration is a time.Duration that JSON and YAML write the way Go prints
// it: "5s", "1m30s", "500ms".
type Duration time.Duration

// String returns the duration as Go prints it.
func (d Duration) String() string { return time.Duration(d).String() }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string such as "5s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string like \"5s\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration like \"5s\": %w", err)
	}
	*d = Duration(v)
	return nil
}

// ParsePortRange reads a port range "LOW-HIGH", or a single port "P", as
// --node-port-range takes it: 1 <= LOW <= HIGH <= 65535.
func ParsePortRange(s string) (low, high int32, err error) {
	lo, hi, found := strings.Cut(strings.TrimSpace(s), "-")
	if !found {
		hi = lo
	}
	l, lerr := strconv.ParseInt(strings.TrimSpace(lo), 10, 32)
	h, herr := strconv.ParseInt(strings.TrimSpace(hi), 10, 32)
	switch {
	case lerr != nil || herr != nil:
		return 0, 0, fmt.Errorf("port range %q: want LOW-HIGH, e.g. 30000-32767", s)
	case l < 1 || l > 65535 || h < 1 || h > 65535:
		return 0, 0, fmt.Errorf("port range %q: both ends must be 1-65535, got %d-%d", s, l, h)
	case l > h:
		return 0, 0, fmt.Errorf("port range %q: low end %d is above high end %d", s, l, h)
	}
	return int32(l), int32(h), nil
}

// validateClusterConfig checks the one ClusterConfig.
func validateClusterConfig(e *errs, c *ClusterConfig) {
	if c.Name != "" && c.Name != ClusterConfigName {
		e.add("metadata.name", "got %s, want %q: a cluster has one ClusterConfig", quote(c.Name), ClusterConfigName)
	}
	s := &c.Spec
	cluster, cerr := netip.ParsePrefix(s.ClusterCIDR)
	switch {
	case cerr != nil || !cluster.Addr().Is4():
		e.add("spec.clusterCIDR", "got %s, want an IPv4 CIDR like 10.42.0.0/16", quote(s.ClusterCIDR))
	case cluster.Bits() > 23:
		e.add("spec.clusterCIDR", "%s is too small: each node takes a /24 (want /23 or larger)", s.ClusterCIDR)
	}
	service, serr := netip.ParsePrefix(s.ServiceCIDR)
	switch {
	case serr != nil || !service.Addr().Is4():
		e.add("spec.serviceCIDR", "got %s, want an IPv4 CIDR like 10.43.0.0/16", quote(s.ServiceCIDR))
	case cerr == nil && cluster.Overlaps(service):
		e.add("spec.serviceCIDR", "%s overlaps the cluster CIDR %s", s.ServiceCIDR, s.ClusterCIDR)
	}
	if s.ClusterDomain == "" {
		e.required("spec.clusterDomain")
	} else {
		e.check("spec.clusterDomain", s.ClusterDomain, dnsSubdomainError(s.ClusterDomain))
	}
	if _, _, err := ParsePortRange(s.NodePortRange); err != nil {
		e.add("spec.nodePortRange", "%s", err)
	}
	if s.NodeGrace < 0 {
		e.add("spec.nodeGrace", "must not be negative, got %s", s.NodeGrace)
	}
	if s.PodSecurity != "" {
		if _, err := ParsePodSecurityLevel(string(s.PodSecurity)); err != nil {
			e.add("spec.podSecurity", "%v", err)
		}
	}
	if s.MaxReplicas < 0 || s.MaxReplicas > MaxReplicas {
		e.add("spec.maxReplicas", "got %d, want 0 to %d", s.MaxReplicas, MaxReplicas)
	}
	if s.FenceAfter < 0 {
		e.add("spec.fenceAfter", "must not be negative, got %s", s.FenceAfter)
	}
}
