/*
 * memstore.h — an in-memory hy_store for unit tests, fuzzing and the
 * standalone DHT node.
 *
 * It behaves like the PostgreSQL store where the server can tell:
 * add_provider only enqueues into a bounded queue (HY_STORE_SHED when
 * full) and records become visible at hy_memstore_flush (or at once with
 * auto_flush); addresses belong to the peer, not to each record, and are
 * served for 24 h after the peer was last seen; each provider is returned
 * once, newest first; expired records are skipped.  Capacities are fixed
 * at creation; lookups are linear scans (test sizes only).
 */
#ifndef HY_DHT_MEMSTORE_H
#define HY_DHT_MEMSTORE_H

#include "dht/store.h"

typedef struct hy_memstore hy_memstore;

typedef struct hy_memstore_config
{
	int			queue_cap;		/* pending add_provider calls (default 256) */
	int			records_cap;	/* provider records (default 65536) */
	int			peers_cap;		/* peers with addresses (default 16384) */
	int			values_cap;		/* /pk/ and /ipns/ records (default 256) */
	int			auto_flush;		/* apply add_provider at once */
} hy_memstore_config;

typedef struct hy_memstore_stats
{
	uint64_t	queued;
	uint64_t	shed;
	uint64_t	flushed;
	uint64_t	records;		/* live provider records */
	uint64_t	evicted;		/* records dropped because the table was full */
	uint64_t	values;
	uint64_t	lookup_batches; /* get_providers_many calls */
} hy_memstore_stats;

/* Create a store; NULL on allocation failure */
hy_memstore *hy_memstore_new(const hy_memstore_config *cfg);

/* Free the store */
void		hy_memstore_free(hy_memstore *ms);

/* The hy_store view of this memstore */
hy_store	hy_memstore_store(hy_memstore *ms);

/* Apply the queued add_provider calls; returns how many were applied */
int			hy_memstore_flush(hy_memstore *ms);

/* Counters */
hy_memstore_stats hy_memstore_get_stats(const hy_memstore *ms);

#endif
