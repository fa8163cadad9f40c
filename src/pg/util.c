/*
 * util.c — small helpers shared by the SQL-callable functions.
 */
#include "postgres.h"

#include "pg/hydra_pg.h"

/* Build a bytea from a buffer */
bytea *
hydra_bytes_to_bytea(const uint8_t *p, size_t len)
{
	bytea	   *out = (bytea *) palloc(VARHDRSZ + len);

	SET_VARSIZE(out, VARHDRSZ + len);
	memcpy(VARDATA(out), p, len);
	return out;
}
