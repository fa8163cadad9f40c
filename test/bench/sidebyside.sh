#!/usr/bin/env bash
# Side-by-side benchmark (not a test; issue 8): the same load from
# test/bench/loadgen (hydra's own src/net + src/dht client stack) against
#   go    - a go-libp2p-kad-dht server: test/interop/go `peer serve`
#   js    - a js-libp2p kad-dht server: test/interop/js/peer.mjs `listen --dht`
#   hydra - one head of a temporary cluster of the installed hydra
# every one a single DHT server identity on 127.0.0.1, no bootstrap peers,
# and prints a table with the figures and the hydra/go and hydra/js ratios:
#   1. GET_PROVIDERS/s (closed loop, every request a hit), p50/p99 (closed
#      loop, queueing included), p99 in open loop at half that rate, server
#      CPU per answer, with 10 k, 1 M and 10 M records stored.  hydra is
#      filled by SQL (rows in hydra.provider_records with loadgen's keys,
#      then ANALYZE and CHECKPOINT), go and js over the wire with loadgen
#      ADD_PROVIDER; for hydra also whether the plan cache settles on a
#      generic plan for the GET_PROVIDERS statement;
#   2. ADD_PROVIDER records/s sustained (closed loop; hydra: rows durable in
#      the table, counted after the run; go/js: records written to them,
#      kept in memory);
#   3. new connections/s: loadgen --churn (TCP + Noise + yamux completed,
#      then closed, K in parallel) with handshake latency and failures;
#   4. idle memory of N DHT server identities: hydra = PSS of all the
#      cluster's processes with N heads minus the same cluster before
#      CREATE EXTENSION (no head yet); go = PSS of one `peer serve --hosts N`
#      process; js = PSS of one `listen --dht --hosts N` process (whole
#      processes, runtime included; also minus the PSS of a 1-host process).
# Raw loadgen output is printed as "BENCH {...}" lines as it comes.
#
#   make install && test/bench/sidebyside.sh
#   SIDEBYSIDE_SIZES="10000 1000000 10000000"   stored records per GET case
#   SIDEBYSIDE_GO_MAX=1000000 SIDEBYSIDE_JS_MAX=10000
#          largest store filled over the wire into go / js; larger sizes
#          print "skipped" (go takes ~7 k, js ~350 ADD_PROVIDER/s here)
#   SIDEBYSIDE_SERVERS="hydra go js"  SIDEBYSIDE_STORE=indexed (go/js
#          provider datastore: indexed | map, see test/interop/go/serve.go)
#   SIDEBYSIDE_GET_S=10 SIDEBYSIDE_ADD_S=20 SIDEBYSIDE_CHURN_S=10
#   SIDEBYSIDE_CONNS=16 SIDEBYSIDE_INFLIGHT=16 SIDEBYSIDE_CHURN_PAR=32
#   SIDEBYSIDE_HOSTS=1000      identities in the memory case
#   SIDEBYSIDE_PERF=1          perf profile of each server during the last
#                              GET case (top symbols printed)
#   SIDEBYSIDE_JSON=FILE       also write the table as JSON to FILE
#
# Run as root (the cluster runs as user postgres) or as a non-root user;
# hydra must be installed (make install), go and node on the PATH, and
# `npm ci` done in test/interop/js.  About 15 minutes with the defaults.
# The load generator and the servers share this machine's cores.
set -euo pipefail
sizes=${SIDEBYSIDE_SIZES:-10000 1000000 10000000}
go_max=${SIDEBYSIDE_GO_MAX:-1000000}
js_max=${SIDEBYSIDE_JS_MAX:-10000}
servers=${SIDEBYSIDE_SERVERS:-hydra go js}
store=${SIDEBYSIDE_STORE:-indexed}
get_s=${SIDEBYSIDE_GET_S:-10}
add_s=${SIDEBYSIDE_ADD_S:-20}
churn_s=${SIDEBYSIDE_CHURN_S:-10}
conns=${SIDEBYSIDE_CONNS:-16}
inflight=${SIDEBYSIDE_INFLIGHT:-16}
churn_par=${SIDEBYSIDE_CHURN_PAR:-32}
nhosts=${SIDEBYSIDE_HOSTS:-1000}
perf_on=${SIDEBYSIDE_PERF:-0}
json_out=${SIDEBYSIDE_JSON:-}
has() { [[ " $servers " == *" $1 "* ]]; }

