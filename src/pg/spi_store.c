/*
 * spi_store.c — the DHT store over hydra.provider_records, hydra.peers and
 * hydra.dht_values, with SPI, inside a head worker.
 *
 * ADD_PROVIDER records are queued in a fixed-size batch and written with
 * one INSERT per batch (by size, or when the oldest record is
 * BATCH_FLUSH_MS old), so a record is visible through every head well
 * within 100 ms.  A full batch sheds (the server counts it): memory never
 * grows with offered load.  Peers are written only when new, when their
 * addresses change, or hourly (last_seen), thanks to a bounded local cache.
 * Every statement runs in its own transaction under PG_TRY: a database
 * error is logged and counted, the batch is dropped, and the worker keeps
 * serving — an ERROR never unwinds through the network code.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "core/err.h"
#include "dht/addrs.h"
#include "dht/store.h"

#include "pg/hydra_pg.h"
#include "pg/metrics.h"
#include "pg/spi_store.h"

#define BATCH_MAX 4096			/* records queued at most (then shed) */
#define BATCH_FLUSH_RECORDS 1024	/* write when this many are queued */
#define BATCH_FLUSH_MS 20		/* or when the oldest is this old */
#define PEER_CACHE_MAX 65536	/* peers remembered; cleared when full */
#define PEER_REFRESH_MS (3600 * 1000)	/* rewrite last_seen at most hourly */
#define STORE_BACKOFF_MS 1000	/* no database work this long after a failure */
#define STORE_LOCK_TIMEOUT "100ms"	/* a locked table never stalls the loop longer */
#define STORE_STATEMENT_TIMEOUT "2s"

typedef struct PendingPeer
{
	uint8		peer_id[HY_PEER_ID_MAX];
	uint8		peer_id_len;
	hy_addrset	addrs;
} PendingPeer;

typedef struct PendingRecord
{
	uint8		key[HY_STORE_KEY_MAX];
	uint8		key_len;
	int32		peer;			/* index into batch_peers */
} PendingRecord;

typedef struct PeerCacheEntry
{
	uint8		peer_id[HY_PEER_ID_MAX];	/* hash key, zero-padded */
	int32		id;				/* hydra.peers.id */
	uint32		addrs_hash;
	uint64		written_ms;
} PeerCacheEntry;

HydraStoreStats hydra_store_stats;

static PendingRecord batch[BATCH_MAX];
static int	batch_len = 0;
static PendingPeer batch_peers[BATCH_MAX];
static int	batch_npeers = 0;
static uint64 batch_oldest_ms = 0;

static HTAB *peer_cache = NULL;
static SPIPlanPtr plan_upsert_peer = NULL;
static SPIPlanPtr plan_insert = NULL;
static SPIPlanPtr plan_providers = NULL;
static SPIPlanPtr plan_providers_many = NULL;
static SPIPlanPtr plan_get_value = NULL;
static SPIPlanPtr plan_put_value = NULL;
static int32 ensured_day = -1;	/* UTC day whose partition we know exists */
static uint64 backoff_until_ms = 0; /* database calls skipped until then */

static int	store_add_provider(void *ctx, const uint8_t *key, size_t key_len,
							   const hy_provider *p, uint64_t now_ms);
static int	store_get_providers(void *ctx, const uint8_t *key, size_t key_len,
								hy_provider *out, int max, uint64_t now_ms);
static int	store_get_value(void *ctx, const uint8_t *key, size_t key_len, hy_value *out);
static int	store_put_value(void *ctx, const uint8_t *key, size_t key_len, const hy_value *v);
static int	store_get_providers_many(void *ctx, const uint8_t *const *keys, const size_t *key_lens,
									 int nkeys, hy_provider *out, int max, int *counts, uint64_t now);

static const hy_store_ops spi_store_ops = {
	.add_provider = store_add_provider,
	.get_providers = store_get_providers,
	.get_value = store_get_value,
	.put_value = store_put_value,
	.get_providers_many = store_get_providers_many,
};
static hy_store spi_store = {&spi_store_ops, NULL};

