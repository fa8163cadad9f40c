#!/usr/bin/env bash
# Prefetch benchmark (not a test; issue 6): a private DHT of go-libp2p and
# js-libp2p servers on 127.0.0.1 (10 + 10 by default) and a temporary hydra
# cluster bootstrapped to it only (never to public addresses).  One go
# client (go-peer provide-many) provides CIDs to every node (the k = 20
# closest of 20 nodes), then test/bench/loadgen drives GET_PROVIDERS misses
# at the heads and the script samples hydra.prefetch_stats() and the
# workers' memory.  Printed per case (queue size : concurrency):
#   - memory at idle: RSS / PSS / private of the prefetch worker and the
#     head worker (/proc/<pid>/smaps_rollup);
#   - hydra.fetch() of provided CIDs at idle: time to the first provider;
#   - "found" phase: misses for provided CIDs offered far above what the
#     pool completes; lookups completed per second by result (found /
#     empty / error / timeout) while keys were pending, mean lookup
#     duration (the duration histogram if the server exports one, and
#     Little's law: lookups running / completion rate), queries per lookup,
#     CPU of the prefetch worker, head worker, go nodes and js nodes;
#   - "full" phase, after a restart (so the found phase's backlog does not
#     run first): misses for unseen CIDs (--hit 0) at two offered rates
#     until the queue is full and queue_full grows; empty lookups per
#     second, queue depth, enqueue outcomes, miss answer latency (the heads
#     answer at once whatever the queue does), memory at each rate.
# A line "BENCH {...}" (JSON) ends every case; a summary ends the run.
#
#   test/bench/prefetch_bench.sh
#   PREFETCH_BENCH_CASES="1000:16 10000:16 100000:16 1000:64"  queue_size:concurrency
#   PREFETCH_BENCH_GO=10 PREFETCH_BENCH_JS=10  DHT servers of each kind
#   PREFETCH_BENCH_KEYS=3000                   CIDs provided (loadgen keys)
#   PREFETCH_BENCH_REPLICAS=20                 nodes holding each record
#   PREFETCH_BENCH_TIMEOUT=5s                  hydra.prefetch_timeout
#   PREFETCH_BENCH_FOUND_S=20 PREFETCH_BENCH_FOUND_RATE=400
#   PREFETCH_BENCH_FULL_S=20 PREFETCH_BENCH_MISS_RATE=4000  (then 2x that)
#   PREFETCH_BENCH_FILL_MAX_S=40               at most this long to fill the queue
#   PREFETCH_BENCH_HEADS=2 PREFETCH_BENCH_FETCHES=10
#
# Run as root (the cluster runs as user postgres) or as a non-root user;
# hydra must be installed (make install).  Needs go (builds the go peer)
# and node (test/interop/js, npm ci if node_modules is missing).  Every
# process it starts is stopped on exit.  About 13 minutes with the defaults.
set -euo pipefail
cases=${PREFETCH_BENCH_CASES:-1000:16 10000:16 100000:16 1000:64}
ngo=${PREFETCH_BENCH_GO:-10}
njs=${PREFETCH_BENCH_JS:-10}
nkeys=${PREFETCH_BENCH_KEYS:-3000}
replicas=${PREFETCH_BENCH_REPLICAS:-20}
pf_timeout=${PREFETCH_BENCH_TIMEOUT:-5s}
found_s=${PREFETCH_BENCH_FOUND_S:-20}
found_rate=${PREFETCH_BENCH_FOUND_RATE:-400}
full_s=${PREFETCH_BENCH_FULL_S:-20}
miss_rate=${PREFETCH_BENCH_MISS_RATE:-4000}
nheads=${PREFETCH_BENCH_HEADS:-2}
nfetch=${PREFETCH_BENCH_FETCHES:-10}
fill_max=${PREFETCH_BENCH_FILL_MAX_S:-40}
keyseed=$((RANDOM * 32768 + RANDOM))
tck=$(getconf CLK_TCK)

