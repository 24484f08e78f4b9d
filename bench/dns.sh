#!/usr/bin/env bash
# DNS benchmarks of one agent on loopback (no containerd: --runtime none),
# side by side with other DNS servers in the same run, as root:
#   - cluster names: 1,000 ClusterIP services svc-0..svc-999 (namespace
#     default, port 80 named http) created with one `shoal apply -f`; then
#     the shared peer script (../shared/peers/dns-peers.sh, see its header)
#     measures the agent's --dns-addr next to CoreDNS (file plugin), nsd and
#     knot serving the same names from zone files: dnsperf -c 16 -T 2,
#     70% A, 10% SRV, 10% PTR, 10% NXDOMAIN; queries/s, p50/p99 from a
#     fixed-rate pass, ratios vs CoreDNS
#   - external names through the cache: the agent forwards to the peer
#     script's nsd upstream ($UPSTREAM, --dns-upstream), measured next to
#     CoreDNS forward+cache, unbound and dnsmasq
#   - agent resident memory (VmRSS of /proc/PID/status) and Go heap in use
#     (go_memstats_heap_inuse_bytes on /metrics) idle (0 services), with
#     1,000 and with 10,000 services; the 9,000 more are applied 1,000 to a
#     manifest, timed from the first apply to svc-9999 resolving
#   - queries/s and latency of A queries over the 10,000-service zone
#     (dnsperf, same client settings; DUR10K=0 skips it), and the agent's
#     CPU time per query in that run (utime+stime from /proc/PID/stat)
# Memory is read after a 3 s settle, before any load. Traffic stays on
# loopback. The agent, its data dir and every temp file are removed on
# exit, also when the run fails or is interrupted.
# Usage: sudo bash bench/dns.sh
# Env: DNS_PORT=5300 (the agent's listener on 127.0.0.1)
#      UPSTREAM=127.0.0.20:5310 (the peer script's upstream)
#      DUR10K=10 (seconds of the 10,000-service dnsperf run)
#      PERF=1: also sample the agent with `perf record -g` during a second
#        10,000-service run and print where its time goes
#      PEERS=path of dns-peers.sh (default ../shared/peers or /work/shared/peers)
#      DUR, WARM, CLIENTS, THREADS, OUTSTANDING, MAXQPS, LAT_QPS, LAT_DUR
#      go to dns-peers.sh unchanged (its defaults: DUR=15 WARM=2 ...).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin:/usr/sbin:/sbin"

if [ "$(id -u)" != 0 ]; then
	echo "bench/dns.sh: run as root (the peer script installs and starts DNS servers)" >&2
	exit 1
fi
for pair in dig:bind9-dnsutils dnsperf:dnsperf curl:curl; do
	if ! command -v "${pair%%:*}" >/dev/null; then
		echo "installing ${pair#*:}" >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pair#*:}" >/dev/null
	fi
done

DNS_PORT="${DNS_PORT:-5300}"
export UPSTREAM="${UPSTREAM:-127.0.0.20:5310}"
DUR10K="${DUR10K:-10}"
CLIENTS="${CLIENTS:-16}"
THREADS="${THREADS:-2}"
OUTSTANDING="${OUTSTANDING:-100}"
MAXQPS="${MAXQPS:-200000}"
if [ -z "${PEERS:-}" ]; then
	for d in ../shared/peers /work/shared/peers; do
		[ -x "$d/dns-peers.sh" ] && PEERS="$(cd "$d" && pwd)/dns-peers.sh" && break
	done
fi
if [ -z "${PEERS:-}" ] || [ ! -x "$PEERS" ]; then
	echo "bench/dns.sh: no dns-peers.sh (set PEERS=path)" >&2
	exit 1
fi
dns="127.0.0.1:$DNS_PORT"

tmp="$(mktemp -d /tmp/shoal-bench-dns.XXXXXX)"
agentpid="" dnsperfpid=""

# cleanup stops the agent this run started and removes its files.
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$dnsperfpid" ]; then kill "$dnsperfpid" 2>/dev/null || true; fi
	if [ -n "$agentpid" ] && kill -0 "$agentpid" 2>/dev/null; then
		kill -TERM "$agentpid" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$agentpid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$agentpid" 2>/dev/null || true
		wait "$agentpid" 2>/dev/null || true
	fi
	if [ "$rc" != 0 ] && [ -f "$tmp/agent.log" ]; then
		echo "== the agent's log (last 30 lines):" >&2
		tail -n 30 "$tmp/agent.log" >&2
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# port_free PORT: nothing listens on PORT (TCP or UDP).
port_free() { [ -z "$(ss -lunH "( sport = :$1 )")" ] && [ -z "$(ss -ltnH "( sport = :$1 )")" ]; }
# free_port: a random unused port above the ephemeral range's start.
free_port() {
	local p
	for _ in $(seq 100); do
		p=$((20000 + RANDOM % 12000))
		port_free "$p" && ! grep -qw "$p" "$tmp/ports" 2>/dev/null && { echo "$p" >>"$tmp/ports"; echo "$p"; return; }
	done
	echo "bench/dns.sh: no free port" >&2
	return 1
}
port_free "$DNS_PORT" || { echo "bench/dns.sh: port $DNS_PORT is in use (set DNS_PORT)" >&2; exit 1; }

