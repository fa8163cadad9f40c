/*
 * keys_ed25519.c — the Ed25519 identities of our own heads: derivation
 * from a seed, signing, and the PrivateKey protobuf we persist.
 */
#include <string.h>

#include <sodium.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/keys_pb.h"

/* PrivateKey Data for Ed25519: seed || pk, as go-libp2p writes it */
#define ED25519_PRIV_DATA_LEN 64
/* The legacy form, seed || pk || pk */
#define ED25519_PRIV_DATA_LEN_OLD 96

/* Derive the whole keypair (keys, PublicKey protobuf, peer ID) from a seed */
void
hy_keypair_from_seed(hy_keypair *kp, const uint8_t seed[32])
{
	static const uint8_t pb_head[4] = {0x08, 0x01, 0x12, 0x20};
	uint8_t		s[32];

	/*
	 * Initialisation only picks faster implementations and seeds the RNG,
	 * which key derivation does not use: failure leaves us correct.
	 */
	if (sodium_init() < 0)
	{
	}
	/* Copy first: the caller may pass kp->seed itself */
	memcpy(s, seed, sizeof(s));
	memset(kp, 0, sizeof(*kp));
	memcpy(kp->seed, s, sizeof(kp->seed));
	sodium_memzero(s, sizeof(s));
	crypto_sign_seed_keypair(kp->pk, kp->sk, kp->seed);

	/* The fixed encoding of an Ed25519 PublicKey: Type 1, Data 32 bytes */
	memcpy(kp->pubkey_pb, pb_head, sizeof(pb_head));
	memcpy(kp->pubkey_pb + sizeof(pb_head), kp->pk, sizeof(kp->pk));

	/* 36 bytes <= 42, so the peer ID is the identity multihash */
	kp->peer_id[0] = 0x00;
	kp->peer_id[1] = sizeof(kp->pubkey_pb);
	memcpy(kp->peer_id + 2, kp->pubkey_pb, sizeof(kp->pubkey_pb));
	kp->peer_id_len = 2 + sizeof(kp->pubkey_pb);
}

/* Sign a message with plain Ed25519 */
void
hy_keypair_sign(const hy_keypair *kp, const uint8_t *msg, size_t len,
				uint8_t sig[64])
{
	crypto_sign_detached(sig, NULL, len ? msg : sig, len, kp->sk);
}

/* Write the PrivateKey protobuf (Data = seed || pk); returns its length */
int
hy_privkey_encode(const hy_keypair *kp, uint8_t *out, size_t cap)
{
	uint8_t		data[ED25519_PRIV_DATA_LEN];
	int			rc;

	memcpy(data, kp->seed, 32);
	memcpy(data + 32, kp->pk, 32);
	rc = hy_key_pb_encode(HY_KEY_PB_PRIVATE, HY_KEY_ED25519, data,
						  sizeof(data), out, cap);
	sodium_memzero(data, sizeof(data));
	return rc;
}

/* Read an Ed25519 PrivateKey protobuf, checking pk matches the seed */
int
hy_privkey_decode(const uint8_t *pb, size_t len, hy_keypair *kp)
{
	const uint8_t *data;
	size_t		data_len;
	int			type;
	int			rc;

	rc = hy_key_pb_parse(HY_KEY_PB_PRIVATE, pb, len, &type, &data,
						 &data_len);
	if (rc < 0)
		return rc;
	if (type != HY_KEY_ED25519)
		return HY_ERR_UNSUPPORTED;

	/* Old go-libp2p wrote seed || pk || pk; the spec asks us to accept it */
	if (data_len == ED25519_PRIV_DATA_LEN_OLD)
	{
		if (sodium_memcmp(data + 32, data + 64, 32) != 0)
			return HY_ERR_INVALID;
	}
	else if (data_len != ED25519_PRIV_DATA_LEN)
		return HY_ERR_INVALID;

	/* A stored pk that the seed does not produce means corrupt storage */
	hy_keypair_from_seed(kp, data);
	if (sodium_memcmp(kp->pk, data + 32, 32) != 0)
	{
		sodium_memzero(kp, sizeof(*kp));
		return HY_ERR_CRYPTO;
	}
	return HY_OK;
}
