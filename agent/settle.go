package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/shoal-dev/shoal/agent/apiserver"
	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/api"
)

// settingsLogInterval is how often an agent waiting for the cluster's
// settings says so.
const settingsLogInterval = 30 * time.Second

// settle reads the cluster's settings — from the copy in the data dir, or
// else once they are in this replica (then it keeps a copy) — checks the
// explicit flags against them and adopts them; then it closes a.settled
// and the node side may start. It returns an error naming every
// conflicting flag, and nil if ctx ends first.
func (a *Agent) settle(ctx context.Context) error {
	cluster, err := loadSettings(a.cfg.DataDir)
	if err != nil {
		return err
	}
	if cluster == nil {
		if cluster, err = a.waitClusterConfig(ctx); err != nil || cluster == nil {
			return err
		}
		if err := saveSettings(a.cfg.DataDir, cluster); err != nil {
			return err
		}
	}
	if err := checkSettings(&a.cfg, cluster); err != nil {
		return err
	}
	adoptSettings(&a.cfg, cluster)
	a.logger.Info("cluster settings", "cluster_cidr", cluster.ClusterCIDR, "service_cidr", cluster.ServiceCIDR,
		"cluster_domain", cluster.ClusterDomain, "node_port_range", cluster.NodePortRange,
		"node_grace", cluster.NodeGrace.String(), "fence_after", cluster.FenceAfter.String(),
		"pod_security", clusterPodSecurity(cluster), "max_replicas", cluster.MaxReplicas)
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
			spec := o.(*api.ClusterConfig).Spec
			if err := validateSettings(&spec); err != nil {
				return nil, fmt.Errorf("the cluster's settings (ClusterConfig %q): %w", api.ClusterConfigName, err)
			}
			return &spec, nil
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

// waitSettled waits, for a request that needs the cluster's settings,
// until the agent has adopted them: apiserver.ErrNotSettled if ctx ends or
// propose.Timeout passes first.
func (a *Agent) waitSettled(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, propose.Timeout)
	defer cancel()
	select {
	case <-a.settled:
		return nil
	case <-ctx.Done():
		return apiserver.ErrNotSettled
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

// validateSettings checks a spec as the ClusterConfig object it comes from.
func validateSettings(spec *api.ClusterConfigSpec) error {
	obj, err := api.New("ClusterConfig")
	if err != nil {
		return err
	}
	cc := obj.(*api.ClusterConfig)
	cc.Name, cc.Spec = api.ClusterConfigName, *spec
	return api.Validate(cc)
}

// loadSettings reads this agent's copy of the cluster's settings; nil if
// it has none yet.
func loadSettings(dir string) (*api.ClusterConfigSpec, error) {
	path := filepath.Join(dir, fileSettings)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the cluster's settings: %w", err)
	}
	var spec api.ClusterConfigSpec
	if err := json.Unmarshal(b, &spec); err != nil {
		return nil, fmt.Errorf("cluster settings file %s: %w", path, err)
	}
	if err := validateSettings(&spec); err != nil {
		return nil, fmt.Errorf("cluster settings file %s: %w", path, err)
	}
	return &spec, nil
}

// saveSettings keeps a copy of the cluster's settings in the data dir.
func saveSettings(dir string, spec *api.ClusterConfigSpec) error {
	b, err := json.Marshal(spec)
	if err != nil {
		return fmt.Errorf("encode the cluster's settings: %w", err)
	}
	return writeFileAtomic(filepath.Join(dir, fileSettings), append(b, '\n'), 0o600)
}
