/*
 * refresh.c — liveness checks of the shared routing table and self-lookups
 * of the heads (see refresh.h).
 */
#include "dht/refresh.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/multiaddr.h"
#include "dht/client.h"
#include "dht/kad_msg.h"
#include "dht/kadid.h"

#define REFRESH_MAX_HEADS 4096
#define LOOKUP_FANOUT 3			/* peers asked per head and round */
#define DISCOVER_PER_ANSWER 8	/* unknown closer peers dialled per answer */

typedef enum job_kind
{
	JOB_FREE = 0,
	JOB_CHECK,					/* liveness check of a table entry */
	JOB_LOOKUP,					/* FIND_NODE(head) to a close peer */
	JOB_DISCOVER				/* dial a new peer so identify can add it */
} job_kind;

typedef struct refresh_job
{
	struct hy_dht_refresher *owner;
	job_kind	kind;
	int			asked;			/* request sent, answer pending */
	int			head;
	hy_conn    *conn;
	uint8_t		peer_id[HY_PEER_ID_MAX];
	size_t		peer_id_len;
} refresh_job;

struct hy_dht_refresher
{
	hy_refresh_config cfg;
	hy_kad_client *kc;
	hy_host   **heads;
	int			nheads;
	int			next_head;
	refresh_job *jobs;
	hy_timer	check_timer;
	hy_timer	refresh_timer;
	hy_refresh_stats st;
};

/* Wall clock in Unix milliseconds */
static uint64_t
realtime_ms(void *arg)
{
	(void) arg;
	return hy_realtime_ms();
}

/* Take the routing-table lock, if the caller configured one */
static void
rt_lock(hy_dht_refresher *r, int exclusive)
{
	if (r->cfg.rt_lock)
		r->cfg.rt_lock(r->cfg.lock_arg, exclusive);
}

/* Release the routing-table lock */
static void
rt_unlock(hy_dht_refresher *r)
{
	if (r->cfg.rt_unlock)
		r->cfg.rt_unlock(r->cfg.lock_arg);
}

/* A free job slot, or NULL (counted) when all are in use */
static refresh_job *
job_alloc(hy_dht_refresher *r, job_kind kind, int head, const uint8_t *id, size_t len)
{
	for (int i = 0; i < r->cfg.max_jobs; i++)
		if (r->jobs[i].kind == JOB_FREE)
		{
			refresh_job *j = &r->jobs[i];

			memset(j, 0, sizeof(*j));
			j->owner = r;
			j->kind = kind;
			j->head = head;
			memcpy(j->peer_id, id, len);
			j->peer_id_len = len;
			return j;
		}
	r->st.jobs_dropped++;
	return NULL;
}

/* The job that owns a connection, if any */
static refresh_job *
job_of(hy_dht_refresher *r, const hy_conn *c)
{
	for (int i = 0; i < r->cfg.max_jobs; i++)
		if (r->jobs[i].kind != JOB_FREE && r->jobs[i].conn == c)
			return &r->jobs[i];
	return NULL;
}

/* Finish a job; close its connection unless it is already gone */
static void
job_end(refresh_job *j, int close_conn)
{
	hy_conn    *c = j->conn;

	j->kind = JOB_FREE;
	j->conn = NULL;
	if (c && close_conn)
		hy_conn_close(c);
}

/* A check or lookup failed: count it against the entry */
static void
job_failed(hy_dht_refresher *r, refresh_job *j, int close_conn)
{
	if (j->kind == JOB_CHECK)
	{
		int			evicted;

		rt_lock(r, 1);
		evicted = hy_rtable_mark_failed(r->cfg.rt, j->peer_id, j->peer_id_len);
		rt_unlock(r);
		r->st.checks_failed++;
		if (evicted == 1)
			r->st.evicted++;
	}
	job_end(j, close_conn);
}

/* Dial a peer at the first of its addresses that a dial can use */
static int
job_dial(hy_dht_refresher *r, refresh_job *j, const hy_addrset *addrs)
{
	for (int i = 0; i < addrs->n; i++)
	{
		uint8_t		ma[HY_MULTIADDR_MAX];
		hy_ma_endpoint ep;
		int			n;
		int			err = 0;

		if (hy_multiaddr_tcp_endpoint(addrs->a[i], addrs->len[i], &ep) < 0)
			continue;
		n = hy_multiaddr_append_p2p(addrs->a[i], addrs->len[i], j->peer_id, j->peer_id_len,
									ma, sizeof(ma));
		if (n < 0)
			continue;
		j->conn = hy_host_dial(r->heads[j->head], ma, n, NULL, &err);
		if (j->conn)
			return HY_OK;
	}
	return HY_ERR_INVALID;
}

