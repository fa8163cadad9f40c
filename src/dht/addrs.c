/*
 * addrs.c — bounded, filtered address sets (see addrs.h).
 */
#include "dht/addrs.h"

#include <string.h>

#include "core/err.h"
#include "core/multiaddr.h"
#include "core/varint.h"

/* Decide whether an address's scope may be kept */
static int
scope_allowed(const uint8_t *ma, size_t len, int allow_private)
{
	int			scope = hy_multiaddr_scope(ma, len);

	if (scope < 0)
		return 0;
	if (scope == HY_MA_SCOPE_PUBLIC)
		return 1;
	if (!allow_private)
		return 0;
	return scope == HY_MA_SCOPE_LOOPBACK || scope == HY_MA_SCOPE_PRIVATE ||
		scope == HY_MA_SCOPE_LINK_LOCAL;
}

/* Add one address after validation and filtering */
int
hy_addrset_add(hy_addrset *s, const uint8_t *ma, size_t len,
			   const uint8_t *peer_id, size_t peer_id_len, int allow_private)
{
	const uint8_t *id = NULL;
	size_t		id_len = 0;
	int			bare;

	if (s->n >= HY_ADDRS_MAX || ma == NULL || len == 0 || len > HY_MULTIADDR_MAX)
		return 0;
	bare = hy_multiaddr_strip_p2p(ma, len, &id, &id_len);
	if (bare <= 0 || (size_t) bare > HY_ADDR_BYTES_MAX)
		return 0;
	/* "/p2p/<other>" alone or after an address names a relay or a lie */
	if (id && peer_id && (id_len != peer_id_len || memcmp(id, peer_id, id_len) != 0))
		return 0;
	if (!scope_allowed(ma, (size_t) bare, allow_private))
		return 0;
	for (int i = 0; i < s->n; i++)
		if (s->len[i] == bare && memcmp(s->a[i], ma, (size_t) bare) == 0)
			return 0;
	memcpy(s->a[s->n], ma, (size_t) bare);
	s->len[s->n] = (uint8_t) bare;
	s->n++;
	return 1;
}

/* Add the addresses of a packed list (identify's listenAddrs layout) */
int
hy_addrset_add_packed(hy_addrset *s, const uint8_t *buf, size_t len,
					  const uint8_t *peer_id, size_t peer_id_len, int allow_private)
{
	size_t		off = 0;
	int			added = 0;

	while (off < len)
	{
		uint64_t	alen;
		int			h = hy_uvarint_get(buf + off, len - off, &alen);

		if (h < 0 || alen > len - off - (size_t) h)
			break;
		off += (size_t) h;
		added += hy_addrset_add(s, buf + off, (size_t) alen, peer_id, peer_id_len,
								allow_private);
		off += (size_t) alen;
	}
	return added;
}

/* Tell whether some address is plain TCP over IP */
int
hy_addrset_has_tcp(const hy_addrset *s)
{
	hy_ma_endpoint ep;

	for (int i = 0; i < s->n; i++)
		if (hy_multiaddr_tcp_endpoint(s->a[i], s->len[i], &ep) == HY_OK)
			return 1;
	return 0;
}
