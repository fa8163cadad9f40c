/*
 * prefetch_queue.c — the prefetch queue and negative cache in shared
 * memory (see prefetch_queue.h).
 *
 * Sizes are fixed at start (hydra.prefetch_queue_size entries, four times
 * as many negative-cache slots), so a flood of misses can only move the
 * queue_full counter, never grow memory.
 */
#include "postgres.h"

#include <limits.h>

#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "pg/prefetch_queue.h"

/* Negative-cache slots per queue slot */
#define NEG_PER_QUEUE 4
/* The first category of recent failures (the original's operators' split) */
#define FAILED_RECENT_US (5 * 60 * USECS_PER_SEC)

typedef enum EntryState
{
	ENTRY_FREE = 0,
	ENTRY_PENDING,
	ENTRY_RUNNING
} EntryState;

typedef struct PrefetchEntry
{
	uint8		state;
	uint8		key_len;
	uint8		key[HYDRA_PREFETCH_KEY_MAX];
	uint64		ticket;			/* unique, increasing: FIFO order and identity */
	int32		found;			/* providers stored so far by the running lookup */
	bool		delegated;		/* some of them came from delegated routing */
	int32		nwaiters;
	int32		waiters[HYDRA_PREFETCH_WAITERS];	/* procnos, -1 = free */
} PrefetchEntry;

typedef struct NegEntry
{
	uint8		key_len;		/* 0 = free */
	uint8		key[HYDRA_PREFETCH_KEY_MAX];
	TimestampTz failed_at;
} NegEntry;

/* Finished lookups whose source a late waiter can still read */
#define PF_DONE_RING 256

typedef struct PrefetchShared
{
	LWLock		lock;
	int32		capacity;
	int32		neg_capacity;
	int32		worker_procno;	/* -1 = no prefetch worker */
	uint64		next_ticket;
	int64		pending;
	int64		running;
	uint64		outcomes[HYDRA_PF_NOUTCOMES];
	uint64		results[HYDRA_PF_NRESULTS];
	uint64		source_results[HYDRA_PF_NSOURCES][HYDRA_PF_NRESULTS];
	uint64		queries;
	uint64		answers;
	uint64		rt_updates;
	HydraHistogram duration;
	/* recently finished lookups (ticket % size): a waiter woken late still learns the source */
	uint64		done_ticket[PF_DONE_RING];
	bool		done_delegated[PF_DONE_RING];
	Size		neg_offset;
	PrefetchEntry entries[FLEXIBLE_ARRAY_MEMBER];
	/* NegEntry neg[neg_capacity] at neg_offset */
} PrefetchShared;

bool		hydra_prefetch_enabled = true;
int			hydra_prefetch_queue_size = 1000;
int			hydra_negative_cache_ttl = 3600;
int			hydra_prefetch_concurrency = 16;
int			hydra_prefetch_timeout = 5000;
char	   *hydra_delegated_routing_url = NULL;
int			hydra_delegated_routing_timeout = 1000;

static PrefetchShared *pq = NULL;
static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* The negative cache slots */
static inline NegEntry *
neg_slots(void)
{
	return (NegEntry *) ((char *) pq + pq->neg_offset);
}

/* Offset of the negative cache: after the queue entries, aligned */
static Size
neg_offset(void)
{
	return MAXALIGN(add_size(offsetof(PrefetchShared, entries),
							 mul_size(sizeof(PrefetchEntry), hydra_prefetch_queue_size)));
}

/* Bytes of shared memory the queue and the negative cache need */
static Size
prefetch_shmem_size(void)
{
	return add_size(neg_offset(),
					mul_size(sizeof(NegEntry),
							 mul_size(hydra_prefetch_queue_size, NEG_PER_QUEUE)));
}

/* Ask the postmaster for the queue's shared memory */
static void
prefetch_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(prefetch_shmem_size());
}

/* Create or attach to the queue */
static void
prefetch_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	pq = ShmemInitStruct("hydra prefetch", prefetch_shmem_size(), &found);
	if (!found)
	{
		memset(pq, 0, prefetch_shmem_size());
		LWLockInitialize(&pq->lock, LWLockNewTrancheId());
		pq->capacity = hydra_prefetch_queue_size;
		pq->neg_capacity = hydra_prefetch_queue_size * NEG_PER_QUEUE;
		pq->worker_procno = -1;
		pq->next_ticket = 1;
		pq->neg_offset = neg_offset();
	}
	LWLockRelease(AddinShmemInitLock);
	LWLockRegisterTranche(pq->lock.tranche, "hydra_prefetch");
}