# ---------------------------------------------------------------- build
. "$(dirname "$0")/bench_lib.sh"
gopeer=$top/build/interop/go-peer
GO=${GO:-$(command -v go || echo /usr/local/go/bin/go)}
(cd "$top/test/interop/go" && "$GO" build -o "$gopeer" .)
jspeer=$top/test/interop/js/peer.mjs
[ -d "$top/test/interop/js/node_modules/libp2p" ] ||
	(cd "$top/test/interop/js" && npm ci --no-audit --no-fund >/dev/null)

node_pids=()
lg_pid=

# Stop what this script started besides the cluster: loadgen, the DHT nodes
bench_extra_cleanup() {
	[ -n "$lg_pid" ] && kill "$lg_pid" 2>/dev/null || true
	local p
	for p in "${node_pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${node_pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
machine_info
bench_init prefetch "shared_buffers = 256MB
hydra.prefetch = on
hydra.prefetch_timeout = '$pf_timeout'"

# ---------------------------------------------------------------- DHT network
# Start one DHT server (go or js) bootstrapped to $2 (may be empty); its
# output file stem in $node_file (no subshell: node_pids must be kept)
start_node() {
	local impl=$1 boot=$2 n=${#node_pids[@]} f
	f=$dir/node$n.$impl
	node_file=$f
	local cmd=("$gopeer")
	[ "$impl" = js ] && cmd=(node "$jspeer")
	if [ -n "$boot" ]; then
		"${cmd[@]}" listen --dht --bootstrap "$boot" </dev/null >"$f.out" 2>"$f.err" &
	else
		"${cmd[@]}" listen --dht </dev/null >"$f.out" 2>"$f.err" &
	fi
	node_pids+=($!)
}

# The LISTEN address a node printed (waits up to 30 s)
node_addr() {
	for _ in $(seq 1 300); do
		sed -n 's/^LISTEN //p' "$1.out" | grep . && return 0
		sleep 0.1
	done
	echo "node $1 did not start:" >&2
	cat "$1.err" >&2
	exit 1
}

t0=$(date +%s.%N)
start_node go ""
files=("$node_file")
first_addr=$(node_addr "$node_file")
for i in $(seq 2 "$ngo"); do start_node go "$first_addr"; files+=("$node_file"); done
for i in $(seq 1 "$njs"); do start_node js "$first_addr"; files+=("$node_file"); done
addrs=()
for f in "${files[@]}"; do addrs+=("$(node_addr "$f")"); done
go_pids=("${node_pids[@]:0:$ngo}")
js_pids=("${node_pids[@]:$ngo}")
peers=$(IFS=,; echo "${addrs[*]}")
printf "network: %d go + %d js DHT servers on 127.0.0.1, up in %.1f s\n" "$ngo" "$njs" \
	"$(echo "$(date +%s.%N) - $t0" | bc)"
sleep 3

# RSS, PSS and private memory (KiB) summed over pids
mem_of() {
	echo "$(smaps_sum Rss "$@") $(smaps_sum Pss "$@") $(($(smaps_sum Private_Clean "$@") + $(smaps_sum Private_Dirty "$@")))"
}

# CPU ticks (user + system) so far, summed over pids
cpu_ticks() {
	local p t=0 v
	for p in "$@"; do
		v=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}')
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# Nanoseconds waiting on a run queue so far, summed over pids
runq_ns() {
	{ cat $(printf '/proc/%s/schedstat ' "$@") 2>/dev/null || true; } | awk '{w += $2} END {printf "%.0f\n", w}'
}

echo "network memory at idle (RSS KiB): go $(smaps_sum Rss "${go_pids[@]}") in $ngo," \
	"js $(smaps_sum Rss "${js_pids[@]}") in $njs"

t0=$(date +%s.%N)
# Provide in the background, pid kept: an interrupt must stop it too
"$gopeer" provide-many --peers "$peers" --count "$nkeys" --seed "$keyseed" --replicas "$replicas" \
	</dev/null >"$dir/provide.out" 2>"$dir/provide.err" &
node_pids+=($!)
wait "$!" || {
	echo "provide-many failed:" >&2
	grep -v '^PROVIDED' "$dir/provide.out" >&2
	cat "$dir/provide.err" >&2
	exit 1
}
prov_out=$(cat "$dir/provide.out")
provider=$(sed -n 's/^OK .* by \([^ ]*\) in .*/\1/p' <<<"$prov_out")
printf "provided: %d CIDs, each on the %d closest of %d nodes, by %s in %.1f s (%s)\n" "$nkeys" \
	"$replicas" "${#addrs[@]}" "$provider" "$(echo "$(date +%s.%N) - $t0" | bc)" \
	"$(grep -c '^PROVIDED' <<<"$prov_out") nodes checked with GET_PROVIDERS"

# ---------------------------------------------------------------- cluster
# the network's addresses are known only now
echo "hydra.bootstrap_peers = '$peers'" | as_user tee -a "$dir/data/postgresql.conf" >/dev/null

# (Re)start the cluster with queue size $1 and concurrency $2
start_prefetch_cluster() {
	start_cluster "$nheads" 1 "hydra.prefetch_queue_size = $1
hydra.prefetch_concurrency = $2"
}

# Wait until N heads run and the shared routing table holds the network
wait_ready() {
	local rt
	for _ in $(seq 1 600); do
		rt=$(q "SELECT coalesce(max(routing_table_size), 0) FROM hydra.heads() WHERE addrs[1] IS NOT NULL HAVING count(*) = $nheads" || true)
		[ "${rt:-0}" -ge "${#addrs[@]}" ] && return 0
		sleep 0.2
	done
	echo "heads not up or not bootstrapped (routing table ${rt:-?}); server log:" >&2
	tail -30 "$dir/server.log" >&2
	exit 1
}

# Pid of the process whose backend_type matches $1 (waits until it is connected)
pid_of() {
	local p
	for _ in $(seq 1 300); do
		p=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type LIKE '$1' ORDER BY pid LIMIT 1")
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.2
	done
	echo "no process with backend_type '$1'" >&2
	exit 1
}

# Fill the associative array st with hydra.prefetch_stats() and a few metrics
declare -A st
read_stats() {
	local n v
	st=()
	while IFS='|' read -r n v; do
		[ -n "$n" ] && st[$n]=$v
	done < <(q "SELECT name, value FROM hydra.prefetch_stats()
		UNION ALL SELECT 'm:duration_count', sum(value)::bigint FROM hydra.metrics()
			WHERE name = 'hydra_prefetch_lookup_duration_seconds_count'
		UNION ALL SELECT 'm:duration_sum_us', (1e6 * sum(value))::bigint FROM hydra.metrics()
			WHERE name = 'hydra_prefetch_lookup_duration_seconds_sum'")
	st[t]=$(date +%s.%N)
}
sget() { echo "${st[$1]:-0}"; }

# Remember the lookup duration histogram's buckets (cumulative counts)
hist_snapshot() {
	q "SET client_min_messages = warning; DROP TABLE IF EXISTS bench_hist; CREATE TABLE bench_hist AS SELECT labels->>'le' AS le, value
		FROM hydra.metrics() WHERE name = 'hydra_prefetch_lookup_duration_seconds_bucket'"
}

# p50 p90 p99 of lookups since hist_snapshot: upper bounds of their buckets (0 if none)
hist_quantiles() {
	q "WITH d AS (SELECT m.labels->>'le' AS le, m.value - coalesce(b.value, 0) AS c
			FROM hydra.metrics() m LEFT JOIN bench_hist b ON b.le = m.labels->>'le'
			WHERE m.name = 'hydra_prefetch_lookup_duration_seconds_bucket'),
		t AS (SELECT max(c) AS n FROM d)
		SELECT concat_ws(' ', coalesce((SELECT le FROM d, t WHERE c >= 0.5 * n AND n > 0 ORDER BY c, le = '+Inf', le::float8 LIMIT 1), '0'),
			coalesce((SELECT le FROM d, t WHERE c >= 0.9 * n AND n > 0 ORDER BY c, le = '+Inf', le::float8 LIMIT 1), '0'),
			coalesce((SELECT le FROM d, t WHERE c >= 0.99 * n AND n > 0 ORDER BY c, le = '+Inf', le::float8 LIMIT 1), '0'))"
}

# Sample stats every 2 s while loadgen ($lg_pid) runs; fills arrays of samples
samples=()
sample_until_done() {
	local line
	while kill -0 "$lg_pid" 2>/dev/null; do
		sleep 2
		read_stats
		line="$(sget t) $(sget pending) $(sget running) $(sget found) $(sget empty) $(sget error) $(sget timeout)"
		line+=" $(sget enqueued) $(sget already_pending) $(sget failed_recently_5min) $(sget failed_recently_1h) $(sget queue_full)"
		line+=" $(mem_of "$pf_pid") $(mem_of "$hw_pid")"
		samples+=("$line")
		awk -v t0="$phase_t0" '{printf "   %5.1fs pending %6d running %3d | found %6d empty %6d error %5d timeout %5d | enq %7d pend %7d f5m %6d f1h %4d full %8d | pf %6d/%6d/%6d hw %6d/%6d/%6d KiB\n", $1 - t0, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18}' <<<"$line"
	done
	wait "$lg_pid" || true
	lg_pid=
}

# Lookups completed per second (found empty error timeout) over samples whose
# start had keys pending (the pool was busy); echoes "secs found empty error timeout running_avg"
busy_rates() {
	printf '%s\n' "$@" | awk '
		NR > 1 && prev_pending > 0 {
			dt = $1 - pt; s += dt
			f += $4 - pf; e += $5 - pe; r += $6 - pr; o += $7 - po; run += ($3 + prun) / 2 * dt
		}
		{ pt = $1; prev_pending = $2; pf = $4; pe = $5; pr = $6; po = $7; prun = $3 }
		END { if (s == 0) s = 1e-9; printf "%.1f %.1f %.1f %.1f %.1f %.1f\n", s, f / s, e / s, r / s, o / s, run / s }'
}

# Run loadgen in the background with seed $1 and more arguments (output in $dir/lg.json)
run_loadgen() {
	local seed=$1
	shift
	"$lg" --seed "$seed" --mix 100,0,0 --conns $((4 * nheads)) --inflight 16 "$@" "${head_addrs[@]}" \
		>"$dir/lg.json" 2>"$dir/lg.err" &
	lg_pid=$!
	phase_t0=$(date +%s.%N)
}

summary=()
declare -A full_pf full_hw full_q full_rates
for case in $cases; do
	qsize=${case%%:*}
	conc=${case##*:}
	echo
	echo "=== case: hydra.prefetch_queue_size = $qsize, hydra.prefetch_concurrency = $conc, prefetch_timeout = $pf_timeout"
	start_prefetch_cluster "$qsize" "$conc"
	q "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS hydra"
	# every case starts with an empty store: the provided CIDs are misses again
	q "TRUNCATE hydra.provider_records"
	wait_ready
	mapfile -t head_addrs < <(q "SELECT addrs[1] FROM hydra.heads() ORDER BY head")
	pf_pid=$(pid_of 'hydra prefetch')
	hw_pid=$(pid_of 'hydra head worker%')
	sleep 1
	i0=("$(cpu_ticks "${go_pids[@]}")" "$(cpu_ticks "${js_pids[@]}")")
	sleep 4
	i1=("$(cpu_ticks "${go_pids[@]}")" "$(cpu_ticks "${js_pids[@]}")")
	idle_go=$(awk -v a="${i0[0]}" -v b="${i1[0]}" -v t="$tck" 'BEGIN {printf "%.0f", 100 * (b - a) / t / 4}')
	idle_js=$(awk -v a="${i0[1]}" -v b="${i1[1]}" -v t="$tck" 'BEGIN {printf "%.0f", 100 * (b - a) / t / 4}')
	read -r pf_rss pf_pss pf_priv <<<"$(mem_of "$pf_pid")"
	read -r hw_rss hw_pss hw_priv <<<"$(mem_of "$hw_pid")"
	echo "idle: routing table $(q "SELECT max(routing_table_size) FROM hydra.heads()") peers;" \
		"prefetch worker RSS/PSS/private $pf_rss/$pf_pss/$pf_priv KiB, head worker $hw_rss/$hw_pss/$hw_priv KiB;" \
		"CPU % of one core: go nodes $idle_go, js nodes $idle_js"
	idle_pf="$pf_rss/$pf_pss/$pf_priv"
	idle_hw="$hw_rss/$hw_pss/$hw_priv"
	idle_json="\"idle\":{\"prefetch_rss_kib\":$pf_rss,\"prefetch_pss_kib\":$pf_pss,\"prefetch_private_kib\":$pf_priv,\"head_worker_rss_kib\":$hw_rss,\"head_worker_pss_kib\":$hw_pss,\"head_worker_private_kib\":$hw_priv}"

	# hydra.fetch of provided CIDs, one at a time on an idle pool: time to the first provider
	q "CREATE OR REPLACE FUNCTION public.bench_timed_fetch(i bigint) RETURNS text LANGUAGE plpgsql AS \$\$
		DECLARE t0 timestamptz := clock_timestamp(); n int; src text; BEGIN
			SELECT count(*), max(source) INTO n, src FROM hydra.fetch(hydra.key_to_cid('\\x1220'::bytea ||
				sha256(int8send($keyseed::bigint) || int8send(i))), 1, '10 seconds');
			RETURN round((extract(epoch FROM clock_timestamp() - t0) * 1000)::numeric, 1) || ' ' || n || ' ' || coalesce(src, '-');
		END \$\$"
	# one statement each, as hydra.fetch asks (no earlier read of the store in the transaction)
	for i in $(seq $((nkeys - nfetch)) $((nkeys - 1))); do q "SELECT public.bench_timed_fetch($i)"; done >"$dir/fetch.txt"
	fetch=$(sort -n "$dir/fetch.txt" | awk '{ms[NR] = $1; if ($2 > 0 && $3 == "dht") ok++} END {printf "%s %s %d %d", ms[int((NR + 1) / 2)], ms[NR], ok, NR}')
	read -r fetch_p50 fetch_max fetch_ok fetch_n <<<"$fetch"
	echo "hydra.fetch of a provided CID at idle (time to the first provider): p50 $fetch_p50 ms, max $fetch_max ms, $fetch_ok/$fetch_n found (source dht)"

	# ---- found phase: misses for provided CIDs, offered above the pool's rate
	echo "found phase: GET_PROVIDERS for the provided CIDs at $found_rate/s for $found_s s (every first ask is a miss)"
	read_stats
	s0_queries=$(sget queries)
	d0_sum=$(sget m:duration_sum_us)
	d0_n=$(sget m:duration_count)
	hist_snapshot
	samples=("$(sget t) $(sget pending) $(sget running) $(sget found) $(sget empty) $(sget error) $(sget timeout)")
	cpu_pids=("$pf_pid" "$hw_pid")
	c0=("$(cpu_ticks "$pf_pid")" "$(cpu_ticks "$hw_pid")" "$(cpu_ticks "${go_pids[@]}")" "$(cpu_ticks "${js_pids[@]}")")
	rq0=("$(runq_ns "$pf_pid")" "$(runq_ns "${js_pids[@]}")")
	run_loadgen "$keyseed" --known "$nkeys" --hit 100 --rate "$found_rate" --duration "$found_s"
	sample_until_done
	t1=$(date +%s.%N)
	c1=("$(cpu_ticks "$pf_pid")" "$(cpu_ticks "$hw_pid")" "$(cpu_ticks "${go_pids[@]}")" "$(cpu_ticks "${js_pids[@]}")")
	rq1=("$(runq_ns "$pf_pid")" "$(runq_ns "${js_pids[@]}")")
	wall=$(echo "$t1 - $phase_t0" | bc)
	read_stats
	read -r busy_s r_found r_empty r_error r_timeout run_avg <<<"$(busy_rates "${samples[@]}")"
	r_total=$(echo "$r_found + $r_empty + $r_error + $r_timeout" | bc)
	done_n=$(($(sget found) + $(sget empty) + $(sget error) + $(sget timeout)))
	little_ms=$(awk -v r="$run_avg" -v x="$r_total" 'BEGIN {printf "%.0f", (x > 0 ? 1000 * r / x : 0)}')
	dn=$(($(sget m:duration_count) - d0_n))
	qpl=$(awk -v a="$(sget queries)" -v b="$s0_queries" -v n="$dn" 'BEGIN {printf "%.1f", (n > 0 ? (a - b) / n : 0)}')
	hist_ms=$(awk -v s="$(sget m:duration_sum_us)" -v s0="$d0_sum" -v n="$dn" 'BEGIN {printf "%.0f", (n > 0 ? (s - s0) / n / 1000 : 0)}')
	read -r hist_p50 hist_p90 hist_p99 <<<"$(hist_quantiles)"
	pct() { awk -v a="$1" -v b="$2" -v w="$wall" -v t="$tck" 'BEGIN {printf "%.0f", 100 * (b - a) / t / w}'; }
	cpu_pf=$(pct "${c0[0]}" "${c1[0]}")
	cpu_hw=$(pct "${c0[1]}" "${c1[1]}")
	cpu_go=$(pct "${c0[2]}" "${c1[2]}")
	cpu_js=$(pct "${c0[3]}" "${c1[3]}")
	rq_pf=$(awk -v a="${rq0[0]}" -v b="${rq1[0]}" -v w="$wall" 'BEGIN {printf "%.0f", (b - a) / 1e7 / w}')
	rq_js=$(awk -v a="${rq0[1]}" -v b="${rq1[1]}" -v w="$wall" 'BEGIN {printf "%.0f", (b - a) / 1e7 / w}')
	lgout=$(cat "$dir/lg.json")
	echo "found phase: lookups completed/s while keys were pending (${busy_s} s):" \
		"found $r_found, empty $r_empty, error $r_error, timeout $r_timeout (total $r_total/s)"
	echo "   lookup duration: mean ${hist_ms} ms, p50 <= ${hist_p50} s, p90 <= ${hist_p90} s, p99 <= ${hist_p99} s" \
		"(hydra_prefetch_lookup_duration_seconds, $dn lookups; 0 = not exported); Little's law ${little_ms} ms" \
		"(${run_avg} running on average); DHT peers asked per lookup ${qpl} (0 = not exported)"
	echo "   CPU % of one core: prefetch worker $cpu_pf (run-queue wait $rq_pf), head worker $cpu_hw," \
		"go nodes $cpu_go (sum of $ngo), js nodes $cpu_js (sum of $njs, run-queue wait $rq_js)," \
		"loadgen $(awk -v x="$(jget "$lgout" cpu_per_wall)" 'BEGIN {printf "%.0f", 100 * x}')"
	echo "   enqueue outcomes: enqueued $(sget enqueued), already_pending $(sget already_pending)," \
		"failed_5min $(sget failed_recently_5min), failed_1h $(sget failed_recently_1h), queue_full $(sget queue_full);" \
		"stored providers for $(q "SELECT count(DISTINCT key) FROM hydra.provider_records") CIDs"
	found_json="\"found_phase\":{\"busy_s\":$busy_s,\"found_per_s\":$r_found,\"empty_per_s\":$r_empty,\"error_per_s\":$r_error,\"timeout_per_s\":$r_timeout,\"mean_duration_ms_histogram\":$hist_ms,\"duration_p50_le_s\":\"$hist_p50\",\"duration_p90_le_s\":\"$hist_p90\",\"duration_p99_le_s\":\"$hist_p99\",\"mean_duration_ms_little\":$little_ms,\"running_avg\":$run_avg,\"queries_per_lookup\":$qpl,\"cpu_pct\":{\"prefetch\":$cpu_pf,\"head_worker\":$cpu_hw,\"go_nodes\":$cpu_go,\"js_nodes\":$cpu_js},\"runq_wait_pct\":{\"prefetch\":$rq_pf,\"js_nodes\":$rq_js},\"loadgen\":$lgout}"

	# ---- full phase: unseen CIDs until the queue is full, then twice the rate.
	# A restart first: the found phase's backlog would otherwise run ahead of them.
	start_prefetch_cluster "$qsize" "$conc"
	wait_ready
	mapfile -t head_addrs < <(q "SELECT addrs[1] FROM hydra.heads() ORDER BY head")
	pf_pid=$(pid_of 'hydra prefetch')
	hw_pid=$(pid_of 'hydra head worker%')
	sleep 2
	read -r pf_rss pf_pss pf_priv <<<"$(mem_of "$pf_pid")"
	read -r hw_rss hw_pss hw_priv <<<"$(mem_of "$hw_pid")"
	echo "restarted (empty queue): prefetch worker RSS/PSS/private $pf_rss/$pf_pss/$pf_priv KiB, head worker $hw_rss/$hw_pss/$hw_priv KiB"
	idle2_pf="$pf_rss/$pf_pss/$pf_priv"
	idle2_hw="$hw_rss/$hw_pss/$hw_priv"
	full_json=""
	for mult in 1 2; do
		rate=$((miss_rate * mult))
		dur=$full_s
		# the first run also fills the queue (it grows at the offered rate less the completions)
		[ "$mult" = 1 ] && dur=$((full_s + qsize * 10 / rate / 9 + 1))
		[ "$dur" -gt $((full_s + fill_max)) ] && dur=$((full_s + fill_max))
		echo "full phase: GET_PROVIDERS for unseen CIDs at $rate/s for $dur s"
		read_stats
		qf0=$(sget queue_full)
		samples=("$(sget t) $(sget pending) $(sget running) $(sget found) $(sget empty) $(sget error) $(sget timeout)")
		# a seed of its own: loadgen's unseen keys depend on it, and must not repeat
		run_loadgen $((keyseed + 1 + RANDOM)) --hit 0 --rate "$rate" --duration "$dur"
		sample_until_done
		read -r _ e_found e_empty e_error e_timeout _ <<<"$(busy_rates "${samples[@]}")"
		echo "   lookups completed/s (unseen CIDs): found $e_found, empty $e_empty, error $e_error, timeout $e_timeout"
		read_stats
		lgout=$(cat "$dir/lg.json")
		read -r pf_rss pf_pss pf_priv <<<"$(mem_of "$pf_pid")"
		read -r hw_rss hw_pss hw_priv <<<"$(mem_of "$hw_pid")"
		qf=$(($(sget queue_full) - qf0))
		status=$(q "SELECT prefetch_queue_depth || ' ' || memory / 1024 FROM hydra.status()")
		echo "   at $rate/s offered ($(printf %.0f "$(jget "$lgout" get_providers per_s)")/s answered," \
			"miss answer p50 $(jget "$lgout" get_providers p50_ms) ms p99 $(jget "$lgout" get_providers p99_ms) ms):" \
			"queue depth $(sget pending)/$qsize (hydra.status(): ${status% *}), queue_full +$qf;" \
			"prefetch worker RSS/PSS/private $pf_rss/$pf_pss/$pf_priv KiB, head worker $hw_rss/$hw_pss/$hw_priv KiB;" \
			"hydra.status() memory ${status#* } KiB (launcher, head and /metrics workers, RSS)"
		full_json+="${full_json:+,}{\"offered_per_s\":$rate,\"empty_per_s\":$e_empty,\"error_per_s\":$e_error,\"timeout_per_s\":$e_timeout,\"duration_s\":$dur,\"queue_depth\":$(sget pending),\"queue_full_delta\":$qf,\"status_queue_depth\":${status% *},\"status_memory_kib\":${status#* },\"miss_answered_per_s\":$(jget "$lgout" get_providers per_s),\"prefetch_rss_kib\":$pf_rss,\"prefetch_pss_kib\":$pf_pss,\"prefetch_private_kib\":$pf_priv,\"head_worker_rss_kib\":$hw_rss,\"head_worker_pss_kib\":$hw_pss,\"head_worker_private_kib\":$hw_priv,\"loadgen\":$lgout}"
		full_pf[$mult]="$pf_rss/$pf_pss/$pf_priv"
		full_hw[$mult]="$hw_rss/$hw_pss/$hw_priv"
		full_q[$mult]="$(sget pending)/$qsize, +$qf"
		full_rates[$mult]="empty $e_empty, error $e_error, timeout $e_timeout, found $e_found"
	done
	echo "   totals: $(q "SELECT string_agg(name || ' ' || value, ', ' ORDER BY name) FROM hydra.prefetch_stats() WHERE name NOT LIKE 'd%'")"
	echo "BENCH {\"case\":\"prefetch\",\"queue_size\":$qsize,\"concurrency\":$conc,\"timeout\":\"$pf_timeout\",\"nodes\":{\"go\":$ngo,\"js\":$njs},\"keys\":$nkeys,\"replicas\":$replicas,\"fetch_ms\":{\"p50\":${fetch_p50:-0},\"max\":${fetch_max:-0},\"found\":${fetch_ok:-0},\"n\":${fetch_n:-0}},$idle_json,$found_json,\"full_phase\":[$full_json]}"
	summary+=("$(printf '%s\n' \
		"queue_size $qsize, concurrency $conc:" \
		"   lookups/s while keys were pending: found $r_found, empty $r_empty, error $r_error, timeout $r_timeout (total $r_total/s)" \
		"   lookup duration: mean $hist_ms ms (histogram), $little_ms ms (Little's law); p50 <= $hist_p50 s, p99 <= $hist_p99 s; $qpl peers asked per lookup" \
		"   hydra.fetch at idle, time to the first provider: p50 $fetch_p50 ms, max $fetch_max ms ($fetch_ok/$fetch_n found)" \
		"   CPU % of one core (found phase): prefetch worker $cpu_pf, head worker $cpu_hw, go nodes $cpu_go, js nodes $cpu_js (idle: go $idle_go, js $idle_js)" \
		"   memory RSS/PSS/private KiB   prefetch worker         head worker" \
		"$(printf '     %-25s %-23s %s' idle "$idle_pf" "$idle_hw")" \
		"$(printf '     %-25s %-23s %s' "idle after restart" "$idle2_pf" "$idle2_hw")" \
		"$(printf '     %-25s %-23s %s' "misses @${miss_rate}/s" "${full_pf[1]}" "${full_hw[1]}")" \
		"$(printf '     %-25s %-23s %s' "misses @$((2 * miss_rate))/s" "${full_pf[2]}" "${full_hw[2]}")" \
		"   queue depth at the end / queue_full growth: @${miss_rate}/s ${full_q[1]}, @$((2 * miss_rate))/s ${full_q[2]}" \
		"   lookups/s with unseen CIDs offered: @${miss_rate}/s ${full_rates[1]}; @$((2 * miss_rate))/s ${full_rates[2]}")")
done

echo
echo "summary:"
printf '%s\n' "${summary[@]}"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
