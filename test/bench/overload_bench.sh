#!/usr/bin/env bash
# Overload benchmark (issue 8; not a test): GET_PROVIDERS offered at
# OVERLOAD_FACTOR x the measured closed-loop peak for OVERLOAD_S seconds
# (open loop), against one head worker with two heads, in three cases:
#   plain      no decline limits (the defaults)
#   graceful   hydra.store_ops_per_second = 80 % of the peak
#   slow_db    no limits, and another session holds ACCESS EXCLUSIVE on
#              hydra.provider_records for the whole run (a stalled database)
# During each run a second load generator sends FIND_NODE at a low rate, a
# libp2p dialer checks identify + ping every few seconds, and a sampler
# reads the head worker's RSS and the number of hydra statements running in
# the database once a second.  Printed per case: GET_PROVIDERS answered/s
# and its ratio to the peak, answers that came from the store, p50/p99,
# timeouts and requests the generator could not send (windows full), the
# FIND_NODE and ping success ratios, RSS first / max / last, the most
# concurrent hydra statements seen, load shed by reason, and whether any
# worker or the postmaster restarted.
#
#   make install && test/bench/overload_bench.sh
#   OVERLOAD_S=60 OVERLOAD_FACTOR=5 OVERLOAD_PEAK_S=10 OVERLOAD_CONNS=32 OVERLOAD_INFLIGHT=64
#   OVERLOAD_CASES="plain graceful slow_db"
set -euo pipefail
. "$(dirname "$0")/bench_lib.sh"
secs=${OVERLOAD_S:-60}
factor=${OVERLOAD_FACTOR:-5}
peak_s=${OVERLOAD_PEAK_S:-10}
conns=${OVERLOAD_CONNS:-32}
inflight=${OVERLOAD_INFLIGHT:-64}
cases=${OVERLOAD_CASES:-plain graceful slow_db}
make -s -C "$top" build/tools/hydra_peer >/dev/null
peer=$top/build/tools/hydra_peer

machine_info
bench_init overload
start_cluster 2 1
q "CREATE EXTENSION hydra"
wait_heads 2
mapfile -t addrs < <(q "SELECT addrs[1] FROM hydra.heads() ORDER BY head")
wpid=$(worker_pids 1)
pm_start=$(q "SELECT pg_postmaster_start_time()")
seed=$RANDOM

# Records to hit, then the closed-loop peak on them (as many requests in
# flight as the overload runs may have: the most this head can answer)
add=$("$lg" --seed "$seed" --mix 0,100,0 --conns 16 --inflight 16 --duration 5 "${addrs[@]}")
known=$(jget "$add" add_provider keys_contiguous)
sleep 2
peak=$("$lg" --seed "$seed" --known "$known" --hit 100 --mix 100,0,0 --conns "$conns" --inflight "$inflight" \
	--duration "$peak_s" "${addrs[@]}")
peak_rate=$(printf %.0f "$(jget "$peak" get_providers per_s)")
echo "keys stored: $known; closed-loop peak: $peak_rate GET_PROVIDERS/s (p99 $(jget "$peak" get_providers p99_ms) ms)"
echo "BENCH {\"case\":\"peak\",\"loadgen\":$peak}"

# Sum of a metric over samples whose labels contain $2
metric() { q "SELECT coalesce(sum(value), 0)::bigint FROM hydra.metrics() WHERE name = '$1' AND labels @> '${2:-{\}}'"; }

# Load shed so far, as "reason=n ..." (non-zero only)
shed_now() { q "SELECT string_agg(labels->>'reason' || '=' || value::bigint, ' ' ORDER BY labels->>'reason') FROM hydra.metrics() WHERE name = 'hydra_load_shed_total' AND value > 0"; }

# Once a second until the file $1 exists: the head worker's RSS and private memory (kB;
# RSS also counts the shared buffers it has touched, private does not) and hydra
# statements running
sampler() {
	while [ ! -e "$1" ]; do
		echo "$(awk '/^VmRSS/ {print $2}' "/proc/$wpid/status" 2>/dev/null || echo 0)" \
			"$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type LIKE 'hydra%' AND state = 'active'")" \
			"$(awk '$1 ~ /^Private_(Clean|Dirty):$/ {p += $2} END {print p + 0}' "/proc/$wpid/smaps_rollup" 2>/dev/null || echo 0)"
		sleep 1
	done
}

# identify + ping every 3 s until the file $1 exists: prints "ok total"
pinger() {
	local ok=0 n=0
	while [ ! -e "$1" ]; do
		n=$((n + 1))
		"$peer" dial "${addrs[0]}" --count 1 2>/dev/null | grep -q '^RESULT ok=1 fail=0$' && ok=$((ok + 1))
		sleep 3
	done
	echo "$ok $n"
}

