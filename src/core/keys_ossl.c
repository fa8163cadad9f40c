/*
 * keys_ossl.c — RSA, ECDSA and secp256k1 public keys through OpenSSL 3.
 *
 * RSA and ECDSA keys arrive as DER SubjectPublicKeyInfo; we accept only
 * DER that OpenSSL re-encodes byte for byte, so a key has one encoding and
 * hence one peer ID.  secp256k1 keys are 33-byte compressed points.  Every
 * type signs SHA-256(msg): PKCS#1 v1.5 for RSA, DER ECDSA otherwise.
 * Every path frees what it created and clears OpenSSL's error queue, which
 * is per thread and would otherwise carry stale errors into later calls.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include "core/err.h"
#include "core/keys_ossl.h"

/* go-libp2p's bounds; below 2048 is weak, above 8192 is a CPU-cost attack */
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192
/* Exponents must fit a 31-bit int, as in Go's crypto/rsa */
#define RSA_E_MAX_BITS 31

#define SECP256K1_POINT_LEN 33

/* Decode DER SubjectPublicKeyInfo, insisting on its one canonical form */
static EVP_PKEY *
load_spki(const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	unsigned char *again = NULL;
	EVP_PKEY   *pkey;
	int			n;

	pkey = d2i_PUBKEY(NULL, &p, (long) len);
	if (pkey == NULL)
		return NULL;
	if (p != der + len)
		goto bad;
	n = i2d_PUBKEY(pkey, &again);
	if (n < 0 || (size_t) n != len || memcmp(again, der, len) != 0)
		goto bad;
	OPENSSL_free(again);
	return pkey;

bad:
	OPENSSL_free(again);
	EVP_PKEY_free(pkey);
	return NULL;
}

/* Check an RSA key's size and public exponent */
static int
check_rsa(EVP_PKEY *pkey)
{
	BIGNUM	   *e = NULL;
	int			bits;
	int			rc = HY_OK;

	/* rsassaPss SPKIs decode as EVP_PKEY_RSA_PSS; libp2p means plain RSA */
	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)
		return HY_ERR_INVALID;
	bits = EVP_PKEY_get_bits(pkey);
	if (bits < RSA_MIN_BITS)
		return HY_ERR_UNSUPPORTED;
	if (bits > RSA_MAX_BITS)
		return HY_ERR_TOO_LONG;
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1)
		return HY_ERR_INVALID;
	/* e must be odd (else not invertible) and in [3, 2^31 - 1] */
	if (!BN_is_odd(e) || BN_is_one(e) || BN_num_bits(e) > RSA_E_MAX_BITS)
		rc = HY_ERR_INVALID;
	BN_free(e);
	return rc;
}

/* Read a short UTF-8 parameter of a key into buf, "" when absent */
static void
get_str_param(EVP_PKEY *pkey, const char *name, char *buf, size_t cap)
{
	buf[0] = '\0';
	if (EVP_PKEY_get_utf8_string_param(pkey, name, buf, cap, NULL) != 1)
		buf[0] = '\0';
}

/* Check an EC point is on its curve and not the point at infinity */
static int
check_ec_point(EVP_PKEY *pkey)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	int			ok;

	if (ctx == NULL)
		return HY_ERR_NOMEM;
	/* Quick check: on curve, in range; the order check is moot, cofactor 1 */
	ok = EVP_PKEY_public_check_quick(ctx);
	EVP_PKEY_CTX_free(ctx);
	return ok == 1 ? HY_OK : HY_ERR_INVALID;
}

/* Check an ECDSA key: named NIST curve, uncompressed point, valid point */
static int
check_ecdsa(EVP_PKEY *pkey)
{
	char		buf[64];

	if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_EC)
		return HY_ERR_INVALID;

	/* Go's x509 knows only namedCurve parameters and uncompressed points */
	get_str_param(pkey, OSSL_PKEY_PARAM_EC_ENCODING, buf, sizeof(buf));
	if (strcmp(buf, OSSL_PKEY_EC_ENCODING_GROUP) != 0)
		return HY_ERR_INVALID;
	get_str_param(pkey, OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, buf,
				  sizeof(buf));
	if (strcmp(buf, OSSL_PKEY_EC_POINT_CONVERSION_FORMAT_UNCOMPRESSED) != 0)
		return HY_ERR_INVALID;

	/* The curves go-libp2p can produce, minus the weak P-224 */
	get_str_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, buf, sizeof(buf));
	if (strcmp(buf, "prime256v1") != 0 && strcmp(buf, "secp384r1") != 0 &&
		strcmp(buf, "secp521r1") != 0)
		return HY_ERR_UNSUPPORTED;
	return check_ec_point(pkey);
}

