/*
 * keys.h — libp2p keys, signatures and peer IDs (libp2p/specs peer-ids).
 *
 * Our own heads are Ed25519 (hy_keypair).  Remote peers may present any of
 * the four libp2p key types; their keys arrive as serialized PublicKey
 * protobufs, which we validate strictly because the peer ID is a function
 * of those exact bytes.  Pure C: libsodium and OpenSSL libcrypto only.
 */
#ifndef HY_CORE_KEYS_H
#define HY_CORE_KEYS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Upper bound of a serialized PublicKey we accept.  The largest legal one
 * is RSA-8192: its SubjectPublicKeyInfo is 30 82 LL LL, the 15-byte
 * rsaEncryption AlgorithmIdentifier, 03 82 LL LL 00, then RSAPublicKey =
 * 30 82 LL LL || 02 82 04 01 00 <1024-byte modulus> || exponent (at most
 * 02 04 <4 bytes> as e <= 2^31-1), i.e. 4+15+5+4+1029+6 = 1063 bytes; the
 * protobuf adds 08 00 12 <2-byte varint> = 5, so 1068.  1200 leaves slack
 * without admitting a key the bit-size check would reject anyway.
 */
#define HY_PUBKEY_PB_MAX 1200

/* Largest serialized PrivateKey we parse (only Ed25519: 68, legacy 100) */
#define HY_PRIVKEY_PB_MAX 256

/* Largest signature any supported key type produces (RSA-8192) */
#define HY_SIG_MAX 1024

/* HY_PEER_ID_MAX and HY_PEER_ID_INLINE_MAX (44 and 42 bytes) */
#include "core/peerid.h"

typedef enum hy_key_type
{
	HY_KEY_RSA = 0,
	HY_KEY_ED25519 = 1,
	HY_KEY_SECP256K1 = 2,
	HY_KEY_ECDSA = 3
} hy_key_type;

/* Ed25519 identity of our own heads */
typedef struct hy_keypair
{
	uint8_t		seed[32];
	uint8_t		pk[32];
	uint8_t		sk[64];			/* libsodium layout: seed || pk */
	uint8_t		pubkey_pb[36];	/* serialized PublicKey: 08 01 12 20 || pk */
	uint8_t		peer_id[38];	/* identity multihash: 00 24 || pubkey_pb */
	size_t		peer_id_len;
} hy_keypair;

/* Derive the whole keypair (keys, PublicKey protobuf, peer ID) from a seed */
void		hy_keypair_from_seed(hy_keypair *kp, const uint8_t seed[32]);

/* Sign a message with plain Ed25519 */
void		hy_keypair_sign(const hy_keypair *kp, const uint8_t *msg, size_t len,
							uint8_t sig[64]);

/* Write the PrivateKey protobuf (Data = seed || pk); returns its length */
int			hy_privkey_encode(const hy_keypair *kp, uint8_t *out, size_t cap);

/*
 * Read an Ed25519 PrivateKey protobuf (Data = seed || pk, or the legacy
 * seed || pk || pk), checking that the seed yields that pk.
 */
int			hy_privkey_decode(const uint8_t *pb, size_t len, hy_keypair *kp);

/*
 * Parse and validate a remote PublicKey protobuf; HY_OK and the key type,
 * or a negative hy_err (HY_ERR_UNSUPPORTED for an unknown key type).
 */
int			hy_pubkey_check(const uint8_t *pubkey_pb, size_t len,
							hy_key_type *type_out);

/* Verify a libp2p signature by a remote key; HY_OK or a negative hy_err */
int			hy_identity_verify(const uint8_t *pubkey_pb, size_t pb_len,
							   const uint8_t *msg, size_t msg_len,
							   const uint8_t *sig, size_t sig_len);

/*
 * Compute the binary peer ID of a (validated) PublicKey: identity multihash
 * if pb_len <= 42, else sha2-256.  Returns the length written.
 */
int			hy_peer_id_from_pubkey(const uint8_t *pubkey_pb, size_t pb_len,
								   uint8_t *out, size_t cap);

/*
 * Find the PublicKey inlined in an identity-multihash peer ID; *pb points
 * into peer_id.  HY_ERR_UNSUPPORTED for sha2-256 peer IDs (key not inside).
 */
int			hy_pubkey_from_peer_id(const uint8_t *peer_id, size_t len,
								   const uint8_t **pb, size_t *pb_len);

#endif
