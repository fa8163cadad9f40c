/*
 * server.c — DHT server lifecycle, heads, and the per-stream request
 * pump (see server.h).  The handlers themselves are in server_req.c.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/varint.h"
#include "dht/server_internal.h"

/* What the caller of pump must do last (the stream may vanish then) */
typedef enum pump_action
{
	PUMP_KEEP,
	PUMP_CLOSE,
	PUMP_RESET
} pump_action;

/* Write function of the pump: bytes taken or a negative code */
typedef int (*pump_write_fn) (void *arg, const uint8_t *p, size_t n);

/* Default wall clock */
static uint64_t
realtime_ms(void *arg)
{
	(void) arg;
	return hy_realtime_ms();
}

/* Current Unix time in ms */
uint64_t
hy_dht_now_ms(const hy_dht_server *srv)
{
	return srv->cfg.now_ms(srv->cfg.clock_arg);
}

/* Create a server */
hy_dht_server *
hy_dht_server_new(const hy_dht_server_config *cfg)
{
	hy_dht_server *srv;
	const char *prefix;

	if (!cfg || !cfg->store.ops || !cfg->rt)
		return NULL;
	prefix = cfg->protocol_prefix && cfg->protocol_prefix[0] ?
		cfg->protocol_prefix : HY_KAD_DEFAULT_PREFIX;
	if (strlen(prefix) + sizeof(HY_KAD_PROTOCOL_SUFFIX) > HY_DHT_PROTO_MAX ||
		prefix[0] != '/')
		return NULL;
	srv = calloc(1, sizeof(*srv));
	if (!srv)
		return NULL;
	srv->cfg = *cfg;
	if (srv->cfg.k <= 0)
		srv->cfg.k = 20;
	if (srv->cfg.k > HY_RT_MAX_K)
		srv->cfg.k = HY_RT_MAX_K;
	if (srv->cfg.max_providers <= 0)
		srv->cfg.max_providers = 20;
	if (srv->cfg.max_providers > HY_DHT_MAX_PROVIDERS)
		srv->cfg.max_providers = HY_DHT_MAX_PROVIDERS;
	if (!srv->cfg.now_ms)
		srv->cfg.now_ms = realtime_ms;
	strcpy(srv->protocol, prefix);
	strcat(srv->protocol, HY_KAD_PROTOCOL_SUFFIX);
	srv->arena_mem = aligned_alloc(16, HY_KAD_ARENA_SIZE);
	srv->b = malloc(sizeof(*srv->b));
	srv->closest = calloc(HY_RT_MAX_K, sizeof(hy_rt_entry));
	srv->provs = calloc(HY_DHT_MAX_PROVIDERS, sizeof(hy_provider));
	srv->value = malloc(sizeof(hy_value));
	srv->out = malloc(HY_KAD_MSG_OUT_MAX);
	if (srv->cfg.batch_get_providers && !srv->cfg.store.ops->get_providers_many)
		srv->cfg.batch_get_providers = 0;
	if (srv->cfg.batch_get_providers)
		srv->batch_provs = calloc((size_t) HY_DHT_BATCH_MAX * srv->cfg.max_providers,
								  sizeof(hy_provider));
	if (!srv->arena_mem || !srv->b || !srv->closest || !srv->provs || !srv->value ||
		!srv->out || (srv->cfg.batch_get_providers && !srv->batch_provs))
	{
		hy_dht_server_free(srv);
		return NULL;
	}
	hy_kad_arena_init(&srv->arena, srv->arena_mem, HY_KAD_ARENA_SIZE);
	hy_ratelimit_init(&srv->store_rl, srv->cfg.store_ops_per_s, 0, hy_dht_now_ms(srv));
	hy_ratelimit_init(&srv->request_rl, srv->cfg.requests_per_s, 0, hy_dht_now_ms(srv));
	return srv;
}

/* Free the server and its heads */
void
hy_dht_server_free(hy_dht_server *srv)
{
	if (!srv)
		return;
	for (int i = 0; i < srv->nheads; i++)
		free(srv->heads[i]);
	free(srv->heads);
	free(srv->arena_mem);
	free(srv->b);
	free(srv->closest);
	free(srv->provs);
	free(srv->value);
	free(srv->out);
	free(srv->batch_provs);
	free(srv);
}

