// Package faults is Shoal's fault suite: tests that run real agent
// processes (internal/testcluster), inject faults into them and check
// what users and workloads see. It runs in CI beside e2e, so every
// scenario is short and calls t.Parallel where it mostly waits.
//
// Files starting consensus_ hold the network and consensus scenarios: a
// Raft leader killed (kill -9) or paused (SIGSTOP) during a stream of
// writes and reads from several clients, a minority partitioned off (both
// ways and one way) and healed. Their histories are checked for
// linearizability with porcupine over a model of the ConfigMaps written
// (one register per ConfigMap); a write that failed or timed out is of
// unknown outcome, and a read is a sync read: a write through the agent
// read, waited for in that agent's replica, then the read itself, so it
// sees every write acknowledged before it began. Agents' plain reads are
// local to their replica and not linearizable by design (docs/faults.md).
//
// Files starting workload_ hold the workload scenarios (node and process
// crashes, disk, containerd, upgrades under load).
//
// Each scenario logs the numbers the closing notes quote (election time,
// acknowledged writes lost, partitions survived) with t.Logf.
package faults