/* True if the peer is one of our heads or already in the table */
static int
known_peer(hy_dht_refresher *r, const uint8_t *id, size_t len)
{
	hy_rt_entry e;
	int			found;

	for (int h = 0; h < r->nheads; h++)
	{
		const hy_keypair *kp = hy_host_keypair(r->heads[h]);

		if (kp->peer_id_len == len && memcmp(kp->peer_id, id, len) == 0)
			return 1;
	}
	rt_lock(r, 0);
	found = hy_rtable_find(r->cfg.rt, id, len, &e);
	rt_unlock(r);
	return found;
}

/* Dial the closer peers of an answer that we do not know yet */
static void
discover(hy_dht_refresher *r, int head, const hy_kad_message *resp)
{
	int			started = 0;

	for (size_t i = 0; i < resp->n_closerpeers && started < DISCOVER_PER_ANSWER; i++)
	{
		const hy_kad_peer *p = resp->closerpeers[i];
		hy_addrset	addrs;
		refresh_job *j;

		if (p == NULL || p->id.len == 0 || p->id.len > HY_PEER_ID_MAX ||
			known_peer(r, p->id.data, p->id.len))
			continue;
		memset(&addrs, 0, sizeof(addrs));
		for (size_t a = 0; a < p->n_addrs; a++)
			(void) hy_addrset_add(&addrs, p->addrs[a].data, p->addrs[a].len, p->id.data,
								  p->id.len, r->cfg.rt->cfg.allow_private);
		if (addrs.n == 0 || (j = job_alloc(r, JOB_DISCOVER, head, p->id.data, p->id.len)) == NULL)
			continue;
		if (job_dial(r, j, &addrs) < 0)
		{
			job_end(j, 0);
			continue;
		}
		r->st.discovered++;
		started++;
	}
}

/* The answer to a check or lookup */
static void
on_reply(void *arg, hy_conn *c, int err, const hy_kad_message *resp)
{
	refresh_job *j = arg;
	hy_dht_refresher *r = j->owner;
	uint64_t	now = r->cfg.now_ms(r->cfg.clock_arg);

	if (j->kind == JOB_FREE || j->conn != c || !j->asked)
		return;
	if (err < 0 || resp == NULL)
	{
		job_failed(r, j, 1);
		return;
	}
	rt_lock(r, 1);
	(void) hy_rtable_touch(r->cfg.rt, j->peer_id, j->peer_id_len, now);
	rt_unlock(r);
	if (j->kind == JOB_CHECK)
		r->st.checks_ok++;
	discover(r, j->head, resp);
	job_end(j, 1);
}

/* Ask FIND_NODE(our head) on a job's fresh connection */
static void
job_ask(hy_dht_refresher *r, refresh_job *j)
{
	const hy_keypair *kp = hy_host_keypair(r->heads[j->head]);
	hy_kad_builder *b = malloc(sizeof(hy_kad_builder));
	int			rc;

	if (b == NULL)
	{
		job_failed(r, j, 1);
		return;
	}
	hy_kad_builder_init(b, HY_KAD_FIND_NODE, kp->peer_id, kp->peer_id_len);
	j->asked = 1;
	rc = hy_kad_request(r->kc, j->conn, &b->msg, on_reply, j);
	free(b);
	if (rc < 0)
		job_failed(r, j, 1);
	else if (j->kind == JOB_LOOKUP)
		r->st.lookups++;
}

/* Check a few entries that have not been checked for a while */
static void
check_tick(hy_loop *loop, void *arg)
{
	hy_dht_refresher *r = arg;
	uint64_t	now = r->cfg.now_ms(r->cfg.clock_arg);

	for (int i = 0; i < r->cfg.check_batch && r->nheads > 0; i++)
	{
		hy_rt_entry e;
		refresh_job *j;
		int			got;

		rt_lock(r, 1);
		got = hy_rtable_next_check(r->cfg.rt, now, (uint64_t) r->cfg.recheck_ms, &e);
		rt_unlock(r);
		if (got <= 0)
			break;
		if (e.flags & HY_RT_FLAG_HEAD)
			continue;
		j = job_alloc(r, JOB_CHECK, r->next_head++ % r->nheads, e.peer_id, e.peer_id_len);
		if (j == NULL)
			break;
		r->st.checks++;
		if (job_dial(r, j, &e.addrs) < 0)
			job_failed(r, j, 0);
	}
	hy_timer_start(loop, &r->check_timer, (uint64_t) r->cfg.check_interval_ms);
}

