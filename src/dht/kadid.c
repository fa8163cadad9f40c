/*
 * kadid.c — Kademlia identifiers and XOR distance (see kadid.h).
 */
#include "dht/kadid.h"

#include <sodium.h>

/* Hash key bytes into the keyspace */
void
hy_kadid(const uint8_t *key, size_t len, uint8_t out[HY_KADID_LEN])
{
	crypto_hash_sha256(out, key, len);
}

/* Compare two distances byte by byte: the first differing byte decides */
int
hy_kadid_cmp_dist(const uint8_t target[HY_KADID_LEN],
				  const uint8_t a[HY_KADID_LEN], const uint8_t b[HY_KADID_LEN])
{
	for (int i = 0; i < HY_KADID_LEN; i++)
	{
		uint8_t		da = a[i] ^ target[i];
		uint8_t		db = b[i] ^ target[i];

		if (da != db)
			return da < db ? -1 : 1;
	}
	return 0;
}

/* Leading bits as a number */
unsigned
hy_kadid_prefix(const uint8_t id[HY_KADID_LEN], int bits)
{
	unsigned	v = ((unsigned) id[0] << 16) | ((unsigned) id[1] << 8) | id[2];

	if (bits <= 0)
		return 0;
	return v >> (24 - bits);
}
