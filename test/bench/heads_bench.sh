#!/usr/bin/env bash
# Heads benchmark (not a test; issue 5): drives the heads of a temporary
# cluster with test/bench/loadgen (hydra's own src/net + src/dht stack) and
# prints, as a table and as JSON lines ("BENCH {...}"):
#   - ADD_PROVIDER sustained (closed loop, ~20 s) with 1 and 2 head workers:
#     records sent, records durable in hydra.provider_records (counted after
#     the run), the difference (shed: the heads shed when their 4096-record
#     batch buffer is full, or a batch failed), and the head workers' CPU;
#   - GET_PROVIDERS/s closed loop (hits on the records just written) with
#     p50/p99, and p99 in open loop at half that rate, with 1 and 2 workers;
#   - memory per head with 100 heads: PSS/RSS of the head worker processes
#     (/proc/<pid>/smaps_rollup) minus the same workers before any head
#     exists (extension not yet created), divided by 100;
#   - visibility: ADD_PROVIDER through head 0, GET_PROVIDERS through head 1
#     polled every ms until the provider appears, ~50 trials (target 100 ms),
#     with 1 worker (same process) and 2 workers (heads in two processes).
#
#   make install && test/bench/heads_bench.sh
#   HEADS_BENCH_ADD_S=20 HEADS_BENCH_GET_S=10 HEADS_BENCH_CONNS=16
#   HEADS_BENCH_INFLIGHT=16 HEADS_BENCH_PROCS=1 HEADS_BENCH_TRIALS=50
#   HEADS_BENCH_PERF=1     also profile head worker 0 with perf during the
#                          1-worker ADD_PROVIDER run (top symbols printed)
#
# Run as root (the cluster runs as user postgres) or as a non-root user;
# hydra must be installed (make install).  About 2-3 minutes.  The load
# generator and the server share this machine's cores: the table shows the
# load generator's own CPU so it can be seen not to be the bottleneck.
set -euo pipefail
add_s=${HEADS_BENCH_ADD_S:-20}
get_s=${HEADS_BENCH_GET_S:-10}
conns=${HEADS_BENCH_CONNS:-16}
inflight=${HEADS_BENCH_INFLIGHT:-16}
procs=${HEADS_BENCH_PROCS:-1}
trials=${HEADS_BENCH_TRIALS:-50}
perf_on=${HEADS_BENCH_PERF:-0}
. "$(dirname "$0")/bench_lib.sh"
machine_info
bench_init heads

# Sample the head workers' wait events every 10 ms for S seconds (one session)
sample_waits() {
	local n=$(($1 * 100))
	"${psql[@]}" -tA <<SQL
CREATE TEMP TABLE s (w text, e text);
DO \$\$ BEGIN
	FOR i IN 1..$n LOOP
		PERFORM pg_stat_clear_snapshot();
		INSERT INTO s SELECT backend_type, coalesce(wait_event_type || ':' || wait_event, 'CPU (running or runnable)')
			FROM pg_stat_activity WHERE backend_type LIKE 'hydra head worker%';
		PERFORM pg_sleep(0.01);
	END LOOP;
END \$\$;
SELECT '   ' || w || ': ' || string_agg(e || ' ' || pct || '%', ', ' ORDER BY pct DESC)
	FROM (SELECT w, e, round(100.0 * count(*) / sum(count(*)) OVER (PARTITION BY w)) AS pct
		  FROM s GROUP BY w, e) x GROUP BY w ORDER BY w;
SQL
}

results=()

# Profile a pid with perf for 5 s after a delay (background; HEADS_BENCH_PERF=1)
perf_start() {
	[ "$perf_on" = 1 ] && command -v perf >/dev/null || return 0
	(sleep "$2"; perf record -q -g -o "$dir/perf.data" -p "$1" -- sleep 5 >/dev/null 2>&1 || true) &
}

