/*
 * keys_ossl.h — the key types verified with OpenSSL libcrypto: RSA,
 * ECDSA (SPKI, NIST curves) and secp256k1 (internal to the keys module).
 */
#ifndef HY_CORE_KEYS_OSSL_H
#define HY_CORE_KEYS_OSSL_H

#include <stddef.h>
#include <stdint.h>

#include "core/keys.h"

/* Validate the Data of an RSA, ECDSA or secp256k1 PublicKey */
int			hy_ossl_pubkey_check(hy_key_type type, const uint8_t *data,
								 size_t len);

/* Verify a DER / PKCS#1 v1.5 signature over SHA-256(msg) */
int			hy_ossl_verify(hy_key_type type, const uint8_t *data, size_t len,
						   const uint8_t *msg, size_t msg_len,
						   const uint8_t *sig, size_t sig_len);

#endif
