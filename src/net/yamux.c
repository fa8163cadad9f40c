/*
 * yamux.c — yamux session state machine (see yamux.h for the rules).
 *
 * Input is parsed incrementally: the 12-byte header is gathered in hdr[],
 * then a Data payload is passed to the stream as it arrives, so a session
 * holds no payload buffer at all.  Streams sit in a singly linked list
 * (a few per connection in practice, at most HY_YMX_MAX_STREAMS).
 */
#include "net/yamux.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "net/limits.h"

struct hy_ymx_stream
{
	hy_ymx_stream *next;
	hy_ymx	   *sess;
	void	   *user;
	uint32_t	id;
	uint32_t	send_window;	/* bytes the remote lets us send */
	uint32_t	recv_window;	/* bytes we still let the remote send */
	uint32_t	recv_pending;	/* consumed bytes not yet credited back */
	uint8_t		local_fin;
	uint8_t		remote_fin;
	uint8_t		dead;			/* closed: only waits to be reaped */
};

struct hy_ymx
{
	hy_ymx_cbs	cbs;
	void	   *arg;
	hy_ymx_stats *stats;
	hy_ymx_stream *streams;
	int			nlive;
	uint8_t		is_dialer;
	uint8_t		failed;
	uint8_t		local_goaway;
	uint8_t		remote_goaway;
	uint8_t		ping_outstanding;
	uint8_t		in_input;
	uint32_t	next_id;
	uint32_t	max_remote_id;
	uint32_t	ping_value;
	/* parser */
	uint8_t		hdr[HY_YMX_HDR_LEN];
	uint8_t		hdr_have;
	hy_ymx_hdr	cur;
	uint32_t	payload_left;	/* Data bytes of cur still to come */
	hy_ymx_stream *cur_stream;	/* receiver of the payload, NULL = discard */
	uint8_t		cur_fin;		/* apply FIN after the payload */
};

static hy_ymx_stats dummy_stats;

/* Create a session */
hy_ymx *
hy_ymx_new(int is_dialer, const hy_ymx_cbs *cbs, void *arg, hy_ymx_stats *stats)
{
	hy_ymx	   *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->cbs = *cbs;
	s->arg = arg;
	s->stats = stats ? stats : &dummy_stats;
	s->is_dialer = is_dialer ? 1 : 0;
	s->next_id = is_dialer ? 1 : 2;
	return s;
}

/* Send one frame header plus optional payload */
static int
emit(hy_ymx *s, uint8_t type, uint16_t flags, uint32_t id, uint32_t length,
	 const uint8_t *payload, size_t plen)
{
	hy_ymx_hdr	h = {HY_YMX_VERSION, type, flags, id, length};
	uint8_t		b[HY_YMX_HDR_LEN];
	int			rc;

	if (s->failed)
		return HY_NET_ERR_CLOSED;
	hy_ymx_hdr_put(&h, b);
	rc = s->cbs.output(s->arg, b, sizeof(b));
	if (rc >= 0 && plen)
		rc = s->cbs.output(s->arg, payload, plen);
	if (rc < 0)
	{
		/* the owner's output limit: the session cannot continue */
		s->failed = 1;
		return rc;
	}
	return HY_OK;
}

/* Mark a stream closed and tell the owner (once) */
static void
stream_kill(hy_ymx_stream *st, int reset)
{
	hy_ymx	   *s = st->sess;

	if (st->dead)
		return;
	st->dead = 1;
	s->nlive--;
	if (s->cur_stream == st)
		s->cur_stream = NULL;
	if (s->cbs.closed)
		s->cbs.closed(s->arg, st, reset);
}

/* Close the stream if both directions have finished */
static void
stream_maybe_done(hy_ymx_stream *st)
{
	if (!st->dead && st->local_fin && st->remote_fin)
		stream_kill(st, 0);
}

/* Allocate and link a stream */
static hy_ymx_stream *
stream_new(hy_ymx *s, uint32_t id)
{
	hy_ymx_stream *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->sess = s;
	st->id = id;
	st->send_window = HY_YMX_WINDOW;
	st->recv_window = HY_YMX_WINDOW;
	st->next = s->streams;
	s->streams = st;
	s->nlive++;
	return st;
}

/* Find a live stream by id */
static hy_ymx_stream *
stream_find(hy_ymx *s, uint32_t id)
{
	for (hy_ymx_stream *st = s->streams; st; st = st->next)
		if (st->id == id && !st->dead)
			return st;
	return NULL;
}

/* Free closed streams */
void
hy_ymx_reap(hy_ymx *s)
{
	hy_ymx_stream **pp = &s->streams;

	if (s->in_input)
		return;
	while (*pp)
	{
		hy_ymx_stream *st = *pp;

		if (st->dead)
		{
			*pp = st->next;
			free(st);
		}
		else
			pp = &st->next;
	}
}

