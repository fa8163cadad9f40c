/*
 * keys_peer_id.c — binary peer IDs: the multihash of a serialized PublicKey.
 *
 * Keys whose protobuf fits in 42 bytes (Ed25519, secp256k1) are inlined
 * with the identity multihash so the key can be recovered from the ID;
 * larger ones (RSA, ECDSA) are hashed with sha2-256.
 */
#include <string.h>

#include <sodium.h>

#include "core/err.h"
#include "core/keys.h"

#define MH_IDENTITY 0x00
#define MH_SHA2_256 0x12
#define SHA256_LEN 32

/* Compute the binary peer ID of a (validated) PublicKey */
int
hy_peer_id_from_pubkey(const uint8_t *pubkey_pb, size_t pb_len,
					   uint8_t *out, size_t cap)
{
	int			rc;

	/* An ID must name a usable key: never mint one for garbage */
	rc = hy_pubkey_check(pubkey_pb, pb_len, NULL);
	if (rc < 0)
		return rc;

	/* Lengths below 128 make both multihash headers single-byte varints */
	if (pb_len <= HY_PEER_ID_INLINE_MAX)
	{
		if (cap < 2 + pb_len)
			return HY_ERR_NOSPACE;
		out[0] = MH_IDENTITY;
		out[1] = (uint8_t) pb_len;
		memcpy(out + 2, pubkey_pb, pb_len);
		return (int) (2 + pb_len);
	}
	if (cap < 2 + SHA256_LEN)
		return HY_ERR_NOSPACE;
	out[0] = MH_SHA2_256;
	out[1] = SHA256_LEN;
	crypto_hash_sha256(out + 2, pubkey_pb, pb_len);
	return 2 + SHA256_LEN;
}

/* Find the PublicKey inlined in an identity-multihash peer ID */
int
hy_pubkey_from_peer_id(const uint8_t *peer_id, size_t len,
					   const uint8_t **pb, size_t *pb_len)
{
	int			rc;

	if (peer_id == NULL || len < 2)
		return HY_ERR_INVALID;

	/* Codes and lengths here are all < 128: one-byte varints */
	if (peer_id[0] == MH_SHA2_256)
	{
		if (peer_id[1] != SHA256_LEN || len != 2 + SHA256_LEN)
			return HY_ERR_INVALID;
		return HY_ERR_UNSUPPORTED;
	}
	if (peer_id[0] != MH_IDENTITY)
		return HY_ERR_INVALID;

	/* An inlined key longer than 42 bytes would have been hashed instead */
	if (peer_id[1] > HY_PEER_ID_INLINE_MAX || len != 2 + (size_t) peer_id[1])
		return HY_ERR_INVALID;
	rc = hy_pubkey_check(peer_id + 2, len - 2, NULL);
	if (rc < 0)
		return rc;
	*pb = peer_id + 2;
	*pb_len = len - 2;
	return HY_OK;
}
