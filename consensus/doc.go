// Package consensus owns Shoal's replicated cluster state: the Raft log
// command format (command.go), the finite state machine that applies committed
// commands (fsm.go), the in-memory Store every agent reads locally with
// get/list/watch (store.go, watch.go), snapshots and restore (snapshot.go),
// and the pure planning function the leader uses to keep Raft voters healthy
// (voters.go). The Raft and transport wiring live next to them.
//
// The FSM only writes state. Apply decodes one command, validates it against
// the current state, writes every object of the command or none, stamps each
// write with the Raft index, and notifies watchers. It must not run
// controllers, timers, network or disk I/O, and must not read clocks or random
// numbers: every replica applies the same log and must end up byte-for-byte
// identical. A log entry that cannot be decoded is fatal for the same reason.
//
// Objects held by the Store are shared and immutable: readers that want to
// modify one must api.DeepCopy it first. Packages outside consensus read state
// only through the View interface and never touch raft directly.
package consensus
