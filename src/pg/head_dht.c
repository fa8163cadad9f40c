/*
 * head_dht.c — the DHT side of a head worker: one Kademlia server for all
 * of the worker's heads, answering from the SPI store (spi_store.c) and
 * the routing table that all workers share in shared memory, plus the
 * bootstrap dials, liveness checks and self-lookups (src/dht/refresh.h)
 * that keep the table alive and make the heads known.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/lwlock.h"
#include "utils/timestamp.h"

#include "core/err.h"
#include "core/multiaddr.h"
#include "dht/addrs.h"
#include "dht/refresh.h"
#include "dht/rtable.h"
#include "dht/server.h"

#include "pg/head_worker.h"
#include "pg/hydra_pg.h"
#include "pg/metrics.h"
#include "pg/prefetch_queue.h"
#include "pg/shmem.h"
#include "pg/spi_store.h"

/* Bootstrap addresses dialled per head at most */
#define BOOTSTRAP_MAX 32
/* Delay before bootstrap dials are retried after all failed */
#define BOOTSTRAP_RETRY_MS (5 * 60 * 1000)

static hy_dht_server *dht = NULL;
static hy_dht_refresher *refresher = NULL;
static hy_rtable *rtable = NULL;
static HydraHead *heads = NULL;
static int	nheads = 0;
static hy_loop *worker_loop = NULL;
static hy_timer bootstrap_timer;
static bool bootstrap_logged = false;
static uint32 bootstrap_gen_seen = 0;

/* Lock the shared routing table for the DHT server */
static void
rt_lock(void *arg, int exclusive)
{
	LWLockAcquire(&hydra_shared->rt_lock, exclusive ? LW_EXCLUSIVE : LW_SHARED);
}

/* Unlock the shared routing table */
static void
rt_unlock(void *arg)
{
	LWLockRelease(&hydra_shared->rt_lock);
}

/* Publish the routing table size for hydra.heads() */
static void
publish_rt_size(void)
{
	LWLockAcquire(&hydra_shared->rt_lock, LW_SHARED);
	pg_atomic_write_u32(&hydra_shared->rt_size, (uint32) hy_rtable_size(rtable));
	LWLockRelease(&hydra_shared->rt_lock);
}

/* Dial one bootstrap address from every head; how many dials started */
static int
dial_bootstrap(const char *text)
{
	uint8_t		ma[HY_MULTIADDR_MAX];
	int			n = hy_multiaddr_parse(text, strlen(text), ma, sizeof(ma));
	int			started = 0;

	if (n <= 0)
	{
		if (!bootstrap_logged)
			ereport(WARNING, (errmsg("hydra.bootstrap_peers: invalid multiaddr \"%s\"", text)));
		return 0;
	}
	/* /dnsaddr/ entries are resolved by the launcher (shared memory) */
	if (ma[0] == HY_MA_DNSADDR)
		return 0;
	for (int i = 0; i < nheads; i++)
	{
		int			err = 0;

		if (hy_host_dial(heads[i].host, ma, n, NULL, &err) != NULL)
			started++;
	}
	return started;
}

/*
 * Dial every bootstrap peer from every head (bounded): the configured
 * addresses and what the launcher resolved from /dnsaddr/ entries.  When
 * none can be dialled, log once and retry later.
 */
static void
bootstrap(hy_loop *loop, void *arg)
{
	char	   *list = pstrdup(hydra_bootstrap_peers);
	char	   *save = NULL;
	int			tried = 0;
	int			started = 0;

	for (char *tok = strtok_r(list, ",", &save); tok && tried < BOOTSTRAP_MAX;
		 tok = strtok_r(NULL, ",", &save))
	{
		while (*tok == ' ')
			tok++;
		if (*tok == '\0')
			continue;
		tried++;
		started += dial_bootstrap(tok);
	}
	LWLockAcquire(&hydra_shared->lock, LW_SHARED);
	for (int i = 0; i < hydra_shared->nbootstrap && tried < BOOTSTRAP_MAX; i++, tried++)
		started += dial_bootstrap(hydra_shared->bootstrap[i]);
	LWLockRelease(&hydra_shared->lock);
	bootstrap_gen_seen = pg_atomic_read_u32(&hydra_shared->bootstrap_gen);

	if (started == 0 && tried > 0 && !bootstrap_logged)
		ereport(LOG,
				(errmsg("hydra: no bootstrap peer could be dialled; retrying every %d minutes",
						BOOTSTRAP_RETRY_MS / 60000)));
	bootstrap_logged = bootstrap_logged || (started == 0 && tried > 0);
	pfree(list);
	if (started == 0 && tried > 0)
		hy_timer_start(loop, &bootstrap_timer, BOOTSTRAP_RETRY_MS);
}

/*
 * Kad events: metrics first, then a GET_PROVIDERS miss is queued for
 * prefetch (the answer has already been built; enqueueing never waits on
 * the network).
 */
static void
head_kad_event(void *arg, const hy_dht_event *ev)
{
	hydra_metrics_kad_event(arg, ev);
	/* a declined or failed store call is no miss: looking it up would add load */
	if (ev->type == HY_DHT_EV_PROVIDERS_SERVED && ev->count == 0 &&
		ev->result == HY_DHT_SERVED_STORE && hydra_prefetch_enabled)
		(void) hydra_prefetch_enqueue(ev->key, (int) ev->key_len);
}

