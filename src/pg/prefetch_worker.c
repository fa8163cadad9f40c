/*
 * prefetch_worker.c — the prefetch worker: takes keys from the prefetch
 * queue (prefetch_queue.h) and runs up to hydra.prefetch_concurrency
 * iterative GET_PROVIDERS lookups (src/dht/lookup.h) at once on one event
 * loop, dialling peers from the shared routing table outwards; every
 * provider found is stored through hydra.add_provider, and a lookup that
 * finds nothing goes to the negative cache.
 *
 * With hydra.delegated_routing_url set, every lookup also asks that
 * Delegated Routing V1 endpoint (net/delegated.h) in parallel, on the same
 * loop without blocking it; its providers are stored the same way and
 * the lookup ends when both sources have.
 *
 * Identity: a fresh random Ed25519 key at every start.  The worker is a
 * pure DHT client (it serves no kad protocol, so nobody adds it to a
 * routing table), and a key of its own keeps it from ever being confused
 * with a head by the peers it dials.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "core/cid.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/keys.h"
#include "core/multiaddr.h"
#include "core/peerid.h"
#include "dht/client.h"
#include "dht/kadid.h"
#include "dht/lookup.h"
#include "dht/rtable.h"
#include "net/conn.h"
#include "net/delegated.h"
#include "net/loop.h"

#include "pg/hydra_pg.h"
#include "pg/prefetch_queue.h"
#include "pg/shmem.h"

PGDLLEXPORT void hydra_prefetch_worker_main(Datum arg);

/* Queries in flight per lookup (Kademlia alpha) */
#define PF_ALPHA 3
/* Peers seeded from the routing table per lookup */
#define PF_SEED 20
/* Longest wait of the loop, so deadlines are checked without traffic */
#define PF_TICK_MS 100
/* Longest wait while HTTP requests are in flight: curl is polled, not waited on */
#define PF_HTTP_TICK_MS 10

typedef struct PfJob PfJob;

/* One query of a lookup: a dial, then one GET_PROVIDERS on it */
typedef struct PfQuery
{
	PfJob	   *job;
	hy_conn    *conn;			/* NULL = free */
	bool		asked;
	uint8		peer_id[HY_PEER_ID_MAX];
	size_t		peer_id_len;
	hy_addrset	addrs;			/* where it was dialled: for the routing table */
} PfQuery;

/* One lookup in flight */
struct PfJob
{
	bool		busy;
	uint64		ticket;
	TimestampTz deadline;
	uint64		started_ns;		/* for the lookup duration histogram */
	uint64		rt_updates;		/* answering peers put in the routing table */
	int			stored;			/* lookup.prov[0..stored) are in the store */
	bool		dht_done;		/* the DHT lookup has ended */
	HydraPrefetchResult dht_result;
	bool		deleg_busy;		/* a delegated routing request is in flight */
	HydraPrefetchResult deleg_result;
	int			ndprov;			/* delegated providers, all stored */
	hy_lookup	lookup;
	PfQuery		q[PF_ALPHA];
	hy_provider dprov[HY_DELEG_MAX_PROVIDERS];
};

static hy_loop *loop = NULL;
static hy_host *host = NULL;
static hy_kad_client *kc = NULL;
static hy_rtable *rtable = NULL;
static hy_deleg *deleg = NULL;
static hy_deleg_result *deleg_res = NULL;
static hy_keypair keypair;
static PfJob *jobs = NULL;
static int	njobs = 0;
static char protocol[128];

/* The query that owns a connection, or NULL */
static PfQuery *
query_of(hy_conn *c)
{
	for (int j = 0; j < njobs; j++)
		for (int i = 0; i < PF_ALPHA; i++)
			if (jobs[j].busy && !jobs[j].dht_done && jobs[j].q[i].conn == c)
				return &jobs[j].q[i];
	return NULL;
}

/* Free a query's seat; close its connection when asked to */
static void
query_end(PfQuery *q, bool close_conn)
{
	hy_conn    *c = q->conn;

	q->conn = NULL;
	q->asked = false;
	if (c != NULL && close_conn)
		hy_conn_close(c);
}

