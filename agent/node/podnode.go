package node

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/shoal-dev/shoal/agent/pods"
	"github.com/shoal-dev/shoal/agent/probe"
	"github.com/shoal-dev/shoal/agent/propose"
	"github.com/shoal-dev/shoal/agent/runtime"
	"github.com/shoal-dev/shoal/agent/runtime/cni"
	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/consensus"
	"github.com/shoal-dev/shoal/gossip"
	"github.com/shoal-dev/shoal/netsvc"
)

// errNoRuntime answers runtime requests on a node that runs no pods.
var errNoRuntime = errors.New("this node runs no container runtime (--runtime none)")

// Run serves cluster DNS and HTTP ingress and makes this node run the
// pods assigned to it: containerd (started here if none runs), the pod
// network from the node's pod CIDR, routes to the other nodes' pod
// networks, the service data plane, DNS for pods on the bridge and the pod
// reconciler. s are the cluster's agreed settings: call Run once the agent
// has adopted them. A node that runs no pods serves DNS only on its
// host-side address, and ingress.
func (n *Node) Run(ctx context.Context, s Settings) error {
	dns, err := n.newDNS(s)
	if err != nil {
		return err
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return n.runDNS(ctx, dns) })
	g.Go(func() error { return n.runIngress(ctx) })
	if n.cfg.RunsPods {
		g.Go(func() error { return n.runPods(ctx, s, dns) })
	}
	return g.Wait()
}

// runPods runs containerd and, once the leader gives this node a pod CIDR,
// the pod network and the pods.
func (n *Node) runPods(ctx context.Context, s Settings, dns *dnsServer) error {
	rt, err := runtime.Open(ctx, runtime.Config{
		Address:            n.cfg.ContainerdAddress,
		Namespace:          n.cfg.ContainerdNamespace,
		DataDir:            n.cfg.DataDir,
		InsecureRegistries: n.cfg.InsecureRegistries,
		RegistryConfig:     n.cfg.RegistryConfig,
		Logger:             n.log.With("component", "runtime"),
	})
	if err != nil {
		return fmt.Errorf("container runtime: %w", err)
	}
	defer func() { _ = rt.Close() }()
	n.runtime.Store(rt)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return rt.Run(ctx) })
	g.Go(func() error { return n.runPodNetwork(ctx, rt, s, dns) })
	return g.Wait()
}

// runPodNetwork waits for the leader to give this node a pod CIDR, then
// sets up the pod network and runs the pods.
func (n *Node) runPodNetwork(ctx context.Context, rt *runtime.Runtime, s Settings, dns *dnsServer) error {
	cidr, err := n.waitPodCIDR(ctx)
	if err != nil || ctx.Err() != nil {
		return err
	}
	if err := n.cfg.Gossip.UpdateMeta(func(m *gossip.Meta) { m.PodCIDR = cidr.String() }); err != nil {
		return fmt.Errorf("gossip pod cidr: %w", err)
	}
	network, err := cni.New(cni.Config{
		DataDir: n.cfg.DataDir,
		PodCIDR: cidr.String(),
		Logger:  n.log.With("component", "cni"),
	})
	if err != nil {
		return fmt.Errorf("pod network: %w", err)
	}
	routes, err := netsvc.NewRoutes(netsvc.RouteConfig{
		ClusterCIDR:  s.ClusterCIDR,
		ServiceCIDR:  s.ServiceCIDR,
		LocalPodCIDR: cidr.String(),
		Logger:       n.log.With("component", "routes"),
	})
	if err != nil {
		return fmt.Errorf("pod routes: %w", err)
	}
	table, err := n.newServiceTable(s)
	if err != nil {
		return err
	}
	n.log.Info("pod network ready", "pod_cidr", cidr, "gateway", network.Gateway())
	backoff := probe.DefaultBackoff()
	if n.cfg.RestartBackoff > 0 {
		backoff.Initial = n.cfg.RestartBackoff
	}
	m := pods.New(pods.Config{
		NodeName:      n.cfg.Name,
		NodeIP:        n.cfg.AdvertiseAddr,
		DataDir:       n.cfg.DataDir,
		ClusterDomain: s.ClusterDomain,
		DNSIP:         network.Gateway().String(),
		DNSUpstreams:  n.cfg.DNS.Upstreams,
		Backoff:       backoff,
		Fenced:        n.Fenced,
		Events:        eventWriter{n},
		Remove:        n.removePod,
		// Pods wait for the replica however long it takes, new node or
		// not: acting on a stale replica restarts deleted pods and
		// collects new ones, and without quorum there is nothing new to
		// run anyway.
		CaughtUp: func(ctx context.Context) bool { return n.awaitCaughtUp(ctx, "pods", true) },
		Logger:   n.log.With("component", "pods"),
	}, rt, network, n.cfg.View, n.writePodStatus)
	evictions := n.newEvictionMonitor(rt, m)
	n.pods.Store(m)
	n.routes.Store(routes)
	n.table.Store(table)
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return m.Run(ctx) })
	g.Go(func() error { return evictions.Run(ctx) })
	g.Go(func() error { return n.runRoutes(ctx, routes) })
	g.Go(func() error { return n.runServices(ctx, table) })
	g.Go(func() error { return n.servePodDNS(ctx, dns, network.Gateway()) })
	return g.Wait()
}