/* The protocol id */
const char *
hy_dht_server_protocol(const hy_dht_server *srv)
{
	return srv->protocol;
}

/* Change the decline limits (0 = unlimited); the buckets start full */
void
hy_dht_server_set_limits(hy_dht_server *srv, uint32_t store_ops_per_s, uint32_t requests_per_s)
{
	if (srv->cfg.store_ops_per_s != store_ops_per_s)
		hy_ratelimit_init(&srv->store_rl, store_ops_per_s, 0, hy_dht_now_ms(srv));
	if (srv->cfg.requests_per_s != requests_per_s)
		hy_ratelimit_init(&srv->request_rl, requests_per_s, 0, hy_dht_now_ms(srv));
	srv->cfg.store_ops_per_s = store_ops_per_s;
	srv->cfg.requests_per_s = requests_per_s;
}

/* Counters */
const hy_dht_stats *
hy_dht_server_stats(const hy_dht_server *srv)
{
	return &srv->st;
}

/* Append a head record */
static dht_head *
new_head(hy_dht_server *srv, const uint8_t *peer_id, size_t len,
		 const hy_addrset *own_addrs)
{
	dht_head   *h;

	if (len == 0 || len > HY_PEER_ID_MAX)
		return NULL;
	if (srv->nheads == srv->heads_cap)
	{
		int			cap = srv->heads_cap ? srv->heads_cap * 2 : 8;
		dht_head  **nh = realloc(srv->heads, (size_t) cap * sizeof(*nh));

		if (!nh)
			return NULL;
		srv->heads = nh;
		srv->heads_cap = cap;
	}
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->srv = srv;
	h->index = srv->nheads;
	memcpy(h->peer_id, peer_id, len);
	h->peer_id_len = len;
	if (own_addrs)
		h->addrs = *own_addrs;
	srv->heads[srv->nheads++] = h;
	return h;
}

static int	on_open(hy_stream *s, void **user);
static int	on_data(hy_stream *s, void *user, const uint8_t *p, size_t n);
static void on_eof(hy_stream *s, void *user);
static void on_writable(hy_stream *s, void *user);
static void on_close(hy_stream *s, void *user, int reset);

/* Serve kad on a host */
int
hy_dht_server_add_head(hy_dht_server *srv, hy_host *host, const hy_addrset *own_addrs)
{
	const hy_keypair *kp = hy_host_keypair(host);
	dht_head   *h = new_head(srv, kp->peer_id, kp->peer_id_len, own_addrs);
	int			rc;

	if (!h)
		return HY_ERR_NOMEM;
	h->host = host;
	h->handler.protocol = srv->protocol;
	h->handler.on_open = on_open;
	h->handler.on_data = on_data;
	h->handler.on_eof = on_eof;
	h->handler.on_writable = on_writable;
	h->handler.on_close = on_close;
	h->handler.ctx = h;
	rc = hy_host_add_handler(host, &h->handler);
	if (rc < 0)
	{
		srv->nheads--;
		free(h);
		return rc;
	}
	return h->index;
}

/* A head fed by hy_dht_server_feed */
int
hy_dht_server_add_virtual_head(hy_dht_server *srv, const uint8_t *peer_id,
							   size_t len, const hy_addrset *own_addrs)
{
	dht_head   *h = new_head(srv, peer_id, len, own_addrs);

	return h ? h->index : HY_ERR_NOMEM;
}

/* Add or refresh an identified kad server in the routing table */
int
hy_dht_server_peer_identified(hy_dht_server *srv, hy_conn *c)
{
	const hy_id_info *info = hy_conn_identify(c);
	const uint8_t *id;
	size_t		id_len;
	hy_addrset	addrs;
	int			rc;

	id = hy_conn_peer_id(c, &id_len);
	if (!info || !id || !hy_id_info_has_protocol(info, srv->protocol))
		return 0;
	memset(&addrs, 0, sizeof(addrs));
	hy_addrset_add_packed(&addrs, info->addrs, info->addrs_len, id, id_len,
						  srv->cfg.allow_private);
	if (srv->cfg.rt_lock)
		srv->cfg.rt_lock(srv->cfg.lock_arg, 1);
	rc = hy_rtable_update(srv->cfg.rt, id, id_len, &addrs, hy_dht_now_ms(srv), 0);
	if (srv->cfg.rt_unlock)
		srv->cfg.rt_unlock(srv->cfg.lock_arg);
	if (rc > 0)
		srv->st.rt_updates++;
	return rc;
}

