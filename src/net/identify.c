/*
 * identify.c — Identify message codec (see identify.h).
 *
 * Decoding goes through protobuf-c on at most HY_ID_IN_MAX bytes, so its
 * allocations are bounded by the input; the result is copied into a
 * compact hy_id_info and the protobuf tree freed at once.
 */
#include "net/identify.h"

#include <stdlib.h>
#include <string.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/multiaddr.h"
#include "core/varint.h"
#include "proto/identify.pb-c.h"

/* Encode our Identify */
int
hy_identify_encode(const hy_id_local *l, const uint8_t *observed,
				   size_t observed_len, uint8_t *out, size_t cap)
{
	Hy__Identify m = HY__IDENTIFY__INIT;
	ProtobufCBinaryData addrs[HY_ID_MAX_ADDRS];
	char	   *protos[HY_ID_MAX_PROTOCOLS];
	size_t		size;
	int			hl;

	if (!l->pubkey_pb || l->pubkey_len == 0 || l->naddrs > HY_ID_MAX_ADDRS ||
		l->nprotocols > HY_ID_MAX_PROTOCOLS || l->naddrs < 0 || l->nprotocols < 0)
		return HY_ERR_INVALID;
	m.protocolversion = (char *) HY_ID_PROTOCOL_VERSION;
	m.agentversion = (char *) (l->agent ? l->agent : "hydra");
	m.has_publickey = 1;
	m.publickey.data = (uint8_t *) l->pubkey_pb;
	m.publickey.len = l->pubkey_len;
	for (int i = 0; i < l->naddrs; i++)
	{
		addrs[i].data = (uint8_t *) l->addrs[i];
		addrs[i].len = l->addr_lens[i];
	}
	m.n_listenaddrs = (size_t) l->naddrs;
	m.listenaddrs = addrs;
	for (int i = 0; i < l->nprotocols; i++)
		protos[i] = (char *) l->protocols[i];
	m.n_protocols = (size_t) l->nprotocols;
	m.protocols = protos;
	if (observed && observed_len)
	{
		m.has_observedaddr = 1;
		m.observedaddr.data = (uint8_t *) observed;
		m.observedaddr.len = observed_len;
	}
	size = hy__identify__get_packed_size(&m);
	if (size > HY_ID_MSG_MAX)
		return HY_ERR_TOO_LONG;
	hl = hy_uvarint_len(size);
	if ((size_t) hl + size > cap)
		return HY_ERR_NOSPACE;
	hy_uvarint_put(size, out);
	hy__identify__pack(&m, out + hl);
	return (int) (hl + size);
}

/* Free what info owns */
void
hy_id_info_clear(hy_id_info *info)
{
	free(info->agent);
	free(info->protocols);
	free(info->addrs);
	memset(info, 0, sizeof(*info));
}

/* Whether a protocol name is safe to keep in a comma-separated list */
static int
proto_name_ok(const char *s)
{
	size_t		n = strlen(s);

	if (n == 0 || n > HY_ID_PROTO_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char) s[i] < 0x20 || s[i] == ',' || s[i] == 0x7f)
			return 0;
	return 1;
}

/* Copy the agent string, truncated and with control bytes replaced */
static char *
copy_agent(const char *s)
{
	size_t		n = strlen(s);
	char	   *a;

	if (n > HY_ID_AGENT_MAX)
		n = HY_ID_AGENT_MAX;
	a = malloc(n + 1);
	if (!a)
		return NULL;
	for (size_t i = 0; i < n; i++)
		a[i] = ((unsigned char) s[i] < 0x20 || s[i] == 0x7f) ? '?' : s[i];
	a[n] = '\0';
	return a;
}

/* Build the comma-separated protocol list */
static char *
join_protocols(const Hy__Identify *m, int *count)
{
	size_t		total = 1;
	char	   *out,
			   *p;
	int			n = 0;

	for (size_t i = 0; i < m->n_protocols && n < HY_ID_MAX_PROTOCOLS; i++)
		if (m->protocols[i] && proto_name_ok(m->protocols[i]))
		{
			total += strlen(m->protocols[i]) + 1;
			n++;
		}
	out = malloc(total);
	if (!out)
		return NULL;
	p = out;
	n = 0;
	for (size_t i = 0; i < m->n_protocols && n < HY_ID_MAX_PROTOCOLS; i++)
		if (m->protocols[i] && proto_name_ok(m->protocols[i]))
		{
			size_t		l = strlen(m->protocols[i]);

			if (n)
				*p++ = ',';
			memcpy(p, m->protocols[i], l);
			p += l;
			n++;
		}
	*p = '\0';
	*count = n;
	return out;
}

