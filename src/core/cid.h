/*
 * cid.h — content identifiers, version 0 and 1.
 *
 * Text forms: a 46-char "Qm..." string is CIDv0 (bare base58btc of a
 * sha2-256 multihash, implied codec dag-pb); anything else must be a
 * multibase string holding a binary CIDv1.  Whitespace is never trimmed.
 * Binary forms: CIDv0 is the bare 34-byte multihash; CIDv1 is
 * uvarint(1) || uvarint(codec) || multihash, with no trailing bytes.
 *
 * The DHT key of a CID is its multihash (mh), whatever the version.
 */
#ifndef HY_CORE_CID_H
#define HY_CORE_CID_H

#include <stddef.h>
#include <stdint.h>

#include "core/multihash.h"
#include "core/varint.h"

#define HY_CODEC_RAW 0x55
#define HY_CODEC_DAG_PB 0x70
#define HY_CODEC_DAG_CBOR 0x71
#define HY_CODEC_LIBP2P_KEY 0x72

/* Longest binary CID: two varints and the longest multihash */
#define HY_CID_BIN_MAX (2 * HY_UVARINT_MAX + HY_MULTIHASH_MAX)
/* Longest CID text we read or write, with NUL: base16 is the widest base */
#define HY_CID_TEXT_MAX (2 * HY_CID_BIN_MAX + 2)

typedef struct hy_cid
{
	int			version;		/* 0 or 1 */
	uint64_t	codec;
	uint8_t		mh[HY_MULTIHASH_MAX];
	size_t		mh_len;
} hy_cid;

/* Parse CID text (v0 or multibase v1); HY_OK or a negative hy_err */
int			hy_cid_parse(const char *text, size_t len, hy_cid *cid);

/* Parse a binary CID (v0 multihash or v1) of exactly len bytes */
int			hy_cid_decode(const uint8_t *in, size_t len, hy_cid *cid);

/* Fill cid from parts, validating them (v0 needs dag-pb and sha2-256) */
int			hy_cid_set(hy_cid *cid, int version, uint64_t codec,
					   const uint8_t *mh, size_t mh_len);

/* Write the binary form of cid; bytes written or a negative hy_err */
int			hy_cid_encode(const hy_cid *cid, uint8_t *out, size_t outcap);

/*
 * Write cid as text, NUL-terminated; returns the length or a negative hy_err.
 * prefix 0 picks the canonical form: bare base58btc for v0, base32 ('b') for
 * v1.  Any other multibase prefix writes the CIDv1 form in that base, also
 * for a v0 CID (CIDv0 has no multibase form).
 */
int			hy_cid_format(const hy_cid *cid, char prefix, char *out, size_t outcap);

#endif