/* Append bytes to a stream's input, growing it up to one maximal frame */
static int
in_append(kad_stream *ks, const uint8_t *p, size_t n)
{
	if (n == 0)
		return HY_OK;
	if (n > KAD_IN_CAP - ks->in_len)
		return HY_ERR_TOO_LONG;
	if (ks->in_len + n > ks->in_cap)
	{
		size_t		cap = ks->in_cap ? ks->in_cap : 1024;
		uint8_t    *nb;

		while (cap < ks->in_len + n)
			cap *= 2;
		if (cap > KAD_IN_CAP)
			cap = KAD_IN_CAP;
		nb = realloc(ks->in, cap);
		if (!nb)
			return HY_ERR_NOMEM;
		ks->in = nb;
		ks->in_cap = cap;
	}
	memcpy(ks->in + ks->in_len, p, n);
	ks->in_len += n;
	return HY_OK;
}

/* Send what is left of the current answer; 1 when all is out */
static int
flush_out(kad_stream *ks, pump_write_fn wr, void *warg)
{
	while (ks->out_off < ks->out_len)
	{
		int			w = wr(warg, ks->out + ks->out_off, ks->out_len - ks->out_off);

		if (w < 0)
			return w;
		if (w == 0)
			return 0;
		ks->out_off += (size_t) w;
	}
	ks->out_len = ks->out_off = 0;
	return 1;
}

/*
 * Answer every complete request in the input, as long as answers can be
 * sent; then decide what happens to the stream.
 */
static pump_action
pump(kad_stream *ks, const kad_remote *remote, pump_write_fn wr, void *warg)
{
	hy_dht_server *srv = ks->head->srv;
	int			r;

	if (ks->deferred)
		return PUMP_KEEP;		/* nothing more until its lookup is answered */
	for (;;)
	{
		size_t		off,
					blen,
					resp_len;

		if ((r = flush_out(ks, wr, warg)) < 0)
			return PUMP_RESET;
		if (r == 0)
			return PUMP_KEEP;	/* on_writable resumes */
		r = hy_kad_frame(ks->in, ks->in_len, HY_KAD_MSG_IN_MAX, &off, &blen);
		if (r == HY_ERR_TOO_LONG)
			srv->st.msg_too_large++;
		else if (r < 0)
			srv->st.msg_malformed++;
		if (r < 0)
			return PUMP_RESET;
		if (r == 0)
			break;
		r = hy_dht_handle(srv, ks->head, remote, ks->in + off, blen, &resp_len);
		if (r < 0)
			return PUMP_RESET;
		memmove(ks->in, ks->in + off + blen, ks->in_len - off - blen);
		ks->in_len -= off + blen;
		if (r == HY_DHT_DEFERRED)
			return PUMP_KEEP;	/* hy_dht_server_flush_pending answers it */
		if (resp_len > 0)
		{
			if (!ks->out)
				ks->out = malloc(HY_KAD_MSG_OUT_MAX);
			if (!ks->out)
				return PUMP_RESET;
			memcpy(ks->out, srv->out, resp_len);
			ks->out_len = resp_len;
			ks->out_off = 0;
			srv->st.bytes_out += resp_len;
		}
	}
	/* the remote is done and everything it asked is answered */
	if (ks->eof)
		return ks->in_len == 0 ? PUMP_CLOSE : PUMP_RESET;
	return PUMP_KEEP;
}

