#!/usr/bin/env bash
# DHT interop harness: our standalone multi-head DHT node (hydra_dht_node, src/dht on
# src/net) in a loopback network of real go-libp2p-kad-dht and js-libp2p kad-dht servers.
# Output is TAP; exit status 1 if any test failed.
#
#   test/interop/dht.sh
#   HYDRA_DHT_NODE=build/asan-tools/hydra_dht_node test/interop/dht.sh   # ASan build
#
# Network: go1, js1, go2, js2 (DHT servers, each bootstrapped to the earlier ones) and
# hydra_dht_node with 3 heads bootstrapped to all four.  Proves: identify + ping on every
# head from go and js; every head in every go/js routing table (RTADD); a go client
# provides through head 0 and a js client finds the provider through head 1, a js client
# provides through head 1 and a go client finds it through head 2 (the node prints which
# head served the provider); closest-peer lookups through the heads return the go and js
# servers (go: js1, go2, js2; js: the target go2); an ADD_PROVIDER naming another peer stores nothing; the node exits 0 on
# SIGTERM with its STATS line.
#
# Environment: HYDRA_DHT_NODE (default build/tools/hydra_dht_node), INTEROP_KEEP=1 keeps
# the work directory.
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
NODE_BIN=${HYDRA_DHT_NODE:-$ROOT/build/tools/hydra_dht_node}
CID1=bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy
CID2=bafkreidon73zkcrwdb5iafqtijxildoonbwnpv7dyd6ef3qdgads2jc4su
interop_workdir dht

# check DESC FILES-TO-SHOW-ON-FAILURE -- COMMAND...
check() {
	local desc=$1; shift
	local files=()
	while [[ $1 != -- ]]; do files+=("$1"); shift; done
	shift
	if "$@"; then ok "$desc"; else notok "$desc"; show "${files[@]}"; fi
}
# wait_for FILE REGEX SECONDS : poll until a line matches
wait_for() {
	local f=$1 re=$2 s=$3 i
	for ((i = 0; i < s * 10; i++)); do
		grep -qE "$re" "$f" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# ---------------------------------------------------------------- build
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
if [[ ! -x $GO_PEER ]]; then
	(cd "$HERE/go" && timeout 900 "$GO" build -o "$GO_PEER" .) 2>&1 | sed 's/^/#   /' | head -n 20
fi
if [[ ! -d $HERE/js/node_modules ]]; then
	(cd "$HERE/js" && timeout 900 npm ci --no-audit --no-fund) 2>&1 | sed 's/^/#   /' | head -n 20
fi
if [[ ! -x $NODE_BIN && $NODE_BIN == "$ROOT/build/tools/hydra_dht_node" ]]; then
	(cd "$ROOT" && timeout 600 make -s build/tools/hydra_dht_node) 2>&1 | sed 's/^/#   /' | head -n 20
fi
check "go peer built" -- test -x "$GO_PEER"
check "js peer installed" -- test -d "$HERE/js/node_modules/libp2p"
check "hydra_dht_node built" -- test -x "$NODE_BIN"
if ((FAILED > 0)); then echo "1..$N"; exit 1; fi

# ---------------------------------------------------------------- network
# start NAME CMD... : background process, output in $WORK/NAME.log
start() {
	local name=$1; shift
	"$@" >"$WORK/$name.log" 2>"$WORK/$name.err" </dev/null &
	PIDS+=("$!")
	eval "PID_$name=$!"
}
# listen_addr NAME : the LISTEN multiaddr of a peer (waits up to 30 s)
listen_addr() {
	wait_for "$WORK/$1.log" '^LISTEN ' 30 || return 1
	awk '/^LISTEN /{print $2; exit}' "$WORK/$1.log"
}
id_of() { echo "${1##*/p2p/}"; }
PEER() { case $1 in go) echo "$GO_PEER" ;; js) echo "node $JS_PEER" ;; esac; }

