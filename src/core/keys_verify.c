/*
 * keys_verify.c — validation of remote PublicKeys and their signatures,
 * dispatched on the key type: Ed25519 here, the others in keys_ossl.c.
 */
#include <sodium.h>

#include "core/err.h"
#include "core/keys.h"
#include "core/keys_ossl.h"
#include "core/keys_pb.h"

/* Parse a PublicKey protobuf and validate its Data for its type */
static int
parse_pubkey(const uint8_t *pb, size_t len, hy_key_type *type,
			 const uint8_t **data, size_t *data_len)
{
	int			t;
	int			rc;

	rc = hy_key_pb_parse(HY_KEY_PB_PUBLIC, pb, len, &t, data, data_len);
	if (rc < 0)
		return rc;
	switch (t)
	{
		case HY_KEY_ED25519:

			/*
			 * Like go-libp2p, only the length is checked: a 32-byte string
			 * that is not a usable point just never verifies a signature.
			 */
			if (*data_len != crypto_sign_PUBLICKEYBYTES)
				return HY_ERR_INVALID;
			break;
		case HY_KEY_RSA:
		case HY_KEY_SECP256K1:
		case HY_KEY_ECDSA:
			rc = hy_ossl_pubkey_check((hy_key_type) t, *data, *data_len);
			if (rc < 0)
				return rc;
			break;
		default:
			return HY_ERR_UNSUPPORTED;
	}
	*type = (hy_key_type) t;
	return HY_OK;
}

/* Parse and validate a remote PublicKey protobuf */
int
hy_pubkey_check(const uint8_t *pubkey_pb, size_t len, hy_key_type *type_out)
{
	const uint8_t *data;
	size_t		data_len;
	hy_key_type type;
	int			rc;

	rc = parse_pubkey(pubkey_pb, len, &type, &data, &data_len);
	if (rc < 0)
		return rc;
	if (type_out != NULL)
		*type_out = type;
	return HY_OK;
}

/* Verify a libp2p signature by a remote key */
int
hy_identity_verify(const uint8_t *pubkey_pb, size_t pb_len,
				   const uint8_t *msg, size_t msg_len,
				   const uint8_t *sig, size_t sig_len)
{
	const uint8_t *data;
	size_t		data_len;
	hy_key_type type;
	int			t;
	int			rc;

	if ((msg == NULL && msg_len != 0) || sig == NULL)
		return HY_ERR_INVALID;
	if (sig_len > HY_SIG_MAX)
		return HY_ERR_TOO_LONG;

	/* Only the protobuf layer here: the OpenSSL loader re-checks the key */
	rc = hy_key_pb_parse(HY_KEY_PB_PUBLIC, pubkey_pb, pb_len, &t, &data,
						 &data_len);
	if (rc < 0)
		return rc;
	type = (hy_key_type) t;
	switch (t)
	{
		case HY_KEY_ED25519:
			if (data_len != crypto_sign_PUBLICKEYBYTES)
				return HY_ERR_INVALID;
			if (sig_len != crypto_sign_BYTES)
				return HY_ERR_CRYPTO;
			if (sodium_init() < 0)
				return HY_ERR_CRYPTO;

			/*
			 * libsodium also rejects small-order keys and non-canonical
			 * encodings, which no honest signer produces.
			 */
			if (crypto_sign_verify_detached(sig, msg_len ? msg : sig,
											msg_len, data) != 0)
				return HY_ERR_CRYPTO;
			return HY_OK;
		case HY_KEY_RSA:
		case HY_KEY_SECP256K1:
		case HY_KEY_ECDSA:
			return hy_ossl_verify(type, data, data_len, msg, msg_len, sig,
								  sig_len);
		default:
			return HY_ERR_UNSUPPORTED;
	}
}
