/*
 * radix2.h — bit-group encodings of RFC 4648 (base16, base32, base64).
 *
 * Shared by the per-base wrappers.  No padding is written or accepted, and
 * decoding is canonical: an impossible tail length or non-zero unused tail
 * bits are rejected, so every accepted text re-encodes to itself.
 */
#ifndef HY_CORE_RADIX2_H
#define HY_CORE_RADIX2_H

#include <stddef.h>
#include <stdint.h>

/* Text length (without NUL) of n bytes at bits per character */
#define HY_RADIX2_ENCODED_LEN(n, bits) (((n) * 8 + (bits) - 1) / (bits))

/*
 * Encode in with an alphabet of 2^bits characters (bits 4, 5 or 6) into out,
 * NUL-terminated; returns the text length or a negative hy_err.
 */
int			hy_radix2_encode(const char *alphabet, int bits, const uint8_t *in,
							 size_t len, char *out, size_t outcap);

/* Decode text in the given alphabet into out; bytes written or hy_err */
int			hy_radix2_decode(const char *alphabet, int bits, const char *in,
							 size_t len, uint8_t *out, size_t outcap);

#endif
