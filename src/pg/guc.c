/*
 * guc.c — the hydra.* configuration parameters.
 *
 * Only parameters that something reads are defined here; each later
 * subsystem adds its own.  README.md lists them all with their defaults.
 */
#include "postgres.h"

#include "utils/guc.h"

#include "pg/hydra_pg.h"

char	   *hydra_database = NULL;

/* Register every hydra.* GUC */
void
hydra_define_gucs(void)
{
	DefineCustomStringVariable("hydra.database",
							   "Database in which the hydra workers run.",
							   "The hydra extension must be created in this database.",
							   &hydra_database,
							   "postgres",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);
}