/*
 * Store providers prov[from..to) of a lookup, in one transaction: DHT and
 * delegated routing results take this one path.
 */
static void
store_list(PfJob *job, const hy_provider *prov, int from, int to)
{
	MemoryContext cxt = CurrentMemoryContext;
	const uint8 *key = job->lookup.key;
	int			key_len = (int) job->lookup.key_len;

	if (to <= from)
		return;
	PG_TRY();
	{
		Oid			types[4] = {BYTEAOID, TEXTOID, TEXTARRAYOID, INT4OID};

		SetCurrentStatementStartTimestamp();
		StartTransactionCommand();
		PushActiveSnapshot(GetTransactionSnapshot());
		SPI_connect();
		pgstat_report_activity(STATE_RUNNING, "hydra: storing prefetched providers");
		/* a locked table must not stall every lookup of this loop for long */
		if (SPI_execute("SET LOCAL lock_timeout = '1s'; SET LOCAL statement_timeout = '5s'",
						false, 0) < 0)
			elog(ERROR, "could not bound the store's waits");
		for (int p = from; p < to; p++)
		{
			const hy_provider *pv = &prov[p];
			char		pid[HY_PEER_ID_TEXT_MAX];
			Datum		addrs[HY_ADDRS_MAX];
			int			naddrs = 0;
			Datum		values[4];

			if (hy_peerid_format(pv->peer_id, pv->peer_id_len, pid, sizeof(pid)) < 0)
				continue;
			for (int a = 0; a < pv->addrs.n; a++)
			{
				char		text[HY_MULTIADDR_TEXT_MAX + 1];

				if (hy_multiaddr_format(pv->addrs.a[a], pv->addrs.len[a], text, sizeof(text)) >= 0)
					addrs[naddrs++] = CStringGetTextDatum(text);
			}
			values[0] = PointerGetDatum(hydra_bytes_to_bytea(key, key_len));
			values[1] = CStringGetTextDatum(pid);
			values[2] = PointerGetDatum(construct_array(addrs, naddrs, TEXTOID, -1, false, TYPALIGN_INT));
			values[3] = Int32GetDatum(hydra_provider_ttl);
			if (SPI_execute_with_args("SELECT hydra.add_provider(hydra.key_to_cid($1), $2, $3, "
									  "make_interval(secs => $4))",
									  4, types, values, NULL, false, 0) != SPI_OK_SELECT)
				elog(ERROR, "hydra.add_provider failed");
		}
		SPI_finish();
		PopActiveSnapshot();
		CommitTransactionCommand();
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	PG_CATCH();
	{
		/* a bad provider or a busy database must not end the worker */
		ErrorData  *edata;

		MemoryContextSwitchTo(cxt);
		edata = CopyErrorData();
		FlushErrorState();
		AbortCurrentTransaction();
		ereport(LOG, (errmsg("hydra prefetch: could not store providers: %s", edata->message)));
		FreeErrorData(edata);
		pgstat_report_activity(STATE_IDLE, NULL);
	}
	PG_END_TRY();
}

/*
 * Store the providers the DHT lookup found since the last call and tell
 * the waiting backends how many are stored: a hydra.fetch() that needs
 * only a few returns before the lookup ends.
 */
static void
store_providers(PfJob *job)
{
	if (job->lookup.nprov <= job->stored)
		return;
	store_list(job, job->lookup.prov, job->stored, job->lookup.nprov);
	job->stored = job->lookup.nprov;
	hydra_prefetch_progress(job->ticket, job->stored + job->ndprov, false);
}

/* End a lookup once both sources have: report the combined result */
static void
job_try_finish(PfJob *job)
{
	HydraPrefetchResult result;
	HydraPrefetchDone done;

	if (!job->busy || !job->dht_done || job->deleg_busy)
		return;
	job->busy = false;
	if (job->lookup.nprov > 0 || job->ndprov > 0)
		result = HYDRA_PF_FOUND;
	else if (job->dht_result == HYDRA_PF_EMPTY || job->deleg_result == HYDRA_PF_EMPTY)
		result = HYDRA_PF_EMPTY;	/* somebody answered: nobody provides it */
	else
		result = job->dht_result;
	done.seconds = (double) (hydra_metrics_clock_ns() - job->started_ns) / 1e9;
	done.queries = job->lookup.queries;
	done.answers = job->lookup.answers;
	done.rt_updates = job->rt_updates;
	hydra_prefetch_finish(job->ticket, result, &done);
}

/* End the DHT side of a lookup: close its queries, store what it found */
static void
job_dht_end(PfJob *job, bool timed_out)
{
	if (job->dht_done)
		return;
	job->dht_done = true;		/* callbacks of the closes below find nothing */
	for (int i = 0; i < PF_ALPHA; i++)
		query_end(&job->q[i], true);
	if (job->lookup.nprov > 0)
		job->dht_result = HYDRA_PF_FOUND;
	else if (timed_out)
		job->dht_result = HYDRA_PF_TIMEOUT;
	else if (job->lookup.answers > 0)
		job->dht_result = HYDRA_PF_EMPTY;
	else
		job->dht_result = HYDRA_PF_ERROR;
	hydra_prefetch_count_source(HYDRA_PF_SRC_DHT, job->dht_result);
	store_providers(job);
	job_try_finish(job);
}

/* End the delegated side of a lookup with result (providers already stored) */
static void
job_deleg_end(PfJob *job, HydraPrefetchResult result)
{
	if (!job->deleg_busy)
		return;
	job->deleg_busy = false;
	job->deleg_result = result;
	hydra_prefetch_count_source(HYDRA_PF_SRC_DELEGATED, result);
	job_try_finish(job);
}

/* A delegated routing answer: keep usable providers, store them, end that side */
static void
on_deleg_result(const hy_deleg_result *res)
{
	PfJob	   *job = NULL;
	HydraPrefetchResult result;

	for (int j = 0; j < njobs; j++)
		if (jobs[j].busy && jobs[j].deleg_busy && jobs[j].ticket == res->tag)
			job = &jobs[j];
	if (job == NULL)
		return;
	job->ndprov = 0;
	for (int i = 0; i < res->nprov; i++)
	{
		const hy_deleg_provider *dp = &res->prov[i];
		hy_provider *pv = &job->dprov[job->ndprov];

		memset(pv, 0, sizeof(*pv));
		if (hy_peerid_check(dp->peer_id, dp->peer_id_len) != HY_OK)
			continue;
		memcpy(pv->peer_id, dp->peer_id, dp->peer_id_len);
		pv->peer_id_len = dp->peer_id_len;
		/* the same address rules as DHT providers: a record nobody can dial is dropped */
		for (int a = 0; a < dp->naddrs; a++)
			(void) hy_addrset_add(&pv->addrs, dp->addr[a], dp->addr_len[a], dp->peer_id,
								  dp->peer_id_len, hydra_allow_private_addresses);
		if (pv->addrs.n > 0)
			job->ndprov++;
	}
	switch (res->status)
	{
		case HY_DELEG_FOUND:
			result = job->ndprov > 0 ? HYDRA_PF_FOUND : HYDRA_PF_EMPTY;
			break;
		case HY_DELEG_EMPTY:
			result = HYDRA_PF_EMPTY;
			break;
		case HY_DELEG_TIMEOUT:
			result = HYDRA_PF_TIMEOUT;
			break;
		default:
			result = HYDRA_PF_ERROR;
			break;
	}
	if (job->ndprov > 0)
	{
		store_list(job, job->dprov, 0, job->ndprov);
		hydra_prefetch_progress(job->ticket, job->stored + job->ndprov, true);
	}
	job_deleg_end(job, result);
}

/* Ask the delegated routing endpoint for a lookup's key, when one is set */
static void
job_deleg_start(PfJob *job)
{
	hy_cid		cid;
	char		text[HY_CID_TEXT_MAX];

	if (deleg == NULL || hydra_delegated_routing_url == NULL || hydra_delegated_routing_url[0] == '\0')
		return;
	job->deleg_busy = true;
	/* endpoints index by multihash: a raw CIDv1 names it */
	if (hy_cid_set(&cid, 1, HY_CODEC_RAW, job->lookup.key, job->lookup.key_len) < 0 ||
		hy_cid_format(&cid, 'b', text, sizeof(text)) < 0 ||
		hy_deleg_start(deleg, hydra_delegated_routing_url, text, hydra_delegated_routing_timeout,
					   job->ticket) < 0)
		job_deleg_end(job, HYDRA_PF_ERROR);
}

/* Dial a lookup peer at its first TCP address; the connection or NULL */
static hy_conn *
dial_peer(const hy_lookup_peer *p)
{
	for (int i = 0; i < p->addrs.n; i++)
	{
		uint8_t		ma[HY_MULTIADDR_MAX];
		hy_ma_endpoint ep;
		hy_conn    *c;
		int			n;
		int			err = 0;

		if (hy_multiaddr_tcp_endpoint(p->addrs.a[i], p->addrs.len[i], &ep) < 0)
			continue;
		n = hy_multiaddr_append_p2p(p->addrs.a[i], p->addrs.len[i], p->peer_id, p->peer_id_len,
									ma, sizeof(ma));
		if (n < 0)
			continue;
		if ((c = hy_host_dial(host, ma, n, NULL, &err)) != NULL)
			return c;
	}
	return NULL;
}

/* Whether a peer is one of this cluster's heads (flagged in the routing table) */
static bool
is_own_head(const uint8 *peer_id, size_t len)
{
	hy_rt_entry e;
	bool		head;

	LWLockAcquire(&hydra_shared->rt_lock, LW_SHARED);
	head = hy_rtable_find(rtable, peer_id, len, &e) == 1 && (e.flags & HY_RT_FLAG_HEAD) != 0;
	LWLockRelease(&hydra_shared->rt_lock);
	return head;
}

/* Start the queries the lookup allows; finish it when it is over */
static void
job_advance(PfJob *job)
{
	for (;;)
	{
		hy_lookup_peer next;
		PfQuery    *q = NULL;
		int			rc;

		if (!job->busy || job->dht_done)
			return;
		for (int i = 0; i < PF_ALPHA; i++)
			if (job->q[i].conn == NULL)
			{
				q = &job->q[i];
				break;
			}
		if (q == NULL)
			return;
		rc = hy_lookup_next(&job->lookup, &next);
		if (rc == HY_LOOKUP_DONE)
		{
			job_dht_end(job, false);
			return;
		}
		if (rc != 1)
			return;
		/* our own heads share the store: asking them tells nothing new */
		if (is_own_head(next.peer_id, next.peer_id_len))
		{
			hy_lookup_failed(&job->lookup, next.peer_id, next.peer_id_len);
			continue;
		}
		memcpy(q->peer_id, next.peer_id, next.peer_id_len);
		q->peer_id_len = next.peer_id_len;
		q->addrs = next.addrs;
		q->asked = false;
		q->conn = dial_peer(&next);
		if (q->conn == NULL)
			hy_lookup_failed(&job->lookup, next.peer_id, next.peer_id_len);
	}
}

/*
 * A peer answered a kad request, so it is a reachable DHT server: add it
 * to (or refresh it in) the routing table the heads share, as a head does
 * for the peers it identifies.  The heads' liveness checks evict it later
 * if it goes away.
 */
static void
feed_routing_table(PfQuery *q)
{
	int			rc;

	LWLockAcquire(&hydra_shared->rt_lock, LW_EXCLUSIVE);
	rc = hy_rtable_update(rtable, q->peer_id, q->peer_id_len, &q->addrs,
						  hy_realtime_ms(), 0);
	LWLockRelease(&hydra_shared->rt_lock);
	if (rc > 0)
		q->job->rt_updates++;
}

/* The answer to a query */
static void
on_reply(void *arg, hy_conn *c, int err, const hy_kad_message *resp)
{
	PfQuery    *q = arg;
	PfJob	   *job = q->job;

	if (!job->busy || job->dht_done || q->conn != c)
		return;
	if (err < 0 || resp == NULL)
		hy_lookup_failed(&job->lookup, q->peer_id, q->peer_id_len);
	else
	{
		hy_lookup_response(&job->lookup, q->peer_id, q->peer_id_len, resp);
		feed_routing_table(q);
	}
	query_end(q, true);
	store_providers(job);
	job_advance(job);
}

/* A dial is up: ask GET_PROVIDERS on it */
static void
on_conn_ready(hy_conn *c, void *arg)
{
	PfQuery    *q = query_of(c);
	hy_kad_builder *b;

	if (q == NULL || q->asked)
	{
		hy_conn_close(c);
		return;
	}
	b = palloc(sizeof(hy_kad_builder));
	hy_kad_builder_init(b, HY_KAD_GET_PROVIDERS, q->job->lookup.key, q->job->lookup.key_len);
	q->asked = true;
	if (hy_kad_request(kc, c, &b->msg, on_reply, q) < 0)
	{
		hy_lookup_failed(&q->job->lookup, q->peer_id, q->peer_id_len);
		query_end(q, true);
		job_advance(q->job);
	}
	pfree(b);
}

/* A connection is gone: a query still waiting on it has failed */
static void
on_conn_closed(hy_conn *c, hy_conn_reason reason, void *arg)
{
	PfQuery    *q = query_of(c);

	if (q == NULL)
		return;
	q->conn = NULL;
	hy_lookup_failed(&q->job->lookup, q->peer_id, q->peer_id_len);
	job_advance(q->job);
}

static const hy_host_cbs pf_cbs = {
	.conn_ready = on_conn_ready,
	.conn_closed = on_conn_closed,
};

/* Start a lookup for a key in a free job; false if it could not start */
static void
job_start(PfJob *job, const uint8 *key, int key_len, uint64 ticket)
{
	uint8_t		target[HY_KADID_LEN];
	hy_rt_entry *seed = palloc(sizeof(hy_rt_entry) * PF_SEED);
	int			n;

	memset(job, 0, sizeof(*job));
	job->busy = true;
	job->ticket = ticket;
	job->started_ns = hydra_metrics_clock_ns();
	job->deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), hydra_prefetch_timeout);
	for (int i = 0; i < PF_ALPHA; i++)
		job->q[i].job = job;
	if (key_len > (int) sizeof(job->lookup.key))
	{
		pfree(seed);
		job_dht_end(job, false);
		return;
	}
	/* the delegated request needs the key before hy_lookup_init validates it */
	memcpy(job->lookup.key, key, key_len);
	job->lookup.key_len = key_len;
	job_deleg_start(job);
	if (hy_lookup_init(&job->lookup, HY_KAD_GET_PROVIDERS, key, key_len, keypair.peer_id,
					   keypair.peer_id_len, PF_ALPHA, hydra_bucket_size,
					   HY_LOOKUP_MAX_PROVIDERS, hydra_allow_private_addresses) < 0)
	{
		pfree(seed);
		job_dht_end(job, false);
		return;
	}
	hy_kadid(key, key_len, target);
	LWLockAcquire(&hydra_shared->rt_lock, LW_SHARED);
	n = hy_rtable_closest(rtable, target, NULL, 0, seed, PF_SEED);
	LWLockRelease(&hydra_shared->rt_lock);
	/* our own heads answer from the store we are filling: skip them */
	for (int i = 0; i < n; i++)
		if (!(seed[i].flags & HY_RT_FLAG_HEAD))
			(void) hy_lookup_add(&job->lookup, seed[i].peer_id, seed[i].peer_id_len,
								 &seed[i].addrs);
	pfree(seed);
	job_advance(job);
}

