/*
 * peerid.c — peer ID validation, parsing and formatting.
 */
#include <string.h>

#include "core/peerid.h"
#include "core/base58.h"
#include "core/cid.h"
#include "core/multihash.h"
#include "core/err.h"

/* Check that bytes form an identity or sha2-256 peer ID */
int
hy_peerid_check(const uint8_t *id, size_t len)
{
	hy_multihash mh;
	int			r;

	if (len > HY_PEER_ID_MAX)
		return HY_ERR_TOO_LONG;
	r = hy_multihash_parse(id, len, &mh);
	if (r < 0)
		return r;
	if (mh.code == HY_MH_IDENTITY)
	{
		if (mh.digest_len == 0)
			return HY_ERR_INVALID;
		return mh.digest_len > HY_PEER_ID_INLINE_MAX ? HY_ERR_TOO_LONG : HY_OK;
	}
	if (mh.code == HY_MH_SHA2_256)
		return mh.digest_len == 32 ? HY_OK : HY_ERR_INVALID;
	return HY_ERR_UNSUPPORTED;
}

/* Copy checked peer ID bytes to the caller */
static int
emit(const uint8_t *id, size_t len, uint8_t *out, size_t outcap)
{
	int			r = hy_peerid_check(id, len);

	if (r < 0)
		return r;
	if (len > outcap)
		return HY_ERR_NOSPACE;
	memcpy(out, id, len);
	return (int) len;
}

/* Parse peer ID text */
int
hy_peerid_parse(const char *text, size_t len, uint8_t *out, size_t outcap)
{
	uint8_t		buf[HY_PEER_ID_MAX];
	hy_cid		cid;
	int			r;

	if (len == 0)
		return HY_ERR_INVALID;
	if (len >= HY_PEER_ID_TEXT_MAX)
		return HY_ERR_TOO_LONG;
	/*
	 * A bare base58 multihash starts with '1' (identity, code 0x00) or
	 * 'Q' (sha2-256); neither is a multibase prefix we could confuse.
	 */
	if (text[0] == '1' || text[0] == 'Q')
	{
		r = hy_base58_decode(text, len, buf, sizeof(buf));
		if (r < 0)
			return r == HY_ERR_NOSPACE ? HY_ERR_TOO_LONG : r;
		return emit(buf, (size_t) r, out, outcap);
	}
	r = hy_cid_parse(text, len, &cid);
	if (r < 0)
		return r;
	if (cid.version != 1 || cid.codec != HY_CODEC_LIBP2P_KEY)
		return HY_ERR_INVALID;
	return emit(cid.mh, cid.mh_len, out, outcap);
}

/* Write a peer ID as bare base58btc */
int
hy_peerid_format(const uint8_t *id, size_t len, char *out, size_t outcap)
{
	int			r = hy_peerid_check(id, len);

	if (r < 0)
		return r;
	return hy_base58_encode(id, len, out, outcap);
}

/* Write a peer ID as a libp2p-key CIDv1 */
int
hy_peerid_format_cid(const uint8_t *id, size_t len, char prefix,
					 char *out, size_t outcap)
{
	hy_cid		cid;
	int			r = hy_peerid_check(id, len);

	if (r < 0)
		return r;
	if (prefix == 0)
		return HY_ERR_INVALID;
	r = hy_cid_set(&cid, 1, HY_CODEC_LIBP2P_KEY, id, len);
	if (r < 0)
		return r;
	return hy_cid_format(&cid, prefix, out, outcap);
}
