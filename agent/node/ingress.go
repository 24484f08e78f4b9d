package node

import (
	"context"
	"fmt"
	"net"

	"golang.org/x/sync/errgroup"

	"github.com/shoal-dev/shoal/api"
	"github.com/shoal-dev/shoal/netsvc/ingress"
	"github.com/shoal-dev/shoal/netsvc/ingress/route"
	"github.com/shoal-dev/shoal/view"
)

// runIngress serves HTTP ingress on this node until ctx ends: the routes
// follow the replica (view.Follow), the listeners are bound first so a
// port the agent cannot take stops it with a clear error.
func (n *Node) runIngress(ctx context.Context) error {
	c := n.cfg.Ingress
	if c.Addr == "" && c.TLSAddr == "" {
		return nil
	}
	plain, err := listenIngress(c.Addr, "--ingress-addr")
	if err != nil {
		return err
	}
	secure, err := listenIngress(c.TLSAddr, "--ingress-tls-addr")
	if err != nil {
		if plain != nil {
			_ = plain.Close()
		}
		return err
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

// listenIngress binds addr, or returns nil when it is "" (off).
func listenIngress(addr, flag string) (net.Listener, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := ingress.Listen(addr)
	if err != nil {
		return nil, fmt.Errorf("ingress on %s %s (%s \"\" turns it off): %w", flag, addr, flag, err)
	}
	return ln, nil
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