. "$(dirname "$0")/bench_lib.sh"
gopeer=$top/build/interop/go-peer
if has go; then
	(cd "$top/test/interop/go" && go build -o ../../../build/interop/go-peer .)
fi
if has js && [ ! -d "$top/test/interop/js/node_modules" ]; then
	(cd "$top/test/interop/js" && npm ci --no-audit --no-fund >/dev/null)
fi

bgpids=()
# Stop the go/js servers this script started (bench_lib stops the cluster)
bench_extra_cleanup() {
	for p in "${bgpids[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.5
	for p in "${bgpids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
}
bench_init sidebyside "shared_buffers = 1GB
max_wal_size = 8GB
checkpoint_timeout = 30min"
machine_info
echo "go peer: $("$gopeer" version 2>/dev/null || echo '-'); js peer: $(node "$top/test/interop/js/peer.mjs" version 2>/dev/null || echo '-')"
echo "go/js provider datastore: $store"

# CPU time (user + system, clock ticks) of a process and all its threads
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }

declare -A cell
emit() { echo "BENCH $1"; }
# Record a table cell: set ROW SERVER VALUE
set_cell() { cell["$1|$2"]=$3; }

perf_pid=
# Profile a pid with perf for 5 s after a delay (background; SIDEBYSIDE_PERF=1)
perf_start() {
	[ "$perf_on" = 1 ] && command -v perf >/dev/null || return 0
	# -m 16: small buffers, as other perf users of the same user share the
	# locked-memory limit (perf_event_mlock_kb)
	(sleep "$2"; perf record -q -g -m 16 -o "$dir/perf.data" -p "$1" -- sleep 5 >/dev/null 2>"$dir/perf.rec.err" || true) &
	perf_pid=$!
}

# Print the profile taken by perf_start: share per object, then top symbols
perf_show() {
	[ -n "$perf_pid" ] && wait "$perf_pid" 2>/dev/null || true
	perf_pid=
	[ -s "$dir/perf.data" ] || return 0
	echo "perf: $1 (self time; by object, then top 15 symbols):"
	perf report -q -i "$dir/perf.data" --no-children --stdio --sort dso -g none 2>"$dir/perf.err" |
		grep -v '^$' | sed -n '1,6s/^ */   /p' || true
	[ -s "$dir/perf.err" ] && sed -n '1,3s/^/   perf report: /p' "$dir/perf.err"
	[ -s "$dir/perf.rec.err" ] && sed -n '1,3s/^/   perf record: /p' "$dir/perf.rec.err"
	perf report -q -i "$dir/perf.data" --no-children --stdio --sort dso,symbol -g none 2>/dev/null |
		grep -v '^$' | sed -n '1,15s/^ */   /p' | sed 's/ *- *- *$//' || true
	rm -f "$dir/perf.data"
}

# ------------------------------------------------------------------ servers
srv_pid=
srv_addr=

# Start a go or js DHT server with N hosts; sets srv_pid and srv_addr (first host)
start_peer() {
	local kind=$1 n=${2:-1} out=$dir/$1.out
	: >"$out"
	if [ "$kind" = go ]; then
		"$gopeer" serve --hosts "$n" --store "$store" </dev/null >"$out" 2>>"$dir/$kind.err" &
	else
		node "$top/test/interop/js/peer.mjs" listen --dht --hosts "$n" --store "$store" \
			</dev/null >"$out" 2>>"$dir/$kind.err" &
	fi
	srv_pid=$!
	bgpids+=("$srv_pid")
	for _ in $(seq 1 1200); do
		[ "$(grep -c '^LISTEN ' "$out")" -ge "$n" ] && break
		kill -0 "$srv_pid" 2>/dev/null || { echo "$kind server died:" >&2; tail -20 "$dir/$kind.err" >&2; exit 1; }
		sleep 0.1
	done
	[ "$(grep -c '^LISTEN ' "$out")" -ge "$n" ] || { echo "$kind server did not come up" >&2; exit 1; }
	srv_addr=$(awk '/^LISTEN / {print $2; exit}' "$out")
}

# Stop the go or js server started last
stop_peer() {
	kill "$srv_pid" 2>/dev/null || true
	for _ in $(seq 1 50); do kill -0 "$srv_pid" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$srv_pid" 2>/dev/null || true
	wait "$srv_pid" 2>/dev/null || true
}

