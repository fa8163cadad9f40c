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
#include "pg/shmem.h"

char	   *hydra_database = NULL;
char	   *hydra_random_seed_text = NULL;
int			hydra_id_offset = 0;
int			hydra_nheads = 1;
int			hydra_head_workers = 1;
char	   *hydra_listen_address = NULL;
int			hydra_port_begin = 4001;
char	   *hydra_announce_addresses = NULL;
bool		hydra_allow_private_addresses = false;

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
	DefineCustomIntVariable("hydra.head_workers",
							"Number of background workers (processes, cores) hosting the heads.",
							"Head i runs in worker i % hydra.head_workers.",
							&hydra_head_workers,
							1, 1, HYDRA_MAX_HEAD_WORKERS,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);
	DefineCustomStringVariable("hydra.listen_address",
							   "IP address the heads listen on.",
							   "0.0.0.0 or :: listens on every interface.",
							   &hydra_listen_address,
							   "0.0.0.0",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("hydra.port_begin",
							"TCP port of head 0; head i listens on port_begin + i.",
							"0 picks ephemeral ports (kept across worker restarts).",
							&hydra_port_begin,
							4001, 0, 65535,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);
	DefineCustomStringVariable("hydra.announce_addresses",
							   "Comma-separated multiaddrs (without /p2p) the heads announce; a port of 0 means the head's own port.",
							   "Empty: the listen address, or every interface address when listening on all.",
							   &hydra_announce_addresses,
							   "",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);
	DefineCustomBoolVariable("hydra.allow_private_addresses",
							 "Keep loopback and private addresses (off for the public network, on for tests).",
							 NULL,
							 &hydra_allow_private_addresses,
							 false,
							 PGC_POSTMASTER,
							 0,
							 NULL, NULL, NULL);
}
