// Package apiserver is the agent's HTTPS API: the public /v1 REST API for
// users (the admin token as bearer token, also when an agent passes a
// user's request on), /internal/v1 for agents (mutual TLS: forwarded
// writes, a node's own writes restricted to what it must write, leave),
// POST /v1/join for joiners (token secret), /healthz and /metrics.
//
// It works over narrow interfaces it declares itself (see Config): a
// view.View to read, a Proposer to write, a Cluster for membership and
// Raft, Settings for the cluster-wide settings, and a Runtime for the
// node-local container runtime (logs, exec, images). Requests for a pod
// or image on another node are passed to that node's API.
//
// It must not reach Raft, gossip or the store other than through those
// interfaces, and must not import package agent: the agent wires it.
package apiserver
