/*
 * prefetch_queue.c — the prefetch queue and negative cache in shared
 * memory (see prefetch_queue.h).
 *
 * Sizes are fixed at start (hydra.prefetch_queue_size entries, four times
 * as many negative-cache slots), so a flood of misses can only move the
 * queue_full counter, never grow memory.  Every operation on the miss path
 * is O(1): keys are found through open-addressing indexes (core/slotindex),
 * free entries through a free list, the next key to look up through a
 * FIFO of tickets, and the negative cache is a ring in failure order, so
 * its oldest entry is at the head.  A ticket carries its entry's index.
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

#include "common/hashfn.h"

#include "core/slotindex.h"
#include "pg/prefetch_queue.h"

/* Negative-cache slots per queue slot */
#define NEG_PER_QUEUE 4
/* Ticket = sequence << TICKET_INDEX_BITS | entry index (capacity <= 100000) */
#define TICKET_INDEX_BITS 17
#define TICKET_INDEX_MASK ((UINT64CONST(1) << TICKET_INDEX_BITS) - 1)
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
	uint32		hash;			/* of the key, for the index */
	int32		next_free;		/* free list link */
	uint64		ticket;			/* unique, increasing: FIFO order and identity */
	int32		found;			/* providers stored so far by the running lookup */
	bool		delegated;		/* some of them came from delegated routing */
	int32		nwaiters;
	int32		waiters[HYDRA_PREFETCH_WAITERS];	/* procnos, -1 = free */
} PrefetchEntry;

typedef struct NegEntry
{
	uint8		key_len;		/* 0 = free (or superseded) */
	uint8		key[HYDRA_PREFETCH_KEY_MAX];
	uint32		hash;
	TimestampTz failed_at;
} NegEntry;

/* Finished lookups whose source a late waiter can still read */
#define PF_DONE_RING 256
/* by sequence, so the last PF_DONE_RING finished lookups are kept */
#define DONE_SLOT(t) (((t) >> TICKET_INDEX_BITS) % PF_DONE_RING)

