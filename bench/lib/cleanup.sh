# shellcheck shell=bash
# cleanup_bench_run removes what an e2e benchmark run (go test ./e2e
# -bench ..., process group $testpid, state file $SHOAL_BENCH_STATE with
# the harness's "id" and "dir") could not clean up itself: its test
# process group, processes in its network namespaces (agents, containerd,
# shims, containers, peers), the namespaces, the lan's host interface,
# mounts under its data dir, the dir and the state file. Sourced by the
# bench scripts that drive the e2e harness.
cleanup_bench_run() {
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
}
