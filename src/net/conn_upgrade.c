/*
 * conn_upgrade.c — the connection upgrade pipeline and the connection
 * timer (see README.md for the state machine).
 *
 *	MSS_SECURITY: multistream on raw TCP selects /noise (na to the rest)
 *	NOISE:        XX handshake in 2-byte length frames
 *	MSS_MUXER:    inside Noise frames, multistream selects /yamux/1.0.0
 *	READY:        inside Noise frames, yamux
 *
 * Bytes that arrive after a selection in the same read (pipelining) are
 * handed to the next stage in the same call.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "net/conn_internal.h"
#include "net/identify.h"

static const char *const noise_protos[] = {HY_NOISE_PROTOCOL};
static const char *const yamux_protos[] = {HY_YAMUX_PROTOCOL};

/* Move multistream output to the socket (raw) or into Noise (plain) */
static int
drain_mss(hy_conn *c, int plain)
{
	size_t		n;
	const uint8_t *p = hy_mss_pending_output(c->mss, &n);
	int			rc;

	if (n == 0)
		return HY_OK;
	rc = plain ? hy_conn_send_plain(c, p, n) : hy_conn_send_raw(c, p, n);
	if (rc < 0)
		return rc;
	hy_mss_consume_output(c->mss, n);
	return HY_OK;
}

/* Begin multistream for the security protocol */
int
hy_conn_upgrade_start(hy_conn *c)
{
	int			rc;

	c->mss = malloc(sizeof(*c->mss));
	if (!c->mss)
		return HY_ERR_NOMEM;
	rc = c->dialer ? hy_mss_init_dialer(c->mss, noise_protos, 1) :
		hy_mss_init_listener(c->mss, noise_protos, 1);
	if (rc < 0)
		return rc;
	c->state = CS_MSS_SECURITY;
	return drain_mss(c, 0);
}

/* Yamux is up: report, arm the periodic tick, start identify */
static void
conn_ready(hy_conn *c)
{
	hy_host    *h = c->host;

	c->ready_reported = 1;
	h->stats.handshakes_ok++;
	c->last_active = c->last_keepalive = hy_loop_now(h->loop);
	hy_timer_start(h->loop, &c->timer, HY_CONN_TICK_MS);
	if (h->cbs.conn_ready)
		h->cbs.conn_ready(c, h->cb_arg);
	if (c->state == CS_READY && h->cfg.identify_on_connect)
		hy_identify_request(c);
}

/* The Noise handshake finished: keep the transport, start muxer selection */
static int
noise_done(hy_conn *c)
{
	size_t		idlen;
	const uint8_t *id = hy_noise_remote_peer_id(c->noise, &idlen);
	int			rc;

	if (!id || idlen == 0 || idlen > sizeof(c->peer_id))
	{
		hy_conn_fail(c, HY_REASON_NOISE);
		return HY_ERR_INVALID;
	}
	if (c->expect_len && (idlen != c->expect_len || memcmp(id, c->expect, idlen) != 0))
	{
		hy_conn_fail(c, HY_REASON_PEER_ID);
		return HY_NET_ERR_PEER_ID;
	}
	memcpy(c->peer_id, id, idlen);
	c->peer_id_len = (uint8_t) idlen;
	c->tx = malloc(sizeof(*c->tx));
	if (!c->tx)
	{
		hy_conn_fail(c, HY_REASON_NOMEM);
		return HY_ERR_NOMEM;
	}
	*c->tx = c->noise->transport;
	hy_noise_wipe(c->noise);
	free(c->noise);
	c->noise = NULL;
	rc = c->dialer ? hy_mss_init_dialer(c->mss, yamux_protos, 1) :
		hy_mss_init_listener(c->mss, yamux_protos, 1);
	if (rc < 0 || drain_mss(c, 1) < 0)
	{
		hy_conn_fail(c, HY_REASON_MULTISTREAM);
		return HY_ERR_INVALID;
	}
	c->state = CS_MSS_MUXER;
	return HY_OK;
}

/* Classify a failed handshake message: wrong peer or bad handshake */
static hy_conn_reason
noise_failure(const hy_conn *c)
{
	const hy_noise *ns = c->noise;

	if (c->expect_len && ns->remote_peer_id_len &&
		(ns->remote_peer_id_len != c->expect_len ||
		 memcmp(ns->remote_peer_id, c->expect, c->expect_len) != 0))
		return HY_REASON_PEER_ID;
	return HY_REASON_NOISE;
}

/* Write handshake messages while it is our turn; finish when done */
static int
noise_step(hy_conn *c)
{
	for (;;)
	{
		int			next = hy_noise_next(c->noise);

		if (next == HY_NOISE_WRITE)
		{
			uint8_t    *dst = hy_buf_reserve(&c->wbuf, 2 + HY_NOISE_HS_MSG_MAX,
											 HY_NET_WBUF_HARD);
			int			n;

			if (!dst)
			{
				hy_conn_fail(c, HY_REASON_WBUF);
				return HY_NET_ERR_LIMIT;
			}
			n = hy_noise_write_handshake(c->noise, dst + 2, HY_NOISE_HS_MSG_MAX);
			if (n < 0)
			{
				hy_conn_fail(c, HY_REASON_NOISE);
				return n;
			}
			hy_noise_frame_put_len(dst, (size_t) n);
			c->wbuf.len += (size_t) n + 2;
			hy_conn_schedule_flush(c);
			continue;
		}
		if (next == HY_NOISE_DONE)
			return noise_done(c);
		if (next == HY_NOISE_READ)
			return HY_OK;
		hy_conn_fail(c, noise_failure(c));
		return next < 0 ? next : HY_ERR_INVALID;
	}
}

