/*
 * conn_stream.c — streams on an established connection: yamux callbacks,
 * per-stream multistream negotiation and dispatch to protocol handlers.
 *
 * An inbound stream negotiates as multistream listener over the host's
 * handler table; a stream we open negotiates as dialer for one protocol.
 * Until a handler is attached the stream holds a hy_mss (about 3 KiB), so
 * at most HY_CONN_MAX_NEGOTIATING inbound streams may negotiate at once
 * and each has HY_NET_STREAM_NEGOTIATE_MS to finish.
 *
 * A hy_stream may be closed from inside its own handler callbacks: yamux
 * then reports closed() re-entrantly, so the hy_stream is freed only when
 * no handler call for it is on the stack (busy == 0).
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "net/conn_internal.h"

/* Unlink a stream from the negotiating list */
static void
neg_remove(hy_stream *s)
{
	hy_conn    *c = s->conn;

	if (!s->on_neg_list)
		return;
	if (s->neg_prev)
		s->neg_prev->neg_next = s->neg_next;
	else
		c->neg_list = s->neg_next;
	if (s->neg_next)
		s->neg_next->neg_prev = s->neg_prev;
	s->neg_prev = s->neg_next = NULL;
	s->on_neg_list = 0;
	c->negotiating--;
}

/* Drop the negotiation state */
static void
neg_end(hy_stream *s)
{
	neg_remove(s);
	free(s->mss);
	s->mss = NULL;
}

/* Free a dead stream once nothing on the stack uses it */
static void
stream_release(hy_stream *s)
{
	if (s->dead && s->busy == 0)
		free(s);
}

/* Send the stream's pending multistream output; <0 if the window is short */
static int
neg_drain(hy_stream *s)
{
	size_t		n;
	const uint8_t *p = hy_mss_pending_output(s->mss, &n);

	if (n == 0)
		return HY_OK;
	if (hy_ymx_send_window(s->ys) < n || hy_ymx_write(s->ys, p, n) != (int) n)
		return HY_NET_ERR_LIMIT;
	hy_mss_consume_output(s->mss, n);
	return HY_OK;
}

/* Call on_open; the stream is usable by the handler from here on */
static int
stream_attach(hy_stream *s, const hy_proto_handler *ph)
{
	void	   *user = s->user;
	int			rc;

	s->ph = ph;
	s->busy++;
	rc = ph->on_open(s, &user);
	s->busy--;
	s->user = user;
	if (!s->inbound || rc >= 0)
		s->opened = 1;			/* on_close is owed from now on */
	if (rc >= 0)
		s->conn->host->stats.streams_negotiated++;
	return rc;
}

/* Deliver bytes to the attached handler; <0 asks for a reset */
static int
stream_deliver(hy_stream *s, const uint8_t *p, size_t n)
{
	int			rc = 0;

	if (n == 0 || !s->ph->on_data)
		return HY_OK;
	s->busy++;
	rc = s->ph->on_data(s, s->user, p, n);
	s->busy--;
	return rc;
}

