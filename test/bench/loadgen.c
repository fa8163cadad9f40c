/*
 * loadgen.c — Kademlia load generator on hydra's own stack (src/net for
 * TCP + Noise + yamux, src/dht for kad messages and the request client).
 * One process, one single-threaded event loop; --procs N forks N copies
 * (connections and offered rate split between them) and prints the sum.
 *
 * Usage:
 *   loadgen [options] <multiaddr/p2p/id> [<multiaddr/p2p/id> ...]
 *     --conns N          connections, spread round robin over the targets;
 *                        each from its own client identity (default 8)
 *     --inflight N       requests in flight per connection (default 8);
 *                        every request runs on its own yamux stream
 *     --mix G,A,F        percent GET_PROVIDERS, ADD_PROVIDER, FIND_NODE
 *                        (default 100,0,0)
 *     --hit N            percent of GET_PROVIDERS asking for a key that was
 *                        written (k(i) below); the rest ask unseen keys
 *                        (default 100; a hit needs some key to exist)
 *     --known N          keys k(0) .. k(N-1) exist already (a previous run)
 *     --add-start N      first key index this run writes (default --known)
 *     --seed S           run seed (integer, default 1): keys and identities
 *     --rate R           open loop: R requests/s offered in total (token
 *                        bucket, 1 ms ticks); a token that finds every
 *                        window full is counted in not_sent_window_full.
 *                        Without --rate: closed loop (as fast as answers come)
 *     --duration S       seconds of load after the connections are up (10)
 *     --count N          end the run once N requests were sent (all types;
 *                        with --procs P each process sends N/P, rounded up),
 *                        or after --duration, whichever comes first
 *     --timeout-ms N     per-request timeout (default 5000)
 *     --provider-addr MA address put in ADD_PROVIDER (/ip4/127.0.0.1/tcp/4001)
 *     --procs N          fork N load processes and sum their figures
 *     --visibility N     instead of load: N trials of ADD_PROVIDER through
 *                        target 1, then GET_PROVIDERS through target 2 back
 *                        to back (--poll-ms apart, default 1) until the
 *                        provider appears (2 s per trial at most)
 *     --churn            instead of requests: every connection slot dials,
 *                        completes TCP + Noise + yamux, closes and dials
 *                        again for --duration; reports handshakes/s, their
 *                        latency (dial to upgraded) and failures.  Slots
 *                        keep their identity from one connection to the next
 *                        (the Noise handshake is new each time: ephemeral
 *                        keys); --conns is the number of parallel slots
 *     --churn-req        with --churn: one FIND_NODE on each connection
 *                        before closing it (counted under find_node)
 *
 * Keys: k(i) = sha2-256 multihash of be64(seed) || be64(i), i.e. in SQL
 *   '\x1220'::bytea || sha256(int8send(seed) || int8send(i)).
 * With --procs P, process p writes k(add_start + n*P + p), n = 0, 1, ...
 * and "keys_contiguous" in the output is the count N such that every key
 * of [add_start, add_start + N) was sent.  Unseen keys use i >= 2^62.
 *
 * ADD_PROVIDER gets no answer in the protocol: "done" counts records written
 * to their stream (the stream itself stays counted against the window until
 * the server has read it and closed its side).  Whether they were stored is
 * for the caller to check in hydra.provider_records.
 *
 * Output: one JSON object on stdout: per type sent / done / errors /
 * throughput, latency percentiles (p50/p90/p99/max, ms, answered types),
 * hit and miss figures for GET_PROVIDERS, and the generator's own CPU time
 * (getrusage) to show it is not the bottleneck, and the time it waited for
 * a CPU (run queue, /proc schedstat) when the machine is shared.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/multiaddr.h"
#include "dht/client.h"
#include "dht/kad_msg.h"
#include "net/conn.h"

#define LG_MAX_TARGETS 64
#define LG_NTYPES 3
#define LG_GP 0
#define LG_AP 1
#define LG_FN 2
#define LG_SUB_BITS 6
#define LG_NBUCKETS (64 * 40)
#define LG_TICK_MS 1
#define LG_CONNECT_WAIT_MS 15000
#define LG_DRAIN_MS 3000
#define LG_KEY_LEN 34
#define LG_MISS_BASE (UINT64_C(1) << 62)
#define LG_VIS_TRIAL_MS 2000

static const char *const type_names[LG_NTYPES] = {"get_providers", "add_provider", "find_node"};

/* Figures of one process; plain data so that children can pipe it */
typedef struct lg_stats
{
	uint64_t	sent[LG_NTYPES];	/* requests started */
	uint64_t	done[LG_NTYPES];	/* answered (ADD: written) during the run */
	uint64_t	late[LG_NTYPES];	/* answered after the run, while draining */
	uint64_t	timeouts[LG_NTYPES];
	uint64_t	errors[LG_NTYPES];	/* refused, reset, closed, malformed */
	uint64_t	start_failed;	/* hy_kad_request refused to start */
	uint64_t	not_sent;		/* open loop: every window full */
	uint64_t	unfinished;		/* still in flight after draining */
	uint64_t	gp_hit_req,
				gp_hit_found,
				gp_miss_req,
				gp_miss_found;
	uint64_t	fn_closer;		/* closer peers received for FIND_NODE */
	uint64_t	conns,
				conns_ready,
				conns_failed,
				conns_lost;		/* closed during the run */
	uint64_t	keys_written;	/* ADD_PROVIDER keys of this process */
	uint64_t	min_keys_written;	/* merged: the smallest per process */
	uint64_t	hist[LG_NTYPES][LG_NBUCKETS];	/* latency, microseconds */
	uint64_t	max_us[LG_NTYPES];
	uint64_t	handshakes;		/* churn: upgrades completed during the run */
	uint64_t	hs_hist[LG_NBUCKETS];	/* churn: dial to upgraded, microseconds */
	uint64_t	hs_max_us;
	double		wall_s;
	double		user_s,
				sys_s;
	double		runq_s;			/* waiting for a CPU (schedstat) */
	int			nprocs;
} lg_stats;

