/*
 * heads_sql.c — hydra.heads() and hydra.swarm_peers(), read from shared
 * memory.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"

#include "pg/hydra_pg.h"
#include "pg/shmem.h"

PG_FUNCTION_INFO_V1(hydra_heads);
PG_FUNCTION_INFO_V1(hydra_swarm_peers);

/* Raise an error unless hydra's shared memory exists */
static void
require_shared(void)
{
	if (hydra_shared == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hydra shared memory is not available"),
				 errhint("hydra must be in shared_preload_libraries.")));
}

/*
 * hydra.heads() -> (head, peer_id, addrs, connections, routing_table_size,
 * started_at); only heads whose worker runs them.
 */
Datum
hydra_heads(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;

	require_shared();
	InitMaterializedSRF(fcinfo, 0);
	LWLockAcquire(&hydra_shared->lock, LW_SHARED);
	for (int h = 0; h < hydra_shared->nheads; h++)
	{
		HydraHeadSlot *slot = &hydra_shared->heads[h];
		Datum		values[6];
		bool		nulls[6] = {false, false, false, false, false, false};
		Datum	   *addrs;

		if (slot->started_at == 0)
			continue;
		addrs = palloc(sizeof(Datum) * Max(slot->naddrs, 1));
		for (int a = 0; a < slot->naddrs && a < HYDRA_HEAD_ADDRS; a++)
			addrs[a] = CStringGetTextDatum(slot->addrs[a]);
		values[0] = Int32GetDatum(h);
		values[1] = CStringGetTextDatum(slot->peer_id);
		values[2] = PointerGetDatum(construct_array(addrs, Min(slot->naddrs, HYDRA_HEAD_ADDRS),
													TEXTOID, -1, false, TYPALIGN_INT));
		values[3] = Int32GetDatum((int32) pg_atomic_read_u32(&slot->connections));
		values[4] = Int32GetDatum(hydra_routing_table_size());
		values[5] = TimestampTzGetDatum(slot->started_at);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
	}
	LWLockRelease(&hydra_shared->lock);
	return (Datum) 0;
}

/* hydra.swarm_peers(head int default null) -> (head, peer_id, addr, direction) */
Datum
hydra_swarm_peers(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	bool		all = PG_ARGISNULL(0);
	int32		want = all ? -1 : PG_GETARG_INT32(0);

	require_shared();
	InitMaterializedSRF(fcinfo, 0);
	for (int w = 0; w < hydra_shared->nworkers; w++)
	{
		HydraWorkerSlot *ws = hydra_worker_slot(w);

		LWLockAcquire(&ws->lock, LW_SHARED);
		for (int i = 0; i < ws->swarm_used && i < HYDRA_SWARM_PER_WORKER; i++)
		{
			HydraSwarmEntry *e = &ws->swarm[i];
			Datum		values[4];
			bool		nulls[4] = {false, false, false, false};

			if (e->head < 0 || (!all && e->head != want))
				continue;
			values[0] = Int32GetDatum(e->head);
			values[1] = CStringGetTextDatum(e->peer_id);
			values[2] = CStringGetTextDatum(e->addr);
			values[3] = CStringGetTextDatum(e->inbound ? "inbound" : "outbound");
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
		}
		LWLockRelease(&ws->lock);
	}
	return (Datum) 0;
}