/* A remote stream opened */
static int
ymx_accept(void *arg, hy_ymx_stream *ys)
{
	hy_conn    *c = arg;
	hy_host    *h = c->host;
	hy_stream  *s;

	if (c->negotiating >= HY_CONN_MAX_NEGOTIATING || c->state != CS_READY)
	{
		h->stats.streams_over_limit++;
		return HY_NET_ERR_LIMIT;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return HY_ERR_NOMEM;
	s->mss = malloc(sizeof(*s->mss));
	if (!s->mss || hy_mss_init_listener(s->mss, h->handler_names, h->nhandlers) < 0)
	{
		free(s->mss);
		free(s);
		return HY_ERR_NOMEM;
	}
	s->conn = c;
	s->ys = ys;
	s->inbound = 1;
	s->started = hy_loop_now(h->loop);
	s->on_neg_list = 1;
	s->neg_next = c->neg_list;
	if (c->neg_list)
		c->neg_list->neg_prev = s;
	c->neg_list = s;
	c->negotiating++;
	c->last_active = s->started;
	hy_ymx_stream_set_user(ys, s);
	if (neg_drain(s) < 0)
	{
		/* yamux resets it and calls closed(), which frees s */
		hy_ymx_stream_set_user(ys, NULL);
		neg_end(s);
		free(s);
		return HY_NET_ERR_LIMIT;
	}
	return HY_OK;
}

/* Run multistream on stream bytes; attach the handler when selected */
static void
stream_negotiate(hy_stream *s, const uint8_t *p, size_t n)
{
	hy_host    *h = s->conn->host;

	while (n > 0 && s->mss)
	{
		size_t		used = 0;
		int			rc = hy_mss_feed(s->mss, p, n, &used);

		p += used;
		n -= used;
		if (neg_drain(s) < 0)
			rc = HY_NET_ERR_LIMIT;
		if (rc < 0)
		{
			if (s->inbound && rc == HY_ERR_TOO_LONG)
				h->stats.streams_na++;
			h->stats.streams_negotiate_failed++;
			neg_end(s);
			hy_ymx_reset(s->ys);
			return;
		}
		if (rc == HY_MSS_DONE)
		{
			const hy_proto_handler *ph = s->inbound ?
				h->handlers[hy_mss_selected(s->mss)] : s->ph;

			neg_end(s);
			if (stream_attach(s, ph) < 0)
			{
				if (!s->dead)
					hy_ymx_reset(s->ys);
				return;
			}
			if (!s->dead && n > 0 && stream_deliver(s, p, n) < 0 && !s->dead)
				hy_ymx_reset(s->ys);
			return;
		}
		if (used == 0)
			return;
	}
}

/* Stream data */
static void
ymx_data(void *arg, hy_ymx_stream *ys, const uint8_t *p, size_t n)
{
	hy_stream  *s = hy_ymx_stream_user(ys);

	(void) arg;
	if (!s || s->dead)
		return;
	s->busy++;
	if (s->mss)
		stream_negotiate(s, p, n);
	else if (s->ph && stream_deliver(s, p, n) < 0 && !s->dead)
		hy_ymx_reset(s->ys);
	s->busy--;
	stream_release(s);
}

/* The remote half-closed */
static void
ymx_eof(void *arg, hy_ymx_stream *ys)
{
	hy_stream  *s = hy_ymx_stream_user(ys);

	(void) arg;
	if (!s || s->dead)
		return;
	if (s->mss)
	{
		/* closed before agreeing on a protocol */
		s->conn->host->stats.streams_negotiate_failed++;
		neg_end(s);
		hy_ymx_reset(ys);
		return;
	}
	if (s->ph && s->ph->on_eof)
	{
		s->busy++;
		s->ph->on_eof(s, s->user);
		s->busy--;
		stream_release(s);
	}
}

/* The send window grew */
static void
ymx_writable(void *arg, hy_ymx_stream *ys)
{
	hy_stream  *s = hy_ymx_stream_user(ys);

	(void) arg;
	if (!s || s->dead || s->mss || !s->ph || !s->ph->on_writable)
		return;
	s->busy++;
	s->ph->on_writable(s, s->user);
	s->busy--;
	stream_release(s);
}

/* The yamux stream is gone: tell the handler, free when unused */
static void
ymx_closed(void *arg, hy_ymx_stream *ys, int reset)
{
	hy_conn    *c = arg;
	hy_stream  *s = hy_ymx_stream_user(ys);

	c->last_active = hy_loop_now(c->host->loop);
	if (!s || s->dead)
		return;
	hy_ymx_stream_set_user(ys, NULL);
	s->dead = 1;
	if (s->mss)
		neg_end(s);
	if (s->is_ping)
		c->ping_streams--;
	if (s->opened && s->ph && s->ph->on_close)
	{
		s->busy++;
		s->ph->on_close(s, s->user, reset || !s->ph);
		s->busy--;
	}
	s->ys = NULL;
	stream_release(s);
	/* a remote that said GoAway is done once its last stream ends */
	if (c->ymx && hy_ymx_remote_goaway(c->ymx) && hy_ymx_nstreams(c->ymx) == 0)
		hy_conn_fail(c, HY_REASON_GOAWAY);
}

/* The remote will open no more streams */
static void
ymx_goaway(void *arg, uint32_t code)
{
	hy_conn    *c = arg;

	(void) code;
	if (hy_ymx_nstreams(c->ymx) == 0)
		hy_conn_fail(c, HY_REASON_GOAWAY);
}

const hy_ymx_cbs hy_conn_ymx_cbs = {
	.output = hy_conn_send_plain,
	.accept = ymx_accept,
	.data = ymx_data,
	.eof = ymx_eof,
	.writable = ymx_writable,
	.closed = ymx_closed,
	.pong = NULL,
	.goaway = ymx_goaway,
};

/* Reset inbound streams that negotiate for too long */
void
hy_conn_streams_tick(hy_conn *c, uint64_t now)
{
	hy_stream  *s = c->neg_list;

	while (s)
	{
		hy_stream  *next = s->neg_next;

		if (now - s->started >= HY_NET_STREAM_NEGOTIATE_MS)
		{
			c->host->stats.streams_negotiate_failed++;
			neg_end(s);
			if (s->ys)
				hy_ymx_reset(s->ys);
		}
		s = next;
	}
}

/* Open a stream for one protocol */
hy_stream *
hy_conn_open_stream(hy_conn *c, const hy_proto_handler *ph, void *user)
{
	hy_stream  *s;
	hy_ymx_stream *ys;

	if (!ph || !ph->protocol || !ph->on_open || c->state != CS_READY || !c->ymx)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->mss = malloc(sizeof(*s->mss));
	if (!s->mss || hy_mss_init_dialer(s->mss, &ph->protocol, 1) < 0)
		goto fail;
	ys = hy_ymx_open(c->ymx);
	if (!ys)
		goto fail;
	s->conn = c;
	s->ys = ys;
	s->ph = ph;
	s->user = user;
	s->started = hy_loop_now(c->host->loop);
	c->last_active = s->started;
	hy_ymx_stream_set_user(ys, s);
	if (neg_drain(s) < 0)
	{
		hy_ymx_stream_set_user(ys, NULL);
		hy_ymx_reset(ys);
		goto fail;
	}
	s->opened = 1;
	return s;
fail:
	free(s->mss);
	free(s);
	return NULL;
}

/* Write with flow control */
int
hy_stream_write(hy_stream *s, const uint8_t *p, size_t n)
{
	if (s->dead || !s->ys || s->mss || s->conn->state != CS_READY)
		return HY_NET_ERR_CLOSED;
	return hy_ymx_write(s->ys, p, n);
}

/* Write everything or nothing */
int
hy_stream_write_all(hy_stream *s, const uint8_t *p, size_t n)
{
	if (s->dead || !s->ys || s->mss || s->conn->state != CS_READY)
		return HY_NET_ERR_CLOSED;
	if (hy_ymx_send_window(s->ys) < n)
		return HY_NET_ERR_LIMIT;
	return hy_ymx_write(s->ys, p, n) == (int) n ? HY_OK : HY_NET_ERR_CLOSED;
}

/* Half-close */
int
hy_stream_close(hy_stream *s)
{
	if (s->dead || !s->ys)
		return HY_NET_ERR_CLOSED;
	return hy_ymx_close(s->ys);
}

/* Abort */
int
hy_stream_reset(hy_stream *s)
{
	if (s->dead || !s->ys)
		return HY_NET_ERR_CLOSED;
	return hy_ymx_reset(s->ys);
}

/* Connection of a stream */
hy_conn *
hy_stream_conn(const hy_stream *s)
{
	return s->conn;
}

/* Handler-wide context */
void *
hy_stream_handler_ctx(const hy_stream *s)
{
	return s->ph ? s->ph->ctx : NULL;
}

/* Whether the remote opened it */
int
hy_stream_is_inbound(const hy_stream *s)
{
	return s->inbound;
}

/* yamux stream id */
uint32_t
hy_stream_id(const hy_stream *s)
{
	return s->ys ? hy_ymx_stream_id(s->ys) : 0;
}