typedef struct lg_opts
{
	uint8_t		target[LG_MAX_TARGETS][HY_MULTIADDR_MAX];
	int			target_len[LG_MAX_TARGETS];
	int			ntargets;
	int			conns;
	int			inflight;
	int			mix[LG_NTYPES];
	int			hit_pct;
	uint64_t	known;
	uint64_t	add_start;
	int			add_start_set;
	uint64_t	seed;
	double		rate;
	double		duration;
	int			timeout_ms;
	uint8_t		prov_addr[HY_MULTIADDR_MAX];
	int			prov_addr_len;
	int			procs;
	int			visibility;
	int			poll_ms;
	int			churn;
	int			churn_req;
	uint64_t	count;			/* per process; 0 = no limit */
} lg_opts;

typedef struct lg_conn
{
	struct lg_app *app;
	int			idx;
	int			target;
	hy_keypair	kp;
	hy_host    *host;
	hy_conn    *conn;
	hy_kad_client *kc;
	int			ready;
	int			pending;		/* requests whose callback has not come */
	uint64_t	retry_at;		/* ms: redial after a loss */
	uint64_t	dial_us;		/* churn: when the current dial started */
} lg_conn;

typedef struct lg_req
{
	lg_conn    *c;
	int			type;
	int			hit;
	uint64_t	t0_us;
} lg_req;

typedef struct lg_app
{
	const lg_opts *o;
	int			proc;
	hy_loop    *loop;
	lg_conn    *conns;
	int			nconns;
	lg_stats   *st;
	int			phase;			/* 0 connect, 1 run, 2 drain */
	uint64_t	run_start_ms;
	uint64_t	connect_start_ms;
	uint64_t	last_tick_ms;
	double		tokens;
	double		rate;
	int			rr;
	uint64_t	rng;
	hy_timer	tick;
	/* visibility */
	int			vis_trial;
	int			vis_state;		/* 0 idle, 1 add sent, 2 polling */
	uint64_t	vis_t0_us;
	uint64_t	vis_next_poll_ms;
	int			vis_inflight;
	uint8_t		vis_key[LG_KEY_LEN];
	double	   *vis_samples;
	int			vis_nsamples;
	int			vis_timeouts;
} lg_app;

/* Microseconds from a monotonic clock */
static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000u + (uint64_t) ts.tv_nsec / 1000u;
}

/* xorshift64* step */
static uint64_t
rnd(lg_app *a)
{
	a->rng ^= a->rng >> 12;
	a->rng ^= a->rng << 25;
	a->rng ^= a->rng >> 27;
	return a->rng * UINT64_C(2685821657736338717);
}

/* Store a 64-bit value big-endian */
static void
put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--)
	{
		p[i] = (uint8_t) v;
		v >>= 8;
	}
}

/* k(i): sha2-256 multihash of be64(seed) || be64(i) */
static void
make_key(uint64_t seed, uint64_t i, uint8_t out[LG_KEY_LEN])
{
	uint8_t		in[16];

	put_be64(in, seed);
	put_be64(in + 8, i);
	out[0] = 0x12;
	out[1] = 0x20;
	crypto_hash_sha256(out + 2, in, sizeof(in));
}

/* Histogram bucket of a value: exact below 128, then 64 per power of two */
static int
hist_bucket(uint64_t v)
{
	int			msb,
				shift,
				idx;

	if (v < 128)
		return (int) v;
	msb = 63 - __builtin_clzll(v);
	shift = msb - LG_SUB_BITS;
	idx = (shift + 1) * 64 + (int) ((v >> shift) - 64);
	return idx < LG_NBUCKETS ? idx : LG_NBUCKETS - 1;
}

/* Upper bound of a histogram bucket */
static uint64_t
hist_upper(int idx)
{
	int			shift;

	if (idx < 128)
		return (uint64_t) idx;
	shift = idx / 64 - 1;
	return ((uint64_t) (64 + idx % 64 + 1) << shift) - 1;
}

/* Smallest integer >= x, for non-negative x (no libm) */
static uint64_t
ceil_u(double x)
{
	uint64_t	i = (uint64_t) x;

	return (double) i < x ? i + 1 : i;
}

/* Percentile q (0..1) of a histogram, in microseconds */
static uint64_t
hist_pct(const uint64_t *h, uint64_t max_us, double q)
{
	uint64_t	total = 0,
				want,
				acc = 0;

	for (int i = 0; i < LG_NBUCKETS; i++)
		total += h[i];
	if (total == 0)
		return 0;
	want = ceil_u(q * (double) total);
	if (want == 0)
		want = 1;
	for (int i = 0; i < LG_NBUCKETS; i++)
	{
		acc += h[i];
		if (acc >= want)
		{
			uint64_t	u = hist_upper(i);

			return u < max_us ? u : max_us;
		}
	}
	return max_us;
}

static void fill_conn(lg_app *a, lg_conn *c);

/* Pick a request type by the mix */
static int
pick_type(lg_app *a)
{
	int			r = (int) (rnd(a) % 100);

	if (r < a->o->mix[LG_GP])
		return LG_GP;
	if (r < a->o->mix[LG_GP] + a->o->mix[LG_AP])
		return LG_AP;
	return LG_FN;
}

/* Key index written by this process as its n-th ADD_PROVIDER */
static uint64_t
add_index(lg_app *a, uint64_t n)
{
	return a->o->add_start + n * (uint64_t) a->o->procs + (uint64_t) a->proc;
}

