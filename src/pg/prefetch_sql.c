/*
 * prefetch_sql.c — SQL functions of the prefetch queue:
 * hydra.prefetch_stats().
 */
#include "postgres.h"

#include "fmgr.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/tuplestore.h"

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
	put_row(rsinfo, "pending", st.pending);
	put_row(rsinfo, "running", st.running);
	put_row(rsinfo, "negative_cached", st.negative_cached);
	return (Datum) 0;
}
