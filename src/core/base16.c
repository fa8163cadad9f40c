/*
 * base16.c — base16 on top of the shared bit-group codec.
 */
#include "core/base16.h"

static const char lower_alphabet[] = "0123456789abcdef";
static const char upper_alphabet[] = "0123456789ABCDEF";

/* Encode bytes as lower-case base16 */
int
hy_base16_encode(const uint8_t *in, size_t len, char *out, size_t outcap)
{
	return hy_radix2_encode(lower_alphabet, 4, in, len, out, outcap);
}

/* Decode base16 text of the given case */
int
hy_base16_decode(const char *in, size_t len, bool upper,
				 uint8_t *out, size_t outcap)
{
	return hy_radix2_decode(upper ? upper_alphabet : lower_alphabet, 4,
							in, len, out, outcap);
}
