#!/usr/bin/env bash
# Pod benchmarks on a real agent in its own network namespace, with its
# own containerd, as root:
#   - apply → Running p50/p99 for one pod at a time and for 50 pods
#   - agent RSS idle and with 50 pods, memory per running pod (agent + shim)
#   - container create+start, pod sandbox setup+teardown, HTTP probe check
# Usage: sudo bash bench/pods.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
runs="${1:-10}"
go test ./e2e -run '^$' -bench '^BenchmarkApplyToRunning$' -benchtime "${runs}x" -count 1
go test ./agent/runtime -run '^$' -bench '^BenchmarkStartContainer$' -benchtime 30x -count 1
go test ./agent/runtime/cni -run '^$' -bench '^BenchmarkSetupTeardown' -benchtime 30x -count 1
go test ./agent/probe -run '^$' -bench '^BenchmarkCheckHTTP$' -count 1