/* Build a secp256k1 key from a 33-byte compressed point */
static int
load_secp256k1(const uint8_t *data, size_t len, EVP_PKEY **out)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY   *pkey = NULL;
	OSSL_PARAM	params[3];
	uint8_t		point[SECP256K1_POINT_LEN];
	int			rc;

	/* Only the compressed form (02/03 || x) is a libp2p secp256k1 key */
	if (len != SECP256K1_POINT_LEN || (data[0] != 0x02 && data[0] != 0x03))
		return HY_ERR_INVALID;
	memcpy(point, data, len);	/* OSSL_PARAM wants a non-const buffer */
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
												 (char *) "secp256k1", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
												  point, sizeof(point));
	params[2] = OSSL_PARAM_construct_end();

	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx == NULL)
		return HY_ERR_NOMEM;
	/* Decoding the point solves for y: fails when x is not on the curve */
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
	{
		EVP_PKEY_CTX_free(ctx);
		EVP_PKEY_free(pkey);
		return HY_ERR_INVALID;
	}
	EVP_PKEY_CTX_free(ctx);

	rc = check_ec_point(pkey);
	if (rc < 0)
	{
		EVP_PKEY_free(pkey);
		return rc;
	}
	*out = pkey;
	return HY_OK;
}

/* Turn a PublicKey's Data into a checked EVP_PKEY */
static int
load_key(hy_key_type type, const uint8_t *data, size_t len, EVP_PKEY **out)
{
	EVP_PKEY   *pkey;
	int			rc;

	*out = NULL;
	if (type == HY_KEY_SECP256K1)
		return load_secp256k1(data, len, out);
	if (type != HY_KEY_RSA && type != HY_KEY_ECDSA)
		return HY_ERR_UNSUPPORTED;

	pkey = load_spki(data, len);
	if (pkey == NULL)
		return HY_ERR_INVALID;
	rc = type == HY_KEY_RSA ? check_rsa(pkey) : check_ecdsa(pkey);
	if (rc < 0)
	{
		EVP_PKEY_free(pkey);
		return rc;
	}
	*out = pkey;
	return HY_OK;
}

/* Validate the Data of an RSA, ECDSA or secp256k1 PublicKey */
int
hy_ossl_pubkey_check(hy_key_type type, const uint8_t *data, size_t len)
{
	EVP_PKEY   *pkey;
	int			rc = load_key(type, data, len, &pkey);

	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return rc;
}

/* Verify a DER / PKCS#1 v1.5 signature over SHA-256(msg) */
int
hy_ossl_verify(hy_key_type type, const uint8_t *data, size_t len,
			   const uint8_t *msg, size_t msg_len,
			   const uint8_t *sig, size_t sig_len)
{
	static const uint8_t empty[1];
	EVP_PKEY   *pkey;
	EVP_MD_CTX *md = NULL;
	int			rc;

	rc = load_key(type, data, len, &pkey);
	if (rc < 0)
		goto out;
	md = EVP_MD_CTX_new();
	if (md == NULL)
	{
		rc = HY_ERR_NOMEM;
		goto out;
	}
	/* Default RSA padding is PKCS#1 v1.5, which libp2p uses */
	if (EVP_DigestVerifyInit_ex(md, NULL, "SHA256", NULL, NULL, pkey,
								NULL) != 1)
	{
		rc = HY_ERR_CRYPTO;
		goto out;
	}
	/* OpenSSL rejects non-DER ECDSA and wrong-length RSA signatures */
	if (EVP_DigestVerify(md, sig, sig_len, msg_len ? msg : empty,
						 msg_len) != 1)
		rc = HY_ERR_CRYPTO;

out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	return rc;
}
