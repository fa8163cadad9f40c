/*
 * base64.h — RFC 4648 base64 (multibase 'm') and base64url ('u'), unpadded.
 */
#ifndef HY_CORE_BASE64_H
#define HY_CORE_BASE64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/radix2.h"

/* Text length (without NUL) of n encoded bytes */
#define HY_BASE64_ENCODED_LEN(n) HY_RADIX2_ENCODED_LEN((n), 6)

/* Encode in as base64 (url: the URL-safe alphabet), NUL-terminated */
int			hy_base64_encode(const uint8_t *in, size_t len, bool url,
							 char *out, size_t outcap);

/* Decode unpadded base64 (url: the URL-safe alphabet); bytes or hy_err */
int			hy_base64_decode(const char *in, size_t len, bool url,
							 uint8_t *out, size_t outcap);

#endif
