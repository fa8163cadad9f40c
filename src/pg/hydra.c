/*
 * hydra.c — module entry point: load-time checks and GUC registration.
 *
 * hydra must be preloaded: its background workers and shared memory can
 * only be set up by the postmaster at start.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/guc.h"

#include "pg/hydra_pg.h"
#include "pg/metrics.h"
#include "pg/prefetch_queue.h"
#include "pg/shmem.h"

PG_MODULE_MAGIC;

void		_PG_init(void);

/* Check the load context and register everything hydra adds to the server */
void
_PG_init(void)
{
	if (!process_shared_preload_libraries_in_progress)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hydra must be loaded via shared_preload_libraries"),
				 errhint("Add hydra to shared_preload_libraries in postgresql.conf "
						 "(for example shared_preload_libraries = 'hydra,pg_cron') "
						 "and restart the server.")));

	/* pg_upgrade starts the server only to move catalogs: stay inert */
	if (IsBinaryUpgrade)
		return;

	hydra_define_gucs();
	hydra_metrics_init();
	hydra_prefetch_queue_init();
	MarkGUCPrefixReserved("hydra");
	hydra_shmem_init();
	hydra_register_workers();
}
