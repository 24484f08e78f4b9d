#!/usr/bin/env bash
# Service data-plane benchmarks on real agents in network namespaces, each
# with its own containerd, as root (go test ./e2e -bench BenchmarkServices):
#   - wrk requests/s and p99 from a pod to a pod on another node through
#     the ClusterIP, and straight to the pod IP of a twin of that pod on
#     the same node (not the same server: see BenchmarkServices), as
#     ratios (goal ≤ 1.1),
#     with keep-alive and with a new connection per request, with 0, 10
#     and 10,000 other services (5 endpoints each) installed
#   - apply → 10,000 services × 5 endpoints programmed on every node; an
#     agent restarted with its nftables table deleted → all programmed
#     again (from nothing)
#   - one endpoint change (readiness flipped with the test server's
#     /ready/off and /ready/on): from the Ready condition changing in the
#     API (polled every 5 ms) to the ClusterIP behaving accordingly from a pod on
#     every node (connect every 2 ms), p50/p99, with 10 and 10,000 services
# The data plane's rule-building cost alone is a Go benchmark in netsvc.
# Traffic stays inside the test's network namespaces. Everything the run
# creates (namespaces, agents, containerd, containers, mounts, files) is
# removed on exit, also when it fails or is interrupted.
# Usage: sudo bash bench/services.sh [services] [nodes]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/cleanup.sh
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"

if [ "$(id -u)" != 0 ]; then
	echo "bench/services.sh: run as root (agents run in network namespaces)" >&2
	exit 1
fi
for pkg in wrk:wrk containerd:containerd runc:runc nft:nftables; do
	if ! command -v "${pkg%%:*}" >/dev/null; then
		echo "installing ${pkg#*:}" >&2
		apt-get install -y "${pkg#*:}" >/dev/null
	fi
done
if [ ! -x /bin/busybox ]; then
	apt-get install -y busybox-static >/dev/null
fi

export SHOAL_BENCH_SERVICES="${1:-10000}"
export SHOAL_BENCH_NODES="${2:-2}"
export SHOAL_BENCH_STATE
SHOAL_BENCH_STATE="$(mktemp /tmp/shoal-bench-services.XXXXXX)"
testpid=""

# cleanup removes what a run that could not clean up itself left behind:
# processes in its namespaces (agents, containerd, shims, containers),
# the namespaces, the lan's host interface, mounts and files.
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	cleanup_bench_run
	exit "$rc"
}
trap cleanup EXIT INT TERM

# Its own process group, so cleanup can stop the test and what it forked.
setsid go test ./e2e -run '^$' -bench '^BenchmarkServices$' -benchtime 1x -count 1 -timeout 60m &
testpid=$!
wait "$testpid"
