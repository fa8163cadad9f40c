/*
 * base32.h — RFC 4648 base32 (multibase 'b' lower, 'B' upper), unpadded.
 *
 * Output is lower case.  Decode accepts exactly one case, chosen by the
 * caller: multibase gives the two cases distinct prefixes.
 */
#ifndef HY_CORE_BASE32_H
#define HY_CORE_BASE32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/radix2.h"

/* Text length (without NUL) of n encoded bytes */
#define HY_BASE32_ENCODED_LEN(n) HY_RADIX2_ENCODED_LEN((n), 5)

/* Encode in as lower-case base32, NUL-terminated; length or hy_err */
int			hy_base32_encode(const uint8_t *in, size_t len, char *out, size_t outcap);

/* Decode base32 text of one case (upper if upper); bytes written or hy_err */
int			hy_base32_decode(const char *in, size_t len, bool upper,
							 uint8_t *out, size_t outcap);

#endif