/* Fill free jobs from the queue; end lookups past their deadline */
static void
schedule(void)
{
	TimestampTz now = GetCurrentTimestamp();

	while (deleg != NULL && hy_deleg_poll(deleg, deleg_res))
		on_deleg_result(deleg_res);
	for (int j = 0; j < njobs; j++)
		if (jobs[j].busy && now >= jobs[j].deadline)
		{
			/* the lookup's deadline bounds the delegated request too */
			job_dht_end(&jobs[j], true);
			if (jobs[j].deleg_busy)
			{
				hy_deleg_cancel(deleg, jobs[j].ticket);
				job_deleg_end(&jobs[j], HYDRA_PF_TIMEOUT);
			}
		}
	for (int j = 0; j < njobs; j++)
	{
		uint8		key[HYDRA_PREFETCH_KEY_MAX];
		uint64		ticket;
		int			len;

		if (jobs[j].busy)
			continue;
		if ((len = hydra_prefetch_take(key, &ticket)) <= 0)
			break;
		job_start(&jobs[j], key, len, ticket);
	}
}

/* On exit: hand running keys back so a restarted worker looks them up */
static void
prefetch_worker_cleanup(int code, Datum arg)
{
	hydra_prefetch_release_running();
}

/* Register the prefetch worker (static: it needs shared memory from start) */
void
hydra_prefetch_register_worker(void)
{
	hydra_register_worker("hydra prefetch", "hydra_prefetch_worker_main", 0, 5);
}