/* Milliseconds on the wall clock */
static uint64
now_ms(void)
{
	return (uint64) (GetCurrentTimestamp() / 1000) + (uint64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * 1000;
}

/* Hash of an address set, to notice changed addresses */
static uint32
addrs_hash(const hy_addrset *a)
{
	uint32		h = 2166136261u;

	for (int i = 0; i < a->n; i++)
		for (int j = 0; j < a->len[i]; j++)
			h = (h ^ a->a[i][j]) * 16777619u;
	return h ^ a->n;
}

/* Build a bytea[] of an address set */
static Datum
addrs_datum(const hy_addrset *a)
{
	Datum		elems[HY_ADDRS_MAX];

	for (int i = 0; i < a->n; i++)
		elems[i] = PointerGetDatum(hydra_bytes_to_bytea(a->a[i], a->len[i]));
	return PointerGetDatum(construct_array(elems, a->n, BYTEAOID, -1, false, TYPALIGN_INT));
}

/* Prepare a statement once and keep it for the life of the worker */
static SPIPlanPtr
keep_plan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare(sql, nargs, types);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(p);
		*plan = p;
	}
	return *plan;
}

/* Open a transaction with a snapshot and an SPI connection */
static void
begin_store_xact(const char *what)
{
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, what);
}

/* Commit what begin_store_xact opened */
static void
end_store_xact(void)
{
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/* Log and forget the error being handled, roll back, count it */
static void
contain_error(MemoryContext cxt)
{
	MemoryContextSwitchTo(cxt);
	EmitErrorReport();
	FlushErrorState();
	AbortCurrentTransaction();
	pgstat_report_activity(STATE_IDLE, NULL);
	hydra_store_stats.db_errors++;
	/* a slow or locked database gets a pause, not a queue of waiting work */
	backoff_until_ms = now_ms() + STORE_BACKOFF_MS;
}

/* True while the store is backing off after a failure (counted as shed) */
static bool
store_backing_off(void)
{
	if (backoff_until_ms == 0)
		return false;
	if (now_ms() >= backoff_until_ms)
	{
		backoff_until_ms = 0;
		return false;
	}
	hydra_store_stats.backoff_skips++;
	return true;
}

/* Prepare the store */
hy_store *
hydra_spi_store_init(void)
{
	HASHCTL		ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = HY_PEER_ID_MAX;
	ctl.entrysize = sizeof(PeerCacheEntry);
	ctl.hcxt = TopMemoryContext;
	peer_cache = hash_create("hydra peer cache", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	/* every store statement runs from the event loop: bound its waits */
	SetConfigOption("lock_timeout", STORE_LOCK_TIMEOUT, PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("statement_timeout", STORE_STATEMENT_TIMEOUT, PGC_SUSET, PGC_S_OVERRIDE);

	/*
	 * No JIT: the statements are tiny and run thousands of times a second,
	 * but on a big table the planner's cost estimate for a batch passes
	 * jit_above_cost, and compiling every execution then took ~80 % of a
	 * head worker (measured: 4k GET_PROVIDERS/s instead of 40k).
	 */
	SetConfigOption("jit", "off", PGC_SUSET, PGC_S_OVERRIDE);
	return &spi_store;
}

/* Queue one provider record; shed when the batch is full */
static int
store_add_provider(void *ctx, const uint8_t *key, size_t key_len,
				   const hy_provider *p, uint64_t now)
{
	PendingRecord *r;
	int			peer = -1;

	if (key_len == 0 || key_len > HY_STORE_KEY_MAX || p->peer_id_len == 0 ||
		p->peer_id_len > HY_PEER_ID_MAX)
		return HY_ERR_INVALID;
	if (batch_len >= BATCH_MAX)
	{
		hydra_store_stats.records_shed++;
		return HY_STORE_SHED;
	}
	/* the same provider usually sends many records in a row */
	for (int i = batch_npeers - 1; i >= 0 && i >= batch_npeers - 8; i--)
		if (batch_peers[i].peer_id_len == p->peer_id_len &&
			memcmp(batch_peers[i].peer_id, p->peer_id, p->peer_id_len) == 0)
		{
			peer = i;
			break;
		}
	if (peer < 0)
	{
		peer = batch_npeers++;
		memcpy(batch_peers[peer].peer_id, p->peer_id, p->peer_id_len);
		batch_peers[peer].peer_id_len = p->peer_id_len;
		batch_peers[peer].addrs = p->addrs;
	}
	else if (p->addrs.n > 0)
		batch_peers[peer].addrs = p->addrs;
	r = &batch[batch_len++];
	memcpy(r->key, key, key_len);
	r->key_len = key_len;
	r->peer = peer;
	if (batch_len == 1)
		batch_oldest_ms = now;
	hydra_store_stats.records_queued++;
	return HY_OK;
}

/* Forget every cached peer (bounded size; or ids rolled back) */
static void
clear_peer_cache(void)
{
	HASH_SEQ_STATUS seq;
	PeerCacheEntry *e;

	hash_seq_init(&seq, peer_cache);
	while ((e = hash_seq_search(&seq)) != NULL)
		hash_search(peer_cache, e->peer_id, HASH_REMOVE, NULL);
}

/* hydra.peers id of a batch peer, writing the row only when needed */
static int32
resolve_peer(PendingPeer *pp, uint64 now)
{
	uint8		keybuf[HY_PEER_ID_MAX];
	bool		found;
	PeerCacheEntry *e;
	uint32		ah = addrs_hash(&pp->addrs);
	Oid			types[2] = {BYTEAOID, BYTEAARRAYOID};
	Datum		values[2];
	bool		isnull;
	int32		id;

	memset(keybuf, 0, sizeof(keybuf));
	memcpy(keybuf, pp->peer_id, pp->peer_id_len);
	e = hash_search(peer_cache, keybuf, HASH_FIND, NULL);
	if (e && now - e->written_ms < PEER_REFRESH_MS && (pp->addrs.n == 0 || e->addrs_hash == ah))
		return e->id;

	values[0] = PointerGetDatum(hydra_bytes_to_bytea(pp->peer_id, pp->peer_id_len));
	values[1] = addrs_datum(&pp->addrs);
	if (SPI_execute_plan(keep_plan(&plan_upsert_peer, "SELECT hydra._upsert_peer($1, $2)", 2, types),
						 values, NULL, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "could not upsert a peer");
	id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
	hydra_store_stats.peer_writes++;

	if (hash_get_num_entries(peer_cache) >= PEER_CACHE_MAX)
		clear_peer_cache();
	e = hash_search(peer_cache, keybuf, HASH_ENTER, &found);
	e->id = id;
	e->addrs_hash = ah;
	e->written_ms = now;
	return id;
}

/* Write the queued batch: peers, partition, one INSERT */
static void
write_batch(void)
{
	uint64		now = now_ms();
	int32	   *peer_ids = palloc(sizeof(int32) * batch_npeers);
	Datum	   *keys = palloc(sizeof(Datum) * batch_len);
	Datum	   *provs = palloc(sizeof(Datum) * batch_len);
	TimestampTz expires = GetCurrentTransactionStartTimestamp() +
		(TimestampTz) hydra_provider_ttl * USECS_PER_SEC;
	int32		day = (int32) ((expires / USECS_PER_DAY));
	Oid			types[3] = {BYTEAARRAYOID, INT4ARRAYOID, TIMESTAMPTZOID};
	Datum		values[3];

	for (int i = 0; i < batch_npeers; i++)
		peer_ids[i] = resolve_peer(&batch_peers[i], now);
	if (day != ensured_day)
	{
		Oid			t[1] = {TIMESTAMPTZOID};
		Datum		v[1] = {TimestampTzGetDatum(expires)};

		if (SPI_execute_with_args("SELECT hydra._ensure_partition($1)", 1, t, v, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "could not ensure the record partition");
		ensured_day = day;
	}
	for (int i = 0; i < batch_len; i++)
	{
		keys[i] = PointerGetDatum(hydra_bytes_to_bytea(batch[i].key, batch[i].key_len));
		provs[i] = Int32GetDatum(peer_ids[batch[i].peer]);
	}
	values[0] = PointerGetDatum(construct_array(keys, batch_len, BYTEAOID, -1, false, TYPALIGN_INT));
	values[1] = PointerGetDatum(construct_array(provs, batch_len, INT4OID, 4, true, TYPALIGN_INT));
	values[2] = TimestampTzGetDatum(expires);

	/*
	 * OFFSET 0 keeps the NOT EXISTS a per-record index probe: as an anti
	 * join, the plan kept from when the table was small (a hash join over a
	 * sequential scan) grew with the table, 4x the CPU per record at 200k
	 * rows already.
	 */
	if (SPI_execute_plan(keep_plan(&plan_insert,
								   "INSERT INTO hydra.provider_records (expires_at, provider, key) "
								   "SELECT DISTINCT $3, u.p, u.k FROM unnest($1, $2) AS u(k, p) "
								   "WHERE NOT EXISTS (SELECT 1 FROM hydra.provider_records r "
								   "WHERE r.key = u.k AND r.provider = u.p "
								   "AND r.expires_at >= $3 - hydra._reprovide_slack() OFFSET 0)",
								   3, types),
						 values, NULL, false, 0) != SPI_OK_INSERT)
		elog(ERROR, "could not insert provider records");
	hydra_store_stats.records_written += SPI_processed;
	hydra_store_stats.batches++;
}

/* Write the pending batch if it is big or old enough (force: always) */
void
hydra_spi_store_flush(bool force)
{
	MemoryContext cxt = CurrentMemoryContext;
	uint64		t0;

	if (batch_len == 0)
		return;
	if (!force && batch_len < BATCH_FLUSH_RECORDS && now_ms() - batch_oldest_ms < BATCH_FLUSH_MS)
		return;
	/* keep the batch (new records shed once it is full) until the pause ends */
	if (store_backing_off())
		return;
	t0 = hydra_metrics_start();
	PG_TRY();
	{
		begin_store_xact("hydra: writing provider records");
		write_batch();
		end_store_xact();
	}
	PG_CATCH();
	{
		contain_error(cxt);
		/* the failed transaction may have created the partition or not */
		ensured_day = -1;
		clear_peer_cache();
		hydra_store_stats.records_shed += batch_len;
	}
	PG_END_TRY();
	hydra_metrics_observe_since(HYDRA_HIST_STORE_WRITE_BATCH, t0);
	hydra_metrics_observe(HYDRA_HIST_BATCH_RECORDS, batch_len);
	batch_len = 0;
	batch_npeers = 0;
}

/* Milliseconds until the pending batch must be written, -1 if none */
int
hydra_spi_store_next_flush_ms(void)
{
	uint64		age;

	if (batch_len == 0)
		return -1;
	if (backoff_until_ms > now_ms())
		return (int) (backoff_until_ms - now_ms());
	age = now_ms() - batch_oldest_ms;
	return age >= BATCH_FLUSH_MS ? 0 : (int) (BATCH_FLUSH_MS - age);
}

/*
 * A result row's provider: peer id in column col, its addresses (bytea[],
 * may be empty) in col + 1.  False when the peer id cannot be one.
 */
static bool
row_to_provider(HeapTuple row, TupleDesc desc, int col, hy_provider *p)
{
	bool		isnull;
	bytea	   *pid = DatumGetByteaPP(SPI_getbinval(row, desc, col, &isnull));
	Datum		arr = SPI_getbinval(row, desc, col + 1, &isnull);

	if (VARSIZE_ANY_EXHDR(pid) > HY_PEER_ID_MAX)
		return false;
	memset(p, 0, sizeof(*p));
	p->peer_id_len = VARSIZE_ANY_EXHDR(pid);
	memcpy(p->peer_id, VARDATA_ANY(pid), p->peer_id_len);
	if (!isnull)
	{
		Datum	   *elems;
		bool	   *nulls;
		int			nelems;

		deconstruct_array(DatumGetArrayTypeP(arr), BYTEAOID, -1, false, TYPALIGN_INT,
						  &elems, &nulls, &nelems);
		for (int i = 0; i < nelems; i++)
		{
			bytea	   *a = DatumGetByteaPP(elems[i]);

			if (!nulls[i])
				(void) hy_addrset_add(&p->addrs, (const uint8_t *) VARDATA_ANY(a),
									  VARSIZE_ANY_EXHDR(a), p->peer_id, p->peer_id_len, 1);
		}
	}
	return true;
}

/* Live providers of a key: newest first, each once, fresh addresses only */
static int
store_get_providers(void *ctx, const uint8_t *key, size_t key_len,
					hy_provider *out, int max, uint64_t now)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile int n = 0;
	uint64		t0 = hydra_metrics_start();

	if (store_backing_off())
		return HY_STORE_UNAVAILABLE;
	hydra_store_stats.lookups++;	/* a statement is run (not during a pause) */
	PG_TRY();
	{
		Oid			types[2] = {BYTEAOID, INT4OID};
		Datum		values[2];

		begin_store_xact("hydra: GET_PROVIDERS");
		values[0] = PointerGetDatum(hydra_bytes_to_bytea(key, key_len));
		values[1] = Int32GetDatum(max);
		if (SPI_execute_plan(keep_plan(&plan_providers,
									   "SELECT p.peer_id, CASE WHEN p.addrs_updated_at > now() - interval '24 hours' "
									   "THEN p.addrs ELSE '{}'::bytea[] END "
									   "FROM (SELECT DISTINCT ON (pr.provider) pr.provider, pr.expires_at "
									   "FROM hydra.provider_records pr WHERE pr.key = $1 AND pr.expires_at > now() "
									   "ORDER BY pr.provider, pr.expires_at DESC) r "
									   "JOIN hydra.peers p ON p.id = r.provider "
									   "ORDER BY r.expires_at DESC LIMIT $2",
									   2, types),
							 values, NULL, true, max) != SPI_OK_SELECT)
			elog(ERROR, "provider lookup failed");
		for (uint64 r = 0; r < SPI_processed && n < max; r++)
			if (row_to_provider(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &out[n]))
				n++;
		end_store_xact();
	}
	PG_CATCH();
	{
		contain_error(cxt);
		n = HY_STORE_UNAVAILABLE;
	}
	PG_END_TRY();
	hydra_metrics_observe_since(HYDRA_HIST_STORE_GET_PROVIDERS, t0);
	return n;
}

/*
 * Providers of several keys in one transaction and one statement: the
 * query of store_get_providers run per key as a LATERAL subquery, so the
 * executor starts once for the batch.
 */
static int
store_get_providers_many(void *ctx, const uint8_t *const *keys, const size_t *key_lens,
						 int nkeys, hy_provider *out, int max, int *counts, uint64_t now)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile int rc = 0;
	uint64		t0 = hydra_metrics_start();

	for (int i = 0; i < nkeys; i++)
		counts[i] = 0;
	if (store_backing_off())
		return HY_STORE_UNAVAILABLE;
	hydra_store_stats.lookups += nkeys;
	PG_TRY();
	{
		Oid			types[2] = {BYTEAARRAYOID, INT4OID};
		Datum		values[2];
		Datum	   *elems = palloc(sizeof(Datum) * nkeys);

		begin_store_xact("hydra: GET_PROVIDERS (batch)");
		for (int i = 0; i < nkeys; i++)
			elems[i] = PointerGetDatum(hydra_bytes_to_bytea(keys[i], key_lens[i]));
		values[0] = PointerGetDatum(construct_array(elems, nkeys, BYTEAOID, -1, false, TYPALIGN_INT));
		values[1] = Int32GetDatum(max);
		if (SPI_execute_plan(keep_plan(&plan_providers_many,
									   "SELECT k.i::int4, x.peer_id, x.addrs "
									   "FROM unnest($1) WITH ORDINALITY AS k(key, i) "
									   "CROSS JOIN LATERAL ("
									   "SELECT p.peer_id, CASE WHEN p.addrs_updated_at > now() - interval '24 hours' "
									   "THEN p.addrs ELSE '{}'::bytea[] END AS addrs, r.expires_at "
									   "FROM (SELECT DISTINCT ON (pr.provider) pr.provider, pr.expires_at "
									   "FROM hydra.provider_records pr WHERE pr.key = k.key AND pr.expires_at > now() "
									   "ORDER BY pr.provider, pr.expires_at DESC) r "
									   "JOIN hydra.peers p ON p.id = r.provider "
									   "ORDER BY r.expires_at DESC LIMIT $2) x "
									   "ORDER BY k.i, x.expires_at DESC",
									   2, types),
							 values, NULL, true, 0) != SPI_OK_SELECT)
			elog(ERROR, "provider lookup failed");
		for (uint64 r = 0; r < SPI_processed; r++)
		{
			bool		isnull;
			int			i = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull)) - 1;

			if (i < 0 || i >= nkeys || counts[i] >= max)
				continue;
			if (row_to_provider(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2,
								&out[(size_t) i * max + counts[i]]))
				counts[i]++;
		}
		end_store_xact();
	}
	PG_CATCH();
	{
		contain_error(cxt);
		rc = HY_STORE_UNAVAILABLE;
	}
	PG_END_TRY();
	(void) now;
	hydra_metrics_observe_since(HYDRA_HIST_STORE_GET_PROVIDERS, t0);
	return rc;
}

/* The stored record of a key, if any */
static int
store_get_value(void *ctx, const uint8_t *key, size_t key_len, hy_value *out)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile int found = 0;
	uint64		t0 = hydra_metrics_start();

	if (store_backing_off())
		return HY_STORE_UNAVAILABLE;
	PG_TRY();
	{
		Oid			types[1] = {BYTEAOID};
		Datum		values[1];

		begin_store_xact("hydra: GET_VALUE");
		values[0] = PointerGetDatum(hydra_bytes_to_bytea(key, key_len));
		if (SPI_execute_plan(keep_plan(&plan_get_value,
									   "SELECT value, seq, validity_ns, "
									   "(extract(epoch FROM received_at) * 1000)::bigint "
									   "FROM hydra.dht_values WHERE key = $1",
									   1, types),
							 values, NULL, true, 1) != SPI_OK_SELECT)
			elog(ERROR, "value lookup failed");
		if (SPI_processed == 1)
		{
			bool		isnull;
			bytea	   *v = DatumGetByteaPP(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));

			if (VARSIZE_ANY_EXHDR(v) <= HY_VALUE_MAX)
			{
				out->len = VARSIZE_ANY_EXHDR(v);
				memcpy(out->data, VARDATA_ANY(v), out->len);
				out->seq = (uint64) DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));
				out->validity_ns = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
				out->received_ms = (uint64) DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 4, &isnull));
				found = 1;
			}
		}
		end_store_xact();
	}
	PG_CATCH();
	{
		contain_error(cxt);
		found = HY_STORE_UNAVAILABLE;
	}
	PG_END_TRY();
	hydra_metrics_observe_since(HYDRA_HIST_STORE_GET_VALUE, t0);
	return found;
}