typedef struct PrefetchShared
{
	LWLock		lock;
	int32		capacity;
	int32		neg_capacity;
	int32		worker_procno;	/* -1 = no prefetch worker */
	/* counters and the pending/running gauges, as hydra_prefetch_stats() reports them */
	HydraPrefetchStats st;
	/* recently finished lookups (DONE_SLOT): a waiter woken late still learns the source */
	uint64		done_ticket[PF_DONE_RING];
	bool		done_delegated[PF_DONE_RING];
	uint64		next_seq;		/* ticket sequence */
	int32		free_head;		/* first free entry, -1 = none */
	int32		fifo_head;		/* pending tickets, oldest first (ring) */
	int32		fifo_len;
	int32		neg_head;		/* oldest negative entry (ring) */
	int32		neg_len;
	uint32		qindex_npos;	/* positions of the two key indexes */
	uint32		nindex_npos;
	Size		qindex_offset;
	Size		fifo_offset;
	Size		neg_offset;
	Size		nindex_offset;
	PrefetchEntry entries[FLEXIBLE_ARRAY_MEMBER];
	/* then, at their offsets: int32 qindex[qindex_npos], uint64
	 * fifo[capacity], NegEntry neg[neg_capacity], int32 nindex[nindex_npos] */
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

/* The arrays after the entries */
#define QINDEX() ((int32 *) ((char *) pq + pq->qindex_offset))
#define FIFO() ((uint64 *) ((char *) pq + pq->fifo_offset))
#define NEG() ((NegEntry *) ((char *) pq + pq->neg_offset))
#define NINDEX() ((int32 *) ((char *) pq + pq->nindex_offset))

/* Where each array starts, and the total size, for a queue of capacity */
static Size
prefetch_layout(int capacity, Size *qindex, Size *fifo, Size *neg, Size *nindex)
{
	Size		off = MAXALIGN(add_size(offsetof(PrefetchShared, entries),
										mul_size(sizeof(PrefetchEntry), capacity)));

	*qindex = off;
	off = MAXALIGN(add_size(off, mul_size(sizeof(int32), hy_slotindex_positions(capacity))));
	*fifo = off;
	off = MAXALIGN(add_size(off, mul_size(sizeof(uint64), capacity)));
	*neg = off;
	off = MAXALIGN(add_size(off, mul_size(sizeof(NegEntry), mul_size(capacity, NEG_PER_QUEUE))));
	*nindex = off;
	return add_size(off, mul_size(sizeof(int32), hy_slotindex_positions(capacity * NEG_PER_QUEUE)));
}

/* Bytes of shared memory the queue and the negative cache need */
static Size
prefetch_shmem_size(void)
{
	Size		a,
				b,
				c,
				d;

	return prefetch_layout(hydra_prefetch_queue_size, &a, &b, &c, &d);
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
		pq->next_seq = 1;
		prefetch_layout(pq->capacity, &pq->qindex_offset, &pq->fifo_offset,
						&pq->neg_offset, &pq->nindex_offset);
		pq->qindex_npos = hy_slotindex_positions(pq->capacity);
		pq->nindex_npos = hy_slotindex_positions(pq->neg_capacity);
		hy_slotindex_init(QINDEX(), pq->qindex_npos);
		hy_slotindex_init(NINDEX(), pq->nindex_npos);
		for (int i = 0; i < pq->capacity; i++)
			pq->entries[i].next_free = i + 1 < pq->capacity ? i + 1 : -1;
		pq->free_head = 0;
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

/* The key being looked up, for the index callbacks */
typedef struct KeyProbe
{
	const uint8 *key;
	int			len;
} KeyProbe;

/* Whether queue entry slot holds the probed key */
static int
entry_matches(void *arg, int32_t slot)
{
	KeyProbe   *k = arg;
	PrefetchEntry *e = &pq->entries[slot];

	return e->key_len == k->len && memcmp(e->key, k->key, k->len) == 0;
}

/* Hash of queue entry slot's key */
static uint32_t
entry_hash(void *arg, int32_t slot)
{
	return pq->entries[slot].hash;
}

/* Whether negative slot holds the probed key */
static int
neg_matches(void *arg, int32_t slot)
{
	KeyProbe   *k = arg;
	NegEntry   *n = &NEG()[slot];

	return n->key_len == k->len && memcmp(n->key, k->key, k->len) == 0;
}

/* Hash of negative slot's key */
static uint32_t
neg_hash(void *arg, int32_t slot)
{
	return NEG()[slot].hash;
}

/* The queue entry holding key (hash h), or NULL (lock held) */
static PrefetchEntry *
find_entry(const uint8 *key, int len, uint32 h)
{
	KeyProbe	k = {key, len};
	hy_slotindex_ops ops = {entry_matches, entry_hash, &k};
	int32		slot = hy_slotindex_find(QINDEX(), pq->qindex_npos, h, &ops);

	return slot == HY_SLOTINDEX_EMPTY ? NULL : &pq->entries[slot];
}

/* The queue entry of ticket, or NULL (lock held) */
static PrefetchEntry *
find_ticket(uint64 ticket)
{
	uint64		idx = ticket & TICKET_INDEX_MASK;

	if (ticket == 0 || idx >= (uint64) pq->capacity)
		return NULL;
	if (pq->entries[idx].state == ENTRY_FREE || pq->entries[idx].ticket != ticket)
		return NULL;
	return &pq->entries[idx];
}

/* Free an entry: out of the key index, onto the free list (lock held) */
static void
free_entry(PrefetchEntry *e)
{
	int32		idx = (int32) (e - pq->entries);
	hy_slotindex_ops ops = {entry_matches, entry_hash, NULL};

	hy_slotindex_remove(QINDEX(), pq->qindex_npos, e->hash, idx, &ops);
	e->state = ENTRY_FREE;
	e->nwaiters = 0;
	e->next_free = pq->free_head;
	pq->free_head = idx;
}

/* Append a pending ticket to the FIFO (lock held; it has room for all entries) */
static void
fifo_push(uint64 ticket)
{
	if (pq->fifo_len >= pq->capacity)
	{
		/* only stale tickets can fill it: keep those still pending */
		int32		kept = 0;

		for (int32 i = 0; i < pq->fifo_len; i++)
		{
			uint64		t = FIFO()[(pq->fifo_head + i) % pq->capacity];
			PrefetchEntry *e = find_ticket(t);

			if (e != NULL && e->state == ENTRY_PENDING)
				FIFO()[(pq->fifo_head + kept++) % pq->capacity] = t;
		}
		pq->fifo_len = kept;
		if (kept >= pq->capacity)
			return;
	}
	FIFO()[(pq->fifo_head + pq->fifo_len) % pq->capacity] = ticket;
	pq->fifo_len++;
}

/* Drop the oldest negative entry (lock held) */
static void
neg_pop(void)
{
	NegEntry   *n = &NEG()[pq->neg_head];
	hy_slotindex_ops ops = {neg_matches, neg_hash, NULL};

	if (n->key_len != 0)
		hy_slotindex_remove(NINDEX(), pq->nindex_npos, n->hash, pq->neg_head, &ops);
	n->key_len = 0;
	pq->neg_head = (pq->neg_head + 1) % pq->neg_capacity;
	pq->neg_len--;
}

/* The live negative-cache slot of key (hash h), or NULL (lock held) */
static NegEntry *
find_negative(const uint8 *key, int len, uint32 h, TimestampTz now)
{
	KeyProbe	k = {key, len};
	hy_slotindex_ops ops = {neg_matches, neg_hash, &k};
	int32		slot = hy_slotindex_find(NINDEX(), pq->nindex_npos, h, &ops);
	TimestampTz oldest_live = now - (TimestampTz) hydra_negative_cache_ttl * USECS_PER_SEC;

	if (slot == HY_SLOTINDEX_EMPTY || NEG()[slot].failed_at <= oldest_live)
		return NULL;
	return &NEG()[slot];
}

/*
 * Remember a failed key at the ring's tail (failure order), dropping an
 * earlier entry of the same key and, when full, the oldest entry.
 */
static void
add_negative(const uint8 *key, int len, uint32 h, TimestampTz now)
{
	KeyProbe	k = {key, len};
	hy_slotindex_ops ops = {neg_matches, neg_hash, &k};
	int32		old,
				slot;
	NegEntry   *n;

	if (hydra_negative_cache_ttl <= 0 || pq->neg_capacity <= 0)
		return;
	old = hy_slotindex_find(NINDEX(), pq->nindex_npos, h, &ops);
	if (old != HY_SLOTINDEX_EMPTY)
	{
		/* superseded: its ring position stays, empty, until popped */
		hy_slotindex_remove(NINDEX(), pq->nindex_npos, h, old, &ops);
		NEG()[old].key_len = 0;
	}
	if (pq->neg_len >= pq->neg_capacity)
		neg_pop();
	slot = (pq->neg_head + pq->neg_len) % pq->neg_capacity;
	n = &NEG()[slot];
	n->key_len = (uint8) len;
	memcpy(n->key, key, len);
	n->hash = h;
	n->failed_at = now;
	pq->neg_len++;
	hy_slotindex_insert(NINDEX(), pq->nindex_npos, h, slot);
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
	uint32		h = hash_bytes(key, len);
	PrefetchEntry *e;
	NegEntry   *neg;
	int32		idx;

	e = find_entry(key, len, h);
	if (e != NULL)
	{
		if (procno >= 0 && add_waiter(e, procno))
			*ticket = e->ticket;
		return HYDRA_PF_ALREADY_PENDING;
	}
	neg = find_negative(key, len, h, now);
	if (neg != NULL)
		return now - neg->failed_at < FAILED_RECENT_US ? HYDRA_PF_FAILED_5MIN : HYDRA_PF_FAILED_1H;
	if ((idx = pq->free_head) < 0)
		return HYDRA_PF_QUEUE_FULL;
	e = &pq->entries[idx];
	pq->free_head = e->next_free;
	e->state = ENTRY_PENDING;
	e->key_len = (uint8) len;
	memcpy(e->key, key, len);
	e->hash = h;
	e->ticket = (pq->next_seq++ << TICKET_INDEX_BITS) | (uint64) idx;
	e->found = 0;
	e->delegated = false;
	e->nwaiters = 0;
	hy_slotindex_insert(QINDEX(), pq->qindex_npos, h, idx);
	fifo_push(e->ticket);
	if (procno >= 0 && add_waiter(e, procno))
		*ticket = e->ticket;
	pq->st.pending++;
	return HYDRA_PF_ENQUEUED;
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
	pq->st.outcomes[o]++;
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
	else if (pq->done_ticket[DONE_SLOT(ticket)] == ticket)
		*delegated = pq->done_delegated[DONE_SLOT(ticket)];
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
	/* the oldest ticket still pending (stale ones are skipped) */
	while (best == NULL && pq->fifo_len > 0)
	{
		PrefetchEntry *e = find_ticket(FIFO()[pq->fifo_head]);

		pq->fifo_head = (pq->fifo_head + 1) % pq->capacity;
		pq->fifo_len--;
		if (e != NULL && e->state == ENTRY_PENDING)
			best = e;
	}
	if (best != NULL)
	{
		best->state = ENTRY_RUNNING;
		pq->st.pending--;
		pq->st.running++;
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
	pq->st.results[result]++;
	pq->st.queries += done->queries;
	pq->st.answers += done->answers;
	pq->st.rt_updates += done->rt_updates;
	hydra_hist_add(&pq->st.duration, hydra_hist_bounds(HYDRA_HIST_STORE_GET_PROVIDERS), done->seconds);
	e = find_ticket(ticket);
	if (e != NULL)
	{
		if (result != HYDRA_PF_FOUND)
			add_negative(e->key, e->key_len, e->hash, GetCurrentTimestamp());
		pq->done_ticket[DONE_SLOT(ticket)] = ticket;
		pq->done_delegated[DONE_SLOT(ticket)] = e->delegated;
		if (e->state == ENTRY_RUNNING)
			pq->st.running--;
		else
			pq->st.pending--;
		nwaiters = e->nwaiters;
		memcpy(waiters, e->waiters, sizeof(int32) * nwaiters);
		free_entry(e);
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
	pq->st.source_results[src][result]++;
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
			pq->st.running--;
			pq->st.pending++;
			fifo_push(pq->entries[i].ticket);
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

/*
 * Live negative entries: the ring is in failure order, so the expired ones
 * are a prefix; binary search for where the live ones begin.  (A position
 * left empty by a key that failed again is expired: a key in the cache is
 * not looked up again until its entry has expired.)
 */
static int64
count_live_negative(TimestampTz oldest_live)
{
	int32		lo = 0,
				hi = pq->neg_len;

	while (lo < hi)
	{
		int32		mid = lo + (hi - lo) / 2;

		if (NEG()[(pq->neg_head + mid) % pq->neg_capacity].failed_at <= oldest_live)
			lo = mid + 1;
		else
			hi = mid;
	}
	return pq->neg_len - lo;
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
	*st = pq->st;
	st->capacity = pq->capacity;
	st->negative_cached = count_live_negative(oldest_live);
	LWLockRelease(&pq->lock);
}
