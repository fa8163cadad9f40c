#!/usr/bin/env bash
# Container entry point: create the cluster on first start (as
# scripts/run.sh does), then run postgres in the foreground.
set -euo pipefail
bindir=/usr/lib/postgresql/15/bin
data=${HYDRA_DATA:-/var/lib/hydra/data}
db=${HYDRA_DB:-hydra}

if [ ! -f "$data/PG_VERSION" ]; then
	"$bindir/initdb" -D "$data" --auth-local=peer --auth-host=scram-sha-256 \
		--encoding=UTF8 --locale=C.UTF-8 >/dev/null
	cat >>"$data/postgresql.conf" <<CONF
listen_addresses = '*'
port = ${HYDRA_PORT:-5432}
unix_socket_directories = '${HYDRA_SOCKET_DIR:-/tmp}'
shared_preload_libraries = 'hydra,pg_cron'
cron.database_name = '$db'
hydra.database = '$db'
CONF
	"$bindir/pg_ctl" -D "$data" -w start >/dev/null
	psql -X -v ON_ERROR_STOP=1 -h "${HYDRA_SOCKET_DIR:-/tmp}" -p "${HYDRA_PORT:-5432}" -d postgres <<SQL
CREATE DATABASE $db;
\c $db
CREATE EXTENSION pg_cron;
CREATE EXTENSION hydra;
SELECT hydra.schedule_maintenance();
SELECT * FROM hydra.maintenance();
SQL
	"$bindir/pg_ctl" -D "$data" -w stop >/dev/null
fi
exec "$bindir/postgres" -D "$data"
