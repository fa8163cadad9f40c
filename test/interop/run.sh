#!/usr/bin/env bash
# Interop harness: real go-libp2p and js-libp2p peers against hydra_peer (our C stack).
# Output is TAP; exit status 1 if any test failed.
#
#   test/interop/run.sh                      # self-checks + hydra matrix
#   prove --exec bash test/interop/run.sh    # same, through prove
#
# Environment:
#   HYDRA_PEER=path          C peer to test (default build/tools/hydra_peer;
#                            build/asan-tools/hydra_peer for the ASan build)
#   INTEROP_SELFCHECK=0      skip the go<->js self-checks
#   INTEROP_SELFCHECK_ONLY=1 run only the self-checks (no hydra_peer needed)
#   INTEROP_EMULATE=1        stand in for hydra_peer with fake-hydra-peer.sh (go peer
#                            with hydra's CLI); tests the harness logic itself
#   INTEROP_DHT=0            skip the DHT self-check (go/js provide + findprovs)
#   INTEROP_COUNT=20         connections per direction
#   INTEROP_KEEP=1           keep the work directory with all peer output
set -euo pipefail

. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HYDRA_PEER=${HYDRA_PEER:-$ROOT/build/tools/hydra_peer}
if [[ ${INTEROP_EMULATE:-0} == 1 ]]; then HYDRA_PEER="$HERE/fake-hydra-peer.sh"; fi
COUNT=${INTEROP_COUNT:-20}
KEYS=(ed25519 rsa ecdsa secp256k1)
JS_NO_ECDSA="js-libp2p 2.x (@libp2p/peer-id 5.1.9) has no ECDSA peer IDs"
interop_workdir run

# check DESCRIPTION CONDITION-COMMAND... ; on failure print the named files
check() {
	local desc=$1; shift
	if "$@"; then ok "$desc"; else notok "$desc"; fi
}
# ---------------------------------------------------------------- build
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
build_go() {
	local newest
	newest=$(find "$HERE/go" -name '*.go' -o -name go.mod -o -name go.sum | xargs ls -t | head -n1)
	if [[ ! -x $GO_PEER || $newest -nt $GO_PEER ]]; then
		echo "# building go peer"
		(cd "$HERE/go" && timeout 900 "$GO" build -o "$GO_PEER" .) 2>&1 | diag 30
	fi
	[[ -x $GO_PEER ]]
}
build_js() {
	if [[ ! -d $HERE/js/node_modules ]]; then
		echo "# npm ci in test/interop/js"
		(cd "$HERE/js" && timeout 900 npm ci --no-audit --no-fund) 2>&1 | diag 30
	fi
	[[ -d $HERE/js/node_modules/libp2p ]]
}
GO_OK=1; JS_OK=1
build_go || GO_OK=0
build_js || JS_OK=0
check "go peer builds (go-libp2p)" test "$GO_OK" = 1
check "js peer installs (js-libp2p, npm ci)" test "$JS_OK" = 1

peer_cmd() { # peer_cmd go|js -> command words in PEER_CMD
	case $1 in
	go) PEER_CMD=("$GO_PEER") ;;
	js) PEER_CMD=(node "$JS_PEER") ;;
	hydra) PEER_CMD=("$HYDRA_PEER") ;;
	esac
}

# ---------------------------------------------------------------- processes
# start_listener NAME OUTFILE CMD... : runs CMD in the background, waits for its
# LISTEN line; sets LADDR (multiaddr with /p2p/) and LPID.
start_listener() {
	local name=$1 outf=$2; shift 2
	LADDR=""
	"$@" >"$outf" 2>"$outf.err" </dev/null &
	LPID=$!
	PIDS+=("$LPID")
	local i
	for ((i = 0; i < 300; i++)); do
		LADDR=$(awk '/^LISTEN /{print $2; exit}' "$outf" 2>/dev/null || true)
		[[ -n $LADDR ]] && return 0
		kill -0 "$LPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# $name listener did not print LISTEN"
	show "$outf" "$outf.err"
	return 1
}
stop_listener() { # stop_listener PID : SIGTERM, wait up to 10 s; returns the exit status
	local pid=$1 i rc=0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid" 2>/dev/null || true; }
	wait "$pid" || rc=$?
	return "$rc"
}

