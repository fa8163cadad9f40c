/*
 * keys_ossl.c — RSA, ECDSA and secp256k1 public keys through OpenSSL 3.
 *
 * RSA and ECDSA keys arrive as DER SubjectPublicKeyInfo, read strictly by
 * keys_spki.c (one encoding per key, hence one peer ID); OpenSSL builds
 * the key from its parts.  secp256k1 keys are 33-byte compressed points.
 * Every type signs SHA-256(msg): PKCS#1 v1.5 for RSA, DER ECDSA otherwise.
 * Every path frees what it created and clears OpenSSL's error queue, which
 * is per thread and would otherwise carry stale errors into later calls.
 */
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include "core/err.h"
#include "core/keys_ossl.h"
#include "core/keys_spki.h"

/* go-libp2p's bounds; below 2048 is weak, above 8192 is a CPU-cost attack */
#define RSA_MIN_BITS 2048
#define RSA_MAX_BITS 8192
/* Exponents must fit a 31-bit int, as in Go's crypto/rsa */
#define RSA_E_MAX 0x7fffffffu

#define SECP256K1_POINT_LEN 33
/* Largest uncompressed point: P-521, 1 + 2 * 66 bytes */
#define EC_POINT_MAX 133

/* Check an RSA key's size and exponent from its DER magnitudes */
static int
check_rsa(const hy_spki *k)
{
	int			bits;
	uint32_t	e = 0;

	/* Magnitudes have no leading zero byte, so n[0] holds the top bit */
	bits = (int) (k->n_len - 1) * 8;
	for (uint8_t top = k->n[0]; top; top >>= 1)
		bits++;
	if (bits < RSA_MIN_BITS)
		return HY_ERR_UNSUPPORTED;
	if (bits > RSA_MAX_BITS)
		return HY_ERR_TOO_LONG;
	/* An even modulus is no RSA modulus (Go's verifier refuses it too) */
	if (!(k->n[k->n_len - 1] & 1))
		return HY_ERR_INVALID;

	/* e must be odd (else not invertible) and in [3, 2^31 - 1] */
	if (k->e_len > 4)
		return HY_ERR_INVALID;
	for (size_t i = 0; i < k->e_len; i++)
		e = (e << 8) | k->e[i];
	if (!(e & 1) || e < 3 || e > RSA_E_MAX)
		return HY_ERR_INVALID;
	return HY_OK;
}

/* Build an RSA EVP_PKEY from the modulus and exponent */
static int
load_rsa(const hy_spki *k, EVP_PKEY **out)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	BIGNUM	   *n = BN_bin2bn(k->n, (int) k->n_len, NULL);
	BIGNUM	   *e = BN_bin2bn(k->e, (int) k->e_len, NULL);
	int			rc = HY_ERR_NOMEM;

	if (bld == NULL || n == NULL || e == NULL ||
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) != 1 ||
		OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e) != 1 ||
		(params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
		(ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL)
		goto out;
	rc = HY_ERR_INVALID;
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
		EVP_PKEY_fromdata(ctx, out, EVP_PKEY_PUBLIC_KEY, params) != 1)
		goto out;
	rc = HY_OK;

out:
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(e);
	return rc;
}

/* Build an EC EVP_PKEY from a group name and an encoded point */
static int
load_ec(const char *group, const uint8_t *point, size_t len, EVP_PKEY **out)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY_CTX *check;
	EVP_PKEY   *pkey = NULL;
	OSSL_PARAM	params[3];
	uint8_t		buf[EC_POINT_MAX];
	int			ok;

	/* OSSL_PARAM wants non-const buffers */
	if (len > sizeof(buf))
		return HY_ERR_INVALID;
	memcpy(buf, point, len);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
												 (char *) group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
												  buf, len);
	params[2] = OSSL_PARAM_construct_end();

	ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	if (ctx == NULL)
		return HY_ERR_NOMEM;
	/* Decoding the point checks it is on the curve (and solves for y) */
	if (EVP_PKEY_fromdata_init(ctx) != 1 ||
		EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
	{
		EVP_PKEY_CTX_free(ctx);
		EVP_PKEY_free(pkey);
		return HY_ERR_INVALID;
	}
	EVP_PKEY_CTX_free(ctx);

	/* Quick check: on curve, in range, not infinity; cofactor 1 curves */
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	ok = check != NULL && EVP_PKEY_public_check_quick(check) == 1;
	EVP_PKEY_CTX_free(check);
	if (!ok)
	{
		EVP_PKEY_free(pkey);
		return HY_ERR_INVALID;
	}
	*out = pkey;
	return HY_OK;
}

/* Build a secp256k1 key from a 33-byte compressed point */
static int
load_secp256k1(const uint8_t *data, size_t len, EVP_PKEY **out)
{
	/* Only the compressed form (02/03 || x) is a libp2p secp256k1 key */
	if (len != SECP256K1_POINT_LEN || (data[0] != 0x02 && data[0] != 0x03))
		return HY_ERR_INVALID;
	return load_ec("secp256k1", data, len, out);
}

/*
 * Turn a PublicKey's Data into an EVP_PKEY, or with out == NULL only check
 * it (an RSA check then needs no OpenSSL object at all).
 */
static int
load_key(hy_key_type type, const uint8_t *data, size_t len, EVP_PKEY **out)
{
	EVP_PKEY   *scratch = NULL;
	hy_spki		k;
	int			rc;

	if (type == HY_KEY_SECP256K1)
		rc = load_secp256k1(data, len, out ? out : &scratch);
	else if (type == HY_KEY_RSA || type == HY_KEY_ECDSA)
	{
		rc = hy_spki_parse(data, len, &k);
		if (rc < 0)
			return rc;
		if (type == HY_KEY_RSA)
		{
			if (k.kind != HY_SPKI_RSA)
				return HY_ERR_INVALID;
			rc = check_rsa(&k);
			if (rc == HY_OK && out != NULL)
				rc = load_rsa(&k, out);
		}
		else
		{
			if (k.kind != HY_SPKI_EC)
				return HY_ERR_INVALID;
			rc = load_ec(k.curve, k.point, k.point_len, out ? out : &scratch);
		}
	}
	else
		rc = HY_ERR_UNSUPPORTED;
	EVP_PKEY_free(scratch);
	return rc;
}

/* Validate the Data of an RSA, ECDSA or secp256k1 PublicKey */
int
hy_ossl_pubkey_check(hy_key_type type, const uint8_t *data, size_t len)
{
	int			rc = load_key(type, data, len, NULL);

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
	EVP_PKEY   *pkey = NULL;
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
