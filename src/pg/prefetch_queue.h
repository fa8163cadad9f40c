/*
 * prefetch_queue.h — the prefetch queue and negative cache in shared
 * memory, shared by every head worker, the prefetch worker and the
 * backends that call hydra.fetch().
 *
 * A GET_PROVIDERS miss enqueues its key unless the key is already pending,
 * failed recently (negative cache, hydra.negative_cache_ttl) or the queue
 * (hydra.prefetch_queue_size) is full; each outcome is counted.  The
 * prefetch worker takes pending keys, looks them up and reports the
 * outcome, which wakes the backends waiting for that key.  One LWLock
 * guards it all: every operation is a bounded scan of fixed arrays.
 */
#ifndef HYDRA_PREFETCH_QUEUE_H
#define HYDRA_PREFETCH_QUEUE_H

#include "postgres.h"

#include "datatype/timestamp.h"

#include "pg/metrics.h"

/* Longest key (a multihash; the DHT server refuses longer ones) */
#define HYDRA_PREFETCH_KEY_MAX 80
/* Backends that may wait for the same key at once */
#define HYDRA_PREFETCH_WAITERS 8

/* What an enqueue did (also the index of its counter) */
typedef enum HydraPrefetchOutcome
{
	HYDRA_PF_ENQUEUED = 0,
	HYDRA_PF_ALREADY_PENDING,
	HYDRA_PF_FAILED_5MIN,		/* negative cache: failed less than 5 min ago */
	HYDRA_PF_FAILED_1H,			/* negative cache: failed earlier, within the TTL */
	HYDRA_PF_QUEUE_FULL,
	HYDRA_PF_DISABLED,			/* hydra.prefetch = off: not counted */
	HYDRA_PF_NOUTCOMES
} HydraPrefetchOutcome;

/* How a lookup ended (also the index of its counter) */
typedef enum HydraPrefetchResult
{
	HYDRA_PF_FOUND = 0,			/* providers found and stored */
	HYDRA_PF_EMPTY,				/* the network answered, nobody provides it */
	HYDRA_PF_ERROR,				/* no peer to ask, or every query failed */
	HYDRA_PF_TIMEOUT,			/* hydra.prefetch_timeout reached first */
	HYDRA_PF_NRESULTS
} HydraPrefetchResult;

/* GUCs */
extern bool hydra_prefetch_enabled;
extern int	hydra_prefetch_queue_size;
extern int	hydra_negative_cache_ttl;	/* seconds */
extern int	hydra_prefetch_concurrency;
extern int	hydra_prefetch_timeout; /* milliseconds */
extern char *hydra_delegated_routing_url;	/* '' = off */
extern int	hydra_delegated_routing_timeout;	/* milliseconds */

/* Where a lookup's outcome came from (per-source counters) */
typedef enum HydraPrefetchSource
{
	HYDRA_PF_SRC_DHT = 0,
	HYDRA_PF_SRC_DELEGATED,
	HYDRA_PF_NSOURCES
} HydraPrefetchSource;

/* GUCs, shared-memory hooks, the prefetch worker; called from _PG_init */
extern void hydra_prefetch_queue_init(void);

/* Register the prefetch worker (prefetch_worker.c) */
extern void hydra_prefetch_register_worker(void);

/* Enqueue key (a GET_PROVIDERS miss); what happened, counted */
extern HydraPrefetchOutcome hydra_prefetch_enqueue(const uint8 *key, int len);

/*
 * Enqueue or join key for a caller that waits (hydra.fetch): registers
 * MyProc's procno as a waiter.  Returns the outcome; *ticket identifies
 * the entry for hydra_prefetch_wait_done (0 = nothing to wait for).
 */
extern HydraPrefetchOutcome hydra_prefetch_join(const uint8 *key, int len, uint64 *ticket);

/*
 * True once the entry of ticket is finished (or gone); *found = stored so
 * far, *delegated = some of them came from delegated routing (also read
 * after the entry is gone, from a small ring of recent lookups).
 */
extern bool hydra_prefetch_ticket_done(uint64 ticket, int *found, bool *delegated);

/*
 * Prefetch worker: a running lookup stored providers (found in all);
 * delegated = some came from delegated routing.  Wakes its waiters.
 */
extern void hydra_prefetch_progress(uint64 ticket, int found, bool delegated);

/* Prefetch worker: count how one source of a lookup ended */
extern void hydra_prefetch_count_source(HydraPrefetchSource src, HydraPrefetchResult result);

/* Remove this backend from the waiters of ticket (on exit or error) */
extern void hydra_prefetch_leave(uint64 ticket);

/*
 * Prefetch worker: take the oldest pending key (marked running); its
 * length, or 0 when nothing is pending.  *ticket identifies it.
 */
extern int	hydra_prefetch_take(uint8 *key, uint64 *ticket);

/* What a finished lookup did, for the counters and the duration histogram */
typedef struct HydraPrefetchDone
{
	double		seconds;		/* from take to finish */
	uint64		queries;		/* DHT peers asked */
	uint64		answers;		/* of which answered */
	uint64		rt_updates;		/* answering peers added to / refreshed in
								 * the routing table */
} HydraPrefetchDone;

/* Prefetch worker: the lookup of ticket ended; wakes its waiters */
extern void hydra_prefetch_finish(uint64 ticket, HydraPrefetchResult result,
								  const HydraPrefetchDone *done);

/* Prefetch worker: hand back everything it was running (it is exiting) */
extern void hydra_prefetch_release_running(void);

/* Prefetch worker: its procno (-1 = gone), so enqueues can wake it */
extern void hydra_prefetch_set_worker(int procno);

/* Counters and gauges, for hydra.prefetch_stats() and hydra.status() */
typedef struct HydraPrefetchStats
{
	uint64		outcomes[HYDRA_PF_NOUTCOMES];
	uint64		results[HYDRA_PF_NRESULTS];
	uint64		source_results[HYDRA_PF_NSOURCES][HYDRA_PF_NRESULTS];
	uint64		queries;
	uint64		answers;
	uint64		rt_updates;
	HydraHistogram duration;	/* lookup seconds, take to finish */
	int64		pending;
	int64		running;
	int64		negative_cached;
	int32		capacity;		/* hydra.prefetch_queue_size */
} HydraPrefetchStats;
extern void hydra_prefetch_stats(HydraPrefetchStats *st);

#endif
