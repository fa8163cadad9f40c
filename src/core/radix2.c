/*
 * radix2.c — power-of-two base encodings, strict and unpadded.
 */
#include <limits.h>
#include <stdint.h>

#include "core/radix2.h"
#include "core/err.h"

/* Encode bytes as groups of bits characters */
int
hy_radix2_encode(const char *alphabet, int bits, const uint8_t *in,
				 size_t len, char *out, size_t outcap)
{
	uint32_t	acc = 0;
	int			nbits = 0;
	size_t		n = 0;
	size_t		want;
	uint32_t	mask = (1u << bits) - 1;

	if (len > (size_t) INT_MAX / 8)
		return HY_ERR_TOO_LONG;
	want = HY_RADIX2_ENCODED_LEN(len, (size_t) bits);
	if (want + 1 > outcap)
		return HY_ERR_NOSPACE;
	for (size_t i = 0; i < len; i++)
	{
		acc = (acc << 8) | in[i];
		nbits += 8;
		while (nbits >= bits)
		{
			nbits -= bits;
			out[n++] = alphabet[(acc >> nbits) & mask];
		}
		/* keep only the bits not yet written, so acc cannot overflow */
		acc &= (1u << nbits) - 1;
	}
	if (nbits > 0)
		out[n++] = alphabet[(acc << (bits - nbits)) & mask];
	out[n] = '\0';
	return (int) n;
}

/* Decode groups of bits characters into bytes */
int
hy_radix2_decode(const char *alphabet, int bits, const char *in,
				 size_t len, uint8_t *out, size_t outcap)
{
	int8_t		map[256];
	uint32_t	acc = 0;
	int			nbits = 0;
	size_t		n = 0;
	int			radix = 1 << bits;

	if (len > (size_t) INT_MAX)
		return HY_ERR_TOO_LONG;
	for (int c = 0; c < 256; c++)
		map[c] = -1;
	for (int d = 0; d < radix; d++)
		map[(uint8_t) alphabet[d]] = (int8_t) d;
	for (size_t i = 0; i < len; i++)
	{
		int			d = map[(uint8_t) in[i]];

		if (d < 0)
			return HY_ERR_INVALID;
		acc = (acc << bits) | (uint32_t) d;
		nbits += bits;
		if (nbits >= 8)
		{
			nbits -= 8;
			if (n >= outcap)
				return HY_ERR_NOSPACE;
			out[n++] = (uint8_t) (acc >> nbits);
			acc &= (1u << nbits) - 1;
		}
	}
	/* a whole unused character, or set padding bits, is not canonical */
	if (nbits >= bits || acc != 0)
		return HY_ERR_INVALID;
	return (int) n;
}
