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

echo "== applying examples/app.yaml"
"$bin" apply -f examples/app.yaml
echo
"$bin" status
echo
"$bin" get nodes -o wide
echo
"$bin" get deployments
"$bin" get services
echo
echo "Join another machine with:"
echo "  shoal agent --join <this machine's IP> --token $("$bin" token)"
echo "Stop with: bash scripts/quickstart.sh stop"
