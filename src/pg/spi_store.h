/*
 * spi_store.h — the DHT store interface (src/dht/store.h) implemented over
 * the hydra tables with SPI, for one head worker.
 */
#ifndef HYDRA_SPI_STORE_H
#define HYDRA_SPI_STORE_H

#include "dht/store.h"

/* Counters of the store of this worker */
typedef struct HydraStoreStats
{
	uint64		batches;		/* ADD_PROVIDER batches written */
	uint64		records_written;	/* provider rows inserted */
	uint64		records_queued;
	uint64		records_shed;	/* dropped: batch buffer full */
	uint64		peer_writes;	/* hydra.peers rows written */
	uint64		lookups;		/* get_providers statements run */
	uint64		db_errors;		/* statements that failed (contained) */
	uint64		backoff_skips;	/* calls skipped while pausing after a failure */
} HydraStoreStats;

/* Prepare the store (kept plans are made lazily); returns the interface */
extern hy_store *hydra_spi_store_init(void);

/* Write the pending batch if it is big or old enough (force: always) */
extern void hydra_spi_store_flush(bool force);

/* Milliseconds until the pending batch must be written, -1 if none */
extern int	hydra_spi_store_next_flush_ms(void);

extern HydraStoreStats hydra_store_stats;

#endif
