/*
 * multihash.h — self-describing digests: uvarint code || uvarint len || digest.
 *
 * The codec is generic (any code, any length) but bounded: a whole multihash
 * is at most HY_MULTIHASH_MAX bytes, which covers every hash in use (sha2-512
 * is 66 bytes) and the Kademlia key limit of 80 bytes.
 */
#ifndef HY_CORE_MULTIHASH_H
#define HY_CORE_MULTIHASH_H

#include <stddef.h>
#include <stdint.h>

#define HY_MULTIHASH_MAX 128

#define HY_MH_IDENTITY 0x00
#define HY_MH_SHA1 0x11
#define HY_MH_SHA2_256 0x12
#define HY_MH_SHA2_512 0x13

/* A parsed multihash; digest points into the caller's buffer */
typedef struct hy_multihash
{
	uint64_t	code;
	const uint8_t *digest;
	size_t		digest_len;
} hy_multihash;

/*
 * Read one multihash from the front of a longer buffer; returns the bytes
 * it occupies (<= HY_MULTIHASH_MAX) or a negative hy_err.
 */
int			hy_multihash_read(const uint8_t *in, size_t len, hy_multihash *mh);

/* Parse a buffer that must hold exactly one multihash; length or hy_err */
int			hy_multihash_parse(const uint8_t *in, size_t len, hy_multihash *mh);

/* Serialize code and digest into out; bytes written or hy_err */
int			hy_multihash_put(uint64_t code, const uint8_t *digest, size_t digest_len,
							 uint8_t *out, size_t outcap);

#endif