/* Who is on the other end of a stream */
static void
remote_of(hy_stream *s, kad_remote *r)
{
	hy_conn    *c = hy_stream_conn(s);
	const hy_id_info *info = hy_conn_identify(c);

	r->id = hy_conn_peer_id(c, &r->id_len);
	r->id_addrs = info ? info->addrs : NULL;
	r->id_addrs_len = info ? info->addrs_len : 0;
}

/* Pump writer for real streams */
static int
stream_write(void *arg, const uint8_t *p, size_t n)
{
	return hy_stream_write((hy_stream *) arg, p, n);
}

/* Run the pump on a stream and carry out its verdict (last action) */
static int
run_pump(hy_stream *s, kad_stream *ks, int from_data)
{
	kad_remote	remote;
	pump_action a;

	remote_of(s, &remote);
	if (!remote.id)
		a = PUMP_RESET;
	else
	{
		ks->head->srv->deferring = ks;	/* only real streams are batched */
		a = pump(ks, &remote, stream_write, s);
		ks->head->srv->deferring = NULL;
	}
	if (a == PUMP_RESET)
	{
		ks->head->srv->st.streams_reset++;
		if (from_data)
			return -1;
		hy_stream_reset(s);
	}
	else if (a == PUMP_CLOSE)
		hy_stream_close(s);
	return 0;
}

/* A kad stream was negotiated */
static int
on_open(hy_stream *s, void **user)
{
	dht_head   *head = hy_stream_handler_ctx(s);
	kad_stream *ks = calloc(1, sizeof(*ks));

	if (!ks)
		return HY_ERR_NOMEM;
	ks->head = head;
	ks->s = s;
	head->srv->st.streams++;
	*user = ks;
	return 0;
}

/* Bytes from the remote */
static int
on_data(hy_stream *s, void *user, const uint8_t *p, size_t n)
{
	kad_stream *ks = user;
	hy_dht_server *srv = ks->head->srv;

	srv->st.bytes_in += n;
	if (in_append(ks, p, n) < 0)
	{
		srv->st.input_overflow++;
		srv->st.streams_reset++;
		return -1;
	}
	/* while an answer is stuck or a lookup waits, only buffer */
	if (ks->out_off < ks->out_len || ks->deferred)
		return 0;
	return run_pump(s, ks, 1);
}

/* The remote half-closed */
static void
on_eof(hy_stream *s, void *user)
{
	kad_stream *ks = user;

	ks->eof = 1;
	if (ks->out_off < ks->out_len || ks->deferred)
		return;
	run_pump(s, ks, 0);
}

/* The send window grew: finish the stuck answer, then go on */
static void
on_writable(hy_stream *s, void *user)
{
	run_pump(s, (kad_stream *) user, 0);
}

/* The stream is gone */
static void
on_close(hy_stream *s, void *user, int reset)
{
	kad_stream *ks = user;

	(void) s;
	(void) reset;
	if (!ks)
		return;
	/* a stream gone while its lookup waits: forget it in the batch */
	if (ks->deferred)
	{
		hy_dht_server *srv = ks->head->srv;

		for (int i = 0; i < srv->npending; i++)
			if (srv->pending[i] == ks)
				srv->pending[i] = NULL;
		for (int i = 0; i < srv->nflushing; i++)
			if (srv->flushing[i] == ks)
				srv->flushing[i] = NULL;
	}
	free(ks->in);
	free(ks->out);
	free(ks);
}

/* GET_PROVIDERS waiting for a batch */
int
hy_dht_server_pending(const hy_dht_server *srv)
{
	return srv->npending;
}

