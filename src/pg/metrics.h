/*
 * metrics.h — hydra's counters, gauges and histograms in shared memory.
 *
 * Every head worker owns one slot (and the slots of its heads) and is the
 * only writer: counters are plain 64-bit stores, never locked, and readers
 * (hydra.metrics(), hydra.metrics_text(), the /metrics worker) sum the
 * slots.  The pure layers keep their own counters (hy_net_stats,
 * hy_dht_stats, hy_refresh_stats) and the SPI store keeps HydraStoreStats;
 * a head worker copies them into its slot every HYDRA_METRICS_PUBLISH_MS,
 * on top of what the slot held when the worker started, so counters
 * survive a worker restart.  Histograms are written directly into the
 * slot on the hot path.  See README.md, "Metrics".
 */
#ifndef HYDRA_METRICS_H
#define HYDRA_METRICS_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"
#include "port/atomics.h"

#include "dht/refresh.h"
#include "dht/server.h"
#include "net/conn.h"
#include "pg/spi_store.h"

/* How often a head worker copies its counters into shared memory */
#define HYDRA_METRICS_PUBLISH_MS 250
/* Bucket bounds per histogram (plus +Inf) */
#define HYDRA_HIST_BUCKETS 16

/* The histograms a head worker keeps */
typedef enum HydraHist
{
	HYDRA_HIST_STORE_GET_PROVIDERS = 0, /* SPI: provider lookup */
	HYDRA_HIST_STORE_GET_VALUE,
	HYDRA_HIST_STORE_PUT_VALUE,
	HYDRA_HIST_STORE_WRITE_BATCH,	/* SPI: one ADD_PROVIDER batch */
	HYDRA_HIST_BATCH_RECORDS,	/* records per written batch (not seconds) */
	HYDRA_HIST_KAD_FIRST,		/* inbound kad request, decode to encoded
								 * answer: HYDRA_HIST_KAD_FIRST + kad type */
	HYDRA_HIST_COUNT = HYDRA_HIST_KAD_FIRST + HY_KAD_NTYPES
} HydraHist;

typedef struct HydraHistogram
{
	uint64		bucket[HYDRA_HIST_BUCKETS + 1]; /* not cumulative; last = +Inf */
	uint64		count;
	double		sum;			/* seconds, or records */
} HydraHistogram;

/* What one head worker publishes */
typedef struct HydraMetricsWorker
{
	hy_net_stats net;			/* summed over the worker's heads */
	hy_dht_stats dht;
	hy_refresh_stats refresh;
	HydraStoreStats store;
	HydraHistogram hist[HYDRA_HIST_COUNT];
} HydraMetricsWorker;

/* What a head worker publishes per head it hosts */
typedef struct HydraMetricsHead
{
	/* copied from the head's hy_host_stats */
	uint64		accepted;
	uint64		dials;
	uint64		handshakes_ok;
	uint64		handshakes_failed;
	uint64		pings_served;
	uint64		bytes_in;
	uint64		bytes_out;
	/* counted on kad events of this head */
	uint64		get_providers_hit;
	uint64		get_providers_miss;
	uint64		get_providers_declined; /* store not asked: declined or failing */
	uint64		providers_stored;
} HydraMetricsHead;

typedef struct HydraMetricsShared
{
	int32		nheads;
	int32		nworkers;
	pid_t		http_pid;		/* /metrics worker, 0 = not running */
	int32		http_port;		/* port it is bound to */
	/* refreshed by the launcher with SQL (not hot): */
	pg_atomic_uint64 unique_peers;
	pg_atomic_uint64 provider_records;
	TimestampTz gauges_at;		/* 0 = never refreshed */
	HydraMetricsWorker workers[FLEXIBLE_ARRAY_MEMBER];
	/* HydraMetricsHead heads[nheads] follows workers[nworkers] */
} HydraMetricsShared;

extern HydraMetricsShared *hydra_metrics;

/* GUCs */
extern bool hydra_metrics_enabled;
extern char *hydra_metrics_address;
extern int	hydra_status_interval;

/* GUCs, shared-memory hooks, the /metrics worker; from _PG_init */
extern void hydra_metrics_init(void);

/* The per-head slots */
static inline HydraMetricsHead *
hydra_metrics_head(int h)
{
	return (HydraMetricsHead *) &hydra_metrics->workers[hydra_metrics->nworkers] + h;
}

/* Monotonic clock in nanoseconds, for latencies */
extern uint64 hydra_metrics_clock_ns(void);

/* Start a latency measurement: 0 (nothing measured) when metrics are off */
static inline uint64
hydra_metrics_start(void)
{
	return hydra_metrics_enabled ? hydra_metrics_clock_ns() : 0;
}

/* Upper bounds of a histogram's buckets (HYDRA_HIST_BUCKETS of them) */
extern const double *hydra_hist_bounds(HydraHist hist);

/* Add one value to a histogram with the given bucket bounds (no locking) */
extern void hydra_hist_add(HydraHistogram *h, const double *bounds, double value);

/* Record one latency (from a hydra_metrics_clock_ns() start) or value */
extern void hydra_metrics_observe_since(HydraHist hist, uint64 start_ns);
extern void hydra_metrics_observe(HydraHist hist, double value);

/* Head worker side (head_dht.c) */
struct HydraHead;
extern void hydra_metrics_worker_start(int worker, struct HydraHead *heads, int nheads);
extern void hydra_metrics_worker_publish(bool force, const hy_dht_stats *dht,
										 const hy_refresh_stats *refresh);
extern int	hydra_metrics_worker_timeout(int timeout_ms);
extern void hydra_metrics_kad_event(void *arg, const hy_dht_event *ev);

/* Launcher side: refresh SQL-derived gauges, log the status line when due */
extern void hydra_metrics_launcher_tick(void);

/* The summary of hydra.status() and the status log line */
typedef struct HydraStatus
{
	int			heads;
	int			heads_running;
	int64		connections;
	int64		unique_peers;
	int64		records;
	int			routing_table_size;
	int64		prefetch_queue_depth;
	double		uptime_s;
	int64		memory_bytes;
} HydraStatus;
extern void hydra_status_collect(HydraStatus *st);

/* The Prometheus text exposition of every metric (palloc'd) */
extern void hydra_metrics_text(StringInfo out);

/* Metric sink: families (HELP/TYPE) and samples */
typedef enum HydraMetricType
{
	HYDRA_COUNTER,
	HYDRA_GAUGE,
	HYDRA_HISTOGRAM
} HydraMetricType;

typedef struct HydraMetricSink
{
	void		(*family) (void *arg, const char *name, HydraMetricType type, const char *help);
	/* labels: nlabels key/value pairs */
	void		(*sample) (void *arg, const char *name, const char *const *labels,
						   int nlabels, double value);
	void	   *arg;
} HydraMetricSink;

/* Walk every metric family and sample */
extern void hydra_metrics_collect(const HydraMetricSink *sink);

#endif