# Pids of every process of the cluster (postmaster and its children)
cluster_pids() {
	local pm
	pm=$(head -1 "$dir/data/postmaster.pid")
	echo "$pm"
	ps -o pid= --ppid "$pm" | tr -d ' '
}

# Pid of the (single) head worker
head_pid() {
	for _ in $(seq 1 300); do
		p=$(q "SELECT pid FROM pg_stat_activity WHERE backend_type LIKE 'hydra head worker%' LIMIT 1")
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.2
	done
	echo "head worker did not connect" >&2
	exit 1
}

# hydra: rows for keys k(a) .. k(b-1) of a seed, one provider, two writers
hydra_fill() {
	local seed=$1 a=$2 b=$3 chunk=500000 prov wp=()
	prov=$(q "SELECT id FROM hydra.peers WHERE peer_id = hydra.peer_id_bytes('$hydra_provider')")
	for w in 0 1; do
		(
			for ((s = a + w * chunk; s < b; s += 2 * chunk)); do
				e=$((s + chunk < b ? s + chunk : b))
				echo "SELECT hydra._ensure_partition(now() + interval '48 hours');"
				echo "INSERT INTO hydra.provider_records (expires_at, provider, key)
					SELECT now() + interval '48 hours', $prov,
						'\\x1220'::bytea || sha256(int8send($seed) || int8send(i))
					FROM generate_series($s, $((e - 1))) i;"
			done | "${psql[@]}" >/dev/null
		) &
		wp+=($!)
	done
	wait "${wp[@]}"
}

# hydra: whether PostgreSQL's plan cache settles on a generic plan for the
# head's GET_PROVIDERS statement (text as in src/pg/spi_store.c) after 20
# executions with hit keys, or keeps planning every execution (custom plans)
hydra_plan_probe() {
	local seed=$1 n=$2
	("${psql[@]}" -tA <<SQL
PREPARE gp(bytea, int) AS
	SELECT p.peer_id, CASE WHEN p.addrs_updated_at > now() - interval '24 hours'
		THEN p.addrs ELSE '{}'::bytea[] END
	FROM (SELECT DISTINCT ON (pr.provider) pr.provider, pr.expires_at
		  FROM hydra.provider_records pr WHERE pr.key = \$1 AND pr.expires_at > now()
		  ORDER BY pr.provider, pr.expires_at DESC) r
	JOIN hydra.peers p ON p.id = r.provider
	ORDER BY r.expires_at DESC LIMIT \$2;
$(for i in $(seq 1 20); do
	echo "EXECUTE gp('\\x1220'::bytea || sha256(int8send(${seed}::int8) || int8send($((i * 7919 % n))::int8)), 20);"
done)
SELECT 'plan cache for the GET_PROVIDERS statement after 20 executions, $n records: ' ||
	generic_plans || ' generic, ' || custom_plans || ' custom plans' FROM pg_prepared_statements WHERE name = 'gp';
SQL
	) | grep '^plan cache' || true
}

# ------------------------------------------------------------------ cases
fill_rate=
# Fill a server's store from `have` to N keys of a seed; sets fill_rate
fill_store() {
	local kind=$1 seed=$2 have=$3 n=$4 t0 t1 out
	t0=$(date +%s.%N)
	if [ "$kind" = hydra ]; then
		hydra_fill "$seed" "$have" "$n"
		# statistics as autovacuum would have them in steady state, and no
		# checkpoint of the bulk load during the measurement
		q "ANALYZE hydra.provider_records" >/dev/null
		q "CHECKPOINT" >/dev/null
	else
		out=$("$lg" --seed "$seed" --mix 0,100,0 --add-start "$have" --count $((n - have)) \
			--conns "$conns" --inflight "$inflight" --duration 36000 "$srv_addr")
		emit "{\"server\":\"$kind\",\"case\":\"fill\",\"to\":$n,\"loadgen\":$out}"
	fi
	t1=$(date +%s.%N)
	fill_rate=$(echo "$n $have $t0 $t1" | awk '{printf "%.0f", ($1 - $2) / ($4 - $3)}')
}

