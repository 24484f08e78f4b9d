// Package leader is what only the Raft leader does: keep Raft voters
// healthy and Node objects (with their pod CIDRs) in step with gossip,
// record the cluster-wide settings of a cluster that has none, and run
// the workload controllers and the scheduler, committing what they
// decide.
//
// It works over narrow interfaces it declares itself (see Config): the
// local Raft node, gossip membership, a view.View to read and a Proposer
// to write. Every duty checks leadership on each pass, so all of them run
// on every agent and act only on the leader. It must not import package
// agent, serve HTTP or touch the node's containers or network.
package leader
