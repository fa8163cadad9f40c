/*
 * metrics_collect.c — every metric family, read from shared memory, walked
 * into a sink: the rows of hydra.metrics(), the Prometheus text of
 * hydra.metrics_text() and of GET /metrics.  One walk for all three keeps
 * them identical.  No SPI and no locks: the /metrics worker has no
 * database connection.
 */
#include "postgres.h"

#include <unistd.h>

#include "miscadmin.h"
#include "utils/timestamp.h"

#include "dht/kad_msg.h"
#include "pg/hydra_pg.h"
#include "pg/metrics.h"
#include "pg/prefetch_queue.h"
#include "pg/shmem.h"

#define WSUM(field) wsum(offsetof(HydraMetricsWorker, field))

/* Sum one 64-bit counter over the head workers' slots */
static uint64
wsum(size_t off)
{
	uint64		total = 0;

	for (int w = 0; w < hydra_metrics->nworkers; w++)
		total += *(volatile uint64 *) ((char *) &hydra_metrics->workers[w] + off);
	return total;
}

/* A sample without labels */
static void
one(const HydraMetricSink *s, const char *name, double v)
{
	s->sample(s->arg, name, NULL, 0, v);
}

/* A sample with one label */
static void
lab(const HydraMetricSink *s, const char *name, const char *key, const char *val, double v)
{
	const char *l[2] = {key, val};

	s->sample(s->arg, name, l, 1, v);
}

/* A family with a single unlabelled sample */
static void
single(const HydraMetricSink *s, const char *name, HydraMetricType t, const char *help, double v)
{
	s->family(s->arg, name, t, help);
	one(s, name, v);
}

/* A per-head family from one field of the head slots */
static void
per_head(const HydraMetricSink *s, const char *name, const char *help, size_t off)
{
	s->family(s->arg, name, HYDRA_COUNTER, help);
	for (int h = 0; h < hydra_metrics->nheads; h++)
	{
		char		head[16];

		snprintf(head, sizeof(head), "%d", h);
		lab(s, name, "head", head,
			(double) *(volatile uint64 *) ((char *) hydra_metrics_head(h) + off));
	}
}

/* A per-type family from one array of hy_dht_stats */
static void
per_kad_type(const HydraMetricSink *s, const char *name, const char *help, size_t off)
{
	s->family(s->arg, name, HYDRA_COUNTER, help);
	for (int t = 0; t < HY_KAD_NTYPES; t++)
		lab(s, name, "type", hy_kad_type_name(t), (double) wsum(off + t * sizeof(uint64)));
}

/* Emit one histogram (bucket counts not cumulative) with one optional label */
static void
emit_histogram(const HydraMetricSink *s, const char *name, const HydraHistogram *h,
			   const double *bounds, const char *key, const char *val)
{
	char		bucket_name[NAMEDATALEN + 16];
	char		sum_name[NAMEDATALEN + 16];
	char		count_name[NAMEDATALEN + 16];
	char		le[32];
	const char *l[4] = {key, val, "le", le};
	int			nl = key ? 2 : 1;
	const char **lp = key ? l : l + 2;
	uint64		cum = 0;

	snprintf(bucket_name, sizeof(bucket_name), "%s_bucket", name);
	snprintf(sum_name, sizeof(sum_name), "%s_sum", name);
	snprintf(count_name, sizeof(count_name), "%s_count", name);
	for (int b = 0; b <= HYDRA_HIST_BUCKETS; b++)
	{
		cum += h->bucket[b];
		if (b < HYDRA_HIST_BUCKETS)
			snprintf(le, sizeof(le), "%g", bounds[b]);
		else
			strlcpy(le, "+Inf", sizeof(le));
		s->sample(s->arg, bucket_name, lp, nl, (double) cum);
	}
	/* _count is the +Inf bucket, so a read racing a writer stays consistent */
	s->sample(s->arg, sum_name, lp, nl - 1, h->sum);
	s->sample(s->arg, count_name, lp, nl - 1, (double) cum);
}