/* Store a validated record unless the stored one orders after it */
static int
store_put_value(void *ctx, const uint8_t *key, size_t key_len, const hy_value *v)
{
	MemoryContext cxt = CurrentMemoryContext;
	volatile int rc = HY_OK;
	uint64		t0 = hydra_metrics_start();

	if (store_backing_off())
		return HY_STORE_UNAVAILABLE;
	PG_TRY();
	{
		Oid			types[4] = {BYTEAOID, BYTEAOID, INT8OID, INT8OID};
		Datum		values[4];

		begin_store_xact("hydra: PUT_VALUE");
		values[0] = PointerGetDatum(hydra_bytes_to_bytea(key, key_len));
		values[1] = PointerGetDatum(hydra_bytes_to_bytea(v->data, v->len));
		/* sequences beyond 2^63 - 1 are clamped: they still order last */
		values[2] = Int64GetDatum(v->seq > (uint64) PG_INT64_MAX ? PG_INT64_MAX : (int64) v->seq);
		values[3] = Int64GetDatum(v->validity_ns);
		if (SPI_execute_plan(keep_plan(&plan_put_value,
									   "INSERT INTO hydra.dht_values AS v (key, value, seq, validity_ns, received_at) "
									   "VALUES ($1, $2, $3, $4, now()) "
									   "ON CONFLICT (key) DO UPDATE SET value = excluded.value, seq = excluded.seq, "
									   "validity_ns = excluded.validity_ns, received_at = excluded.received_at "
									   "WHERE (excluded.seq, excluded.validity_ns) >= (v.seq, v.validity_ns)",
									   4, types),
							 values, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "value write failed");
		if (SPI_processed == 0)
			rc = HY_STORE_OLDER;
		end_store_xact();
	}
	PG_CATCH();
	{
		contain_error(cxt);
		rc = HY_STORE_UNAVAILABLE;
	}
	PG_END_TRY();
	hydra_metrics_observe_since(HYDRA_HIST_STORE_PUT_VALUE, t0);
	return rc;
}