# Print the profile taken by perf_start: share per object, then top symbols
perf_show() {
	[ -s "$dir/perf.data" ] || return 0
	echo "perf: $1 (self time; by object, then top 20 symbols):"
	perf report -q -i "$dir/perf.data" --no-children --stdio --sort dso -g none 2>/dev/null |
		grep -v '^$' | sed -n '1,6s/^ */   /p' || true
	perf report -q -i "$dir/perf.data" --no-children --stdio --sort dso,symbol -g none 2>/dev/null |
		grep -v '^$' | sed -n '1,20s/^ */   /p' | sed 's/ *- *- *$//' || true
	rm -f "$dir/perf.data"
}
emit() { results+=("$1"); echo "BENCH $1"; }

# ---------------------------------------------------------------- memory
start_cluster 100 1
mapfile -t pids < <(worker_pids 1)
sleep 1
base_pss=$(smaps_sum Pss "${pids[@]}")
base_rss=$(smaps_sum Rss "${pids[@]}")
base_priv=$(( $(smaps_sum Private_Dirty "${pids[@]}") + $(smaps_sum Private_Clean "${pids[@]}") ))
t0=$(date +%s.%N)
"${psql[@]}" -c "CREATE EXTENSION hydra"
wait_heads 100
heads_up_s=$(echo "$(date +%s.%N) - $t0" | bc)
sleep 2
mapfile -t pids < <(worker_pids 1)
pss=$(smaps_sum Pss "${pids[@]}")
rss=$(smaps_sum Rss "${pids[@]}")
priv=$(( $(smaps_sum Private_Dirty "${pids[@]}") + $(smaps_sum Private_Clean "${pids[@]}") ))
mem_pss=$(echo "scale=1; ($pss - $base_pss) / 100" | bc)
mem_rss=$(echo "scale=1; ($rss - $base_rss) / 100" | bc)
mem_priv=$(echo "scale=1; ($priv - $base_priv) / 100" | bc)
emit "{\"case\":\"memory\",\"heads\":100,\"workers\":1,\"worker_pss_kib\":$pss,\"worker_rss_kib\":$rss,\"baseline_pss_kib\":$base_pss,\"baseline_rss_kib\":$base_rss,\"per_head_pss_kib\":$mem_pss,\"per_head_rss_kib\":$mem_rss,\"per_head_private_kib\":$mem_priv,\"create_to_100_heads_s\":$heads_up_s}"