/* Free the session */
void
hy_ymx_free(hy_ymx *s)
{
	if (!s)
		return;
	s->failed = 1;				/* no frames from closed() handlers */
	for (hy_ymx_stream *st = s->streams; st; st = st->next)
		stream_kill(st, 1);
	s->in_input = 0;
	hy_ymx_reap(s);
	free(s);
}

/* End the session because the peer broke the protocol */
static int
proto_error(hy_ymx *s)
{
	if (!s->failed)
	{
		emit(s, HY_YMX_GO_AWAY, 0, 0, HY_YMX_GOAWAY_PROTOCOL, NULL, 0);
		s->local_goaway = 1;
		s->failed = 1;
		s->stats->protocol_errors++;
	}
	return HY_NET_ERR_PROTOCOL;
}

/* Credit consumed receive window back to the remote when half is used */
static int
credit(hy_ymx_stream *st, uint32_t n)
{
	hy_ymx	   *s = st->sess;

	st->recv_pending += n;
	if (st->dead || st->remote_fin || st->recv_pending < HY_YMX_WINDOW / 2)
		return HY_OK;
	st->recv_window += st->recv_pending;
	n = st->recv_pending;
	st->recv_pending = 0;
	return emit(s, HY_YMX_WINDOW_UPDATE, 0, st->id, n, NULL, 0);
}

/* Handle the SYN of a new remote stream; *out = stream or NULL if refused */
static int
remote_syn(hy_ymx *s, uint32_t id, hy_ymx_stream **out)
{
	hy_ymx_stream *st;

	*out = NULL;
	/* ours are odd when we dial: the remote's must then be even */
	if (id == 0 || (id & 1) == (s->is_dialer ? 1u : 0u))
		return proto_error(s);
	if (id <= s->max_remote_id || stream_find(s, id))
		return proto_error(s);	/* duplicate or reused id */
	s->max_remote_id = id;
	if (s->local_goaway || s->nlive >= HY_YMX_MAX_STREAMS)
	{
		s->stats->streams_refused++;
		return emit(s, HY_YMX_WINDOW_UPDATE, HY_YMX_RST, id, 0, NULL, 0);
	}
	st = stream_new(s, id);
	if (!st)
	{
		s->stats->streams_refused++;
		return emit(s, HY_YMX_WINDOW_UPDATE, HY_YMX_RST, id, 0, NULL, 0);
	}
	if (emit(s, HY_YMX_WINDOW_UPDATE, HY_YMX_ACK, id, 0, NULL, 0) < 0)
		return HY_NET_ERR_CLOSED;
	if (s->cbs.accept && s->cbs.accept(s->arg, st) < 0)
	{
		s->stats->streams_refused++;
		/* refusing is a reset of a stream we just acknowledged */
		emit(s, HY_YMX_WINDOW_UPDATE, HY_YMX_RST, id, 0, NULL, 0);
		stream_kill(st, 1);
		return s->failed ? HY_NET_ERR_CLOSED : HY_OK;
	}
	s->stats->streams_in++;
	*out = st;
	return HY_OK;
}

/* Apply a remote FIN */
static void
remote_fin(hy_ymx_stream *st)
{
	if (st->dead || st->remote_fin)
		return;
	st->remote_fin = 1;
	if (st->sess->cbs.eof)
		st->sess->cbs.eof(st->sess->arg, st);
	stream_maybe_done(st);
}

/* Process the flags and window part of a Data or WindowUpdate header */
static int
stream_header(hy_ymx *s, const hy_ymx_hdr *h)
{
	hy_ymx_stream *st = NULL;
	int			rc;

	s->cur_stream = NULL;
	s->cur_fin = 0;
	if (h->type == HY_YMX_DATA && h->length > HY_YMX_MAX_FRAME_IN)
		return proto_error(s);
	if (h->stream_id == 0)
		return proto_error(s);
	if (h->flags & HY_YMX_SYN)
	{
		rc = remote_syn(s, h->stream_id, &st);
		if (rc < 0)
			return rc;
	}
	else
		st = stream_find(s, h->stream_id);

	if (!st)
	{
		/* late frame for a closed or refused stream: drop its payload */
		return HY_OK;
	}
	if (h->flags & HY_YMX_RST)
	{
		s->stats->streams_reset++;
		stream_kill(st, 1);
		return HY_OK;
	}
	if (h->type == HY_YMX_WINDOW_UPDATE)
	{
		if ((uint64_t) st->send_window + h->length > UINT32_MAX)
			return proto_error(s);
		st->send_window += h->length;
		if (h->length && !st->local_fin && s->cbs.writable)
			s->cbs.writable(s->arg, st);
		if (h->flags & HY_YMX_FIN)
			remote_fin(st);
		return HY_OK;
	}
	/* Data: the whole frame must fit in what we granted */
	if (h->length > st->recv_window)
		return proto_error(s);
	st->recv_window -= h->length;
	if (st->remote_fin)
	{
		/* data after FIN: the stream is unusable, reset it */
		emit(s, HY_YMX_WINDOW_UPDATE, HY_YMX_RST, st->id, 0, NULL, 0);
		stream_kill(st, 1);
		return HY_OK;
	}
	s->cur_stream = st;
	s->cur_fin = (h->flags & HY_YMX_FIN) != 0;
	return HY_OK;
}

