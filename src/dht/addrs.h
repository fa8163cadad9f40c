/*
 * addrs.h — a fixed-size set of binary multiaddrs for one peer.
 *
 * Routing-table entries, provider records and responses all carry a
 * peer's addresses in this one bounded shape, so no address list ever
 * grows with what a remote sends: at most HY_ADDRS_MAX addresses of at
 * most HY_ADDR_BYTES_MAX bytes each, validated, without a /p2p suffix,
 * deduplicated, and filtered by reachability scope.
 */
#ifndef HY_DHT_ADDRS_H
#define HY_DHT_ADDRS_H

#include <stddef.h>
#include <stdint.h>

#define HY_ADDRS_MAX 8			/* addresses kept per peer */
#define HY_ADDR_BYTES_MAX 64	/* longer addresses (long DNS names) are skipped */

typedef struct hy_addrset
{
	uint8_t		n;
	uint8_t		len[HY_ADDRS_MAX];
	uint8_t		a[HY_ADDRS_MAX][HY_ADDR_BYTES_MAX];
} hy_addrset;

/*
 * Add one address.  A trailing /p2p/<id> is stripped; if it names another
 * peer than peer_id (when given) the address is skipped.  Unless
 * allow_private, only public addresses are kept; unspecified and reserved
 * ranges never are.  Returns 1 if added, 0 if skipped (invalid, filtered,
 * duplicate, too long or the set is full).
 */
int			hy_addrset_add(hy_addrset *s, const uint8_t *ma, size_t len,
						   const uint8_t *peer_id, size_t peer_id_len,
						   int allow_private);

/* Add every address of a uvarint(len)||addr concatenation; count added */
int			hy_addrset_add_packed(hy_addrset *s, const uint8_t *buf, size_t len,
								  const uint8_t *peer_id, size_t peer_id_len,
								  int allow_private);

/* Whether the set holds an address we can dial (/ip4|ip6/.../tcp/...) */
int			hy_addrset_has_tcp(const hy_addrset *s);

#endif
