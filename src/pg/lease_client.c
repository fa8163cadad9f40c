/*
 * lease_client.c — host side of offset leases: asks a coordinator database
 * (libpq connection string) for a range of id numbers of this host's fleet.
 *
 * Only the fleet fingerprint, the holder name and counts are sent; seeds and
 * keys never leave the host.  An empty connection string means "this
 * database is the coordinator" (single-host or testing).
 */
#include "postgres.h"

#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "libpq-fe.h"

#include "pg/hydra_pg.h"

PG_FUNCTION_INFO_V1(hydra_lease_acquire);
PG_FUNCTION_INFO_V1(hydra_lease_release);

/* Seconds allowed to connect to the coordinator */
#define LEASE_CONNECT_TIMEOUT "10"

/* Return this host's fleet id as \x hex text (needs the host seed: superuser) */
static char *
local_fleet_hex(void)
{
	char	   *hex;

	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for offset leases"),
				 errdetail("Only superusers may use the host seed.")));
	SPI_connect();
	if (SPI_execute("SELECT hydra.fleet_id(hydra.host_seed())::text", false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "could not compute the fleet id");
	hex = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
	hex = MemoryContextStrdup(CurTransactionContext, hex);
	SPI_finish();
	return hex;
}

/* Run one parameterised query on the coordinator; returns its result (caller clears) */
static PGresult *
coordinator_query(const char *conninfo, const char *sql, int nparams, const char *const *params)
{
	const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
	const char *vals[] = {conninfo, LEASE_CONNECT_TIMEOUT, "hydra lease client", NULL};
	PGconn	   *conn = PQconnectdbParams(keys, vals, true);
	PGresult   *res;

	if (PQstatus(conn) != CONNECTION_OK)
	{
		char	   *msg = pstrdup(PQerrorMessage(conn));

		PQfinish(conn);
		ereport(ERROR,
				(errcode(ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
				 errmsg("could not connect to the lease coordinator"),
				 errdetail_internal("%s", msg)));
	}
	res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		char	   *msg = pstrdup(PQresultErrorMessage(res));

		PQclear(res);
		PQfinish(conn);
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("lease coordinator refused the request"),
				 errdetail_internal("%s", msg)));
	}
	PQfinish(conn);
	return res;
}

/* Run the same query on this database through SPI; values come back as text */
static char **
local_query(const char *sql, int nparams, const char *const *params, int ncols)
{
	Oid			types[4] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID};
	Datum		values[4];
	char	  **out = palloc0(sizeof(char *) * ncols);

	for (int i = 0; i < nparams; i++)
		values[i] = CStringGetTextDatum(params[i]);
	SPI_connect();
	if (SPI_execute_with_args(sql, nparams, types, values, NULL, false, 1) != SPI_OK_SELECT ||
		SPI_processed != 1)
		elog(ERROR, "lease query returned no row");
	for (int c = 0; c < ncols; c++)
	{
		char	   *v = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, c + 1);

		out[c] = v ? MemoryContextStrdup(CurTransactionContext, v) : NULL;
	}
	SPI_finish();
	return out;
}

/* Run a lease query on the coordinator or locally; returns ncols text values */
static char **
lease_query(const char *conninfo, const char *sql, int nparams, const char *const *params, int ncols)
{
	PGresult   *res;
	char	  **out;

	if (conninfo[0] == '\0')
		return local_query(sql, nparams, params, ncols);
	res = coordinator_query(conninfo, sql, nparams, params);
	if (PQntuples(res) != 1 || PQnfields(res) != ncols)
	{
		PQclear(res);
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("unexpected answer from the lease coordinator")));
	}
	out = palloc0(sizeof(char *) * ncols);
	for (int c = 0; c < ncols; c++)
		out[c] = PQgetisnull(res, 0, c) ? NULL : pstrdup(PQgetvalue(res, 0, c));
	PQclear(res);
	return out;
}

/* hydra.lease_acquire(coordinator, holder, count, ttl) -> (first, count, expires_at) */
Datum
hydra_lease_acquire(PG_FUNCTION_ARGS)
{
	TupleDesc	tupdesc;
	const char *params[4];
	char	  **row;
	Datum		values[3];
	bool		nulls[3] = {false, false, false};

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hydra.lease_acquire arguments must not be NULL")));
	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	params[0] = local_fleet_hex();
	params[1] = text_to_cstring(PG_GETARG_TEXT_PP(1));
	params[2] = psprintf("%d", PG_GETARG_INT32(2));
	params[3] = DatumGetCString(DirectFunctionCall1(interval_out, PG_GETARG_DATUM(3)));
	row = lease_query(text_to_cstring(PG_GETARG_TEXT_PP(0)),
					  "SELECT first::text, count::text, expires_at::text "
					  "FROM hydra.lease_grant($1::text::bytea, $2::text, $3::text::integer, $4::text::interval)",
					  4, params, 3);
	if (row[0] == NULL || row[1] == NULL || row[2] == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_PROTOCOL_VIOLATION),
				 errmsg("unexpected answer from the lease coordinator")));
	values[0] = DirectFunctionCall1(int8in, CStringGetDatum(row[0]));
	values[1] = DirectFunctionCall1(int4in, CStringGetDatum(row[1]));
	values[2] = DirectFunctionCall3(timestamptz_in, CStringGetDatum(row[2]),
									ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, nulls)));
}

/* hydra.lease_release(coordinator, holder, first) -> boolean */
Datum
hydra_lease_release(PG_FUNCTION_ARGS)
{
	const char *params[3];
	char	  **row;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hydra.lease_release arguments must not be NULL")));
	params[0] = local_fleet_hex();
	params[1] = text_to_cstring(PG_GETARG_TEXT_PP(1));
	params[2] = psprintf(INT64_FORMAT, PG_GETARG_INT64(2));
	row = lease_query(text_to_cstring(PG_GETARG_TEXT_PP(0)),
					  "SELECT hydra.lease_return($1::text::bytea, $2::text, $3::text::bigint)::text",
					  3, params, 1);
	PG_RETURN_BOOL(row[0] != NULL && strcmp(row[0], "true") == 0);
}
