/*
 * hkdf.h — HKDF-SHA256 (RFC 5869) over libsodium's HMAC-SHA256.
 */
#ifndef HY_CORE_HKDF_H
#define HY_CORE_HKDF_H

#include <stddef.h>
#include <stdint.h>

/* RFC 5869 caps the output at 255 blocks of the hash length */
#define HY_HKDF_SHA256_MAX_OUT (255 * 32)

/*
 * Derive out_len bytes from ikm: extract with salt (NULL/empty = 32 zero
 * bytes), expand with info.  HY_OK, or HY_ERR_TOO_LONG / HY_ERR_INVALID.
 */
int			hy_hkdf_sha256(const uint8_t *salt, size_t salt_len,
						   const uint8_t *ikm, size_t ikm_len,
						   const uint8_t *info, size_t info_len,
						   uint8_t *out, size_t out_len);

#endif
