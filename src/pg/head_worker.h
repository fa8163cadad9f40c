/*
 * head_worker.h — a head inside a head worker, and the hooks through which
 * the DHT side (head_dht.c) follows the life of heads and connections.
 */
#ifndef HYDRA_HEAD_WORKER_H
#define HYDRA_HEAD_WORKER_H

#include "core/keys.h"
#include "net/conn.h"
#include "net/loop.h"

#include "pg/shmem.h"

typedef struct HydraHead
{
	int			head;			/* head number on this host */
	HydraHeadSlot *slot;		/* its shared-memory slot */
	hy_keypair	keypair;
	hy_host    *host;
	int			dht_head;		/* index in the DHT server, -1 before attach */
} HydraHead;

/* Set up the DHT side of a worker before its heads start */
extern void hydra_head_worker_init(hy_loop *loop, HydraHead *heads, int nheads);

/* Adjust a head's host configuration (protocols it announces) */
extern void hydra_head_configure(HydraHead *hh, hy_host_config *cfg);

/* Register the DHT's stream handlers on a new head's host */
extern void hydra_head_attach(HydraHead *hh);

/* Connection events of a head */
extern void hydra_head_conn_ready(HydraHead *hh, hy_conn *c);
extern void hydra_head_conn_identified(HydraHead *hh, hy_conn *c, int ok);
extern void hydra_head_conn_closed(HydraHead *hh, hy_conn *c);

/* Work after every loop pass (flushing write batches, timers) */
extern void hydra_head_worker_tick(hy_loop *loop);

/* How long the worker may sleep, given the loop's own timeout (-1 = none) */
extern int	hydra_head_worker_timeout(int loop_timeout_ms);

#endif
