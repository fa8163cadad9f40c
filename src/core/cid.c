/*
 * cid.c — CID parsing and formatting.
 */
#include <stdbool.h>
#include <string.h>

#include "core/cid.h"
#include "core/base58.h"
#include "core/multibase.h"
#include "core/err.h"

#define CIDV0_TEXT_LEN 46
#define CIDV0_BIN_LEN 34

/* Tell whether a multihash is the sha2-256 kind CIDv0 requires */
static bool
is_v0_multihash(const uint8_t *mh, size_t len)
{
	return len == CIDV0_BIN_LEN && mh[0] == HY_MH_SHA2_256 && mh[1] == 32;
}

/* Fill cid from parts after checking them */
int
hy_cid_set(hy_cid *cid, int version, uint64_t codec,
		   const uint8_t *mh, size_t mh_len)
{
	hy_multihash m;
	int			r;

	if (version != 0 && version != 1)
		return HY_ERR_UNSUPPORTED;
	if (codec >= HY_UVARINT_LIMIT)
		return HY_ERR_TOO_LONG;
	r = hy_multihash_parse(mh, mh_len, &m);
	if (r < 0)
		return r;
	if (version == 0 && (codec != HY_CODEC_DAG_PB || !is_v0_multihash(mh, mh_len)))
		return HY_ERR_INVALID;
	cid->version = version;
	cid->codec = codec;
	memcpy(cid->mh, mh, mh_len);
	cid->mh_len = mh_len;
	return HY_OK;
}

/* Parse the binary form of a CIDv1 */
static int
decode_v1(const uint8_t *in, size_t len, hy_cid *cid)
{
	uint64_t	version;
	uint64_t	codec;
	int			a;
	int			b;

	a = hy_uvarint_get(in, len, &version);
	if (a < 0)
		return a;
	if (version != 1)
		return version == 0 ? HY_ERR_INVALID : HY_ERR_UNSUPPORTED;
	b = hy_uvarint_get(in + a, len - (size_t) a, &codec);
	if (b < 0)
		return b;
	return hy_cid_set(cid, 1, codec, in + a + b, len - (size_t) (a + b));
}

/* Parse a binary CID */
int
hy_cid_decode(const uint8_t *in, size_t len, hy_cid *cid)
{
	if (len == 0)
		return HY_ERR_TRUNCATED;
	/* 0x12 can never start a v1 CID, whose first byte is the version 1 */
	if (in[0] == HY_MH_SHA2_256)
		return hy_cid_set(cid, 0, HY_CODEC_DAG_PB, in, len);
	return decode_v1(in, len, cid);
}

/* Parse CID text */
int
hy_cid_parse(const char *text, size_t len, hy_cid *cid)
{
	uint8_t		buf[HY_CID_BIN_MAX];
	int			n;

	if (len == 0)
		return HY_ERR_INVALID;
	if (len >= HY_CID_TEXT_MAX)
		return HY_ERR_TOO_LONG;
	if (len == CIDV0_TEXT_LEN && text[0] == 'Q' && text[1] == 'm')
	{
		n = hy_base58_decode(text, len, buf, sizeof(buf));
		if (n < 0)
			return n == HY_ERR_NOSPACE ? HY_ERR_INVALID : n;
		if (!is_v0_multihash(buf, (size_t) n))
			return HY_ERR_INVALID;
		return hy_cid_set(cid, 0, HY_CODEC_DAG_PB, buf, (size_t) n);
	}
	n = hy_multibase_decode(text, len, buf, sizeof(buf));
	if (n < 0)
		return n == HY_ERR_NOSPACE ? HY_ERR_TOO_LONG : n;
	return decode_v1(buf, (size_t) n, cid);
}

/* Write the CIDv1 binary form (also for a v0 CID) */
static int
encode_v1(const hy_cid *cid, uint8_t *out, size_t outcap)
{
	uint8_t		hdr[2 * HY_UVARINT_MAX];
	int			a;
	int			b;

	a = hy_uvarint_put(1, hdr);
	b = hy_uvarint_put(cid->codec, hdr + a);
	if (b < 0)
		return b;
	if (cid->mh_len > HY_MULTIHASH_MAX)
		return HY_ERR_TOO_LONG;
	if ((size_t) (a + b) + cid->mh_len > outcap)
		return HY_ERR_NOSPACE;
	memcpy(out, hdr, (size_t) (a + b));
	memcpy(out + a + b, cid->mh, cid->mh_len);
	return a + b + (int) cid->mh_len;
}

/* Write the binary form of a CID */
int
hy_cid_encode(const hy_cid *cid, uint8_t *out, size_t outcap)
{
	if (cid->version == 0)
	{
		if (!is_v0_multihash(cid->mh, cid->mh_len))
			return HY_ERR_INVALID;
		if (cid->mh_len > outcap)
			return HY_ERR_NOSPACE;
		memcpy(out, cid->mh, cid->mh_len);
		return (int) cid->mh_len;
	}
	if (cid->version != 1)
		return HY_ERR_UNSUPPORTED;
	return encode_v1(cid, out, outcap);
}

/* Write a CID as text */
int
hy_cid_format(const hy_cid *cid, char prefix, char *out, size_t outcap)
{
	uint8_t		buf[HY_CID_BIN_MAX];
	int			n;

	if (cid->version == 0 && prefix == 0)
	{
		if (!is_v0_multihash(cid->mh, cid->mh_len))
			return HY_ERR_INVALID;
		return hy_base58_encode(cid->mh, cid->mh_len, out, outcap);
	}
	if (cid->version != 0 && cid->version != 1)
		return HY_ERR_UNSUPPORTED;
	n = encode_v1(cid, buf, sizeof(buf));
	if (n < 0)
		return n;
	return hy_multibase_encode(prefix ? prefix : 'b', buf, (size_t) n, out, outcap);
}
