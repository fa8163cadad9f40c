/*
 * peerid.h — libp2p peer IDs: the multihash of a serialized public key.
 *
 * Only two shapes are valid: identity (0x00) inlining a key of at most 42
 * bytes, and sha2-256 (0x12 0x20) of a longer key.  HY_PEER_ID_MAX is the
 * larger of the two, 2 + 42 = 44 bytes; rust-libp2p enforces the same
 * 42-byte inline limit, and go never produces a longer identity peer ID.
 *
 * Text: bare base58btc of the multihash (12D3KooW..., 16Uiu2HA..., Qm...),
 * or a CIDv1 with codec libp2p-key (0x72) in any multibase (bafz..., k51...).
 */
#ifndef HY_CORE_PEERID_H
#define HY_CORE_PEERID_H

#include <stddef.h>
#include <stdint.h>

#define HY_PEER_ID_INLINE_MAX 42	/* longest key inlined with identity */
#define HY_PEER_ID_MAX (2 + HY_PEER_ID_INLINE_MAX)
/* Longest peer ID text we read or write, with NUL (CIDv1 in base16) */
#define HY_PEER_ID_TEXT_MAX 128

/* Check binary peer ID bytes; HY_OK or a negative hy_err */
int			hy_peerid_check(const uint8_t *id, size_t len);

/* Parse any text form into out; bytes written or a negative hy_err */
int			hy_peerid_parse(const char *text, size_t len, uint8_t *out, size_t outcap);

/* Write the bare base58btc form, NUL-terminated; length or hy_err */
int			hy_peerid_format(const uint8_t *id, size_t len, char *out, size_t outcap);

/*
 * Write the CIDv1 (libp2p-key) form with a multibase prefix ('b' base32,
 * 'k' base36, ...), NUL-terminated; length or hy_err.
 */
int			hy_peerid_format_cid(const uint8_t *id, size_t len, char prefix,
								 char *out, size_t outcap);

#endif
