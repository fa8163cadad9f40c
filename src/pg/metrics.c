/*
 * metrics.c — hydra's metrics in shared memory: the GUCs, the segment, and
 * what the head workers and the launcher write into it.
 *
 * Hot path rule: a head worker never takes a lock for metrics.  It owns its
 * slot and its heads' slots and is their only writer; 64-bit aligned stores
 * are atomic on every platform PostgreSQL supports with 64-bit atomics, so
 * a reader sees each counter either before or after an update, never torn.
 * A reader may see one counter of a snapshot updated and the next not yet:
 * harmless for monotonic counters.
 */
#include "postgres.h"

#include <time.h>

#include "access/xact.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/shmem.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "pg/head_worker.h"
#include "pg/hydra_pg.h"
#include "core/clock.h"
#include "pg/metrics.h"
#include "pg/shmem.h"

/* How often the launcher refreshes the SQL-derived gauges */
#define GAUGE_REFRESH_MS 10000

HydraMetricsShared *hydra_metrics = NULL;

bool		hydra_metrics_enabled = true;
char	   *hydra_metrics_address = NULL;
int			hydra_status_interval = 0;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

/* Head worker state */
static int	my_worker = -1;
static HydraHead *my_heads = NULL;
static int	my_nheads = 0;
static HydraMetricsWorker *my_base = NULL;	/* slot contents at start */
static HydraMetricsHead *my_base_heads = NULL;
static uint64 last_publish_ns = 0;
static uint64 last_tick_ns = 0;
static bool publish_pending = false;

/* Launcher state */
static TimestampTz next_gauges = 0;
static TimestampTz next_status = 0;
static TimeoutId launcher_timeout = MAX_TIMEOUTS;

extern void hydra_register_http_worker(void);

/* Bytes of the metrics segment */
static Size
metrics_shmem_size(void)
{
	return add_size(add_size(offsetof(HydraMetricsShared, workers),
							 mul_size(sizeof(HydraMetricsWorker), hydra_head_workers)),
					mul_size(sizeof(HydraMetricsHead), hydra_nheads));
}

/* Ask for the metrics segment */
static void
metrics_shmem_request(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(metrics_shmem_size());
}

/* Create or attach to the metrics segment */
static void
metrics_shmem_startup(void)
{
	bool		found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	hydra_metrics = NULL;
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	hydra_metrics = ShmemInitStruct("hydra metrics", metrics_shmem_size(), &found);
	if (!found)
	{
		memset(hydra_metrics, 0, metrics_shmem_size());
		hydra_metrics->nheads = hydra_nheads;
		hydra_metrics->nworkers = hydra_head_workers;
		pg_atomic_init_u64(&hydra_metrics->unique_peers, 0);
		pg_atomic_init_u64(&hydra_metrics->provider_records, 0);
	}
	LWLockRelease(AddinShmemInitLock);
}

/* Register the metrics GUCs */
static void
define_metrics_gucs(void)
{
	DefineCustomBoolVariable("hydra.metrics",
							 "Collect metrics (counters, histograms) in the head workers.",
							 "Off stops updating them (connection gauges stay live); for measuring their cost.",
							 &hydra_metrics_enabled,
							 true,
							 PGC_SIGHUP,
							 0,
							 NULL, NULL, NULL);
	DefineCustomStringVariable("hydra.metrics_address",
							   "host:port of the Prometheus /metrics endpoint; empty disables it.",
							   "Port 0 picks an ephemeral port (logged). Loopback by default: metrics are not for the world.",
							   &hydra_metrics_address,
							   "127.0.0.1:9758",
							   PGC_POSTMASTER,
							   0,
							   NULL, NULL, NULL);
	DefineCustomIntVariable("hydra.status_interval",
							"Interval between status lines in the server log; 0 = none.",
							NULL,
							&hydra_status_interval,
							0, 0, 86400,
							PGC_SIGHUP,
							GUC_UNIT_S,
							NULL, NULL, NULL);
}

