package agent

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
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
// replica, it holds the cluster's values.

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
	fa, la, errA := api.ParsePortRange(a)
	fb, lb, errB := api.ParsePortRange(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return fa == fb && la == lb
}

func sameDuration(a, b string) bool {
	da, errA := time.ParseDuration(a)
	db, errB := time.ParseDuration(b)
	if errA != nil || errB != nil {
		return a == b
	}
	return da == db
}

// settingsLogInterval is how often an agent waiting for the cluster's
// settings says so.
const settingsLogInterval = 30 * time.Second

// settle waits until the cluster's settings are in this replica, checks
// the explicit flags against them and adopts them; then it closes
// a.settled and the node side may start. It returns an error naming every
// conflicting flag, and nil if ctx ends first.
func (a *Agent) settle(ctx context.Context) error {
	cluster, err := a.waitClusterConfig(ctx)
	if err != nil || cluster == nil {
		return err
	}
	if err := checkSettings(&a.cfg, cluster); err != nil {
		return err
	}
	adoptSettings(&a.cfg, cluster)
	a.logger.Info("cluster settings", "cluster_cidr", cluster.ClusterCIDR, "service_cidr", cluster.ServiceCIDR,
		"cluster_domain", cluster.ClusterDomain, "node_port_range", cluster.NodePortRange,
		"node_grace", cluster.NodeGrace.String(), "fence_after", cluster.FenceAfter.String())
	close(a.settled)
	return nil
}

// waitClusterConfig waits for the ClusterConfig object in this replica and
// returns its spec, or nil if ctx ends first.
func (a *Agent) waitClusterConfig(ctx context.Context) (*api.ClusterConfigSpec, error) {
	events := a.store.Watch(ctx, "ClusterConfig")
	tick := time.NewTicker(settingsLogInterval)
	defer tick.Stop()
	for {
		if o, ok := a.store.Get("ClusterConfig", "", api.ClusterConfigName); ok {
			cc := o.(*api.ClusterConfig)
			if err := api.Validate(cc); err != nil {
				return nil, fmt.Errorf("the cluster's settings (ClusterConfig %q) are not valid: %w", api.ClusterConfigName, err)
			}
			return &cc.Spec, nil
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case _, ok := <-events:
			if !ok {
				events = a.store.Watch(ctx, "ClusterConfig")
			}
		case <-tick.C:
			a.logger.Warn("waiting for the cluster's settings; the leader records them (a leader older than this agent does not: upgrade it)")
		}
	}
}

// isSettled reports whether this agent runs with the cluster's settings.
func (a *Agent) isSettled() bool {
	select {
	case <-a.settled:
		return true
	default:
		return false
	}
}

// afterSettled runs fn once the agent has adopted the cluster's settings,
// for the parts that read them.
func (a *Agent) afterSettled(ctx context.Context, fn func(context.Context) error) error {
	select {
	case <-ctx.Done():
		return nil
	case <-a.settled:
	}
	return fn(ctx)
}

// settingsNow returns the cluster's settings this agent runs with, or nil
// before it has adopted them.
func (a *Agent) settingsNow() *api.ClusterConfigSpec {
	if !a.isSettled() {
		return nil
	}
	spec := clusterSpecOf(&a.cfg)
	return &spec
}

// recordSettings writes the ClusterConfig from this agent's own settings
// if the cluster has none yet: a new cluster's first leader does it, and
// so does the first leader of a cluster made before ClusterConfig existed.
// Leader only; the write is a create, so a lost race changes nothing.
func (a *Agent) recordSettings(ctx context.Context) {
	if _, ok := a.store.Get("ClusterConfig", "", api.ClusterConfigName); ok {
		return
	}
	obj, err := api.New("ClusterConfig")
	if err != nil {
		panic(err) // registered in api
	}
	cc := obj.(*api.ClusterConfig)
	cc.Name, cc.ResourceVersion, cc.Spec = api.ClusterConfigName, "0", a.ownSettings
	_, err = a.Propose(ctx, consensus.Put{Objects: []api.Object{cc}, Mode: consensus.ModeReplace, Time: time.Now()})
	switch {
	case errors.Is(err, consensus.ErrConflict):
	case err != nil:
		a.logger.Warn("record the cluster's settings", "err", err)
	default:
		a.logger.Info("recorded the cluster's settings")
	}
}
