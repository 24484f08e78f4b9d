package node

import (
	"context"
	"errors"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

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
	evictions := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "shoal_pod_evictions_total",
		Help: "Pods this node evicted, by cause: disk-pressure or local-storage-limit.",
	}, []string{"cause"})
	evictions = register(n.cfg.Registry, evictions)
	ev := pods.NewEvictionMonitor(pods.EvictionConfig{
		Thresholds: n.cfg.EvictionHard,
		ImageFSDir: imageFS,
		Report:     n.reportDiskPressure,
		Evicted:    func(cause string) { evictions.WithLabelValues(cause).Inc() },
		Logger:     n.log.With("component", "eviction"),
	}, m)
	register(n.cfg.Registry, prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "shoal_node_disk_pressure",
		Help: "1 while this node is under disk pressure (evicting pods, taking no new ones), else 0.",
	}, func() float64 {
		if e := n.evictions.Load(); e != nil && e.Pressure() {
			return 1
		}
		return 0
	}))
	n.evictions.Store(ev)
	return ev
}

// register registers c with r (nil: none) and returns it, or the
// collector registered before under the same name (the pod network was
// set up again).
func register[C prometheus.Collector](r prometheus.Registerer, c C) C {
	if r == nil {
		return c
	}
	if err := r.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if old, ok := are.ExistingCollector.(C); ok {
				return old
			}
		}
	}
	return c
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
