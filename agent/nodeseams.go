package agent

import "github.com/shoal-dev/shoal/agent/node"

// newNode wires the node side to this agent; Run calls it once Raft,
// gossip and the proposer exist.
func (a *Agent) newNode() *node.Node {
	var own []uint16
	for _, p := range a.cfg.reservedPorts() {
		own = append(own, uint16(p.port))
	}
	return node.New(node.Config{
		Name:                a.cfg.Name,
		AdvertiseAddr:       a.cfg.AdvertiseAddr,
		AgentPorts:          own,
		DataDir:             a.cfg.DataDir,
		RunsPods:            a.cfg.Runtime != RuntimeNone,
		ContainerdAddress:   a.cfg.ContainerdAddress,
		ContainerdNamespace: a.cfg.ContainerdNamespace,
		InsecureRegistries:  a.cfg.InsecureRegistries,
		RegistryConfig:      a.cfg.RegistryConfig,
		RestartBackoff:      a.cfg.RestartBackoff,
		EvictionHard:        a.cfg.evictionHard(),
		DNS:                 a.cfg.dnsConfig(),
		Ingress:             a.cfg.ingressConfig(),
		Listeners:           a.listeners,
		Registry:            a.metrics.registry,
		Logger:              a.logger,
		Raft:                a.raft,
		Gossip:              a.gossip,
		View:                a.store,
		Proposer:            a.proposer,
	})
}

// nodeSettings are the agreed settings the node side reads; call it once
// this agent has adopted them.
func (a *Agent) nodeSettings() node.Settings {
	return node.Settings{ClusterCIDR: a.cfg.ClusterCIDR, ServiceCIDR: a.cfg.ServiceCIDR, ClusterDomain: a.cfg.ClusterDomain}
}

// Fenced reports whether this node has lost contact with a Raft majority
// for longer than --fence-after.
func (a *Agent) Fenced() bool { return a.node != nil && a.node.Fenced() }
