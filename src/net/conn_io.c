/*
 * conn_io.c — connection lifetime and socket I/O: creation, reading into
 * the upgrade pipeline, sealing plaintext into Noise frames, writing with
 * back-pressure, failure and teardown.
 *
 * Back-pressure: when more than HY_NET_WBUF_SOFT bytes wait for the socket
 * we stop reading from it, so a peer that does not read our answers stops
 * getting its requests processed; above HY_NET_WBUF_HARD the connection is
 * closed.  Teardown always runs from a deferred call, never from inside a
 * callback that may still hold pointers into the connection.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "net/conn_internal.h"

/* rbuf holds at most one partial Noise frame plus one read chunk */
#define RBUF_MAX (HY_NOISE_FRAME_MAX + HY_NET_READ_CHUNK)
/* wbuf may overshoot the hard cap by one sealed frame before we notice */
#define WBUF_MAX (HY_NET_WBUF_HARD + HY_NOISE_FRAME_MAX)

static void conn_defer_cb(hy_loop *loop, void *arg);

/* Create a connection for a connected or connecting socket */
hy_conn *
hy_conn_new(hy_host *h, int fd, int dialer, const struct sockaddr *sa, socklen_t salen)
{
	hy_conn    *c = calloc(1, sizeof(*c));
	int			n;

	if (!c)
	{
		close(fd);
		return NULL;
	}
	c->host = h;
	c->fd = fd;
	c->dialer = dialer ? 1 : 0;
	c->state = dialer ? CS_CONNECTING : CS_MSS_SECURITY;
	if (salen > sizeof(c->remote))
		salen = sizeof(c->remote);
	memcpy(&c->remote, sa, salen);
	c->remote_len = salen;
	hy_tcp_ip_key(sa, c->ipkey);
	n = hy_tcp_sockaddr_to_multiaddr(sa, c->remote_ma, sizeof(c->remote_ma));
	c->remote_ma_len = n > 0 ? (uint8_t) n : 0;
	hy_timer_init(&c->timer, hy_conn_timer_cb, c);
	hy_defer_init(&c->defer, conn_defer_cb, c);
	if (hy_loop_add_fd(h->loop, fd, dialer ? HY_EV_WRITE : HY_EV_READ,
					   hy_conn_io_cb, c) < 0)
	{
		close(fd);
		free(c);
		return NULL;
	}
	if (!dialer)
	{
		if (hy_ipcount_inc(&h->ipcount, c->ipkey) == HY_OK)
			c->ip_counted = 1;
	}
	c->next = h->conns;
	if (h->conns)
		h->conns->prev = c;
	h->conns = c;
	h->nconns++;
	h->stats.live_conns = (uint64_t) h->nconns;
	c->last_active = hy_loop_now(h->loop);
	hy_timer_start(h->loop, &c->timer, (uint64_t) h->cfg.handshake_timeout_ms);
	if (!dialer && hy_conn_upgrade_start(c) < 0)
		hy_conn_fail(c, HY_REASON_NOMEM);
	return c;
}

/* Mark the connection failed/closed and queue its teardown */
void
hy_conn_fail(hy_conn *c, hy_conn_reason reason)
{
	hy_host    *h = c->host;

	if (c->state == CS_CLOSING)
		return;
	c->close_reason = reason;
	if (!c->ready_reported)
	{
		h->stats.handshakes_failed++;
		h->stats.handshake_failed_by[reason]++;
	}
	else
		h->stats.closed_by[reason]++;
	c->state = CS_CLOSING;
	hy_defer_post(h->loop, &c->defer);
}

/* Public close */
void
hy_conn_close(hy_conn *c)
{
	if (!c || c->state == CS_CLOSING)
		return;
	if (c->ymx)
		hy_ymx_goaway(c->ymx, HY_YMX_GOAWAY_NORMAL);
	hy_conn_fail(c, HY_REASON_LOCAL);
}

/* Seal pending plaintext into Noise frames at the tail of wbuf */
static int
seal_pending(hy_conn *c)
{
	while (c->pbuf.len > 0 && c->tx)
	{
		size_t		k = c->pbuf.len;
		uint8_t    *dst;
		int			n;

		if (k > HY_NOISE_PLAINTEXT_MAX)
			k = HY_NOISE_PLAINTEXT_MAX;
		dst = hy_buf_reserve(&c->wbuf, k + 2 + HY_NOISE_TAG_LEN, WBUF_MAX);
		if (!dst)
			return HY_NET_ERR_LIMIT;
		n = hy_noise_encrypt_frame(c->tx, hy_buf_head(&c->pbuf), k, dst,
								   k + 2 + HY_NOISE_TAG_LEN);
		if (n < 0)
			return n;
		c->wbuf.len += (size_t) n;
		hy_buf_consume(&c->pbuf, k);
	}
	return HY_OK;
}

