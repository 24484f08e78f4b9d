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
	if [ -n "$testpid" ] && kill -0 "$testpid" 2>/dev/null; then
		kill -TERM -- "-$testpid" 2>/dev/null || true
		sleep 2
		kill -KILL -- "-$testpid" 2>/dev/null || true
	fi
	local id dir
	id="$(awk '$1 == "id" {print $2}' "$SHOAL_BENCH_STATE" 2>/dev/null || true)"
	dir="$(awk '$1 == "dir" {print $2}' "$SHOAL_BENCH_STATE" 2>/dev/null || true)"
	if [ -n "$id" ]; then
		# Network-namespace inodes of the agents and of their pods.
		local inodes=" " f ns pid link
		for f in /run/netns/shoal-"$id"-* ${dir:+"$dir"/*/netns/*}; do
			[ "$(stat -f -L -c %T "$f" 2>/dev/null)" = nsfs ] && inodes+="$(stat -L -c %i "$f") "
		done
		for _ in 1 2 3; do
			for pid in /proc/[0-9]*; do
				link="$(readlink "$pid/ns/net" 2>/dev/null)" || continue
				link="${link#net:[}"
				case "$inodes" in *" ${link%]} "*) kill -KILL "${pid#/proc/}" 2>/dev/null || true ;; esac
			done
			sleep 0.3
		done
		for ns in $(ip netns list | awk '{print $1}' | grep "^shoal-$id-" || true); do
			ip netns del "$ns" 2>/dev/null || true
		done
		ip link del "sh${id}h" 2>/dev/null || true
	fi
	if [ -n "$dir" ] && [ -d "$dir" ]; then
		awk -v d="$dir/" 'index($5, d) == 1 {print $5}' /proc/self/mountinfo | sort -r |
			while read -r m; do umount -l "$m" 2>/dev/null || true; done
		rm -rf "$dir"
	fi
	rm -f "$SHOAL_BENCH_STATE"
	exit "$rc"
}
trap cleanup EXIT INT TERM

# Its own process group, so cleanup can stop the test and what it forked.
setsid go test ./e2e -run '^$' -bench '^BenchmarkServices$' -benchtime 1x -count 1 -timeout 60m &
testpid=$!
wait "$testpid"
