package node

import (
	"context"
	"path/filepath"

	"github.com/shoal-dev/shoal/agent/pods"
	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/gossip"
)

// externalContainerdRoot is where a containerd the agent did not start
// keeps images and container layers (its default root).
const externalContainerdRoot = "/var/lib/containerd"

// newEvictionMonitor watches this node's disks for m's pods: the data
// dir's filesystem and containerd's root.
func (n *Node) newEvictionMonitor(rt *runtime.Runtime, m *pods.Manager) *pods.EvictionMonitor {
	imageFS := externalContainerdRoot
	if rt.Embedded() {
		imageFS = filepath.Join(n.cfg.DataDir, "containerd", "root")
	}
	return pods.NewEvictionMonitor(pods.EvictionConfig{
		Thresholds: n.cfg.EvictionHard,
		ImageFSDir: imageFS,
		Report:     n.reportDiskPressure,
		Logger:     n.log.With("component", "eviction"),
	}, m)
}

// reportDiskPressure gossips whether this node is under disk pressure
// when that changed; the leader turns it into the Node's DiskPressure
// condition, which keeps new pods away.
func (n *Node) reportDiskPressure(_ context.Context, pressure bool) error {
	if me, ok := n.cfg.Gossip.Member(n.cfg.Name); ok && me.Meta.DiskPressure == pressure {
		return nil
	}
	return n.cfg.Gossip.UpdateMeta(func(m *gossip.Meta) { m.DiskPressure = pressure })
}
