#!/usr/bin/env bash
# Store benchmark (not a test): bulk insert rate through the SQL API,
# lookups/s through hydra.providers() with N records stored, and on-disk
# bytes per record including indexes.  Starts its own temporary cluster.
#
#   test/bench/store_bench.sh [records]        (default 10000000)
#   BENCH_CLIENTS=4 BENCH_SECONDS=30 ...       lookup clients and duration
# Run as root (the cluster runs as postgres) or as a non-root user; hydra
# must be installed (scripts/run.sh or make install).
set -euo pipefail
records=${1:-10000000}
clients=${BENCH_CLIENTS:-4}
seconds=${BENCH_SECONDS:-30}
batch=10000
writers=2
bindir=/usr/lib/postgresql/15/bin
user=$(id -un)
[ "$user" = root ] && user=postgres
as_user() { if [ "$(id -un)" = "$user" ]; then "$@"; else runuser -u "$user" -- "$@"; fi; }

dir=$(mktemp -d /tmp/hydra-bench.XXXXXX)
chown "$user" "$dir"
port=$((20000 + RANDOM % 20000))
cleanup() { as_user "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT

as_user "$bindir/initdb" -D "$dir/data" -A trust >/dev/null
cat <<CONF | as_user tee -a "$dir/data/postgresql.conf" >/dev/null
shared_preload_libraries = 'hydra'
hydra.bootstrap_peers = ''
hydra.listen_address = '127.0.0.1'
hydra.port_begin = 0
listen_addresses = ''
unix_socket_directories = '$dir'
port = $port
shared_buffers = 2GB
max_wal_size = 16GB
checkpoint_timeout = 30min
CONF
as_user "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start >/dev/null
psql=(as_user "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -d postgres)
"${psql[@]}" -c "CREATE EXTENSION hydra"

# Deterministic keys: sha2-256 multihash of the record number; provider
# peer IDs: Ed25519-shaped identity multihashes of the batch's provider number.
cat > "$dir/fns.sql" <<'SQL'
CREATE FUNCTION bench_cid(i bigint) RETURNS text LANGUAGE sql IMMUTABLE
	AS $$ SELECT hydra.key_to_cid('\x1220'::bytea || sha256(i::text::bytea)) $$;
CREATE FUNCTION bench_peer(p integer) RETURNS text LANGUAGE sql IMMUTABLE
	AS $$ SELECT hydra.peer_id_text('\x002408011220'::bytea || sha256(('peer' || p)::bytea)) $$;
SQL
"${psql[@]}" -f "$dir/fns.sql"
chmod 644 "$dir/fns.sql"

nbatches=$(( (records + batch - 1) / batch ))
echo "loading $records records in $nbatches batches of $batch (one provider per batch, $writers writers)"
start=$(date +%s.%N)
for w in $(seq 0 $((writers - 1))); do
	(
		for b in $(seq "$w" "$writers" $((nbatches - 1))); do
			echo "SELECT hydra.add_providers(ARRAY(SELECT bench_cid(i) FROM generate_series($((b * batch)), $((b * batch + batch - 1))) i), bench_peer($((b % 1000))), ARRAY['/ip4/198.51.100.$((b % 250 + 1))/tcp/4001']);"
		done | "${psql[@]}" >/dev/null
	) &
done
wait
end=$(date +%s.%N)
"${psql[@]}" -c "VACUUM ANALYZE hydra.provider_records" 
stored=$("${psql[@]}" -tAc "SELECT hydra.record_count(true)")
load_rate=$(echo "$stored / ($end - $start)" | bc)
heap=$("${psql[@]}" -tAc "SELECT sum(pg_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'hydra.provider_records'::regclass")
bytes=$("${psql[@]}" -tAc "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'hydra.provider_records'::regclass")
peer_bytes=$("${psql[@]}" -tAc "SELECT pg_total_relation_size('hydra.peers')")
parts=$("${psql[@]}" -tAc "SELECT count(*) FROM pg_inherits WHERE inhparent = 'hydra.provider_records'::regclass")

cat > "$dir/lookup.sql" <<SQL
\set i random(0, $((records - 1)))
SELECT * FROM hydra.providers(bench_cid(:i));
SQL
cat > "$dir/miss.sql" <<SQL
\set i random($records, $((records * 2)))
SELECT * FROM hydra.providers(bench_cid(:i));
SQL
chmod 644 "$dir"/*.sql
hit=$(as_user "$bindir/pgbench" -n -h "$dir" -p "$port" -c "$clients" -j 2 -T "$seconds" -f "$dir/lookup.sql" postgres | sed -n 's/^tps = \([0-9.]*\).*/\1/p')
miss=$(as_user "$bindir/pgbench" -n -h "$dir" -p "$port" -c "$clients" -j 2 -T "$seconds" -f "$dir/miss.sql" postgres | sed -n 's/^tps = \([0-9.]*\).*/\1/p')

echo
echo "records stored                 : $stored ($parts partitions)"
echo "bulk insert (add_providers)    : $load_rate records/s"
echo "lookups, hydra.providers, hit  : $hit /s ($clients clients)"
echo "lookups, hydra.providers, miss : $miss /s ($clients clients)"
echo "bytes per record (heap+index)  : $(echo "scale=1; $bytes / $stored" | bc) (heap $(echo "scale=1; $heap / $stored" | bc))"
echo "peer store                     : $peer_bytes bytes for $("${psql[@]}" -tAc "SELECT count(*) FROM hydra.peers") peers"
