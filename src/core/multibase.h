/*
 * multibase.h — self-describing base encodings: one prefix character, then
 * the payload in that base.
 *
 * Supported prefixes: z (base58btc), b/B (base32 lower/upper), k/K (base36
 * lower/upper), f/F (base16 lower/upper), m (base64), u (base64url), all
 * unpadded.  Each prefix accepts only its own case.  Others are
 * HY_ERR_UNSUPPORTED.  z and k/K inherit the basex.h limits.
 */
#ifndef HY_CORE_MULTIBASE_H
#define HY_CORE_MULTIBASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tell whether prefix names a base this module handles */
bool		hy_multibase_supported(char prefix);

/* Decode prefixed text into out; bytes written or a negative hy_err */
int			hy_multibase_decode(const char *in, size_t len, uint8_t *out, size_t outcap);

/*
 * Encode in with the given prefix into out, NUL-terminated; returns the
 * text length (prefix included) or a negative hy_err.
 */
int			hy_multibase_encode(char prefix, const uint8_t *in, size_t len,
								char *out, size_t outcap);

#endif
