/*
 * identity_sql.c — SQL functions for head identities: balanced idgen, the
 * balance report, and the host seed (GUC or generated).
 *
 * Everything that returns or reads private key material requires superuser
 * (checked here as well as by REVOKE in the install script).
 */
#include "postgres.h"

#include "common/base64.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "catalog/pg_type.h"

#include <sodium.h>

#include "core/err.h"
#include "core/idgen.h"
#include "core/keys.h"
#include "core/peerid.h"

#include "pg/hydra_pg.h"

/* Threads used by hydra.idgen (the machine class this targets has 2 cores) */
#define IDGEN_THREADS 2
/* Most ids one call of hydra.idgen may return */
#define IDGEN_MAX_COUNT 65536
/* Most ids hydra.idgen_balance accepts */
#define BALANCE_MAX_IDS 1000000

PG_FUNCTION_INFO_V1(hydra_idgen);
PG_FUNCTION_INFO_V1(hydra_idgen_balance);
PG_FUNCTION_INFO_V1(hydra_random_seed);
PG_FUNCTION_INFO_V1(hydra_configured_seed);

/* Raise "permission denied" unless the caller is a superuser */
static void
require_superuser(const char *what)
{
	if (!superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for %s", what),
				 errdetail("Only superusers may read head private keys and seeds.")));
}

/* Decode the hydra.random_seed GUC value; false if it is not 32 bytes of base64 */
bool
hydra_decode_seed(const char *text, uint8_t seed[32])
{
	uint8_t		buf[64];
	int			len = strlen(text);
	int			n;

	if (len == 0 || len > 64 || pg_b64_dec_len(len) > (int) sizeof(buf))
		return false;
	n = pg_b64_decode(text, len, (char *) buf, sizeof(buf));
	if (n != 32)
		return false;
	memcpy(seed, buf, 32);
	explicit_bzero(buf, sizeof(buf));
	return true;
}

/* Append one generated identity as a row (idx, peer_id, private_key) */
static void
put_idgen_row(ReturnSetInfo *rsinfo, const hy_idgen_result *r)
{
	Datum		values[3];
	bool		nulls[3] = {false, false, false};
	char		text[HY_PEER_ID_TEXT_MAX + 1];
	uint8_t		pb[HY_PRIVKEY_PB_MAX];
	hy_keypair	kp;
	int			pblen;

	hy_keypair_from_seed(&kp, r->seed);
	pblen = hy_privkey_encode(&kp, pb, sizeof(pb));
	if (pblen < 0 || hy_peerid_format(kp.peer_id, kp.peer_id_len, text, sizeof(text)) < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not encode generated key")));
	values[0] = Int64GetDatum((int64) r->index);
	values[1] = CStringGetTextDatum(text);
	values[2] = PointerGetDatum(hydra_bytes_to_bytea(pb, pblen));
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	explicit_bzero(&kp, sizeof(kp));
	explicit_bzero(pb, sizeof(pb));
}

/*
 * hydra.idgen(seed bytea, first bigint, count int, depth int) ->
 * setof (idx bigint, peer_id text, private_key bytea)
 */
Datum
hydra_idgen(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bytea	   *seed_arg;
	int64		first;
	int32		count;
	int32		depth;
	uint8_t		seed[32];
	hy_idgen_result *results;

	require_superuser("function hydra.idgen");
	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("hydra.idgen arguments must not be NULL")));
	seed_arg = PG_GETARG_BYTEA_PP(0);
	first = PG_GETARG_INT64(1);
	count = PG_GETARG_INT32(2);
	depth = PG_GETARG_INT32(3);
	if (VARSIZE_ANY_EXHDR(seed_arg) != 32)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid seed: %zu bytes", VARSIZE_ANY_EXHDR(seed_arg)),
				 errdetail("A seed is exactly 32 bytes.")));
	if (first < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid first id: " INT64_FORMAT, first)));
	if (count < 0 || count > IDGEN_MAX_COUNT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid count: %d", count),
				 errdetail("count must be between 0 and %d.", IDGEN_MAX_COUNT)));
	if (depth < HY_IDGEN_MIN_DEPTH || depth > HY_IDGEN_MAX_DEPTH)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid depth: %d", depth),
				 errdetail("depth must be between %d and %d.", HY_IDGEN_MIN_DEPTH, HY_IDGEN_MAX_DEPTH)));
	memcpy(seed, VARDATA_ANY(seed_arg), 32);

	InitMaterializedSRF(fcinfo, 0);
	results = palloc(sizeof(hy_idgen_result) * Min(count, (int32) 1 << depth));
	for (int32 done = 0; done < count;)
	{
		uint64_t	at = (uint64_t) first + done;
		uint64_t	round_end = (at | (((uint64_t) 1 << depth) - 1)) + 1;
		int			n = (int) Min((uint64_t) (count - done), round_end - at);
		int			rc;

		/*
		 * One call per round of the sequence: a round's candidates are
		 * scanned once for all its ids, and a round takes at most a couple
		 * of CPU seconds, so cancellation is still prompt.
		 */
		CHECK_FOR_INTERRUPTS();
		rc = hy_idgen_range(seed, at, n, depth, IDGEN_THREADS, results);
		if (rc < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("id generation failed: %s", hy_strerror(rc))));
		for (int i = 0; i < n; i++)
			put_idgen_row(rsinfo, &results[i]);
		explicit_bzero(results, sizeof(hy_idgen_result) * n);
		done += n;
	}
	explicit_bzero(seed, sizeof(seed));
	return (Datum) 0;
}

