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
int			hydra_provider_ttl = 48 * 3600;
int			hydra_bucket_size = 20;
char	   *hydra_protocol_prefix = NULL;
int			hydra_max_providers_per_response = 20;
int			hydra_store_ops_per_second = 0;
int			hydra_requests_per_second = 0;
char	   *hydra_bootstrap_peers = NULL;

/*
 * The public IPFS bootstrap list (as kubo ships it); /dnsaddr/ entries
 * need DNS TXT resolution.
 */
#define HYDRA_DEFAULT_BOOTSTRAP \
	"/dnsaddr/bootstrap.libp2p.io/p2p/QmNnooDu7bfjPFoTZYxMNLWUQJyrVwtbZg5gBMjTezGAJN," \
	"/dnsaddr/bootstrap.libp2p.io/p2p/QmQCU2EcMqAqQPR2i9bChDtGNJchTbq5TbXJJ16u19uLTa," \
	"/dnsaddr/bootstrap.libp2p.io/p2p/QmbLHAnMoJPWSCR5Zhtx6BHJX9KiKNN6tpvbUcqanj75Nb," \
	"/dnsaddr/bootstrap.libp2p.io/p2p/QmcZf59bWwK5XFi76CZX8cbJ4BhTzzA3gU1ZjYZcYW3dwt," \
	"/ip4/104.131.131.82/tcp/4001/p2p/QmaCpDMGvV2BGHeYERUEnRQAwe3N8SzbUtfsmvsqQLuvuJ"

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
	DefineCustomIntVariable("hydra.provider_ttl",
							"Lifetime of provider records received from peers.",
							"The network republishes every 22 hours; records are valid 48 hours.",
							&hydra_provider_ttl,
							48 * 3600, 60, 7 * 24 * 3600,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hydra.bucket_size",
							"Kademlia k: peers per routing-table bucket and closer peers per answer.",
							NULL,
							&hydra_bucket_size,
							20, 1, 64,
							PGC_POSTMASTER,
							0,
							NULL, NULL, NULL);
	DefineCustomStringVariable("hydra.protocol_prefix",
							   "Prefix of the Kademlia protocol id (prefix + /kad/1.0.0).",
							   NULL,
							   &hydra_protocol_prefix,
							   "/ipfs",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("hydra.max_providers_per_response",
							"Most provider records in one GET_PROVIDERS answer.",
							"Answers also stay under 16 KiB whatever this says.",
							&hydra_max_providers_per_response,
							20, 1, 64,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hydra.store_ops_per_second",
							"Graceful decline: database operations per second per head worker; 0 = no limit.",
							"Beyond it GET_PROVIDERS and GET_VALUE are answered with closer peers only and PUT_VALUE is refused, "
							"so load on the heads never becomes load on the database (ADD_PROVIDER is bounded by its batch).",
							&hydra_store_ops_per_second,
							0, 0, 10000000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("hydra.requests_per_second",
							"Full decline: kad requests per second per head worker; 0 = no limit.",
							"Beyond it every kad request but PING is refused (stream reset) until the rate drops.",
							&hydra_requests_per_second,
							0, 0, 10000000,
							PGC_SIGHUP,
							0,
							NULL, NULL, NULL);
	DefineCustomStringVariable("hydra.bootstrap_peers",
							   "Comma-separated multiaddrs (with /p2p/) the heads dial to join the DHT; empty = none.",
							   "The default is the public IPFS bootstrap list.",
							   &hydra_bootstrap_peers,
							   HYDRA_DEFAULT_BOOTSTRAP,
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