/* Update the epoll mask from the buffer state */
static void
update_events(hy_conn *c)
{
	unsigned	ev = 0;

	if (c->state == CS_CLOSING)
		return;
	if (c->state == CS_CONNECTING)
		ev = HY_EV_WRITE;
	else
	{
		if (c->read_paused && c->wbuf.len < HY_NET_WBUF_SOFT / 2)
			c->read_paused = 0;
		if (!c->read_paused)
			ev |= HY_EV_READ;
		if (c->wbuf.len > 0)
			ev |= HY_EV_WRITE;
	}
	hy_loop_mod_fd(c->host->loop, c->fd, ev);
}

/* Write as much of wbuf as the socket takes */
static int
write_out(hy_conn *c)
{
	while (c->wbuf.len > 0)
	{
		ssize_t		n = write(c->fd, hy_buf_head(&c->wbuf), c->wbuf.len);

		if (n > 0)
		{
			c->host->stats.bytes_out += (uint64_t) n;
			hy_buf_consume(&c->wbuf, (size_t) n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		return HY_NET_ERR_IO;
	}
	return HY_OK;
}

/* Seal and write everything pending */
void
hy_conn_flush(hy_conn *c)
{
	if (c->state == CS_CLOSING || c->state == CS_CONNECTING)
		return;
	if (seal_pending(c) < 0)
	{
		hy_conn_fail(c, HY_REASON_WBUF);
		return;
	}
	if (c->wbuf.len > HY_NET_WBUF_HARD)
	{
		hy_conn_fail(c, HY_REASON_WBUF);
		return;
	}
	if (write_out(c) < 0)
	{
		hy_conn_fail(c, HY_REASON_IO);
		return;
	}
	update_events(c);
}

/* Queue a flush for the end of this loop iteration */
void
hy_conn_schedule_flush(hy_conn *c)
{
	if (c->state != CS_CLOSING)
		hy_defer_post(c->host->loop, &c->defer);
}

/* Queue raw bytes (before Noise) */
int
hy_conn_send_raw(hy_conn *c, const uint8_t *p, size_t n)
{
	if (c->state == CS_CLOSING)
		return HY_NET_ERR_CLOSED;
	if (hy_buf_append(&c->wbuf, p, n, HY_NET_WBUF_HARD) < 0)
	{
		hy_conn_fail(c, HY_REASON_WBUF);
		return HY_NET_ERR_LIMIT;
	}
	hy_conn_schedule_flush(c);
	return HY_OK;
}

/* Queue plaintext to be sealed (yamux output callback) */
int
hy_conn_send_plain(void *arg, const uint8_t *p, size_t n)
{
	hy_conn    *c = arg;

	if (c->state == CS_CLOSING)
	{
		/* last words (FIN, GoAway) go out with the teardown flush */
		if (!c->tx || c->pbuf.len + c->wbuf.len + n > HY_NET_WBUF_HARD)
			return HY_NET_ERR_CLOSED;
		return hy_buf_append(&c->pbuf, p, n, HY_NET_WBUF_HARD);
	}
	if (c->pbuf.len + c->wbuf.len + n > HY_NET_WBUF_HARD ||
		hy_buf_append(&c->pbuf, p, n, HY_NET_WBUF_HARD) < 0)
	{
		hy_conn_fail(c, HY_REASON_WBUF);
		return HY_NET_ERR_LIMIT;
	}
	hy_conn_schedule_flush(c);
	return HY_OK;
}

/* Feed bytes read from the socket through the pipeline */
static void
conn_feed(hy_conn *c, uint8_t *p, size_t n)
{
	size_t		used = 0;

	if (c->rbuf.len == 0)
	{
		hy_conn_upgrade_input(c, p, n, &used);
		if (c->state == CS_CLOSING)
			return;
		if (used < n && hy_buf_append(&c->rbuf, p + used, n - used, RBUF_MAX) < 0)
			hy_conn_fail(c, HY_REASON_WBUF);
		return;
	}
	if (hy_buf_append(&c->rbuf, p, n, RBUF_MAX) < 0)
	{
		hy_conn_fail(c, HY_REASON_WBUF);
		return;
	}
	hy_conn_upgrade_input(c, hy_buf_head(&c->rbuf), c->rbuf.len, &used);
	if (c->state != CS_CLOSING)
		hy_buf_consume(&c->rbuf, used);
}

/* Read what the socket has, a bounded number of times */
static void
conn_read(hy_conn *c)
{
	hy_host    *h = c->host;

	for (int i = 0; i < HY_NET_READS_PER_EVENT; i++)
	{
		ssize_t		n;

		if (c->state == CS_CLOSING)
			return;
		if (c->wbuf.len + c->pbuf.len >= HY_NET_WBUF_SOFT)
		{
			c->read_paused = 1;
			return;
		}
		n = read(c->fd, h->scratch, sizeof(h->scratch));
		if (n == 0)
		{
			hy_conn_fail(c, HY_REASON_EOF);
			return;
		}
		if (n < 0)
		{
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				hy_conn_fail(c, HY_REASON_IO);
			return;
		}
		h->stats.bytes_in += (uint64_t) n;
		conn_feed(c, h->scratch, (size_t) n);
		if ((size_t) n < sizeof(h->scratch))
			return;
	}
}

/* Socket readiness */
void
hy_conn_io_cb(hy_loop *loop, int fd, unsigned events, void *arg)
{
	hy_conn    *c = arg;

	(void) loop;
	if (c->state == CS_CLOSING)
		return;
	if (c->state == CS_CONNECTING)
	{
		if (!(events & (HY_EV_WRITE | HY_EV_ERROR)))
			return;
		if (hy_tcp_connect_result(fd) < 0)
		{
			hy_conn_fail(c, HY_REASON_IO);
			return;
		}
		c->state = CS_MSS_SECURITY;
		if (hy_conn_upgrade_start(c) < 0)
		{
			hy_conn_fail(c, HY_REASON_NOMEM);
			return;
		}
		hy_conn_flush(c);
		return;
	}
	if (events & HY_EV_WRITE)
	{
		if (write_out(c) < 0)
		{
			hy_conn_fail(c, HY_REASON_IO);
			return;
		}
	}
	if (events & HY_EV_READ)
		conn_read(c);
	hy_conn_flush(c);
}

/* Deferred work: flush, or tear down a closing connection */
static void
conn_defer_cb(hy_loop *loop, void *arg)
{
	hy_conn    *c = arg;

	(void) loop;
	if (c->state == CS_CLOSING)
		hy_conn_teardown(c);
	else
		hy_conn_flush(c);
}

/* Release everything; runs at top level only */
void
hy_conn_teardown(hy_conn *c)
{
	hy_host    *h = c->host;

	hy_timer_stop(h->loop, &c->timer);
	hy_defer_cancel(h->loop, &c->defer);
	if (c->ymx)
	{
		hy_ymx *y = c->ymx;

		/* streams' closed callbacks run now; their writes are refused */
		c->ymx = NULL;
		hy_ymx_free(y);
	}
	/* best effort: a GoAway or last answer may still be pending */
	if (c->fd >= 0 && c->tx && seal_pending(c) == HY_OK)
		(void) write_out(c);
	if (c->fd >= 0)
	{
		hy_loop_del_fd(h->loop, c->fd);
		close(c->fd);
		c->fd = -1;
	}
	if (c->noise)
	{
		hy_noise_wipe(c->noise);
		free(c->noise);
	}
	if (c->tx)
	{
		hy_noise_transport_wipe(c->tx);
		free(c->tx);
	}
	free(c->mss);
	hy_buf_free(&c->rbuf);
	hy_buf_free(&c->wbuf);
	hy_buf_free(&c->pbuf);
	if (c->ip_counted)
		hy_ipcount_dec(&h->ipcount, c->ipkey);
	if (c->prev)
		c->prev->next = c->next;
	else
		h->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	h->nconns--;
	h->stats.live_conns = (uint64_t) h->nconns;
	if (h->cbs.conn_closed)
		h->cbs.conn_closed(c, c->close_reason, h->cb_arg);
	if (c->idinfo)
	{
		hy_id_info_clear(c->idinfo);
		free(c->idinfo);
	}
	free(c);
}

/* Accessors */
int
hy_conn_is_dialer(const hy_conn *c)
{
	return c->dialer;
}

/* Whether yamux is up */
int
hy_conn_is_ready(const hy_conn *c)
{
	return c->state == CS_READY;
}

/* Remote peer ID once Noise finished */
const uint8_t *
hy_conn_peer_id(const hy_conn *c, size_t *len)
{
	*len = c->peer_id_len;
	return c->peer_id_len ? c->peer_id : NULL;
}

/* Remote TCP address as a binary multiaddr */
const uint8_t *
hy_conn_remote_addr(const hy_conn *c, size_t *len)
{
	*len = c->remote_ma_len;
	return c->remote_ma;
}

/* Remote identify record */
const hy_id_info *
hy_conn_identify(const hy_conn *c)
{
	return c->identified ? c->idinfo : NULL;
}

/* User pointer */
void *
hy_conn_user(const hy_conn *c)
{
	return c->user;
}

/* Set the user pointer */
void
hy_conn_set_user(hy_conn *c, void *user)
{
	c->user = user;
}

/* Host of a connection */
hy_host *
hy_conn_host(const hy_conn *c)
{
	return c->host;
}
