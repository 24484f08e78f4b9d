// Package gossip owns cluster membership: it wraps hashicorp/memberlist to
// find the other agents, spread each node's metadata (addresses, capacity,
// free resources, labels, pod CIDR, version) and report failures and
// departures as a member table plus a stream of events.
//
// Gossip is always encrypted (AES-256-GCM with the cluster key) and labelled
// "shoal", so traffic from another cluster or from a node without the key is
// dropped.
//
// gossip carries what changes fast and is per node. It must not hold
// agreed-upon state (that is Raft's job in package consensus), must not
// import other Shoal packages, and never blocks on its consumers: a
// subscriber that falls behind loses events and is expected to reconcile
// from Members periodically.
//
// Member status comes from memberlist with two caveats, both because
// memberlist v0.5.4 does not expose its per-node state through the public
// API (hashicorp/memberlist issue #293):
//
//   - Suspect is this node's own view: a member becomes suspect when one of
//     this node's probes of it gets no ack at all, and alive again when a
//     later probe is acked, when it gossips new metadata, or when the longest
//     possible suspicion period has passed without memberlist declaring it
//     dead. A member can go from alive to dead without a suspect event on a
//     node that did not probe it during the suspicion period.
//   - Left versus dead: a node that calls Leave first gossips a "leaving"
//     mark in its metadata and then memberlist's leave message; peers that saw
//     the mark report it left, any that missed it report it dead.
package gossip
