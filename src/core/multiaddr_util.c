/*
 * multiaddr_util.c — questions the network code asks about addresses:
 * where to dial, which peer the address names, and whether it is public.
 */
#include <string.h>
#include <strings.h>

#include "core/multiaddr.h"
#include "core/varint.h"
#include "core/err.h"

/* Extract the TCP endpoint of /ip4|ip6/x/tcp/p[/p2p/id] */
int
hy_multiaddr_tcp_endpoint(const uint8_t *in, size_t len, hy_ma_endpoint *ep)
{
	hy_ma_iter	it;
	hy_ma_component ip;
	hy_ma_component tcp;
	hy_ma_component rest;
	int			r;

	if ((r = hy_multiaddr_validate(in, len)) < 0)
		return r;
	hy_ma_iter_init(&it, in, len);
	if (hy_ma_iter_next(&it, &ip) <= 0 ||
		(ip.code != HY_MA_IP4 && ip.code != HY_MA_IP6))
		return HY_ERR_UNSUPPORTED;
	if (hy_ma_iter_next(&it, &tcp) <= 0 || tcp.code != HY_MA_TCP)
		return HY_ERR_UNSUPPORTED;
	r = hy_ma_iter_next(&it, &rest);
	if (r > 0 && (rest.code != HY_MA_P2P || hy_ma_iter_next(&it, &rest) != 0))
		return HY_ERR_UNSUPPORTED;
	memset(ep, 0, sizeof(*ep));
	ep->family = ip.code == HY_MA_IP4 ? 4 : 6;
	memcpy(ep->ip, ip.value, ip.value_len);
	ep->port = (uint16_t) ((tcp.value[0] << 8) | tcp.value[1]);
	return HY_OK;
}

/* Find the length of an address without its trailing /p2p/<id> */
int
hy_multiaddr_strip_p2p(const uint8_t *in, size_t len,
					   const uint8_t **id, size_t *id_len)
{
	hy_ma_iter	it;
	hy_ma_component c;
	hy_ma_component last = {0};
	int			r;

	if ((r = hy_multiaddr_validate(in, len)) < 0)
		return r;
	hy_ma_iter_init(&it, in, len);
	while (hy_ma_iter_next(&it, &c) > 0)
		last = c;
	if (id)
	{
		*id = last.code == HY_MA_P2P ? last.value : NULL;
		*id_len = last.code == HY_MA_P2P ? last.value_len : 0;
	}
	return (int) (last.code == HY_MA_P2P ? last.offset : len);
}

/* Append /p2p/<id> to a binary address */
int
hy_multiaddr_append_p2p(const uint8_t *in, size_t len,
						const uint8_t *id, size_t id_len,
						uint8_t *out, size_t outcap)
{
	uint8_t		tail[2 * HY_UVARINT_MAX + HY_MULTIADDR_MAX];
	size_t		tl = 0;
	int			r;

	/* validating the tail alone checks the peer ID */
	if (id_len > HY_MULTIADDR_MAX)
		return HY_ERR_TOO_LONG;
	tl += (size_t) hy_uvarint_put(HY_MA_P2P, tail);
	tl += (size_t) hy_uvarint_put(id_len, tail + tl);
	memcpy(tail + tl, id, id_len);
	tl += id_len;
	if ((r = hy_multiaddr_validate(tail, tl)) < 0)
		return r;
	if (len > 0 && (r = hy_multiaddr_validate(in, len)) < 0)
		return r;
	if (len + tl > HY_MULTIADDR_MAX)
		return HY_ERR_TOO_LONG;
	if (len + tl > outcap)
		return HY_ERR_NOSPACE;
	memmove(out, in, len);
	memcpy(out + len, tail, tl);
	return (int) (len + tl);
}

