// Package agent is the Shoal daemon: it owns the node's identity (data
// dir, certificates, token), wires gossip, Raft and the HTTP API together,
// forwards writes to the Raft leader, and — while this node leads — keeps
// Raft membership and Node objects in step with gossip.
//
// Every long-running part exposes Run(ctx) error and runs under one
// errgroup. Nothing outside consensus touches Raft directly: readers use
// the local Store, writers go through Agent.Propose with a typed
// consensus.Command. The parts that read the cluster-wide settings start
// only once the agent has adopted the cluster's (see settle).
package agent
