// Package netsvc owns how traffic reaches pods and services across nodes:
//
//   - Routes: a route to every other node's pod network (host-gw style,
//     nodes share a link), an unreachable route for the cluster range so
//     stray packets die on this machine, a route into lo for the service
//     range so this node's own processes can connect to service IPs, and
//     (only when iptables' FORWARD policy is DROP) accept rules there.
//   - Table: the one owner of the nftables table "ip shoal": masquerade
//     of pods leaving the cluster, forward acceptance of pod traffic, and
//     every service's NAT (cluster, external and load-balancer IPs, node
//     ports, affinity, traffic policies, refusal without endpoints),
//     written in one transaction per Sync, incrementally after the first.
//     docs/services.md ("Data plane") draws its layout.
//   - BuildServices turns services and pods into that model with the pure
//     endpoints function of netsvc/endpoints, and Proxy keeps a node's data
//     plane in step with the cluster by calling its Programmer (the Table)
//     with the model whenever the neutral view changes.
//
// Service is the input the Table programs; the agent builds it from its
// replica. The package touches only what it marks as its own: routes with
// its rtnetlink protocol number, its nftables table, its iptables
// FORWARD rules, and UDP conntrack entries made stale by its own changes.
// It never sets up pod sandboxes (agent/runtime/cni does) and keeps
// hostPorts out of its table (CNI's portmap plugin has them).
package netsvc
