/*
 * multiaddr.c — multiaddr text/binary codec and component iterator.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "core/multiaddr.h"
#include "core/peerid.h"
#include "core/varint.h"
#include "core/err.h"

#define DNS_NAME_MAX 255

typedef enum value_kind
{
	V_NONE,
	V_IP4,
	V_IP6,
	V_PORT,
	V_DNS,
	V_P2P
} value_kind;

typedef struct proto
{
	uint64_t	code;
	const char *name;
	value_kind	kind;
} proto;

static const proto protos[] = {
	{HY_MA_IP4, "ip4", V_IP4},
	{HY_MA_TCP, "tcp", V_PORT},
	{HY_MA_UDP, "udp", V_PORT},
	{HY_MA_IP6, "ip6", V_IP6},
	{HY_MA_DNS, "dns", V_DNS},
	{HY_MA_DNS4, "dns4", V_DNS},
	{HY_MA_DNS6, "dns6", V_DNS},
	{HY_MA_DNSADDR, "dnsaddr", V_DNS},
	{HY_MA_P2P, "p2p", V_P2P},
	{HY_MA_TLS, "tls", V_NONE},
	{HY_MA_NOISE, "noise", V_NONE},
	{HY_MA_WS, "ws", V_NONE},
	{HY_MA_WSS, "wss", V_NONE},
	{HY_MA_QUIC, "quic", V_NONE},
	{HY_MA_QUIC_V1, "quic-v1", V_NONE},
	{HY_MA_WEBTRANSPORT, "webtransport", V_NONE},
	{HY_MA_WEBRTC_DIRECT, "webrtc-direct", V_NONE},
	{HY_MA_HTTP, "http", V_NONE},
	{HY_MA_HTTPS, "https", V_NONE},
	{HY_MA_P2P_CIRCUIT, "p2p-circuit", V_NONE},
};

#define NPROTOS (sizeof(protos) / sizeof(protos[0]))

/* Find a protocol by code */
static const proto *
proto_by_code(uint64_t code)
{
	for (size_t i = 0; i < NPROTOS; i++)
		if (protos[i].code == code)
			return &protos[i];
	return NULL;
}

/* Find a protocol by its text name, including the legacy "ipfs" */
static const proto *
proto_by_name(const char *name, size_t len)
{
	if (len == 4 && memcmp(name, "ipfs", 4) == 0)
		return proto_by_code(HY_MA_P2P);
	for (size_t i = 0; i < NPROTOS; i++)
		if (strlen(protos[i].name) == len && memcmp(protos[i].name, name, len) == 0)
			return &protos[i];
	return NULL;
}