/* Security protocol selected: start Noise */
static int
noise_start(hy_conn *c)
{
	c->noise = malloc(sizeof(*c->noise));
	if (!c->noise || hy_noise_init(c->noise, c->host->nid, c->dialer) < 0)
	{
		hy_conn_fail(c, HY_REASON_NOMEM);
		return HY_ERR_NOMEM;
	}
	if (c->expect_len && hy_noise_expect_peer(c->noise, c->expect, c->expect_len) < 0)
	{
		hy_conn_fail(c, HY_REASON_PEER_ID);
		return HY_NET_ERR_PEER_ID;
	}
	c->state = CS_NOISE;
	return noise_step(c);
}

/* Plaintext from a Noise frame: muxer negotiation, then yamux */
static void
deliver_plain(hy_conn *c, const uint8_t *p, size_t n)
{
	while (n > 0 && c->state == CS_MSS_MUXER)
	{
		size_t		used = 0;
		int			rc = hy_mss_feed(c->mss, p, n, &used);

		p += used;
		n -= used;
		if (drain_mss(c, 1) < 0)
			return;
		if (rc < 0)
		{
			hy_conn_fail(c, HY_REASON_MULTISTREAM);
			return;
		}
		if (rc == HY_MSS_DONE)
		{
			free(c->mss);
			c->mss = NULL;
			c->ymx = hy_ymx_new(c->dialer, &hy_conn_ymx_cbs, c, &c->host->stats.ymx);
			if (!c->ymx)
			{
				hy_conn_fail(c, HY_REASON_NOMEM);
				return;
			}
			c->state = CS_READY;
			conn_ready(c);
			break;
		}
		if (used == 0)
			return;				/* need more input */
	}
	if (n > 0 && c->state == CS_READY && c->ymx)
	{
		int			rc = hy_ymx_input(c->ymx, p, n);

		if (rc < 0 && c->state != CS_CLOSING)
			hy_conn_fail(c, rc == HY_NET_ERR_PROTOCOL ? HY_REASON_YAMUX : HY_REASON_WBUF);
	}
}

/* Run received bytes through the pipeline; *used = bytes consumed */
int
hy_conn_upgrade_input(hy_conn *c, uint8_t *p, size_t n, size_t *used)
{
	size_t		off = 0;

	while (off < n && c->state != CS_CLOSING)
	{
		if (c->state == CS_MSS_SECURITY)
		{
			size_t		u = 0;
			int			rc = hy_mss_feed(c->mss, p + off, n - off, &u);

			off += u;
			if (drain_mss(c, 0) < 0)
				break;
			if (rc < 0)
			{
				hy_conn_fail(c, HY_REASON_MULTISTREAM);
				break;
			}
			if (rc == HY_MSS_DONE)
			{
				if (noise_start(c) < 0)
					break;
				continue;
			}
			if (u == 0)
				break;
			continue;
		}
		if (c->state == CS_NOISE)
		{
			int			len = hy_noise_frame_len(p + off, n - off);

			if (len < 0 || n - off < (size_t) len + 2)
				break;
			if (hy_noise_next(c->noise) != HY_NOISE_READ ||
				hy_noise_read_handshake(c->noise, p + off + 2, (size_t) len) < 0)
			{
				hy_conn_fail(c, noise_failure(c));
				break;
			}
			off += (size_t) len + 2;
			if (noise_step(c) < 0)
				break;
			continue;
		}
		if (c->state == CS_MSS_MUXER || c->state == CS_READY)
		{
			int			len = hy_noise_frame_len(p + off, n - off);
			int			pt;

			if (len < 0 || n - off < (size_t) len + 2)
				break;
			pt = hy_noise_decrypt_frame(c->tx, p + off + 2, (size_t) len,
										p + off + 2, (size_t) len);
			if (pt < 0)
			{
				hy_conn_fail(c, HY_REASON_NOISE);
				break;
			}
			deliver_plain(c, p + off + 2, (size_t) pt);
			off += (size_t) len + 2;
			continue;
		}
		break;
	}
	*used = off;
	return c->state == CS_CLOSING ? HY_NET_ERR_CLOSED : HY_OK;
}

/* Connection timer: handshake deadline, then keepalive and idle checks */
void
hy_conn_timer_cb(hy_loop *loop, void *arg)
{
	hy_conn    *c = arg;
	hy_host    *h = c->host;
	uint64_t	now = hy_loop_now(loop);

	if (c->state == CS_CLOSING)
		return;
	if (c->state != CS_READY)
	{
		hy_conn_fail(c, HY_REASON_TIMEOUT);
		return;
	}
	if (hy_ymx_nstreams(c->ymx) > 0)
		c->last_active = now;
	if (h->cfg.idle_timeout_ms > 0 &&
		now - c->last_active >= (uint64_t) h->cfg.idle_timeout_ms)
	{
		hy_ymx_goaway(c->ymx, HY_YMX_GOAWAY_NORMAL);
		hy_conn_fail(c, HY_REASON_IDLE);
		return;
	}
	if (h->cfg.keepalive_ms > 0 &&
		now - c->last_keepalive >= (uint64_t) h->cfg.keepalive_ms)
	{
		c->last_keepalive = now;
		if (hy_ymx_keepalive(c->ymx) < 0)
		{
			hy_conn_fail(c, HY_REASON_KEEPALIVE);
			return;
		}
		hy_conn_schedule_flush(c);
	}
	hy_conn_streams_tick(c, now);
	if (c->state == CS_READY)
		hy_timer_start(loop, &c->timer, HY_CONN_TICK_MS);
}
