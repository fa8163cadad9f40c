#!/usr/bin/env bash
# Metrics overhead benchmark (issue 7): GET_PROVIDERS/s through one head
# with hydra.metrics = on and off, interleaved rounds in ABBA order on one
# cluster (so drift in the machine's load hits both alike), and the overhead of
# metrics = (off - on) / off from the medians.  Target: under 3 %.
#
# "off" skips everything the metrics module adds to the hot path: the
# clock reads and histogram updates around every store call, the kad event
# counters and the periodic copy into shared memory.  The pure layers'
# own counters (hy_net_stats, hy_dht_stats: plain increments) exist either
# way and are not part of the comparison.
#
#   make install && test/bench/metrics_bench.sh
#   METRICS_BENCH_S=8 METRICS_BENCH_ROUNDS=5 METRICS_BENCH_CONNS=16 METRICS_BENCH_INFLIGHT=16
#
# Run as root (the cluster runs as user postgres) or as a non-root user.
set -euo pipefail
secs=${METRICS_BENCH_S:-8}
rounds=${METRICS_BENCH_ROUNDS:-5}
conns=${METRICS_BENCH_CONNS:-16}
inflight=${METRICS_BENCH_INFLIGHT:-16}
. "$(dirname "$0")/bench_lib.sh"
bench_init metrics
start_cluster 1 1
q "CREATE EXTENSION hydra"
wait_heads 1
addr=$(q "SELECT addrs[1] FROM hydra.heads()")
wpid=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type = 'hydra head worker 0'")
# nanoseconds the head worker has been on a CPU (less noisy than rates on a busy machine)
cpu_ns() { cut -d' ' -f1 "/proc/$wpid/schedstat"; }
seed=$RANDOM

# Records to hit: ADD_PROVIDER for a few seconds
add=$("$lg" --seed "$seed" --mix 0,100,0 --conns "$conns" --inflight "$inflight" --duration 5 "$addr")
known=$(jget "$add" add_provider keys_contiguous)
sleep 1
echo "machine: $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); $known keys stored"

declare -a on_rates off_rates on_us off_us
for r in $(seq 1 "$rounds"); do
	# ABBA order: a load trend on the machine favours neither setting
	order="on off"
	[ $((r % 2)) = 0 ] && order="off on"
	for m in $order; do
		q "ALTER SYSTEM SET hydra.metrics = $m" && q "SELECT pg_reload_conf()" >/dev/null
		sleep 1
		c0=$(cpu_ns)
		get=$("$lg" --seed "$seed" --known "$known" --hit 100 --mix 100,0,0 --conns "$conns" \
			--inflight "$inflight" --duration "$secs" "$addr")
		c1=$(cpu_ns)
		rate=$(printf %.0f "$(jget "$get" get_providers per_s)")
		us=$(echo "$c0 $c1 $(jget "$get" get_providers answered)" | awk '{printf "%.2f", ($2 - $1) / 1000 / ($3 > 0 ? $3 : 1)}')
		echo "round $r metrics=$m: $rate GET_PROVIDERS/s (p99 $(jget "$get" get_providers p99_ms) ms), head worker $us us CPU per answer"
		if [ "$m" = on ]; then on_rates+=("$rate"); on_us+=("$us"); else off_rates+=("$rate"); off_us+=("$us"); fi
	done
done

on=$(median "${on_rates[@]}")
off=$(median "${off_rates[@]}")
overhead=$(echo "$on $off" | awk '{printf "%.2f", ($2 - $1) * 100 / $2}')
uon=$(median "${on_us[@]}")
uoff=$(median "${off_us[@]}")
cpu_overhead=$(echo "$uon $uoff" | awk '{printf "%.2f", ($1 - $2) * 100 / $2}')
echo "median GET_PROVIDERS/s: metrics on $on, off $off; throughput overhead $overhead %"
echo "median head worker CPU per answer: on $uon us, off $uoff us; CPU overhead $cpu_overhead %"
echo "BENCH {\"case\":\"metrics_overhead\",\"rounds\":$rounds,\"seconds\":$secs,\"on\":[$(IFS=,; echo "${on_rates[*]}")],\"off\":[$(IFS=,; echo "${off_rates[*]}")],\"median_on\":$on,\"median_off\":$off,\"overhead_pct\":$overhead,\"cpu_us_on\":$uon,\"cpu_us_off\":$uoff,\"cpu_overhead_pct\":$cpu_overhead}"
