/*
 * base58.h — base58btc (the Bitcoin alphabet), used for peer IDs and CIDv0.
 *
 * Limits: decode takes at most HY_BASEX_TEXT_MAX (1024) chars and encode at
 * most HY_BASEX_BIN_MAX (512) bytes, because the conversion is quadratic.
 */
#ifndef HY_CORE_BASE58_H
#define HY_CORE_BASE58_H

#include <stddef.h>
#include <stdint.h>

#include "core/basex.h"

/* Upper bound of the text length (with NUL) for n input bytes */
#define HY_BASE58_ENCODED_MAX(n) ((n) * 138 / 100 + 2)

/* Encode in into out, NUL-terminated; text length or a negative hy_err */
int			hy_base58_encode(const uint8_t *in, size_t len, char *out, size_t outcap);

/* Decode len chars of base58btc into out; bytes written or a negative hy_err */
int			hy_base58_decode(const char *in, size_t len, uint8_t *out, size_t outcap);

#endif
