/*
 * prefetch_worker.c — the prefetch worker: takes keys from the prefetch
 * queue (prefetch_queue.h) and runs up to hydra.prefetch_concurrency
 * iterative GET_PROVIDERS lookups (src/dht/lookup.h) at once on one event
 * loop, dialling peers from the shared routing table outwards; every
 * provider found is stored through hydra.add_provider, and a lookup that
 * finds nothing goes to the negative cache.
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
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "core/err.h"
#include "core/keys.h"
#include "core/multiaddr.h"
#include "core/peerid.h"
#include "dht/client.h"
#include "dht/kadid.h"
#include "dht/lookup.h"
#include "dht/rtable.h"
#include "net/conn.h"
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

typedef struct PfJob PfJob;

/* One query of a lookup: a dial, then one GET_PROVIDERS on it */
typedef struct PfQuery
{
	PfJob	   *job;
	hy_conn    *conn;			/* NULL = free */
	bool		asked;
	uint8		peer_id[HY_PEER_ID_MAX];
	size_t		peer_id_len;
} PfQuery;

/* One lookup in flight */
struct PfJob
{
	bool		busy;
	uint64		ticket;
	TimestampTz deadline;
	int			stored;			/* lookup.prov[0..stored) are in the store */
	hy_lookup	lookup;
	PfQuery		q[PF_ALPHA];
};

static hy_loop *loop = NULL;
static hy_host *host = NULL;
static hy_kad_client *kc = NULL;
static hy_rtable *rtable = NULL;
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
			if (jobs[j].busy && jobs[j].q[i].conn == c)
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
 * Store the providers a lookup found since the last call, in one
 * transaction, and tell the waiting backends how many are stored: a
 * hydra.fetch() that needs only a few returns before the lookup ends.
 */
static void
store_providers(PfJob *job)
{
	MemoryContext cxt = CurrentMemoryContext;
	const uint8 *key = job->lookup.key;
	int			key_len = (int) job->lookup.key_len;
	const hy_lookup *l = &job->lookup;

	if (l->nprov <= job->stored)
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
		for (int p = job->stored; p < l->nprov; p++)
		{
			const hy_provider *pv = &l->prov[p];
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
	job->stored = l->nprov;
	hydra_prefetch_progress(job->ticket, job->stored);
}

/* End a lookup: close its queries, store what it found, report the result */
static void
job_finish(PfJob *job, bool timed_out)
{
	HydraPrefetchResult result;

	job->busy = false;			/* callbacks of the closes below find nothing */
	for (int i = 0; i < PF_ALPHA; i++)
		query_end(&job->q[i], true);
	if (job->lookup.nprov > 0)
		result = HYDRA_PF_FOUND;
	else if (timed_out)
		result = HYDRA_PF_TIMEOUT;
	else if (job->lookup.answers > 0)
		result = HYDRA_PF_EMPTY;
	else
		result = HYDRA_PF_ERROR;
	store_providers(job);
	hydra_prefetch_finish(job->ticket, result);
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

/* Start the queries the lookup allows; finish it when it is over */
static void
job_advance(PfJob *job)
{
	for (;;)
	{
		hy_lookup_peer next;
		PfQuery    *q = NULL;
		int			rc;

		if (!job->busy)
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
			job_finish(job, false);
			return;
		}
		if (rc != 1)
			return;
		memcpy(q->peer_id, next.peer_id, next.peer_id_len);
		q->peer_id_len = next.peer_id_len;
		q->asked = false;
		q->conn = dial_peer(&next);
		if (q->conn == NULL)
			hy_lookup_failed(&job->lookup, next.peer_id, next.peer_id_len);
	}
}

/* The answer to a query */
static void
on_reply(void *arg, hy_conn *c, int err, const hy_kad_message *resp)
{
	PfQuery    *q = arg;
	PfJob	   *job = q->job;

	if (!job->busy || q->conn != c)
		return;
	if (err < 0 || resp == NULL)
		hy_lookup_failed(&job->lookup, q->peer_id, q->peer_id_len);
	else
		hy_lookup_response(&job->lookup, q->peer_id, q->peer_id_len, resp);
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
	job->deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), hydra_prefetch_timeout);
	for (int i = 0; i < PF_ALPHA; i++)
		job->q[i].job = job;
	if (hy_lookup_init(&job->lookup, HY_KAD_GET_PROVIDERS, key, key_len, keypair.peer_id,
					   keypair.peer_id_len, PF_ALPHA, hydra_bucket_size,
					   HY_LOOKUP_MAX_PROVIDERS, hydra_allow_private_addresses) < 0)
	{
		pfree(seed);
		job_finish(job, false);
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

	for (int j = 0; j < njobs; j++)
		if (jobs[j].busy && now >= jobs[j].deadline)
			job_finish(&jobs[j], true);
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
	BackgroundWorker worker;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 5;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "hydra");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "hydra_prefetch_worker_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, "hydra prefetch");
	snprintf(worker.bgw_type, BGW_MAXLEN, "hydra prefetch");
	RegisterBackgroundWorker(&worker);
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
	jobs = MemoryContextAllocZero(TopMemoryContext, sizeof(PfJob) * njobs);

	before_shmem_exit(prefetch_worker_cleanup, 0);
	hydra_prefetch_set_worker(MyProc->pgprocno);
	ereport(LOG, (errmsg("hydra prefetch worker: %d lookups at most", njobs)));
	pgstat_report_activity(STATE_IDLE, NULL);

	set = CreateWaitEventSet(TopMemoryContext, 3);
	AddWaitEventToSet(set, WL_LATCH_SET, PGINVALID_SOCKET, MyLatch, NULL);
	AddWaitEventToSet(set, WL_EXIT_ON_PM_DEATH, PGINVALID_SOCKET, NULL, NULL);
	AddWaitEventToSet(set, WL_SOCKET_READABLE, hy_loop_fd(loop), NULL, NULL);

	for (;;)
	{
		WaitEvent	ev;
		int			timeout = hy_loop_next_timeout(loop);

		if (timeout < 0 || timeout > PF_TICK_MS)
			timeout = PF_TICK_MS;
		(void) WaitEventSetWait(set, timeout, &ev, 1, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}
		hy_loop_run_once(loop, 0);
		schedule();
	}
}