start go1 timeout 300 "$GO_PEER" listen --dht
GO1=$(listen_addr go1) || GO1=""
start js1 timeout 300 node "$JS_PEER" listen --dht --bootstrap "$GO1"
JS1=$(listen_addr js1) || JS1=""
start go2 timeout 300 "$GO_PEER" listen --dht --bootstrap "$GO1,$JS1"
GO2=$(listen_addr go2) || GO2=""
start js2 timeout 300 node "$JS_PEER" listen --dht --bootstrap "$GO1,$JS1"
JS2=$(listen_addr js2) || JS2=""
check "2 go and 2 js DHT servers listening" "$WORK/go1.err" "$WORK/js1.err" -- \
	test -n "$GO1" -a -n "$JS1" -a -n "$GO2" -a -n "$JS2"
SERVERS=(go1 js1 go2 js2)
declare -A ADDR=([go1]=$GO1 [js1]=$JS1 [go2]=$GO2 [js2]=$JS2)

start node timeout 300 "$NODE_BIN" --heads 3 --port 0 --bootstrap "$GO1,$GO2,$JS1,$JS2"
wait_for "$WORK/node.log" '^HEAD 2 ' 20 || true
HEAD=()
for i in 0 1 2; do HEAD[$i]=$(awk -v i="$i" '$1 == "HEAD" && $2 == i {print $3}' "$WORK/node.log"); done
check "hydra_dht_node started 3 heads" "$WORK/node.log" "$WORK/node.err" -- \
	test -n "${HEAD[0]}" -a -n "${HEAD[1]}" -a -n "${HEAD[2]}"

# ---------------------------------------------------------------- routing tables
in_rt() { # in_rt SERVER : every head in SERVER's routing table within 30 s
	local s=$1 i
	for i in 0 1 2; do
		wait_for "$WORK/$s.log" "^RTADD $(id_of "${HEAD[$i]}")\$" 30 || return 1
	done
}
for s in "${SERVERS[@]}"; do
	check "all 3 heads entered $s's routing table (RTADD)" "$WORK/$s.log" -- in_rt "$s"
done
node_rt() {
	local s
	for s in "${SERVERS[@]}"; do
		wait_for "$WORK/node.log" "^RT_ADD $(id_of "${ADDR[$s]}")\$" 20 || return 1
	done
}
check "the four servers entered the shared routing table (RT_ADD)" "$WORK/node.log" -- node_rt

# ---------------------------------------------------------------- identify + ping
for impl in go js; do
	for i in 0 1 2; do
		f="$WORK/dial-$impl-$i.log"
		timeout 60 $(PEER $impl) dial "${HEAD[$i]}" --count 2 >"$f" 2>"$f.err" </dev/null || true
		check "$impl dials head $i: identify lists /ipfs/kad/1.0.0, ping ok (2 connections)" "$f" "$f.err" -- \
			bash -c "grep -q '^RESULT ok=2 fail=0' '$f' && grep -q 'protocols=.*/ipfs/kad/1.0.0' '$f'"
	done
done