/* A histogram summed over the head workers, with one optional label */
static void
histogram(const HydraMetricSink *s, const char *name, HydraHist hist,
		  const char *key, const char *val)
{
	HydraHistogram sum;

	memset(&sum, 0, sizeof(sum));
	for (int w = 0; w < hydra_metrics->nworkers; w++)
	{
		volatile HydraHistogram *h = &hydra_metrics->workers[w].hist[hist];

		for (int b = 0; b <= HYDRA_HIST_BUCKETS; b++)
			sum.bucket[b] += h->bucket[b];
		sum.sum += h->sum;
	}
	emit_histogram(s, name, &sum, hydra_hist_bounds(hist), key, val);
}

/* Resident bytes of one process (from /proc/<pid>/statm), 0 if gone */
static int64
process_rss(pid_t pid)
{
	char		path[64];
	FILE	   *f;
	unsigned long size,
				resident;
	int64		rss = 0;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/statm", (int) pid);
	f = fopen(path, "r");
	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) == 2)
		rss = (int64) resident * sysconf(_SC_PAGESIZE);
	fclose(f);
	return rss;
}

/* Heads whose worker runs them */
static int
heads_running(void)
{
	int			n = 0;

	for (int h = 0; h < hydra_shared->nheads; h++)
		if (hydra_shared->heads[h].started_at != 0)
			n++;
	return n;
}

/* The summary of hydra.status() and the status log line */
void
hydra_status_collect(HydraStatus *st)
{
	HydraPrefetchStats pf;

	memset(st, 0, sizeof(*st));
	if (hydra_shared == NULL || hydra_metrics == NULL)
		return;
	st->heads = hydra_shared->nheads;
	st->heads_running = heads_running();
	for (int h = 0; h < hydra_shared->nheads; h++)
		st->connections += pg_atomic_read_u32(&hydra_shared->heads[h].connections);
	st->unique_peers = (int64) pg_atomic_read_u64(&hydra_metrics->unique_peers);
	st->records = (int64) pg_atomic_read_u64(&hydra_metrics->provider_records);
	st->routing_table_size = hydra_routing_table_size();
	hydra_prefetch_stats(&pf);
	st->prefetch_queue_depth = pf.pending;
	st->uptime_s = (double) (GetCurrentTimestamp() - PgStartTime) / USECS_PER_SEC;
	/*
	 * RSS counts the shared memory each process has touched, so the sum
	 * overstates private use; it is what an OOM killer sees, though.
	 */
	st->memory_bytes = process_rss(hydra_shared->launcher_pid) + process_rss(hydra_metrics->http_pid);
	for (int w = 0; w < hydra_shared->nworkers; w++)
		st->memory_bytes += process_rss(hydra_worker_slot(w)->pid);
}

