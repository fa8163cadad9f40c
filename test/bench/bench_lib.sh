# bench_lib.sh — sourced by the benchmark scripts (heads_bench.sh,
# metrics_bench.sh, overload_bench.sh): a temporary cluster on a random
# port with hydra preloaded and loopback-only heads that never dial out,
# plus the probes the scripts share (head addresses, worker pids, memory,
# CPU and run-queue time, fields of loadgen's JSON).
#
#   . "$(dirname "$0")/bench_lib.sh"
#   bench_init NAME ["extra postgresql.conf lines"]
#   start_cluster NHEADS NWORKERS ["case lines"]   (re)start with that many heads/workers
#
# Run as root (the cluster runs as user postgres) or as a non-root user;
# hydra must be installed (make install).

bindir=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
[ -x "$bindir/initdb" ] || bindir=/usr/lib/postgresql/15/bin
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
user=$(id -un)
[ "$user" = root ] && user=postgres

# Run a command as the cluster's user
as_user() { if [ "$(id -un)" = "$user" ]; then "$@"; else runuser -u "$user" -- "$@"; fi; }

make -s -C "$top" build/bench/loadgen >/dev/null
lg=$top/build/bench/loadgen

# Print what the machine is and how busy it is
machine_info() {
	echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
		"$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo), kernel $(uname -r)"
	echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); busiest other processes:"
	ps -eo pcpu=,comm= --sort=-pcpu | head -3 | sed 's/^/   /'
}

# Create the cluster directory and configuration; stop and remove it on exit
bench_init() {
	dir=$(mktemp -d "/tmp/hydra-$1-bench.XXXXXX")
	chown "$user" "$dir"
	port=$((20000 + RANDOM % 20000))
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	chmod 755 "$dir"
	as_user "$bindir/initdb" -D "$dir/data" -A trust >/dev/null
	cat <<CONF | as_user tee -a "$dir/data/postgresql.conf" >/dev/null
shared_preload_libraries = 'hydra'
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
shared_buffers = 512MB
max_wal_size = 4GB
hydra.listen_address = '127.0.0.1'
hydra.port_begin = 0
hydra.allow_private_addresses = on
hydra.bootstrap_peers = ''
hydra.metrics_address = '127.0.0.1:0'
${2:-}
include_if_exists = 'hydra_case.conf'
CONF
	psql=(as_user "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -d postgres)
}

# Stop what the script started (its bench_extra_cleanup, if it defines one),
# the cluster, and remove the directory
bench_cleanup() {
	if declare -F bench_extra_cleanup >/dev/null; then bench_extra_cleanup || true; fi
	as_user "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}

# One query's result, unaligned
q() { "${psql[@]}" -tAc "$1"; }

# (Re)start the cluster with N heads on W head workers and optional extra
# configuration lines for this case (retried: a concurrent reinstall of
# hydra can make one start fail)
start_cluster() {
	printf "hydra.nheads = %d\nhydra.head_workers = %d\n%s\n" "$1" "$2" "${3:-}" |
		as_user tee "$dir/data/hydra_case.conf" >/dev/null
	as_user "$bindir/pg_ctl" -D "$dir/data" -m fast stop >/dev/null 2>&1 || true
	for try in 1 2 3; do
		as_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null && return 0
		echo "cluster start failed (try $try), retrying" >&2
		sleep 5
	done
	tail -30 "$dir/server.log" >&2
	exit 1
}

# Wait (at most S seconds, default 120) until hydra.heads() lists N heads with an address
wait_heads() {
	for _ in $(seq 1 $((${2:-120} * 5))); do
		[ "$(q "SELECT count(*) FROM hydra.heads() WHERE addrs[1] IS NOT NULL")" = "$1" ] && return 0
		sleep 0.2
	done
	echo "heads did not come up; server log:" >&2
	tail -30 "$dir/server.log" >&2
	exit 1
}

# Pids of the head workers (waits until W of them are connected)
worker_pids() {
	local pids
	for _ in $(seq 1 300); do
		pids=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type LIKE 'hydra head worker%' ORDER BY backend_type")
		[ "$(echo "$pids" | grep -c .)" -ge "$1" ] && { echo "$pids"; return 0; }
		sleep 0.2
	done
	echo "head workers did not connect" >&2
	exit 1
}

# Sum of a smaps_rollup field (kB) over pids
smaps_sum() {
	local field=$1 total=0 v
	shift
	for p in "$@"; do
		v=$(awk -v f="$field:" '$1 == f {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

# Nanoseconds on a CPU and waiting on a run queue so far (sum over pids)
sched_ns() {
	cat $(printf '/proc/%s/schedstat ' "$@") | awk '{r += $1; w += $2} END {printf "%.0f %.0f\n", r, w}'
}

# "cpu% runqueue-wait%" of pids between two sched_ns readings over S seconds
sched_pct() {
	echo "$1 $2 $3" | awk '{split($0, a, " "); printf "%.0f %.0f\n", (a[3] - a[1]) / a[5] / 1e7, (a[4] - a[2]) / a[5] / 1e7}' 2>/dev/null ||
		echo "0 0"
}

# One field of a loadgen JSON object: jget JSON key [subkey ...] (0 if absent)
jget() {
	python3 -c 'import json, sys
o = json.loads(sys.argv[1])
for k in sys.argv[2:]:
    o = o.get(k, 0) if isinstance(o, dict) else 0
print(o)' "$@"
}

# Median of numbers
median() { printf "%s\n" "$@" | sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