/*
 * hydra.idgen_balance(peer_ids text[]) -> (n int, min_depth int, max_depth
 * int, mean_depth float8): leaf depths of the ids' Kademlia ids in a trie.
 */
Datum
hydra_idgen_balance(PG_FUNCTION_ARGS)
{
	ArrayType  *arr = PG_GETARG_ARRAYTYPE_P(0);
	TupleDesc	tupdesc;
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	uint8_t		(*ids)[32];
	hy_trie_balance bal;
	Datum		values[4];
	bool		rnulls[4] = {false, false, false, false};
	int			rc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	if (n > BALANCE_MAX_IDS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many peer IDs: %d", n),
				 errdetail("At most %d peer IDs can be checked at once.", BALANCE_MAX_IDS)));
	ids = palloc(sizeof(*ids) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		char	   *str;
		uint8_t		id[HY_PEER_ID_MAX];
		int			len;

		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("peer_ids must not contain NULL")));
		str = TextDatumGetCString(elems[i]);
		len = hy_peerid_parse(str, strlen(str), id, sizeof(id));
		if (len < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid peer ID: \"%s\"", str),
					 errdetail("%s.", hy_strerror(len))));
		crypto_hash_sha256(ids[i], id, len);
	}
	rc = hy_trie_balance_of((const uint8_t (*)[32]) ids, n, &bal);
	if (rc == HY_ERR_INVALID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("peer_ids contains duplicates")));
	if (rc < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("balance computation failed: %s", hy_strerror(rc))));
	values[0] = Int32GetDatum(n);
	values[1] = Int32GetDatum(bal.min_depth);
	values[2] = Int32GetDatum(bal.max_depth);
	values[3] = Float8GetDatum(bal.mean_depth);
	PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(BlessTupleDesc(tupdesc), values, rnulls)));
}

/* hydra._random_seed() -> bytea: 32 bytes from the strong random source */
Datum
hydra_random_seed(PG_FUNCTION_ARGS)
{
	uint8_t		seed[32];
	bytea	   *out;

	require_superuser("function hydra._random_seed");
	if (!pg_strong_random(seed, sizeof(seed)))
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("could not generate random seed")));
	out = hydra_bytes_to_bytea(seed, sizeof(seed));
	explicit_bzero(seed, sizeof(seed));
	PG_RETURN_BYTEA_P(out);
}

/* hydra._configured_seed() -> bytea: hydra.random_seed decoded, or NULL when unset */
Datum
hydra_configured_seed(PG_FUNCTION_ARGS)
{
	uint8_t		seed[32];
	bytea	   *out;

	require_superuser("function hydra._configured_seed");
	if (hydra_random_seed_text == NULL || hydra_random_seed_text[0] == '\0')
		PG_RETURN_NULL();
	/* the GUC check hook already validated it */
	if (!hydra_decode_seed(hydra_random_seed_text, seed))
		elog(ERROR, "hydra.random_seed is not 32 bytes of base64");
	out = hydra_bytes_to_bytea(seed, sizeof(seed));
	explicit_bzero(seed, sizeof(seed));
	PG_RETURN_BYTEA_P(out);
}
