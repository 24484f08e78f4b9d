// Package propose is the agent's one write path: it commits a typed
// consensus.Command through Raft, locally when this node leads and
// otherwise forwarded over mutual TLS to the leader's
// /internal/v1/apply, retrying across leader changes. It also owns the
// wire form of a forwarded result, which the API server's
// /internal/v1/apply handler writes.
//
// It knows nothing of HTTP routing, gossip or the agent: the Raft node,
// the leader's address and the peer HTTP client are given to it. It must
// not read or write the store itself.
package propose
