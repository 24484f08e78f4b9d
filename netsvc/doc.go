// Package netsvc owns how traffic reaches pods and services across nodes.
// For now that is Routes: a route to every other node's pod network
// (host-gw style, nodes share a link), unreachable routes for the cluster
// and service ranges so stray packets die on this machine, and one
// nftables table ("shoal") that masquerades pods reaching outside the
// cluster and lets pod traffic through the forward hook.
//
// It touches only what it marks as its own: routes with its rtnetlink
// protocol number and its nftables table. It never sets up pod sandboxes
// (agent/runtime/cni does).
//
// Services: BuildServices turns services and pods into the data plane's
// model ([]Service) with the pure endpoints function of netsvc/endpoints,
// and Proxy keeps a node's data plane in step with the cluster by calling
// its Programmer (the Table) with that model whenever the view changes.
// Neither does I/O of its own; Proxy reads only the neutral view.
package netsvc
