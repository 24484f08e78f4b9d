// Package node is the node side of an agent: it runs the pods assigned to
// this node (containerd, the pod network, the pod reconciler), keeps the
// routes to other nodes' pod networks and the service data plane
// (netsvc.Table and its proxy) in step with the replica, fences the node
// when it loses contact with a Raft majority, and gossips the node's free
// resources.
//
// It works over narrow interfaces it declares itself (see Config): the
// local Raft node, gossip, a view.View to read and a Proposer to write.
// It must not import package agent, serve HTTP, or take part in
// leadership; it writes only pod status, pod events and the removal of
// pods it stopped.
package node