// Stop stops every pod here and removes the pod routes and the service
// rules: the node is leaving the cluster for good.
func (n *Node) Stop(ctx context.Context) {
	if m := n.pods.Load(); m != nil {
		if err := m.StopAll(ctx); err != nil {
			n.log.Warn("stop pods on leave", "err", err)
		}
	}
	if r := n.routes.Load(); r != nil {
		if err := r.Close(); err != nil {
			n.log.Warn("remove pod routes on leave", "err", err)
		}
	}
	if t := n.table.Load(); t != nil {
		if err := t.Close(); err != nil {
			n.log.Warn("remove service rules on leave", "err", err)
		}
	}
}

// waitPodCIDR waits until this node's Node object has a pod CIDR.
func (n *Node) waitPodCIDR(ctx context.Context) (netip.Prefix, error) {
	for {
		if o, ok := n.cfg.View.Get("Node", "", n.cfg.Name); ok {
			if c := o.(*api.Node).Spec.PodCIDR; c != "" {
				p, err := netip.ParsePrefix(c)
				if err != nil {
					return p, fmt.Errorf("node %s has a bad pod CIDR %q: %w", n.cfg.Name, c, err)
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
// gossip for members and addresses and the Node objects for pod CIDRs. The routes stay when the agent stops: pods keep running across
// an agent restart, and so does their traffic.
func (n *Node) runRoutes(ctx context.Context, routes *netsvc.Routes) error {
	events, unsubscribe := n.cfg.Gossip.Subscribe(64)
	defer unsubscribe()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		var peers []netsvc.Peer
		for _, m := range n.cfg.Gossip.Members() {
			if m.Name == n.cfg.Name || m.Status == gossip.StatusLeft {
				continue
			}
			// The pod CIDR comes from the Node object, where the leader
			// assigned it: a restarted agent gossips without it until it
			// has read it back, while its pods keep running and need the
			// route. Gossip says only who is there and at which address.
			var cidr string
			if o, ok := n.cfg.View.Get("Node", "", m.Name); ok {
				cidr = o.(*api.Node).Spec.PodCIDR
			}
			if cidr == "" {
				continue
			}
			p, perr := netip.ParsePrefix(cidr)
			addr, aerr := netip.ParseAddr(m.Meta.Addr)
			if perr != nil || aerr != nil {
				continue
			}
			peers = append(peers, netsvc.Peer{Name: m.Name, PodCIDR: p, Addr: addr})
		}
		if err := routes.Sync(peers); err != nil {
			n.log.Warn("sync pod routes", "err", err)
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
func (n *Node) writePodStatus(ctx context.Context, ps []*api.Pod) error {
	objs := make([]api.Object, len(ps))
	for i, p := range ps {
		objs[i] = p
	}
	_, err := n.cfg.Proposer.Propose(ctx, consensus.Put{Objects: objs, Mode: consensus.ModeStatus, Time: time.Now()})
	return err
}

// eventWriter commits pod events for the reconciler.
type eventWriter struct{ n *Node }

func (e eventWriter) PutEvents(ctx context.Context, evs []*api.Event) error {
	objs := make([]api.Object, len(evs))
	for i, ev := range evs {
		objs[i] = ev
	}
	_, err := e.n.cfg.Proposer.Propose(ctx, consensus.Put{Objects: objs, Mode: consensus.ModeReplace, Time: time.Now()})
	if !errors.Is(err, propose.ErrForbidden) || len(objs) == 1 {
		return err
	}
	// The leader refused the batch: an event about a pod gone meanwhile
	// (deleted, or now bound elsewhere) is no longer this node's to
	// write. Write the others one by one and drop the refused.
	for _, o := range objs {
		_, err := e.n.cfg.Proposer.Propose(ctx, consensus.Put{Objects: []api.Object{o}, Mode: consensus.ModeReplace, Time: time.Now()})
		if errors.Is(err, propose.ErrForbidden) {
			e.n.log.Debug("dropped an event the leader refused", "event", o.GetObjectMeta().Name, "err", err)
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (e eventWriter) DeleteEvents(ctx context.Context, keys []api.Key) error {
	_, err := e.n.cfg.Proposer.Propose(ctx, consensus.Delete{Keys: keys})
	return err
}

// ContainerRuntime is the runtime when this node runs one.
func (n *Node) ContainerRuntime() (*runtime.Runtime, error) {
	if !n.cfg.RunsPods {
		return nil, errNoRuntime
	}
	rt := n.runtime.Load()
	if rt == nil {
		return nil, errors.New("the container runtime is still starting; try again shortly")
	}
	return rt, nil
}

// removePod removes a pod this node has stopped, guarded by its uid so a
// new pod of the same name is never hit. A pod already gone or replaced
// is not an error.
func (n *Node) removePod(ctx context.Context, key api.Key, uid string) error {
	d := consensus.Delete{Keys: []api.Key{key}, Preconditions: []consensus.Precondition{{Key: key, UID: uid}}}
	_, err := n.cfg.Proposer.Propose(ctx, d)
	if errors.Is(err, consensus.ErrNotFound) || errors.Is(err, consensus.ErrConflict) {
		return nil
	}
	return err
}