/* Every head asks the peers closest to its id for closer peers */
static void
refresh_tick(hy_loop *loop, void *arg)
{
	hy_dht_refresher *r = arg;

	for (int h = 0; h < r->nheads; h++)
	{
		const hy_keypair *kp = hy_host_keypair(r->heads[h]);
		uint8_t		target[HY_KADID_LEN];
		hy_rt_exclude self = {kp->peer_id, kp->peer_id_len};
		hy_rt_entry out[LOOKUP_FANOUT];
		int			n;

		hy_kadid(kp->peer_id, kp->peer_id_len, target);
		rt_lock(r, 0);
		n = hy_rtable_closest(r->cfg.rt, target, &self, 1, out, LOOKUP_FANOUT);
		rt_unlock(r);
		for (int i = 0; i < n; i++)
		{
			refresh_job *j;

			if (out[i].flags & HY_RT_FLAG_HEAD)
				continue;
			j = job_alloc(r, JOB_LOOKUP, h, out[i].peer_id, out[i].peer_id_len);
			if (j == NULL)
				break;
			if (job_dial(r, j, &out[i].addrs) < 0)
				job_end(j, 0);
		}
	}
	hy_timer_start(loop, &r->refresh_timer, (uint64_t) r->cfg.refresh_interval_ms);
}

/* Create a refresher; its timers start at once */
hy_dht_refresher *
hy_dht_refresher_new(const hy_refresh_config *cfg)
{
	hy_dht_refresher *r;

	if (cfg == NULL || cfg->loop == NULL || cfg->rt == NULL || cfg->protocol == NULL)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->cfg = *cfg;
	if (r->cfg.check_interval_ms <= 0)
		r->cfg.check_interval_ms = 60 * 1000;
	if (r->cfg.check_batch <= 0)
		r->cfg.check_batch = 8;
	if (r->cfg.recheck_ms <= 0)
		r->cfg.recheck_ms = 10 * 60 * 1000;
	if (r->cfg.first_refresh_ms <= 0)
		r->cfg.first_refresh_ms = 10 * 1000;
	if (r->cfg.refresh_interval_ms <= 0)
		r->cfg.refresh_interval_ms = 10 * 60 * 1000;
	if (r->cfg.max_jobs <= 0)
		r->cfg.max_jobs = 32;
	if (r->cfg.now_ms == NULL)
		r->cfg.now_ms = realtime_ms;
	r->jobs = calloc(r->cfg.max_jobs, sizeof(refresh_job));
	r->heads = calloc(REFRESH_MAX_HEADS, sizeof(hy_host *));
	r->kc = hy_kad_client_new(cfg->loop, cfg->protocol, 0);
	if (r->jobs == NULL || r->heads == NULL || r->kc == NULL)
	{
		hy_dht_refresher_free(r);
		return NULL;
	}
	hy_timer_init(&r->check_timer, check_tick, r);
	hy_timer_init(&r->refresh_timer, refresh_tick, r);
	hy_timer_start(cfg->loop, &r->check_timer, (uint64_t) r->cfg.check_interval_ms);
	hy_timer_start(cfg->loop, &r->refresh_timer, (uint64_t) r->cfg.first_refresh_ms);
	return r;
}

/* Free the refresher, closing its connections */
void
hy_dht_refresher_free(hy_dht_refresher *r)
{
	if (r == NULL)
		return;
	if (r->jobs)
		for (int i = 0; i < r->cfg.max_jobs; i++)
			if (r->jobs[i].kind != JOB_FREE)
				job_end(&r->jobs[i], 1);
	hy_timer_stop(r->cfg.loop, &r->check_timer);
	hy_timer_stop(r->cfg.loop, &r->refresh_timer);
	if (r->kc)
		hy_kad_client_free(r->kc);
	free(r->jobs);
	free(r->heads);
	free(r);
}

/* Add a head to dial from and to look up */
int
hy_dht_refresher_add_head(hy_dht_refresher *r, hy_host *host)
{
	if (r->nheads >= REFRESH_MAX_HEADS)
		return HY_ERR_TOO_LONG;
	r->heads[r->nheads++] = host;
	return HY_OK;
}

/* One of our dials is up: ask, or wait for identify (discovery) */
void
hy_dht_refresher_conn_ready(hy_dht_refresher *r, hy_conn *c)
{
	refresh_job *j = job_of(r, c);

	if (j && j->kind != JOB_DISCOVER && !j->asked)
		job_ask(r, j);
}

/* A discovery dial is identified (the table has it now): hang up */
void
hy_dht_refresher_conn_identified(hy_dht_refresher *r, hy_conn *c)
{
	refresh_job *j = job_of(r, c);

	if (j && j->kind == JOB_DISCOVER)
		job_end(j, 1);
}

/* A connection is gone: a job still waiting on it has failed */
void
hy_dht_refresher_conn_closed(hy_dht_refresher *r, hy_conn *c)
{
	refresh_job *j = job_of(r, c);

	if (j == NULL)
		return;
	j->conn = NULL;
	if (j->kind == JOB_DISCOVER)
		job_end(j, 0);
	else
		job_failed(r, j, 0);
}

/* Counters */
const hy_refresh_stats *
hy_dht_refresher_stats(const hy_dht_refresher *r)
{
	return &r->st;
}
