/*
 * ping.c — /ipfs/ping/1.0.0 server and client (see ping.h).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/err.h"
#include "net/conn_internal.h"
#include "net/ping.h"

/* Microseconds from a monotonic clock (RTTs need more than the loop's ms) */
static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* Server: admit at most HY_PING_MAX_STREAMS per connection */
static int
server_open(hy_stream *s, void **user)
{
	hy_conn    *c = s->conn;

	(void) user;
	if (c->ping_streams >= HY_PING_MAX_STREAMS)
	{
		c->host->stats.streams_over_limit++;
		return HY_NET_ERR_LIMIT;
	}
	c->ping_streams++;
	s->is_ping = 1;
	return HY_OK;
}

/*
 * Server: echo what arrives (the window bounds what a peer can queue) and
 * count every complete 32-byte payload as a ping served: go resets the
 * stream after its round trip instead of half-closing it.
 */
static int
server_data(hy_stream *s, void *user, const uint8_t *p, size_t n)
{
	hy_host    *h = s->conn->host;
	size_t		total = s->ping_partial + n;
	int			rc;

	(void) user;
	rc = hy_stream_write_all(s, p, n);
	if (rc < 0)
		return rc;
	s->ping_partial = total % HY_PING_SIZE;
	for (size_t i = 0; i < total / HY_PING_SIZE; i++)
	{
		h->stats.pings_served++;
		if (h->cbs.pinged)
			h->cbs.pinged(s->conn, h->cb_arg);
	}
	return rc;
}

/* Server: the client is done; finish our side */
static void
server_eof(hy_stream *s, void *user)
{
	(void) user;
	hy_stream_close(s);
}

const hy_proto_handler hy_ping_handler = {
	.protocol = HY_PING_PROTOCOL,
	.on_open = server_open,
	.on_data = server_data,
	.on_eof = server_eof,
};

typedef struct ping_client
{
	hy_ping_cb	cb;
	void	   *arg;
	int			count;			/* round trips left */
	int			rounds;
	int			done;
	uint8_t		got;
	uint8_t		payload[HY_PING_SIZE];
	uint8_t		echo[HY_PING_SIZE];
	uint64_t	t0;
	uint64_t	total_us;
} ping_client;

/* Client: report once */
static void
client_finish(hy_stream *s, ping_client *pc, int err)
{
	if (pc->done)
		return;
	pc->done = 1;
	pc->cb(s->conn, err, pc->rounds ? pc->total_us / (uint64_t) pc->rounds : 0, pc->arg);
}

/* Client: send one payload */
static int
client_send(hy_stream *s, ping_client *pc)
{
	randombytes_buf(pc->payload, sizeof(pc->payload));
	pc->got = 0;
	pc->t0 = now_us();
	return hy_stream_write_all(s, pc->payload, sizeof(pc->payload));
}

/* Client: negotiated; send the first payload */
static int
client_open(hy_stream *s, void **user)
{
	return client_send(s, *user);
}

/* Client: collect the echo, compare, go on or finish */
static int
client_data(hy_stream *s, void *user, const uint8_t *p, size_t n)
{
	ping_client *pc = user;

	while (n > 0 && !pc->done)
	{
		size_t		k = sizeof(pc->echo) - pc->got;

		if (k > n)
			k = n;
		memcpy(pc->echo + pc->got, p, k);
		pc->got += (uint8_t) k;
		p += k;
		n -= k;
		if (pc->got < sizeof(pc->echo))
			break;
		if (memcmp(pc->echo, pc->payload, sizeof(pc->echo)) != 0)
		{
			client_finish(s, pc, HY_NET_ERR_PROTOCOL);
			return HY_NET_ERR_PROTOCOL;
		}
		pc->total_us += now_us() - pc->t0;
		pc->rounds++;
		if (--pc->count <= 0)
		{
			hy_stream_close(s);
			client_finish(s, pc, HY_OK);
			return HY_OK;
		}
		if (client_send(s, pc) < 0)
			return HY_NET_ERR_LIMIT;
	}
	if (n > 0)
		return HY_NET_ERR_PROTOCOL;	/* bytes we did not ask for */
	return HY_OK;
}

/* Client: the remote closed before answering everything */
static void
client_eof(hy_stream *s, void *user)
{
	ping_client *pc = user;

	if (!pc->done)
	{
		client_finish(s, pc, HY_NET_ERR_CLOSED);
		hy_stream_reset(s);
	}
}

/* Client: stream gone */
static void
client_close(hy_stream *s, void *user, int reset)
{
	ping_client *pc = user;

	client_finish(s, pc, reset ? HY_NET_ERR_REFUSED : HY_NET_ERR_CLOSED);
	free(pc);
}

static const hy_proto_handler ping_client_handler = {
	.protocol = HY_PING_PROTOCOL,
	.on_open = client_open,
	.on_data = client_data,
	.on_eof = client_eof,
	.on_close = client_close,
};

/* Start a ping */
int
hy_ping(hy_conn *c, int count, hy_ping_cb cb, void *arg)
{
	ping_client *pc;

	if (!cb || count <= 0)
		return HY_ERR_INVALID;
	pc = calloc(1, sizeof(*pc));
	if (!pc)
		return HY_ERR_NOMEM;
	pc->cb = cb;
	pc->arg = arg;
	pc->count = count;
	if (!hy_conn_open_stream(c, &ping_client_handler, pc))
	{
		free(pc);
		return HY_NET_ERR_CLOSED;
	}
	return HY_OK;
}
