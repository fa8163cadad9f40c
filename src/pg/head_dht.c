/*
 * head_dht.c — the DHT side of the head workers.
 *
 * This release serves identify and ping on every head; the Kademlia server
 * (/ipfs/kad/1.0.0 over the shared store and routing table) attaches here.
 * Until it does, heads do not announce the kad protocol: a peer that saw it
 * would send requests we cannot answer.
 */
#include "postgres.h"

#include "pg/head_worker.h"

/* Set up the DHT side of a worker before its heads start */
void
hydra_head_worker_init(hy_loop *loop, HydraHead *heads, int nheads)
{
	(void) loop;
	(void) heads;
	(void) nheads;
}

/* Adjust a head's host configuration */
void
hydra_head_configure(HydraHead *hh, hy_host_config *cfg)
{
	(void) hh;
	(void) cfg;
}

/* Register the DHT's stream handlers on a new head's host */
void
hydra_head_attach(HydraHead *hh)
{
	(void) hh;
}

/* A head's connection is upgraded */
void
hydra_head_conn_ready(HydraHead *hh, hy_conn *c)
{
	(void) hh;
	(void) c;
}

/* A head's connection finished identify */
void
hydra_head_conn_identified(HydraHead *hh, hy_conn *c, int ok)
{
	(void) hh;
	(void) c;
	(void) ok;
}

/* A head's connection closed */
void
hydra_head_conn_closed(HydraHead *hh, hy_conn *c)
{
	(void) hh;
	(void) c;
}

/* Work after every loop pass */
void
hydra_head_worker_tick(hy_loop *loop)
{
	(void) loop;
}