/* Entry point of the prefetch worker */
void
hydra_prefetch_worker_main(Datum arg)
{
	WaitEventSet *set;
	uint8_t		seed[32];
	hy_host_config cfg;

	pqsignal(SIGTERM, die);
	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	BackgroundWorkerUnblockSignals();
	BackgroundWorkerInitializeConnection(hydra_database, NULL, 0);
	/* short, frequent statements: compiling them costs more than it saves */
	SetConfigOption("jit", "off", PGC_SUSET, PGC_S_OVERRIDE);

	if (!pg_strong_random(seed, sizeof(seed)))
		elog(ERROR, "hydra prefetch: no random bytes for an identity");
	hy_keypair_from_seed(&keypair, seed);
	explicit_bzero(seed, sizeof(seed));
	snprintf(protocol, sizeof(protocol), "%s/kad/1.0.0", hydra_protocol_prefix);

	rtable = hy_rtable_attach(hydra_rtable_mem());
	if (rtable == NULL)
		elog(ERROR, "hydra routing table is not formatted");
	loop = hy_loop_new();
	if (loop == NULL)
		elog(ERROR, "could not create the event loop");
	hy_host_config_init(&cfg, &keypair);
	cfg.agent = "hydra-prefetch/" HYDRA_VERSION;
	/* a peer that does not answer must not hold a lookup to its deadline */
	cfg.handshake_timeout_ms = Max(hydra_prefetch_timeout / 3, 500);
	host = hy_host_new(loop, &cfg, &pf_cbs, NULL);
	kc = hy_kad_client_new(loop, protocol,
						   Min(Max(hydra_prefetch_timeout / 3, 500), HY_KAD_REQUEST_TIMEOUT_MS));
	if (host == NULL || kc == NULL)
		elog(ERROR, "hydra prefetch: could not create the DHT client");
	njobs = hydra_prefetch_concurrency;
	jobs = MemoryContextAllocZero(TopMemoryContext, sizeof(PfJob) * Max(njobs, 1));
	/* made even when the URL is empty: it may be set later with a reload */
	deleg_res = MemoryContextAllocZero(TopMemoryContext, sizeof(hy_deleg_result));
	if (njobs > 0 && (deleg = hy_deleg_new(njobs)) == NULL)
		ereport(LOG, (errmsg("hydra prefetch: no HTTP client, delegated routing is off")));

	before_shmem_exit(prefetch_worker_cleanup, 0);
	hydra_prefetch_set_worker(MyProc->pgprocno);
	ereport(LOG, (errmsg("hydra prefetch worker: %d lookups at most", njobs)));
	pgstat_report_activity(STATE_IDLE, NULL);

	set = hydra_worker_wait_set(hy_loop_fd(loop));

	for (;;)
	{
		WaitEvent	ev;
		int			timeout = hy_loop_next_timeout(loop);

		if (timeout < 0 || timeout > PF_TICK_MS)
			timeout = PF_TICK_MS;
		if (hy_deleg_active(deleg) > 0 && timeout > PF_HTTP_TICK_MS)
			timeout = PF_HTTP_TICK_MS;
		(void) WaitEventSetWait(set, timeout, &ev, 1, PG_WAIT_EXTENSION);
		hydra_worker_woke();
		hy_loop_run_once(loop, 0);
		schedule();
	}
}
