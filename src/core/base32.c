/*
 * base32.c — base32 on top of the shared bit-group codec.
 */
#include "core/base32.h"

static const char lower_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
static const char upper_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/* Encode bytes as lower-case base32 */
int
hy_base32_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	return hy_radix2_encode(lower_alphabet, 5, in, len, out, outcap);
}

/* Decode base32 text of the given case */
int
hy_base32_decode(const char *in, size_t len, bool upper,
				 uint8_t *out, size_t outcap)
{
	return hy_radix2_decode(upper ? upper_alphabet : lower_alphabet, 5,
							in, len, out, outcap);
}
