#!/usr/bin/env bash
# Ingress benchmarks of one agent in its own network namespace, with its
# own containerd, side by side with Debian's nginx, caddy and haproxy in
# the same run, as root (go test ./e2e -bench BenchmarkIngressPeers):
#   - the backend: SHOAL_BENCH_BACKENDS (2) pods of the test image's
#     server on the agent (GET /healthz answers "ok"), behind the service
#     web and an Ingress for host bench.local, plain and over TLS (a
#     kubernetes.io/tls Secret with a self-signed ECDSA P-256 certificate)
#   - the peers: nginx, caddy and haproxy configured as in
#     ../shared/peers/http-peers.sh (access logs off, keep-alive to
#     clients and upstreams, round robin, Host passed, X-Forwarded-For and
#     -Proto added, one worker per core), plus a TLS listener with the
#     same certificate; they run in the agent's network namespace on
#     127.0.0.1 and proxy to the same pod IPs the agent's proxy picks, so
#     every proxy has the same path to the same backends. (The shared
#     script itself cannot be pointed at a pod: its backends and its
#     httpbackend listen on loopback only, which a pod's address is not.)
#   - the load: wrk -t2 -c64 --latency (http-peers.sh's settings) from the
#     same namespace, after a warm-up, to each proxy in turn, three rounds:
#     requests/s (median and spread), p50/p99/max, errors, CPU per request
#     of each proxy, ratios to nginx, over HTTP and over HTTPS (SNI
#     bench.local: wrk runs in a mount namespace of its own whose
#     /etc/hosts names it); "backend" is wrk straight to one pod, the
#     ceiling
#   - the agent's VmRSS and Go heap in use: with the backend and no
#     Ingress, with 1,000 more Ingress rules (100 Ingresses of 10 paths,
#     each on its own host) and the time from their apply to the last one
#     served, and after the load
# The time from a pod turning Ready to it receiving ingress traffic is
# BenchmarkIngressReadyToTraffic's (not here). Traffic stays inside the
# test's network namespaces. Everything the run creates (namespaces, the
# agent, its containerd, containers, the peers, mounts, files) is
# removed on exit, also when it fails or is interrupted.
# Usage: sudo bash bench/ingress.sh
# Env (passed to the benchmark): SHOAL_BENCH_ROUNDS=3 SHOAL_BENCH_DUR=10s
#   SHOAL_BENCH_WARM=2s SHOAL_BENCH_THREADS=2 SHOAL_BENCH_CONNS=64
#   SHOAL_BENCH_BACKENDS=2 SHOAL_BENCH_RULES=1000
#   SHOAL_BENCH_TARGETS=backend,nginx,caddy,haproxy,shoal
#   SHOAL_BENCH_PERF=1: after the measured rounds, count each proxy's
#     system calls (one by one, and reads that found nothing: EAGAIN) and
#     context switches per request with `perf stat` during one more run of
#     each, and sample the agent with `perf record -g` during one more run
#     of each transport and print where its time goes
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib/cleanup.sh
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"

if [ "$(id -u)" != 0 ]; then
	echo "bench/ingress.sh: run as root (the agent runs in a network namespace; the peers are installed with apt-get)" >&2
	exit 1
fi

created_policy=""
need=()
for pair in wrk:wrk curl:curl nginx:nginx caddy:caddy haproxy:haproxy containerd:containerd runc:runc nft:nftables unshare:util-linux; do
	command -v "${pair%%:*}" >/dev/null || need+=("${pair#*:}")
done
[ -x /bin/busybox ] || need+=(busybox-static)
if [ -n "${SHOAL_BENCH_PERF:-}" ] && ! command -v perf >/dev/null; then need+=(linux-perf); fi
if [ ${#need[@]} -gt 0 ]; then
	# Keep the packages' own services (nginx and haproxy on :80) from
	# starting: the benchmark starts its peers itself.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
		created_policy=1
	fi
	echo "installing ${need[*]}" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null ||
		{ apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null; }
	if [ -n "$created_policy" ]; then rm -f /usr/sbin/policy-rc.d; created_policy=""; fi
fi

export SHOAL_BENCH_STATE
SHOAL_BENCH_STATE="$(mktemp /tmp/shoal-bench-ingress.XXXXXX)"
testpid=""

# cleanup removes what a run that could not clean up itself left behind:
# processes in its namespaces (the agent, containerd, shims, containers,
# the peers), the namespaces, the lan's host interface, mounts and files.
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$created_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
	cleanup_bench_run
	exit "$rc"
}
trap cleanup EXIT INT TERM

echo "== $(nginx -v 2>&1 | sed 's/.*: //'); caddy $(caddy version | cut -d' ' -f1); $(haproxy -v | head -1 | cut -d' ' -f1-3); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $(go version | cut -d' ' -f3)"
# Its own process group, so cleanup can stop the test and what it forked.
setsid go test ./e2e -run '^$' -bench '^BenchmarkIngressPeers$' -benchtime 1x -count 1 -timeout 60m &
testpid=$!
wait "$testpid"
