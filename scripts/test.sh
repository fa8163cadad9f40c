#!/usr/bin/env bash
# Runs every hydra test suite and ends with "N passed, M failed".
#
#   scripts/test.sh            all suites
#   scripts/test.sh unit regress   only the named suites
#
# Run as root on a fresh Debian 12 machine (it installs what it needs), or
# as a user with passwordless sudo.  Servers and pg_regress run as a
# non-root user ($HYDRA_TEST_USER, default postgres when run as root).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
logdir=${HYDRA_TEST_LOGS:-$top/build/test-logs}
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(build unit unit-asan fuzz-smoke regress tap interop)

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
as_test_user() {
	if [ "$(id -un)" = "$test_user" ]; then "$@"; else as_root runuser -u "$test_user" -- "$@"; fi
}

scripts/deps.sh || { echo "dependency installation failed"; echo "0 passed, 1 failed"; exit 1; }
if [ "$(id -u)" -eq 0 ]; then
	test_user=${HYDRA_TEST_USER:-postgres}
else
	test_user=${HYDRA_TEST_USER:-$(id -un)}
fi
mkdir -p "$logdir"
jobs=$(nproc)
passed=0
failed=0
failed_names=()

# Run one suite, keep its output in a log, print a one-line verdict.
run_suite() {
	local name=$1
	shift
	local log=$logdir/$name.log
	local start=$SECONDS
	echo "=== $name"
	if "$@" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "--- PASS $name ($((SECONDS - start)) s)"
		grep -E '^(Files=|All [0-9]+ tests passed|# All [0-9]+ tests passed|fuzz-smoke )' "$log" | sed 's/^/    /'
	else
		failed=$((failed + 1))
		failed_names+=("$name")
		echo "--- FAIL $name ($((SECONDS - start)) s); last lines of $log:"
		tail -40 "$log" | sed 's/^/    /'
	fi
}

# Copy the checkout to a scratch directory owned by the test user, so that
# pg_regress and TAP can write there whoever owns the checkout.
scratch_copy() {
	local dir
	dir=$(mktemp -d /tmp/hydra-test.XXXXXX)
	tar -C "$top" --exclude=./build --exclude=./data --exclude=./tmp_check --exclude=./results \
		-cf - . | tar -C "$dir" -xf -
	as_root chown -R "$test_user" "$dir"
	echo "$dir"
}

suite_build() {
	make -j"$jobs" && make check-layers check-symbols && as_root make install
}

suite_regress() {
	local dir
	dir=$(scratch_copy)
	as_test_user env -C "$dir" make installcheck 2>&1 ||
		{ cat "$dir"/regression.diffs 2>/dev/null | head -200; rm -rf "$dir"; return 1; }
	rm -rf "$dir"
}

# Real go-libp2p and js-libp2p peers against our C stack, built with
# ASan+UBSan so that a memory error on any interop path fails the run.
suite_interop() {
	command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
	command -v go >/dev/null || { echo "interop needs Go >= 1.25 (go-libp2p); none found"; return 1; }
	make -j"$jobs" tools-asan &&
		HYDRA_PEER=$top/build/asan-tools/hydra_peer prove --exec bash test/interop/run.sh
}

# The go and js interop peers (Go module proxy, npm registry).
build_interop_peers() {
	command -v go >/dev/null || export PATH=$PATH:/usr/local/go/bin
	command -v go >/dev/null || { echo "interop needs Go >= 1.25 (go-libp2p); none found"; return 1; }
	mkdir -p build/interop
	(cd test/interop/go && go build -o ../../../build/interop/go-peer .) || return 1
	if [ ! -d test/interop/js/node_modules ] ||
		[ test/interop/js/package-lock.json -nt test/interop/js/node_modules ]; then
		(cd test/interop/js && npm ci --no-audit --no-fund && touch node_modules) || return 1
	fi
}

suite_tap() {
	local dir
	make -j"$jobs" tools && build_interop_peers || return 1
	dir=$(scratch_copy)
	mkdir -p "$dir/build/tools" "$dir/build/interop" && cp build/tools/* "$dir/build/tools/" &&
		cp build/interop/go-peer "$dir/build/interop/" && as_root chown -R "$test_user" "$dir/build"
	as_test_user env -C "$dir" make tapcheck 2>&1 ||
		{ tail -50 "$dir"/tmp_check/log/regress_log_* 2>/dev/null; rm -rf "$dir"; return 1; }
	rm -rf "$dir"
}

for s in "${suites[@]}"; do
	case $s in
		build) run_suite build suite_build ;;
		unit) run_suite unit make -j"$jobs" unit ;;
		unit-asan) run_suite unit-asan make -j"$jobs" unit-asan ;;
		fuzz-smoke) run_suite fuzz-smoke make -j"$jobs" fuzz-smoke ;;
		regress) run_suite regress suite_regress ;;
		tap) run_suite tap suite_tap ;;
		interop) run_suite interop suite_interop ;;
		*) echo "unknown suite: $s"; failed=$((failed + 1)); failed_names+=("$s") ;;
	esac
done

echo
[ $failed -gt 0 ] && echo "failed suites: ${failed_names[*]} (logs in $logdir)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