# GET_PROVIDERS on N stored keys: closed loop, then open loop at half rate
get_case() {
	local kind=$1 seed=$2 n=$3 pid=$4 row=$5 last=$6 c0 c1 get og half rate
	c0=$(cpu_ticks "$pid")
	[ "$last" = 1 ] && perf_start "$pid" 2
	get=$("$lg" --seed "$seed" --known "$n" --hit 100 --mix 100,0,0 --conns "$conns" \
		--inflight "$inflight" --duration "$get_s" "$srv_addr")
	c1=$(cpu_ticks "$pid")
	[ "$last" = 1 ] && perf_show "$kind during GET_PROVIDERS with $n records"
	emit "{\"server\":\"$kind\",\"case\":\"get_providers\",\"records\":$n,\"loadgen\":$get}"
	rate=$(printf %.0f "$(jget "$get" get_providers per_s)")
	set_cell "gp_rate_$row" "$kind" "$rate"
	set_cell "gp_p50_$row" "$kind" "$(jget "$get" get_providers p50_ms)"
	set_cell "gp_p99_$row" "$kind" "$(jget "$get" get_providers p99_ms)"
	set_cell "gp_hit_$row" "$kind" "$(echo "$(jget "$get" get_providers hit_found) $(jget "$get" get_providers hit_req)" |
		awk '{printf "%.1f", ($2 > 0 ? 100 * $1 / $2 : 0)}')"
	set_cell "gp_cpu_$row" "$kind" "$(echo "$c0 $c1 $(jget "$get" get_providers answered)" |
		awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($2 - $1) * 1e6 / hz / ($3 > 0 ? $3 : 1)}')"
	half=$((rate / 2))
	[ "$half" -lt 50 ] && half=50
	og=$("$lg" --seed "$seed" --known "$n" --hit 100 --mix 100,0,0 --conns "$conns" \
		--inflight "$inflight" --rate "$half" --duration 5 "$srv_addr")
	emit "{\"server\":\"$kind\",\"case\":\"get_providers_open\",\"records\":$n,\"loadgen\":$og}"
	set_cell "gp_open_$row" "$kind" "$(jget "$og" get_providers p99_ms) @$half"
	set_cell "gp_openp99_$row" "$kind" "$(jget "$og" get_providers p99_ms)"
}

# New connections per second
churn_case() {
	local kind=$1 pid=$2 out c0 c1
	c0=$(cpu_ticks "$pid")
	out=$("$lg" --churn --conns "$churn_par" --duration "$churn_s" --seed 3 "$srv_addr")
	c1=$(cpu_ticks "$pid")
	set_cell churn_cpu "$kind" "$(echo "$c0 $c1 $(jget "$out" churn handshakes)" |
		awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($2 - $1) * 1e6 / hz / ($3 > 0 ? $3 : 1)}')"
	set_cell churn_lgcpu "$kind" "$(echo "$(jget "$out" cpu_user_s) $(jget "$out" cpu_sys_s) $(jget "$out" churn handshakes)" |
		awk '{printf "%.0f", ($1 + $2) * 1e6 / ($3 > 0 ? $3 : 1)}')"
	emit "{\"server\":\"$kind\",\"case\":\"churn\",\"loadgen\":$out}"
	set_cell churn_rate "$kind" "$(printf %.0f "$(jget "$out" churn per_s)")"
	set_cell churn_p50 "$kind" "$(jget "$out" churn p50_ms)"
	set_cell churn_p99 "$kind" "$(jget "$out" churn p99_ms)"
	set_cell churn_fail "$kind" "$(jget "$out" churn failed)"
}

# ADD_PROVIDER sustained, closed loop, fresh keys
add_case() {
	local kind=$1 pid=$2 before after c0 c1 out dur rate
	[ "$kind" = hydra ] && before=$(q "SELECT count(*) FROM hydra.provider_records")
	c0=$(cpu_ticks "$pid")
	out=$("$lg" --seed 77 --mix 0,100,0 --conns "$conns" --inflight "$inflight" \
		--duration "$add_s" "$srv_addr")
	c1=$(cpu_ticks "$pid")
	dur=$(jget "$out" duration_s)
	rate=$(echo "$(jget "$out" add_provider written) $dur" | awk '{printf "%.0f", $1 / $2}')
	if [ "$kind" = hydra ]; then
		sleep 1
		after=$(q "SELECT count(*) FROM hydra.provider_records")
		rate=$(echo "$after $before $dur" | awk '{printf "%.0f", ($1 - $2) / $3}')
		set_cell add_lost hydra "$(($(jget "$out" add_provider sent) - (after - before)))"
	fi
	emit "{\"server\":\"$kind\",\"case\":\"add_provider\",\"loadgen\":$out,\"stored_per_s\":$rate}"
	set_cell add_rate "$kind" "$rate"
	set_cell add_cpu "$kind" "$(echo "$c0 $c1 $(jget "$out" add_provider written)" |
		awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f", ($2 - $1) * 1e6 / hz / ($3 > 0 ? $3 : 1)}')"
}

