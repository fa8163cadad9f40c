/*
 * idgen_internal.h — helpers shared by the idgen files only.
 *
 * They use libsodium directly so that idgen does not depend on the key and
 * HKDF modules being written in parallel; the names carry the hy_idgen_
 * prefix so they cannot clash with those modules.
 */
#ifndef HY_CORE_IDGEN_INTERNAL_H
#define HY_CORE_IDGEN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "core/idgen.h"

/* Make libsodium ready; HY_OK or HY_ERR_CRYPTO */
int			hy_idgen_sodium_ready(void);

/* Run HKDF-SHA256 extract: prk = HMAC(salt, ikm), kept as a keyed HMAC state */
void		hy_idgen_hkdf_extract(const uint8_t *salt, size_t salt_len,
								  const uint8_t *ikm, size_t ikm_len,
								  crypto_auth_hmacsha256_state *prk);

/* Run HKDF-SHA256 expand for 32 bytes (one block) from a keyed PRK state */
void		hy_idgen_hkdf_expand32(const crypto_auth_hmacsha256_state *prk,
								   const uint8_t *info, size_t info_len,
								   uint8_t out[32]);

/* Fill pk, peer_id and kad_id of r from the Ed25519 seed already in r->seed */
int			hy_idgen_identity(hy_idgen_result *r);

/* Return the top depth bits of a Kademlia id as an integer */
static inline uint32_t
hy_idgen_prefix_of(const uint8_t kad_id[32], int depth)
{
	uint32_t	top = ((uint32_t) kad_id[0] << 16) |
		((uint32_t) kad_id[1] << 8) | kad_id[2];

	return top >> (24 - depth);
}

/* Count the leading bits two Kademlia ids share (256 when equal) */
static inline int
hy_idgen_common_prefix(const uint8_t *a, const uint8_t *b)
{
	for (int k = 0; k < 32; k++)
	{
		uint8_t		x = a[k] ^ b[k];

		if (x != 0)
		{
			int			bits = 0;

			while (!(x & 0x80))
			{
				x <<= 1;
				bits++;
			}
			return 8 * k + bits;
		}
	}
	return 256;
}

#endif
