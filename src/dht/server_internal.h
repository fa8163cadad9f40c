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

/* Current Unix time in ms from the configured clock */
uint64_t	hy_dht_now_ms(const hy_dht_server *srv);

#endif