# The GET series on one server: fill to each size, measure
get_series() {
	local kind=$1 max=$2 pid=$3 have=0 seed=$((RANDOM + 1)) rate lastrate=0 last nmax=0
	# perf profiles the largest size this server runs
	for n in $sizes; do [ "$n" -le "$max" ] && [ "$n" -gt "$nmax" ] && nmax=$n; done
	for n in $sizes; do
		last=0
		[ "$n" = "$nmax" ] && last=1
		if [ "$n" -gt "$max" ]; then
			for r in gp_rate gp_p50 gp_p99 gp_openp99 gp_cpu gp_hit fill; do
				set_cell "${r}_$n" "$kind" "skipped"
			done
			skipped+=("$kind, $n records: skipped: $(echo "$n $have $lastrate" | awk '$3 > 0 {t = ($1 - $2) / $3; printf "filling over the wire at the measured %d records/s would take ~%s", $3, t < 120 ? sprintf("%.0f s", t) : sprintf("%.0f min", t / 60)} $3 <= 0 {printf "larger than the limit"}') (SIDEBYSIDE_$(tr a-z A-Z <<<"$kind")_MAX=$max)")
			continue
		fi
		rate=-
		if [ "$n" -gt "$have" ]; then
			fill_store "$kind" "$seed" "$have" "$n"
			rate=$fill_rate
		fi
		[[ $rate =~ ^[0-9]+$ ]] && lastrate=$rate
		set_cell "fill_$n" "$kind" "$rate"
		have=$n
		if [ "$kind" = hydra ]; then
			set_cell "stored_$n" hydra "$(q "SELECT count(*) FROM hydra.provider_records")"
			hydra_plan_probe "$seed" "$n" || true
		fi
		get_case "$kind" "$seed" "$n" "$pid" "$n" "$last"
	done
}

skipped=()

# ---------------------------------------------------------------- hydra
if has hydra; then
	echo "== hydra: memory with $nhosts heads"
	start_cluster "$nhosts" 1
	head_pid >/dev/null
	sleep 2
	mapfile -t pids < <(cluster_pids)
	base=$(smaps_sum Pss "${pids[@]}")
	"${psql[@]}" -c "CREATE EXTENSION hydra"
	wait_heads "$nhosts" 300
	sleep 3
	mapfile -t pids < <(cluster_pids)
	after=$(smaps_sum Pss "${pids[@]}")
	set_cell mem_total hydra "$(echo "$after $base" | awk '{printf "%.1f", ($1 - $2) / 1024}')"
	set_cell mem_per hydra "$(echo "$after $base $nhosts" | awk '{printf "%.1f", ($1 - $2) / $3}')"
	set_cell mem_marg hydra "${cell[mem_per|hydra]}"
	emit "{\"server\":\"hydra\",\"case\":\"memory\",\"heads\":$nhosts,\"cluster_pss_kib\":$after,\"baseline_pss_kib\":$base}"

	echo "== hydra: 1 head"
	start_cluster 1 1
	wait_heads 1
	srv_addr=$(q "SELECT addrs[1] FROM hydra.heads() ORDER BY head LIMIT 1")
	hpid=$(head_pid)
	hydra_provider=QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN
	q "SELECT hydra.add_provider(hydra.key_to_cid('\\x1220'::bytea || sha256('x')), '$hydra_provider', ARRAY['/ip4/127.0.0.1/tcp/4001'])" >/dev/null
	churn_case hydra "$hpid"
	add_case hydra "$hpid"
	q "TRUNCATE hydra.provider_records" >/dev/null
	get_series hydra 1000000000000 "$hpid"
fi

