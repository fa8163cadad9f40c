/*
 * prefetch_sql.c — SQL functions of the prefetch queue:
 * hydra.prefetch_stats() and the wait behind hydra.fetch().
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
#include "utils/wait_event.h"

#include "pg/prefetch_queue.h"

PG_FUNCTION_INFO_V1(hydra_prefetch_stats_sql);

/* Names of the outcome and result counters, in enum order */
static const char *const outcome_names[HYDRA_PF_NOUTCOMES] = {
	"enqueued", "already_pending", "failed_recently_5min", "failed_recently_1h",
	"queue_full", "disabled"
};
static const char *const result_names[HYDRA_PF_NRESULTS] = {
	"found", "empty", "error", "timeout"
};

/* Add one (name, value) row */
static void
put_row(ReturnSetInfo *rsinfo, const char *name, int64 value)
{
	Datum		values[2];
	bool		nulls[2] = {false, false};

	values[0] = CStringGetTextDatum(name);
	values[1] = Int64GetDatum(value);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * hydra.prefetch_stats() → (name, value): enqueue outcomes, lookup
 * results, and the queue and negative-cache gauges.
 */
Datum
hydra_prefetch_stats_sql(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	HydraPrefetchStats st;

	InitMaterializedSRF(fcinfo, 0);
	hydra_prefetch_stats(&st);
	/* "disabled" is never counted: misses with prefetch off are not enqueued */
	for (int i = 0; i < HYDRA_PF_DISABLED; i++)
		put_row(rsinfo, outcome_names[i], (int64) st.outcomes[i]);
	for (int i = 0; i < HYDRA_PF_NRESULTS; i++)
		put_row(rsinfo, result_names[i], (int64) st.results[i]);
	for (int src = 0; src < HYDRA_PF_NSOURCES; src++)
		for (int i = 0; i < HYDRA_PF_NRESULTS; i++)
		{
			char		name[64];

			snprintf(name, sizeof(name), "%s_%s", src == HYDRA_PF_SRC_DHT ? "dht" : "delegated",
					 result_names[i]);
			put_row(rsinfo, name, (int64) st.source_results[src][i]);
		}
	put_row(rsinfo, "queries", (int64) st.queries);
	put_row(rsinfo, "queries_answered", (int64) st.answers);
	put_row(rsinfo, "routing_table_updates", (int64) st.rt_updates);
	put_row(rsinfo, "pending", st.pending);
	put_row(rsinfo, "running", st.running);
	put_row(rsinfo, "negative_cached", st.negative_cached);
	return (Datum) 0;
}

PG_FUNCTION_INFO_V1(hydra_prefetch_wait_sql);

/*
 * hydra._prefetch_wait(key bytea, timeout_ms bigint, want int) → text:
 * enqueue or join a lookup of key and sleep on our latch until the
 * prefetch worker finishes it or has stored want providers (it sets the
 * latches of an entry's waiters on both), or the timeout ends.  Returns
 * 'delegated' when delegated routing supplied providers, else 'dht'; NULL
 * when no lookup could be joined (prefetch off, recently
 * failed, queue full, every waiter seat taken).  Interrupts are checked at
 * every wake-up, so statement_timeout and cancel work promptly.
 */
Datum
hydra_prefetch_wait_sql(PG_FUNCTION_ARGS)
{
	bytea	   *key = PG_GETARG_BYTEA_PP(0);
	int64		timeout_ms = PG_GETARG_INT64(1);
	int32		want = PG_GETARG_INT32(2);
	int			len = VARSIZE_ANY_EXHDR(key);
	TimestampTz deadline;
	uint64		ticket = 0;
	bool		delegated = false;

	if (len <= 0 || len > HYDRA_PREFETCH_KEY_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid key length: %d", len),
				 errdetail("A key is a multihash of 1 to %d bytes.", HYDRA_PREFETCH_KEY_MAX)));
	if (hydra_prefetch_concurrency <= 0)
		PG_RETURN_NULL();
	(void) hydra_prefetch_join((const uint8 *) VARDATA_ANY(key), len, &ticket);
	if (ticket == 0)
		PG_RETURN_NULL();
	deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), timeout_ms);
	PG_TRY();
	{
		for (;;)
		{
			long		left;
			int			found;
			bool		d;
			bool		done;

			ResetLatch(MyLatch);
			CHECK_FOR_INTERRUPTS();
			done = hydra_prefetch_ticket_done(ticket, &found, &d);
			delegated |= d;
			if (done || found >= want)
				break;
			left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), deadline);
			if (left <= 0)
				break;
			(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
							 left, PG_WAIT_EXTENSION);
		}
	}
	PG_FINALLY();
	{
		/* free our seat: the worker must not set the latch of a stranger */
		hydra_prefetch_leave(ticket);
	}
	PG_END_TRY();
	PG_RETURN_TEXT_P(cstring_to_text(delegated ? "delegated" : "dht"));
}
