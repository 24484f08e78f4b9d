#!/usr/bin/env bash
# Acknowledged writes through Raft side by side with etcd, in the same run:
# the shared peer script (../shared/peers/etcd-writes.sh, see its header)
# starts a 3-member etcd (Debian's etcd-server) on 127.0.0.1 and measures
# N puts from 16 clients via the leader and via a follower, then runs this
# checkout's BenchmarkRaftWrites (3 agents on loopback, 16 clients applying
# one ConfigMap each through the HTTPS API, via the leader and via a
# follower) with the same N, and prints both with the ratios Shoal/etcd
# for writes/s, p50 and p99. RUNS repeats the whole pair, so a shared
# machine's noise shows as a range; the summary of every run is printed
# again at the end.
# Usage: sudo bash bench/writes.sh
# Env:   RUNS=3  N=2000 (writes per run and path)
#        PEERS=path of etcd-writes.sh (default ../shared/peers or /work/shared/peers)
#        VALUE=raft|manifest goes to etcd-writes.sh unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
RUNS="${RUNS:-3}"
export N="${N:-2000}"
if [ -z "${PEERS:-}" ]; then
	for d in ../shared/peers /work/shared/peers; do
		[ -x "$d/etcd-writes.sh" ] && PEERS="$(cd "$d" && pwd)/etcd-writes.sh" && break
	done
fi
if [ -z "${PEERS:-}" ] || [ ! -x "$PEERS" ]; then
	echo "bench/writes.sh: no etcd-writes.sh (set PEERS=path)" >&2
	exit 1
fi
out="$(mktemp /tmp/shoal-bench-writes.XXXXXX)"
trap 'rm -f "$out"' EXIT
for run in $(seq "$RUNS"); do
	echo "== run $run of $RUNS"
	"$PEERS" "$PWD" | tee -a "$out"
done
echo
echo "== All runs ($RUNS x $N writes per path)"
grep -E '^(etcd|Shoal) +(leader|follower) |^Shoal/etcd' "$out"
