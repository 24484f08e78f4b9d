// Package agent is the Shoal daemon: it owns the node's identity (data
// dir, certificates, token), joins or creates the cluster, adopts the
// cluster-wide settings (see settle), and wires the parts together under
// one errgroup in Run:
//
//   - agent/propose: the one write path (Agent.Propose), local on the
//     leader or forwarded to it;
//   - agent/apiserver: the HTTPS API (/v1, /internal, /v1/join);
//   - agent/leader: what only the Raft leader does (voters, Node objects,
//     settings recording, controllers and scheduler);
//   - agent/node: the node side (pods, pod network, services, fencing).
//
// Each part declares the narrow interfaces it needs; the small *seams.go
// files here adapt the agent to them. Nothing outside consensus touches
// Raft directly: readers use the local Store, writers go through
// Agent.Propose with a typed consensus.Command. The parts that read the
// cluster-wide settings start only once the agent has adopted the
// cluster's.
package agent
