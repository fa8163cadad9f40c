/*
 * server_internal.h — state shared by server.c (streams, lifecycle) and
 * server_req.c (request handlers).  Not for use outside src/dht.
 */
#ifndef HY_DHT_SERVER_INTERNAL_H
#define HY_DHT_SERVER_INTERNAL_H

#include "dht/server.h"

#define KAD_IN_CAP (HY_KAD_MSG_IN_MAX + HY_UVARINT_MAX)	/* one maximal frame */

typedef struct dht_head
{
	hy_dht_server *srv;
	hy_host    *host;			/* NULL for a virtual head */
	int			index;
	uint8_t		peer_id[HY_PEER_ID_MAX];
	size_t		peer_id_len;
	hy_addrset	addrs;
	hy_proto_handler handler;
} dht_head;

/* GET_PROVIDERS requests answered together (one store call) at most */
#define HY_DHT_BATCH_MAX 256

/* hy_dht_handle: the request waits for hy_dht_server_flush_pending */
#define HY_DHT_DEFERRED 1

/* Per-stream state */
typedef struct kad_stream
{
	dht_head   *head;
	hy_stream  *s;				/* NULL for hy_dht_server_feed */
	uint8_t    *in;
	size_t		in_len;
	size_t		in_cap;
	uint8_t    *out;			/* unsent rest of one answer */
	size_t		out_len;
	size_t		out_off;
	int			eof;
	int			deferred;		/* a GET_PROVIDERS waits in the batch */
	uint8_t		dkey[HY_KAD_KEY_MAX];	/* its key */
	size_t		dkey_len;
	uint64_t	dstart_ns;		/* when it was decoded (latency event) */
} kad_stream;

/* Who sent a request */
typedef struct kad_remote
{
	const uint8_t *id;
	size_t		id_len;
	const uint8_t *id_addrs;	/* identify listenAddrs, packed; may be NULL */
	size_t		id_addrs_len;
} kad_remote;

struct hy_dht_server
{
	hy_dht_server_config cfg;
	char		protocol[HY_DHT_PROTO_MAX];
	dht_head  **heads;
	int			nheads;
	int			heads_cap;
	hy_dht_stats st;
	hy_ratelimit store_rl;		/* graceful decline (cfg.store_ops_per_s) */
	hy_ratelimit request_rl;	/* full decline (cfg.requests_per_s) */
	/* batched GET_PROVIDERS (cfg.batch_get_providers) */
	kad_stream *deferring;		/* stream whose request is being handled,
								 * when it may be deferred */
	uint64_t	req_start_ns;	/* start of the request being handled */
	kad_stream *pending[HY_DHT_BATCH_MAX];
	int			npending;
	kad_stream *flushing[HY_DHT_BATCH_MAX]; /* the batch being answered */
	int			nflushing;
	hy_provider *batch_provs;	/* [HY_DHT_BATCH_MAX * max_providers] */
	/* scratch for one request at a time (single-threaded) */
	void	   *arena_mem;
	hy_kad_arena arena;
	hy_kad_builder *b;
	hy_rt_entry *closest;		/* [HY_RT_MAX_K] */
	hy_provider *provs;			/* [HY_DHT_MAX_PROVIDERS] */
	hy_value   *value;
	uint8_t    *out;			/* one framed response */
};

/*
 * Handle one message body from remote on head.  On success *resp_len is
 * the length of the framed answer in srv->out (0 = no answer).  A
 * negative return means: reset the stream.
 */
int			hy_dht_handle(hy_dht_server *srv, dht_head *head, const kad_remote *remote,
						  const uint8_t *body, size_t len, size_t *resp_len);

/*
 * Build the GET_PROVIDERS answer for key from n providers (how: store,
 * declined, store error) into srv->out; emits the served event.
 * Returns HY_OK with *resp_len set, or a negative code.
 */
int			hy_dht_answer_providers(hy_dht_server *srv, dht_head *head, const kad_remote *remote,
									const uint8_t *key, size_t key_len,
									const hy_provider *provs, int n, hy_dht_served how,
									size_t *resp_len);

/* Emit the request-done event of a request decoded at start_ns */
void		hy_dht_request_done(hy_dht_server *srv, dht_head *head, int type, uint64_t start_ns);

/* Current Unix time in ms from the configured clock */
uint64_t	hy_dht_now_ms(const hy_dht_server *srv);

#endif