/* The prefetch funnel: misses enqueued or discarded, lookups and their sources */
static void
collect_prefetch(const HydraMetricSink *s)
{
	static const char *const outcome_names[HYDRA_PF_DISABLED] = {
		"enqueued", "already_pending", "failed_recently_5min", "failed_recently_1h", "queue_full"
	};
	static const char *const result_names[HYDRA_PF_NRESULTS] = {"found", "empty", "error", "timeout"};
	static const char *const source_names[HYDRA_PF_NSOURCES] = {"dht", "delegated"};
	HydraPrefetchStats pf;

	hydra_prefetch_stats(&pf);
	single(s, "hydra_prefetch_queue_depth", HYDRA_GAUGE, "Keys waiting for a prefetch lookup.", pf.pending);
	single(s, "hydra_prefetch_queue_capacity", HYDRA_GAUGE, "Size of the prefetch queue (hydra.prefetch_queue_size).",
		   pf.capacity);
	single(s, "hydra_prefetch_running", HYDRA_GAUGE, "Prefetch lookups in flight.", pf.running);
	single(s, "hydra_prefetch_negative_cache_size", HYDRA_GAUGE,
		   "Keys whose lookup failed within hydra.negative_cache_ttl.", pf.negative_cached);
	s->family(s->arg, "hydra_prefetch_enqueue_total", HYDRA_COUNTER,
			  "GET_PROVIDERS misses and hydra.fetch() calls offered to the prefetch queue, by outcome.");
	for (int o = 0; o < HYDRA_PF_DISABLED; o++)
		lab(s, "hydra_prefetch_enqueue_total", "result", outcome_names[o], (double) pf.outcomes[o]);
	s->family(s->arg, "hydra_prefetch_lookups_total", HYDRA_COUNTER,
			  "Prefetch lookups finished, by result (found = providers stored; empty = answered, none).");
	for (int r = 0; r < HYDRA_PF_NRESULTS; r++)
		lab(s, "hydra_prefetch_lookups_total", "result", result_names[r], (double) pf.results[r]);
	s->family(s->arg, "hydra_prefetch_source_total", HYDRA_COUNTER,
			  "How each source of a prefetch lookup ended (DHT, delegated routing), by result.");
	for (int src = 0; src < HYDRA_PF_NSOURCES; src++)
		for (int r = 0; r < HYDRA_PF_NRESULTS; r++)
		{
			const char *l[4] = {"source", source_names[src], "result", result_names[r]};

			s->sample(s->arg, "hydra_prefetch_source_total", l, 2, (double) pf.source_results[src][r]);
		}
	s->family(s->arg, "hydra_prefetch_queries_total", HYDRA_COUNTER,
			  "DHT peers asked by prefetch lookups, by whether they answered.");
	lab(s, "hydra_prefetch_queries_total", "result", "answered", (double) pf.answers);
	lab(s, "hydra_prefetch_queries_total", "result", "failed", (double) (pf.queries - Min(pf.answers, pf.queries)));
	single(s, "hydra_prefetch_routing_table_updates_total", HYDRA_COUNTER,
		   "Peers that answered a prefetch query, added to or refreshed in the routing table.", (double) pf.rt_updates);
	s->family(s->arg, "hydra_prefetch_lookup_duration_seconds", HYDRA_HISTOGRAM,
			  "Prefetch lookup duration, from taken off the queue to finished (both sources).");
	emit_histogram(s, "hydra_prefetch_lookup_duration_seconds", &pf.duration,
				   hydra_hist_bounds(HYDRA_HIST_STORE_GET_PROVIDERS), NULL, NULL);
}

