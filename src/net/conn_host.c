/*
 * conn_host.c — the host: identity, listeners, accept limits, dialing and
 * the protocol handler table (see conn.h).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/err.h"
#include "core/multiaddr.h"
#include "net/conn_internal.h"
#include "net/ping.h"

static const char *const reason_names[HY_REASON_COUNT] = {
	"none", "local", "eof", "io", "timeout", "multistream", "noise",
	"peer_id", "yamux", "wbuf", "idle", "keepalive", "goaway", "nomem",
	"shutdown"
};

/* Name a close or failure reason */
const char *
hy_conn_reason_name(hy_conn_reason r)
{
	return (r >= 0 && r < HY_REASON_COUNT) ? reason_names[r] : "unknown";
}

/* Fill a config with defaults */
void
hy_host_config_init(hy_host_config *cfg, const hy_keypair *kp)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->keypair = kp;
	cfg->agent = "hydra/0.1.0";
	cfg->identify_on_connect = 1;
}

/* Create a host */
hy_host *
hy_host_new(hy_loop *loop, const hy_host_config *cfg, const hy_host_cbs *cbs,
			void *cb_arg)
{
	hy_host    *h;

	if (!loop || !cfg || !cfg->keypair)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	h->loop = loop;
	h->cfg = *cfg;
	if (!h->cfg.agent)
		h->cfg.agent = "hydra/0.1.0";
	if (h->cfg.max_conns <= 0)
		h->cfg.max_conns = HY_NET_MAX_CONNS;
	if (h->cfg.max_conns_per_ip <= 0)
		h->cfg.max_conns_per_ip = HY_NET_MAX_CONNS_PER_IP;
	if (h->cfg.handshake_timeout_ms <= 0)
		h->cfg.handshake_timeout_ms = HY_NET_HANDSHAKE_TIMEOUT_MS;
	if (h->cfg.idle_timeout_ms == 0)
		h->cfg.idle_timeout_ms = HY_NET_IDLE_TIMEOUT_MS;
	if (h->cfg.keepalive_ms == 0)
		h->cfg.keepalive_ms = HY_NET_KEEPALIVE_MS;
	if (cbs)
		h->cbs = *cbs;
	h->cb_arg = cb_arg;
	h->nid = calloc(1, sizeof(*h->nid));
	if (!h->nid || hy_noise_identity_init(h->nid, cfg->keypair, NULL) < 0 ||
		hy_ipcount_init(&h->ipcount, (uint32_t) h->cfg.max_conns) < 0)
		goto fail;
	if (hy_host_add_handler(h, &hy_identify_handler) < 0 ||
		hy_host_add_handler(h, &hy_identify_push_handler) < 0 ||
		hy_host_add_handler(h, &hy_ping_handler) < 0)
		goto fail;
	return h;
fail:
	if (h->nid)
	{
		hy_noise_identity_wipe(h->nid);
		free(h->nid);
	}
	hy_ipcount_free(&h->ipcount);
	free(h);
	return NULL;
}

/* Free the host */
void
hy_host_free(hy_host *h)
{
	if (!h)
		return;
	while (h->conns)
	{
		hy_conn    *c = h->conns;

		if (c->state != CS_CLOSING)
		{
			c->state = CS_CLOSING;
			c->close_reason = HY_REASON_SHUTDOWN;
		}
		hy_defer_cancel(h->loop, &c->defer);
		hy_conn_teardown(c);
	}
	for (int i = 0; i < h->nlisteners; i++)
	{
		hy_loop_del_fd(h->loop, h->listeners[i].fd);
		close(h->listeners[i].fd);
	}
	hy_ipcount_free(&h->ipcount);
	hy_noise_identity_wipe(h->nid);
	free(h->nid);
	free(h);
}

/* Accept pending connections, enforcing the limits */
static void
accept_cb(hy_loop *loop, int fd, unsigned events, void *arg)
{
	hy_listener *l = arg;
	hy_host    *h = l->host;

	(void) loop;
	(void) events;
	for (int i = 0; i < HY_NET_ACCEPT_BATCH; i++)
	{
		struct sockaddr_storage ss;
		socklen_t	len;
		uint8_t		ip[16];
		int			cfd = hy_tcp_accept(fd, &ss, &len);

		if (cfd == -HY_TCP_AGAIN)
			return;
		if (cfd < 0)
		{
			h->stats.accept_errors++;
			return;
		}
		if (h->nconns >= h->cfg.max_conns)
		{
			h->stats.refused_total++;
			close(cfd);
			continue;
		}
		hy_tcp_ip_key((struct sockaddr *) &ss, ip);
		if (hy_ipcount_get(&h->ipcount, ip) >= (uint32_t) h->cfg.max_conns_per_ip)
		{
			h->stats.refused_per_ip++;
			close(cfd);
			continue;
		}
		if (!hy_conn_new(h, cfd, 0, (struct sockaddr *) &ss, len))
		{
			h->stats.accept_errors++;
			continue;			/* hy_conn_new closed cfd */
		}
		h->stats.accepted++;
	}
}