/* GUCs, shared-memory hooks and the /metrics worker */
void
hydra_metrics_init(void)
{
	define_metrics_gucs();
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = metrics_shmem_request;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = metrics_shmem_startup;
	if (hydra_metrics_address != NULL && hydra_metrics_address[0] != '\0')
		hydra_register_http_worker();
}

/* Monotonic clock in nanoseconds */
uint64
hydra_metrics_clock_ns(void)
{
	return hy_monotonic_ns();
}

/* Upper bounds of the buckets: seconds for latencies */
static const double latency_bounds[HYDRA_HIST_BUCKETS] = {
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
};

/* Records per batch: powers of two up to the batch limit */
static const double size_bounds[HYDRA_HIST_BUCKETS] = {
	1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768
};

/* Bucket bounds of a histogram */
const double *
hydra_hist_bounds(HydraHist hist)
{
	return hist == HYDRA_HIST_BATCH_RECORDS ? size_bounds : latency_bounds;
}

/* Add one value to a histogram with the given bucket bounds */
void
hydra_hist_add(HydraHistogram *h, const double *bounds, double value)
{
	int			b = 0;

	while (b < HYDRA_HIST_BUCKETS && value > bounds[b])
		b++;
	h->bucket[b]++;
	h->sum += value;
	h->count++;
}

/* Record one value in this worker's histogram */
void
hydra_metrics_observe(HydraHist hist, double value)
{
	if (!hydra_metrics_enabled || hydra_metrics == NULL || my_worker < 0)
		return;
	hydra_hist_add(&hydra_metrics->workers[my_worker].hist[hist], hydra_hist_bounds(hist), value);
}

/* Record the time since start_ns (0 = not measured) */
void
hydra_metrics_observe_since(HydraHist hist, uint64 start_ns)
{
	if (start_ns == 0)
		return;
	hydra_metrics_observe(hist, (double) (hydra_metrics_clock_ns() - start_ns) / 1e9);
}

/* Add n 64-bit counters of b to a, into dst (plain stores) */
static void
add_u64s(void *dst, const void *a, const void *b, size_t bytes)
{
	uint64	   *d = dst;
	const uint64 *x = a;
	const uint64 *y = b;

	for (size_t i = 0; i < bytes / sizeof(uint64); i++)
		d[i] = x[i] + y[i];
}

StaticAssertDecl(sizeof(hy_net_stats) % sizeof(uint64) == 0, "hy_net_stats is 64-bit counters");
StaticAssertDecl(sizeof(hy_dht_stats) % sizeof(uint64) == 0, "hy_dht_stats is 64-bit counters");
StaticAssertDecl(sizeof(hy_refresh_stats) % sizeof(uint64) == 0, "hy_refresh_stats is 64-bit counters");
StaticAssertDecl(sizeof(HydraStoreStats) % sizeof(uint64) == 0, "HydraStoreStats is 64-bit counters");

/*
 * A head worker starts: remember what its slots hold (from before a
 * restart) so that published counters continue from there.
 */
void
hydra_metrics_worker_start(int worker, HydraHead *heads, int nheads)
{
	if (hydra_metrics == NULL || worker < 0 || worker >= hydra_metrics->nworkers)
		return;
	my_worker = worker;
	my_heads = heads;
	my_nheads = nheads;
	my_base = MemoryContextAlloc(TopMemoryContext, sizeof(HydraMetricsWorker));
	memcpy(my_base, &hydra_metrics->workers[worker], sizeof(HydraMetricsWorker));
	my_base_heads = MemoryContextAllocZero(TopMemoryContext,
										   sizeof(HydraMetricsHead) * Max(nheads, 1));
	for (int i = 0; i < nheads; i++)
		memcpy(&my_base_heads[i], hydra_metrics_head(heads[i].head), sizeof(HydraMetricsHead));
}

