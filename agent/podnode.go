package agent

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/shoal-dev/shoal/agent/pods"
	"github.com/shoal-dev/shoal/agent/probe"
	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/agent/runtime/cni"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/netsvc"
)

// errNoRuntime answers runtime requests on a node that runs no pods.
var errNoRuntime = errors.New("this node runs no container runtime (--runtime none)")

// runNode makes this node run the pods assigned to it: containerd (started
// here if none runs), the pod network from the node's pod CIDR, routes to
// the other nodes' pod networks, and the pod reconciler.
func (a *Agent) runNode(ctx context.Context) error {
	if a.cfg.Runtime == RuntimeNone {
		<-ctx.Done()
		return nil
	}
	rt, err := runtime.Open(ctx, runtime.Config{
		Address:            a.cfg.ContainerdAddress,
		Namespace:          a.cfg.ContainerdNamespace,
		DataDir:            a.cfg.DataDir,
		InsecureRegistries: a.cfg.InsecureRegistries,
		RegistryConfig:     a.cfg.RegistryConfig,
		Logger:             a.logger.With("component", "runtime"),
	})
	if err != nil {
		return fmt.Errorf("container runtime: %w", err)
	}
	defer func() { _ = rt.Close() }()
	a.runtime.Store(rt)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return rt.Run(ctx) })
	g.Go(func() error { return a.runPodNetwork(ctx, rt) })
	return g.Wait()
}

// runPodNetwork waits for the leader to give this node a pod CIDR, then
// sets up the pod network and runs the pods.
func (a *Agent) runPodNetwork(ctx context.Context, rt *runtime.Runtime) error {
	cidr, err := a.waitPodCIDR(ctx)
	if err != nil || ctx.Err() != nil {
		return err
	}
	if err := a.gossip.UpdateMeta(func(m *gossip.Meta) { m.PodCIDR = cidr.String() }); err != nil {
		return fmt.Errorf("gossip pod cidr: %w", err)
	}
	network, err := cni.New(cni.Config{
		DataDir: a.cfg.DataDir,
		PodCIDR: cidr.String(),
		Logger:  a.logger.With("component", "cni"),
	})
	if err != nil {
		return fmt.Errorf("pod network: %w", err)
	}
	routes, err := netsvc.NewRoutes(netsvc.RouteConfig{
		ClusterCIDR:  a.cfg.ClusterCIDR,
		ServiceCIDR:  a.cfg.ServiceCIDR,
		LocalPodCIDR: cidr.String(),
		Logger:       a.logger.With("component", "routes"),
	})
	if err != nil {
		return fmt.Errorf("pod routes: %w", err)
	}
	table, err := a.newServiceTable()
	if err != nil {
		return err
	}
	a.logger.Info("pod network ready", "pod_cidr", cidr, "gateway", network.Gateway())
	backoff := probe.DefaultBackoff()
	if a.cfg.RestartBackoff > 0 {
		backoff.Initial = a.cfg.RestartBackoff
	}
	m := pods.New(pods.Config{
		NodeName:      a.cfg.Name,
		NodeIP:        a.cfg.AdvertiseAddr,
		DataDir:       a.cfg.DataDir,
		ClusterDomain: a.cfg.ClusterDomain,
		DNSIP:         network.Gateway().String(),
		Backoff:       backoff,
		Fenced:        a.Fenced,
		Events:        eventWriter{a},
		Remove:        a.removePod,
		Logger:        a.logger.With("component", "pods"),
	}, rt, network, a.store, a.writePodStatus)
	a.pods.Store(m)
	a.routes.Store(routes)
	a.table.Store(table)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return m.Run(ctx) })
	g.Go(func() error { return a.runRoutes(ctx, routes) })
	g.Go(func() error { return a.runServices(ctx, table) })
	return g.Wait()
}

// stopNode stops every pod here and removes the pod routes and the
// service rules: the node is leaving the cluster for good.
func (a *Agent) stopNode(ctx context.Context) {
	if m := a.pods.Load(); m != nil {
		if err := m.StopAll(ctx); err != nil {
			a.logger.Warn("stop pods on leave", "err", err)
		}
	}
	if r := a.routes.Load(); r != nil {
		if err := r.Close(); err != nil {
			a.logger.Warn("remove pod routes on leave", "err", err)
		}
	}
	if t := a.table.Load(); t != nil {
		if err := t.Close(); err != nil {
			a.logger.Warn("remove service rules on leave", "err", err)
		}
	}
}

// waitPodCIDR waits until this node's Node object has a pod CIDR.
func (a *Agent) waitPodCIDR(ctx context.Context) (netip.Prefix, error) {
	for {
		if o, ok := a.store.Get("Node", "", a.cfg.Name); ok {
			if c := o.(*api.Node).Spec.PodCIDR; c != "" {
				p, err := netip.ParsePrefix(c)
				if err != nil {
					return p, fmt.Errorf("node %s has a bad pod CIDR %q: %w", a.cfg.Name, c, err)
				}
				return p.Masked(), nil
			}
		}
		select {
		case <-ctx.Done():
			return netip.Prefix{}, nil
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// runRoutes keeps routes to every other node's pod network, following
// gossip. The routes stay when the agent stops: pods keep running across
// an agent restart, and so does their traffic.
func (a *Agent) runRoutes(ctx context.Context, routes *netsvc.Routes) error {
	events, unsubscribe := a.gossip.Subscribe(64)
	defer unsubscribe()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		var peers []netsvc.Peer
		for _, m := range a.gossip.Members() {
			if m.Name == a.cfg.Name || m.Status == gossip.StatusLeft || m.Meta.PodCIDR == "" {
				continue
			}
			p, perr := netip.ParsePrefix(m.Meta.PodCIDR)
			addr, aerr := netip.ParseAddr(m.Meta.Addr)
			if perr != nil || aerr != nil {
				continue
			}
			peers = append(peers, netsvc.Peer{Name: m.Name, PodCIDR: p, Addr: addr})
		}
		if err := routes.Sync(peers); err != nil {
			a.logger.Warn("sync pod routes", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-events:
		case <-tick.C:
		}
	}
}

// writePodStatus commits pod statuses for the reconciler.
func (a *Agent) writePodStatus(ctx context.Context, ps []*api.Pod) error {
	objs := make([]api.Object, len(ps))
	for i, p := range ps {
		objs[i] = p
	}
	_, err := a.Propose(ctx, consensus.Put{Objects: objs, Mode: consensus.ModeStatus, Time: time.Now()})
	return err
}

// eventWriter commits pod events for the reconciler.
type eventWriter struct{ a *Agent }

func (e eventWriter) PutEvents(ctx context.Context, evs []*api.Event) error {
	objs := make([]api.Object, len(evs))
	for i, ev := range evs {
		objs[i] = ev
	}
	_, err := e.a.Propose(ctx, consensus.Put{Objects: objs, Mode: consensus.ModeReplace, Time: time.Now()})
	return err
}

func (e eventWriter) DeleteEvents(ctx context.Context, keys []api.Key) error {
	_, err := e.a.Propose(ctx, consensus.Delete{Keys: keys})
	return err
}

// containerRuntime is the runtime when this node runs one.
func (a *Agent) containerRuntime() (*runtime.Runtime, error) {
	if a.cfg.Runtime == RuntimeNone {
		return nil, errNoRuntime
	}
	rt := a.runtime.Load()
	if rt == nil {
		return nil, errors.New("the container runtime is still starting; try again shortly")
	}
	return rt, nil
}
