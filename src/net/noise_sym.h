/*
 * noise_sym.h — Noise CipherState and SymmetricState primitives (internal
 * to src/net/noise*.c): ChaChaPoly with the Noise nonce, SHA-256 hashing
 * and the two-output HKDF.
 */
#ifndef HY_NET_NOISE_SYM_H
#define HY_NET_NOISE_SYM_H

#include "net/noise.h"

/* Set a cipher key and reset its nonce */
void		hy_noise_cs_set(hy_noise_cs *cs, const uint8_t k[32]);

/* EncryptWithAd; without a key the plaintext is copied.  Bytes or negative */
int			hy_noise_cs_encrypt_ad(hy_noise_cs *cs, const uint8_t *ad, size_t adlen,
								   const uint8_t *pt, size_t len,
								   uint8_t *out, size_t cap);

/* DecryptWithAd; without a key the input is copied.  Bytes or negative */
int			hy_noise_cs_decrypt_ad(hy_noise_cs *cs, const uint8_t *ad, size_t adlen,
								   const uint8_t *ct, size_t len,
								   uint8_t *out, size_t cap);

/* InitializeSymmetric with the 32-byte protocol name */
void		hy_noise_ss_init(hy_noise_ss *ss);

/* MixHash: h = SHA-256(h || data) */
void		hy_noise_ss_mix_hash(hy_noise_ss *ss, const uint8_t *data, size_t len);

/* MixKey: ck, k = HKDF(ck, ikm) and reset the nonce */
void		hy_noise_ss_mix_key(hy_noise_ss *ss, const uint8_t *ikm, size_t len);

/* EncryptAndHash; bytes written or negative */
int			hy_noise_ss_encrypt_hash(hy_noise_ss *ss, const uint8_t *pt, size_t len,
									 uint8_t *out, size_t cap);

/* DecryptAndHash; bytes written or negative */
int			hy_noise_ss_decrypt_hash(hy_noise_ss *ss, const uint8_t *ct, size_t len,
									 uint8_t *out, size_t cap);

/* Split: k1 (initiator to responder), k2 (responder to initiator) */
void		hy_noise_ss_split(hy_noise_ss *ss, uint8_t k1[32], uint8_t k2[32]);

#endif
