/*
 * identify_handler.c — identify over streams: the server answers
 * /ipfs/id/1.0.0 with our Identify and FIN; the client (opened on every new
 * connection) reads the remote's; /ipfs/id/push/1.0.0 updates it.
 */
#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/varint.h"
#include "net/conn_internal.h"
#include "net/identify.h"

#define ID_READ_MAX (HY_ID_IN_MAX + HY_UVARINT_MAX)

/* Record the outcome of identify and tell the host's owner once */
void
hy_conn_report_identified(hy_conn *c, int ok)
{
	hy_host    *h = c->host;

	if (c->identified)
		return;
	c->identified = ok ? 1 : 0;
	if (ok)
		h->stats.identify_ok++;
	else
		h->stats.identify_failed++;
	if (h->cbs.conn_identified)
		h->cbs.conn_identified(c, ok, h->cb_arg);
	if (!ok)
		c->identified = 0;
}

/* Server: write our Identify, then FIN */
static int
server_open(hy_stream *s, void **user)
{
	hy_conn    *c = s->conn;
	hy_host    *h = c->host;
	const char *protos[HY_ID_MAX_PROTOCOLS];
	const uint8_t *addrs[HY_HOST_MAX_ANNOUNCE_ADDRS];
	uint8_t		msg[HY_ID_MSG_MAX + HY_UVARINT_MAX];
	hy_id_local l;
	int			np = 0,
				n;

	(void) user;
	for (int i = 0; i < h->nhandlers && np < HY_ID_MAX_PROTOCOLS; i++)
		protos[np++] = h->handler_names[i];
	for (int i = 0; i < h->cfg.nannounce && np < HY_ID_MAX_PROTOCOLS; i++)
		protos[np++] = h->cfg.announce[i];
	for (int i = 0; i < h->naddrs; i++)
		addrs[i] = h->addrs[i];
	memset(&l, 0, sizeof(l));
	l.pubkey_pb = h->cfg.keypair->pubkey_pb;
	l.pubkey_len = sizeof(h->cfg.keypair->pubkey_pb);
	l.agent = h->cfg.agent;
	l.protocols = protos;
	l.nprotocols = np;
	l.addrs = addrs;
	l.addr_lens = h->addr_lens;
	l.naddrs = h->naddrs;
	n = hy_identify_encode(&l, c->remote_ma, c->remote_ma_len, msg, sizeof(msg));
	if (n < 0)
		return n;
	if (hy_stream_write_all(s, msg, (size_t) n) < 0)
		return HY_NET_ERR_LIMIT;
	return hy_stream_close(s);
}

/* Server: the remote has nothing to say on this stream */
static int
server_data(hy_stream *s, void *user, const uint8_t *p, size_t n)
{
	(void) s;
	(void) user;
	(void) p;
	(void) n;
	return HY_OK;
}

const hy_proto_handler hy_identify_handler = {
	.protocol = HY_ID_PROTOCOL,
	.on_open = server_open,
	.on_data = server_data,
};

/* A bounded reader for one length-prefixed Identify */
typedef struct id_reader
{
	int			push;
	int			done;
	size_t		len;
	uint8_t		buf[ID_READ_MAX];
} id_reader;

/* Parse a complete message into the connection's record: 1 done, 0 more */
static int
reader_parse(hy_stream *s, id_reader *r)
{
	hy_conn    *c = s->conn;
	uint64_t	mlen;
	int			hl = hy_uvarint_get(r->buf, r->len, &mlen);
	int			rc;

	if (hl == HY_ERR_TRUNCATED)
		return 0;
	if (hl < 0 || mlen > HY_ID_IN_MAX)
		return HY_ERR_INVALID;
	if (r->len < (size_t) hl + mlen)
		return 0;
	if (r->len > (size_t) hl + mlen)
		return HY_ERR_INVALID;	/* one message per stream */
	if (r->push && c->idinfo)
	{
		/* a malformed push fails before any field is replaced */
		rc = hy_identify_decode(r->buf + hl, (size_t) mlen, c->peer_id,
								c->peer_id_len, 1, c->idinfo);
	}
	else
	{
		hy_id_info *info = calloc(1, sizeof(*info));

		if (!info)
			return HY_ERR_NOMEM;
		rc = hy_identify_decode(r->buf + hl, (size_t) mlen, c->peer_id,
								c->peer_id_len, r->push, info);
		if (rc < 0)
		{
			hy_id_info_clear(info);
			free(info);
			return rc;
		}
		if (c->idinfo)
		{
			hy_id_info_clear(c->idinfo);
			free(c->idinfo);
		}
		c->idinfo = info;
	}
	return rc < 0 ? rc : 1;
}

/* Reader: allocate per stream */
static int
reader_open(hy_stream *s, void **user, int push)
{
	id_reader  *r = calloc(1, sizeof(*r));

	if (!r)
		return HY_ERR_NOMEM;
	r->push = push;
	*user = r;
	/* we never write on a reading stream */
	hy_stream_close(s);
	return HY_OK;
}

/* Reader: finish with a result (client reports it to the host owner) */
static void
reader_finish(hy_stream *s, id_reader *r, int ok)
{
	if (r->done)
		return;
	r->done = 1;
	if (r->push)
	{
		if (ok)
			s->conn->host->stats.identify_push++;
		return;
	}
	hy_conn_report_identified(s->conn, ok);
}

/* Reader: gather bytes, bounded, and parse once complete */
static int
reader_data(hy_stream *s, void *user, const uint8_t *p, size_t n)
{
	id_reader  *r = user;
	int			rc;

	if (r->done)
		return n ? HY_NET_ERR_PROTOCOL : HY_OK;
	if (n > sizeof(r->buf) - r->len)
	{
		reader_finish(s, r, 0);
		return HY_ERR_TOO_LONG;
	}
	memcpy(r->buf + r->len, p, n);
	r->len += n;
	rc = reader_parse(s, r);
	if (rc < 0)
	{
		reader_finish(s, r, 0);
		return rc;
	}
	if (rc == 1)
		reader_finish(s, r, 1);
	return HY_OK;
}

/* Reader: the remote finished; an incomplete message is a failure */
static void
reader_eof(hy_stream *s, void *user)
{
	reader_finish(s, user, 0);
}

/* Reader: free */
static void
reader_close(hy_stream *s, void *user, int reset)
{
	(void) reset;
	if (user)
	{
		reader_finish(s, user, 0);
		free(user);
	}
	else if (!hy_stream_is_inbound(s))
		hy_conn_report_identified(s->conn, 0);	/* refused before on_open */
}

/* Client on_open */
static int
client_open(hy_stream *s, void **user)
{
	return reader_open(s, user, 0);
}

/* Push receiver on_open */
static int
push_open(hy_stream *s, void **user)
{
	return reader_open(s, user, 1);
}

static const hy_proto_handler identify_client_handler = {
	.protocol = HY_ID_PROTOCOL,
	.on_open = client_open,
	.on_data = reader_data,
	.on_eof = reader_eof,
	.on_close = reader_close,
};

const hy_proto_handler hy_identify_push_handler = {
	.protocol = HY_ID_PUSH_PROTOCOL,
	.on_open = push_open,
	.on_data = reader_data,
	.on_eof = reader_eof,
	.on_close = reader_close,
};

/* Ask the remote for its Identify */
int
hy_identify_request(hy_conn *c)
{
	if (!hy_conn_open_stream(c, &identify_client_handler, NULL))
	{
		hy_conn_report_identified(c, 0);
		return HY_NET_ERR_CLOSED;
	}
	return HY_OK;
}
