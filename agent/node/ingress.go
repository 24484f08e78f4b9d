package node

import (
	"context"
	"fmt"

	"golang.org/x/sync/errgroup"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/netsvc/ingress"
	"github.com/shoal-dev/shoal/netsvc/ingress/route"
	"github.com/shoal-dev/shoal/view"
)

// runIngress serves HTTP ingress on this node's listeners (bound before
// the agent joined, see Bind) until ctx ends; the routes follow the
// replica (view.Follow).
func (n *Node) runIngress(ctx context.Context) error {
	c := n.cfg.Ingress
	plain, secure := n.cfg.Listeners.HTTP, n.cfg.Listeners.HTTPS
	if plain == nil && secure == nil {
		return nil
	}
	cfg := ingress.Config{
		TrustedProxies: c.TrustedProxies,
		Secrets:        ingress.ViewSecrets{View: n.cfg.View},
		Registerer:     n.cfg.Registry,
		Logger:         n.log.With("component", "ingress"),
	}
	if c.AccessLog {
		cfg.AccessLog = n.log.With("component", "ingress-access")
	}
	p, err := ingress.New(cfg)
	if err != nil {
		return fmt.Errorf("ingress: %w", err)
	}
	defer p.Close()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		return view.Follow(ctx, n.cfg.View, func() { p.SetRoutes(buildRoutes(n.cfg.View)) }, "Ingress", "IngressClass", "Service", "Pod")
	})
	if plain != nil {
		n.log.Info("ingress serving http", "addr", plain.Addr().String())
		g.Go(func() error { return p.Serve(ctx, plain) })
	}
	if secure != nil {
		n.log.Info("ingress serving https", "addr", secure.Addr().String())
		g.Go(func() error { return p.ServeTLS(ctx, secure) })
	}
	return g.Wait()
}

// buildRoutes makes the routing table from the replica.
func buildRoutes(v view.View) *route.Table {
	in := route.Input{
		Ingresses:      view.All[*api.Ingress](v, "Ingress"),
		IngressClasses: view.All[*api.IngressClass](v, "IngressClass"),
		Services:       view.All[*api.Service](v, "Service"),
		Pods:           view.All[*api.Pod](v, "Pod"),
	}
	t, _ := route.Build(in) // the leader turns conflicts into events
	return t
}