# ---------------------------------------------------------------- throughput
declare -A add_rate add_durable add_shed add_cpu add_lgcpu get_rate get_p50 get_p99 get_found
declare -A add_us get_us get_cpu get_lgcpu open_rate open_p99 vis_p50 vis_p90 vis_max vis_ok
for w in 1 2; do
	start_cluster 2 "$w"
	wait_heads 2
	mapfile -t addrs < <(q "SELECT addrs[1] FROM hydra.heads() ORDER BY head")
	mapfile -t pids < <(worker_pids "$w")
	seed=$((w * 1000 + RANDOM))
	before=$(q "SELECT count(*) FROM hydra.provider_records")

	# ADD_PROVIDER, closed loop
	c0=$(sched_ns "${pids[@]}")
	[ "$w" = 1 ] && perf_start "${pids[0]}" 5
	(sleep 2; sample_waits $((add_s - 4)) > "$dir/waits.txt" 2>&1 || true) &
	add=$("$lg" --seed "$seed" --mix 0,100,0 --conns "$conns" --inflight "$inflight" \
		--procs "$procs" --duration "$add_s" "${addrs[@]}")
	c1=$(sched_ns "${pids[@]}")
	wait
	sleep 1
	after=$(q "SELECT count(*) FROM hydra.provider_records")
	sent=$(jget "$add" add_provider sent)
	dur=$(jget "$add" duration_s)
	durable=$((after - before))
	add_rate[$w]=$(echo "scale=0; $(jget "$add" add_provider written) / $dur" | bc)
	add_durable[$w]=$(echo "scale=0; $durable / $dur" | bc)
	add_shed[$w]=$((sent - durable))
	read -r cpu rq <<<"$(sched_pct "$c0" "$c1" "$dur")"
	add_cpu[$w]="$cpu / $rq"
	add_us[$w]=$(echo "$c0 $c1 $durable" | awk '{printf "%.1f", ($3 - $1) / 1000 / ($5 > 0 ? $5 : 1)}')
	add_lgcpu[$w]="$(echo "scale=0; 100 * $(jget "$add" cpu_per_wall) / 1" | bc) / $(echo "scale=0; 100 * $(jget "$add" runqueue_wait_s) / $dur" | bc)"
	errs=$(grep -c 'could not\|ERROR' "$dir/server.log" || true)
	emit "{\"case\":\"add_provider\",\"workers\":$w,\"loadgen\":$add,\"durable_rows\":$durable,\"not_durable\":${add_shed[$w]},\"durable_per_s\":${add_durable[$w]},\"head_workers_cpu_pct\":$cpu,\"head_workers_runqueue_wait_pct\":$rq,\"worker_cpu_us_per_record\":${add_us[$w]},\"server_log_errors\":$errs}"
	echo "wait events of the head workers during ADD_PROVIDER ($w worker(s), 10 ms samples):"
	cat "$dir/waits.txt"
	perf_show "head worker 0 during ADD_PROVIDER"
	# shape of the hash indexes the batch INSERT probes (pgstattuple, if shipped)
	q "CREATE EXTENSION IF NOT EXISTS pgstattuple" >/dev/null 2>&1 &&
		q "SELECT '   ' || i.indexrelid::regclass || ': ' || s.bucket_pages || ' bucket pages, ' ||
				s.overflow_pages || ' overflow pages, ' || s.live_items || ' items, ' ||
				round(s.free_percent) || '% free'
			FROM pg_inherits h JOIN pg_index i ON i.indrelid = h.inhrelid,
				LATERAL pgstathashindex(i.indexrelid) s
			WHERE h.inhparent = 'hydra.provider_records'::regclass AND s.live_items > 0" 2>/dev/null |
		sed '1i hash indexes of hydra.provider_records after the run:' || true

	# GET_PROVIDERS on the keys just written, closed loop then open loop at half
	known=$(jget "$add" add_provider keys_contiguous)
	c0=$(sched_ns "${pids[@]}")
	[ "$w" = 1 ] && perf_start "${pids[0]}" 2
	get=$("$lg" --seed "$seed" --known "$known" --hit 100 --mix 100,0,0 --conns "$conns" \
		--inflight "$inflight" --procs "$procs" --duration "$get_s" "${addrs[@]}")
	c1=$(sched_ns "${pids[@]}")
	wait
	perf_show "head worker 0 during GET_PROVIDERS"
	gdur=$(jget "$get" duration_s)
	get_rate[$w]=$(printf %.0f "$(jget "$get" get_providers per_s)")
	get_p50[$w]=$(jget "$get" get_providers p50_ms)
	get_p99[$w]=$(jget "$get" get_providers p99_ms)
	get_found[$w]=$(echo "scale=1; 100 * $(jget "$get" get_providers hit_found) / $(jget "$get" get_providers hit_req)" | bc)
	read -r cpu rq <<<"$(sched_pct "$c0" "$c1" "$gdur")"
	get_cpu[$w]="$cpu / $rq"
	get_us[$w]=$(echo "$c0 $c1 $(jget "$get" get_providers answered)" | awk '{printf "%.1f", ($3 - $1) / 1000 / ($5 > 0 ? $5 : 1)}')
	get_lgcpu[$w]="$(echo "scale=0; 100 * $(jget "$get" cpu_per_wall) / 1" | bc) / $(echo "scale=0; 100 * $(jget "$get" runqueue_wait_s) / $gdur" | bc)"
	emit "{\"case\":\"get_providers\",\"workers\":$w,\"loadgen\":$get,\"head_workers_cpu_pct\":$cpu,\"head_workers_runqueue_wait_pct\":$rq,\"worker_cpu_us_per_request\":${get_us[$w]}}"
	half=$(( ${get_rate[$w]} / 2 ))
	[ "$half" -lt 100 ] && half=100
	og=$("$lg" --seed "$seed" --known "$known" --hit 100 --mix 100,0,0 --conns "$conns" \
		--inflight "$inflight" --procs "$procs" --rate "$half" --duration 5 "${addrs[@]}")
	open_rate[$w]=$half
	open_p99[$w]=$(jget "$og" get_providers p99_ms)
	emit "{\"case\":\"get_providers_open\",\"workers\":$w,\"loadgen\":$og}"

	# visibility through another head
	vis=$("$lg" --seed "$seed" --visibility "$trials" --poll-ms 1 "${addrs[0]}" "${addrs[1]}")
	vis_p50[$w]=$(jget "$vis" p50_ms)
	vis_p90[$w]=$(jget "$vis" p90_ms)
	vis_max[$w]=$(jget "$vis" max_ms)
	vis_ok[$w]="$(jget "$vis" visible)/$(jget "$vis" trials)"
	emit "{\"case\":\"visibility\",\"workers\":$w,\"result\":$vis}"