/* Answer or failure of a load request */
static void
on_reply(void *arg, hy_conn *conn, int err, const hy_kad_message *resp)
{
	lg_req	   *r = arg;
	lg_conn    *c = r->c;
	lg_app	   *a = c->app;
	lg_stats   *st = a->st;
	uint64_t	lat = now_us() - r->t0_us;

	(void) conn;
	c->pending--;
	if (err == HY_OK && (resp || r->type == LG_AP))
	{
		if (a->phase == 1)
			st->done[r->type]++;
		else
			st->late[r->type]++;
		if (r->type != LG_AP)
		{
			st->hist[r->type][hist_bucket(lat)]++;
			if (lat > st->max_us[r->type])
				st->max_us[r->type] = lat;
		}
		if (r->type == LG_GP)
		{
			int			found = resp->n_providerpeers > 0;

			if (r->hit)
				st->gp_hit_found += found;
			else
				st->gp_miss_found += found;
		}
		else if (r->type == LG_FN)
			st->fn_closer += resp->n_closerpeers;
	}
	else if (err == HY_NET_ERR_TIMEOUT)
		st->timeouts[r->type]++;
	else
		st->errors[r->type]++;
	free(r);
	if (a->o->churn)
	{
		/* the one request of this connection is over: next handshake */
		if (c->conn)
			hy_conn_close(c->conn);
		return;
	}
	if (a->phase == 1 && a->rate <= 0)
		fill_conn(a, c);
}

/* Start one request of a type on a connection; 0 or -1 */
static int
send_one(lg_app *a, lg_conn *c, int type)
{
	hy_kad_message m = HY__KAD__MESSAGE__INIT;
	hy_kad_peer p = HY__KAD__MESSAGE__PEER__INIT;
	hy_kad_peer *pp = &p;
	ProtobufCBinaryData addr;
	uint8_t		key[LG_KEY_LEN];
	lg_req	   *r = malloc(sizeof(*r));
	const lg_opts *o = a->o;
	int			rc;

	if (!r)
		return -1;
	if (o->count && a->st->sent[0] + a->st->sent[1] + a->st->sent[2] >= o->count)
	{
		free(r);
		return -1;
	}
	r->c = c;
	r->type = type;
	r->hit = 0;
	if (type == LG_AP)
		make_key(o->seed, add_index(a, a->st->keys_written), key);
	else if (type == LG_GP)
	{
		uint64_t	avail = o->known + a->st->keys_written;

		if (avail > 0 && (int) (rnd(a) % 100) < o->hit_pct)
		{
			uint64_t	x = rnd(a) % avail;

			r->hit = 1;
			make_key(o->seed, x < o->known ? x : add_index(a, x - o->known), key);
		}
		else
			make_key(o->seed, LG_MISS_BASE + (rnd(a) >> 2), key);
	}
	else
	{
		/* FIND_NODE for a random peer-ID-shaped key */
		make_key(o->seed ^ UINT64_C(0x5a5a5a5a), rnd(a), key);
	}
	m.has_type = 1;
	m.type = type == LG_GP ? HY_KAD_GET_PROVIDERS :
		type == LG_AP ? HY_KAD_ADD_PROVIDER : HY_KAD_FIND_NODE;
	m.has_key = 1;
	m.key.data = key;
	m.key.len = sizeof(key);
	if (type == LG_AP)
	{
		p.has_id = 1;
		p.id.data = c->kp.peer_id;
		p.id.len = c->kp.peer_id_len;
		addr.data = (uint8_t *) o->prov_addr;
		addr.len = (size_t) o->prov_addr_len;
		p.n_addrs = 1;
		p.addrs = &addr;
		m.n_providerpeers = 1;
		m.providerpeers = &pp;
	}
	r->t0_us = now_us();
	rc = hy_kad_request(c->kc, c->conn, &m, on_reply, r);
	if (rc < 0)
	{
		free(r);
		a->st->start_failed++;
		return -1;
	}
	c->pending++;
	a->st->sent[type]++;
	if (type == LG_AP)
		a->st->keys_written++;
	else if (type == LG_GP)
	{
		if (r->hit)
			a->st->gp_hit_req++;
		else
			a->st->gp_miss_req++;
	}
	return 0;
}

/*
 * Whether a connection can take one more request: fewer than --inflight
 * callbacks outstanding, and (for ADD_PROVIDER, whose callback comes when
 * it is written) not too many streams the server has yet to close.
 */
static int
has_slot(lg_app *a, lg_conn *c)
{
	return c->ready && c->pending < a->o->inflight &&
		hy_kad_client_inflight(c->kc) < 2 * a->o->inflight;
}

/* Closed loop: fill a connection's window */
static void
fill_conn(lg_app *a, lg_conn *c)
{
	while (has_slot(a, c))
		if (send_one(a, c, pick_type(a)) < 0)
			break;
}

/* Dial a connection's target */
static void
dial(lg_app *a, lg_conn *c)
{
	int			err = 0;

	c->ready = 0;
	c->dial_us = now_us();
	c->conn = hy_host_dial(c->host, a->o->target[c->target],
						   (size_t) a->o->target_len[c->target], c, &err);
	if (!c->conn)
	{
		a->st->conns_failed++;
		c->retry_at = hy_loop_now(a->loop) + 500;
	}
}

/* Churn: count a finished upgrade, then ask once or close at once */
static void
churn_ready(lg_conn *c)
{
	lg_app	   *a = c->app;
	uint64_t	lat = now_us() - c->dial_us;

	if (a->phase != 1)
	{
		hy_conn_close(c->conn);
		return;
	}
	a->st->handshakes++;
	a->st->hs_hist[hist_bucket(lat)]++;
	if (lat > a->st->hs_max_us)
		a->st->hs_max_us = lat;
	/* hy_conn_close only marks the connection; conn_closed comes later */
	if (!a->o->churn_req || send_one(a, c, LG_FN) < 0)
		hy_conn_close(c->conn);
}

