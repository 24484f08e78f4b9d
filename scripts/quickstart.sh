#!/usr/bin/env bash
# Quick start: build shoal, bring up a single-node cluster in the
# background, apply the example app and show the cluster.
#
#   bash scripts/quickstart.sh          # start (or reuse) the cluster
#   bash scripts/quickstart.sh stop     # stop it
#
# Data lives in $SHOAL_DATA_DIR (default /var/lib/shoal as root, else
# ~/.shoal); the agent's log is DATA_DIR/agent.log.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"

if [ "$(id -u)" = 0 ]; then def=/var/lib/shoal; else def="$HOME/.shoal"; fi
export SHOAL_DATA_DIR="${SHOAL_DATA_DIR:-$def}"
bin="$PWD/bin/shoal"
pidfile="$SHOAL_DATA_DIR/agent.pid"

if [ "${1:-}" = stop ]; then
	if [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; then
		for _ in $(seq 1 150); do
			kill -0 "$(cat "$pidfile")" 2>/dev/null || break
			sleep 0.2
		done
		rm -f "$pidfile"
		echo "stopped the agent (data kept in $SHOAL_DATA_DIR; pods keep running: bin/shoal reset removes them and the data)"
	else
		echo "no agent running"
	fi
	exit 0
fi

# Pods need containerd, runc and the CNI plugins (the agent starts
# containerd itself when none runs); the example images need busybox-static.
need=()
for pkg in containerd runc containernetworking-plugins nftables iptables busybox-static iproute2; do
	dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "missing packages: ${need[*]}; run as root (or apt-get install them) to run pods" >&2
		exit 1
	fi
	echo "== installing ${need[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi

echo "== building $bin (the first build compiles every dependency: a few minutes; packages are listed as they compile)"
go build -v -o "$bin" ./cmd/shoal 2>&1 | sed 's/^/   /'
echo "   built: $("$bin" version)"

# verify WHAT CMD...: retry CMD for up to 30 s; stop the script if it never
# succeeds, showing its last output and the agent's log.
verify() {
	local what=$1 out=""
	shift
	for _ in $(seq 1 60); do
		if out=$("$@" 2>&1); then
			printf '%s\n' "$out" | sed -n '/^{/,$p' | head -n 6
			echo "   OK: $what"
			return 0
		fi
		sleep 0.5
	done
	echo "FAILED: $what" >&2
	printf '%s\n' "$out" | tail -n 10 >&2
	echo "agent log ($SHOAL_DATA_DIR/agent.log):" >&2
	tail -n 20 "$SHOAL_DATA_DIR/agent.log" >&2
	exit 1
}
# has PATTERN CMD...: CMD succeeds and prints PATTERN.
has() {
	local pat=$1 out
	shift
	out=$("$@" 2>&1) || { printf '%s\n' "$out"; return 1; }
	printf '%s\n' "$out"
	printf '%s\n' "$out" | grep -q -- "$pat"
}
# http_get HOST_HEADER ADDR PORT: one HTTP/1.0 request with busybox nc.
http_get() {
	(printf 'GET / HTTP/1.0\r\nHost: %s\r\n\r\n' "$1"; sleep 1) | busybox nc -w 3 "$2" "$3"
}

mkdir -p "$SHOAL_DATA_DIR"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
	echo "== agent already running (pid $(cat "$pidfile"))"
else
	echo "== starting the agent (log: $SHOAL_DATA_DIR/agent.log)"
	nohup "$bin" agent --data-dir "$SHOAL_DATA_DIR" >>"$SHOAL_DATA_DIR/agent.log" 2>&1 &
	echo $! >"$pidfile"
fi

echo "== waiting for the node to be Ready"
for _ in $(seq 1 100); do
	if "$bin" get nodes 2>/dev/null | grep -q ' Ready '; then break; fi
	if ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
		echo "the agent exited; its log:"; tail -n 30 "$SHOAL_DATA_DIR/agent.log"; exit 1
	fi
	sleep 0.2
done

echo "== importing the example images (built in Go, no registry needed)"
imgdir="$SHOAL_DATA_DIR/example-images"
go run ./internal/mkimages "$imgdir" >/dev/null
for tar in "$imgdir"/*.tar; do
	for _ in $(seq 1 100); do
		if "$bin" image import "$tar" 2>/dev/null; then break; fi
		sleep 0.3
	done
done

echo "== applying examples/app.yaml"
"$bin" apply -f examples/app.yaml
echo "== waiting for the pods to run"
for _ in $(seq 1 150); do
	if [ "$("$bin" get pods -l app=web 2>/dev/null | grep -c ' Running ')" -ge 2 ]; then break; fi
	sleep 0.2
done
"$bin" get pods -o wide
ip=$("$bin" get pods -l app=web -o json | sed -n 's/.*"podIP": "\(.*\)".*/\1/p' | sed -n 1p)
[ -n "$ip" ] || { echo "FAILED: the web pods have no IP" >&2; exit 1; }
echo
echo "== the app answers on its pod IP $ip:8080"
verify "pod IP $ip answers" has 'HTTP/1.[01] 200' http_get web "$ip" 8080
vip=$("$bin" get service web -o json | sed -n 's/.*"clusterIP": "\(.*\)".*/\1/p' | sed -n 1p)
[ -n "$vip" ] || { echo "FAILED: the Service web has no ClusterIP" >&2; exit 1; }
for _ in $(seq 1 50); do
	if "$bin" get endpoints web 2>/dev/null | grep -q ':8080'; then break; fi
	sleep 0.2
done
echo
"$bin" get services
"$bin" get endpoints
echo
echo "== the Service web answers on its ClusterIP $vip:80 (any ready pod)"
verify "ClusterIP $vip answers" has 'HTTP/1.[01] 200' http_get web "$vip" 80

nodeip=$("$bin" status -o json | sed -n 's/.*"address": *"\([0-9.]*\)".*/\1/p' | sed -n 1p)
[ -n "$nodeip" ] || { echo "FAILED: the node has no address in shoal status" >&2; exit 1; }
name=web.default.svc.cluster.local
echo
echo "== the node's DNS server ($nodeip:53) answers $name with the ClusterIP"
verify "DNS $name -> $vip" has "$vip" busybox nslookup "$name" "$nodeip"
pod=$("$bin" get pods -l app=web -o name | sed -n 1p)
pod=${pod#*/}
echo
echo "== from inside pod $pod, by DNS name: http://web"
verify "http://web from a pod" "$bin" exec "$pod" -- /testserver get http://web
echo
"$bin" get ingress
echo
echo "== through the node's ingress on $nodeip:80, Host: app.example.com"
verify "ingress http://$nodeip/ (Host: app.example.com)" has 'HTTP/1.[01] 200' http_get app.example.com "$nodeip" 80
echo
"$bin" status
echo
"$bin" get nodes -o wide
echo
"$bin" get deployments
echo
cat <<EOF

Shoal runs, and the example app answers (both checked above):
  by DNS name:  $name  ->  $vip
                dig @$nodeip $name   (or: busybox nslookup $name $nodeip)
                from any pod: http://web
  by URL:       curl -H 'Host: app.example.com' http://$nodeip/

The CLI is $bin (copy it to /usr/local/bin to type "shoal").
Join another machine (with shoal built there) with:
  shoal agent --join $nodeip --token $("$bin" token)
Stop: bash scripts/quickstart.sh stop
Remove everything: bash scripts/quickstart.sh stop && $bin reset --force
EOF
