/*
 * varint.c — unsigned varint encoding and strict decoding.
 */
#include "core/varint.h"
#include "core/err.h"

/* Encode v as a minimal unsigned varint */
int
hy_uvarint_put(uint64_t v, uint8_t *out)
{
	int			n = 0;

	if (v >= HY_UVARINT_LIMIT)
		return HY_ERR_TOO_LONG;
	while (v >= 0x80)
	{
		out[n++] = (uint8_t) (v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t) v;
	return n;
}

/* Count the encoded size of v */
int
hy_uvarint_len(uint64_t v)
{
	int			n = 1;

	if (v >= HY_UVARINT_LIMIT)
		return 0;
	while (v >= 0x80)
	{
		v >>= 7;
		n++;
	}
	return n;
}

/* Decode a varint, rejecting non-minimal and over-long forms */
int
hy_uvarint_get(const uint8_t *in, size_t len, uint64_t *v)
{
	uint64_t	acc = 0;

	for (size_t i = 0; i < HY_UVARINT_MAX; i++)
	{
		uint8_t		b;

		if (i >= len)
			return HY_ERR_TRUNCATED;
		b = in[i];
		acc |= (uint64_t) (b & 0x7f) << (7 * i);
		if (!(b & 0x80))
		{
			/* a zero final byte means a shorter encoding existed */
			if (b == 0 && i > 0)
				return HY_ERR_INVALID;
			*v = acc;
			return (int) i + 1;
		}
	}
	/* the ninth byte still had its continuation bit set */
	return HY_ERR_INVALID;
}