echo "== building bin/shoal"
go build -o bin/shoal ./cmd/shoal
shoal=$PWD/bin/shoal

gossip=$(free_port) raft=$(free_port) apiport=$(free_port)
data="$tmp/b1"
echo "== starting agent b1 (api 127.0.0.1:$apiport, dns $dns, upstream $UPSTREAM; log $tmp/agent.log)"
"$shoal" agent --name b1 --data-dir "$data" --bind 127.0.0.1 --runtime none --voters 1 \
	--gossip-port "$gossip" --raft-port "$raft" --api-port "$apiport" --gossip-fast \
	--dns-addr "$dns" --dns-upstream "$UPSTREAM" >"$tmp/agent.log" 2>&1 &
agentpid=$!
export SHOAL_ADDR="https://127.0.0.1:$apiport" SHOAL_DATA_DIR="$data"

# wait_for WHAT SECONDS CMD...: run CMD every 0.1 s until it succeeds.
wait_for() {
	local what=$1 secs=$2 i
	shift 2
	for i in $(seq $((secs * 10))); do
		kill -0 "$agentpid" 2>/dev/null || { echo "bench/dns.sh: the agent exited while waiting for $what" >&2; return 1; }
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "bench/dns.sh: $what: not after ${secs}s" >&2
	return 1
}
# resolves NAME: the agent answers NAME with an A record.
resolves() { dig @127.0.0.1 -p "$DNS_PORT" +tries=1 +time=1 +short "$1" A | grep -Eq '^[0-9.]+$'; }
wait_for "the node to be Ready" 60 sh -c '"$0" get nodes | grep -q " Ready "' "$shoal"
wait_for "the DNS listener" 30 dig @127.0.0.1 -p "$DNS_PORT" +tries=1 +time=1 cluster.local SOA

