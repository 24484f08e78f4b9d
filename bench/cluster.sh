#!/usr/bin/env bash
# Cluster benchmarks on real agent processes over loopback:
#   - acknowledged writes/s and p50/p99 latency through Raft (3 agents,
#     16 concurrent clients, via the leader and via a follower)
#   - time from `shoal agent --join` to the node being Ready
#   - idle agent RSS in a 3-agent cluster
# Usage: bash bench/cluster.sh [writes-per-run]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
writes="${1:-3000}"
go test ./e2e -run '^$' -bench '^BenchmarkRaftWrites$' -benchtime "${writes}x" -count 1
go test ./e2e -run '^$' -bench '^BenchmarkJoinToReady$' -benchtime 5x -count 1
go test ./e2e -run '^$' -bench '^BenchmarkIdleRSS$' -benchtime 1x -count 1