/* Process a complete header; sets payload_left for Data frames */
static int
frame_header(hy_ymx *s)
{
	hy_ymx_hdr *h = &s->cur;

	if (hy_ymx_hdr_get(s->hdr, h) < 0)
		return proto_error(s);
	switch (h->type)
	{
		case HY_YMX_DATA:
		case HY_YMX_WINDOW_UPDATE:
			{
				int			rc = stream_header(s, h);

				if (rc < 0)
					return rc;
				if (h->type == HY_YMX_DATA)
					s->payload_left = h->length;
				return HY_OK;
			}
		case HY_YMX_PING:
			if (h->flags & HY_YMX_SYN)
			{
				s->stats->pings_answered++;
				return emit(s, HY_YMX_PING, HY_YMX_ACK, 0, h->length, NULL, 0);
			}
			if ((h->flags & HY_YMX_ACK) && s->ping_outstanding &&
				h->length == s->ping_value)
			{
				s->ping_outstanding = 0;
				if (s->cbs.pong)
					s->cbs.pong(s->arg, h->length);
			}
			return HY_OK;
		case HY_YMX_GO_AWAY:
			if (!s->remote_goaway)
			{
				s->remote_goaway = 1;
				s->stats->goaways_received++;
				if (s->cbs.goaway)
					s->cbs.goaway(s->arg, h->length);
			}
			return HY_OK;
	}
	return proto_error(s);
}

/* Deliver part of a Data payload */
static int
frame_payload(hy_ymx *s, const uint8_t *p, uint32_t n)
{
	hy_ymx_stream *st = s->cur_stream;

	s->payload_left -= n;
	if (st && !st->dead)
	{
		if (s->cbs.data)
			s->cbs.data(s->arg, st, p, n);
		if (credit(st, n) < 0)
			return HY_NET_ERR_CLOSED;
	}
	return HY_OK;
}

/* Finish a frame: apply a FIN that came with a Data frame */
static void
frame_end(hy_ymx *s)
{
	hy_ymx_stream *st = s->cur_stream;

	if (s->cur.type == HY_YMX_DATA && s->cur_fin && st && !st->dead)
		remote_fin(st);
	s->cur_stream = NULL;
	s->cur_fin = 0;
	s->hdr_have = 0;
}

/* Feed received bytes */
int
hy_ymx_input(hy_ymx *s, const uint8_t *p, size_t n)
{
	int			rc = HY_OK;
	int			outer = !s->in_input;

	if (s->failed)
		return HY_NET_ERR_CLOSED;
	s->in_input = 1;
	while (n > 0 && rc >= 0 && !s->failed)
	{
		if (s->hdr_have < HY_YMX_HDR_LEN)
		{
			size_t		k = HY_YMX_HDR_LEN - s->hdr_have;

			if (k > n)
				k = n;
			memcpy(s->hdr + s->hdr_have, p, k);
			s->hdr_have += (uint8_t) k;
			p += k;
			n -= k;
			if (s->hdr_have < HY_YMX_HDR_LEN)
				break;
			s->payload_left = 0;
			rc = frame_header(s);
			if (rc < 0)
				break;
			if (s->payload_left == 0)
				frame_end(s);
			continue;
		}
		/* inside a Data payload */
		{
			uint32_t	k = s->payload_left;

			if (k > n)
				k = (uint32_t) n;
			rc = frame_payload(s, p, k);
			p += k;
			n -= k;
			if (rc >= 0 && s->payload_left == 0)
				frame_end(s);
		}
	}
	if (outer)
	{
		s->in_input = 0;
		hy_ymx_reap(s);
	}
	if (rc >= 0 && s->failed)
		rc = HY_NET_ERR_CLOSED;
	return rc;
}