/*
 * How long a head worker may sleep, given its own timeout: a tick that
 * skipped publishing (too soon after the last) leaves counters to publish,
 * so wake up when the period is over; an idle worker sleeps on.
 */
int
hydra_metrics_worker_timeout(int timeout_ms)
{
	uint64		due;
	int			ms;

	if (!publish_pending || !hydra_metrics_enabled)
		return timeout_ms;
	/* the tick that set publish_pending ran just before: its clock will do */
	due = last_publish_ns + (uint64) HYDRA_METRICS_PUBLISH_MS * 1000000;
	ms = last_tick_ns >= due ? 0 : (int) ((due - last_tick_ns) / 1000000 + 1);
	return (timeout_ms < 0 || ms < timeout_ms) ? ms : timeout_ms;
}

/* Copy the layers' counters into shared memory, at most every publish period */
void
hydra_metrics_worker_publish(bool force, const hy_dht_stats *dht,
							 const hy_refresh_stats *refresh)
{
	HydraMetricsWorker *slot;
	hy_net_stats sum;
	uint64		now;

	if (hydra_metrics == NULL || my_worker < 0 || (!hydra_metrics_enabled && !force))
		return;
	now = hydra_metrics_clock_ns();
	last_tick_ns = now;
	if (!force && now - last_publish_ns < (uint64) HYDRA_METRICS_PUBLISH_MS * 1000000)
	{
		publish_pending = true;
		return;
	}
	last_publish_ns = now;
	publish_pending = false;
	slot = &hydra_metrics->workers[my_worker];

	memset(&sum, 0, sizeof(sum));
	for (int i = 0; i < my_nheads; i++)
	{
		const hy_net_stats *hs;
		HydraMetricsHead *hm;
		const HydraMetricsHead *base = &my_base_heads[i];

		if (my_heads[i].host == NULL)
			continue;
		hs = hy_host_stats(my_heads[i].host);
		add_u64s(&sum, &sum, hs, sizeof(sum));
		hm = hydra_metrics_head(my_heads[i].head);
		hm->accepted = base->accepted + hs->accepted;
		hm->dials = base->dials + hs->dials;
		hm->handshakes_ok = base->handshakes_ok + hs->handshakes_ok;
		hm->handshakes_failed = base->handshakes_failed + hs->handshakes_failed;
		hm->pings_served = base->pings_served + hs->pings_served;
		hm->bytes_in = base->bytes_in + hs->bytes_in;
		hm->bytes_out = base->bytes_out + hs->bytes_out;
	}
	add_u64s(&slot->net, &my_base->net, &sum, sizeof(sum));
	slot->net.live_conns = sum.live_conns;	/* a gauge, not a counter */
	if (dht)
		add_u64s(&slot->dht, &my_base->dht, dht, sizeof(*dht));
	if (refresh)
		add_u64s(&slot->refresh, &my_base->refresh, refresh, sizeof(*refresh));
	add_u64s(&slot->store, &my_base->store, &hydra_store_stats, sizeof(HydraStoreStats));
}

/* Kad events of a head: the GET_PROVIDERS funnel, latency per request type */
void
hydra_metrics_kad_event(void *arg, const hy_dht_event *ev)
{
	HydraMetricsHead *hm;

	if (!hydra_metrics_enabled || hydra_metrics == NULL || my_worker < 0 ||
		ev->head < 0 || ev->head >= my_nheads)
		return;
	/* the DHT numbers heads in attachment order, which is my_heads[] order */
	if (my_heads[ev->head].dht_head != ev->head)
	{
		for (int i = 0; i < my_nheads; i++)
			if (my_heads[i].dht_head == ev->head)
			{
				hm = hydra_metrics_head(my_heads[i].head);
				goto found;
			}
		return;
	}
	hm = hydra_metrics_head(my_heads[ev->head].head);
found:
	switch (ev->type)
	{
		case HY_DHT_EV_PROVIDERS_SERVED:
			if (ev->result != HY_DHT_SERVED_STORE)
				hm->get_providers_declined++;
			else if (ev->count > 0)
				hm->get_providers_hit++;
			else
				hm->get_providers_miss++;
			break;
		case HY_DHT_EV_REQUEST_DONE:
			if (ev->result >= 0 && ev->result < HY_KAD_NTYPES)
				hydra_metrics_observe(HYDRA_HIST_KAD_FIRST + ev->result, (double) ev->duration_ns / 1e9);
			break;
		case HY_DHT_EV_PROVIDER_STORED:
			hm->providers_stored++;
			break;
		default:
			break;
	}
}

