/*
 * lookup.h — the state machine of an iterative Kademlia lookup
 * (FIND_NODE or GET_PROVIDERS), independent of the transport.
 *
 * The caller seeds it from the routing table, then loops: hy_lookup_next
 * names a peer to query (at most alpha in flight, always the closest not
 * yet queried among the k closest known), the caller sends the request
 * over its own connection (client.h) and reports hy_lookup_response or
 * hy_lookup_failed.  Closer peers from answers join the candidate set
 * (bounded, ordered by XOR distance to the key).  The lookup ends when
 * the k closest non-failed candidates have all answered, when nothing is
 * left to ask, or (GET_PROVIDERS) when enough providers were found.
 * Fixed-size: no allocation, so a bounded number of lookups can live in
 * a worker's memory.
 */
#ifndef HY_DHT_LOOKUP_H
#define HY_DHT_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include "dht/kad_msg.h"
#include "dht/kadid.h"
#include "dht/store.h"

#define HY_LOOKUP_MAX_CANDIDATES 64
#define HY_LOOKUP_MAX_PROVIDERS 20
#define HY_LOOKUP_DONE 2		/* hy_lookup_next: finished */

#define HY_LP_NEW 0
#define HY_LP_WAITING 1
#define HY_LP_ANSWERED 2
#define HY_LP_FAILED 3

typedef struct hy_lookup_peer
{
	uint8_t		kad_id[HY_KADID_LEN];
	uint8_t		peer_id[HY_PEER_ID_MAX];
	uint8_t		peer_id_len;
	uint8_t		state;
	hy_addrset	addrs;
} hy_lookup_peer;

typedef struct hy_lookup
{
	int			type;			/* HY_KAD_FIND_NODE or HY_KAD_GET_PROVIDERS */
	uint8_t		key[HY_STORE_KEY_MAX];
	size_t		key_len;
	uint8_t		target[HY_KADID_LEN];
	uint8_t		self[HY_PEER_ID_MAX];	/* never queried nor returned */
	size_t		self_len;
	int			alpha;
	int			k;
	int			want_providers; /* GET_PROVIDERS: stop after this many */
	int			allow_private;
	int			inflight;
	int			ncand;
	hy_lookup_peer cand[HY_LOOKUP_MAX_CANDIDATES];
	int			nprov;
	hy_provider prov[HY_LOOKUP_MAX_PROVIDERS];
	uint64_t	queries;
	uint64_t	answers;
	uint64_t	failures;
} hy_lookup;

/*
 * Start a lookup for key (a peer id for FIND_NODE, a multihash for
 * GET_PROVIDERS).  alpha (default 3) and k (default 20) are clamped.
 * HY_OK or HY_ERR_INVALID.
 */
int			hy_lookup_init(hy_lookup *l, int type, const uint8_t *key, size_t key_len,
						   const uint8_t *self, size_t self_len, int alpha, int k,
						   int want_providers, int allow_private);

/* Add a candidate (routing table or answer); 1 if added, 0 if not */
int			hy_lookup_add(hy_lookup *l, const uint8_t *peer_id, size_t len,
						  const hy_addrset *addrs);

/*
 * The next peer to query: 1 and *out filled (now in flight), 0 when
 * nothing may be sent until an answer arrives, HY_LOOKUP_DONE when the
 * lookup is over.
 */
int			hy_lookup_next(hy_lookup *l, hy_lookup_peer *out);

/* A queried peer answered (closer peers and providers are taken in) */
void		hy_lookup_response(hy_lookup *l, const uint8_t *peer_id, size_t len,
							   const hy_kad_message *resp);

/* A queried peer failed (timeout, refused, bad answer) */
void		hy_lookup_failed(hy_lookup *l, const uint8_t *peer_id, size_t len);

/* The closest peers that answered, closest first; count */
int			hy_lookup_closest(const hy_lookup *l, hy_lookup_peer *out, int max);

#endif