/* Connection upgraded */
static void
on_ready(hy_conn *conn, void *arg)
{
	lg_conn    *c = arg;

	if (conn != c->conn)
		return;
	c->ready = 1;
	c->app->st->conns_ready++;
	if (c->app->o->churn)
		churn_ready(c);
}

/* Connection gone: count it, redial later */
static void
on_closed(hy_conn *conn, hy_conn_reason reason, void *arg)
{
	lg_conn    *c = arg;
	lg_app	   *a = c->app;

	if (conn != c->conn)
		return;
	if (a->o->churn)
	{
		/* a failed upgrade counts, a close of our own does not */
		int			failed = !c->ready;

		if (failed && a->phase == 1)
			a->st->conns_failed++;
		c->conn = NULL;
		c->ready = 0;
		/* after a failure the tick redials 10 ms later, not in a tight loop */
		c->retry_at = hy_loop_now(a->loop) + (failed ? 10 : 0);
		if (a->phase == 1 && !failed)
			dial(a, c);
		return;
	}
	if (!c->ready)
	{
		a->st->conns_failed++;
		if (a->phase == 0)
			fprintf(stderr, "loadgen: connection %d failed: %s\n", c->idx,
					hy_conn_reason_name(reason));
	}
	else if (a->phase == 1)
		a->st->conns_lost++;
	c->conn = NULL;
	c->ready = 0;
	c->retry_at = hy_loop_now(a->loop) + 500;
}

/* Connections ready now */
static int
count_ready(lg_app *a)
{
	int			n = 0;

	for (int i = 0; i < a->nconns; i++)
		n += a->conns[i].ready;
	return n;
}

/* Requests outstanding on every connection */
static int
count_pending(lg_app *a)
{
	int			n = 0;

	for (int i = 0; i < a->nconns; i++)
		n += a->conns[i].pending;
	return n;
}

/* Open loop: spend the tokens that accrued */
static void
open_loop(lg_app *a, uint64_t now)
{
	double		burst = a->rate / 100.0 + 1.0;

	a->tokens += a->rate * (double) (now - a->last_tick_ms) / 1000.0;
	if (a->tokens > burst + a->nconns * a->o->inflight)
	{
		/* the loop stalled: what could not be offered counts as not sent */
		double		excess = a->tokens - burst;

		a->st->not_sent += (uint64_t) excess;
		a->tokens -= (double) (uint64_t) excess;
	}
	while (a->tokens >= 1.0)
	{
		int			sent = 0;

		a->tokens -= 1.0;
		for (int k = 0; k < a->nconns; k++)
		{
			lg_conn    *c = &a->conns[a->rr];

			a->rr = (a->rr + 1) % a->nconns;
			if (has_slot(a, c))
			{
				sent = send_one(a, c, pick_type(a)) == 0;
				break;
			}
		}
		if (!sent)
			a->st->not_sent++;
	}
}

static void vis_step(lg_app *a);

/* Every millisecond: phases, redials, open-loop tokens, window refills */
static void
on_tick(hy_loop *loop, void *arg)
{
	lg_app	   *a = arg;
	uint64_t	now = hy_loop_now(loop);

	for (int i = 0; i < a->nconns; i++)
	{
		lg_conn    *c = &a->conns[i];

		if (!c->conn && a->phase < 2 && now >= c->retry_at)
			dial(a, c);
	}
	if (a->phase == 0 && a->o->churn)
	{
		a->phase = 1;
		a->run_start_ms = now;
		a->last_tick_ms = now;
	}
	else if (a->phase == 0)
	{
		int			nready = count_ready(a);

		if (nready == a->nconns ||
			(now - a->connect_start_ms > LG_CONNECT_WAIT_MS && nready > 0))
		{
			a->phase = 1;
			a->run_start_ms = now;
			a->last_tick_ms = now;
			a->st->wall_s = 0;
		}
		else if (now - a->connect_start_ms > LG_CONNECT_WAIT_MS)
		{
			fprintf(stderr, "loadgen: no connection came up\n");
			hy_loop_stop(loop);
			return;
		}
	}
	else if (a->phase == 1)
	{
		if (a->o->visibility)
			vis_step(a);
		else if (now - a->run_start_ms >= (uint64_t) (a->o->duration * 1000.0) ||
				 (a->o->count && count_pending(a) == 0 &&
				  a->st->sent[0] + a->st->sent[1] + a->st->sent[2] >= a->o->count))
		{
			a->phase = 2;
			a->st->wall_s = (double) (now - a->run_start_ms) / 1000.0;
			a->run_start_ms = now;
		}
		else if (a->o->churn)
			;					/* callbacks drive the dials */
		else if (a->rate > 0)
			open_loop(a, now);
		else
			for (int i = 0; i < a->nconns; i++)
				fill_conn(a, &a->conns[i]);
		a->last_tick_ms = now;
	}
	if (a->phase == 2)
	{
		if (a->o->churn)
			for (int i = 0; i < a->nconns; i++)
				if (a->conns[i].conn)
					hy_conn_close(a->conns[i].conn);
		if (count_pending(a) == 0 || now - a->run_start_ms > LG_DRAIN_MS)
		{
			a->st->unfinished += (uint64_t) count_pending(a);
			hy_loop_stop(loop);
			return;
		}
	}
	hy_timer_start(loop, &a->tick, LG_TICK_MS);
}

