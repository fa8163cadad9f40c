/*
 * base36.h — base36 (0-9a-z), the multibase 'k' encoding of peer-ID CIDs.
 *
 * Same big-integer scheme and limits as base58 (see basex.h).  Output is
 * lower case; decode accepts exactly one case, chosen by the caller, because
 * multibase gives lower ('k') and upper ('K') distinct prefixes.
 */
#ifndef HY_CORE_BASE36_H
#define HY_CORE_BASE36_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/basex.h"

/* Upper bound of the text length (with NUL) for n input bytes */
#define HY_BASE36_ENCODED_MAX(n) ((n) * 155 / 100 + 2)

/* Encode in as lower-case base36, NUL-terminated; length or hy_err */
int			hy_base36_encode(const uint8_t *in, size_t len, char *out, size_t outcap);

/* Decode base36 text of one case (upper if upper); bytes written or hy_err */
int			hy_base36_decode(const char *in, size_t len, bool upper,
							 uint8_t *out, size_t outcap);

#endif
