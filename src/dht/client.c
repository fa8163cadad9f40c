/*
 * client.c — single Kademlia requests over yamux streams (see client.h).
 */
#include "dht/client.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/varint.h"

struct hy_kad_client
{
	hy_loop    *loop;
	hy_proto_handler handler;
	char		protocol[128];
	int			timeout_ms;
	int			inflight;
	void	   *arena_mem;
	hy_kad_arena arena;
};

typedef struct kad_req
{
	hy_kad_client *kc;
	hy_conn    *conn;
	hy_stream  *s;
	hy_kad_reply_cb cb;
	void	   *arg;
	int			expect_reply;
	int			done;
	hy_timer	timer;
	uint8_t    *frame;
	size_t		frame_len;
	uint8_t    *in;
	size_t		in_len;
	size_t		in_cap;
} kad_req;

/* Finish a request once: report and stop the timer */
static void
complete(kad_req *r, int err, const hy_kad_message *resp)
{
	if (r->done)
		return;
	r->done = 1;
	hy_timer_stop(r->kc->loop, &r->timer);
	r->cb(r->arg, r->conn, err, resp);
}

/* The request took too long */
static void
on_timeout(hy_loop *loop, void *arg)
{
	kad_req    *r = arg;

	(void) loop;
	complete(r, HY_NET_ERR_TIMEOUT, NULL);
	if (r->s)
		hy_stream_reset(r->s);
}

/* Negotiated: send the request */
static int
req_open(hy_stream *s, void **user)
{
	kad_req    *r = *user;

	r->s = s;
	if (hy_stream_write_all(s, r->frame, r->frame_len) < 0)
	{
		complete(r, HY_NET_ERR_LIMIT, NULL);
		return -1;
	}
	if (!r->expect_reply)
	{
		complete(r, HY_OK, NULL);
		hy_stream_close(s);
	}
	return 0;
}

/* Answer bytes */
static int
req_data(hy_stream *s, void *user, const uint8_t *p, size_t n)
{
	kad_req    *r = user;
	size_t		off,
				blen;
	int			f;
	hy_kad_message *m;

	(void) s;
	if (r->done)
		return 0;
	if (n > HY_KAD_MSG_IN_MAX + HY_UVARINT_MAX - r->in_len)
	{
		complete(r, HY_ERR_TOO_LONG, NULL);
		return -1;
	}
	if (r->in_len + n > r->in_cap)
	{
		size_t		cap = r->in_len + n + 1024;
		uint8_t    *nb = realloc(r->in, cap);

		if (!nb)
		{
			complete(r, HY_ERR_NOMEM, NULL);
			return -1;
		}
		r->in = nb;
		r->in_cap = cap;
	}
	memcpy(r->in + r->in_len, p, n);
	r->in_len += n;
	f = hy_kad_frame(r->in, r->in_len, HY_KAD_MSG_IN_MAX, &off, &blen);
	if (f == 0)
		return 0;
	if (f < 0)
	{
		complete(r, f, NULL);
		return -1;
	}
	m = hy_kad_decode(&r->kc->arena, r->in + off, blen);
	complete(r, m ? HY_OK : HY_ERR_INVALID, m);
	hy_stream_close(s);
	return 0;
}

/* The remote closed its side */
static void
req_eof(hy_stream *s, void *user)
{
	kad_req    *r = user;

	(void) s;
	complete(r, HY_NET_ERR_CLOSED, NULL);
}

/* The stream is gone: report if not yet, free */
static void
req_close(hy_stream *s, void *user, int reset)
{
	kad_req    *r = user;

	(void) s;
	complete(r, reset ? HY_NET_ERR_REFUSED : HY_NET_ERR_CLOSED, NULL);
	r->kc->inflight--;
	free(r->frame);
	free(r->in);
	free(r);
}

/* Create a client */
hy_kad_client *
hy_kad_client_new(hy_loop *loop, const char *protocol, int timeout_ms)
{
	hy_kad_client *kc;

	if (!protocol || strlen(protocol) >= sizeof(kc->protocol))
		return NULL;
	kc = calloc(1, sizeof(*kc));
	if (!kc)
		return NULL;
	kc->arena_mem = aligned_alloc(16, HY_KAD_ARENA_SIZE);
	if (!kc->arena_mem)
	{
		free(kc);
		return NULL;
	}
	hy_kad_arena_init(&kc->arena, kc->arena_mem, HY_KAD_ARENA_SIZE);
	kc->loop = loop;
	strcpy(kc->protocol, protocol);
	kc->timeout_ms = timeout_ms > 0 ? timeout_ms : HY_KAD_REQUEST_TIMEOUT_MS;
	kc->handler.protocol = kc->protocol;
	kc->handler.on_open = req_open;
	kc->handler.on_data = req_data;
	kc->handler.on_eof = req_eof;
	kc->handler.on_close = req_close;
	kc->handler.ctx = kc;
	return kc;
}

/* Free a client */
void
hy_kad_client_free(hy_kad_client *kc)
{
	if (!kc)
		return;
	free(kc->arena_mem);
	free(kc);
}

/* Requests in flight */
int
hy_kad_client_inflight(const hy_kad_client *kc)
{
	return kc->inflight;
}

/* Start one request */
int
hy_kad_request(hy_kad_client *kc, hy_conn *c, const hy_kad_message *req,
			   hy_kad_reply_cb cb, void *arg)
{
	kad_req    *r = calloc(1, sizeof(*r));
	int			n;

	if (!r)
		return HY_ERR_NOMEM;
	r->frame = malloc(HY_KAD_MSG_OUT_MAX);
	if (!r->frame)
	{
		free(r);
		return HY_ERR_NOMEM;
	}
	n = hy_kad_encode(req, r->frame, HY_KAD_MSG_OUT_MAX);
	if (n < 0)
	{
		free(r->frame);
		free(r);
		return n;
	}
	r->frame_len = (size_t) n;
	r->kc = kc;
	r->conn = c;
	r->cb = cb;
	r->arg = arg;
	r->expect_reply = !(req->has_type && req->type == HY_KAD_ADD_PROVIDER);
	hy_timer_init(&r->timer, on_timeout, r);
	if (!hy_conn_open_stream(c, &kc->handler, r))
	{
		free(r->frame);
		free(r);
		return HY_NET_ERR_CLOSED;
	}
	kc->inflight++;
	hy_timer_start(kc->loop, &r->timer, (uint64_t) kc->timeout_ms);
	return HY_OK;
}
