#!/usr/bin/env bash
# Installs every Debian package hydra needs to build, run and test.
# Idempotent; run as root (or through sudo). Set HYDRA_DEPS_SKIP=1 to skip.
set -euo pipefail

[ "${HYDRA_DEPS_SKIP:-0}" = 1 ] && exit 0

# prometheus: promtool validates the /metrics exposition in TAP 008_metrics.
packages=(
	build-essential pkg-config sudo ca-certificates curl
	postgresql-15 postgresql-server-dev-15 postgresql-15-cron
	libsodium-dev libssl-dev libcurl4-openssl-dev
	libprotobuf-c-dev protobuf-c-compiler libmicrohttpd-dev
	libipc-run-perl clang-14 libclang-rt-14-dev llvm-14
	prometheus
)

# The interop suite drives real js-libp2p peers (npm ci) and go-libp2p
# peers (Go >= 1.25 from the Go module proxy's toolchain, preinstalled on
# the machines this project targets; Debian 12's golang-go is too old).
command -v node >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	exec sudo -n "$0" "$@"
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: installed ${missing[*]}"