done

echo
printf "%-46s %14s %14s\n" "case" "1 head worker" "2 head workers"
printf "%-46s %14s %14s\n" "ADD_PROVIDER records/s written (closed loop)" "${add_rate[1]}" "${add_rate[2]}"
printf "%-46s %14s %14s\n" "ADD_PROVIDER records/s durable (table rows)" "${add_durable[1]}" "${add_durable[2]}"
printf "%-46s %14s %14s\n" "ADD_PROVIDER records not stored (shed)" "${add_shed[1]}" "${add_shed[2]}"
printf "%-46s %14s %14s\n" "  head workers CPU % / run-queue wait %" "${add_cpu[1]}" "${add_cpu[2]}"
printf "%-46s %14s %14s\n" "  head worker CPU us per durable record" "${add_us[1]}" "${add_us[2]}"
printf "%-46s %14s %14s\n" "  loadgen CPU % / run-queue wait %" "${add_lgcpu[1]}" "${add_lgcpu[2]}"
printf "%-46s %14s %14s\n" "GET_PROVIDERS/s (closed loop, hits)" "${get_rate[1]}" "${get_rate[2]}"
printf "%-46s %14s %14s\n" "  p50 / p99 ms" "${get_p50[1]} / ${get_p99[1]}" "${get_p50[2]} / ${get_p99[2]}"
printf "%-46s %14s %14s\n" "  head workers CPU % / run-queue wait %" "${get_cpu[1]}" "${get_cpu[2]}"
printf "%-46s %14s %14s\n" "  head worker CPU us per answer" "${get_us[1]}" "${get_us[2]}"
printf "%-46s %14s %14s\n" "  loadgen CPU % / run-queue wait %" "${get_lgcpu[1]}" "${get_lgcpu[2]}"
printf "%-46s %14s %14s\n" "  hits answered with the provider %" "${get_found[1]}" "${get_found[2]}"
printf "%-46s %14s %14s\n" "GET_PROVIDERS p99 ms, open loop at half rate" "${open_p99[1]} @${open_rate[1]}" "${open_p99[2]} @${open_rate[2]}"
printf "%-46s %14s %14s\n" "visibility head 0 -> head 1, p50 / p90 ms" "${vis_p50[1]} / ${vis_p90[1]}" "${vis_p50[2]} / ${vis_p90[2]}"
printf "%-46s %14s %14s\n" "  max ms (visible / trials)" "${vis_max[1]} (${vis_ok[1]})" "${vis_max[2]} (${vis_ok[2]})"
printf "%-46s %14s\n" "memory per head, 100 heads: PSS / RSS KiB" "$mem_pss / $mem_rss"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
