/*
 * shmem.c — allocation and initialisation of hydra's shared memory.
 *
 * PostgreSQL 15 only accepts shared memory requests from a
 * shmem_request_hook; the structure is created (or attached to) in the
 * shmem_startup_hook of every process.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/shmem.h"

#include "pg/hydra_pg.h"
#include "pg/shmem.h"

#include "dht/rtable.h"

HydraShared *hydra_shared = NULL;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* Offset of the worker slots: after the head slots, aligned */
static Size
hydra_workers_offset(void)
{
	return MAXALIGN(add_size(offsetof(HydraShared, heads),
							 mul_size(sizeof(HydraHeadSlot), hydra_nheads)));
}

/* Offset of the routing table: after the worker slots, aligned */
static Size
hydra_rt_offset(void)
{
	return MAXALIGN(add_size(hydra_workers_offset(),
							 mul_size(sizeof(HydraWorkerSlot), hydra_head_workers)));
}

/* Configuration of the shared routing table, from the GUCs */
static void
hydra_rtable_config(hy_rtable_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->k = hydra_bucket_size;
	cfg->allow_private = hydra_allow_private_addresses;
	hy_rtable_config_defaults(cfg);
}

/* Bytes of shared memory hydra needs: heads, workers, routing table */
static Size
hydra_shmem_size(void)
{
	hy_rtable_config cfg;

	hydra_rtable_config(&cfg);
	return add_size(hydra_rt_offset(), hy_rtable_mem_size(&cfg));
}

/* Ask the postmaster for our shared memory and LWLock tranche */
static void
hydra_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(hydra_shmem_size());
}

/* Create or attach to the shared structure */
static void
hydra_shmem_startup(void)
{
	bool		found;
	int			tranche;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	hydra_shared = NULL;

	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	hydra_shared = ShmemInitStruct("hydra", hydra_shmem_size(), &found);
	if (!found)
	{
		memset(hydra_shared, 0, hydra_shmem_size());
		tranche = LWLockNewTrancheId();
		LWLockInitialize(&hydra_shared->lock, tranche);
		hydra_shared->nheads = hydra_nheads;
		hydra_shared->nworkers = hydra_head_workers;
		hydra_shared->workers_offset = hydra_workers_offset();
		pg_atomic_init_u32(&hydra_shared->rt_size, 0);
		pg_atomic_init_u32(&hydra_shared->bootstrap_gen, 0);
		hydra_shared->rt_offset = hydra_rt_offset();
		LWLockInitialize(&hydra_shared->rt_lock, tranche);
		{
			hy_rtable_config cfg;

			hydra_rtable_config(&cfg);
			if (hy_rtable_init(hydra_rtable_mem(), hy_rtable_mem_size(&cfg), &cfg) == NULL)
				elog(FATAL, "could not format the hydra routing table");
		}
		for (int w = 0; w < hydra_head_workers; w++)
		{
			HydraWorkerSlot *slot = hydra_worker_slot(w);

			LWLockInitialize(&slot->lock, tranche);
			for (int i = 0; i < HYDRA_SWARM_PER_WORKER; i++)
				slot->swarm[i].head = -1;
		}
		for (int h = 0; h < hydra_nheads; h++)
		{
			hydra_shared->heads[h].head = h;
			hydra_shared->heads[h].worker = -1;
			pg_atomic_init_u32(&hydra_shared->heads[h].connections, 0);
		}
	}
	LWLockRelease(AddinShmemInitLock);
	LWLockRegisterTranche(hydra_shared->lock.tranche, "hydra");
}

/* Install the shared-memory hooks */
void
hydra_shmem_init(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = hydra_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = hydra_shmem_startup;
}