/* Walk every metric family and sample */
void
hydra_metrics_collect(const HydraMetricSink *s)
{
	HydraStatus st;
	int			bootstrapped;

	if (hydra_shared == NULL || hydra_metrics == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("hydra shared memory is not available"),
				 errhint("hydra must be in shared_preload_libraries.")));
	hydra_status_collect(&st);
	bootstrapped = st.routing_table_size > 0 ? st.heads_running : 0;

	/* --- heads and gauges --- */
	single(s, "hydra_heads", HYDRA_GAUGE, "Heads configured (hydra.nheads).", st.heads);
	single(s, "hydra_heads_running", HYDRA_GAUGE, "Heads whose worker serves them.", st.heads_running);
	single(s, "hydra_heads_bootstrapped", HYDRA_GAUGE,
		   "Running heads with a non-empty routing table (the table is shared by all heads).", bootstrapped);
	s->family(s->arg, "hydra_connections", HYDRA_GAUGE, "Open (upgraded) connections per head.");
	for (int h = 0; h < hydra_shared->nheads; h++)
	{
		char		head[16];

		snprintf(head, sizeof(head), "%d", h);
		lab(s, "hydra_connections", "head", head,
			pg_atomic_read_u32(&hydra_shared->heads[h].connections));
	}
	single(s, "hydra_connections_open", HYDRA_GAUGE, "Open (upgraded) connections of all heads.", st.connections);
	single(s, "hydra_routing_table_size", HYDRA_GAUGE, "Peers in the routing table shared by all heads.",
		   st.routing_table_size);
	single(s, "hydra_unique_peers", HYDRA_GAUGE,
		   "Peers in the peer store (hydra.peers; estimated above 100k rows), refreshed every 10 s.",
		   st.unique_peers);
	single(s, "hydra_provider_records", HYDRA_GAUGE,
		   "Provider records stored (hydra.record_count(), from statistics), refreshed every 10 s.",
		   st.records);
	single(s, "hydra_uptime_seconds", HYDRA_GAUGE, "Seconds since the server started.", st.uptime_s);
	single(s, "hydra_memory_resident_bytes", HYDRA_GAUGE,
		   "Resident memory of the hydra workers (launcher, head workers, /metrics), shared pages included.",
		   (double) st.memory_bytes);

	/* --- connections --- */
	per_head(s, "hydra_connections_accepted_total", "Inbound TCP connections admitted.",
			 offsetof(HydraMetricsHead, accepted));
	per_head(s, "hydra_dials_total", "Outbound connections started (bootstrap, refresh).",
			 offsetof(HydraMetricsHead, dials));
	per_head(s, "hydra_handshakes_ok_total", "Connections upgraded (Noise + yamux).",
			 offsetof(HydraMetricsHead, handshakes_ok));
	s->family(s->arg, "hydra_handshakes_failed_total", HYDRA_COUNTER, "Connection upgrades that failed, by reason.");
	for (int r = 1; r < HY_REASON_COUNT; r++)
		lab(s, "hydra_handshakes_failed_total", "reason", hy_conn_reason_name(r),
			(double) wsum(offsetof(HydraMetricsWorker, net.handshake_failed_by) + r * sizeof(uint64)));
	s->family(s->arg, "hydra_connections_closed_total", HYDRA_COUNTER, "Established connections closed, by reason.");
	for (int r = 1; r < HY_REASON_COUNT; r++)
		lab(s, "hydra_connections_closed_total", "reason", hy_conn_reason_name(r),
			(double) wsum(offsetof(HydraMetricsWorker, net.closed_by) + r * sizeof(uint64)));
	single(s, "hydra_dial_errors_total", HYDRA_COUNTER, "Dials that could not start.", WSUM(net.dial_errors));
	single(s, "hydra_accept_errors_total", HYDRA_COUNTER, "accept(2) failures (EMFILE, ...).", WSUM(net.accept_errors));
	s->family(s->arg, "hydra_load_shed_total", HYDRA_COUNTER,
			  "Work refused at a limit instead of queued, by reason.");
	lab(s, "hydra_load_shed_total", "reason", "connections_total", WSUM(net.refused_total));
	lab(s, "hydra_load_shed_total", "reason", "connections_per_ip", WSUM(net.refused_per_ip));
	lab(s, "hydra_load_shed_total", "reason", "streams", WSUM(net.streams_over_limit));
	lab(s, "hydra_load_shed_total", "reason", "yamux_streams", WSUM(net.ymx.streams_refused));
	lab(s, "hydra_load_shed_total", "reason", "kad_input_overflow", WSUM(dht.input_overflow));
	lab(s, "hydra_load_shed_total", "reason", "provider_batch_full", WSUM(store.records_shed));
	lab(s, "hydra_load_shed_total", "reason", "store_declined", WSUM(dht.store_declined));
	lab(s, "hydra_load_shed_total", "reason", "kad_requests_refused", WSUM(dht.requests_refused));
	s->family(s->arg, "hydra_streams_total", HYDRA_COUNTER, "Inbound stream negotiations, by outcome.");
	lab(s, "hydra_streams_total", "result", "negotiated", WSUM(net.streams_negotiated));
	lab(s, "hydra_streams_total", "result", "not_supported", WSUM(net.streams_na));
	lab(s, "hydra_streams_total", "result", "failed", WSUM(net.streams_negotiate_failed));
	s->family(s->arg, "hydra_yamux_streams_total", HYDRA_COUNTER, "yamux streams opened, by direction.");
	lab(s, "hydra_yamux_streams_total", "direction", "in", WSUM(net.ymx.streams_in));
	lab(s, "hydra_yamux_streams_total", "direction", "out", WSUM(net.ymx.streams_out));
	single(s, "hydra_yamux_streams_reset_total", HYDRA_COUNTER, "yamux streams reset by the remote.",
		   WSUM(net.ymx.streams_reset));
	single(s, "hydra_yamux_protocol_errors_total", HYDRA_COUNTER, "yamux sessions ended by a protocol error.",
		   WSUM(net.ymx.protocol_errors));
	s->family(s->arg, "hydra_identify_total", HYDRA_COUNTER, "identify exchanges, by outcome.");
	lab(s, "hydra_identify_total", "result", "ok", WSUM(net.identify_ok));
	lab(s, "hydra_identify_total", "result", "failed", WSUM(net.identify_failed));
	lab(s, "hydra_identify_total", "result", "push", WSUM(net.identify_push));
	per_head(s, "hydra_pings_served_total", "Inbound /ipfs/ping/1.0.0 payloads echoed.",
			 offsetof(HydraMetricsHead, pings_served));
	per_head(s, "hydra_received_bytes_total", "Bytes read from sockets.", offsetof(HydraMetricsHead, bytes_in));
	per_head(s, "hydra_sent_bytes_total", "Bytes written to sockets.", offsetof(HydraMetricsHead, bytes_out));

	/* --- kad --- */
	per_kad_type(s, "hydra_kad_requests_total", "Kad requests received, by type.",
				 offsetof(HydraMetricsWorker, dht.received));
	per_kad_type(s, "hydra_kad_answered_total", "Kad requests answered, by type (ADD_PROVIDER is never answered).",
				 offsetof(HydraMetricsWorker, dht.answered));
	per_kad_type(s, "hydra_kad_errors_total", "Kad requests refused as invalid (stream reset), by type.",
				 offsetof(HydraMetricsWorker, dht.errors));
	single(s, "hydra_kad_streams_total", HYDRA_COUNTER, "Inbound kad streams opened.", WSUM(dht.streams));
	single(s, "hydra_kad_streams_reset_total", HYDRA_COUNTER, "Kad streams reset by hydra.", WSUM(dht.streams_reset));
	s->family(s->arg, "hydra_kad_invalid_messages_total", HYDRA_COUNTER, "Kad messages refused before handling, by reason.");
	lab(s, "hydra_kad_invalid_messages_total", "reason", "too_large", WSUM(dht.msg_too_large));
	lab(s, "hydra_kad_invalid_messages_total", "reason", "malformed", WSUM(dht.msg_malformed));
	lab(s, "hydra_kad_invalid_messages_total", "reason", "unknown_type", WSUM(dht.msg_unknown_type));
	lab(s, "hydra_kad_invalid_messages_total", "reason", "bad_key", WSUM(dht.bad_key));
	s->family(s->arg, "hydra_kad_get_providers_total", HYDRA_COUNTER,
			  "GET_PROVIDERS answered per head: store had providers (hit), had none (miss), or was not asked (not_asked: declined over hydra.store_ops_per_second, or failing).");
	for (int h = 0; h < hydra_metrics->nheads; h++)
	{
		char		head[16];
		const char *l[4] = {"head", head, "result", NULL};

		snprintf(head, sizeof(head), "%d", h);
		l[3] = "hit";
		s->sample(s->arg, "hydra_kad_get_providers_total", l, 2, (double) hydra_metrics_head(h)->get_providers_hit);
		l[3] = "miss";
		s->sample(s->arg, "hydra_kad_get_providers_total", l, 2, (double) hydra_metrics_head(h)->get_providers_miss);
		l[3] = "not_asked";
		s->sample(s->arg, "hydra_kad_get_providers_total", l, 2, (double) hydra_metrics_head(h)->get_providers_declined);
	}
	s->family(s->arg, "hydra_kad_add_provider_total", HYDRA_COUNTER, "ADD_PROVIDER records received, by outcome.");
	lab(s, "hydra_kad_add_provider_total", "result", "stored", WSUM(dht.providers_stored));
	lab(s, "hydra_kad_add_provider_total", "result", "wrong_peer", WSUM(dht.providers_wrong_peer));
	lab(s, "hydra_kad_add_provider_total", "result", "no_addrs", WSUM(dht.providers_no_addrs));
	lab(s, "hydra_kad_add_provider_total", "result", "shed", WSUM(dht.providers_shed));
	single(s, "hydra_kad_providers_served_total", HYDRA_COUNTER, "Provider peers sent in GET_PROVIDERS answers.",
		   WSUM(dht.providers_served));
	s->family(s->arg, "hydra_kad_values_total", HYDRA_COUNTER, "PUT_VALUE / GET_VALUE records, by outcome.");
	lab(s, "hydra_kad_values_total", "result", "stored", WSUM(dht.values_stored));
	lab(s, "hydra_kad_values_total", "result", "rejected", WSUM(dht.values_rejected));
	lab(s, "hydra_kad_values_total", "result", "older", WSUM(dht.values_older));
	lab(s, "hydra_kad_values_total", "result", "served", WSUM(dht.values_served));
	single(s, "hydra_kad_peers_trimmed_total", HYDRA_COUNTER, "Peers dropped from answers to stay under 16 KiB.",
		   WSUM(dht.peers_trimmed));
	single(s, "hydra_kad_store_errors_total", HYDRA_COUNTER, "Kad requests whose store call failed.",
		   WSUM(dht.store_errors));
	s->family(s->arg, "hydra_kad_request_duration_seconds", HYDRA_HISTOGRAM,
			  "Inbound kad request latency, by type: message decoded to answer encoded (ADD_PROVIDER: to queued).");
	for (int t = 0; t < HY_KAD_NTYPES; t++)
		histogram(s, "hydra_kad_request_duration_seconds", HYDRA_HIST_KAD_FIRST + t, "type", hy_kad_type_name(t));

	/* --- routing table --- */
	single(s, "hydra_routing_table_updates_total", HYDRA_COUNTER, "Identified peers added to or refreshed in the routing table.",
		   WSUM(dht.rt_updates));
	s->family(s->arg, "hydra_routing_table_checks_total", HYDRA_COUNTER, "Liveness checks of routing-table peers, by outcome.");
	lab(s, "hydra_routing_table_checks_total", "result", "ok", WSUM(refresh.checks_ok));
	lab(s, "hydra_routing_table_checks_total", "result", "failed", WSUM(refresh.checks_failed));
	single(s, "hydra_routing_table_evicted_total", HYDRA_COUNTER, "Peers evicted after failed checks.", WSUM(refresh.evicted));
	single(s, "hydra_routing_table_lookups_total", HYDRA_COUNTER, "Self-lookups (FIND_NODE of a head) sent.", WSUM(refresh.lookups));
	single(s, "hydra_routing_table_discovered_total", HYDRA_COUNTER, "New peers dialled from lookup answers.",
		   WSUM(refresh.discovered));
	single(s, "hydra_routing_table_jobs_dropped_total", HYDRA_COUNTER, "Refresh jobs not started (at the job limit).",
		   WSUM(refresh.jobs_dropped));

	/* --- store --- */
	single(s, "hydra_store_batches_total", HYDRA_COUNTER, "ADD_PROVIDER batches written.", WSUM(store.batches));
	s->family(s->arg, "hydra_store_records_total", HYDRA_COUNTER, "Provider records through the write batch, by stage.");
	lab(s, "hydra_store_records_total", "stage", "queued", WSUM(store.records_queued));
	lab(s, "hydra_store_records_total", "stage", "written", WSUM(store.records_written));
	lab(s, "hydra_store_records_total", "stage", "shed", WSUM(store.records_shed));
	single(s, "hydra_store_peer_writes_total", HYDRA_COUNTER, "hydra.peers rows written.", WSUM(store.peer_writes));
	single(s, "hydra_store_lookups_total", HYDRA_COUNTER, "Provider lookup statements run against the tables (none while the store pauses after a failure).", WSUM(store.lookups));
	single(s, "hydra_store_errors_total", HYDRA_COUNTER, "Store statements that failed (rolled back, logged).",
		   WSUM(store.db_errors));
	s->family(s->arg, "hydra_store_duration_seconds", HYDRA_HISTOGRAM,
			  "Store latency per operation, one transaction each (database latency).");
	histogram(s, "hydra_store_duration_seconds", HYDRA_HIST_STORE_GET_PROVIDERS, "op", "get_providers");
	histogram(s, "hydra_store_duration_seconds", HYDRA_HIST_STORE_GET_VALUE, "op", "get_value");
	histogram(s, "hydra_store_duration_seconds", HYDRA_HIST_STORE_PUT_VALUE, "op", "put_value");
	histogram(s, "hydra_store_duration_seconds", HYDRA_HIST_STORE_WRITE_BATCH, "op", "write_batch");
	s->family(s->arg, "hydra_store_batch_records", HYDRA_HISTOGRAM, "Provider records per written batch.");
	histogram(s, "hydra_store_batch_records", HYDRA_HIST_BATCH_RECORDS, NULL, NULL);

	collect_prefetch(s);
}
