/*
 * guc.c — the hydra.* configuration parameters.
 *
 * Only parameters that something reads are defined here; each subsystem
 * adds its own.  README.md lists them all with their defaults.
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "pg/hydra_pg.h"

char	   *hydra_database = NULL;
char	   *hydra_random_seed_text = NULL;
int			hydra_id_offset = 0;
int			hydra_nheads = 1;

/* Accept an empty seed (generate one) or base64 of exactly 32 bytes */
static bool
check_random_seed(char **newval, void **extra, GucSource source)
{
	uint8_t		seed[32];

	if (*newval == NULL || (*newval)[0] == '\0')
		return true;
	if (hydra_decode_seed(*newval, seed))
	{
		explicit_bzero(seed, sizeof(seed));
		return true;
	}
	/* never echo the value: it is a secret */
	GUC_check_errdetail("hydra.random_seed must be the base64 encoding of exactly 32 bytes.");
	return false;
}

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
	DefineCustomStringVariable("hydra.random_seed",
							   "Seed (base64 of 32 bytes) from which head identities derive.",
							   "Empty: a seed is generated once and kept in hydra.identity.",
							   &hydra_random_seed_text,
							   "",
							   PGC_POSTMASTER,
							   GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL,
							   check_random_seed, NULL, NULL);
	DefineCustomIntVariable("hydra.id_offset",
							"Id number of this host's first head in the seed's balanced sequence.",
							"Head i uses id number hydra.id_offset + i.",
							&hydra_id_offset,
							0, 0, INT_MAX,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hydra.nheads",
							"Number of heads (DHT identities) this host runs.",
							NULL,
							&hydra_nheads,
							1, 1, 4096,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);
}