/* Set up the DHT side of a worker before its heads start */
void
hydra_head_worker_init(hy_loop *loop, HydraHead *hh, int n)
{
	hy_dht_server_config cfg;

	heads = hh;
	nheads = n;
	worker_loop = loop;
	rtable = hy_rtable_attach(hydra_rtable_mem());
	if (rtable == NULL)
		elog(ERROR, "hydra routing table is not formatted");
	memset(&cfg, 0, sizeof(cfg));
	cfg.store = *hydra_spi_store_init();
	cfg.rt = rtable;
	cfg.rt_lock = rt_lock;
	cfg.rt_unlock = rt_unlock;
	cfg.protocol_prefix = hydra_protocol_prefix;
	cfg.k = hydra_bucket_size;
	cfg.max_providers = hydra_max_providers_per_response;
	cfg.allow_private = hydra_allow_private_addresses;
	cfg.on_event = head_kad_event;
	cfg.store_ops_per_s = (uint32) hydra_store_ops_per_second;
	cfg.requests_per_s = (uint32) hydra_requests_per_second;
	cfg.batch_get_providers = 1;
	dht = hy_dht_server_new(&cfg);
	if (dht == NULL)
		elog(ERROR, "could not create the DHT server");
	{
		hy_refresh_config rcfg;

		memset(&rcfg, 0, sizeof(rcfg));
		rcfg.loop = loop;
		rcfg.rt = rtable;
		rcfg.rt_lock = rt_lock;
		rcfg.rt_unlock = rt_unlock;
		rcfg.protocol = hy_dht_server_protocol(dht);
		refresher = hy_dht_refresher_new(&rcfg);
		if (refresher == NULL)
			elog(ERROR, "could not create the routing-table refresher");
	}
	hy_timer_init(&bootstrap_timer, bootstrap, NULL);
	if (n > 0)
		hydra_metrics_worker_start(hh[0].slot->worker, hh, n);
}

/* Adjust a head's host configuration */
void
hydra_head_configure(HydraHead *hh, hy_host_config *cfg)
{
	hh->dht_head = -1;
}

/* Serve kad on a head whose addresses are announced; schedule bootstrap */
void
hydra_head_attach(HydraHead *hh)
{
	hy_addrset	own;

	memset(&own, 0, sizeof(own));
	for (int a = 0; a < hh->slot->naddrs; a++)
	{
		uint8_t		ma[HY_MULTIADDR_MAX];
		int			n = hy_multiaddr_parse(hh->slot->addrs[a], strlen(hh->slot->addrs[a]),
										   ma, sizeof(ma));

		if (n > 0)
			(void) hy_addrset_add(&own, ma, n, hh->keypair.peer_id, hh->keypair.peer_id_len, 1);
	}
	hh->dht_head = hy_dht_server_add_head(dht, hh->host, &own);
	if (hh->dht_head < 0)
		elog(ERROR, "head %d: could not serve kad: %s", hh->head, hy_strerror(hh->dht_head));
	if (hy_dht_refresher_add_head(refresher, hh->host) < 0)
		elog(ERROR, "head %d: could not register for refresh", hh->head);
	if (hh == &heads[nheads - 1] && hydra_bootstrap_peers[0] != '\0')
		hy_timer_start(worker_loop, &bootstrap_timer, 0);
}

/* A head's connection is upgraded: a refresh dial may ask now */
void
hydra_head_conn_ready(HydraHead *hh, hy_conn *c)
{
	hy_dht_refresher_conn_ready(refresher, c);
}

/* A head's connection finished identify: feed the shared routing table */
void
hydra_head_conn_identified(HydraHead *hh, hy_conn *c, int ok)
{
	if (ok && hy_dht_server_peer_identified(dht, c) > 0)
		publish_rt_size();
	hy_dht_refresher_conn_identified(refresher, c);
}

/* A head's connection closed */
void
hydra_head_conn_closed(HydraHead *hh, hy_conn *c)
{
	hy_dht_refresher_conn_closed(refresher, c);
}

/* Work after every loop pass: write the provider batch when due */
void
hydra_head_worker_tick(hy_loop *loop)
{
	/* every GET_PROVIDERS of this loop pass in one statement */
	hy_dht_server_flush_pending(dht);
	hydra_spi_store_flush(false);
	/* the decline limits are reloadable (SIGHUP) */
	hy_dht_server_set_limits(dht, (uint32) hydra_store_ops_per_second, (uint32) hydra_requests_per_second);
	hydra_metrics_worker_publish(false, hy_dht_server_stats(dht),
								 hy_dht_refresher_stats(refresher));
	/* the launcher resolved new /dnsaddr/ bootstrap addresses */
	if (pg_atomic_read_u32(&hydra_shared->bootstrap_gen) != bootstrap_gen_seen)
	{
		bootstrap_gen_seen = pg_atomic_read_u32(&hydra_shared->bootstrap_gen);
		hy_timer_start(loop, &bootstrap_timer, 0);
	}
	if (pg_atomic_read_u32(&hydra_shared->rt_size) != (uint32) hy_rtable_size(rtable))
		publish_rt_size();
}

/* Sleep no longer than the pending batch allows */
int
hydra_head_worker_timeout(int loop_timeout_ms)
{
	int			flush = hydra_spi_store_next_flush_ms();

	/* a resumed stream deferred another lookup: answer it next pass, not after a sleep */
	if (dht != NULL && hy_dht_server_pending(dht) > 0)
		return 0;
	/* counters of a burst get published even if the worker then idles */
	loop_timeout_ms = hydra_metrics_worker_timeout(loop_timeout_ms);
	if (flush < 0)
		return loop_timeout_ms;
	if (loop_timeout_ms < 0 || flush < loop_timeout_ms)
		return flush;
	return loop_timeout_ms;
}
