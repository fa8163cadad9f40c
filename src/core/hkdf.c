/*
 * hkdf.c — HKDF-SHA256 extract-then-expand (RFC 5869, section 2).
 */
#include <string.h>

#include <sodium.h>

#include "core/err.h"
#include "core/hkdf.h"

#define HASH_LEN crypto_auth_hmacsha256_BYTES

/* Feed bytes to an HMAC, skipping empty inputs whose pointer may be NULL */
static void
hmac_update(crypto_auth_hmacsha256_state *st, const uint8_t *p, size_t n)
{
	if (n > 0)
		crypto_auth_hmacsha256_update(st, p, n);
}

/* Derive out_len bytes from ikm with HKDF-SHA256 */
int
hy_hkdf_sha256(const uint8_t *salt, size_t salt_len,
			   const uint8_t *ikm, size_t ikm_len,
			   const uint8_t *info, size_t info_len,
			   uint8_t *out, size_t out_len)
{
	static const uint8_t zero_salt[HASH_LEN];
	crypto_auth_hmacsha256_state st;
	uint8_t		prk[HASH_LEN];
	uint8_t		t[HASH_LEN];
	size_t		done = 0;
	uint8_t		counter = 0;

	if (out_len > HY_HKDF_SHA256_MAX_OUT)
		return HY_ERR_TOO_LONG;
	if ((salt == NULL && salt_len) || (ikm == NULL && ikm_len) ||
		(info == NULL && info_len) || (out == NULL && out_len))
		return HY_ERR_INVALID;
	/* HMAC-SHA256 needs no initialisation; failing it changes nothing */
	if (sodium_init() < 0)
	{
	}

	/* Extract: PRK = HMAC(salt, IKM); an absent salt is HashLen zeros */
	if (salt_len == 0)
	{
		salt = zero_salt;
		salt_len = sizeof(zero_salt);
	}
	crypto_auth_hmacsha256_init(&st, salt, salt_len);
	hmac_update(&st, ikm, ikm_len);
	crypto_auth_hmacsha256_final(&st, prk);

	/* Expand: T(i) = HMAC(PRK, T(i-1) || info || i), T(0) empty */
	while (done < out_len)
	{
		size_t		n = out_len - done < HASH_LEN ? out_len - done : HASH_LEN;

		counter++;
		crypto_auth_hmacsha256_init(&st, prk, sizeof(prk));
		if (counter > 1)
			hmac_update(&st, t, sizeof(t));
		hmac_update(&st, info, info_len);
		hmac_update(&st, &counter, 1);
		crypto_auth_hmacsha256_final(&st, t);
		memcpy(out + done, t, n);
		done += n;
	}

	sodium_memzero(prk, sizeof(prk));
	sodium_memzero(t, sizeof(t));
	sodium_memzero(&st, sizeof(st));
	return HY_OK;
}