/* Refresh unique peers and provider records with SQL (launcher) */
static void
refresh_gauges(void)
{
	MemoryContext cxt = CurrentMemoryContext;

	PG_TRY();
	{
		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		if (OidIsValid(get_extension_oid("hydra", true)))
		{
			bool		isnull;

			pgstat_report_activity(STATE_RUNNING, "hydra: refreshing metrics");
			SPI_connect();
			if (SPI_execute("SELECT hydra._unique_peers(), hydra.record_count()", true, 1) == SPI_OK_SELECT &&
				SPI_processed == 1)
			{
				int64		peers = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
				int64		records = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull));

				pg_atomic_write_u64(&hydra_metrics->unique_peers, (uint64) Max(peers, 0));
				pg_atomic_write_u64(&hydra_metrics->provider_records, (uint64) Max(records, 0));
				hydra_metrics->gauges_at = GetCurrentTimestamp();
			}
			SPI_finish();
		}
		PopActiveSnapshot();
		CommitTransactionCommand();
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	PG_CATCH();
	{
		/* an old install without hydra._unique_peers(), a dropped schema... */
		MemoryContextSwitchTo(cxt);
		EmitErrorReport();
		FlushErrorState();
		AbortCurrentTransaction();
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	PG_END_TRY();
}

/* Log the status line */
static void
log_status(void)
{
	HydraStatus st;

	hydra_status_collect(&st);
	ereport(LOG,
			(errmsg("hydra status: heads=%d/%d connections=" INT64_FORMAT " unique_peers=" INT64_FORMAT
					" records=" INT64_FORMAT " routing_table=%d prefetch_queue=" INT64_FORMAT
					" uptime=%.0fs memory=" INT64_FORMAT "MB",
					st.heads_running, st.heads, st.connections, st.unique_peers, st.records,
					st.routing_table_size, st.prefetch_queue_depth, st.uptime_s,
					st.memory_bytes / (1024 * 1024)),
			 errhidestmt(true)));
}

/* SIGALRM (timeout.c): wake the launcher's loop for its next tick */
static void
launcher_timeout_handler(void)
{
	SetLatch(MyLatch);
}

/*
 * Launcher: refresh gauges and log the status line when due, then arm a
 * timer for the next time (the launcher's loop otherwise sleeps until
 * signalled).
 */
void
hydra_metrics_launcher_tick(void)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz next;

	if (hydra_metrics == NULL)
		return;
	if (launcher_timeout == MAX_TIMEOUTS)
		launcher_timeout = RegisterTimeout(USER_TIMEOUT, launcher_timeout_handler);
	if (now >= next_gauges)
	{
		refresh_gauges();
		next_gauges = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), GAUGE_REFRESH_MS);
	}
	if (hydra_status_interval <= 0)
		next_status = 0;
	else if (next_status == 0)
		next_status = TimestampTzPlusMilliseconds(now, hydra_status_interval * 1000);
	else if (now >= next_status)
	{
		log_status();
		next_status = TimestampTzPlusMilliseconds(now, hydra_status_interval * 1000);
	}
	next = next_gauges;
	if (next_status != 0 && next_status < next)
		next = next_status;
	enable_timeout_at(launcher_timeout, next);
}