/* Classify an IPv4 address */
static hy_ma_scope
ip4_scope(const uint8_t *a)
{
	if (a[0] == 0)
		return HY_MA_SCOPE_UNSPECIFIED;
	if (a[0] == 127)
		return HY_MA_SCOPE_LOOPBACK;
	if (a[0] == 10 ||
		(a[0] == 172 && (a[1] & 0xf0) == 16) ||
		(a[0] == 192 && a[1] == 168) ||
		(a[0] == 100 && (a[1] & 0xc0) == 64))
		return HY_MA_SCOPE_PRIVATE;
	if (a[0] == 169 && a[1] == 254)
		return HY_MA_SCOPE_LINK_LOCAL;
	/* IETF protocol, documentation, 6to4 relay, benchmark, multicast, future */
	if ((a[0] == 192 && a[1] == 0 && (a[2] == 0 || a[2] == 2)) ||
		(a[0] == 192 && a[1] == 88 && a[2] == 99) ||
		(a[0] == 198 && (a[1] & 0xfe) == 18) ||
		(a[0] == 198 && a[1] == 51 && a[2] == 100) ||
		(a[0] == 203 && a[1] == 0 && a[2] == 113) ||
		a[0] >= 224)
		return HY_MA_SCOPE_RESERVED;
	return HY_MA_SCOPE_PUBLIC;
}

/* Classify a raw IP address */
hy_ma_scope
hy_ip_scope(int family, const uint8_t *ip)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b};
	static const uint8_t zero[15] = {0};

	if (family == 4)
		return ip4_scope(ip);
	/* v4 addresses in v6 clothing are as reachable as the v4 address */
	if (memcmp(ip, mapped, 12) == 0 || memcmp(ip, nat64, 12) == 0)
		return ip4_scope(ip + 12);
	if (memcmp(ip, zero, 15) == 0)
		return ip[15] == 1 ? HY_MA_SCOPE_LOOPBACK :
			ip[15] == 0 ? HY_MA_SCOPE_UNSPECIFIED : HY_MA_SCOPE_RESERVED;
	if (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80)
		return HY_MA_SCOPE_LINK_LOCAL;
	if ((ip[0] & 0xfe) == 0xfc || (ip[0] == 0xfe && (ip[1] & 0xc0) == 0xc0))
		return HY_MA_SCOPE_PRIVATE;
	/* multicast, documentation 2001:db8::/32, discard 100::/64, rest of ::/8 */
	if (ip[0] == 0xff ||
		(ip[0] == 0x20 && ip[1] == 0x01 && ip[2] == 0x0d && ip[3] == 0xb8) ||
		(ip[0] == 0x01 && memcmp(ip + 1, zero, 7) == 0) ||
		ip[0] == 0x00)
		return HY_MA_SCOPE_RESERVED;
	return HY_MA_SCOPE_PUBLIC;
}

/* Tell whether a DNS name is localhost or under .localhost */
static bool
is_localhost(const uint8_t *s, size_t len)
{
	static const char lh[] = "localhost";
	size_t		n = sizeof(lh) - 1;

	if (len < n || strncasecmp((const char *) s + len - n, lh, n) != 0)
		return false;
	return len == n || s[len - n - 1] == '.';
}

/* Classify an address by its first component */
int
hy_multiaddr_scope(const uint8_t *in, size_t len)
{
	hy_ma_iter	it;
	hy_ma_component c;
	int			r;

	if ((r = hy_multiaddr_validate(in, len)) < 0)
		return r;
	hy_ma_iter_init(&it, in, len);
	if (hy_ma_iter_next(&it, &c) <= 0)
		return HY_ERR_INVALID;
	switch (c.code)
	{
		case HY_MA_IP4:
			return hy_ip_scope(4, c.value);
		case HY_MA_IP6:
			return hy_ip_scope(6, c.value);
		case HY_MA_DNS:
		case HY_MA_DNS4:
		case HY_MA_DNS6:
		case HY_MA_DNSADDR:
			return is_localhost(c.value, c.value_len) ?
				HY_MA_SCOPE_LOOPBACK : HY_MA_SCOPE_PUBLIC;
	}
	return HY_ERR_UNSUPPORTED;
}

/* Tell whether an address is valid and public */
bool
hy_multiaddr_is_public(const uint8_t *in, size_t len)
{
	return hy_multiaddr_scope(in, len) == HY_MA_SCOPE_PUBLIC;
}
