/*
 * ipns.h — IPNS record validation (ipfs/specs src/ipns/ipns-record.md).
 *
 * A record is the protobuf IpnsEntry (src/proto/ipns.proto).  We accept
 * only V2-signed records: signatureV2 over "ipns-signature:" || data,
 * where data is a DAG-CBOR map {Value, Validity, ValidityType, Sequence,
 * TTL}; the legacy V1 fields, when present, must equal the CBOR ones.
 * The key comes from pubKey (which must hash to the name) or is inlined
 * in an identity-multihash name.  ValidityType must be 0 (EOL) with a
 * Validity in the future.
 */
#ifndef HY_DHT_IPNS_H
#define HY_DHT_IPNS_H

#include <stddef.h>
#include <stdint.h>

#define HY_IPNS_RECORD_MAX 10240
#define HY_IPNS_KEY_PREFIX "/ipns/"
#define HY_PK_KEY_PREFIX "/pk/"

/* What a valid record says (the value itself is not copied out) */
typedef struct hy_ipns_info
{
	size_t		value_len;
	uint64_t	seq;
	int64_t		validity_ns;	/* Unix ns (clamped) */
	uint64_t	ttl_ns;
	int			has_ttl;
} hy_ipns_info;

/*
 * Validate a record for a name (binary peer ID) at time now (Unix ns).
 * HY_OK with *info filled, or a negative hy_err: HY_ERR_TOO_LONG (size),
 * HY_ERR_INVALID (malformed, mismatched or expired), HY_ERR_CRYPTO (bad
 * signature or key), HY_ERR_UNSUPPORTED (no V2 signature, other validity
 * type, or a hashed name without pubKey).
 */
int			hy_ipns_validate(const uint8_t *name, size_t name_len,
							 const uint8_t *rec, size_t len, int64_t now_ns,
							 hy_ipns_info *info);

/*
 * Read the signed DAG-CBOR data map alone (no signature, no clock): the
 * required fields present once with the right types, Validity parseable.
 * HY_OK with *info filled, or a negative hy_err.  Exposed for fuzzing.
 */
int			hy_ipns_data_parse(const uint8_t *data, size_t len, hy_ipns_info *info);

/*
 * Order two valid records for the same name: >0 if a is better (higher
 * sequence, then later validity), <0 if b is, 0 if equal.
 */
int			hy_ipns_compare(const hy_ipns_info *a, const hy_ipns_info *b);

/*
 * Validate a /pk/<peer id> record: the value must be a PublicKey whose
 * peer ID is the key's suffix.  HY_OK or a negative hy_err.
 */
int			hy_pk_validate(const uint8_t *key, size_t key_len,
						   const uint8_t *value, size_t value_len);

#endif
