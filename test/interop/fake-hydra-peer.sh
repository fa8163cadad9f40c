#!/usr/bin/env bash
# Stand-in for build/tools/hydra_peer with the same CLI and output contract, built
# on the go test peer. Only for checking the harness itself (INTEROP_EMULATE=1);
# it proves nothing about our C stack.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
GO_PEER="$HERE/../../build/interop/go-peer"
cmd=${1:-}; shift || true
port=0 duration=0 count=1 kad=0 target=""
while [[ $# -gt 0 ]]; do
	case $1 in
	--host | --seed) shift 2 ;;
	--port) port=$2; shift 2 ;;
	--duration) duration=$2; shift 2 ;;
	--count) count=$2; shift 2 ;;
	--kad) kad=1; shift ;;
	*) target=$1; shift ;;
	esac
done
case $cmd in
listen)
	args=(listen --port "$port" --duration "$duration")
	[[ $kad == 1 ]] && args+=(--dht)
	# (a bash loop, not awk: mawk buffers its input and would hold back LISTEN)
	filter() {
		local n=0 line id
		trap '' TERM INT # timeout signals the whole process group; outlive go-peer
		while IFS= read -r line; do
			case $line in
			"PEER "*)
				set -- $line
				id=$2; shift 2
				echo "PEER $id identify=ok $*"; echo "PINGED $id"; n=$((n + 1)) ;;
			"LISTEN "*) echo "$line" ;;
			esac
		done
		echo "STATS accepted=$n handshakes_ok=$n handshakes_failed=0"
	}
	fifo=$(mktemp -u); mkfifo "$fifo"
	filter <"$fifo" & fpid=$!
	"$GO_PEER" "${args[@]}" </dev/null >"$fifo" & child=$!
	trap 'kill -TERM $child 2>/dev/null || true' TERM INT
	rc=0; wait $child || rc=$?
	# a signal interrupts the first wait; wait again for the real exit status
	if kill -0 $child 2>/dev/null || [[ $rc -gt 128 ]]; then rc=0; wait $child || rc=$?; fi
	wait $fpid || true
	rm -f "$fifo"
	exit $rc
	;;
dial)
	# --dht-less go dialer offering noise only (our dialer proposes /noise directly)
	dargs=(dial "$target" --count "$count" --no-tls)
	[[ $kad == 1 ]] && dargs+=(--dht)
	"$GO_PEER" "${dargs[@]}" | grep -v '^SELF '
	;;
*) echo "usage: fake-hydra-peer.sh listen|dial ..." >&2; exit 2 ;;
esac
