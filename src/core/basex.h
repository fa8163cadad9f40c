/*
 * basex.h — big-integer radix conversion shared by base58 and base36.
 *
 * The whole input is one big-endian number; each leading zero byte maps to
 * one leading "zero digit" and back, as the multibase spec requires.  The
 * conversion is quadratic, so both directions have hard input limits.
 */
#ifndef HY_CORE_BASEX_H
#define HY_CORE_BASEX_H

#include <stddef.h>
#include <stdint.h>

#define HY_BASEX_TEXT_MAX 1024	/* longest text accepted by decode */
#define HY_BASEX_BIN_MAX 512	/* longest binary accepted by encode */

/*
 * Encode in as digits of alphabet (radix = its length, 2..256) into out,
 * NUL-terminated; returns the text length or a negative hy_err.
 */
int			hy_basex_encode(const char *alphabet, const uint8_t *in, size_t len,
							char *out, size_t outcap);

/* Decode len chars of alphabet digits into out; bytes written or hy_err */
int			hy_basex_decode(const char *alphabet, const char *in, size_t len,
							uint8_t *out, size_t outcap);

#endif