/* Answer one stream of the batch from its lookup result, then resume it */
static void
answer_deferred(hy_dht_server *srv, kad_stream *ks, const hy_provider *provs, int n)
{
	kad_remote	remote;
	hy_dht_served how = HY_DHT_SERVED_STORE;
	size_t		resp_len = 0;

	ks->deferred = 0;
	if (n < 0)
	{
		srv->st.store_errors++;
		how = HY_DHT_SERVED_STORE_ERROR;
		n = 0;
	}
	remote_of(ks->s, &remote);
	if (!remote.id ||
		hy_dht_answer_providers(srv, ks->head, &remote, ks->dkey, ks->dkey_len, provs, n, how,
								&resp_len) < 0)
	{
		srv->st.errors[HY_KAD_GET_PROVIDERS]++;
		srv->st.streams_reset++;
		hy_stream_reset(ks->s);
		return;
	}
	if (!ks->out && !(ks->out = malloc(HY_KAD_MSG_OUT_MAX)))
	{
		srv->st.streams_reset++;
		hy_stream_reset(ks->s);
		return;
	}
	memcpy(ks->out, srv->out, resp_len);
	ks->out_len = resp_len;
	ks->out_off = 0;
	srv->st.bytes_out += resp_len;
	srv->st.answered[HY_KAD_GET_PROVIDERS]++;
	hy_dht_request_done(srv, ks->head, HY_KAD_GET_PROVIDERS, ks->dstart_ns);
	run_pump(ks->s, ks, 0);
}

/* Look up every waiting GET_PROVIDERS at once and answer them */
int
hy_dht_server_flush_pending(hy_dht_server *srv)
{
	const uint8_t *keys[HY_DHT_BATCH_MAX];
	size_t		lens[HY_DHT_BATCH_MAX];
	int			counts[HY_DHT_BATCH_MAX];
	int			max = srv->cfg.max_providers,
				n = 0,
				answered = 0;

	if (srv->npending == 0)
		return 0;
	/* new deferrals while answering go to a fresh batch */
	for (int i = 0; i < srv->npending; i++)
		if (srv->pending[i])
			srv->flushing[n++] = srv->pending[i];
	srv->nflushing = n;
	srv->npending = 0;
	for (int i = 0; i < n; i++)
	{
		keys[i] = srv->flushing[i]->dkey;
		lens[i] = srv->flushing[i]->dkey_len;
	}
	if (n > 0 &&
		srv->cfg.store.ops->get_providers_many(srv->cfg.store.ctx, keys, lens, n, srv->batch_provs,
											   max, counts, hy_dht_now_ms(srv)) < 0)
		for (int i = 0; i < n; i++)
			counts[i] = HY_STORE_UNAVAILABLE;
	for (int i = 0; i < n; i++)
	{
		/* an earlier answer's pump may have closed this stream (NULLed here) */
		kad_stream *ks = srv->flushing[i];

		if (!ks)
			continue;
		srv->flushing[i] = NULL;
		answer_deferred(srv, ks, srv->batch_provs + (size_t) i * max,
						counts[i] > max ? max : counts[i]);
		answered++;
	}
	srv->nflushing = 0;
	return answered;
}

/* Pump writer for hy_dht_server_feed: the sink takes everything */
typedef struct feed_sink
{
	hy_dht_sink fn;
	void	   *arg;
} feed_sink;

/* Hand bytes to the feed's sink */
static int
feed_write(void *arg, const uint8_t *p, size_t n)
{
	feed_sink  *fs = arg;

	if (fs->fn)
		fs->fn(fs->arg, p, n);
	return (int) n;
}

/* Run bytes through a head's request path without a socket */
int
hy_dht_server_feed(hy_dht_server *srv, int head,
				   const uint8_t *remote_id, size_t remote_len,
				   const uint8_t *remote_addrs, size_t remote_addrs_len,
				   const uint8_t *p, size_t n, int eof,
				   hy_dht_sink sink, void *sink_arg)
{
	kad_stream	ks;
	kad_remote	remote = {remote_id, remote_len, remote_addrs, remote_addrs_len};
	feed_sink	fs = {sink, sink_arg};
	pump_action a;
	int			rc = 0;

	if (head < 0 || head >= srv->nheads)
		return HY_ERR_INVALID;
	memset(&ks, 0, sizeof(ks));
	ks.head = srv->heads[head];
	if (in_append(&ks, p, n) < 0)
	{
		srv->st.input_overflow++;
		rc = HY_ERR_TOO_LONG;
	}
	else
	{
		ks.eof = eof;
		a = pump(&ks, &remote, feed_write, &fs);
		rc = a == PUMP_RESET ? HY_ERR_INVALID : a == PUMP_CLOSE ? 1 : 0;
	}
	free(ks.in);
	free(ks.out);
	return rc;
}
