/*
 * multihash.c — multihash framing, bounded by HY_MULTIHASH_MAX.
 */
#include <string.h>

#include "core/multihash.h"
#include "core/varint.h"
#include "core/err.h"

/* Read one multihash at the front of a buffer */
int
hy_multihash_read(const uint8_t *in, size_t len, hy_multihash *mh)
{
	uint64_t	code;
	uint64_t	dlen;
	int			a;
	int			b;

	a = hy_uvarint_get(in, len, &code);
	if (a < 0)
		return a;
	b = hy_uvarint_get(in + a, len - (size_t) a, &dlen);
	if (b < 0)
		return b;
	/* compare before adding, so a huge dlen cannot wrap the sum */
	if (dlen > HY_MULTIHASH_MAX - (uint64_t) (a + b))
		return HY_ERR_TOO_LONG;
	if (dlen > len - (size_t) (a + b))
		return HY_ERR_TRUNCATED;
	mh->code = code;
	mh->digest = in + a + b;
	mh->digest_len = (size_t) dlen;
	return a + b + (int) dlen;
}

/* Parse exactly one multihash */
int
hy_multihash_parse(const uint8_t *in, size_t len, hy_multihash *mh)
{
	int			n = hy_multihash_read(in, len, mh);

	if (n < 0)
		return n;
	if ((size_t) n != len)
		return HY_ERR_INVALID;
	return n;
}

/* Serialize a multihash */
int
hy_multihash_put(uint64_t code, const uint8_t *digest, size_t digest_len,
				 uint8_t *out, size_t outcap)
{
	uint8_t		hdr[2 * HY_UVARINT_MAX];
	int			a;
	int			b;

	a = hy_uvarint_put(code, hdr);
	if (a < 0)
		return a;
	if (digest_len > HY_MULTIHASH_MAX)
		return HY_ERR_TOO_LONG;
	b = hy_uvarint_put(digest_len, hdr + a);
	if (b < 0)
		return b;
	if ((size_t) (a + b) + digest_len > HY_MULTIHASH_MAX)
		return HY_ERR_TOO_LONG;
	if ((size_t) (a + b) + digest_len > outcap)
		return HY_ERR_NOSPACE;
	memcpy(out, hdr, (size_t) (a + b));
	if (digest_len > 0)
		memcpy(out + a + b, digest, digest_len);
	return a + b + (int) digest_len;
}
