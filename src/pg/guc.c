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

/*
 * Refuse to start with a malformed seed.  A GUC check hook cannot do this:
 * for a preloaded library PostgreSQL only warns about a bad value (and
 * echoes it to the log, a leak for a secret) and then starts with the
 * default, which here would silently give every head a new identity.
 */
static void
validate_random_seed(void)
{
	uint8_t		seed[32];

	if (hydra_random_seed_text == NULL || hydra_random_seed_text[0] == '\0')
		return;
	if (!hydra_decode_seed(hydra_random_seed_text, seed))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for parameter \"hydra.random_seed\""),
				 errdetail("hydra.random_seed must be the base64 encoding of exactly 32 bytes."),
				 errhint("Leave it empty to have hydra generate a seed and keep it in hydra.identity.")));
	explicit_bzero(seed, sizeof(seed));
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
							   NULL, NULL, NULL);
	validate_random_seed();
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