declare -A row
for c in $cases; do
	q "ALTER SYSTEM SET hydra.store_ops_per_second = $([ "$c" = graceful ] && echo $((peak_rate * 8 / 10)) || echo 0)" >/dev/null
	q "SELECT pg_reload_conf()" >/dev/null
	sleep 2
	stop=$dir/stop.$c
	locker=
	if [ "$c" = slow_db ]; then
		"${psql[@]}" -c "BEGIN; LOCK TABLE hydra.provider_records IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep($secs + 10); COMMIT" \
			>/dev/null 2>&1 &
		locker=$!
		sleep 1
	fi
	store0=$(metric hydra_store_lookups_total)
	shed0=$(shed_now)
	sampler "$stop" > "$dir/samples.$c" &
	spid=$!
	pinger "$stop" > "$dir/ping.$c" &
	ppid=$!
	"$lg" --seed $((seed + 1)) --mix 0,0,100 --conns 2 --inflight 4 --rate 20 --duration "$secs" \
		"${addrs[@]}" > "$dir/findnode.$c" &
	fpid=$!
	over=$("$lg" --seed "$seed" --known "$known" --hit 100 --mix 100,0,0 --conns "$conns" \
		--inflight "$inflight" --rate $((peak_rate * factor)) --duration "$secs" "${addrs[@]}")
	wait "$fpid"
	touch "$stop"
	wait "$spid" "$ppid"
	[ -n "$locker" ] && { q "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE 'BEGIN; LOCK TABLE%'" >/dev/null; wait "$locker" || true; }
	sleep 1
	fn=$(cat "$dir/findnode.$c")
	read -r ping_ok ping_n < "$dir/ping.$c"
	store=$(( $(metric hydra_store_lookups_total) - store0 ))
	dur=$(jget "$over" duration_s)
	answered=$(jget "$over" get_providers answered)
	rate=$(echo "$answered $dur" | awk '{printf "%.0f", $1 / $2}')
	rss=$(awk 'NR == 1 {f = $1} {if ($1 > m) m = $1; l = $1} END {printf "%d / %d / %d", f / 1024, m / 1024, l / 1024}' "$dir/samples.$c")
	priv=$(awk 'NR == 1 {f = $3} {if ($3 > m) m = $3; l = $3} END {printf "%d / %d / %d", f / 1024, m / 1024, l / 1024}' "$dir/samples.$c")
	dbmax=$(awk '{if ($2 > m) m = $2} END {print m + 0}' "$dir/samples.$c")
	restarted=no
	[ "$(worker_pids 1)" = "$wpid" ] && [ "$(q "SELECT pg_postmaster_start_time()")" = "$pm_start" ] || restarted=YES
	row[$c]="$rate|$(echo "$rate $peak_rate" | awk '{printf "%.0f", 100 * $1 / $2}')|$(echo "$store $dur" | awk '{printf "%.0f", $1 / $2}')|$(jget "$over" get_providers p50_ms) / $(jget "$over" get_providers p99_ms)|$(jget "$over" get_providers timeouts)|$(jget "$over" not_sent_window_full)|$(jget "$fn" find_node answered)/$(jget "$fn" find_node sent)|$ping_ok/$ping_n|$rss|$priv|$dbmax|$restarted"
	echo "case $c: shed before: ${shed0:-none}; after: $(shed_now)"
	echo "BENCH {\"case\":\"overload_$c\",\"factor\":$factor,\"peak_per_s\":$peak_rate,\"loadgen\":$over,\"find_node\":$fn,\"ping_ok\":$ping_ok,\"ping_tries\":$ping_n,\"store_lookups\":$store,\"rss_mib_first_max_last\":\"$rss\",\"private_mib_first_max_last\":\"$priv\",\"max_hydra_statements\":$dbmax,\"restarted\":\"$restarted\"}"
done

echo
printf "%-44s" "offered ${factor}x peak ($((peak_rate * factor))/s) for ${secs}s"
for c in $cases; do printf " %16s" "$c"; done
echo
i=0
for label in "GET_PROVIDERS answered/s" "  % of closed-loop peak ($peak_rate/s)" "  of which asked of the store, /s" \
	"  p50 / p99 ms" "  timed out (5 s)" "  not sent: generator windows full" "FIND_NODE answered/sent (20/s)" \
	"identify+ping ok/tries (every 3 s)" "head worker RSS MiB first / max / last" \
	"head worker private MiB first / max / last" "most hydra statements running at once" \
	"worker or postmaster restarted"; do
	printf "%-44s" "$label"
	for c in $cases; do printf " %16s" "$(cut -d'|' -f$((i + 1)) <<<"${row[$c]}")"; done
	echo
	i=$((i + 1))
done
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
