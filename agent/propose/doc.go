// Package propose is the agent's one write path: it commits a typed
// consensus.Command through Raft, locally when this node leads and
// otherwise forwarded over mutual TLS to the leader's
// /internal/v1/apply, retrying across leader changes. It also owns the
// framing of that endpoint, which the API server's handler uses: the one
// size limit of every write (MaxCommand, checked before a command is
// applied or forwarded, and by ReadCommand on the leader) and the result,
// which names the objects written and their resourceVersions, never the
// objects (WriteResult, WireResult). A write proposed for a user
// (WithAuthorization) is forwarded with the user's Authorization, so the
// leader authorizes it as the user's; any other is the node's own.
//
// It knows nothing of HTTP routing, gossip or the agent: the Raft node,
// the leader's address and the peer HTTP client are given to it. It must
// not read or write the store itself.
package propose
