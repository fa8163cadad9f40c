/*
 * base16.h — hex (multibase 'f' lower, 'F' upper), unpadded.
 *
 * Output is lower case.  Decode accepts exactly one case, chosen by the
 * caller: multibase gives the two cases distinct prefixes.
 */
#ifndef HY_CORE_BASE16_H
#define HY_CORE_BASE16_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/radix2.h"

/* Text length (without NUL) of n encoded bytes */
#define HY_BASE16_ENCODED_LEN(n) HY_RADIX2_ENCODED_LEN((n), 4)

/* Encode in as lower-case base16, NUL-terminated; length or hy_err */
int			hy_base16_encode(const uint8_t *in, size_t len, char *out, size_t outcap);

/* Decode base16 text of one case (upper if upper); bytes written or hy_err */
int			hy_base16_decode(const char *in, size_t len, bool upper,
							 uint8_t *out, size_t outcap);

#endif