/* Keep the valid listen addresses */
static uint8_t *
copy_addrs(const Hy__Identify *m, size_t *len, int *count)
{
	size_t		total = 0;
	uint8_t    *out;
	int			n = 0;

	for (size_t i = 0; i < m->n_listenaddrs && n < HY_ID_MAX_ADDRS; i++)
		if (m->listenaddrs[i].len <= HY_MULTIADDR_MAX &&
			hy_multiaddr_validate(m->listenaddrs[i].data, m->listenaddrs[i].len) == HY_OK)
		{
			total += HY_UVARINT_MAX + m->listenaddrs[i].len;
			n++;
		}
	out = malloc(total ? total : 1);
	if (!out)
		return NULL;
	*len = 0;
	n = 0;
	for (size_t i = 0; i < m->n_listenaddrs && n < HY_ID_MAX_ADDRS; i++)
		if (m->listenaddrs[i].len <= HY_MULTIADDR_MAX &&
			hy_multiaddr_validate(m->listenaddrs[i].data, m->listenaddrs[i].len) == HY_OK)
		{
			*len += (size_t) hy_uvarint_put(m->listenaddrs[i].len, out + *len);
			memcpy(out + *len, m->listenaddrs[i].data, m->listenaddrs[i].len);
			*len += m->listenaddrs[i].len;
			n++;
		}
	*count = n;
	return out;
}

/* Check that a publicKey is valid and hashes to the expected peer ID */
static int
check_pubkey(const ProtobufCBinaryData *pk, const uint8_t *peer_id, size_t peer_id_len)
{
	hy_key_type type;
	uint8_t		id[HY_PEER_ID_MAX];
	int			n;

	if (pk->len == 0 || pk->len > HY_PUBKEY_PB_MAX)
		return HY_ERR_INVALID;
	if (hy_pubkey_check(pk->data, pk->len, &type) < 0)
		return HY_ERR_INVALID;
	if (!peer_id)
		return HY_OK;
	n = hy_peer_id_from_pubkey(pk->data, pk->len, id, sizeof(id));
	if (n < 0 || (size_t) n != peer_id_len || memcmp(id, peer_id, peer_id_len) != 0)
		return HY_ERR_CRYPTO;
	return HY_OK;
}

/* Decode a remote Identify */
int
hy_identify_decode(const uint8_t *msg, size_t len, const uint8_t *peer_id,
				   size_t peer_id_len, int push, hy_id_info *info)
{
	Hy__Identify *m;
	int			rc = HY_OK;

	if (len > HY_ID_IN_MAX)
		return HY_ERR_TOO_LONG;
	m = hy__identify__unpack(NULL, len, msg);
	if (!m)
		return HY_ERR_INVALID;
	if (m->has_publickey)
		rc = check_pubkey(&m->publickey, peer_id, peer_id_len);
	else if (!push && peer_id)
		rc = HY_ERR_INVALID;	/* publicKey is mandatory in an answer */
	if (rc < 0)
		goto out;
	if (m->has_publickey)
		info->has_pubkey = 1;
	if (m->agentversion)
	{
		char	   *a = copy_agent(m->agentversion);

		if (!a)
		{
			rc = HY_ERR_NOMEM;
			goto out;
		}
		free(info->agent);
		info->agent = a;
	}
	if (!push || m->n_protocols)
	{
		int			n = 0;
		char	   *p = join_protocols(m, &n);

		if (!p)
		{
			rc = HY_ERR_NOMEM;
			goto out;
		}
		free(info->protocols);
		info->protocols = p;
		info->nprotocols = n;
	}
	if (!push || m->n_listenaddrs)
	{
		size_t		al = 0;
		int			n = 0;
		uint8_t    *a = copy_addrs(m, &al, &n);

		if (!a)
		{
			rc = HY_ERR_NOMEM;
			goto out;
		}
		free(info->addrs);
		info->addrs = a;
		info->addrs_len = al;
		info->naddrs = n;
	}
	if (m->has_observedaddr && m->observedaddr.len <= sizeof(info->observed) &&
		hy_multiaddr_validate(m->observedaddr.data, m->observedaddr.len) == HY_OK)
	{
		memcpy(info->observed, m->observedaddr.data, m->observedaddr.len);
		info->observed_len = (uint8_t) m->observedaddr.len;
	}
	if (!info->agent)
		info->agent = copy_agent("");
	if (!info->protocols)
		info->protocols = copy_agent("");
	if (!info->agent || !info->protocols)
		rc = HY_ERR_NOMEM;
out:
	hy__identify__free_unpacked(m, NULL);
	return rc;
}

/* Whether a protocol is in the remote's list */
int
hy_id_info_has_protocol(const hy_id_info *info, const char *proto)
{
	size_t		pl = strlen(proto);
	const char *p = info->protocols;

	if (!p)
		return 0;
	while (*p)
	{
		const char *e = strchr(p, ',');
		size_t		l = e ? (size_t) (e - p) : strlen(p);

		if (l == pl && memcmp(p, proto, pl) == 0)
			return 1;
		if (!e)
			break;
		p = e + 1;
	}
	return 0;
}
