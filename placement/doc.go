// Package placement owns Shoal's scheduler: given a read-only Snapshot of
// the cluster (nodes with their allocatable resources, labels, readiness and
// cordon, and every pod already bound to them) and the pods to place,
// Schedule returns one Decision per pod: a node, or the reason no node fits,
// written for a human ("0/3 nodes are available: 2 insufficient memory,
// 1 node(s) didn't match nodeSelector").
//
// The scheduler is pure. It must never do I/O, read a clock, draw random
// numbers, log, or keep state between calls: the same snapshot and pods
// always give the same decisions, whatever order the snapshot lists nodes
// and pods in. Everything it needs comes in as arguments; callers (the
// leader's controllers) commit the decisions and call Schedule again for
// pods that stay Pending whenever the cluster changes. Schedule never
// modifies the snapshot or the pods it is given.
//
// Placement runs in named stages, each in its own file; README.md draws
// the pipeline and defines the terms:
//
//   - index (index.go): the snapshot becomes per-node free resources and
//     host ports, once per call.
//   - feasibility (class.go, fit.go): static filters (ready, cordon,
//     volume, nodeSelector) are evaluated once per distinct pod shape;
//     dynamic ones (host ports, pod count, cpu, memory) per node visited,
//     cheapest first, each rejection with a reason.
//   - rank (spread.go, rank.go): fewest pods of the same owner on the node,
//     then in the zone, then least-allocated (or most-allocated with
//     Binpack) by the dominant share of cpu and memory.
//   - pick (rank.go): a deterministic tie-break that rotates the starting
//     node by a hash of the pod's name.
package placement
