/*
 * refresh.h — keeping the shared routing table alive and the heads known.
 *
 * Liveness checks: every check interval a few routing-table entries that
 * have not been checked recently are dialled from one of the heads and
 * asked FIND_NODE(head); an answer refreshes the entry, a failure counts
 * towards its eviction (hy_rtable_mark_failed).
 * Refresh (self-lookups): every refresh interval each head asks the peers
 * closest to its own id FIND_NODE(its id) and dials the closer peers it
 * did not know, so that identify adds them to the table and they learn
 * about the head.  Connections made here are closed when their job ends.
 * Everything is bounded: jobs in flight, dials per round.
 */
#ifndef HY_DHT_REFRESH_H
#define HY_DHT_REFRESH_H

#include <stdint.h>

#include "dht/rtable.h"
#include "net/conn.h"
#include "net/loop.h"

typedef struct hy_dht_refresher hy_dht_refresher;

typedef struct hy_refresh_config
{
	hy_loop    *loop;
	hy_rtable  *rt;
	void		(*rt_lock) (void *arg, int exclusive);	/* both NULL: no locking */
	void		(*rt_unlock) (void *arg);
	void	   *lock_arg;
	const char *protocol;		/* kad protocol id */
	int			check_interval_ms;	/* default 60 s */
	int			check_batch;	/* entries checked per interval (default 8) */
	int			recheck_ms;		/* an entry is checked at most this often (10 min) */
	int			first_refresh_ms;	/* first self-lookup round (default 10 s) */
	int			refresh_interval_ms;	/* later rounds (default 10 min) */
	int			max_jobs;		/* dials in flight (default 32) */
	uint64_t	(*now_ms) (void *arg);	/* wall clock, Unix ms (default realtime) */
	void	   *clock_arg;
} hy_refresh_config;

typedef struct hy_refresh_stats
{
	uint64_t	checks;			/* liveness checks started */
	uint64_t	checks_ok;
	uint64_t	checks_failed;
	uint64_t	evicted;		/* entries evicted after failed checks */
	uint64_t	lookups;		/* FIND_NODE(head) sent in refresh rounds */
	uint64_t	discovered;		/* new peers dialled from answers */
	uint64_t	jobs_dropped;	/* not started: max_jobs reached */
} hy_refresh_stats;

/* Create a refresher (timers start at once); NULL on bad config */
hy_dht_refresher *hy_dht_refresher_new(const hy_refresh_config *cfg);

/* Free it, closing its connections */
void		hy_dht_refresher_free(hy_dht_refresher *r);

/* A head to dial from and to look up (at most 4096) */
int			hy_dht_refresher_add_head(hy_dht_refresher *r, hy_host *host);

/* Connection events of the heads' hosts (the refresher ignores others) */
void		hy_dht_refresher_conn_ready(hy_dht_refresher *r, hy_conn *c);
void		hy_dht_refresher_conn_identified(hy_dht_refresher *r, hy_conn *c);
void		hy_dht_refresher_conn_closed(hy_dht_refresher *r, hy_conn *c);

const hy_refresh_stats *hy_dht_refresher_stats(const hy_dht_refresher *r);

#endif
