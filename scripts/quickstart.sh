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
		echo "stopped the agent (data kept in $SHOAL_DATA_DIR)"
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

echo "== building $bin"
go build -o "$bin" ./cmd/shoal

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
if [ -n "$ip" ]; then
	echo
	echo "== the app answers on its pod IP $ip:"
	printf 'GET / HTTP/1.0\r\n\r\n' | busybox nc -w 3 "$ip" 8080 | sed -n '/^{/,$p' | head -n 8 || true
fi
vip=$("$bin" get service web -o json | sed -n 's/.*"clusterIP": "\(.*\)".*/\1/p' | sed -n 1p)
if [ -n "$vip" ]; then
	for _ in $(seq 1 50); do
		if "$bin" get endpoints web 2>/dev/null | grep -q ':8080'; then break; fi
		sleep 0.2
	done
	echo
	"$bin" get services
	"$bin" get endpoints
	echo
	echo "== the Service web answers on its ClusterIP $vip:80 (any ready pod):"
	printf 'GET / HTTP/1.0\r\n\r\n' | busybox nc -w 3 "$vip" 80 | sed -n '/^{/,$p' | head -n 8 || true
	pod=$("$bin" get pods -l app=web -o name | sed -n 1p)
	pod=${pod#*/}
	if [ -n "$pod" ]; then
		echo
		echo "== from inside pod $pod, by DNS name: http://web (the node's DNS answers web.default.svc.cluster.local)"
		"$bin" exec "$pod" -- /testserver get http://web | head -n 8 || true
	fi
	echo
	"$bin" get ingress
	echo
	echo "== through the node's ingress (port 80, any node address), Host: app.example.com:"
	(printf 'GET / HTTP/1.0\r\nHost: app.example.com\r\n\r\n'; sleep 1) | busybox nc -w 3 127.0.0.1 80 | sed -n '/^{/,$p' | head -n 8 || true
fi
echo
"$bin" status
echo
"$bin" get nodes -o wide
echo
"$bin" get deployments
echo
echo "Join another machine with:"
echo "  shoal agent --join <this machine's IP> --token $("$bin" token)"
echo "Stop with: bash scripts/quickstart.sh stop"