/* Visibility: whether an answer names our provider */
static int
names_provider(const hy_kad_message *m, const hy_keypair *kp)
{
	for (size_t i = 0; i < m->n_providerpeers; i++)
	{
		const hy_kad_peer *p = m->providerpeers[i];

		if (p->has_id && p->id.len == kp->peer_id_len &&
			memcmp(p->id.data, kp->peer_id, kp->peer_id_len) == 0)
			return 1;
	}
	return 0;
}

/* Visibility: ADD_PROVIDER written */
static void
vis_added(void *arg, hy_conn *conn, int err, const hy_kad_message *resp)
{
	lg_app	   *a = arg;

	(void) conn;
	(void) resp;
	a->vis_inflight = 0;
	if (err != HY_OK)
	{
		a->st->errors[LG_AP]++;
		a->vis_state = 0;
		a->vis_trial++;
		return;
	}
	a->st->done[LG_AP]++;
	a->vis_t0_us = now_us();
	a->vis_state = 2;
	a->vis_next_poll_ms = 0;
}

/* Visibility: a poll answered */
static void
vis_polled(void *arg, hy_conn *conn, int err, const hy_kad_message *resp)
{
	lg_app	   *a = arg;
	uint64_t	t = now_us();

	(void) conn;
	a->vis_inflight = 0;
	if (err != HY_OK || !resp)
	{
		a->st->errors[LG_GP]++;
		return;
	}
	a->st->done[LG_GP]++;
	if (a->vis_state == 2 && names_provider(resp, &a->conns[0].kp))
	{
		double		ms = (double) (t - a->vis_t0_us) / 1000.0;

		a->vis_samples[a->vis_nsamples++] = ms;
		a->st->hist[LG_GP][hist_bucket(t - a->vis_t0_us)]++;
		a->vis_state = 0;
		a->vis_trial++;
	}
	else
		a->vis_next_poll_ms = hy_loop_now(a->loop) + (uint64_t) a->o->poll_ms;
}

/* Visibility: drive the trials (called every tick) */
static void
vis_step(lg_app *a)
{
	lg_conn    *c0 = &a->conns[0],
			   *c1 = &a->conns[1];
	hy_kad_message m = HY__KAD__MESSAGE__INIT;
	uint64_t	now = hy_loop_now(a->loop);

	if (a->vis_inflight || !c0->ready || !c1->ready)
		return;
	if (a->vis_trial >= a->o->visibility)
	{
		a->phase = 2;
		a->run_start_ms = now;
		return;
	}
	m.has_type = 1;
	m.has_key = 1;
	m.key.data = a->vis_key;
	m.key.len = sizeof(a->vis_key);
	if (a->vis_state == 0)
	{
		hy_kad_peer p = HY__KAD__MESSAGE__PEER__INIT;
		hy_kad_peer *pp = &p;
		ProtobufCBinaryData addr = {(size_t) a->o->prov_addr_len, (uint8_t *) a->o->prov_addr};

		make_key(a->o->seed, LG_MISS_BASE / 2 + (uint64_t) a->vis_trial, a->vis_key);
		m.type = HY_KAD_ADD_PROVIDER;
		p.has_id = 1;
		p.id.data = c0->kp.peer_id;
		p.id.len = c0->kp.peer_id_len;
		p.n_addrs = 1;
		p.addrs = &addr;
		m.n_providerpeers = 1;
		m.providerpeers = &pp;
		if (hy_kad_request(c0->kc, c0->conn, &m, vis_added, a) == HY_OK)
		{
			a->vis_inflight = 1;
			a->vis_state = 1;
			a->st->sent[LG_AP]++;
		}
		return;
	}
	if (a->vis_state != 2 || now < a->vis_next_poll_ms)
		return;
	if ((now_us() - a->vis_t0_us) / 1000 > LG_VIS_TRIAL_MS)
	{
		a->vis_timeouts++;
		a->vis_state = 0;
		a->vis_trial++;
		return;
	}
	m.type = HY_KAD_GET_PROVIDERS;
	if (hy_kad_request(c1->kc, c1->conn, &m, vis_polled, a) == HY_OK)
	{
		a->vis_inflight = 1;
		a->st->sent[LG_GP]++;
	}
}

/* Derive a client identity from the run seed, process and connection */
static void
conn_keypair(const lg_opts *o, int proc, int idx, hy_keypair *kp)
{
	uint8_t		in[24],
				seed[32];

	put_be64(in, o->seed);
	put_be64(in + 8, (uint64_t) proc);
	put_be64(in + 16, (uint64_t) idx);
	crypto_hash_sha256(seed, in, sizeof(in));
	hy_keypair_from_seed(kp, seed);
}

/* Seconds this thread has waited on a run queue (0 if unknown) */
static double
runqueue_wait_s(void)
{
	FILE	   *f = fopen("/proc/thread-self/schedstat", "r");
	unsigned long long run = 0,
				wait = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%llu %llu", &run, &wait) != 2)
		wait = 0;
	fclose(f);
	return (double) wait / 1e9;
}