/* Listen on ip:port */
int
hy_host_listen(hy_host *h, const char *ip, uint16_t port, uint16_t *bound_port)
{
	hy_listener *l;
	uint16_t	bp = 0;
	int			fd,
				rc;
	struct sockaddr_storage ss;
	socklen_t	len;

	if (h->nlisteners >= HY_HOST_MAX_LISTENERS)
		return HY_NET_ERR_LIMIT;
	fd = hy_tcp_listen(ip, port, HY_NET_LISTEN_BACKLOG, &bp);
	if (fd < 0)
		return fd;
	l = &h->listeners[h->nlisteners];
	l->host = h;
	l->fd = fd;
	l->port = bp;
	rc = hy_loop_add_fd(h->loop, fd, HY_EV_READ, accept_cb, l);
	if (rc < 0)
	{
		close(fd);
		return rc;
	}
	h->nlisteners++;
	if (bound_port)
		*bound_port = bp;
	/* announce the bound address unless it is a wildcard */
	if (hy_tcp_sockaddr_from_text(ip, bp, &ss, &len) == HY_OK)
	{
		uint8_t		ma[32];
		int			n = hy_tcp_sockaddr_to_multiaddr((struct sockaddr *) &ss, ma, sizeof(ma));

		if (n > 0 && hy_multiaddr_scope(ma, (size_t) n) != HY_MA_SCOPE_UNSPECIFIED)
			hy_host_add_announce_addr(h, ma, (size_t) n);
	}
	return HY_OK;
}

/* Add an address for identify */
int
hy_host_add_announce_addr(hy_host *h, const uint8_t *ma, size_t len)
{
	if (h->naddrs >= HY_HOST_MAX_ANNOUNCE_ADDRS)
		return HY_NET_ERR_LIMIT;
	if (len > sizeof(h->addrs[0]) || hy_multiaddr_validate(ma, len) < 0)
		return HY_ERR_INVALID;
	memcpy(h->addrs[h->naddrs], ma, len);
	h->addr_lens[h->naddrs] = len;
	h->naddrs++;
	return HY_OK;
}

/* Register a protocol handler */
int
hy_host_add_handler(hy_host *h, const hy_proto_handler *ph)
{
	if (!ph || !ph->protocol || !ph->on_open)
		return HY_ERR_INVALID;
	if (h->nhandlers >= HY_HOST_MAX_HANDLERS)
		return HY_NET_ERR_LIMIT;
	for (int i = 0; i < h->nhandlers; i++)
		if (strcmp(h->handler_names[i], ph->protocol) == 0)
			return HY_ERR_INVALID;
	h->handlers[h->nhandlers] = ph;
	h->handler_names[h->nhandlers] = ph->protocol;
	h->nhandlers++;
	return HY_OK;
}

/* Dial a multiaddr */
hy_conn *
hy_host_dial(hy_host *h, const uint8_t *ma, size_t ma_len, void *user, int *err)
{
	hy_ma_endpoint ep;
	struct sockaddr_storage ss;
	socklen_t	len;
	const uint8_t *id = NULL;
	size_t		idlen = 0;
	hy_conn    *c;
	int			fd,
				rc,
				dummy;

	if (!err)
		err = &dummy;
	rc = hy_multiaddr_strip_p2p(ma, ma_len, &id, &idlen);
	if (rc < 0 || idlen > HY_PEER_ID_MAX)
	{
		*err = rc < 0 ? rc : HY_ERR_INVALID;
		return NULL;
	}
	rc = hy_multiaddr_tcp_endpoint(ma, ma_len, &ep);
	if (rc < 0 || (rc = hy_tcp_sockaddr_from_endpoint(&ep, &ss, &len)) < 0)
	{
		*err = rc;
		return NULL;
	}
	if (h->nconns >= h->cfg.max_conns)
	{
		*err = HY_NET_ERR_LIMIT;
		return NULL;
	}
	fd = hy_tcp_connect((struct sockaddr *) &ss, len);
	if (fd < 0)
	{
		h->stats.dial_errors++;
		*err = fd;
		return NULL;
	}
	c = hy_conn_new(h, fd, 1, (struct sockaddr *) &ss, len);
	if (!c)
	{
		h->stats.dial_errors++;
		*err = HY_ERR_NOMEM;
		return NULL;
	}
	h->stats.dials++;
	c->user = user;
	if (idlen)
	{
		memcpy(c->expect, id, idlen);
		c->expect_len = (uint8_t) idlen;
	}
	*err = HY_OK;
	return c;
}

/* Counters */
const hy_net_stats *
hy_host_stats(const hy_host *h)
{
	return &h->stats;
}

/* Loop of a host */
hy_loop *
hy_host_loop(const hy_host *h)
{
	return h->loop;
}

/* Identity of a host */
const hy_keypair *
hy_host_keypair(const hy_host *h)
{
	return h->cfg.keypair;
}

/* Live connections */
int
hy_host_nconns(const hy_host *h)
{
	return h->nconns;
}
