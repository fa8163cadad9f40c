/*
 * rtable.h — the one routing table of all heads: known DHT servers,
 * bucketed by the leading bits of their Kademlia id.
 *
 * It lives in a caller-provided block of memory (PostgreSQL shared memory)
 * and holds no pointers, only fixed arrays and indices, so every process
 * can map it anywhere.  The caller does the locking: readers (closest,
 * find, size, entry_at) under a shared lock, everything else exclusive.
 *
 * Layout: 2^bits buckets; bucket b holds the peers whose Kademlia id
 * starts with the bits of b, in k active slots plus `replacements` slots
 * of replacement cache.  See src/dht/README.md for why the table is
 * bucketed by prefix rather than by distance to one node.
 */
#ifndef HY_DHT_RTABLE_H
#define HY_DHT_RTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/peerid.h"
#include "dht/addrs.h"
#include "dht/kadid.h"

#define HY_RT_MAX_BITS 12
#define HY_RT_MAX_K 64
#define HY_RT_MAX_REPLACEMENTS 16

/* Results of hy_rtable_update */
#define HY_RT_ADDED 1			/* now an active entry */
#define HY_RT_UPDATED 2			/* was active; addresses and liveness refreshed */
#define HY_RT_CACHED 3			/* bucket full: kept in the replacement cache */

/* Entry flags */
#define HY_RT_FLAG_HEAD 1		/* one of our own heads: never checked or evicted */

/* Entry states */
#define HY_RT_FREE 0
#define HY_RT_ACTIVE 1
#define HY_RT_REPLACEMENT 2

typedef struct hy_rt_entry
{
	uint8_t		kad_id[HY_KADID_LEN];
	uint8_t		peer_id[HY_PEER_ID_MAX];
	uint8_t		peer_id_len;
	uint8_t		state;
	uint8_t		failed;			/* consecutive failed liveness checks */
	uint8_t		flags;
	uint64_t	added_ms;
	uint64_t	last_seen_ms;	/* last successful contact */
	uint64_t	last_check_ms;	/* last time handed out for a check */
	hy_addrset	addrs;
} hy_rt_entry;

typedef struct hy_rtable_config
{
	int			bits;			/* prefix bits: 2^bits buckets (0..12; default 7) */
	int			k;				/* bucket size, hydra.bucket_size (default 20) */
	int			replacements;	/* replacement slots per bucket (default 4) */
	int			max_failures;	/* failed checks before eviction (default 3) */
	int			allow_private;	/* keep loopback/private addresses */
} hy_rtable_config;

typedef struct hy_rtable_stats
{
	uint64_t	added;
	uint64_t	updated;
	uint64_t	cached;
	uint64_t	rejected;		/* invalid id or no dialable address */
	uint64_t	evicted;		/* after failed checks or to make room */
	uint64_t	promoted;		/* replacement -> active */
	uint64_t	removed;
} hy_rtable_stats;

typedef struct hy_rtable
{
	uint32_t	magic;
	uint32_t	nbuckets;
	uint32_t	slots;			/* per bucket: k + replacements */
	uint32_t	count;			/* active entries */
	uint32_t	ncached;		/* replacement entries */
	uint32_t	cursor;			/* next slot for liveness checks */
	uint64_t	generation;		/* bumped on every change */
	hy_rtable_config cfg;
	hy_rtable_stats st;
	hy_rt_entry entries[];		/* nbuckets * slots */
} hy_rtable;

/* Fill defaults into zero fields and clamp the rest */
void		hy_rtable_config_defaults(hy_rtable_config *cfg);

/* Bytes needed for a table with this config (after defaults) */
size_t		hy_rtable_mem_size(const hy_rtable_config *cfg);

/*
 * Format a table in mem (size bytes, 8-byte aligned).  Returns the table
 * (== mem) or NULL if size is too small.
 */
hy_rtable  *hy_rtable_init(void *mem, size_t size, const hy_rtable_config *cfg);

/* Check that mem holds a formatted table (attach from another process) */
hy_rtable  *hy_rtable_attach(void *mem);

/*
 * Add or refresh a DHT server that we have just talked to (identify listed
 * the kad protocol, or it answered a request).  Addresses are filtered
 * again with the table's allow_private; at least one TCP address must
 * remain.  Returns HY_RT_ADDED, HY_RT_UPDATED, HY_RT_CACHED, or
 * HY_ERR_INVALID (bad peer id, no dialable address).
 */
int			hy_rtable_update(hy_rtable *rt, const uint8_t *peer_id, size_t len,
							 const hy_addrset *addrs, uint64_t now_ms, int flags);

/* A check succeeded: reset failures, refresh last_seen; 0 or HY_ERR_INVALID if unknown */
int			hy_rtable_touch(hy_rtable *rt, const uint8_t *peer_id, size_t len,
							uint64_t now_ms);

/*
 * A check failed: count it; at max_failures the entry is evicted and the
 * freshest replacement promoted.  Returns 1 if evicted, 0 if kept,
 * HY_ERR_INVALID if unknown.
 */
int			hy_rtable_mark_failed(hy_rtable *rt, const uint8_t *peer_id, size_t len);

/* Remove a peer (active or cached); 1 if removed, 0 if unknown */
int			hy_rtable_remove(hy_rtable *rt, const uint8_t *peer_id, size_t len);

/* Copy the entry of a peer; 1 if found (active or cached), 0 if not */
int			hy_rtable_find(const hy_rtable *rt, const uint8_t *peer_id, size_t len,
						   hy_rt_entry *out);

/* A peer id to leave out of closest() */
typedef struct hy_rt_exclude
{
	const uint8_t *id;
	size_t		len;
} hy_rt_exclude;

/*
 * Copy the (at most max) active entries closest to target by XOR
 * distance, closest first, skipping the excluded peer ids.  Exact: whole
 * buckets are scanned in order of their prefix distance until enough
 * candidates are in.  Returns the count.
 */
int			hy_rtable_closest(const hy_rtable *rt, const uint8_t target[HY_KADID_LEN],
							  const hy_rt_exclude *exclude, int nexclude,
							  hy_rt_entry *out, int max);

/* Active entries */
int			hy_rtable_size(const hy_rtable *rt);

/* Slots to iterate over with hy_rtable_entry_at */
int			hy_rtable_nslots(const hy_rtable *rt);

/* The entry in slot i if it is active, else NULL */
const hy_rt_entry *hy_rtable_entry_at(const hy_rtable *rt, int i);

/*
 * Hand out the next active entry due for a liveness check (not seen and
 * not checked within interval_ms; heads are skipped), round robin.  Marks
 * it checked.  1 and *out filled, or 0 when none is due.
 */
int			hy_rtable_next_check(hy_rtable *rt, uint64_t now_ms, uint64_t interval_ms,
								 hy_rt_entry *out);

#endif
