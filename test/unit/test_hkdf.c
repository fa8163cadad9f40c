/*
 * test_hkdf.c — HKDF-SHA256 against RFC 5869 appendix A (cases 1-3) and
 * against OpenSSL's independent HKDF for many output lengths.
 */
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "tap.h"
#include "core/err.h"
#include "core/hkdf.h"

/* Decode a hex string into buf; returns the byte count */
static size_t
unhex(const char *s, uint8_t *buf)
{
	size_t		n = 0;

	for (; s[0] && s[1]; s += 2)
	{
		unsigned	v;

		sscanf(s, "%2x", &v);
		buf[n++] = (uint8_t) v;
	}
	return n;
}

/* Fill buf with first, first+1, ... (the RFC's sequential inputs) */
static void
seq(uint8_t *buf, size_t n, unsigned first)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t) (first + i);
}

/* Derive with OpenSSL's HKDF, the reference for the cross-check */
static int
openssl_hkdf(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
			 size_t ikm_len, const uint8_t *info, size_t info_len,
			 uint8_t *out, size_t out_len)
{
	EVP_KDF    *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	OSSL_PARAM	p[5];
	int			n = 0;
	int			rc;

	p[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
											  (char *) "SHA256", 0);
	p[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
											   (void *) ikm, ikm_len);
	p[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
											   (void *) salt, salt_len);
	p[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
											   (void *) info, info_len);
	p[n] = OSSL_PARAM_construct_end();
	rc = EVP_KDF_derive(ctx, out, out_len, p);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc == 1 ? 0 : -1;
}

int
main(void)
{
	uint8_t		ikm[80], salt[80], info[80], okm[HY_HKDF_SHA256_MAX_OUT + 1];
	uint8_t		want[HY_HKDF_SHA256_MAX_OUT];
	size_t		wn;
	int			mismatches = 0;

	/* A.1: basic test case */
	memset(ikm, 0x0b, 22);
	seq(salt, 13, 0x00);
	seq(info, 10, 0xf0);
	wn = unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
			   "34007208d5b887185865", want);
	is_int(hy_hkdf_sha256(salt, 13, ikm, 22, info, 10, okm, 42), HY_OK,
		   "RFC 5869 A.1 derives");
	is_mem(okm, 42, want, wn, "RFC 5869 A.1 OKM");

	/* A.2: longer inputs and outputs (three blocks, last one partial) */
	seq(ikm, 80, 0x00);
	seq(salt, 80, 0x60);
	seq(info, 80, 0xb0);
	wn = unhex("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
			   "59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
			   "cc30c58179ec3e87c14c01d5c1f3434f1d87", want);
	is_int(hy_hkdf_sha256(salt, 80, ikm, 80, info, 80, okm, 82), HY_OK,
		   "RFC 5869 A.2 derives");
	is_mem(okm, 82, want, wn, "RFC 5869 A.2 OKM");

	/* A.3: zero-length salt and info */
	memset(ikm, 0x0b, 22);
	wn = unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
			   "9d201395faa4b61a96c8", want);
	is_int(hy_hkdf_sha256(NULL, 0, ikm, 22, NULL, 0, okm, 42), HY_OK,
		   "RFC 5869 A.3 derives (NULL salt and info)");
	is_mem(okm, 42, want, wn, "RFC 5869 A.3 OKM");
	memset(okm, 0, 42);
	hy_hkdf_sha256(salt, 0, ikm, 22, info, 0, okm, 42);
	is_mem(okm, 42, want, wn, "RFC 5869 A.3 with empty non-NULL salt");

	/* Every length up to four blocks and the maximum, against OpenSSL */
	seq(ikm, 80, 0x21);
	seq(salt, 80, 0x42);
	seq(info, 80, 0x63);
	for (size_t len = 1; len <= 130; len++)
	{
		hy_hkdf_sha256(salt, 17, ikm, 33, info, 9, okm, len);
		if (openssl_hkdf(salt, 17, ikm, 33, info, 9, want, len) != 0 ||
			memcmp(okm, want, len) != 0)
			mismatches++;
	}
	is_int(mismatches, 0, "lengths 1..130 agree with OpenSSL HKDF");
	is_int(hy_hkdf_sha256(salt, 80, ikm, 80, info, 80, okm,
						  HY_HKDF_SHA256_MAX_OUT), HY_OK,
		   "255 blocks allowed");
	ok(openssl_hkdf(salt, 80, ikm, 80, info, 80, want,
					HY_HKDF_SHA256_MAX_OUT) == 0 &&
	   memcmp(okm, want, HY_HKDF_SHA256_MAX_OUT) == 0,
	   "255 blocks agree with OpenSSL HKDF");

	/* Limits and argument checks */
	is_int(hy_hkdf_sha256(salt, 80, ikm, 80, info, 80, okm,
						  HY_HKDF_SHA256_MAX_OUT + 1), HY_ERR_TOO_LONG,
		   "more than 255 blocks refused");
	is_int(hy_hkdf_sha256(salt, 80, ikm, 80, info, 80, okm, 0), HY_OK,
		   "zero-length output");
	is_int(hy_hkdf_sha256(NULL, 3, ikm, 80, info, 80, okm, 32),
		   HY_ERR_INVALID, "NULL salt with a length refused");
	is_int(hy_hkdf_sha256(salt, 3, NULL, 80, info, 80, okm, 32),
		   HY_ERR_INVALID, "NULL ikm with a length refused");
	is_int(hy_hkdf_sha256(salt, 3, ikm, 80, info, 80, NULL, 32),
		   HY_ERR_INVALID, "NULL output with a length refused");
	return tap_done();
}