# mem: "RSS-MiB heap-MiB" of the agent now, after a settle.
mem() {
	sleep 3
	local rss heap
	rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$agentpid/status")
	heap=$(curl -sk -H "Authorization: Bearer $(cat "$data/admin.token")" "https://127.0.0.1:$apiport/metrics" | awk '$1 == "go_memstats_heap_inuse_bytes" {print $2}')
	awk -v r="$rss" -v h="${heap:-0}" 'BEGIN { printf "%.1f %.1f\n", r / 1024, h / 1048576 }'
}
# manifest FROM TO: services svc-FROM..svc-(TO-1).
manifest() {
	awk -v from="$1" -v to="$2" 'BEGIN { for (i = from; i < to; i++) {
		printf "apiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%d\n  namespace: default\nspec:\n  ports:\n    - name: http\n      port: 80\n      protocol: TCP\n---\n", i } }'
}
now() { date +%s.%N; }
# agent_cpu: the agent's user+system CPU time so far, in clock ticks.
agent_cpu() { awk '{ print $14 + $15 }' "/proc/$agentpid/stat"; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

read -r rss0 heap0 < <(mem)
echo "   idle: RSS $rss0 MiB, Go heap in use $heap0 MiB"

echo "== applying 1,000 services (one manifest)"
manifest 0 1000 >"$tmp/svc-1k.yaml"
t0=$(now)
"$shoal" apply -f "$tmp/svc-1k.yaml" | tail -n 1
wait_for "svc-999 to resolve" 120 resolves svc-999.default.svc.cluster.local
t1k=$(since "$t0")
echo "   svc-999 resolves ${t1k}s after the apply began"
read -r rss1 heap1 < <(mem)
echo "   1,000 services: RSS $rss1 MiB, Go heap in use $heap1 MiB"

echo "== $PEERS --extra shoal=$dns"
"$PEERS" --extra "shoal=$dns" | tee "$tmp/peers.out"

echo "== applying 9,000 more services (1,000 to a manifest)"
t0=$(now)
for lo in $(seq 1000 1000 9000); do
	manifest "$lo" $((lo + 1000)) >"$tmp/svc-more.yaml"
	"$shoal" apply -f "$tmp/svc-more.yaml" >/dev/null
done
wait_for "svc-9999 to resolve" 300 resolves svc-9999.default.svc.cluster.local
t10k=$(since "$t0")
echo "   svc-9999 resolves ${t10k}s after the first apply began"
read -r rss10 heap10 < <(mem)
echo "   10,000 services: RSS $rss10 MiB, Go heap in use $heap10 MiB"

qps10=- avg10=- lost10=- us10=-
if [ "$DUR10K" != 0 ]; then
	awk 'BEGIN { srand(42); for (q = 0; q < 10000; q++) printf "svc-%d.default.svc.cluster.local A\n", int(rand() * 10000) }' >"$tmp/q-10k.txt"
	echo "== dnsperf A over 10,000 services, ${DUR10K}s (-c $CLIENTS -T $THREADS -q $OUTSTANDING -Q $MAXQPS, 2 s warm-up)"
	base=(dnsperf -s 127.0.0.1 -p "$DNS_PORT" -d "$tmp/q-10k.txt" -c "$CLIENTS" -T "$THREADS" -q "$OUTSTANDING" -Q "$MAXQPS")
	"${base[@]}" -l 2 >/dev/null 2>&1 || true
	cpu0=$(agent_cpu)
	"${base[@]}" -l "$DUR10K" >"$tmp/10k.run" 2>&1 || { cat "$tmp/10k.run" >&2; exit 1; }
	cpu1=$(agent_cpu)
	read -r qps10 avg10 lost10 us10 < <(awk -v cpu=$((cpu1 - cpu0)) -v hz="$(getconf CLK_TCK)" '
		/Queries per second:/ { q = $4 } /Average Latency \(s\):/ { a = $4 * 1000 }
		/Queries completed:/ { n = $3 } /Queries lost:/ { l = $4; gsub(/[()]/, "", l) }
		END { printf "%.0f %.3f %s %.1f\n", q, a, l, (n > 0 ? cpu / hz * 1e6 / n : 0) }' "$tmp/10k.run")
	echo "   $qps10 qps, avg $avg10 ms, lost $lost10; the agent used $us10 µs of CPU per query"
	read -r rss10l heap10l < <(mem)
	echo "   after the run: RSS $rss10l MiB, Go heap in use $heap10l MiB"
	if [ -n "${PERF:-}" ]; then
		# The agent has no pprof endpoint: sample it with perf (Go keeps
		# frame pointers) during a second run of the same queries.
		echo "== perf record -g of the agent during another ${DUR10K}s run; top 25 Go functions by inclusive time (kernel time counts in its callers')"
		"${base[@]}" -l "$DUR10K" >/dev/null 2>&1 &
		dnsperfpid=$!
		sleep 1
		perf record -q -F 999 -g -p "$agentpid" -o "$tmp/perf.data" -- sleep $((DUR10K > 3 ? DUR10K - 2 : 1)) 2>/dev/null
		wait "$dnsperfpid" || true
		echo "   inclusive     self  function"
		perf report -i "$tmp/perf.data" --children --sort symbol --stdio -g none 2>/dev/null |
			awk '/%/ && $3 == "[.]" && ++n <= 25 { printf "   %8s %8s  %s\n", $1, $2, $4 }'
		echo "   top 15 by self time, kernel included:"
		perf report -i "$tmp/perf.data" --no-children --sort symbol --stdio -g none 2>/dev/null |
			awk '/%/ && ++n <= 15 { printf "   %8s  %s %s\n", $1, $2, $3 }'
	fi
fi

echo
echo "== Summary ($(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the end)"
echo "-- the peer script's table (shoal = this agent):"
sed -n '/^== Summary/,$p' "$tmp/peers.out" | tail -n +2
# Ratios of shoal to each peer in its section, from the peer table.
sed -n '/^== Summary/,$p' "$tmp/peers.out" | awk '
	NR > 2 && NF > 8 { qps[$1, $2] = $3; p99[$1, $2] = $8; if ($2 != "shoal") peers[$1] = peers[$1] " " $2 }
	function r(a, b) { return (b + 0 > 0 && a + 0 > 0) ? sprintf("%.2f", a / b) : "n/a" }
	END {
		print "-- shoal / each peer (qps: higher is better; p99: lower is better)"
		printf "%-10s %-10s %10s %10s\n", "section", "peer", "qps-ratio", "p99-ratio"
		split("cluster external", secs, " ")
		for (k = 1; k <= 2; k++) {
			s = secs[k]
			if (!((s, "shoal") in qps)) continue
			n = split(peers[s], ps, " ")
			for (i = 1; i <= n; i++)
				printf "%-10s %-10s %10s %10s\n", s, ps[i], r(qps[s, "shoal"], qps[s, ps[i]]), r(p99[s, "shoal"], p99[s, ps[i]])
		}
	}'
echo "-- the agent"
row() { printf "%-34s %10s %10s %12s %10s %12s\n" "$@"; }
row "state" "RSS-MiB" "heap-MiB" "to-resolve-s" "A-qps" "CPU-µs/query"
row "idle (0 services)" "$rss0" "$heap0" - - -
row "1,000 services" "$rss1" "$heap1" "$t1k" - -
row "10,000 services" "$rss10" "$heap10" "$t10k" "$qps10" "$us10"
if [ "$DUR10K" != 0 ]; then row "10,000 services, after the A run" "$rss10l" "$heap10l" - - -; fi
echo "(memory 3 s after the names resolve, before load; to-resolve: from the first apply to the last name answering)"
