# lib.sh — sourced by the interop harnesses (run.sh, dht.sh): where things
# are, a work directory removed on exit with every process in PIDS, and the
# TAP helpers.
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   interop_workdir NAME        WORK=build/interop/NAME.XXXXXX, cleanup on exit

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT="$ROOT/build/interop"
GO_PEER="$OUT/go-peer"
JS_PEER="$HERE/js/peer.mjs"
PIDS=()

# Stop every process in PIDS and remove the work directory (INTEROP_KEEP=1 keeps it)
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	if [[ ${INTEROP_KEEP:-0} == 1 ]]; then echo "# output kept in $WORK"; else rm -rf "$WORK"; fi
}

# Create the work directory and arrange for cleanup
interop_workdir() {
	mkdir -p "$OUT"
	WORK=$(mktemp -d "$OUT/$1.XXXXXX")
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

# ---------------------------------------------------------------- TAP helpers
N=0
FAILED=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
notok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"; }
skip() { N=$((N + 1)); echo "ok $N - $1 # SKIP $2"; }
diag() { sed 's/^/#   /' | head -n "${2:-15}"; }
show() { # show FILE... : diagnostics for a failed test
	local f
	for f in "$@"; do
		[[ -s $f ]] || { echo "#   ($(basename "$f") empty or missing)"; continue; }
		echo "# --- $(basename "$f") (last lines)"
		tail -n 8 "$f" | cut -c1-300 | sed 's/^/#   /'
	done
}
