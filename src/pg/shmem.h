/*
 * shmem.h — hydra's shared memory: the head registry and the swarm table
 * that the SQL functions read, written by the head workers.
 */
#ifndef HYDRA_SHMEM_H
#define HYDRA_SHMEM_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "port/atomics.h"
#include "storage/lwlock.h"

/* Most head workers (each a process with its own event loop) */
#define HYDRA_MAX_HEAD_WORKERS 32
/* Listen addresses recorded per head (text multiaddrs) */
#define HYDRA_HEAD_ADDRS 4
#define HYDRA_ADDR_TEXT 96
#define HYDRA_PEER_TEXT 64
/* Bootstrap addresses resolved from /dnsaddr/ entries by the launcher */
#define HYDRA_BOOTSTRAP_MAX 32
#define HYDRA_BOOTSTRAP_TEXT 192

/* Connections listed per head worker in the swarm table */
#define HYDRA_SWARM_PER_WORKER 4096

typedef struct HydraHeadSlot
{
	int32		head;			/* head number on this host */
	int32		worker;			/* head worker hosting it, -1 = none yet */
	int64		idx;			/* id number in the seed's sequence */
	char		peer_id[HYDRA_PEER_TEXT];
	uint16		port;			/* bound port, kept for restarts */
	int32		naddrs;
	char		addrs[HYDRA_HEAD_ADDRS][HYDRA_ADDR_TEXT];
	pg_atomic_uint32 connections;
	TimestampTz started_at;		/* 0 = not running */
} HydraHeadSlot;

typedef struct HydraSwarmEntry
{
	int32		head;			/* -1 = free */
	bool		inbound;
	char		peer_id[HYDRA_PEER_TEXT];
	char		addr[HYDRA_ADDR_TEXT];
} HydraSwarmEntry;

typedef struct HydraWorkerSlot
{
	pid_t		pid;			/* 0 = not running */
	TimestampTz started_at;
	LWLock		lock;			/* guards swarm[] of this worker */
	int32		swarm_used;		/* high-water mark of swarm[] */
	HydraSwarmEntry swarm[HYDRA_SWARM_PER_WORKER];
} HydraWorkerSlot;

typedef struct HydraShared
{
	LWLock		lock;			/* guards heads[] and the launcher fields */
	pid_t		launcher_pid;
	bool		heads_ready;	/* launcher filled heads[] (idx, peer_id, worker) */
	pg_atomic_uint32 rt_size;	/* peers in the shared routing table */
	pg_atomic_uint32 bootstrap_gen; /* bumped when bootstrap[] changes */
	int32		nbootstrap;		/* resolved /dnsaddr/ bootstrap addresses */
	char		bootstrap[HYDRA_BOOTSTRAP_MAX][HYDRA_BOOTSTRAP_TEXT];
	int32		nheads;			/* hydra.nheads at start */
	int32		nworkers;		/* hydra.head_workers at start */
	Size		workers_offset; /* HydraWorkerSlot[nworkers] after heads[] */
	Size		rt_offset;		/* the shared routing table after the workers */
	LWLock		rt_lock;		/* guards the routing table */
	HydraHeadSlot heads[FLEXIBLE_ARRAY_MEMBER];
} HydraShared;

extern HydraShared *hydra_shared;

/* The shared routing table (a hy_rtable; src/dht/rtable.h) */
static inline void *
hydra_rtable_mem(void)
{
	return (char *) hydra_shared + hydra_shared->rt_offset;
}

/* Peers in the shared routing table */
static inline int
hydra_routing_table_size(void)
{
	return (int) pg_atomic_read_u32(&hydra_shared->rt_size);
}

/* The slot of head worker w (0 <= w < nworkers) */
static inline HydraWorkerSlot *
hydra_worker_slot(int w)
{
	return (HydraWorkerSlot *) ((char *) hydra_shared + hydra_shared->workers_offset) + w;
}

/* Install the shared-memory hooks; called from _PG_init */
extern void hydra_shmem_init(void);

#endif