# ---------------------------------------------------------------- provide / find
# provide_find PROV_IMPL PROV_HEAD FIND_IMPL FIND_HEAD CID
provide_find() {
	local pi=$1 ph=$2 fi_=$3 fh=$4 cid=$5 tag="$1$2_$3$4"
	local pf="$WORK/provide-$tag.log" ff="$WORK/find-$tag.log" pid key
	start "provide_$tag" timeout 120 $(PEER "$pi") provide --bootstrap "${HEAD[$ph]}" --cid "$cid" --linger 60
	wait_for "$WORK/provide_$tag.log" '^RESULT ' 60 || true
	cp "$WORK/provide_$tag.log" "$pf"
	check "$pi client provides $cid through head $ph" "$pf" "$WORK/provide_$tag.err" -- \
		grep -q '^RESULT ok=1 fail=0' "$pf"
	pid=$(id_of "$(awk '/^LISTEN /{print $2; exit}' "$pf")")
	check "head $ph stored the provider record of $pi client ${pid:0:16}..." "$WORK/node.log" -- \
		wait_for "$WORK/node.log" "^ADD_PROVIDER [0-9a-f]+ $pid head=$ph\$" 10
	key=$(awk -v p="$pid" -v h="head=$ph" '$1 == "ADD_PROVIDER" && $3 == p && $4 == h {print $2; exit}' "$WORK/node.log")
	timeout 90 $(PEER "$fi_") findprovs --bootstrap "${HEAD[$fh]}" --cid "$cid" --expect "$pid" >"$ff" 2>"$ff.err" </dev/null || true
	check "$fi_ client finds that provider through head $fh" "$ff" "$ff.err" -- \
		grep -q '^RESULT ok=1 fail=0' "$ff"
	check "head $fh served the provider record (GET_PROVIDERS head=$fh providers>=1)" "$WORK/node.log" -- \
		grep -qE "^GET_PROVIDERS ${key:-none} head=$fh providers=[1-9]" "$WORK/node.log"
}
provide_find go 0 js 1 "$CID1"
provide_find js 1 go 2 "$CID2"

# ---------------------------------------------------------------- closest peers
f="$WORK/closest-go.log"
timeout 90 "$GO_PEER" closest --bootstrap "${HEAD[0]}" --key "$(id_of "$JS1")" \
	--expect "$(id_of "$JS1"),$(id_of "$GO2"),$(id_of "$JS2")" >"$f" 2>"$f.err" </dev/null || true
check "go closest-peers lookup through head 0 returns js1, go2, js2" "$f" "$f.err" -- \
	grep -q '^RESULT ok=1 fail=0' "$f"
f="$WORK/closest-js.log"
timeout 90 node "$JS_PEER" closest --bootstrap "${HEAD[2]}" --key "$(id_of "$GO2")" \
	--expect "$(id_of "$GO2")" >"$f" 2>"$f.err" </dev/null || true
# js follows only peers strictly closer to the key, so it reports fewer peers than go
check "js closest-peers lookup through head 2 returns go2 (the target)" "$f" "$f.err" -- \
	grep -q '^RESULT ok=1 fail=0' "$f"

# ---------------------------------------------------------------- forged provider
f="$WORK/forge.log"
FORGED_KEY=1220$(printf 'f0%.0s' {1..32})
timeout 60 "$NODE_BIN" addprov "${HEAD[1]}" --key "$FORGED_KEY" --provider "$(id_of "$GO1")" >"$f" 2>"$f.err" </dev/null || true
check "ADD_PROVIDER naming another peer (go1) stores nothing (PROVIDERS 0)" "$f" "$f.err" -- \
	grep -q '^PROVIDERS 0$' "$f"
check "the node ignored it (PROVIDER_IGNORED, no ADD_PROVIDER line)" "$WORK/node.log" -- \
	bash -c "grep -q '^PROVIDER_IGNORED $FORGED_KEY $(id_of "$GO1") head=1' '$WORK/node.log' && ! grep -q '^ADD_PROVIDER $FORGED_KEY' '$WORK/node.log'"

# ---------------------------------------------------------------- shutdown
kill -TERM "$PID_node" 2>/dev/null || true
rc=0
wait "$PID_node" || rc=$?
check "hydra_dht_node exits 0 on SIGTERM" "$WORK/node.err" -- test "$rc" = 0
check "STATS line with providers_wrong_peer >= 1 and no malformed message" "$WORK/node.log" -- \
	bash -c "grep -qE '^STATS .*providers_wrong_peer=[1-9].* malformed=0 ' '$WORK/node.log'"
grep '^STATS' "$WORK/node.log" | cut -c1-600 | sed 's/^/# /' || true

echo "1..$N"
((FAILED == 0))
