/*
 * basex.c — leading-zero-preserving radix conversion (base58, base36).
 */
#include <string.h>

#include "core/basex.h"
#include "core/err.h"

/* Encode bytes as a big number written in the given alphabet */
int
hy_basex_encode(const char *alphabet, const uint8_t *in, size_t len,
				char *out, size_t outcap)
{
	/* little-endian digits; 512 bytes need at most 794 base-36 digits */
	uint8_t		dig[HY_BASEX_BIN_MAX * 8 / 5 + 8];
	size_t		radix = strlen(alphabet);
	size_t		zeros = 0;
	size_t		ndig = 0;
	size_t		total;

	if (radix < 2 || radix > 256)
		return HY_ERR_INVALID;
	if (len > HY_BASEX_BIN_MAX)
		return HY_ERR_TOO_LONG;
	while (zeros < len && in[zeros] == 0)
		zeros++;
	for (size_t i = zeros; i < len; i++)
	{
		unsigned	carry = in[i];

		for (size_t j = 0; j < ndig; j++)
		{
			carry += (unsigned) dig[j] << 8;
			dig[j] = (uint8_t) (carry % radix);
			carry /= radix;
		}
		while (carry > 0)
		{
			if (ndig >= sizeof(dig))
				return HY_ERR_TOO_LONG;
			dig[ndig++] = (uint8_t) (carry % radix);
			carry /= radix;
		}
	}
	total = zeros + ndig;
	if (total + 1 > outcap)
		return HY_ERR_NOSPACE;
	memset(out, alphabet[0], zeros);
	for (size_t k = 0; k < ndig; k++)
		out[zeros + k] = alphabet[dig[ndig - 1 - k]];
	out[total] = '\0';
	return (int) total;
}

/* Decode a big number written in the given alphabet */
int
hy_basex_decode(const char *alphabet, const char *in, size_t len,
				uint8_t *out, size_t outcap)
{
	/* little-endian bytes; each digit adds at most one byte */
	uint8_t		num[HY_BASEX_TEXT_MAX];
	int16_t		map[256];
	size_t		radix = strlen(alphabet);
	size_t		zeros = 0;
	size_t		nnum = 0;

	if (radix < 2 || radix > 256)
		return HY_ERR_INVALID;
	if (len > HY_BASEX_TEXT_MAX)
		return HY_ERR_TOO_LONG;
	for (int c = 0; c < 256; c++)
		map[c] = -1;
	for (size_t d = 0; d < radix; d++)
		map[(uint8_t) alphabet[d]] = (int16_t) d;

	while (zeros < len && in[zeros] == alphabet[0])
		zeros++;
	for (size_t i = zeros; i < len; i++)
	{
		int			d = map[(uint8_t) in[i]];
		unsigned	carry;

		if (d < 0)
			return HY_ERR_INVALID;
		carry = (unsigned) d;
		for (size_t j = 0; j < nnum; j++)
		{
			carry += (unsigned) num[j] * (unsigned) radix;
			num[j] = (uint8_t) carry;
			carry >>= 8;
		}
		while (carry > 0)
		{
			if (nnum >= sizeof(num))
				return HY_ERR_TOO_LONG;
			num[nnum++] = (uint8_t) carry;
			carry >>= 8;
		}
	}
	if (zeros + nnum > outcap)
		return HY_ERR_NOSPACE;
	memset(out, 0, zeros);
	for (size_t k = 0; k < nnum; k++)
		out[zeros + k] = num[nnum - 1 - k];
	return (int) (zeros + nnum);
}