/* Run the load of one process (connections idx % procs == proc) */
static int
run_proc(const lg_opts *o, int proc, lg_stats *st)
{
	lg_app		a;
	hy_host_cbs cbs;
	char		proto[64];
	struct rusage ru;
	int			n = 0;
	double		runq0 = runqueue_wait_s();

	memset(&a, 0, sizeof(a));
	memset(st, 0, sizeof(*st));
	a.o = o;
	a.proc = proc;
	a.st = st;
	a.rng = (o->seed + 1) * UINT64_C(0x9E3779B97F4A7C15) ^ (uint64_t) (proc + 1) * 7919u;
	a.rate = o->rate / o->procs;
	a.loop = hy_loop_new();
	if (!a.loop)
		return -1;
	for (int i = proc; i < o->conns; i += o->procs)
		n++;
	a.conns = calloc((size_t) n, sizeof(lg_conn));
	a.nconns = n;
	st->conns = (uint64_t) n;
	memset(&cbs, 0, sizeof(cbs));
	cbs.conn_ready = on_ready;
	cbs.conn_closed = on_closed;
	snprintf(proto, sizeof(proto), "%s%s", HY_KAD_DEFAULT_PREFIX, HY_KAD_PROTOCOL_SUFFIX);
	for (int k = 0; k < n; k++)
	{
		lg_conn    *c = &a.conns[k];
		hy_host_config cfg;
		int			gi = proc + k * o->procs;

		c->app = &a;
		c->idx = gi;
		c->target = gi % o->ntargets;
		/* visibility: one identity on both connections */
		conn_keypair(o, proc, o->visibility ? 0 : gi, &c->kp);
		hy_host_config_init(&cfg, &c->kp);
		cfg.agent = "hydra-loadgen/0.1.0";
		cfg.identify_on_connect = 0;
		cfg.idle_timeout_ms = -1;
		c->host = hy_host_new(a.loop, &cfg, &cbs, c);
		c->kc = hy_kad_client_new(a.loop, proto, o->timeout_ms);
		if (!c->host || !c->kc)
			return -1;
	}
	if (o->visibility)
		a.vis_samples = calloc((size_t) o->visibility, sizeof(double));
	hy_timer_init(&a.tick, on_tick, &a);
	a.connect_start_ms = hy_loop_now(a.loop);
	for (int k = 0; k < n; k++)
		dial(&a, &a.conns[k]);
	hy_timer_start(a.loop, &a.tick, LG_TICK_MS);
	hy_loop_run(a.loop);
	if (st->wall_s == 0 && a.phase >= 1)
		st->wall_s = (double) (hy_loop_now(a.loop) - a.run_start_ms) / 1000.0;
	getrusage(RUSAGE_SELF, &ru);
	st->user_s = (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
	st->sys_s = (double) ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	st->runq_s = runqueue_wait_s() - runq0;
	st->min_keys_written = st->keys_written;
	st->nprocs = 1;
	if (o->visibility)
	{
		int			ok = a.vis_nsamples;

		printf("{\"mode\":\"visibility\",\"trials\":%d,\"visible\":%d,\"not_visible_in_%dms\":%d,"
			   "\"polls\":%llu,\"poll_errors\":%llu",
			   a.vis_trial, ok, LG_VIS_TRIAL_MS, a.vis_timeouts,
			   (unsigned long long) st->done[LG_GP], (unsigned long long) st->errors[LG_GP]);
		if (ok > 0)
		{
			double		sum = 0;

			/* exact percentiles from the samples */
			for (int i = 1; i < ok; i++)
				for (int j = i; j > 0 && a.vis_samples[j - 1] > a.vis_samples[j]; j--)
				{
					double		t = a.vis_samples[j];

					a.vis_samples[j] = a.vis_samples[j - 1];
					a.vis_samples[j - 1] = t;
				}
			for (int i = 0; i < ok; i++)
				sum += a.vis_samples[i];
			printf(",\"min_ms\":%.2f,\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,"
				   "\"max_ms\":%.2f,\"mean_ms\":%.2f",
				   a.vis_samples[0], a.vis_samples[(ok - 1) / 2],
				   a.vis_samples[ceil_u(0.9 * ok) - 1],
				   a.vis_samples[ceil_u(0.99 * ok) - 1], a.vis_samples[ok - 1], sum / ok);
		}
		printf(",\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f}\n", st->user_s, st->sys_s);
		fflush(stdout);
	}
	return a.phase >= 1 ? 0 : -1;
}

/* Add one process's figures to a sum */
static void
merge(lg_stats *sum, const lg_stats *s)
{
	for (int t = 0; t < LG_NTYPES; t++)
	{
		sum->sent[t] += s->sent[t];
		sum->done[t] += s->done[t];
		sum->late[t] += s->late[t];
		sum->timeouts[t] += s->timeouts[t];
		sum->errors[t] += s->errors[t];
		for (int b = 0; b < LG_NBUCKETS; b++)
			sum->hist[t][b] += s->hist[t][b];
		if (s->max_us[t] > sum->max_us[t])
			sum->max_us[t] = s->max_us[t];
	}
	sum->start_failed += s->start_failed;
	sum->not_sent += s->not_sent;
	sum->unfinished += s->unfinished;
	sum->gp_hit_req += s->gp_hit_req;
	sum->gp_hit_found += s->gp_hit_found;
	sum->gp_miss_req += s->gp_miss_req;
	sum->gp_miss_found += s->gp_miss_found;
	sum->fn_closer += s->fn_closer;
	sum->conns += s->conns;
	sum->conns_ready += s->conns_ready;
	sum->conns_failed += s->conns_failed;
	sum->conns_lost += s->conns_lost;
	sum->keys_written += s->keys_written;
	sum->handshakes += s->handshakes;
	for (int b = 0; b < LG_NBUCKETS; b++)
		sum->hs_hist[b] += s->hs_hist[b];
	if (s->hs_max_us > sum->hs_max_us)
		sum->hs_max_us = s->hs_max_us;
	if (sum->nprocs == 0 || s->min_keys_written < sum->min_keys_written)
		sum->min_keys_written = s->min_keys_written;
	if (s->wall_s > sum->wall_s)
		sum->wall_s = s->wall_s;
	sum->user_s += s->user_s;
	sum->sys_s += s->sys_s;
	sum->runq_s += s->runq_s;
	sum->nprocs += s->nprocs;
}

/* Print the summed figures as one JSON object */
static void
print_json(const lg_opts *o, const lg_stats *s)
{
	double		wall = s->wall_s > 0 ? s->wall_s : 1e-9;
	uint64_t	total_done = 0;

	printf("{\"mode\":\"%s\",\"offered_per_s\":%.0f,\"procs\":%d,\"targets\":%d,"
		   "\"conns\":%llu,\"conns_ready\":%llu,\"conns_failed\":%llu,\"conns_lost\":%llu,"
		   "\"inflight_per_conn\":%d,\"mix\":[%d,%d,%d],\"hit_pct\":%d,\"seed\":%llu,"
		   "\"duration_s\":%.3f",
		   o->churn ? "churn" : o->rate > 0 ? "open" : "closed", o->rate, s->nprocs, o->ntargets,
		   (unsigned long long) s->conns, (unsigned long long) s->conns_ready,
		   (unsigned long long) s->conns_failed, (unsigned long long) s->conns_lost,
		   o->inflight, o->mix[0], o->mix[1], o->mix[2], o->hit_pct,
		   (unsigned long long) o->seed, s->wall_s);
	for (int t = 0; t < LG_NTYPES; t++)
	{
		total_done += s->done[t];
		printf(",\"%s\":{\"sent\":%llu,\"%s\":%llu,\"per_s\":%.1f,\"late\":%llu,"
			   "\"timeouts\":%llu,\"errors\":%llu",
			   type_names[t], (unsigned long long) s->sent[t],
			   t == LG_AP ? "written" : "answered", (unsigned long long) s->done[t],
			   (double) s->done[t] / wall, (unsigned long long) s->late[t],
			   (unsigned long long) s->timeouts[t], (unsigned long long) s->errors[t]);
		if (t != LG_AP && s->done[t] + s->late[t] > 0)
			printf(",\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f",
				   hist_pct(s->hist[t], s->max_us[t], 0.50) / 1000.0,
				   hist_pct(s->hist[t], s->max_us[t], 0.90) / 1000.0,
				   hist_pct(s->hist[t], s->max_us[t], 0.99) / 1000.0,
				   s->max_us[t] / 1000.0);
		if (t == LG_GP)
			printf(",\"hit_req\":%llu,\"hit_found\":%llu,\"miss_req\":%llu,\"miss_found\":%llu",
				   (unsigned long long) s->gp_hit_req, (unsigned long long) s->gp_hit_found,
				   (unsigned long long) s->gp_miss_req, (unsigned long long) s->gp_miss_found);
		if (t == LG_AP)
			printf(",\"add_start\":%llu,\"keys_contiguous\":%llu",
				   (unsigned long long) o->add_start,
				   (unsigned long long) (s->min_keys_written * (uint64_t) o->procs));
		if (t == LG_FN)
			printf(",\"closer_peers\":%llu", (unsigned long long) s->fn_closer);
		printf("}");
	}
	if (o->churn)
		printf(",\"churn\":{\"handshakes\":%llu,\"per_s\":%.1f,\"failed\":%llu,"
			   "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f}",
			   (unsigned long long) s->handshakes, (double) s->handshakes / wall,
			   (unsigned long long) s->conns_failed,
			   hist_pct(s->hs_hist, s->hs_max_us, 0.50) / 1000.0,
			   hist_pct(s->hs_hist, s->hs_max_us, 0.90) / 1000.0,
			   hist_pct(s->hs_hist, s->hs_max_us, 0.99) / 1000.0,
			   s->hs_max_us / 1000.0);
	printf(",\"total_per_s\":%.1f,\"not_sent_window_full\":%llu,\"start_failed\":%llu,"
		   "\"unfinished\":%llu,\"cpu_user_s\":%.3f,\"cpu_sys_s\":%.3f,"
		   "\"cpu_per_wall\":%.3f,\"runqueue_wait_s\":%.3f}\n",
		   (double) total_done / wall, (unsigned long long) s->not_sent,
		   (unsigned long long) s->start_failed, (unsigned long long) s->unfinished,
		   s->user_s, s->sys_s, (s->user_s + s->sys_s) / wall, s->runq_s);
	fflush(stdout);
}

/* Print usage and exit 2 */
static void
usage(void)
{
	fprintf(stderr,
			"usage: loadgen [--conns N] [--inflight N] [--mix G,A,F] [--hit PCT] [--known N]\n"
			"               [--add-start N] [--seed S] [--rate R] [--duration S] [--count N]\n"
			"               [--timeout-ms N]\n"
			"               [--provider-addr MA] [--procs N] [--visibility N [--poll-ms N]]\n"
			"               [--churn [--churn-req]]\n"
			"               <multiaddr/p2p/id>...\n");
	exit(2);
}

/* Parse an address into the next target slot */
static void
add_target(lg_opts *o, const char *text)
{
	const uint8_t *id = NULL;
	size_t		idlen = 0;
	int			len;

	if (o->ntargets >= LG_MAX_TARGETS)
		usage();
	len = hy_multiaddr_parse(text, strlen(text), o->target[o->ntargets],
							 sizeof(o->target[0]));
	if (len < 0 ||
		hy_multiaddr_strip_p2p(o->target[o->ntargets], (size_t) len, &id, &idlen) < 0 ||
		idlen == 0)
	{
		fprintf(stderr, "loadgen: need a multiaddr ending in /p2p/<id>: %s\n", text);
		exit(2);
	}
	o->target_len[o->ntargets++] = len;
}

/* Write or read a whole buffer on a pipe */
static int
pipe_io(int fd, void *buf, size_t n, int writing)
{
	uint8_t    *p = buf;

	while (n > 0)
	{
		ssize_t		r = writing ? write(fd, p, n) : read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		n -= (size_t) r;
	}
	return 0;
}

/* Entry point */
int
main(int argc, char **argv)
{
	static lg_opts o;
	static lg_stats sum,
				one;
	const char *paddr = "/ip4/127.0.0.1/tcp/4001";
	static const struct option longopts[] = {
		{"conns", required_argument, NULL, 'c'},
		{"inflight", required_argument, NULL, 'i'},
		{"mix", required_argument, NULL, 'm'},
		{"hit", required_argument, NULL, 'h'},
		{"known", required_argument, NULL, 'k'},
		{"add-start", required_argument, NULL, 'a'},
		{"seed", required_argument, NULL, 's'},
		{"rate", required_argument, NULL, 'r'},
		{"duration", required_argument, NULL, 'd'},
		{"timeout-ms", required_argument, NULL, 't'},
		{"provider-addr", required_argument, NULL, 'p'},
		{"procs", required_argument, NULL, 'P'},
		{"visibility", required_argument, NULL, 'V'},
		{"poll-ms", required_argument, NULL, 'o'},
		{"count", required_argument, NULL, 'n'},
		{"churn", no_argument, NULL, 'C'},
		{"churn-req", no_argument, NULL, 'R'},
		{NULL, 0, NULL, 0}
	};
	int			opt;

	o.conns = 8;
	o.inflight = 8;
	o.mix[0] = 100;
	o.hit_pct = 100;
	o.seed = 1;
	o.duration = 10;
	o.timeout_ms = 5000;
	o.procs = 1;
	o.poll_ms = 1;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1)
	{
		switch (opt)
		{
			case 'c':
				o.conns = atoi(optarg);
				break;
			case 'i':
				o.inflight = atoi(optarg);
				break;
			case 'm':
				if (sscanf(optarg, "%d,%d,%d", &o.mix[0], &o.mix[1], &o.mix[2]) != 3 ||
					o.mix[0] < 0 || o.mix[1] < 0 || o.mix[2] < 0 ||
					o.mix[0] + o.mix[1] + o.mix[2] != 100)
				{
					fprintf(stderr, "loadgen: --mix G,A,F must be percentages summing to 100\n");
					return 2;
				}
				break;
			case 'h':
				o.hit_pct = atoi(optarg);
				break;
			case 'k':
				o.known = strtoull(optarg, NULL, 10);
				break;
			case 'a':
				o.add_start = strtoull(optarg, NULL, 10);
				o.add_start_set = 1;
				break;
			case 's':
				o.seed = strtoull(optarg, NULL, 10);
				break;
			case 'r':
				o.rate = atof(optarg);
				break;
			case 'd':
				o.duration = atof(optarg);
				break;
			case 't':
				o.timeout_ms = atoi(optarg);
				break;
			case 'p':
				paddr = optarg;
				break;
			case 'P':
				o.procs = atoi(optarg);
				break;
			case 'V':
				o.visibility = atoi(optarg);
				break;
			case 'o':
				o.poll_ms = atoi(optarg);
				break;
			case 'n':
				o.count = strtoull(optarg, NULL, 10);
				break;
			case 'C':
				o.churn = 1;
				break;
			case 'R':
				o.churn_req = 1;
				break;
			default:
				usage();
		}
	}
	for (int i = optind; i < argc; i++)
		add_target(&o, argv[i]);
	if (o.ntargets == 0 || o.conns < 1 || o.inflight < 1 || o.procs < 1 ||
		o.procs > o.conns || o.hit_pct < 0 || o.hit_pct > 100 || o.duration <= 0 ||
		o.rate < 0 || o.poll_ms < 0)
		usage();
	if (!o.add_start_set)
		o.add_start = o.known;
	if (o.count)
		o.count = (o.count + (uint64_t) o.procs - 1) / (uint64_t) o.procs;
	o.prov_addr_len = hy_multiaddr_parse(paddr, strlen(paddr), o.prov_addr,
										 sizeof(o.prov_addr));
	if (o.prov_addr_len < 0)
	{
		fprintf(stderr, "loadgen: bad --provider-addr %s\n", paddr);
		return 2;
	}
	if (o.churn_req && !o.churn)
		usage();
	if (o.visibility)
	{
		if (o.ntargets < 2)
		{
			fprintf(stderr, "loadgen: --visibility needs two targets\n");
			return 2;
		}
		o.conns = 2;
		o.procs = 1;
	}
	if (sodium_init() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN);

	if (o.procs == 1)
	{
		if (run_proc(&o, 0, &one) < 0)
			return 1;
		if (!o.visibility)
		{
			merge(&sum, &one);
			print_json(&o, &sum);
		}
		return 0;
	}
	{
		int			fds[LG_MAX_TARGETS * 4];
		pid_t		pids[LG_MAX_TARGETS * 4];
		int			failed = 0;

		if (o.procs > (int) (sizeof(fds) / sizeof(fds[0])))
			usage();
		fflush(stdout);
		for (int p = 0; p < o.procs; p++)
		{
			int			pfd[2];

			if (pipe(pfd) < 0)
				return 1;
			pids[p] = fork();
			if (pids[p] < 0)
				return 1;
			if (pids[p] == 0)
			{
				int			rc;

				close(pfd[0]);
				rc = run_proc(&o, p, &one);
				if (rc == 0)
					pipe_io(pfd[1], &one, sizeof(one), 1);
				_exit(rc == 0 ? 0 : 1);
			}
			close(pfd[1]);
			fds[p] = pfd[0];
		}
		for (int p = 0; p < o.procs; p++)
		{
			int			status;

			if (pipe_io(fds[p], &one, sizeof(one), 0) == 0)
				merge(&sum, &one);
			else
				failed++;
			close(fds[p]);
			waitpid(pids[p], &status, 0);
		}
		if (sum.nprocs == 0)
			return 1;
		print_json(&o, &sum);
		return failed ? 1 : 0;
	}
}
