#!/usr/bin/env bash
# Builds and installs hydra, then creates (or reuses) a local PostgreSQL 15
# cluster with hydra and pg_cron preloaded, starts it, creates both
# extensions and schedules maintenance.  Safe to run again.
#
#   HYDRA_DATA        data directory        (default: <checkout>/data)
#   HYDRA_PORT        TCP/socket port       (default: 5433)
#   HYDRA_SOCKET_DIR  unix socket directory (default: /tmp)
#   HYDRA_USER        OS user that runs the server when invoked as root
#                     (default: postgres)
#   HYDRA_DB          database              (default: hydra)
#   HYDRA_PUBLIC=1    join the public IPFS DHT: heads listen on every
#                     interface (port 4001 up) and dial the public bootstrap
#                     peers.  Default: a local node, heads on 127.0.0.1 with
#                     no bootstrap peers.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
port=${HYDRA_PORT:-5433}
sockdir=${HYDRA_SOCKET_DIR:-/tmp}
db=${HYDRA_DB:-hydra}
bindir=/usr/lib/postgresql/15/bin

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
if [ "$(id -u)" -eq 0 ]; then
	run_user=${HYDRA_USER:-postgres}
else
	run_user=$(id -un)
fi
as_run_user() {
	if [ "$(id -un)" = "$run_user" ]; then "$@"; else runuser -u "$run_user" -- "$@"; fi
}

echo "==> installing dependencies"
scripts/deps.sh
echo "==> building and installing hydra"
make -s -j"$(nproc)"
as_root make -s install

data=${HYDRA_DATA:-$top/data}
if [ -z "${HYDRA_DATA:-}" ] && ! as_run_user test -x "$top"; then
	# A checkout under /root is not reachable by the server's user.
	data=/var/lib/hydra/data
	echo "note: $top is not reachable by user $run_user; using $data (set HYDRA_DATA to choose)"
fi
mkdir -p "$data"
[ "$(id -u)" -eq 0 ] && chown "$run_user" "$data" && chmod 700 "$data"

if [ ! -f "$data/PG_VERSION" ]; then
	echo "==> creating cluster in $data"
	as_run_user "$bindir/initdb" -D "$data" --auth-local=peer --auth-host=scram-sha-256 \
		--encoding=UTF8 --locale=C.UTF-8 >/dev/null
	echo "include_if_exists = 'hydra.conf'" | as_run_user tee -a "$data/postgresql.conf" >/dev/null
fi
# Regenerated on every run so that port and paths follow the environment;
# put your own settings in postgresql.auto.conf (ALTER SYSTEM).
as_run_user tee "$data/hydra.conf" >/dev/null <<CONF
# Written by scripts/run.sh; overwritten on every run.
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$sockdir'
shared_preload_libraries = 'hydra,pg_cron'
cron.database_name = '$db'
hydra.database = '$db'
logging_collector = off
$(if [ "${HYDRA_PUBLIC:-0}" = 1 ]; then
	echo "# HYDRA_PUBLIC=1: public DHT (default listen address and bootstrap list)"
else
	printf '%s\n' "# local node; run with HYDRA_PUBLIC=1 to join the public IPFS DHT" \
		"hydra.listen_address = '127.0.0.1'" "hydra.bootstrap_peers = ''" \
		"hydra.allow_private_addresses = on"
fi)
CONF

if as_run_user "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
	echo "==> restarting the running server to load the new build"
	as_run_user "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -m fast restart >/dev/null
else
	echo "==> starting the server"
	as_run_user "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w start >/dev/null
fi

psql_cmd=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$sockdir" -p "$port")
as_run_user "${psql_cmd[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
	as_run_user "${psql_cmd[@]}" -d postgres -c "CREATE DATABASE $db"
as_run_user "${psql_cmd[@]}" -d "$db" <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS pg_cron;
CREATE EXTENSION IF NOT EXISTS hydra;
ALTER EXTENSION hydra UPDATE;
SELECT hydra.schedule_maintenance() AS maintenance_job \gset
SELECT count(*) AS actions FROM hydra.maintenance() \gset
SQL

connect="psql -h $sockdir -p $port $db"
[ "$(id -un)" != "$run_user" ] && connect="runuser -u $run_user -- $connect"
cat <<MSG

hydra is running.
  data directory : $data   (server log: $data/server.log)
  connect        : $connect
  stop           : $( [ "$(id -un)" != "$run_user" ] && echo "runuser -u $run_user -- ")$bindir/pg_ctl -D $data stop
  start again    : scripts/run.sh  (reuses the cluster)

Try:
  SELECT hydra.add_provider('bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y',
                            '12D3KooWBtg3aaRMjxwedh83aGiUkwSxDwUZkzuJcfaqUmo7R3pq',
                            ARRAY['/ip4/192.0.2.1/tcp/4001']);
  SELECT * FROM hydra.providers('bafybeihfg3d7rdltd43u3tfvncx7n5loqofbsobojcadtmokrljfthuc7y');
  SELECT * FROM hydra.records LIMIT 10;
  SELECT hydra.record_count(exact => true);
  SELECT * FROM cron.job;
  SELECT * FROM hydra.heads();
MSG
