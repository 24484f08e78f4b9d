// Package cni gives pod sandboxes their network: a network namespace bound
// under the agent's data dir, an IP on the node's bridge and hostPorts,
// through libcni and the standard bridge, host-local and portmap plugins.
//
// Everything it writes lives under Config.DataDir (configuration, IPAM
// leases, libcni's cache, namespace files) and every link it makes lives in
// the agent's own network namespace, so several agents can share a machine.
// It must not route between nodes or masquerade: that is netsvc's job.
package cni
