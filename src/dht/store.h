/*
 * store.h — the record store the DHT server answers from.
 *
 * A struct of function pointers and a context.  The PostgreSQL side
 * implements it with SPI over hydra.provider_records / hydra.peers /
 * values; src/dht/memstore.c implements it in memory for tests and the
 * standalone node.  Every argument and result is a fixed-size struct or a
 * caller-provided array: the interface never allocates.
 *
 * Contract, so that a slow store sheds load instead of growing memory:
 *   - add_provider only enqueues (the implementation batches and writes
 *     later, by size or on a short timer).  It returns HY_OK when queued,
 *     HY_STORE_SHED when the queue is full (the record is dropped and the
 *     server counts it), or another negative code on failure.  It must
 *     not block on I/O.
 *   - get_providers fills at most max providers, newest first, each
 *     provider once, with addresses only while they are fresh (served
 *     24 h after the provider was last seen); it returns the count.
 *   - get_value returns 1 and fills *out when a record is stored, 0 when
 *     none is.
 *   - put_value stores a record that the server has already validated,
 *     unless the stored one orders after it (order fields below, compared
 *     inside the store so that concurrent writers cannot undo each other):
 *     then HY_STORE_OLDER and nothing changes.  An equal order replaces.
 * Times are Unix milliseconds supplied by the caller (testable clocks).
 * Negative returns other than the HY_STORE_* codes are hy_err values.
 */
#ifndef HY_DHT_STORE_H
#define HY_DHT_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/peerid.h"
#include "dht/addrs.h"

#define HY_STORE_SHED (-200)		/* add_provider: queue full, dropped */
#define HY_STORE_OLDER (-201)		/* put_value: the stored record is newer */
#define HY_STORE_UNAVAILABLE (-202) /* the backing store failed (counted) */

#define HY_STORE_KEY_MAX 80			/* = HY_KAD_KEY_MAX */
#define HY_VALUE_MAX 10240			/* largest /ipns/ or /pk/ record value */

#define HY_PROVIDER_TTL_MS (48ULL * 3600 * 1000)	/* record validity */
#define HY_PROVIDER_ADDR_TTL_MS (24ULL * 3600 * 1000)	/* addresses served */

/* One provider of a key, as stored and as served */
typedef struct hy_provider
{
	uint8_t		peer_id[HY_PEER_ID_MAX];
	uint8_t		peer_id_len;
	hy_addrset	addrs;			/* may be empty once addresses are stale */
} hy_provider;

/* A /pk/ or /ipns/ record value with what orders it */
typedef struct hy_value
{
	uint64_t	seq;			/* IPNS sequence; 0 for /pk/ */
	int64_t		validity_ns;	/* IPNS validity (Unix ns); 0 for /pk/ */
	uint64_t	received_ms;	/* when we accepted it (Unix ms) */
	size_t		len;
	uint8_t		data[HY_VALUE_MAX];
} hy_value;

typedef struct hy_store_ops
{
	int			(*add_provider) (void *ctx, const uint8_t *key, size_t key_len,
								 const hy_provider *p, uint64_t now_ms);
	int			(*get_providers) (void *ctx, const uint8_t *key, size_t key_len,
								  hy_provider *out, int max, uint64_t now_ms);
	int			(*get_value) (void *ctx, const uint8_t *key, size_t key_len,
							  hy_value *out);
	int			(*put_value) (void *ctx, const uint8_t *key, size_t key_len,
							  const hy_value *v);

	/*
	 * Optional: providers of nkeys keys in one call, so that every
	 * GET_PROVIDERS waiting in one pass of the event loop costs one
	 * database round trip.  Key i's providers go to out[i * max ...];
	 * counts[i] = how many, or a negative HY_STORE_* code for that key.
	 * Returns 0, or a negative code when nothing could be looked up.
	 */
	int			(*get_providers_many) (void *ctx, const uint8_t *const *keys,
									   const size_t *key_lens, int nkeys,
									   hy_provider *out, int max, int *counts,
									   uint64_t now_ms);
} hy_store_ops;

typedef struct hy_store
{
	const hy_store_ops *ops;
	void	   *ctx;
} hy_store;

/* Text of a store code or any other error */
const char *hy_store_strerror(int err);

/* Order two records: <0 if a is older than b, 0 if equal, >0 if newer */
static inline int
hy_value_order_cmp(const hy_value *a, const hy_value *b)
{
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	if (a->validity_ns != b->validity_ns)
		return a->validity_ns < b->validity_ns ? -1 : 1;
	return 0;
}

#endif