/* Register the prefetch GUCs and the shared-memory hooks */
void
hydra_prefetch_queue_init(void)
{
	DefineCustomBoolVariable("hydra.prefetch",
							 "Look up the providers of GET_PROVIDERS misses on the DHT.",
							 "Off: misses are only answered; hydra.fetch() reads the store only.",
							 &hydra_prefetch_enabled, true,
							 PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hydra.prefetch_queue_size",
							"Keys waiting for a prefetch lookup, at most.",
							"A miss beyond it is counted as queue_full and dropped.",
							&hydra_prefetch_queue_size, 1000, 1, 100000,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hydra.negative_cache_ttl",
							"How long a key whose lookup failed or found nothing is not looked up again.",
							NULL,
							&hydra_negative_cache_ttl, 3600, 0, 7 * 24 * 3600,
							PGC_SIGHUP, GUC_UNIT_S, NULL, NULL, NULL);
	DefineCustomIntVariable("hydra.prefetch_concurrency",
							"Prefetch lookups in flight at once.",
							"0 = keys are queued and counted but not looked up.",
							&hydra_prefetch_concurrency, 16, 0, 256,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hydra.prefetch_timeout",
							"Time limit of one prefetch lookup.",
							NULL,
							&hydra_prefetch_timeout, 5000, 100, 300000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomStringVariable("hydra.delegated_routing_url",
							   "Delegated Routing V1 HTTP endpoint queried with every prefetch lookup.",
							   "Base URL (http or https) before /routing/v1; empty = off.",
							   &hydra_delegated_routing_url, "",
							   PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("hydra.delegated_routing_timeout",
							"Time limit of one delegated routing request.",
							NULL,
							&hydra_delegated_routing_timeout, 1000, 100, 60000,
							PGC_SIGHUP, GUC_UNIT_MS, NULL, NULL, NULL);

	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = prefetch_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = prefetch_shmem_startup;
	if (hydra_prefetch_enabled)
		hydra_prefetch_register_worker();
}

/* The queue entry holding key, or NULL (lock held) */
static PrefetchEntry *
find_entry(const uint8 *key, int len)
{
	for (int i = 0; i < pq->capacity; i++)
	{
		PrefetchEntry *e = &pq->entries[i];

		if (e->state != ENTRY_FREE && e->key_len == len && memcmp(e->key, key, len) == 0)
			return e;
	}
	return NULL;
}

/* The queue entry of ticket, or NULL (lock held) */
static PrefetchEntry *
find_ticket(uint64 ticket)
{
	for (int i = 0; i < pq->capacity; i++)
		if (pq->entries[i].state != ENTRY_FREE && pq->entries[i].ticket == ticket)
			return &pq->entries[i];
	return NULL;
}

/* The live negative-cache slot of key, or NULL (lock held) */
static NegEntry *
find_negative(const uint8 *key, int len, TimestampTz now)
{
	NegEntry   *neg = neg_slots();
	TimestampTz oldest_live = now - (TimestampTz) hydra_negative_cache_ttl * USECS_PER_SEC;

	for (int i = 0; i < pq->neg_capacity; i++)
		if (neg[i].key_len == len && neg[i].failed_at > oldest_live &&
			memcmp(neg[i].key, key, len) == 0)
			return &neg[i];
	return NULL;
}

/* Remember a failed key: its own slot, a free or expired one, else the oldest */
static void
add_negative(const uint8 *key, int len, TimestampTz now)
{
	NegEntry   *neg = neg_slots();
	NegEntry   *reuse = NULL;
	NegEntry   *oldest = NULL;
	TimestampTz oldest_live = now - (TimestampTz) hydra_negative_cache_ttl * USECS_PER_SEC;

	if (hydra_negative_cache_ttl <= 0 || pq->neg_capacity <= 0)
		return;
	for (int i = 0; i < pq->neg_capacity; i++)
	{
		if (neg[i].key_len == len && memcmp(neg[i].key, key, len) == 0)
		{
			reuse = &neg[i];
			break;
		}
		if (reuse == NULL && (neg[i].key_len == 0 || neg[i].failed_at <= oldest_live))
			reuse = &neg[i];
		if (oldest == NULL || neg[i].failed_at < oldest->failed_at)
			oldest = &neg[i];
	}
	if (reuse == NULL)
		reuse = oldest;
	reuse->key_len = (uint8) len;
	memcpy(reuse->key, key, len);
	reuse->failed_at = now;
}

/* Add procno to an entry's waiters; false when all seats are taken */
static bool
add_waiter(PrefetchEntry *e, int procno)
{
	for (int i = 0; i < e->nwaiters; i++)
		if (e->waiters[i] == procno)
			return true;
	if (e->nwaiters >= HYDRA_PREFETCH_WAITERS)
		return false;
	e->waiters[e->nwaiters++] = procno;
	return true;
}

/*
 * The common path of enqueue and join: dedup, negative cache, capacity.
 * With procno >= 0 the caller becomes a waiter of the entry.
 */
static HydraPrefetchOutcome
enqueue_locked(const uint8 *key, int len, int procno, uint64 *ticket)
{
	TimestampTz now = GetCurrentTimestamp();
	PrefetchEntry *e;
	NegEntry   *neg;

	e = find_entry(key, len);
	if (e != NULL)
	{
		if (procno >= 0 && add_waiter(e, procno))
			*ticket = e->ticket;
		return HYDRA_PF_ALREADY_PENDING;
	}
	neg = find_negative(key, len, now);
	if (neg != NULL)
		return now - neg->failed_at < FAILED_RECENT_US ? HYDRA_PF_FAILED_5MIN : HYDRA_PF_FAILED_1H;
	for (int i = 0; i < pq->capacity; i++)
	{
		e = &pq->entries[i];
		if (e->state != ENTRY_FREE)
			continue;
		e->state = ENTRY_PENDING;
		e->key_len = (uint8) len;
		memcpy(e->key, key, len);
		e->ticket = pq->next_ticket++;
		e->found = 0;
		e->delegated = false;
		e->nwaiters = 0;
		if (procno >= 0 && add_waiter(e, procno))
			*ticket = e->ticket;
		pq->pending++;
		return HYDRA_PF_ENQUEUED;
	}
	return HYDRA_PF_QUEUE_FULL;
}

/* Wake the prefetch worker, if one is running */
static void
wake_worker(int procno)
{
	if (procno >= 0 && procno < (int) ProcGlobal->allProcCount)
		SetLatch(&ProcGlobal->allProcs[procno].procLatch);
}

/* Enqueue or join key; counted; the caller waits on ticket if non-zero */
static HydraPrefetchOutcome
enqueue(const uint8 *key, int len, int procno, uint64 *ticket)
{
	HydraPrefetchOutcome o;
	int			worker;

	*ticket = 0;
	if (!hydra_prefetch_enabled || pq == NULL)
		return HYDRA_PF_DISABLED;
	if (len <= 0 || len > HYDRA_PREFETCH_KEY_MAX)
		return HYDRA_PF_QUEUE_FULL;
	LWLockAcquire(&pq->lock, LW_EXCLUSIVE);
	o = enqueue_locked(key, len, procno, ticket);
	pq->outcomes[o]++;
	worker = pq->worker_procno;
	LWLockRelease(&pq->lock);
	if (o == HYDRA_PF_ENQUEUED)
		wake_worker(worker);
	return o;
}

/* Enqueue a GET_PROVIDERS miss */
HydraPrefetchOutcome
hydra_prefetch_enqueue(const uint8 *key, int len)
{
	uint64		ticket;

	return enqueue(key, len, -1, &ticket);
}

/* Enqueue or join key as a waiter (hydra.fetch) */
HydraPrefetchOutcome
hydra_prefetch_join(const uint8 *key, int len, uint64 *ticket)
{
	return enqueue(key, len, MyProc->pgprocno, ticket);
}

/* True once ticket's lookup has ended; *found = providers stored so far */
bool
hydra_prefetch_ticket_done(uint64 ticket, int *found, bool *delegated)
{
	PrefetchEntry *e;
	bool		done;

	*found = 0;
	*delegated = false;
	if (ticket == 0 || pq == NULL)
		return true;
	LWLockAcquire(&pq->lock, LW_SHARED);
	e = find_ticket(ticket);
	done = e == NULL;
	if (e != NULL)
	{
		*found = e->found;
		*delegated = e->delegated;
	}
	else if (pq->done_ticket[ticket % PF_DONE_RING] == ticket)
		*delegated = pq->done_delegated[ticket % PF_DONE_RING];
	LWLockRelease(&pq->lock);
	return done;
}

/* The running lookup of ticket has stored found providers: wake its waiters */
void
hydra_prefetch_progress(uint64 ticket, int found, bool delegated)
{
	PrefetchEntry *e;
	int			waiters[HYDRA_PREFETCH_WAITERS];
	int			nwaiters = 0;

	LWLockAcquire(&pq->lock, LW_EXCLUSIVE);
	e = find_ticket(ticket);
	if (e != NULL)
	{
		e->found = found;
		e->delegated |= delegated;
		nwaiters = e->nwaiters;
		memcpy(waiters, e->waiters, sizeof(int32) * nwaiters);
	}
	LWLockRelease(&pq->lock);
	for (int i = 0; i < nwaiters; i++)
		wake_worker(waiters[i]);
}

/* Stop waiting for ticket: free our seat for another backend */
void
hydra_prefetch_leave(uint64 ticket)
{
	PrefetchEntry *e;

	if (ticket == 0 || pq == NULL)
		return;
	LWLockAcquire(&pq->lock, LW_EXCLUSIVE);
	e = find_ticket(ticket);
	if (e != NULL)
		for (int i = 0; i < e->nwaiters; i++)
			if (e->waiters[i] == MyProc->pgprocno)
			{
				e->waiters[i] = e->waiters[--e->nwaiters];
				break;
			}
	LWLockRelease(&pq->lock);
}

/* Take the oldest pending key for a lookup */
int
hydra_prefetch_take(uint8 *key, uint64 *ticket)
{
	PrefetchEntry *best = NULL;
	int			len = 0;

	LWLockAcquire(&pq->lock, LW_EXCLUSIVE);
	if (pq->pending > 0)
		for (int i = 0; i < pq->capacity; i++)
			if (pq->entries[i].state == ENTRY_PENDING &&
				(best == NULL || pq->entries[i].ticket < best->ticket))
				best = &pq->entries[i];
	if (best != NULL)
	{
		best->state = ENTRY_RUNNING;
		pq->pending--;
		pq->running++;
		len = best->key_len;
		memcpy(key, best->key, len);
		*ticket = best->ticket;
	}
	LWLockRelease(&pq->lock);
	return len;
}

/* A lookup ended: count it, cache a failure, free the entry, wake waiters */
void
hydra_prefetch_finish(uint64 ticket, HydraPrefetchResult result, const HydraPrefetchDone *done)
{
	PrefetchEntry *e;
	int			waiters[HYDRA_PREFETCH_WAITERS];
	int			nwaiters = 0;

	LWLockAcquire(&pq->lock, LW_EXCLUSIVE);
	pq->results[result]++;
	pq->queries += done->queries;
	pq->answers += done->answers;
	pq->rt_updates += done->rt_updates;
	hydra_hist_add(&pq->duration, hydra_hist_bounds(HYDRA_HIST_STORE_GET_PROVIDERS), done->seconds);
	e = find_ticket(ticket);
	if (e != NULL)
	{
		if (result != HYDRA_PF_FOUND)
			add_negative(e->key, e->key_len, GetCurrentTimestamp());
		pq->done_ticket[ticket % PF_DONE_RING] = ticket;
		pq->done_delegated[ticket % PF_DONE_RING] = e->delegated;
		if (e->state == ENTRY_RUNNING)
			pq->running--;
		else
			pq->pending--;
		nwaiters = e->nwaiters;
		memcpy(waiters, e->waiters, sizeof(int32) * nwaiters);
		e->state = ENTRY_FREE;
		e->nwaiters = 0;
	}
	LWLockRelease(&pq->lock);
	for (int i = 0; i < nwaiters; i++)
		wake_worker(waiters[i]);
}

/* Count how one source (DHT, delegated routing) of a lookup ended */
void
hydra_prefetch_count_source(HydraPrefetchSource src, HydraPrefetchResult result)
{
	LWLockAcquire(&pq->lock, LW_EXCLUSIVE);
	pq->source_results[src][result]++;
	LWLockRelease(&pq->lock);
}

/* The exiting worker's running keys become pending again */
void
hydra_prefetch_release_running(void)
{
	if (pq == NULL)
		return;
	LWLockAcquire(&pq->lock, LW_EXCLUSIVE);
	for (int i = 0; i < pq->capacity; i++)
		if (pq->entries[i].state == ENTRY_RUNNING)
		{
			pq->entries[i].state = ENTRY_PENDING;
			pq->running--;
			pq->pending++;
		}
	pq->worker_procno = -1;
	LWLockRelease(&pq->lock);
}

/* Record the prefetch worker's procno for wake-ups */
void
hydra_prefetch_set_worker(int procno)
{
	LWLockAcquire(&pq->lock, LW_EXCLUSIVE);
	pq->worker_procno = procno;
	LWLockRelease(&pq->lock);
}

/* Copy the counters and gauges */
void
hydra_prefetch_stats(HydraPrefetchStats *st)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz oldest_live = now - (TimestampTz) hydra_negative_cache_ttl * USECS_PER_SEC;

	memset(st, 0, sizeof(*st));
	if (pq == NULL)
		return;
	LWLockAcquire(&pq->lock, LW_SHARED);
	memcpy(st->outcomes, pq->outcomes, sizeof(st->outcomes));
	memcpy(st->results, pq->results, sizeof(st->results));
	memcpy(st->source_results, pq->source_results, sizeof(st->source_results));
	st->queries = pq->queries;
	st->answers = pq->answers;
	st->rt_updates = pq->rt_updates;
	st->duration = pq->duration;
	st->capacity = pq->capacity;
	st->pending = pq->pending;
	st->running = pq->running;
	for (int i = 0; i < pq->neg_capacity; i++)
		if (neg_slots()[i].key_len != 0 && neg_slots()[i].failed_at > oldest_live)
			st->negative_cached++;
	LWLockRelease(&pq->lock);
}