# ---------------------------------------------------------------- go, js
for kind in go js; do
	has "$kind" || continue
	max=$go_max
	[ "$kind" = js ] && max=$js_max
	echo "== $kind: memory with $nhosts hosts"
	start_peer "$kind" "$nhosts"
	sleep 3
	pss=$(smaps_sum Pss "$srv_pid")
	set_cell mem_total "$kind" "$(echo "$pss" | awk '{printf "%.1f", $1 / 1024}')"
	set_cell mem_per "$kind" "$(echo "$pss $nhosts" | awk '{printf "%.1f", $1 / $2}')"
	emit "{\"server\":\"$kind\",\"case\":\"memory\",\"hosts\":$nhosts,\"process_pss_kib\":$pss}"
	stop_peer
	echo "== $kind: 1 host"
	start_peer "$kind" 1
	sleep 2
	set_cell mem_marg "$kind" "$(echo "$pss $(smaps_sum Pss "$srv_pid") $nhosts" |
		awk '{printf "%.1f", ($1 - $2) / ($3 > 1 ? $3 - 1 : 1)}')"
	churn_case "$kind" "$srv_pid"
	add_case "$kind" "$srv_pid"
	stop_peer
	start_peer "$kind" 1
	get_series "$kind" "$max" "$srv_pid"
	stop_peer
done

# ---------------------------------------------------------------- table
# A cell, or "-" when the server was not run
c() { echo "${cell[$1|$2]:--}"; }
# a / b with 2 decimals when both are numbers
ratio() {
	if [[ $1 =~ ^[0-9.]+$ && $2 =~ ^[0-9.]+$ ]] && [ "$(echo "$2 > 0" | bc)" = 1 ]; then
		echo "$1 $2" | awk '{printf "%.2f", $1 / $2}'
	else
		echo "-"
	fi
}
rows=()
label=()
for n in $sizes; do
	h=$(echo "$n" | awk '{ if ($1 >= 1e6) printf "%g M", $1 / 1e6; else if ($1 >= 1e3) printf "%g k", $1 / 1e3; else print $1 }')
	rows+=("gp_rate_$n" "gp_p50_$n" "gp_p99_$n" "gp_openp99_$n" "gp_cpu_$n" "gp_hit_$n" "fill_$n")
	label+=("GET_PROVIDERS/s, $h records (closed loop)" "  p50 ms (closed loop, $((conns * inflight)) in flight)"
		"  p99 ms (closed loop)" "  p99 ms, open loop at half rate" "  server CPU us per answer"
		"  hits answered with the provider %" "  store filled at records/s")
done
rows+=(add_rate add_cpu churn_rate churn_p50 churn_p99 churn_cpu churn_lgcpu churn_fail mem_total mem_per mem_marg)
label+=("ADD_PROVIDER records/s (hydra: durable rows)" "  server CPU us per record"
	"new connections/s ($churn_par in parallel)" "  handshake p50 ms" "  handshake p99 ms"
	"  server CPU us per connection" "  loadgen CPU us per connection" "  failed handshakes"
	"idle memory, $nhosts identities, MiB (PSS)" "  per identity KiB"
	"  per identity KiB, minus a 1-identity process")

echo
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-44s %12s %12s %12s %9s %9s\n" "case" "hydra" "go" "js" "hydra/go" "hydra/js"
json="["
for i in "${!rows[@]}"; do
	r=${rows[$i]}
	hv=$(c "$r" hydra)
	gv=$(c "$r" go)
	jv=$(c "$r" js)
	rg=$(ratio "$hv" "$gv")
	rj=$(ratio "$hv" "$jv")
	case $r in gp_hit_* | fill_* | churn_fail | churn_lgcpu) rg=""; rj="" ;; esac
	printf "%-44s %12s %12s %12s %9s %9s\n" "${label[$i]}" "$hv" "$gv" "$jv" "$rg" "$rj"
	json+="$([ "$i" -gt 0 ] && echo ,){\"row\":\"$r\",\"label\":\"$(sed 's/^ *//' <<<"${label[$i]}")\",\"hydra\":\"$hv\",\"go\":\"$gv\",\"js\":\"$jv\"}"
done
json+="]"
[ -n "${cell[add_lost|hydra]:-}" ] && echo "hydra ADD_PROVIDER records sent but not in the table: ${cell[add_lost|hydra]}"
for n in $sizes; do
	[ -n "${cell[stored_$n|hydra]:-}" ] && echo "hydra rows in hydra.provider_records for the $n case: ${cell[stored_$n|hydra]}"
done
for s in "${skipped[@]}"; do echo "$s"; done
[ -n "$json_out" ] && echo "$json" >"$json_out"
exit 0