# result_ok FILE N : the dialer printed RESULT ok=N fail=0
result_ok() { grep -q "^RESULT ok=$2 fail=0\$" "$1"; }
# every OK line lists all the given protocols
all_ok_have() {
	local f=$1; shift
	local n p
	n=$(grep -c '^OK ' "$f" || true)
	[[ $n -gt 0 ]] || return 1
	for p in "$@"; do
		[[ $(grep '^OK ' "$f" | grep -c -- "protocols=\([^ ]*,\)\?$p\(,\| \)") -eq $n ]] || return 1
	done
}
self_id() { awk '/^SELF /{print $2; exit}' "$1"; }
count_lines() { grep -c -- "$2" "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------- self-checks
# pair LISTENER DIALER KEY : DIALER dials LISTENER's node 3 times, both with KEY identities
selfcheck_pair() {
	local l=$1 d=$2 key=$3 tag="self-$1-$2-$3"
	local desc="self-check: $d ($key) dials $l ($key) x3: noise+yamux+identify+ping"
	if [[ $key == ecdsa && ($l == js || $d == js) ]]; then skip "$desc" "$JS_NO_ECDSA"; return; fi
	if [[ $l == go && $GO_OK != 1 || $d == go && $GO_OK != 1 || $l == js && $JS_OK != 1 || $d == js && $JS_OK != 1 ]]; then
		notok "$desc"; echo "# peer not built"; return
	fi
	peer_cmd "$l"
	if ! start_listener "$l" "$WORK/$tag.listen" timeout 120 "${PEER_CMD[@]}" listen --port 0 --key "$key"; then
		notok "$desc"; return
	fi
	local lpid=$LPID rc=0
	peer_cmd "$d"
	timeout 60 "${PEER_CMD[@]}" dial "$LADDR" --count 3 --key "$key" >"$WORK/$tag.dial" 2>"$WORK/$tag.dial.err" || rc=$?
	stop_listener "$lpid" || true
	local me
	me=$(self_id "$WORK/$tag.dial")
	if [[ $rc == 0 ]] && result_ok "$WORK/$tag.dial" 3 && all_ok_have "$WORK/$tag.dial" /ipfs/id/1.0.0 /ipfs/ping/1.0.0 &&
		[[ -n $me && $(count_lines "$WORK/$tag.listen" "^PEER $me ") -ge 3 ]]; then
		ok "$desc"
	else
		notok "$desc"; echo "# dial exit $rc"; show "$WORK/$tag.dial" "$WORK/$tag.dial.err" "$WORK/$tag.listen" "$WORK/$tag.listen.err"
	fi
}

selfcheck_dht() {
	# a small mixed DHT: go server A, js server B (bootstrapped to A); go provides a CID
	# through A, js finds it through B; js provides another through B, go finds it through A;
	# go closest-peers lookup returns the js server.
	local desc
	local cid1=bafkreicsow2ucai6d6j662jedks4tmsntuee2yid26nyvky2ngoyfiss2q  # raw, sha256("hydra interop 1")
	local cid2=bafkreihpu2dnqsqx7tfqjwa2e4kahmttgcpsws7xdapbujqxmcf2ukc4iu  # raw, sha256("hydra interop 2")
	if [[ $GO_OK != 1 || $JS_OK != 1 ]]; then notok "self-check DHT: peers built"; return; fi
	if ! start_listener go-dht "$WORK/dht-a" timeout 300 "$GO_PEER" listen --dht --key ed25519; then
		notok "self-check DHT: go DHT server starts"; return
	fi
	local apid=$LPID a=$LADDR
	if ! start_listener js-dht "$WORK/dht-b" timeout 300 node "$JS_PEER" listen --dht --key ed25519 --bootstrap "$a"; then
		notok "self-check DHT: js DHT server starts"; stop_listener "$apid" || true; return
	fi
	local bpid=$LPID b=$LADDR
	local aid=${a##*/} bid=${b##*/} i
	for ((i = 0; i < 100; i++)); do
		grep -q "^RTADD $bid" "$WORK/dht-a" && grep -q "^RTADD $aid" "$WORK/dht-b" && break
		sleep 0.1
	done
	desc="self-check DHT: go and js servers enter each other's routing tables"
	if grep -q "^RTADD $bid" "$WORK/dht-a" && grep -q "^RTADD $aid" "$WORK/dht-b"; then ok "$desc"; else
		notok "$desc"; show "$WORK/dht-a" "$WORK/dht-a.err" "$WORK/dht-b" "$WORK/dht-b.err"
	fi

	local rc=0 pid
	timeout 90 "$GO_PEER" provide --bootstrap "$a" --cid $cid1 >"$WORK/dht-prov1" 2>"$WORK/dht-prov1.err" || rc=$?
	pid=$(awk '/^LISTEN/{n=split($2,x,"/"); print x[n]}' "$WORK/dht-prov1")
	desc="self-check DHT: go provides a CID through the go server"
	if [[ $rc == 0 ]] && result_ok "$WORK/dht-prov1" 1; then ok "$desc"; else notok "$desc"; show "$WORK/dht-prov1" "$WORK/dht-prov1.err"; fi
	rc=0
	timeout 90 node "$JS_PEER" findprovs --bootstrap "$b" --cid $cid1 --expect "$pid" >"$WORK/dht-find1" 2>"$WORK/dht-find1.err" || rc=$?
	desc="self-check DHT: js finds the go provider through the js server"
	if [[ $rc == 0 ]] && result_ok "$WORK/dht-find1" 1; then ok "$desc"; else notok "$desc"; show "$WORK/dht-find1" "$WORK/dht-find1.err"; fi

	rc=0
	timeout 90 node "$JS_PEER" provide --bootstrap "$b" --cid $cid2 >"$WORK/dht-prov2" 2>"$WORK/dht-prov2.err" || rc=$?
	pid=$(awk '/^LISTEN/{n=split($2,x,"/"); print x[n]}' "$WORK/dht-prov2")
	desc="self-check DHT: js provides a CID through the js server"
	if [[ $rc == 0 ]] && result_ok "$WORK/dht-prov2" 1; then ok "$desc"; else notok "$desc"; show "$WORK/dht-prov2" "$WORK/dht-prov2.err"; fi
	rc=0
	timeout 90 "$GO_PEER" findprovs --bootstrap "$a" --cid $cid2 --expect "$pid" >"$WORK/dht-find2" 2>"$WORK/dht-find2.err" || rc=$?
	desc="self-check DHT: go finds the js provider through the go server"
	if [[ $rc == 0 ]] && result_ok "$WORK/dht-find2" 1; then ok "$desc"; else notok "$desc"; show "$WORK/dht-find2" "$WORK/dht-find2.err"; fi

	rc=0
	timeout 90 "$GO_PEER" closest --bootstrap "$a" --key "$bid" --expect "$bid" >"$WORK/dht-closest" 2>"$WORK/dht-closest.err" || rc=$?
	desc="self-check DHT: go closest-peers lookup through the go server returns the js server"
	if [[ $rc == 0 ]] && result_ok "$WORK/dht-closest" 1; then ok "$desc"; else notok "$desc"; show "$WORK/dht-closest" "$WORK/dht-closest.err"; fi
	rc=0
	timeout 90 node "$JS_PEER" closest --bootstrap "$b" --key "$aid" --expect "$aid" >"$WORK/dht-closest2" 2>"$WORK/dht-closest2.err" || rc=$?
	desc="self-check DHT: js closest-peers lookup through the js server returns the go server"
	if [[ $rc == 0 ]] && result_ok "$WORK/dht-closest2" 1; then ok "$desc"; else notok "$desc"; show "$WORK/dht-closest2" "$WORK/dht-closest2.err"; fi

	stop_listener "$bpid" || true
	stop_listener "$apid" || true
}

if [[ ${INTEROP_SELFCHECK:-1} != 0 ]]; then
	for key in "${KEYS[@]}"; do
		for l in go js; do
			for d in go js; do selfcheck_pair "$l" "$d" "$key"; done
		done
	done
	[[ ${INTEROP_DHT:-1} != 0 ]] && selfcheck_dht
fi

# ---------------------------------------------------------------- hydra matrix
KAD=/ipfs/kad/1.0.0 ID=/ipfs/id/1.0.0 PING=/ipfs/ping/1.0.0

hydra_matrix() {
	local hl="$WORK/hydra.listen" impl key rc
	echo "# hydra_peer: $HYDRA_PEER"
	local have_hydra=1
	[[ -x $HYDRA_PEER ]] || { have_hydra=0; echo "# hydra_peer not found or not executable: $HYDRA_PEER"; }
	local hpid="" haddr=""
	if [[ $have_hydra == 1 ]] && start_listener hydra "$hl" timeout 900 "$HYDRA_PEER" listen --host 127.0.0.1 --port 0 --kad --duration 800; then
		hpid=$LPID haddr=$LADDR
		echo "# hydra listener: $haddr"
	fi
	check "hydra_peer listen --kad starts and prints LISTEN" test -n "$haddr"

	for impl in go js; do
		local built=$GO_OK; [[ $impl == js ]] && built=$JS_OK
		peer_cmd "$impl"
		local tag="hydra-$impl-dial" extra=""
		[[ $impl == go ]] && extra=" (go offers /tls/1.0.0 first, expects na, then /noise)"

		# (a) their node dials our listener COUNT times
		rc=0
		if [[ -n $haddr && $built == 1 ]]; then
			timeout 120 "${PEER_CMD[@]}" dial "$haddr" --count "$COUNT" >"$WORK/$tag" 2>"$WORK/$tag.err" || rc=$?
		else
			rc=99; : >"$WORK/$tag"
		fi
		if [[ $rc == 0 ]] && result_ok "$WORK/$tag" "$COUNT"; then
			ok "$impl dials hydra listener $COUNT times: noise+yamux+identify+ping$extra"
		else
			notok "$impl dials hydra listener $COUNT times: noise+yamux+identify+ping$extra"
			echo "# dial exit $rc"; show "$WORK/$tag" "$WORK/$tag.err" "$hl.err"
		fi
		if all_ok_have "$WORK/$tag" "$KAD" "$ID" "$PING"; then
			ok "$impl sees $KAD, $ID and $PING in hydra's identify"
		else
			notok "$impl sees $KAD, $ID and $PING in hydra's identify"
			grep -m2 '^OK ' "$WORK/$tag" | cut -c1-300 | diag
		fi
		local me n
		me=$(self_id "$WORK/$tag")
		n=0; [[ -n $me ]] && n=$(count_lines "$hl" "^PEER $me identify=ok ")
		if [[ -n $me && $n -ge $COUNT ]]; then
			ok "hydra listener parsed $impl's identify on every connection ($n PEER lines)"
		else
			notok "hydra listener parsed $impl's identify on every connection ($n PEER lines for ${me:-?})"
			show "$hl"
		fi
		n=0; [[ -n $me ]] && n=$(count_lines "$hl" "^PINGED $me\$")
		if [[ -n $me && $n -ge $COUNT ]]; then
			ok "hydra listener served $impl's pings ($n PINGED lines)"
		else
			notok "hydra listener served $impl's pings ($n PINGED lines for ${me:-?})"
		fi

		# (b) our dialer dials their listener COUNT times
		tag="$impl-listen-hydra"
		local desc="hydra dials $impl listener $COUNT times: RESULT ok=$COUNT"
		rc=0
		if [[ $built == 1 ]] && start_listener "$impl" "$WORK/$tag" timeout 300 "${PEER_CMD[@]}" listen --port 0 --key ed25519; then
			local lpid=$LPID
			if [[ $have_hydra == 1 ]]; then
				timeout 120 "$HYDRA_PEER" dial "$LADDR" --count "$COUNT" --kad >"$WORK/$tag.dial" 2>"$WORK/$tag.dial.err" || rc=$?
			else
				rc=99; : >"$WORK/$tag.dial"
			fi
			sleep 0.3
			stop_listener "$lpid" || true
			if [[ $rc == 0 ]] && result_ok "$WORK/$tag.dial" "$COUNT"; then ok "$desc"; else
				notok "$desc"; echo "# hydra dial exit $rc"; show "$WORK/$tag.dial" "$WORK/$tag.dial.err" "$WORK/$tag.err"
			fi
			n=$(grep '^PEER ' "$WORK/$tag" | grep -c -- "protocols=\([^ ]*,\)\?$KAD\(,\| \)" || true)
			if [[ $n -ge 1 ]]; then
				ok "$impl listener identified hydra dialer with $KAD ($n PEER lines)"
			else
				notok "$impl listener identified hydra dialer with $KAD"; show "$WORK/$tag"
			fi
		else
			notok "$desc"; echo "# $impl listener did not start"
			notok "$impl listener identified hydra dialer with $KAD"
		fi

		# (c) peers with RSA, ECDSA and secp256k1 identities dial our listener
		for key in rsa ecdsa secp256k1; do
			tag="hydra-$impl-$key"
			if [[ $impl == js && $key == ecdsa ]]; then
				skip "$impl peer with a $key identity dials hydra listener" "$JS_NO_ECDSA"; continue
			fi
			rc=0
			if [[ -n $haddr && $built == 1 ]]; then
				peer_cmd "$impl"
				timeout 60 "${PEER_CMD[@]}" dial "$haddr" --count 2 --key "$key" >"$WORK/$tag" 2>"$WORK/$tag.err" || rc=$?
			else
				rc=99; : >"$WORK/$tag"
			fi
			me=$(self_id "$WORK/$tag")
			if [[ $rc == 0 ]] && result_ok "$WORK/$tag" 2 && [[ -n $me && $(count_lines "$hl" "^PEER $me identify=ok ") -ge 2 ]]; then
				ok "$impl peer with a $key identity (${me:0:8}...) dials hydra listener: accepted and identified"
			else
				notok "$impl peer with a $key identity dials hydra listener: accepted and identified"
				echo "# dial exit $rc"; show "$WORK/$tag" "$WORK/$tag.err"
			fi
		done
	done

	# the listener survived everything and shuts down cleanly
	rc=99
	if [[ -n $hpid ]]; then rc=0; stop_listener "$hpid" || rc=$?; fi
	if [[ $rc == 0 ]] && grep -q '^STATS accepted=[0-9]* handshakes_ok=[0-9]* handshakes_failed=[0-9]*' "$hl"; then
		ok "hydra listener exits 0 on SIGTERM and prints STATS ($(grep -m1 '^STATS' "$hl" | cut -d' ' -f2-))"
	else
		notok "hydra listener exits 0 on SIGTERM and prints STATS (exit $rc)"
		[[ -f $hl ]] && show "$hl" "$hl.err"
	fi
}

if [[ ${INTEROP_SELFCHECK_ONLY:-0} != 1 ]]; then
	hydra_matrix
fi

echo "1..$N"
[[ $FAILED == 0 ]] || { echo "# $FAILED of $N tests failed"; exit 1; }
exit 0
