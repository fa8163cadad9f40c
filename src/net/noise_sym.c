/*
 * noise_sym.c — Noise CipherState and SymmetricState for
 * Noise_XX_25519_ChaChaPoly_SHA256 (Noise spec sections 5.1, 5.2).
 */
#include "net/noise_sym.h"

#include <string.h>
#include <sodium.h>

#include "core/err.h"

/* Build the ChaChaPoly nonce: 4 zero bytes then n little-endian */
static void
noise_nonce(uint64_t n, uint8_t nonce[12])
{
	memset(nonce, 0, 4);
	for (int i = 0; i < 8; i++)
		nonce[4 + i] = (uint8_t) (n >> (8 * i));
}

/* Set a cipher key and reset its nonce */
void
hy_noise_cs_set(hy_noise_cs *cs, const uint8_t k[32])
{
	memcpy(cs->k, k, 32);
	cs->n = 0;
	cs->has_key = 1;
}

/* EncryptWithAd; n = 2^64-1 is reserved, so reaching it is an error */
int
hy_noise_cs_encrypt_ad(hy_noise_cs *cs, const uint8_t *ad, size_t adlen,
					   const uint8_t *pt, size_t len, uint8_t *out, size_t cap)
{
	uint8_t		nonce[12];
	unsigned long long clen;

	if (!cs->has_key)
	{
		if (len > cap)
			return HY_ERR_NOSPACE;
		if (len > 0)
			memmove(out, pt, len);	/* pt may be NULL when len is 0 */
		return (int) len;
	}
	if (len > HY_NOISE_PLAINTEXT_MAX)
		return HY_ERR_TOO_LONG;
	if (len + HY_NOISE_TAG_LEN > cap)
		return HY_ERR_NOSPACE;
	if (cs->n == UINT64_MAX)
		return HY_ERR_TOO_LONG;
	noise_nonce(cs->n, nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, &clen, pt, len, ad, adlen,
											  NULL, nonce, cs->k);
	cs->n++;
	return (int) clen;
}

/* DecryptWithAd; a failed tag check leaves n unchanged */
int
hy_noise_cs_decrypt_ad(hy_noise_cs *cs, const uint8_t *ad, size_t adlen,
					   const uint8_t *ct, size_t len, uint8_t *out, size_t cap)
{
	uint8_t		nonce[12];
	unsigned long long plen;

	if (!cs->has_key)
	{
		if (len > cap)
			return HY_ERR_NOSPACE;
		if (len > 0)
			memmove(out, ct, len);
		return (int) len;
	}
	if (len < HY_NOISE_TAG_LEN)
		return HY_ERR_TRUNCATED;
	if (len > HY_NOISE_MSG_MAX)
		return HY_ERR_TOO_LONG;
	if (len - HY_NOISE_TAG_LEN > cap)
		return HY_ERR_NOSPACE;
	if (cs->n == UINT64_MAX)
		return HY_ERR_TOO_LONG;
	noise_nonce(cs->n, nonce);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, &plen, NULL, ct, len,
												  ad, adlen, nonce, cs->k) != 0)
		return HY_ERR_CRYPTO;
	cs->n++;
	return (int) plen;
}

/* InitializeSymmetric: the name is exactly HASHLEN bytes, so h = name */
void
hy_noise_ss_init(hy_noise_ss *ss)
{
	memset(ss, 0, sizeof(*ss));
	memcpy(ss->h, HY_NOISE_NAME, 32);
	memcpy(ss->ck, ss->h, 32);
}

/* MixHash: h = SHA-256(h || data) */
void
hy_noise_ss_mix_hash(hy_noise_ss *ss, const uint8_t *data, size_t len)
{
	crypto_hash_sha256_state st;

	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, ss->h, 32);
	if (len > 0)
		crypto_hash_sha256_update(&st, data, len);
	crypto_hash_sha256_final(&st, ss->h);
}

/* Noise HKDF with two outputs (the third is never needed by XX) */
static void
noise_hkdf2(const uint8_t ck[32], const uint8_t *ikm, size_t len,
			uint8_t o1[32], uint8_t o2[32])
{
	crypto_auth_hmacsha256_state st;
	uint8_t		temp[32];
	uint8_t		one = 0x01,
				two = 0x02;

	crypto_auth_hmacsha256_init(&st, ck, 32);
	crypto_auth_hmacsha256_update(&st, ikm, len);
	crypto_auth_hmacsha256_final(&st, temp);

	crypto_auth_hmacsha256_init(&st, temp, 32);
	crypto_auth_hmacsha256_update(&st, &one, 1);
	crypto_auth_hmacsha256_final(&st, o1);

	crypto_auth_hmacsha256_init(&st, temp, 32);
	crypto_auth_hmacsha256_update(&st, o1, 32);
	crypto_auth_hmacsha256_update(&st, &two, 1);
	crypto_auth_hmacsha256_final(&st, o2);

	sodium_memzero(temp, sizeof(temp));
	sodium_memzero(&st, sizeof(st));
}

/* MixKey: ck, k = HKDF(ck, ikm) and reset the nonce */
void
hy_noise_ss_mix_key(hy_noise_ss *ss, const uint8_t *ikm, size_t len)
{
	uint8_t		ck[32],
				k[32];

	noise_hkdf2(ss->ck, ikm, len, ck, k);
	memcpy(ss->ck, ck, 32);
	hy_noise_cs_set(&ss->cs, k);
	sodium_memzero(ck, sizeof(ck));
	sodium_memzero(k, sizeof(k));
}

/* EncryptAndHash: AD is h, then the ciphertext is mixed into h */
int
hy_noise_ss_encrypt_hash(hy_noise_ss *ss, const uint8_t *pt, size_t len,
						 uint8_t *out, size_t cap)
{
	int			n = hy_noise_cs_encrypt_ad(&ss->cs, ss->h, 32, pt, len, out, cap);

	if (n >= 0)
		hy_noise_ss_mix_hash(ss, out, (size_t) n);
	return n;
}

/* DecryptAndHash: h must absorb the ciphertext, so hash it before decrypting in place */
int
hy_noise_ss_decrypt_hash(hy_noise_ss *ss, const uint8_t *ct, size_t len,
						 uint8_t *out, size_t cap)
{
	uint8_t		h_before[32];
	int			n;

	memcpy(h_before, ss->h, 32);
	hy_noise_ss_mix_hash(ss, ct, len);
	n = hy_noise_cs_decrypt_ad(&ss->cs, h_before, 32, ct, len, out, cap);
	return n;
}

/* Split: k1, k2 = HKDF(ck, "") */
void
hy_noise_ss_split(hy_noise_ss *ss, uint8_t k1[32], uint8_t k2[32])
{
	noise_hkdf2(ss->ck, NULL, 0, k1, k2);
}