/* Open a stream */
hy_ymx_stream *
hy_ymx_open(hy_ymx *s)
{
	hy_ymx_stream *st;

	if (s->failed || s->local_goaway || s->remote_goaway ||
		s->nlive >= HY_YMX_MAX_STREAMS || s->next_id > UINT32_MAX - 2)
		return NULL;
	st = stream_new(s, s->next_id);
	if (!st)
		return NULL;
	s->next_id += 2;
	if (emit(s, HY_YMX_WINDOW_UPDATE, HY_YMX_SYN, st->id, 0, NULL, 0) < 0)
	{
		st->dead = 1;
		s->nlive--;
		hy_ymx_reap(s);
		return NULL;
	}
	s->stats->streams_out++;
	return st;
}

/* Send data within the window */
int
hy_ymx_write(hy_ymx_stream *st, const uint8_t *p, size_t n)
{
	hy_ymx	   *s = st->sess;
	size_t		done = 0;

	if (st->dead || st->local_fin || s->failed)
		return HY_NET_ERR_CLOSED;
	while (done < n && st->send_window > 0)
	{
		size_t		k = n - done;

		if (k > st->send_window)
			k = st->send_window;
		if (k > HY_YMX_MAX_FRAME_OUT)
			k = HY_YMX_MAX_FRAME_OUT;
		if (emit(s, HY_YMX_DATA, 0, st->id, (uint32_t) k, p + done, k) < 0)
			return HY_NET_ERR_CLOSED;
		st->send_window -= (uint32_t) k;
		done += k;
	}
	return (int) (done > INT32_MAX ? INT32_MAX : done);
}

/* Half-close */
int
hy_ymx_close(hy_ymx_stream *st)
{
	if (st->dead)
		return HY_NET_ERR_CLOSED;
	if (st->local_fin)
		return HY_OK;
	st->local_fin = 1;
	if (emit(st->sess, HY_YMX_WINDOW_UPDATE, HY_YMX_FIN, st->id, 0, NULL, 0) < 0)
	{
		stream_kill(st, 1);
		return HY_NET_ERR_CLOSED;
	}
	stream_maybe_done(st);
	return HY_OK;
}

/* Reset */
int
hy_ymx_reset(hy_ymx_stream *st)
{
	if (st->dead)
		return HY_NET_ERR_CLOSED;
	emit(st->sess, HY_YMX_WINDOW_UPDATE, HY_YMX_RST, st->id, 0, NULL, 0);
	stream_kill(st, 1);
	return HY_OK;
}

/* Send a ping */
int
hy_ymx_ping(hy_ymx *s, uint32_t value)
{
	int			rc = emit(s, HY_YMX_PING, HY_YMX_SYN, 0, value, NULL, 0);

	if (rc >= 0)
	{
		s->ping_outstanding = 1;
		s->ping_value = value;
	}
	return rc;
}

/* Keepalive tick */
int
hy_ymx_keepalive(hy_ymx *s)
{
	if (s->failed)
		return HY_NET_ERR_CLOSED;
	if (s->ping_outstanding)
	{
		s->stats->keepalive_timeouts++;
		return HY_NET_ERR_TIMEOUT;
	}
	return hy_ymx_ping(s, s->ping_value + 1);
}

/* Send GoAway */
int
hy_ymx_goaway(hy_ymx *s, uint32_t code)
{
	int			rc;

	if (s->local_goaway)
		return HY_OK;
	rc = emit(s, HY_YMX_GO_AWAY, 0, 0, code, NULL, 0);
	s->local_goaway = 1;
	return rc;
}

/* Live stream count */
int
hy_ymx_nstreams(const hy_ymx *s)
{
	return s->nlive;
}

/* Session failed */
int
hy_ymx_failed(const hy_ymx *s)
{
	return s->failed;
}

/* Remote sent GoAway */
int
hy_ymx_remote_goaway(const hy_ymx *s)
{
	return s->remote_goaway;
}

/* Stream id */
uint32_t
hy_ymx_stream_id(const hy_ymx_stream *st)
{
	return st->id;
}

/* Remote's window for our data */
uint32_t
hy_ymx_send_window(const hy_ymx_stream *st)
{
	return st->send_window;
}

/* Whether the stream is still open */
int
hy_ymx_stream_is_open(const hy_ymx_stream *st)
{
	return !st->dead;
}

/* Whether we may still write */
int
hy_ymx_stream_can_write(const hy_ymx_stream *st)
{
	return !st->dead && !st->local_fin && !st->sess->failed;
}

/* Owner's pointer */
void *
hy_ymx_stream_user(const hy_ymx_stream *st)
{
	return st->user;
}

/* Set the owner's pointer */
void
hy_ymx_stream_set_user(hy_ymx_stream *st, void *user)
{
	st->user = user;
}

/* Session of a stream */
hy_ymx *
hy_ymx_stream_session(const hy_ymx_stream *st)
{
	return st->sess;
}