/* Check a DNS name: length, no '/', no controls, well-formed UTF-8 */
static int
check_dns_name(const uint8_t *s, size_t len)
{
	size_t		i = 0;

	if (len == 0)
		return HY_ERR_INVALID;
	if (len > DNS_NAME_MAX)
		return HY_ERR_TOO_LONG;
	while (i < len)
	{
		uint8_t		c = s[i];
		size_t		n;
		uint32_t	cp;

		if (c < 0x80)
		{
			/* '/' would split the text form; controls have no place in names */
			if (c < 0x20 || c == 0x7f || c == '/')
				return HY_ERR_INVALID;
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, cp = c & 0x07;
		else
			return HY_ERR_INVALID;
		if (n > len - i - 1)
			return HY_ERR_INVALID;
		for (size_t k = 1; k <= n; k++)
		{
			if ((s[i + k] & 0xc0) != 0x80)
				return HY_ERR_INVALID;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		/* overlong forms, UTF-16 surrogates and values past U+10FFFF */
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
			(cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return HY_ERR_INVALID;
		i += n + 1;
	}
	return HY_OK;
}

/* Start iterating over a binary address */
void
hy_ma_iter_init(hy_ma_iter *it, const uint8_t *buf, size_t len)
{
	it->buf = buf;
	it->len = len;
	it->off = 0;
}

/* Read and check the next component */
int
hy_ma_iter_next(hy_ma_iter *it, hy_ma_component *c)
{
	const uint8_t *p = it->buf + it->off;
	size_t		left = it->len - it->off;
	const proto *pr;
	uint64_t	code;
	uint64_t	vlen = 0;
	size_t		hdr;
	int			n;
	int			r;

	if (left == 0)
		return 0;
	n = hy_uvarint_get(p, left, &code);
	if (n < 0)
		return n;
	hdr = (size_t) n;
	pr = proto_by_code(code);
	if (pr == NULL)
		return HY_ERR_UNSUPPORTED;
	switch (pr->kind)
	{
		case V_NONE:
			vlen = 0;
			break;
		case V_IP4:
			vlen = 4;
			break;
		case V_IP6:
			vlen = 16;
			break;
		case V_PORT:
			vlen = 2;
			break;
		case V_DNS:
		case V_P2P:
			n = hy_uvarint_get(p + hdr, left - hdr, &vlen);
			if (n < 0)
				return n;
			hdr += (size_t) n;
			break;
	}
	if (vlen > left - hdr)
		return HY_ERR_TRUNCATED;
	if (pr->kind == V_DNS && (r = check_dns_name(p + hdr, (size_t) vlen)) < 0)
		return r;
	if (pr->kind == V_P2P && (r = hy_peerid_check(p + hdr, (size_t) vlen)) < 0)
		return r;
	c->code = code;
	c->value = p + hdr;
	c->value_len = (size_t) vlen;
	c->offset = it->off;
	c->size = hdr + (size_t) vlen;
	it->off += c->size;
	return 1;
}

/* Check a whole binary address */
int
hy_multiaddr_validate(const uint8_t *in, size_t len)
{
	hy_ma_iter	it;
	hy_ma_component c;
	int			r;

	if (len == 0)
		return HY_ERR_INVALID;
	if (len > HY_MULTIADDR_MAX)
		return HY_ERR_TOO_LONG;
	hy_ma_iter_init(&it, in, len);
	while ((r = hy_ma_iter_next(&it, &c)) > 0)
		;
	return r;
}

/* Append bytes to a bounded output */
static int
put_bytes(uint8_t *out, size_t outcap, size_t *n, const void *src, size_t len)
{
	if (len > HY_MULTIADDR_MAX - *n)
		return HY_ERR_TOO_LONG;
	if (len > outcap - *n)
		return HY_ERR_NOSPACE;
	memcpy(out + *n, src, len);
	*n += len;
	return HY_OK;
}

/* Append a varint to a bounded output */
static int
put_varint(uint8_t *out, size_t outcap, size_t *n, uint64_t v)
{
	uint8_t		tmp[HY_UVARINT_MAX];
	int			k = hy_uvarint_put(v, tmp);

	if (k < 0)
		return k;
	return put_bytes(out, outcap, n, tmp, (size_t) k);
}

/* Parse a decimal port without sign, spaces or radix prefixes */
static int
parse_port(const char *s, size_t len, uint8_t be[2])
{
	unsigned	v = 0;

	if (len == 0 || len > 5)
		return HY_ERR_INVALID;
	for (size_t i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return HY_ERR_INVALID;
		v = v * 10 + (unsigned) (s[i] - '0');
	}
	if (v > 65535)
		return HY_ERR_INVALID;
	be[0] = (uint8_t) (v >> 8);
	be[1] = (uint8_t) v;
	return HY_OK;
}

/* Parse an IP address with inet_pton, which needs a NUL-terminated copy */
static int
parse_ip(int af, const char *s, size_t len, uint8_t *ip)
{
	char		tmp[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof(tmp))
		return HY_ERR_INVALID;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	/* a NUL inside the value would make inet_pton see a prefix only */
	if (strlen(tmp) != len)
		return HY_ERR_INVALID;
	return inet_pton(af, tmp, ip) == 1 ? HY_OK : HY_ERR_INVALID;
}

/* Encode one text value of the given kind */
static int
parse_value(const proto *pr, const char *s, size_t len,
			uint8_t *out, size_t outcap, size_t *n)
{
	uint8_t		buf[16];
	uint8_t		id[HY_PEER_ID_MAX];
	size_t		idlen;
	int			r;

	switch (pr->kind)
	{
		case V_NONE:
			return HY_OK;
		case V_IP4:
			if ((r = parse_ip(AF_INET, s, len, buf)) < 0)
				return r;
			return put_bytes(out, outcap, n, buf, 4);
		case V_IP6:
			if ((r = parse_ip(AF_INET6, s, len, buf)) < 0)
				return r;
			return put_bytes(out, outcap, n, buf, 16);
		case V_PORT:
			if ((r = parse_port(s, len, buf)) < 0)
				return r;
			return put_bytes(out, outcap, n, buf, 2);
		case V_DNS:
			if ((r = check_dns_name((const uint8_t *) s, len)) < 0)
				return r;
			if ((r = put_varint(out, outcap, n, len)) < 0)
				return r;
			return put_bytes(out, outcap, n, s, len);
		case V_P2P:
			if ((r = hy_peerid_parse(s, len, id, sizeof(id))) < 0)
				return r;
			idlen = (size_t) r;
			if ((r = put_varint(out, outcap, n, idlen)) < 0)
				return r;
			return put_bytes(out, outcap, n, id, idlen);
	}
	return HY_ERR_INVALID;
}

/* Length of the token starting at s, up to the next '/' or the end */
static size_t
token_len(const char *s, size_t left)
{
	const char *slash = memchr(s, '/', left);

	return slash ? (size_t) (slash - s) : left;
}

/* Parse multiaddr text into binary */
int
hy_multiaddr_parse(const char *text, size_t len, uint8_t *out, size_t outcap)
{
	size_t		pos = 1;
	size_t		n = 0;

	if (len == 0 || text[0] != '/')
		return HY_ERR_INVALID;
	if (len >= HY_MULTIADDR_TEXT_MAX)
		return HY_ERR_TOO_LONG;
	while (pos < len)
	{
		size_t		tl = token_len(text + pos, len - pos);
		const proto *pr;
		int			r;

		if (tl == 0)
			return HY_ERR_INVALID;
		pr = proto_by_name(text + pos, tl);
		if (pr == NULL)
			return HY_ERR_UNSUPPORTED;
		if ((r = put_varint(out, outcap, &n, pr->code)) < 0)
			return r;
		pos += tl;
		if (pr->kind != V_NONE)
		{
			if (pos == len)
				return HY_ERR_INVALID;
			pos++;				/* the '/' before the value */
			tl = token_len(text + pos, len - pos);
			if ((r = parse_value(pr, text + pos, tl, out, outcap, &n)) < 0)
				return r;
			pos += tl;
		}
		if (pos < len)
			pos++;				/* the '/' after it; a final one is allowed */
	}
	if (n == 0)
		return HY_ERR_INVALID;
	return (int) n;
}

/* Append text to a bounded, NUL-terminated output */
static int
put_text(char *out, size_t outcap, size_t *n, const char *s, size_t len)
{
	if (len >= outcap - *n)
		return HY_ERR_NOSPACE;
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
	return HY_OK;
}

/* Write the text of one component value */
static int
format_value(const proto *pr, const hy_ma_component *c,
			 char *out, size_t outcap, size_t *n)
{
	char		tmp[HY_PEER_ID_TEXT_MAX > INET6_ADDRSTRLEN ?
					HY_PEER_ID_TEXT_MAX : INET6_ADDRSTRLEN];
	int			k;

	switch (pr->kind)
	{
		case V_NONE:
			return HY_OK;
		case V_IP4:
		case V_IP6:
			if (!inet_ntop(pr->kind == V_IP4 ? AF_INET : AF_INET6, c->value,
						   tmp, sizeof(tmp)))
				return HY_ERR_INVALID;
			return put_text(out, outcap, n, tmp, strlen(tmp));
		case V_PORT:
			k = snprintf(tmp, sizeof(tmp), "%u",
						 ((unsigned) c->value[0] << 8) | c->value[1]);
			return put_text(out, outcap, n, tmp, (size_t) k);
		case V_DNS:
			return put_text(out, outcap, n, (const char *) c->value, c->value_len);
		case V_P2P:
			k = hy_peerid_format(c->value, c->value_len, tmp, sizeof(tmp));
			if (k < 0)
				return k;
			return put_text(out, outcap, n, tmp, (size_t) k);
	}
	return HY_ERR_INVALID;
}

/* Format a binary multiaddr as text */
int
hy_multiaddr_format(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	hy_ma_iter	it;
	hy_ma_component c;
	size_t		n = 0;
	int			r;

	if ((r = hy_multiaddr_validate(in, len)) < 0)
		return r;
	if (outcap == 0)
		return HY_ERR_NOSPACE;
	out[0] = '\0';
	hy_ma_iter_init(&it, in, len);
	while ((r = hy_ma_iter_next(&it, &c)) > 0)
	{
		const proto *pr = proto_by_code(c.code);

		if ((r = put_text(out, outcap, &n, "/", 1)) < 0 ||
			(r = put_text(out, outcap, &n, pr->name, strlen(pr->name))) < 0)
			return r;
		if (pr->kind == V_NONE)
			continue;
		if ((r = put_text(out, outcap, &n, "/", 1)) < 0 ||
			(r = format_value(pr, &c, out, outcap, &n)) < 0)
			return r;
	}
	if (r < 0)
		return r;
	return (int) n;
}
